// Command leafbench measures publishing on a leaf server with the
// subscribers on its hub: the delivery rate, and the CPU time per message
// of both servers together (read from /proc/PID/stat, Linux only).
// scripts/bench-leaf.sh runs it against natsd and nats-server pairs side
// by side.
package main

import (
	"flag"
	"fmt"
	"os"
	"strconv"
	"strings"
	"sync/atomic"
	"time"

	"github.com/nats-io/nats.go"
)

func main() {
	leafURL := flag.String("leaf", "nats://127.0.0.1:4223", "the leaf server's client URL (publisher)")
	hubURL := flag.String("hub", "nats://127.0.0.1:4222", "the hub's client URL (subscriber)")
	pids := flag.String("pids", "", "comma-separated server process ids, for their CPU time")
	msgs := flag.Int("msgs", 200000, "messages to publish")
	size := flag.Int("size", 128, "payload size")
	name := flag.String("name", "servers", "label for the output line")
	window := flag.Int64("window", 20000, "most messages in flight")
	flag.Parse()

	var received atomic.Int64
	want := int64(*msgs)
	done := make(chan struct{})
	sub := connect(*hubURL)
	defer sub.Close()
	sub.Subscribe("bench", func(*nats.Msg) {
		if received.Add(1) == want {
			close(done)
		}
	})
	sub.Flush()
	pub := connect(*leafURL)
	defer pub.Close()
	// Wait until the hub's interest reached the leaf: a request through
	// both servers to a responder on the hub.
	sub.Subscribe("bench.ready", func(m *nats.Msg) { m.Respond(nil) })
	sub.Flush()
	deadline := time.Now().Add(10 * time.Second)
	for {
		if _, err := pub.Request("bench.ready", nil, 200*time.Millisecond); err == nil {
			break
		}
		if time.Now().After(deadline) {
			fail("%s: the leaf never heard of the hub's interest", *name)
		}
	}
	payload := make([]byte, *size)
	var ids []int
	for _, p := range strings.Split(*pids, ",") {
		if n, err := strconv.Atoi(p); err == nil {
			ids = append(ids, n)
		}
	}
	cpu0 := cpuTime(ids)
	start := time.Now()
	for j := 0; j < *msgs; j++ {
		if err := pub.Publish("bench", payload); err != nil {
			fail("publish: %v", err)
		}
		if j%1000 == 0 {
			for int64(j)-received.Load() > *window {
				time.Sleep(20 * time.Microsecond)
			}
		}
	}
	pub.Flush()
	select {
	case <-done:
	case <-time.After(60 * time.Second):
		fail("%s: received %d of %d messages in 60s", *name, received.Load(), want)
	}
	elapsed := time.Since(start)
	cpu := cpuTime(ids) - cpu0
	finished.Store(true)
	fmt.Printf("%-12s %d msgs x %d B leaf→hub: %.0f msgs/s, servers' CPU %.2fs = %.2f µs/msg\n",
		*name, *msgs, *size, float64(want)/elapsed.Seconds(), cpu.Seconds(), float64(cpu.Microseconds())/float64(*msgs))
}

var finished atomic.Bool

func connect(url string) *nats.Conn {
	nc, err := nats.Connect(url, nats.MaxReconnects(0),
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

// cpuTime is the user plus system CPU time of the processes so far.
func cpuTime(pids []int) time.Duration {
	var total time.Duration
	for _, pid := range pids {
		b, err := os.ReadFile(fmt.Sprintf("/proc/%d/stat", pid))
		if err != nil {
			fail("reading a server's CPU time: %v", err)
		}
		s := string(b)
		f := strings.Fields(s[strings.LastIndexByte(s, ')')+2:])
		ut, _ := strconv.ParseInt(f[11], 10, 64)
		st, _ := strconv.ParseInt(f[12], 10, 64)
		total += time.Duration(ut+st) * time.Second / 100 // USER_HZ
	}
	return total
}

func fail(format string, args ...any) {
	fmt.Fprintf(os.Stderr, "leafbench: "+format+"\n", args...)
	os.Exit(1)
}
