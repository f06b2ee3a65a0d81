// Command kvbench measures KeyValue put and get latency side by side on
// two server binaries, the way a user of nats.go's jetstream KeyValue
// sees it: one operation at a time, each awaited.
//
// For every round it starts each binary in turn (A,B then B,A, so slow
// drifts in the machine's load hit both alike) as `BIN -a 127.0.0.1 -p
// PORT -js -sd DIR` with a fresh store directory, creates a file bucket,
// and then
//   - puts -puts distinct keys of -size bytes, timing each Put;
//   - pre-puts -keys keys and gets -gets random ones of them, timing each
//     Get (a direct get of the subject's last message, as nats.go sends
//     it for a bucket with allow_direct).
//
// It prints, per phase and server, the rate, the average, P50, P99 and
// P99.9 latency and the server's CPU time per operation (utime+stime from
// /proc/PID/stat over the timed phase, Linux only), then the medians over
// the rounds and their ratios A/B. scripts/bench-kv.sh builds natsd and
// runs it against nats-server.
package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"math/rand"
	"net"
	"os"
	"os/exec"
	"path/filepath"
	"sort"
	"strconv"
	"strings"
	"time"

	"github.com/nats-io/nats.go"
	"github.com/nats-io/nats.go/jetstream"
)

var (
	keys   = flag.Int("keys", 2000, "keys pre-put for the get phase")
	gets   = flag.Int("gets", 20000, "timed gets per run")
	puts   = flag.Int("puts", 10000, "timed puts per run (distinct keys)")
	size   = flag.Int("size", 128, "value size in bytes")
	warm   = flag.Int("warmup", 500, "untimed operations before each timed phase")
	rounds = flag.Int("rounds", 3, "rounds (each runs both servers, alternating the order)")
)

func main() {
	binA := flag.String("a", "", "server binary A (required)")
	binB := flag.String("b", "", "server binary B (required)")
	nameA := flag.String("name-a", "", "label of A (default: the binary's file name)")
	nameB := flag.String("name-b", "", "label of B (default: the binary's file name)")
	flag.Parse()
	if *binA == "" || *binB == "" {
		fmt.Fprintln(os.Stderr, "usage: kvbench -a BIN -b BIN [-rounds N -keys N -gets N -puts N -size N]")
		os.Exit(2)
	}
	sides := []*side{{bin: *binA, name: *nameA}, {bin: *binB, name: *nameB}}
	for _, s := range sides {
		if s.name == "" {
			s.name = filepath.Base(s.bin)
		}
	}
	fmt.Printf("kvbench: %d rounds; put %d x %d B; get %d random of %d keys; load %s\n",
		*rounds, *puts, *size, *gets, *keys, loadavg())
	for r := 0; r < *rounds; r++ {
		order := []*side{sides[0], sides[1]}
		if r%2 == 1 {
			order[0], order[1] = order[1], order[0]
		}
		for _, s := range order {
			p, g, err := run(s.bin)
			if err != nil {
				fail("%s: %v", s.name, err)
			}
			s.put = append(s.put, p)
			s.get = append(s.get, g)
			fmt.Printf("round %d %-12s put %s\n", r+1, s.name, p)
			fmt.Printf("round %d %-12s get %s\n", r+1, s.name, g)
		}
	}
	fmt.Printf("medians over %d rounds (load %s):\n", *rounds, loadavg())
	for _, s := range sides {
		fmt.Printf("  %-12s put %s\n", s.name, median(s.put))
		fmt.Printf("  %-12s get %s\n", s.name, median(s.get))
	}
	a, b := sides[0], sides[1]
	for _, ph := range []struct {
		name string
		a, b result
	}{{"put", median(a.put), median(b.put)}, {"get", median(a.get), median(b.get)}} {
		fmt.Printf("ratio %s/%s %s: rate %.2fx  avg %.2fx  p50 %.2fx  p99 %.2fx  p99.9 %.2fx  cpu/op %.2fx\n",
			a.name, b.name, ph.name, ph.a.rate/ph.b.rate,
			ratio(ph.a.avg, ph.b.avg), ratio(ph.a.p50, ph.b.p50), ratio(ph.a.p99, ph.b.p99),
			ratio(ph.a.p999, ph.b.p999), ratio(ph.a.cpu, ph.b.cpu))
	}
}

type side struct {
	bin, name string
	put, get  []result
}

// result is one timed phase.
type result struct {
	rate                float64 // operations per second
	avg, p50, p99, p999 time.Duration
	cpu                 time.Duration // server CPU per operation
}

func (r result) String() string {
	return fmt.Sprintf("%8.0f ops/s  avg %7s  p50 %7s  p99 %7s  p99.9 %7s  cpu/op %7s",
		r.rate, us(r.avg), us(r.p50), us(r.p99), us(r.p999), us(r.cpu))
}

func us(d time.Duration) string { return fmt.Sprintf("%.1fµs", float64(d)/1e3) }

func ratio(a, b time.Duration) float64 { return float64(a) / float64(b) }

// median takes each figure's median separately over the rounds.
func median(rs []result) result {
	pick := func(f func(result) float64) float64 {
		v := make([]float64, len(rs))
		for i, r := range rs {
			v[i] = f(r)
		}
		sort.Float64s(v)
		if len(v)%2 == 1 {
			return v[len(v)/2]
		}
		return (v[len(v)/2-1] + v[len(v)/2]) / 2
	}
	d := func(f func(result) time.Duration) time.Duration {
		return time.Duration(pick(func(r result) float64 { return float64(f(r)) }))
	}
	return result{
		rate: pick(func(r result) float64 { return r.rate }),
		avg:  d(func(r result) time.Duration { return r.avg }),
		p50:  d(func(r result) time.Duration { return r.p50 }),
		p99:  d(func(r result) time.Duration { return r.p99 }),
		p999: d(func(r result) time.Duration { return r.p999 }),
		cpu:  d(func(r result) time.Duration { return r.cpu }),
	}
}

// run starts bin with a fresh store and times the put and get phases.
func run(bin string) (put, get result, err error) {
	dir, err := os.MkdirTemp("", "kvbench")
	if err != nil {
		return put, get, err
	}
	defer os.RemoveAll(dir)
	srv, err := start(bin, dir)
	if err != nil {
		return put, get, err
	}
	defer srv.stop()
	url := srv.url
	nc, err := nats.Connect(url, nats.MaxReconnects(0))
	if err != nil {
		return put, get, err
	}
	defer nc.Close()
	js, err := jetstream.New(nc)
	if err != nil {
		return put, get, err
	}
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Minute)
	defer cancel()
	kv, err := js.CreateKeyValue(ctx, jetstream.KeyValueConfig{Bucket: "bench", Storage: jetstream.FileStorage})
	if err != nil {
		return put, get, fmt.Errorf("creating the bucket: %w", err)
	}
	val := make([]byte, *size)
	pid := srv.cmd.Process.Pid

	// Put: distinct keys, each awaited.
	for i := 0; i < *warm; i++ {
		if _, err := kv.Put(ctx, "w"+strconv.Itoa(i), val); err != nil {
			return put, get, fmt.Errorf("put: %w", err)
		}
	}
	put, err = timed(pid, *puts, func(i int) error {
		_, err := kv.Put(ctx, "p"+strconv.Itoa(i), val)
		return err
	})
	if err != nil {
		return put, get, fmt.Errorf("put: %w", err)
	}

	// Get: random keys among those pre-put.
	names := make([]string, *keys)
	for i := range names {
		names[i] = "k" + strconv.Itoa(i)
		if _, err := kv.Put(ctx, names[i], val); err != nil {
			return put, get, fmt.Errorf("pre-put: %w", err)
		}
	}
	rnd := rand.New(rand.NewSource(1))
	order := make([]string, *gets+*warm)
	for i := range order {
		order[i] = names[rnd.Intn(len(names))]
	}
	getOne := func(k string) error {
		e, err := kv.Get(ctx, k)
		if err != nil {
			return err
		}
		if len(e.Value()) != *size {
			return fmt.Errorf("key %s: %d bytes, want %d", k, len(e.Value()), *size)
		}
		return nil
	}
	for _, k := range order[:*warm] {
		if err := getOne(k); err != nil {
			return put, get, fmt.Errorf("get: %w", err)
		}
	}
	order = order[*warm:]
	get, err = timed(pid, *gets, func(i int) error { return getOne(order[i]) })
	if err != nil {
		return put, get, fmt.Errorf("get: %w", err)
	}
	return put, get, nil
}

// timed runs op n times, one after the other, timing each.
func timed(pid, n int, op func(i int) error) (result, error) {
	lat := make([]time.Duration, n)
	cpu0, err := cpuTime(pid)
	if err != nil {
		return result{}, err
	}
	start := time.Now()
	for i := 0; i < n; i++ {
		t := time.Now()
		if err := op(i); err != nil {
			return result{}, err
		}
		lat[i] = time.Since(t)
	}
	elapsed := time.Since(start)
	cpu1, err := cpuTime(pid)
	if err != nil {
		return result{}, err
	}
	sort.Slice(lat, func(i, j int) bool { return lat[i] < lat[j] })
	at := func(q float64) time.Duration { return lat[int(q*float64(n-1))] }
	return result{
		rate: float64(n) / elapsed.Seconds(),
		avg:  elapsed / time.Duration(n),
		p50:  at(0.50), p99: at(0.99), p999: at(0.999),
		cpu: (cpu1 - cpu0) / time.Duration(n),
	}, nil
}

// server is a running server process.
type server struct {
	cmd    *exec.Cmd
	url    string
	exited chan struct{} // closed once the process is reaped
}

func (s *server) stop() {
	s.cmd.Process.Kill()
	<-s.exited
}

// start runs bin on a free loopback port with JetStream in dir and waits
// until JetStream answers.
func start(bin, dir string) (*server, error) {
	var last error
	for attempt := 0; attempt < 5; attempt++ {
		l, err := net.Listen("tcp", "127.0.0.1:0")
		if err != nil {
			return nil, err
		}
		port := l.Addr().(*net.TCPAddr).Port
		l.Close()
		var log strings.Builder
		cmd := exec.Command(bin, "-a", "127.0.0.1", "-p", strconv.Itoa(port), "-js", "-sd", dir)
		cmd.Stdout, cmd.Stderr = &log, &log
		if err := cmd.Start(); err != nil {
			return nil, err
		}
		exited := make(chan struct{})
		go func() { cmd.Wait(); close(exited) }()
		url := "nats://127.0.0.1:" + strconv.Itoa(port)
		deadline := time.Now().Add(10 * time.Second)
		for time.Now().Before(deadline) {
			select {
			case <-exited:
				last = fmt.Errorf("exited: %s", log.String())
			default:
			}
			if last != nil {
				break
			}
			if nc, err := nats.Connect(url, nats.MaxReconnects(0)); err == nil {
				js, _ := jetstream.New(nc)
				_, err := js.AccountInfo(context.Background())
				nc.Close()
				if err == nil {
					return &server{cmd: cmd, url: url, exited: exited}, nil
				}
			}
			time.Sleep(50 * time.Millisecond)
		}
		cmd.Process.Kill()
		<-exited
		if last == nil {
			last = errors.New("did not become ready in 10 s")
		}
	}
	return nil, last
}

// cpuTime is a process's user plus system CPU time so far.
func cpuTime(pid int) (time.Duration, error) {
	b, err := os.ReadFile(fmt.Sprintf("/proc/%d/stat", pid))
	if err != nil {
		return 0, err
	}
	s := string(b)
	f := strings.Fields(s[strings.LastIndexByte(s, ')')+2:])
	ut, _ := strconv.ParseInt(f[11], 10, 64)
	st, _ := strconv.ParseInt(f[12], 10, 64)
	return time.Duration(ut+st) * time.Second / 100, nil // USER_HZ
}

func loadavg() string {
	b, err := os.ReadFile("/proc/loadavg")
	if err != nil {
		return "?"
	}
	f := strings.Fields(string(b))
	return strings.Join(f[:3], " ")
}

func fail(format string, args ...any) {
	fmt.Fprintf(os.Stderr, "kvbench: "+format+"\n", args...)
	os.Exit(1)
}
