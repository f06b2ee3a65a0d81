//go:build !refserver

package test

// Multi-process cluster tests: natsd binaries started from the command
// line, killed with SIGKILL and restarted. Helpers here are prefixed cl.

import (
	"bufio"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"math/rand/v2"
	"net"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/nats-io/nats.go"
)

const clWait = 15 * time.Second

// clBuild compiles natsd (or returns the reference nats-server when ref is
// set and available) into dir.
func clBuild(t *testing.T, dir string) string {
	t.Helper()
	bin := filepath.Join(dir, "natsd")
	ctx, cancel := context.WithTimeout(context.Background(), 3*time.Minute)
	defer cancel()
	out, err := exec.CommandContext(ctx, "go", "build", "-o", bin, "../cmd/natsd").CombinedOutput()
	if err != nil {
		t.Fatalf("go build: %v\n%s", err, out)
	}
	return bin
}

// clPortsGiven are the ports clFreePort handed out in this test process:
// a port is free until its server binds it, so without this two calls
// before the servers start could return the same port.
var (
	clPortsMu    sync.Mutex
	clPortsGiven = map[int]bool{}
)

// clFreePort finds a free port in 25000-29999 not handed out before.
// The server package's tests, which go test runs at the same time in
// another process, take theirs from the other half of 20000-29999, so
// the two cannot pick the same free port (below the ephemeral range).
func clFreePort(t testing.TB) int {
	t.Helper()
	clPortsMu.Lock()
	defer clPortsMu.Unlock()
	for i := 0; i < 200; i++ {
		p := 25000 + rand.IntN(5000)
		if clPortsGiven[p] {
			continue // free now, but promised to a server not started yet
		}
		l, err := net.Listen("tcp", net.JoinHostPort("127.0.0.1", strconv.Itoa(p)))
		if err == nil {
			l.Close()
			clPortsGiven[p] = true
			return p
		}
	}
	t.Fatal("no free port")
	return 0
}

// clProc is one server process.
type clProc struct {
	t                        *testing.T
	bin, name                string
	port, clusterPort, mport int
	args                     []string
	cmd                      *exec.Cmd
	mu                       sync.Mutex
	log                      []string
	exited                   chan struct{}
}

// clNode prepares a node listening on random ports; routes are the route
// URLs it solicits; extra are more flags.
func clNode(t *testing.T, bin, name string, routes []string, extra ...string) *clProc {
	p := &clProc{t: t, bin: bin, name: name, port: clFreePort(t), clusterPort: clFreePort(t), mport: clFreePort(t)}
	p.args = []string{"-a", "127.0.0.1", "-p", strconv.Itoa(p.port), "-m", strconv.Itoa(p.mport), "-n", name,
		"--cluster", p.routeURL(), "--cluster_name", "proc"}
	if len(routes) > 0 {
		p.args = append(p.args, "--routes", strings.Join(routes, ","))
	}
	p.args = append(p.args, extra...)
	return p
}

func (p *clProc) routeURL() string  { return fmt.Sprintf("nats://127.0.0.1:%d", p.clusterPort) }
func (p *clProc) clientURL() string { return fmt.Sprintf("nats://127.0.0.1:%d", p.port) }

// start runs the process and waits until it is ready.
func (p *clProc) start() {
	t := p.t
	t.Helper()
	cmd := exec.Command(p.bin, p.args...)
	stderr, err := cmd.StderrPipe()
	if err != nil {
		t.Fatal(err)
	}
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	p.cmd = cmd
	p.exited = make(chan struct{})
	p.mu.Lock()
	p.log = nil // this run's lines only
	p.mu.Unlock()
	ready := make(chan struct{})
	go func() {
		sc := bufio.NewScanner(stderr)
		once := sync.Once{}
		for sc.Scan() {
			p.mu.Lock()
			p.log = append(p.log, sc.Text())
			p.mu.Unlock()
			if strings.Contains(sc.Text(), "Server is ready") {
				once.Do(func() { close(ready) })
			}
		}
		cmd.Wait()
		close(p.exited)
	}()
	t.Cleanup(p.kill)
	select {
	case <-ready:
	case <-p.exited:
		t.Fatalf("%s exited at start:\n%s", p.name, p.logText())
	case <-time.After(clWait):
		t.Fatalf("%s did not start:\n%s", p.name, p.logText())
	}
}

// kill sends SIGKILL and waits for the process to be gone.
func (p *clProc) kill() {
	if p.cmd == nil || p.cmd.Process == nil {
		return
	}
	p.cmd.Process.Kill()
	<-p.exited
}

func (p *clProc) logText() string {
	p.mu.Lock()
	defer p.mu.Unlock()
	return strings.Join(p.log, "\n")
}

func (p *clProc) logCount(s string) int {
	p.mu.Lock()
	defer p.mu.Unlock()
	n := 0
	for _, l := range p.log {
		if strings.Contains(l, s) {
			n++
		}
	}
	return n
}

// clGet decodes a monitoring endpoint of p.
func (p *clProc) get(path string, v any) error {
	c := http.Client{Timeout: 2 * time.Second}
	resp, err := c.Get(fmt.Sprintf("http://127.0.0.1:%d%s", p.mport, path))
	if err != nil {
		return err
	}
	defer resp.Body.Close()
	return json.NewDecoder(resp.Body).Decode(v)
}

// clRoutez is what the cluster tests read from /routez.
type clRoutez struct {
	NumRoutes int `json:"num_routes"`
	Routes    []struct {
		RemoteID string `json:"remote_id"`
		NumSubs  int    `json:"subscriptions"`
	} `json:"routes"`
}

// numRoutes is how many servers p has routes to (each has a pool of
// route connections), -1 if it does not answer.
func (p *clProc) numRoutes() int {
	var rz clRoutez
	if err := p.get("/routez", &rz); err != nil {
		return -1
	}
	return rz.peers()
}

// subsByPeer sums the subscriptions of each server's route connections.
func (rz *clRoutez) subsByPeer() map[string]int {
	m := map[string]int{}
	for _, r := range rz.Routes {
		m[r.RemoteID] += r.NumSubs
	}
	return m
}

// peers counts the distinct servers the route connections reach.
func (rz *clRoutez) peers() int {
	ids := map[string]bool{}
	for _, r := range rz.Routes {
		ids[r.RemoteID] = true
	}
	return len(ids)
}

func clWaitFor(t *testing.T, what string, cond func() bool) {
	t.Helper()
	deadline := time.Now().Add(clWait)
	for !cond() {
		if time.Now().After(deadline) {
			t.Fatalf("timed out after %v waiting for %s", clWait, what)
		}
		time.Sleep(10 * time.Millisecond)
	}
}

func clWaitMesh(t *testing.T, procs []*clProc) {
	t.Helper()
	clWaitFor(t, "full mesh", func() bool {
		for _, p := range procs {
			if p.numRoutes() != len(procs)-1 {
				return false
			}
		}
		return true
	})
}

// clCount counts the payloads one subscription receives.
type clCount struct {
	mu sync.Mutex
	m  map[string]int
	n  int
}

func (c *clCount) handler(m *nats.Msg) {
	c.mu.Lock()
	if c.m == nil {
		c.m = map[string]int{}
	}
	c.m[string(m.Data)]++
	c.n++
	c.mu.Unlock()
}

func (c *clCount) total() int {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.n
}

func (c *clCount) dups() int {
	c.mu.Lock()
	defer c.mu.Unlock()
	d := 0
	for _, v := range c.m {
		d += v - 1
	}
	return d
}

func clConnect(t *testing.T, urls ...string) *nats.Conn {
	t.Helper()
	nc, err := nats.Connect(strings.Join(urls, ","), nats.DontRandomize(), nats.MaxReconnects(-1),
		nats.ReconnectWait(20*time.Millisecond), nats.Timeout(2*time.Second),
		nats.ErrorHandler(func(*nats.Conn, *nats.Subscription, error) {}))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(nc.Close)
	return nc
}

// TestClusterProcesses runs clusters of natsd processes started from the
// command line.
func TestClusterProcesses(t *testing.T) {
	if testing.Short() {
		t.Skip("process tests skipped with -short")
	}
	bin := clBuild(t, t.TempDir())
	t.Run("three nodes, kill -9 and restart", func(t *testing.T) { clKillRestart(t, bin) })
	t.Run("five nodes from one seed", func(t *testing.T) { clFiveNodes(t, bin) })
	t.Run("wrong route credentials", func(t *testing.T) { clWrongCredentials(t, bin) })
}

// clKillRestart: a 3-node cluster (nodes 2 and 3 only know node 1); node 3
// is killed with SIGKILL under steady traffic and restarted. The mesh
// heals, a nats.go client that was on node 3 fails over and keeps its
// subscription, and the restarted node serves again.
func clKillRestart(t *testing.T, bin string) {
	n1 := clNode(t, bin, "p1", nil)
	n1.start()
	n2 := clNode(t, bin, "p2", []string{n1.routeURL()})
	n3 := clNode(t, bin, "p3", []string{n1.routeURL()})
	n2.start()
	n3.start()
	procs := []*clProc{n1, n2, n3}
	clWaitMesh(t, procs)

	// A subscriber on every node; the one on p3 knows every URL.
	subs := []*clCount{{}, {}, {}}
	var conns []*nats.Conn
	for i, p := range procs {
		urls := []string{p.clientURL()}
		if i == 2 {
			urls = append(urls, n1.clientURL(), n2.clientURL())
		}
		nc := clConnect(t, urls...)
		nc.Subscribe("proc.>", subs[i].handler)
		nc.Flush()
		conns = append(conns, nc)
	}
	clWaitFor(t, "interest everywhere", func() bool {
		for _, p := range procs {
			var rz clRoutez
			if p.get("/routez", &rz) != nil || rz.peers() != 2 {
				return false
			}
			for _, n := range rz.subsByPeer() {
				if n != 1 {
					return false
				}
			}
		}
		return true
	})
	// Publish on each node: everyone gets everything once.
	for i, p := range procs {
		pub := clConnect(t, p.clientURL())
		for j := 0; j < 100; j++ {
			pub.Publish(fmt.Sprintf("proc.%d", i), []byte(fmt.Sprintf("a-%d-%d", i, j)))
		}
		pub.Flush()
		pub.Close()
	}
	clWaitFor(t, "first round", func() bool {
		return subs[0].total() == 300 && subs[1].total() == 300 && subs[2].total() == 300
	})

	// Steady traffic from p1 while p3 is killed.
	pub := clConnect(t, n1.clientURL())
	stop := make(chan struct{})
	var wg sync.WaitGroup
	wg.Add(1)
	go func() {
		defer wg.Done()
		for i := 0; ; i++ {
			select {
			case <-stop:
				return
			case <-time.After(time.Millisecond):
			}
			pub.Publish("proc.steady", []byte(fmt.Sprint("s-", i)))
		}
	}()
	n3.kill()
	clWaitMesh(t, procs[:2])
	// The client that was on p3 moves to p1 or p2 and keeps receiving.
	before := subs[2].total()
	clWaitFor(t, "failed-over subscriber receives", func() bool {
		return conns[2].IsConnected() && conns[2].ConnectedUrl() != n3.clientURL() && subs[2].total() > before+50
	})
	n3.start()
	clWaitMesh(t, procs)
	late := &clCount{}
	nc3 := clConnect(t, n3.clientURL())
	nc3.Subscribe("proc.steady", late.handler)
	nc3.Flush()
	clWaitFor(t, "restarted node receives", func() bool { return late.total() > 50 })
	close(stop)
	wg.Wait()
	pub.Flush()
	for i, s := range subs {
		if d := s.dups(); d != 0 {
			t.Fatalf("subscriber %d got %d duplicates", i, d)
		}
	}
	// One route to each peer, no churn.
	if n3.logCount("Route connection created to") != 2 || n3.logCount("[ERR]") != 0 {
		t.Fatalf("restarted p3 log:\n%s", n3.logText())
	}
}

// clFiveNodes: five nodes, each knowing only the seed, form a full mesh;
// a queue group spread over the nodes serves each message once.
func clFiveNodes(t *testing.T, bin string) {
	seed := clNode(t, bin, "f1", nil)
	seed.start()
	procs := []*clProc{seed}
	for i := 2; i <= 5; i++ {
		p := clNode(t, bin, fmt.Sprintf("f%d", i), []string{seed.routeURL()})
		p.start()
		procs = append(procs, p)
	}
	clWaitMesh(t, procs)
	group := &clCount{}
	for _, p := range procs[1:] {
		nc := clConnect(t, p.clientURL())
		nc.QueueSubscribe("work", "g", group.handler)
		nc.Flush()
	}
	clWaitFor(t, "queue interest on the seed", func() bool {
		var rz clRoutez
		if seed.get("/routez", &rz) != nil {
			return false
		}
		n := 0
		for _, r := range rz.Routes {
			n += r.NumSubs
		}
		return n == 4
	})
	pub := clConnect(t, seed.clientURL())
	// Request/reply across nodes: a responder on f5.
	resp := clConnect(t, procs[4].clientURL())
	resp.Subscribe("svc", func(m *nats.Msg) { m.Respond([]byte("pong")) })
	resp.Flush()
	clWaitFor(t, "request across nodes", func() bool {
		m, err := pub.Request("svc", nil, time.Second)
		return err == nil && string(m.Data) == "pong"
	})
	for i := 0; i < 400; i++ {
		pub.Publish("work", []byte(fmt.Sprint(i)))
	}
	pub.Flush()
	clWaitFor(t, "all work done", func() bool { return group.total() >= 400 })
	for _, p := range procs {
		clConnect(t, p.clientURL()).Flush()
	}
	if group.total() != 400 || group.dups() != 0 {
		t.Fatalf("queue group got %d messages, %d duplicates", group.total(), group.dups())
	}
}

// clWrongCredentials: a node presenting wrong route credentials is refused
// and both sides say so in their logs.
func clWrongCredentials(t *testing.T, bin string) {
	seed := clNode(t, bin, "w1", nil)
	// --cluster with credentials sets the route authorization.
	seed.args = append(seed.args, "--cluster", fmt.Sprintf("nats://ruser:rpass@127.0.0.1:%d", seed.clusterPort))
	seed.start()
	good := clNode(t, bin, "w2", []string{fmt.Sprintf("nats://ruser:rpass@127.0.0.1:%d", seed.clusterPort)})
	good.start()
	clWaitMesh(t, []*clProc{seed, good})
	bad := clNode(t, bin, "w3", []string{fmt.Sprintf("nats://ruser:nope@127.0.0.1:%d", seed.clusterPort)})
	bad.start()
	clWaitFor(t, "refusal logged", func() bool {
		return seed.logCount("Route authorization failed") > 0 && bad.logCount("Authorization Violation") > 0
	})
	if n := seed.numRoutes(); n != 1 {
		t.Fatalf("seed has %d routes", n)
	}
}

// TestClusterRouteHopVersusReference measures the route hop (publisher on
// node A, subscriber on node B, 128-byte messages) for natsd and for the
// reference nats-server set up the same way, and reports the ratio. It
// only reports: timings on shared CI machines are too noisy to assert on.
func TestClusterRouteHopVersusReference(t *testing.T) {
	// A measurement, not a check: it runs only when asked for, e.g.
	//   eval "$(../shared/tools/reference-tools)"
	//   NATSD_COMPARE_REF=1 go test -run RouteHopVersusReference -v ./test
	if os.Getenv("NATSD_COMPARE_REF") == "" {
		t.Skip("set NATSD_COMPARE_REF=1 (and NATS_REF_SERVER) to measure against the reference")
	}
	ref := os.Getenv("NATS_REF_SERVER")
	if _, err := os.Stat(ref); err != nil {
		t.Skip("reference nats-server not available")
	}
	bin := clBuild(t, t.TempDir())
	const n, size = 200_000, 128
	// NATSD_COMPARE_COMPRESSION=s2_fast (or another mode) compresses the
	// route on both sides.
	var extra []string
	if mode := os.Getenv("NATSD_COMPARE_COMPRESSION"); mode != "" {
		conf := filepath.Join(t.TempDir(), "compression.conf")
		if err := os.WriteFile(conf, []byte("cluster { compression: "+mode+" }\n"), 0o644); err != nil {
			t.Fatal(err)
		}
		extra = []string{"-c", conf}
	}
	measure := func(bin string) float64 {
		a := clNode(t, bin, "ha", nil, extra...)
		a.start()
		b := clNode(t, bin, "hb", []string{a.routeURL()}, extra...)
		b.start()
		// nats-server pools several connections per peer (pool_size).
		clWaitFor(t, "route", func() bool { return a.numRoutes() >= 1 && b.numRoutes() >= 1 })
		rate := clHopRate(t, a, b, n, size)
		a.kill()
		b.kill()
		return rate
	}
	var natsd, nats float64
	for i := 0; i < 2; i++ { // best of two, alternating
		natsd = max(natsd, measure(bin))
		nats = max(nats, measure(ref))
	}
	t.Logf("route hop, %d-byte messages, compression %q: natsd %.0f msgs/s, nats-server %.0f msgs/s, ratio %.2f",
		size, os.Getenv("NATSD_COMPARE_COMPRESSION"), natsd, nats, natsd/nats)
}

// clHopRate publishes n messages on a and times their arrival on b.
func clHopRate(t *testing.T, a, b *clProc, n, size int) float64 {
	t.Helper()
	dial := func(p *clProc) (net.Conn, *bufio.Reader) {
		c, err := net.Dial("tcp", fmt.Sprintf("127.0.0.1:%d", p.port))
		if err != nil {
			t.Fatal(err)
		}
		t.Cleanup(func() { c.Close() })
		br := bufio.NewReaderSize(c, 256<<10)
		c.SetDeadline(time.Now().Add(time.Minute))
		if _, err := br.ReadString('\n'); err != nil { // INFO
			t.Fatal(err)
		}
		return c, br
	}
	sub, sr := dial(b)
	fmt.Fprintf(sub, "CONNECT {\"verbose\":false}\r\nSUB hop 1\r\nPING\r\n")
	for {
		l, err := sr.ReadString('\n')
		if err != nil {
			t.Fatal(err)
		}
		if l == "PONG\r\n" {
			break
		}
	}
	pub, _ := dial(a)
	fmt.Fprintf(pub, "CONNECT {\"verbose\":false}\r\n")
	// Wait for the interest to cross the route: probe until one arrives.
	got := make(chan struct{})
	go func() {
		sr.ReadString('\n')
		sr.ReadString('\n')
		close(got)
	}()
	for probing := true; probing; {
		fmt.Fprintf(pub, "PUB hop 5\r\nprobe\r\n")
		select {
		case <-got:
			probing = false
		case <-time.After(20 * time.Millisecond):
		}
	}
	// Drain the extra probes: a PING round trip on the subscriber's own
	// connection does not order route traffic, so read until quiet.
	sub.SetReadDeadline(time.Now().Add(200 * time.Millisecond))
	io.Copy(io.Discard, sr)
	sub.SetReadDeadline(time.Now().Add(time.Minute))

	payload := strings.Repeat("x", size)
	msg := fmt.Sprintf("PUB hop %d\r\n%s\r\n", size, payload)
	batch := strings.Repeat(msg, 1000)
	perMsg := len(fmt.Sprintf("MSG hop 1 %d\r\n", size)) + size + 2
	start := time.Now()
	done := make(chan error, 1)
	go func() {
		_, err := io.CopyN(io.Discard, sr, int64(perMsg*n))
		done <- err
	}()
	for i := 0; i < n/1000; i++ {
		if _, err := io.WriteString(pub, batch); err != nil {
			t.Fatal(err)
		}
	}
	if err := <-done; err != nil {
		t.Fatalf("%s: reading %d messages: %v", a.bin, n, err)
	}
	return float64(n) / time.Since(start).Seconds()
}
