// http_fanout.go — W10's Go peer: `pool` goroutines range over a
// capacity-100 jobs channel and GET url/N with net/http's client, each
// request under its own context.WithTimeout, sending the parsed answer to a
// capacity-100 done channel that is closed once a sync.WaitGroup sees every
// worker finish; main sums. The transport keeps up to `pool` idle
// connections to the host (the default, 2, would reconnect for nearly every
// request), as a Go programmer writing this fan-out would set it. Prints
// `checksum S` like http_fanout.flow.
package main

import (
	"context"
	"flag"
	"fmt"
	"io"
	"net/http"
	"os"
	"strconv"
	"sync"
	"time"
)

func main() {
	jobs := flag.Int64("jobs", 10_000, "requests")
	pool := flag.Int("pool", 1_000, "worker goroutines")
	url := flag.String("url", "http://127.0.0.1:8080", "server")
	timeoutMs := flag.Int64("timeout_ms", 10_000, "per-request timeout, ms")
	flag.Parse()
	limit := time.Duration(*timeoutMs) * time.Millisecond

	client := &http.Client{Transport: &http.Transport{
		MaxIdleConns:        *pool,
		MaxIdleConnsPerHost: *pool,
	}}
	todo := make(chan int64, 100)
	done := make(chan int64, 100)
	go func() {
		for i := int64(0); i < *jobs; i++ {
			todo <- i
		}
		close(todo)
	}()

	fetch := func(job int64) (int64, error) {
		ctx, cancel := context.WithTimeout(context.Background(), limit)
		defer cancel()
		req, err := http.NewRequestWithContext(ctx, "GET", fmt.Sprintf("%s/%d", *url, job), nil)
		if err != nil {
			return 0, err
		}
		resp, err := client.Do(req)
		if err != nil {
			return 0, err
		}
		defer resp.Body.Close()
		body, err := io.ReadAll(resp.Body)
		if err != nil {
			return 0, err
		}
		if resp.StatusCode >= 400 {
			return 0, fmt.Errorf("HTTP %d", resp.StatusCode)
		}
		return strconv.ParseInt(string(body), 10, 64)
	}

	var wg sync.WaitGroup
	wg.Add(*pool)
	for w := 0; w < *pool; w++ {
		go func() {
			defer wg.Done()
			for job := range todo {
				v, err := fetch(job)
				if err != nil {
					fmt.Fprintln(os.Stderr, "error:", err)
					os.Exit(3)
				}
				done <- v
			}
		}()
	}
	go func() {
		wg.Wait()
		close(done)
	}()

	var sum int64
	for v := range done {
		sum += v
	}
	fmt.Printf("checksum %d\n", sum)
}
