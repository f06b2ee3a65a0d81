// Command wsbench measures WebSocket pub/sub with nats.go over ws://:
// publishers and subscribers on one subject, the delivery rate, and the
// server's CPU time per message (read from /proc/PID/stat, Linux only).
// scripts/bench-websocket.sh runs it against natsd and nats-server side by
// side.
package main

import (
	"flag"
	"fmt"
	"os"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/nats-io/nats.go"
)

func main() {
	url := flag.String("url", "ws://127.0.0.1:8080", "server WebSocket URL")
	pid := flag.Int("pid", 0, "server process id, for its CPU time")
	msgs := flag.Int("msgs", 200000, "messages to publish in total")
	size := flag.Int("size", 128, "payload size")
	pubs := flag.Int("pubs", 1, "publishers")
	subs := flag.Int("subs", 1, "subscribers")
	compress := flag.Bool("compress", false, "ask for permessage-deflate")
	name := flag.String("name", "server", "label for the output line")
	window := flag.Int64("window", 20000, "most messages in flight per subscriber (bounds the server's backlog, whose write batches nats.go refuses past 8 x max_payload)")
	flag.Parse()

	var received, published atomic.Int64
	want := int64(*msgs) * int64(*subs)
	done := make(chan struct{})
	for i := 0; i < *subs; i++ {
		nc := connect(*url, *compress)
		defer nc.Close()
		nc.Subscribe("bench", func(*nats.Msg) {
			if received.Add(1) == want {
				close(done)
			}
		})
		nc.Flush()
	}
	payload := make([]byte, *size)
	cpu0 := cpuTime(*pid)
	start := time.Now()
	var wg sync.WaitGroup
	for i := 0; i < *pubs; i++ {
		nc := connect(*url, *compress)
		defer nc.Close()
		n := *msgs / *pubs
		if i == 0 {
			n += *msgs % *pubs
		}
		wg.Add(1)
		go func() {
			defer wg.Done()
			for j := 0; j < n; j++ {
				if err := nc.Publish("bench", payload); err != nil {
					fail("publish: %v", err)
				}
				if p := published.Add(1); p%1000 == 0 {
					for p-received.Load()/int64(*subs) > *window {
						time.Sleep(20 * time.Microsecond)
					}
				}
			}
			nc.Flush()
		}()
	}
	wg.Wait()
	select {
	case <-done:
	case <-time.After(60 * time.Second):
		fail("%s: received %d of %d messages in 60s", *name, received.Load(), want)
	}
	elapsed := time.Since(start)
	cpu := cpuTime(*pid) - cpu0
	finished.Store(true)
	fmt.Printf("%-12s %d msgs x %d B, %d pub / %d sub: %.0f msgs/s delivered, %.0f msgs/s published, server CPU %.2fs = %.2f µs/msg\n",
		*name, *msgs, *size, *pubs, *subs,
		float64(want)/elapsed.Seconds(), float64(*msgs)/elapsed.Seconds(),
		cpu.Seconds(), float64(cpu.Microseconds())/float64(*msgs))
}

// finished is set once the measurement is over; disconnections after it
// are the connections closing.
var finished atomic.Bool

func connect(url string, compress bool) *nats.Conn {
	nc, err := nats.Connect(url, nats.Compression(compress), nats.MaxReconnects(0),
		nats.ErrorHandler(func(_ *nats.Conn, _ *nats.Subscription, err error) { fail("%s: %v", url, err) }),
		nats.DisconnectErrHandler(func(_ *nats.Conn, err error) {
			if err != nil && !finished.Load() {
				fail("%s: disconnected: %v", url, err)
			}
		}))
	if err != nil {
		fail("connect %s: %v", url, err)
	}
	return nc
}

// cpuTime is the user plus system CPU time of pid so far.
func cpuTime(pid int) time.Duration {
	if pid == 0 {
		return 0
	}
	b, err := os.ReadFile(fmt.Sprintf("/proc/%d/stat", pid))
	if err != nil {
		fail("reading the server's CPU time: %v", err)
	}
	s := string(b)
	f := strings.Fields(s[strings.LastIndexByte(s, ')')+2:])
	ut, _ := strconv.ParseInt(f[11], 10, 64)
	st, _ := strconv.ParseInt(f[12], 10, 64)
	return time.Duration(ut+st) * time.Second / 100 // USER_HZ
}

func fail(format string, args ...any) {
	fmt.Fprintf(os.Stderr, "wsbench: "+format+"\n", args...)
	os.Exit(1)
}
