// append_build.go — W14's Go peer: builds a slice of n ints with append
// (starting from a one-element slice, as the Flow program does) and sums it.
// Prints `checksum S`.
package main

import (
	"flag"
	"fmt"
)

func main() {
	n := flag.Int64("n", 1_000_000, "ints to append")
	flag.Parse()

	xs := []int64{0}
	for i := int64(1); i < *n; i++ {
		xs = append(xs, i)
	}
	var sum int64
	for _, x := range xs {
		sum += x
	}
	fmt.Printf("checksum %d\n", sum)
}
