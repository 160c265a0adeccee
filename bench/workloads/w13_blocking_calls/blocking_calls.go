// blocking_calls.go — W13's Go peer: a producer goroutine feeds a
// capacity-100 jobs channel, `pool` worker goroutines range over it, each
// call blocking its thread in a nanosleep system call (syscall.Nanosleep:
// the runtime hands the P of a goroutine stuck in a system call to another
// thread, as it would for a blocking driver or cgo call), and send 2*job+1
// to a capacity-100 results channel that main sums. Prints `checksum S`
// like blocking_calls.flow.
package main

import (
	"flag"
	"fmt"
	"sync"
	"syscall"
)

func blockCall(job, ms int64) int64 {
	ts := syscall.NsecToTimespec(ms * 1_000_000)
	for syscall.Nanosleep(&ts, &ts) != nil {
	}
	return 2*job + 1
}

func main() {
	n := flag.Int64("n", 200, "calls")
	pool := flag.Int("pool", 50, "worker goroutines")
	ms := flag.Int64("ms", 20, "milliseconds each call blocks")
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
				results <- blockCall(job, *ms)
			}
		}()
	}
	go func() {
		wg.Wait()
		close(results)
	}()

	var sum int64
	for r := range results {
		sum += r
	}
	fmt.Printf("checksum %d\n", sum)
}
