// json_agg.go — W8's Go peer: a bufio.Scanner reads the JSON lines and
// hands them (in slices of 256, so channel traffic is not what is measured)
// to `decoders` goroutines that decode each with encoding/json into a
// struct; each reading goes to the summing goroutine its sensor hashes to
// (FNV-1a, `pool` of them), which keeps a map of its sensors' sums. main
// merges the maps. Values are multiples of 0.25: every sum is exact.
// Prints `checksum S` like json_agg.flow (4 × the total + the sensors).
package main

import (
	"bufio"
	"encoding/json"
	"flag"
	"fmt"
	"os"
	"sync"
)

type Reading struct {
	Sensor string  `json:"sensor"`
	Value  float64 `json:"value"`
	At     int64   `json:"at"`
	Unit   string  `json:"unit"`
	Ok     bool    `json:"ok"`
}

// fnv32a is FNV-1a over the sensor's bytes: which summing goroutine owns it.
func fnv32a(s string) uint32 {
	h := uint32(2166136261)
	for i := 0; i < len(s); i++ {
		h ^= uint32(s[i])
		h *= 16777619
	}
	return h
}

func main() {
	path := flag.String("path", "", "JSON lines")
	flag.Int64("n", 0, "lines (informational)")
	pool := flag.Int("pool", 2, "summing goroutines")
	decoders := flag.Int("decoders", 2, "decoding goroutines")
	flag.Parse()

	f, err := os.Open(*path)
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		os.Exit(1)
	}
	defer f.Close()

	const batch = 256
	lines := make(chan [][]byte, 16)
	go func() {
		sc := bufio.NewScanner(f)
		sc.Buffer(make([]byte, 1<<20), 1<<20)
		buf := make([][]byte, 0, batch)
		for sc.Scan() {
			buf = append(buf, append([]byte(nil), sc.Bytes()...))
			if len(buf) == batch {
				lines <- buf
				buf = make([][]byte, 0, batch)
			}
		}
		if len(buf) > 0 {
			lines <- buf
		}
		close(lines)
	}()

	parts := make([]chan []Reading, *pool)
	for i := range parts {
		parts[i] = make(chan []Reading, 16)
	}
	var decoding sync.WaitGroup
	decoding.Add(*decoders)
	for d := 0; d < *decoders; d++ {
		go func() {
			defer decoding.Done()
			out := make([][]Reading, *pool)
			for chunk := range lines {
				for _, line := range chunk {
					var r Reading
					if err := json.Unmarshal(line, &r); err != nil {
						fmt.Fprintln(os.Stderr, err)
						os.Exit(1)
					}
					w := int(fnv32a(r.Sensor) % uint32(*pool))
					out[w] = append(out[w], r)
				}
				for w := range out {
					if len(out[w]) > 0 {
						parts[w] <- out[w]
						out[w] = nil
					}
				}
			}
		}()
	}
	go func() {
		decoding.Wait()
		for _, p := range parts {
			close(p)
		}
	}()

	maps := make([]map[string]float64, *pool)
	var summing sync.WaitGroup
	summing.Add(*pool)
	for w := 0; w < *pool; w++ {
		go func(w int) {
			defer summing.Done()
			m := make(map[string]float64)
			for rs := range parts[w] {
				for _, r := range rs {
					m[r.Sensor] += r.Value
				}
			}
			maps[w] = m
		}(w)
	}
	summing.Wait()

	total, sensors := 0.0, int64(0)
	for _, m := range maps {
		for _, v := range m {
			total += v
			sensors++
		}
	}
	fmt.Printf("checksum %d\n", int64(total*4)+sensors)
}
