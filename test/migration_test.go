//go:build !refserver

package test

// The rolling migration: a live 3-node nats-server cluster becomes a natsd
// cluster one node at a time, and goes back the same way. Runs when
// NATS_REF_SERVER names a nats-server binary.

import (
	"fmt"
	"strings"
	"sync"
	"sync/atomic"
	"syscall"
	"testing"
	"time"

	"github.com/nats-io/nats.go"
)

// migTracker records, for every (subscriber, publisher) pair, the
// sequence numbers received and the longest time between two of them.
type migTracker struct {
	mu     sync.Mutex
	seen   map[string]map[int]bool
	last   map[string]time.Time
	maxGap map[string]time.Duration
	dups   int
}

func newMigTracker() *migTracker {
	return &migTracker{seen: map[string]map[int]bool{}, last: map[string]time.Time{}, maxGap: map[string]time.Duration{}}
}

func (m *migTracker) record(key string, seq int) {
	now := time.Now()
	m.mu.Lock()
	defer m.mu.Unlock()
	s := m.seen[key]
	if s == nil {
		s = map[int]bool{}
		m.seen[key] = s
	}
	if s[seq] {
		m.dups++
		return
	}
	s[seq] = true
	if l, ok := m.last[key]; ok && now.Sub(l) > m.maxGap[key] {
		m.maxGap[key] = now.Sub(l)
	}
	m.last[key] = now
}

// startStep forgets the gaps measured so far.
func (m *migTracker) startStep() {
	m.mu.Lock()
	defer m.mu.Unlock()
	now := time.Now()
	for k := range m.last {
		m.last[k] = now
		m.maxGap[k] = 0
	}
}

// longest is the longest gap since startStep (counting the current
// silence of every pair) and its pair.
func (m *migTracker) longest() (time.Duration, string) {
	m.mu.Lock()
	defer m.mu.Unlock()
	var worst time.Duration
	var which string
	now := time.Now()
	for k, g := range m.maxGap {
		if s := now.Sub(m.last[k]); s > g {
			g = s
		}
		if g > worst {
			worst, which = g, k
		}
	}
	return worst, which
}

// freshSince reports whether every pair received something after t.
func (m *migTracker) freshSince(t time.Time, pairs int) bool {
	m.mu.Lock()
	defer m.mu.Unlock()
	n := 0
	for _, l := range m.last {
		if l.After(t) {
			n++
		}
	}
	return n == pairs
}

// stop ends p gracefully (SIGTERM), killing it if it lingers.
func (p *clProc) stop() {
	if p.cmd == nil || p.cmd.Process == nil {
		return
	}
	p.cmd.Process.Signal(syscall.SIGTERM)
	select {
	case <-p.exited:
	case <-time.After(10 * time.Second):
		p.kill()
	}
}

// TestRollingMigration: three nats-server nodes with live traffic
// (publishers and subscribers on every node, a request/reply service) are
// restarted one at a time as natsd with the same configuration files, and
// then back to nats-server. At every step the mesh completes again, every
// subscriber gets messages from every publisher again, nobody receives a
// duplicate, and the longest gap in the traffic is logged (and must stay
// under migMaxGap).
func TestRollingMigration(t *testing.T) {
	ref := mxRefBinary(t)
	bin := clBuild(t, t.TempDir())
	const migMaxGap = 10 * time.Second

	// Fixed ports: each node restarts with the same configuration file.
	var nodes []*clProc
	var routes []string
	confs := make([]*mxConf, 3)
	for i := range confs {
		confs[i] = &mxConf{name: fmt.Sprintf("m%d", i+1), port: clFreePort(t), clusterPort: clFreePort(t), mport: clFreePort(t)}
		routes = append(routes, fmt.Sprintf("nats://127.0.0.1:%d", confs[i].clusterPort))
	}
	for _, c := range confs {
		nodes = append(nodes, mxNode(t, ref, c.name, routes, func(m *mxConf) { *m = *c; m.routes = routes }))
	}
	for _, n := range nodes {
		n.start()
	}
	mxWaitPools(t, nodes)

	var urls []string
	for _, n := range nodes {
		urls = append(urls, mxURL(n, "a"))
	}
	connect := func(first int) *nats.Conn {
		// Each client starts on its own node and knows them all.
		list := append([]string{urls[first]}, append(append([]string{}, urls[:first]...), urls[first+1:]...)...)
		nc, err := nats.Connect(strings.Join(list, ","), nats.DontRandomize(), nats.MaxReconnects(-1),
			nats.ReconnectWait(50*time.Millisecond), nats.Timeout(2*time.Second),
			nats.ErrorHandler(func(*nats.Conn, *nats.Subscription, error) {}))
		if err != nil {
			t.Fatal(err)
		}
		t.Cleanup(nc.Close)
		return nc
	}

	tr := newMigTracker()
	replies := newMigTracker()
	stop := make(chan struct{})
	var wg sync.WaitGroup
	defer func() { close(stop); wg.Wait() }()
	for i := range nodes {
		// A subscriber and a service member on every node.
		nc := connect(i)
		sub := i
		nc.Subscribe("mig.>", func(m *nats.Msg) {
			var pub, seq int
			fmt.Sscanf(string(m.Data), "%d %d", &pub, &seq)
			tr.record(fmt.Sprintf("sub%d<-pub%d", sub, pub), seq)
		})
		nc.QueueSubscribe("svc.mig", "svc", func(m *nats.Msg) { m.Respond(m.Data) })
		nc.Flush()
	}
	var published atomic.Int64
	for i := range nodes {
		// A publisher and a requester on every node.
		pub, req := connect(i), connect(i)
		wg.Add(2)
		go func() {
			defer wg.Done()
			tick := time.NewTicker(5 * time.Millisecond)
			defer tick.Stop()
			for seq := 0; ; seq++ {
				select {
				case <-stop:
					return
				case <-tick.C:
				}
				pub.Publish(fmt.Sprintf("mig.%d", i), []byte(fmt.Sprintf("%d %d", i, seq)))
				published.Add(1)
			}
		}()
		go func() {
			defer wg.Done()
			for seq := 0; ; seq++ {
				select {
				case <-stop:
					return
				default:
				}
				if r, err := req.Request("svc.mig", []byte(fmt.Sprint(seq)), time.Second); err == nil && string(r.Data) == fmt.Sprint(seq) {
					replies.record(fmt.Sprintf("req%d", i), seq)
				}
				time.Sleep(20 * time.Millisecond)
			}
		}()
	}
	pairs := len(nodes) * len(nodes)
	clWaitFor(t, "traffic everywhere", func() bool {
		return tr.freshSince(time.Now().Add(-time.Second), pairs) && replies.freshSince(time.Now().Add(-time.Second), len(nodes))
	})

	step := func(i int, to string, bin string) {
		t.Helper()
		tr.startStep()
		replies.startStep()
		began := time.Now()
		n := nodes[i]
		n.stop()
		// The node stays down a while, as when an operator swaps the
		// binary: its clients fail over to the others meanwhile.
		time.Sleep(time.Second)
		n.bin = bin
		n.start()
		mxWaitPools(t, nodes)
		restarted := time.Now()
		clWaitFor(t, "traffic everywhere after "+n.name+" became "+to, func() bool {
			return tr.freshSince(restarted, pairs) && replies.freshSince(restarted, len(nodes))
		})
		gap, which := tr.longest()
		rgap, rwhich := replies.longest()
		t.Logf("%s -> %s in %v: longest message gap %v (%s), longest request gap %v (%s); %d messages published so far",
			n.name, to, time.Since(began).Round(time.Millisecond), gap.Round(time.Millisecond), which,
			rgap.Round(time.Millisecond), rwhich, published.Load())
		if gap > migMaxGap || rgap > migMaxGap {
			t.Errorf("%s -> %s: traffic stopped for more than %v", n.name, to, migMaxGap)
		}
	}
	for i := range nodes {
		step(i, "natsd", bin)
	}
	for i := range nodes {
		step(i, "nats-server", ref)
	}
	mxWaitPools(t, nodes)
	tr.mu.Lock()
	dups := tr.dups
	tr.mu.Unlock()
	if dups != 0 {
		t.Fatalf("subscribers received %d duplicates", dups)
	}
	t.Logf("%d messages published", published.Load())
}
