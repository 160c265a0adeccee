// pipeline3.go — W1's Go peer: the same three-hop pipeline as pipeline3.flow,
// written the way Go is usually written: one goroutine per stage, buffered
// channels of capacity 1024, each stage closes the channel it owns when its
// input is drained, the sink runs on main. Prints `checksum S` (the wrapping
// int64 sum the sink sees).
package main

import (
	"flag"
	"fmt"
)

func main() {
	n := flag.Int64("n", 10_000_000, "items the source emits")
	flag.Parse()

	nums := make(chan int64, 1024)
	odds := make(chan int64, 1024)
	kept := make(chan int64, 1024)

	go func() {
		for i := int64(0); i < *n; i++ {
			nums <- i
		}
		close(nums)
	}()
	go func() {
		for x := range nums {
			odds <- x*2 + 1
		}
		close(odds)
	}()
	go func() {
		for x := range odds {
			if x%3 != 0 {
				kept <- x
			}
		}
		close(kept)
	}()

	var sum int64
	for x := range kept {
		sum += x
	}
	fmt.Printf("checksum %d\n", sum)
}
