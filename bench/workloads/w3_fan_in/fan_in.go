// fan_in.go — W3's Go peer: four producer goroutines, each owning and closing
// its own capacity-1024 channel, merged on main by a select over the four;
// a drained channel is set to nil so select stops considering it (the
// standard Go idiom for merging a fixed set of channels). Prints
// `checksum S` like fan_in.flow.
package main

import (
	"flag"
	"fmt"
)

func main() {
	n := flag.Int64("n", 8_000_000, "items over all sources")
	flag.Parse()
	per := *n / 4

	var chans [4]chan int64
	for k := range chans {
		ch := make(chan int64, 1024)
		chans[k] = ch
		base := int64(k) * per
		go func() {
			for i := int64(0); i < per; i++ {
				ch <- base + i
			}
			close(ch)
		}()
	}

	a, b, c, d := chans[0], chans[1], chans[2], chans[3]
	var sum int64
	for open := 4; open > 0; {
		select {
		case x, ok := <-a:
			if !ok {
				a, open = nil, open-1
				continue
			}
			sum += x
		case x, ok := <-b:
			if !ok {
				b, open = nil, open-1
				continue
			}
			sum += x
		case x, ok := <-c:
			if !ok {
				c, open = nil, open-1
				continue
			}
			sum += x
		case x, ok := <-d:
			if !ok {
				d, open = nil, open-1
				continue
			}
			sum += x
		}
	}
	fmt.Printf("checksum %d\n", sum)
}
