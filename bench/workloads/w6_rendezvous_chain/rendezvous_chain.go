// rendezvous_chain.go — W6's Go peer: a producer goroutine, an incrementing
// goroutine and main, over two channels of capacity `cap` (0: unbuffered),
// each closed by its writer. Prints `checksum S` like rendezvous_chain.flow.
package main

import (
	"flag"
	"fmt"
)

func main() {
	n := flag.Int64("n", 1_000_000, "items")
	capacity := flag.Int("cap", 0, "channel capacity")
	flag.Parse()

	nums := make(chan int64, *capacity)
	incremented := make(chan int64, *capacity)
	go func() {
		for i := int64(0); i < *n; i++ {
			nums <- i
		}
		close(nums)
	}()
	go func() {
		for x := range nums {
			incremented <- x + 1
		}
		close(incremented)
	}()
	var sum int64
	for x := range incremented {
		sum += x
	}
	fmt.Printf("checksum %d\n", sum)
}
