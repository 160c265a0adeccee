// sleepers.go — W5's Go peer: `pool` goroutines range over a capacity-100
// jobs channel, time.Sleep for each job, and send the job id to a capacity-100
// done channel that is closed once a sync.WaitGroup sees every worker finish;
// main sums. Prints `checksum S` (sum of job ids) like sleepers.flow.
package main

import (
	"flag"
	"fmt"
	"sync"
	"time"
)

func main() {
	jobs := flag.Int64("jobs", 10_000, "jobs")
	pool := flag.Int("pool", 1_000, "worker goroutines")
	napMs := flag.Int64("nap_ms", 50, "sleep per job, ms")
	flag.Parse()
	nap := time.Duration(*napMs) * time.Millisecond

	todo := make(chan int64, 100)
	done := make(chan int64, 100)
	go func() {
		for i := int64(0); i < *jobs; i++ {
			todo <- i
		}
		close(todo)
	}()

	var wg sync.WaitGroup
	wg.Add(*pool)
	for w := 0; w < *pool; w++ {
		go func() {
			defer wg.Done()
			for job := range todo {
				time.Sleep(nap)
				done <- job
			}
		}()
	}
	go func() {
		wg.Wait()
		close(done)
	}()

	var sum int64
	for job := range done {
		sum += job
	}
	fmt.Printf("checksum %d\n", sum)
}
