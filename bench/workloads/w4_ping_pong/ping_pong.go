// ping_pong.go — W4's Go peer: main sends i on an unbuffered channel, a
// ponger goroutine answers i+1 on a second unbuffered channel; n round trips.
// The harness divides wall time by n for ns per round trip. Prints
// `checksum S`, S = sum of the answers = n(n+1)/2, like ping_pong_flow.cpp.
package main

import (
	"flag"
	"fmt"
)

func main() {
	n := flag.Int64("n", 1_000_000, "round trips")
	flag.Parse()

	ping := make(chan int64)
	pong := make(chan int64)
	go func() {
		for x := range ping {
			pong <- x + 1
		}
		close(pong)
	}()

	var sum int64
	for i := int64(0); i < *n; i++ {
		ping <- i
		sum += <-pong
	}
	close(ping)
	fmt.Printf("checksum %d\n", sum)
}
