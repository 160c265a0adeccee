// worker_pool.go — W2's Go peer: a producer goroutine feeds a capacity-100
// jobs channel, `pool` worker goroutines range over it and send hashes to a
// capacity-100 results channel, which a closer goroutine closes after
// sync.WaitGroup says every worker is done; main collects. Prints
// `checksum S` like worker_pool.flow.
package main

import (
	"flag"
	"fmt"
	"sync"
)

// hashJob is W2's unit of work; int64 shifts (arithmetic >>) match Flow's.
func hashJob(job, rounds int64) int64 {
	x := job + 1
	for r := int64(0); r < rounds; r++ {
		x ^= x << 13
		x ^= x >> 7
		x ^= x << 17
	}
	return x
}

func main() {
	n := flag.Int64("n", 2_000_000, "jobs")
	pool := flag.Int("pool", 2, "worker goroutines")
	rounds := flag.Int64("rounds", 200, "xorshift rounds per job")
	flag.Parse()

	jobs := make(chan int64, 100)
	results := make(chan int64, 100)

	go func() {
		for i := int64(0); i < *n; i++ {
			jobs <- i
		}
		close(jobs)
	}()

	var wg sync.WaitGroup
	wg.Add(*pool)
	for w := 0; w < *pool; w++ {
		go func() {
			defer wg.Done()
			for job := range jobs {
				results <- hashJob(job, *rounds)
			}
		}()
	}
	go func() {
		wg.Wait()
		close(results)
	}()

	var sum int64
	for h := range results {
		sum += h
	}
	fmt.Printf("checksum %d\n", sum)
}
