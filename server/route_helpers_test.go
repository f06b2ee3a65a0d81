package server

import (
	"fmt"
	"math/rand/v2"
	"net"
	"net/url"
	"os"
	"runtime"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/nats-io/nats.go"
)

// Helpers of the cluster tests (route_test.go and friends). Every wait is
// a poll with a deadline; nothing sleeps for a fixed time and hopes.

const clusterWait = 20 * time.Second // what must happen; generous for a loaded machine

// clWaitFor polls cond until it holds or the timeout passes.
func clWaitFor(tb testing.TB, timeout time.Duration, what string, cond func() bool) {
	tb.Helper()
	deadline := time.Now().Add(timeout)
	for !cond() {
		if time.Now().After(deadline) {
			tb.Fatalf("timed out after %v waiting for %s", timeout, what)
		}
		time.Sleep(5 * time.Millisecond)
	}
}

// clOpts are the options of a cluster node on 127.0.0.1 with random ports.
func clOpts(name string, routes ...string) *Options {
	o := &Options{
		ServerName: name,
		Host:       "127.0.0.1",
		Port:       RandomPort,
		NoLog:      os.Getenv("NATSD_TEST_LOG") == "",
		Debug:      os.Getenv("NATSD_TEST_LOG") == "debug",
		Cluster:    ClusterOpts{Name: "test", Host: "127.0.0.1", Port: RandomPort},
	}
	for _, r := range routes {
		u, err := url.Parse(r)
		if err != nil {
			panic(err)
		}
		o.Cluster.Routes = append(o.Cluster.Routes, u)
	}
	return o
}

// clStart starts a server with o, shut down when the test ends.
func clStart(tb testing.TB, o *Options) *Server {
	tb.Helper()
	s, err := New(o)
	if err != nil {
		tb.Fatal(err)
	}
	if err := s.Start(); err != nil {
		tb.Fatal(err)
	}
	tb.Cleanup(s.Shutdown)
	return s
}

// clRouteURL is the URL other nodes use to reach s.
func clRouteURL(s *Server) string {
	return "nats://" + s.ClusterAddr().String()
}

// clStartCluster starts n nodes: node 1 is the seed, every other node only
// lists the seed, so the mesh is completed by gossip. It waits for the
// full mesh.
func clStartCluster(tb testing.TB, n int, tweak func(i int, o *Options)) []*Server {
	tb.Helper()
	o := clOpts("n1")
	if tweak != nil {
		tweak(0, o)
	}
	seed := clStart(tb, o)
	servers := []*Server{seed}
	for i := 1; i < n; i++ {
		o := clOpts(fmt.Sprintf("n%d", i+1), clRouteURL(seed))
		if tweak != nil {
			tweak(i, o)
		}
		servers = append(servers, clStart(tb, o))
	}
	clWaitMesh(tb, servers)
	return servers
}

// clWaitMesh waits until every server has a route to every other one.
// clConnsPerPeer is how many route connections two natsd servers keep:
// the default pool and the system account's pinned route.
const clConnsPerPeer = DefaultRoutePoolSize + 1

func clWaitMesh(tb testing.TB, servers []*Server) {
	tb.Helper()
	clWaitFor(tb, clusterWait, "full mesh", func() bool {
		for _, s := range servers {
			if s.NumRoutes() != len(servers)-1 {
				return false
			}
		}
		return true
	})
}

// clWaitInterest waits until every server holds want remote
// subscriptions in total (the interest the others sent it).
func clWaitRemoteSubs(tb testing.TB, servers []*Server, want func(i int) int) {
	tb.Helper()
	clWaitFor(tb, clusterWait, "remote interest", func() bool {
		for i, s := range servers {
			if s.NumRemoteSubscriptions() != want(i) {
				return false
			}
		}
		return true
	})
}

// clRemoteSubsString describes the remote interest of each server, for
// failure messages.
func clRemoteSubsString(servers []*Server) string {
	var b strings.Builder
	for i, s := range servers {
		fmt.Fprintf(&b, "n%d: routes %d remote subs %d local interest %d; ", i+1, s.NumRoutes(), s.NumRemoteSubscriptions(), s.NumLocalInterest())
	}
	return b.String()
}

// clConnect connects nats.go to s.
func clConnect(tb testing.TB, s *Server, opts ...nats.Option) *nats.Conn {
	tb.Helper()
	opts = append([]nats.Option{nats.Timeout(10 * time.Second)}, opts...)
	nc, err := nats.Connect(s.ClientURL(), opts...)
	if err != nil {
		tb.Fatal(err)
	}
	tb.Cleanup(nc.Close)
	return nc
}

// clCounter counts the messages a subscription receives, per payload.
type clCounter struct {
	mu   sync.Mutex
	msgs map[string]int
	n    int
	// With epoch set (the subscriber's reconnect count), a payload
	// received again in another epoch is not a duplicate: see dups.
	epoch  func() uint64
	epochs map[string][]uint64
}

func newCounter() *clCounter { return &clCounter{msgs: make(map[string]int)} }

// newSessionCounter is a counter whose dups are those within one
// connection session of the subscriber nc.
func newSessionCounter(nc func() *nats.Conn) *clCounter {
	c := newCounter()
	c.epoch = func() uint64 { return nc().Stats().Reconnects }
	c.epochs = make(map[string][]uint64)
	return c
}

func (c *clCounter) handler(m *nats.Msg) {
	var e uint64
	if c.epoch != nil {
		e = c.epoch()
	}
	c.mu.Lock()
	c.msgs[string(m.Data)]++
	c.n++
	if c.epochs != nil {
		c.epochs[string(m.Data)] = append(c.epochs[string(m.Data)], e)
	}
	c.mu.Unlock()
}

// countPrefix counts the messages received whose payload starts with p.
func (c *clCounter) countPrefix(p string) int {
	c.mu.Lock()
	defer c.mu.Unlock()
	n := 0
	for k, v := range c.msgs {
		if strings.HasPrefix(k, p) {
			n += v
		}
	}
	return n
}

func (c *clCounter) total() int {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.n
}

// dups returns the payloads received more than once: on a session
// counter, more than once in one session. A subscriber that reconnects to
// another server may get a message again there: one published before it
// moved, still on its way over a slower route to the new server while it
// was delivered on the old one. NATS (nats-server too) delivers at most
// once per subscription, not per client across reconnections.
func (c *clCounter) dups() []string {
	c.mu.Lock()
	defer c.mu.Unlock()
	var out []string
	for k, n := range c.msgs {
		if n <= 1 {
			continue
		}
		if es := c.epochs[k]; c.epochs != nil && len(es) == n && !hasRepeat(es) {
			continue
		}
		out = append(out, fmt.Sprintf("%s x%d", k, n))
	}
	return out
}

func hasRepeat(es []uint64) bool {
	for i := range es {
		for j := i + 1; j < len(es); j++ {
			if es[i] == es[j] {
				return true
			}
		}
	}
	return false
}

func (c *clCounter) has(payload string) bool {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.msgs[payload] > 0
}

// clGoroutines records the goroutine count and returns a check that waits
// for it to come back down once the servers are shut down.
func clGoroutines(tb testing.TB) func() {
	tb.Helper()
	base := runtime.NumGoroutine()
	return func() {
		tb.Helper()
		deadline := time.Now().Add(clusterWait)
		for runtime.NumGoroutine() > base {
			if time.Now().After(deadline) {
				buf := make([]byte, 1<<20)
				buf = buf[:runtime.Stack(buf, true)]
				tb.Fatalf("goroutine leak: %d before, %d after\n%s", base, runtime.NumGoroutine(), buf)
			}
			time.Sleep(10 * time.Millisecond)
		}
	}
}

// clLog is a logger that keeps every line (debug included), so tests can
// look for what a server reported.
type clLog struct {
	mu    sync.Mutex
	lines []string
}

func (l *clLog) add(level, format string, v ...any) {
	l.mu.Lock()
	l.lines = append(l.lines, level+" "+fmt.Sprintf(format, v...))
	l.mu.Unlock()
}

func (l *clLog) Noticef(format string, v ...any) { l.add("[INF]", format, v...) }
func (l *clLog) Warnf(format string, v ...any)   { l.add("[WRN]", format, v...) }
func (l *clLog) Errorf(format string, v ...any)  { l.add("[ERR]", format, v...) }
func (l *clLog) Fatalf(format string, v ...any)  { l.add("[FTL]", format, v...) }
func (l *clLog) Debugf(format string, v ...any)  { l.add("[DBG]", format, v...) }
func (l *clLog) Tracef(format string, v ...any)  {}
func (l *clLog) DebugEnabled() bool              { return true }
func (l *clLog) TraceEnabled() bool              { return false }

// count returns how many lines contain all of subs.
func (l *clLog) count(subs ...string) int {
	l.mu.Lock()
	defer l.mu.Unlock()
	n := 0
next:
	for _, line := range l.lines {
		for _, s := range subs {
			if !strings.Contains(line, s) {
				continue next
			}
		}
		n++
	}
	return n
}

func (l *clLog) String() string {
	l.mu.Lock()
	defer l.mu.Unlock()
	return strings.Join(l.lines, "\n")
}

// clStartLogged starts a server whose log is kept.
func clStartLogged(tb testing.TB, o *Options) (*Server, *clLog) {
	tb.Helper()
	s, err := New(o)
	if err != nil {
		tb.Fatal(err)
	}
	l := &clLog{}
	s.SetLogger(l)
	if err := s.Start(); err != nil {
		tb.Fatal(err)
	}
	tb.Cleanup(s.Shutdown)
	return s, l
}

// clPortsGiven are the ports clFreePort handed out in this test process:
// a port is free until its server binds it, so without this two calls
// before the servers start could return the same port.
var (
	clPortsMu    sync.Mutex
	clPortsGiven = map[int]bool{}
)

// clFreePort finds a free port in 20000-24999 not handed out before.
// The test package's tests, which go test runs at the same time in
// another process, take theirs from the other half of 20000-29999, so
// the two cannot pick the same free port (below the ephemeral range).
func clFreePort(tb testing.TB) int {
	tb.Helper()
	clPortsMu.Lock()
	defer clPortsMu.Unlock()
	for i := 0; i < 200; i++ {
		p := 20000 + rand.IntN(5000)
		if clPortsGiven[p] {
			continue
		}
		l, err := net.Listen("tcp", net.JoinHostPort("127.0.0.1", strconv.Itoa(p)))
		if err == nil {
			l.Close()
			clPortsGiven[p] = true
			return p
		}
	}
	tb.Fatal("no free port")
	return 0
}

// clFixPorts pins a server's client and cluster ports to the ones it got,
// so that it can be restarted where its peers and clients expect it.
func clFixPorts(o *Options, s *Server) *Options {
	o = o.Clone()
	o.Port = addrPort(s.Addr())
	o.Cluster.Port = addrPort(s.ClusterAddr())
	return o
}
