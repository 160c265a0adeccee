// word_freq.go — W9's Go peer: a bufio.Scanner reads the text; the lines
// are split with strings.Fields, and each word goes to the counting
// goroutine its FNV-1a hash picks (in slices of 1024 words, so channel
// traffic is not what is measured); each of the `pool` goroutines counts
// in its own map; main merges the maps and takes the 10 most frequent
// words, ties in word order. Prints `checksum S` like word_freq.flow.
package main

import (
	"bufio"
	"flag"
	"fmt"
	"os"
	"sort"
	"strings"
	"sync"
)

func fnv32a(s string) uint32 {
	h := uint32(2166136261)
	for i := 0; i < len(s); i++ {
		h ^= uint32(s[i])
		h *= 16777619
	}
	return h
}

func main() {
	path := flag.String("path", "", "text file")
	flag.Int("mb", 0, "input size in MB (informational)")
	pool := flag.Int("pool", 2, "counting goroutines")
	flag.Parse()

	f, err := os.Open(*path)
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		os.Exit(1)
	}
	defer f.Close()

	const batch = 1024
	parts := make([]chan []string, *pool)
	for i := range parts {
		parts[i] = make(chan []string, 16)
	}
	go func() {
		sc := bufio.NewScanner(f)
		sc.Buffer(make([]byte, 1<<20), 1<<20)
		out := make([][]string, *pool)
		for sc.Scan() {
			for _, w := range strings.Fields(sc.Text()) {
				p := int(fnv32a(w) % uint32(*pool))
				out[p] = append(out[p], w)
				if len(out[p]) == batch {
					parts[p] <- out[p]
					out[p] = make([]string, 0, batch)
				}
			}
		}
		for p := range out {
			if len(out[p]) > 0 {
				parts[p] <- out[p]
			}
			close(parts[p])
		}
	}()

	maps := make([]map[string]int64, *pool)
	var wg sync.WaitGroup
	wg.Add(*pool)
	for p := 0; p < *pool; p++ {
		go func(p int) {
			defer wg.Done()
			m := make(map[string]int64)
			for ws := range parts[p] {
				for _, w := range ws {
					m[w]++
				}
			}
			maps[p] = m
		}(p)
	}
	wg.Wait()

	all := make(map[string]int64)
	for _, m := range maps {
		for w, n := range m {
			all[w] += n
		}
	}
	type entry struct {
		word  string
		count int64
	}
	entries := make([]entry, 0, len(all))
	for w, n := range all {
		entries = append(entries, entry{w, n})
	}
	sort.Slice(entries, func(i, j int) bool {
		if entries[i].count != entries[j].count {
			return entries[i].count > entries[j].count
		}
		return entries[i].word < entries[j].word
	})
	var checksum int64
	for i := 0; i < 10 && i < len(entries); i++ {
		checksum += int64(i+1) * (entries[i].count + int64(len(entries[i].word)))
	}
	fmt.Printf("checksum %d\n", checksum)
}
