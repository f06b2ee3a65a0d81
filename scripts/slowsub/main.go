// Command slowsub measures what one slow subscriber costs its neighbours
// (issue 17). Against a running server it starts:
//
//   - a publisher sending -rate messages per second of -size bytes to one
//     subject, each carrying its send time;
//   - a healthy nats.go subscriber on that subject, recording each message's
//     latency;
//   - a slow subscriber over raw TCP with a 4 KiB socket receive buffer,
//     which subscribes and then never reads.
//
// It runs until the server cuts the slow subscriber off (seen in /varz
// slow_consumers), then -after longer, and prints the healthy subscriber's
// latency (P50, P99, max, and the worst moments) and, with -pid, the
// server's RSS: before the flood, its peak, and -after past the cut-off.
// It is a measurement, not a pass/fail test: run it on a quiet machine and
// compare builds side by side. scripts/slowsub-bench.sh wraps it.
package main

import (
	"bufio"
	"encoding/binary"
	"encoding/json"
	"flag"
	"fmt"
	"net"
	"net/http"
	"os"
	"sort"
	"strconv"
	"strings"
	"sync"
	"syscall"
	"time"

	"github.com/nats-io/nats.go"
)

func main() {
	addr := flag.String("addr", "127.0.0.1:4222", "server client address")
	mon := flag.String("mon", "", "server monitoring address (host:port), to see the cut-off in /varz")
	pid := flag.Int("pid", 0, "server process id, to sample its RSS")
	rate := flag.Int("rate", 20000, "messages per second")
	size := flag.Int("size", 1024, "payload bytes")
	slow := flag.Bool("slow", true, "add the slow subscriber")
	rcvbuf := flag.Int("rcvbuf", 4096, "the slow subscriber's socket receive buffer")
	after := flag.Duration("after", 10*time.Second, "how long to go on after the cut-off")
	limit := flag.Duration("limit", 30*time.Second, "longest flood without a cut-off")
	flag.Parse()
	if *size < 8 {
		*size = 8
	}

	rss := newRSSSampler(*pid)
	defer rss.stop()

	subj := "slowsub.bench"
	healthy, err := nats.Connect("nats://"+*addr, nats.Name("healthy"))
	check(err)
	defer healthy.Close()
	rec := &recorder{}
	hs, err := healthy.Subscribe(subj, func(m *nats.Msg) {
		if len(m.Data) >= 8 {
			rec.add(time.Now().UnixNano() - int64(binary.LittleEndian.Uint64(m.Data)))
		}
	})
	check(err)
	check(hs.SetPendingLimits(-1, -1))
	check(healthy.Flush())

	if *slow {
		sc, err := slowSubscriber(*addr, subj, *rcvbuf)
		check(err)
		defer sc.Close() // also keeps it from being collected (and closed)
	}

	pub, err := nats.Connect("nats://"+*addr, nats.Name("publisher"))
	check(err)
	defer pub.Close()

	time.Sleep(500 * time.Millisecond)
	baseRSS := rss.now()
	rss.resetPeak()

	start := time.Now()
	rec.start = start
	var cutAt time.Time
	var cutMu sync.Mutex
	stopWatch := make(chan struct{})
	if *slow && *mon != "" {
		go func() {
			t := time.NewTicker(20 * time.Millisecond)
			defer t.Stop()
			for {
				select {
				case <-stopWatch:
					return
				case <-t.C:
				}
				if n := slowConsumers(*mon); n > 0 {
					cutMu.Lock()
					cutAt = time.Now()
					cutMu.Unlock()
					return
				}
			}
		}()
	}

	payload := make([]byte, *size)
	const tick = time.Millisecond
	perTick := float64(*rate) * tick.Seconds()
	sent := 0
	var cutRSS, afterRSS int64
	ticker := time.NewTicker(tick)
	for {
		<-ticker.C
		due := int(time.Since(start).Seconds()*float64(*rate)) - sent
		if due > int(perTick*50) { // a stalled publisher catches up smoothly
			due = int(perTick * 50)
		}
		for i := 0; i < due; i++ {
			binary.LittleEndian.PutUint64(payload, uint64(time.Now().UnixNano()))
			check(pub.Publish(subj, payload))
			sent++
		}
		cutMu.Lock()
		cut := cutAt
		cutMu.Unlock()
		el := time.Since(start)
		if !cut.IsZero() {
			if cutRSS == 0 {
				cutRSS = rss.now()
			}
			if time.Since(cut) >= *after {
				afterRSS = rss.now()
				break
			}
		} else if el > *limit {
			break
		}
	}
	ticker.Stop()
	close(stopWatch)
	check(pub.Flush())
	// Let the last messages arrive.
	deadline := time.Now().Add(5 * time.Second)
	for rec.count() < sent && time.Now().Before(deadline) {
		time.Sleep(10 * time.Millisecond)
	}
	dur := time.Since(start)

	fmt.Printf("flood: %d msgs of %d B at %d msgs/s over %.1fs, slow subscriber: %v\n", sent, *size, *rate, dur.Seconds(), *slow)
	if *slow {
		if cutAt.IsZero() {
			fmt.Printf("cut-off: not seen\n")
		} else {
			fmt.Printf("cut-off: at %.2fs\n", cutAt.Sub(start).Seconds())
		}
	}
	fmt.Printf("healthy subscriber: received %d of %d\n", rec.count(), sent)
	rec.report(cutAt)
	if *pid > 0 {
		peak := rss.peakRSS()
		fmt.Printf("server RSS: before %.1f MiB, peak %.1f MiB (+%.1f MiB)", mib(baseRSS), mib(peak), mib(peak-baseRSS))
		if cutRSS > 0 {
			fmt.Printf(", at cut-off %.1f MiB, %v after cut-off %.1f MiB", mib(cutRSS), *after, mib(afterRSS))
		}
		fmt.Println()
	}
}

func mib(n int64) float64 { return float64(n) / (1 << 20) }

func check(err error) {
	if err != nil {
		fmt.Fprintln(os.Stderr, "slowsub:", err)
		os.Exit(1)
	}
}

// slowSubscriber subscribes over a socket with a tiny receive buffer and
// then never reads again.
func slowSubscriber(addr, subj string, rcvbuf int) (net.Conn, error) {
	d := net.Dialer{Control: func(_, _ string, rc syscall.RawConn) error {
		var serr error
		err := rc.Control(func(fd uintptr) {
			serr = syscall.SetsockoptInt(int(fd), syscall.SOL_SOCKET, syscall.SO_RCVBUF, rcvbuf)
		})
		if err != nil {
			return err
		}
		return serr
	}}
	c, err := d.Dial("tcp", addr)
	if err != nil {
		return nil, err
	}
	c.SetDeadline(time.Now().Add(5 * time.Second))
	br := bufio.NewReader(c)
	if _, err := br.ReadString('\n'); err != nil {
		return nil, err
	}
	fmt.Fprintf(c, "CONNECT {\"verbose\":false,\"pedantic\":false}\r\nSUB %s 1\r\nPING\r\n", subj)
	for {
		l, err := br.ReadString('\n')
		if err != nil {
			return nil, err
		}
		if l == "PONG\r\n" {
			break
		}
	}
	c.SetDeadline(time.Time{})
	return c, nil // never read again; the server closes it
}

// slowConsumers reads the server's slow consumer count from /varz.
func slowConsumers(mon string) int {
	cl := http.Client{Timeout: time.Second}
	resp, err := cl.Get("http://" + mon + "/varz")
	if err != nil {
		return 0
	}
	defer resp.Body.Close()
	var v struct {
		SlowConsumers int `json:"slow_consumers"`
	}
	if json.NewDecoder(resp.Body).Decode(&v) != nil {
		return 0
	}
	return v.SlowConsumers
}

// recorder keeps every latency with its arrival time.
type recorder struct {
	mu    sync.Mutex
	start time.Time
	lat   []int64 // nanoseconds
	at    []int64 // arrival, nanoseconds since start
}

func (r *recorder) add(ns int64) {
	r.mu.Lock()
	r.lat = append(r.lat, ns)
	r.at = append(r.at, int64(time.Since(r.start)))
	r.mu.Unlock()
}

func (r *recorder) count() int {
	r.mu.Lock()
	defer r.mu.Unlock()
	return len(r.lat)
}

func (r *recorder) report(cut time.Time) {
	r.mu.Lock()
	defer r.mu.Unlock()
	pct := func(lat []int64, label string) {
		if len(lat) == 0 {
			return
		}
		s := append([]int64(nil), lat...)
		sort.Slice(s, func(i, j int) bool { return s[i] < s[j] })
		q := func(p float64) string { return ms(s[min(len(s)-1, int(p*float64(len(s))))]) }
		fmt.Printf("latency %s: P50 %s  P99 %s  P99.9 %s  max %s  (%d msgs)\n", label, q(0.50), q(0.99), q(0.999), ms(s[len(s)-1]), len(s))
	}
	pct(r.lat, "whole run")
	if !cut.IsZero() {
		edge := int64(cut.Sub(r.start) + 500*time.Millisecond)
		var fill []int64
		for i, a := range r.at {
			if a <= edge {
				fill = append(fill, r.lat[i])
			}
		}
		pct(fill, "until cut-off+0.5s")
	}
	// The worst moments: the largest latency in each 100 ms window, top 5.
	type win struct{ t, lat int64 }
	wins := map[int64]int64{}
	for i, a := range r.at {
		w := a / int64(100*time.Millisecond)
		if r.lat[i] > wins[w] {
			wins[w] = r.lat[i]
		}
	}
	list := make([]win, 0, len(wins))
	for w, l := range wins {
		list = append(list, win{w, l})
	}
	sort.Slice(list, func(i, j int) bool { return list[i].lat > list[j].lat })
	var parts []string
	for i := 0; i < len(list) && i < 5; i++ {
		parts = append(parts, fmt.Sprintf("%s at %.1fs", ms(list[i].lat), float64(list[i].t)/10))
	}
	fmt.Printf("worst 100ms windows: %s\n", strings.Join(parts, ", "))
}

func ms(ns int64) string { return strconv.FormatFloat(float64(ns)/1e6, 'f', 2, 64) + "ms" }

// rssSampler samples a process's VmRSS every 20 ms and keeps the peak.
type rssSampler struct {
	pid  int
	mu   sync.Mutex
	peak int64
	done chan struct{}
}

func newRSSSampler(pid int) *rssSampler {
	s := &rssSampler{pid: pid, done: make(chan struct{})}
	if pid > 0 {
		go func() {
			t := time.NewTicker(20 * time.Millisecond)
			defer t.Stop()
			for {
				select {
				case <-s.done:
					return
				case <-t.C:
				}
				v := s.now()
				s.mu.Lock()
				s.peak = max(s.peak, v)
				s.mu.Unlock()
			}
		}()
	}
	return s
}

func (s *rssSampler) stop() { close(s.done) }

func (s *rssSampler) resetPeak() {
	s.mu.Lock()
	s.peak = s.now()
	s.mu.Unlock()
}

func (s *rssSampler) peakRSS() int64 {
	s.mu.Lock()
	defer s.mu.Unlock()
	return max(s.peak, s.now())
}

// now reads VmRSS in bytes (0 without a pid).
func (s *rssSampler) now() int64 {
	if s.pid <= 0 {
		return 0
	}
	b, err := os.ReadFile(fmt.Sprintf("/proc/%d/status", s.pid))
	if err != nil {
		return 0
	}
	for _, l := range strings.Split(string(b), "\n") {
		if f := strings.Fields(l); len(f) >= 2 && f[0] == "VmRSS:" {
			kb, _ := strconv.ParseInt(f[1], 10, 64)
			return kb << 10
		}
	}
	return 0
}
