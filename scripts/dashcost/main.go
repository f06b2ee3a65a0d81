// Command dashcost measures what an open monitoring dashboard costs the
// server: it starts a natsd binary, opens many idle client connections
// (each with a name and one subscription), and reads natsd's CPU time from
// /proc over a window in each phase: dashboard closed, the Overview open
// (the main event stream), and the Connections panel open (plus the conns
// stream). Linux only. Raise the open-file limit first (ulimit -n 65536).
//
//	go build -o /tmp/natsd ./cmd/natsd
//	go run ./scripts/dashcost -natsd /tmp/natsd -conns 10000 -window 20s
package main

import (
	"bufio"
	"flag"
	"fmt"
	"io"
	"log"
	"net"
	"net/http"
	"os"
	"os/exec"
	"strconv"
	"strings"
	"syscall"
	"time"
)

func main() {
	bin := flag.String("natsd", "natsd", "natsd binary")
	n := flag.Int("conns", 10000, "idle client connections")
	window := flag.Duration("window", 20*time.Second, "measuring window per phase")
	dashboard := flag.Bool("dashboard", true, "serve the dashboard (false: --http_dashboard=false, only the closed phase)")
	flag.Parse()

	var rl syscall.Rlimit
	syscall.Getrlimit(syscall.RLIMIT_NOFILE, &rl)
	rl.Cur = rl.Max
	syscall.Setrlimit(syscall.RLIMIT_NOFILE, &rl)
	if int(rl.Cur) < *n+100 { // this process and natsd each hold one end
		log.Fatalf("open-file limit %d is too low for %d connections: raise ulimit -n", rl.Cur, *n)
	}

	port, mport := freePort(), freePort()
	args := []string{"-a", "127.0.0.1", "-p", strconv.Itoa(port), "-m", strconv.Itoa(mport), "--max_connections", strconv.Itoa(*n + 10)}
	if !*dashboard {
		args = append(args, "--http_dashboard=false")
	}
	cmd := exec.Command(*bin, args...)
	cmd.Stderr = io.Discard
	if err := cmd.Start(); err != nil {
		log.Fatal(err)
	}
	defer cmd.Process.Kill()
	addr := fmt.Sprintf("127.0.0.1:%d", port)
	for i := 0; ; i++ {
		if c, err := net.Dial("tcp", addr); err == nil {
			c.Close()
			break
		}
		if i > 100 {
			log.Fatal("natsd did not start")
		}
		time.Sleep(50 * time.Millisecond)
	}

	conns := make([]net.Conn, 0, *n)
	for i := 0; i < *n; i++ {
		c, err := net.Dial("tcp", addr)
		if err != nil {
			log.Fatalf("connection %d: %v", i, err)
		}
		br := bufio.NewReader(c)
		if _, err := br.ReadString('\n'); err != nil { // INFO
			log.Fatalf("connection %d: %v", i, err)
		}
		fmt.Fprintf(c, "CONNECT {\"verbose\":false,\"name\":\"idle-%d\",\"lang\":\"raw\"}\r\nSUB idle.%d 1\r\nPING\r\n", i, i)
		if l, err := br.ReadString('\n'); err != nil || !strings.HasPrefix(l, "PONG") {
			log.Fatalf("connection %d: %q %v", i, l, err)
		}
		conns = append(conns, c)
	}
	log.Printf("%d idle connections open; settling", len(conns))
	time.Sleep(10 * time.Second) // the burst of connects and its GC are over

	base := fmt.Sprintf("http://127.0.0.1:%d/", mport)
	measure := func(name string) {
		c0 := cpuTicks(cmd.Process.Pid)
		t0 := time.Now()
		time.Sleep(*window)
		c1 := cpuTicks(cmd.Process.Pid)
		el := time.Since(t0).Seconds()
		ms := float64(c1-c0) * 10 / el // 100 ticks a second: 10 ms each
		fmt.Printf("%-38s %6.1f ms CPU/s (%.2f%% of a core)\n", name, ms, ms/10)
	}
	measure("dashboard closed")
	if !*dashboard {
		return
	}
	main := stream(base + "dashboard/events")
	time.Sleep(2 * time.Second)
	measure("Overview open (main stream)")
	conn := stream(base + "dashboard/events?stream=conns")
	time.Sleep(2 * time.Second)
	measure("Connections open (main + conns)")
	conn2 := stream(base + "dashboard/events?stream=conns")
	main2 := stream(base + "dashboard/events")
	time.Sleep(2 * time.Second)
	measure("two Connections pages open")
	for _, s := range []*stream_{main, conn, conn2, main2} {
		fmt.Printf("  stream %-30s %8.1f KB/s\n", s.url[len(base):], float64(s.bytes())/1024/s.secs())
	}
}

type stream_ struct {
	url   string
	start time.Time
	n     chan int64
	total int64
}

func (s *stream_) bytes() int64 {
	for {
		select {
		case k := <-s.n:
			s.total += k
		default:
			return s.total
		}
	}
}
func (s *stream_) secs() float64 { return time.Since(s.start).Seconds() }

// stream reads an event stream to the end in the background, counting the
// bytes on the wire (gzip-encoded, as a browser asks for it).
func stream(url string) *stream_ {
	s := &stream_{url: url, start: time.Now(), n: make(chan int64, 1<<16)}
	req, _ := http.NewRequest("GET", url, nil)
	req.Header.Set("Accept-Encoding", "gzip")
	res, err := (&http.Client{Transport: &http.Transport{DisableCompression: true}}).Do(req)
	if err != nil || res.StatusCode != 200 {
		log.Fatalf("%s: %v", url, err)
	}
	go func() {
		buf := make([]byte, 64<<10)
		for {
			k, err := res.Body.Read(buf)
			s.n <- int64(k)
			if err != nil {
				return
			}
		}
	}()
	return s
}

// cpuTicks is the process's user+system CPU time in clock ticks.
func cpuTicks(pid int) int64 {
	b, err := os.ReadFile(fmt.Sprintf("/proc/%d/stat", pid))
	if err != nil {
		log.Fatal(err)
	}
	f := strings.Fields(string(b[strings.LastIndexByte(string(b), ')')+2:]))
	u, _ := strconv.ParseInt(f[11], 10, 64)
	s, _ := strconv.ParseInt(f[12], 10, 64)
	return u + s
}

func freePort() int {
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		log.Fatal(err)
	}
	defer l.Close()
	return l.Addr().(*net.TCPAddr).Port
}
