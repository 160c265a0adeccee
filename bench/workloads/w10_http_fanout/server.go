// server.go — W10's local HTTP server, started by bench/run.py on a free
// 127.0.0.1 port: answers GET /N with N after `delay_ms` (50 by default),
// one goroutine per connection, keep-alive. Prints `listening PORT` once it
// accepts connections. Not a peer: both clients talk to this one server.
package main

import (
	"flag"
	"fmt"
	"net"
	"net/http"
	"os"
	"strings"
	"time"
)

func main() {
	delayMs := flag.Int64("delay_ms", 50, "delay before each answer, ms")
	flag.Parse()
	delay := time.Duration(*delayMs) * time.Millisecond

	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		fmt.Fprintln(os.Stderr, "server:", err)
		os.Exit(1)
	}
	fmt.Printf("listening %d\n", ln.Addr().(*net.TCPAddr).Port)
	os.Stdout.Sync()
	handler := http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		time.Sleep(delay)
		w.Header().Set("Content-Type", "text/plain")
		fmt.Fprint(w, strings.TrimPrefix(r.URL.Path, "/"))
	})
	server := &http.Server{Handler: handler}
	if err := server.Serve(ln); err != nil {
		fmt.Fprintln(os.Stderr, "server:", err)
		os.Exit(1)
	}
}
