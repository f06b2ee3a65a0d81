package server

import (
	"fmt"
	"io"
	"strings"
	"sync"
	"testing"
	"time"
)

// clLatencyProbe measures, until stopped, the round trip of a client
// publishing to itself through s: publish, receive, repeat. It counts the
// round trips that ended while during() held.
type clLatencyProbe struct {
	mu     sync.Mutex
	worst  time.Duration
	n      int
	inside int
	stop   chan struct{}
	done   chan struct{}
}

func clStartProbe(t *testing.T, s *Server, subject string, during func() bool) *clLatencyProbe {
	nc := clConnect(t, s)
	sub, err := nc.SubscribeSync(subject)
	if err != nil {
		t.Fatal(err)
	}
	nc.Flush()
	p := &clLatencyProbe{stop: make(chan struct{}), done: make(chan struct{})}
	go func() {
		defer close(p.done)
		for {
			select {
			case <-p.stop:
				return
			default:
			}
			start := time.Now()
			if err := nc.Publish(subject, []byte("x")); err != nil {
				return
			}
			if _, err := sub.NextMsg(10 * time.Second); err != nil {
				return
			}
			d := time.Since(start)
			in := during()
			p.mu.Lock()
			p.worst = max(p.worst, d)
			p.n++
			if in {
				p.inside++
			}
			p.mu.Unlock()
			time.Sleep(time.Millisecond)
		}
	}()
	return p
}

func (p *clLatencyProbe) finish() (worst time.Duration, n, inside int) {
	close(p.stop)
	<-p.done
	p.mu.Lock()
	defer p.mu.Unlock()
	return p.worst, p.n, p.inside
}

// TestClusterResyncManySubscriptions: a node with 100k subscriptions sends
// them all to a new route without stalling its clients (the snapshot is
// written in bounded chunks by its own goroutine), and the receiving node
// keeps serving its clients while it takes them in: on both, clients'
// round trips complete while the receiver holds part of the interest.
// (How long they take is logged, not checked: on a loaded machine with
// the race detector a round trip of over a second is no sign of a stall.)
func TestClusterResyncManySubscriptions(t *testing.T) {
	const n = 100_000
	a := clStart(t, clOpts("a"))
	conn, br := rawConn(t, a, `{"verbose":false}`)
	var b strings.Builder
	for i := 0; i < n; i++ {
		fmt.Fprintf(&b, "SUB s.%d %d\r\n", i, i)
	}
	b.WriteString("SUB q.* workers q0\r\nPING\r\n")
	if _, err := io.WriteString(conn, b.String()); err != nil {
		t.Fatal(err)
	}
	if l, err := br.ReadString('\n'); err != nil || l != "PONG\r\n" {
		t.Fatalf("after %d SUBs: %q %v", n, l, err)
	}
	if got := a.NumLocalInterest(); got != n+1 {
		t.Fatalf("local interest %d", got)
	}

	// The receiving node exists before the route, so its client can be
	// probed while the interest pours in.
	bo := clOpts("b")
	bs := clStart(t, bo)
	partial := func() bool { k := bs.NumRemoteSubscriptions(); return k > 0 && k < n+2 }
	probeA := clStartProbe(t, a, "probe.a", partial)
	probeB := clStartProbe(t, bs, "probe.b", partial)
	start := time.Now()
	cur := bo.Clone()
	bs.SetConfigLoader(func() (*Options, error) { return cur.Clone(), nil })
	cur.Cluster.Routes = clOpts("x", clRouteURL(a)).Cluster.Routes
	if err := bs.Reload(); err != nil {
		t.Fatal(err)
	}
	clWaitFor(t, 60*time.Second, "100k remote subscriptions", func() bool {
		return bs.NumRemoteSubscriptions() == n+1+1 // + probe.a
	})
	took := time.Since(start)
	worstA, nA, inA := probeA.finish()
	worstB, nB, inB := probeB.finish()
	t.Logf("resync of %d subscriptions took %v; worst round trip on the sender %v (%d probes, %d during the resync), on the receiver %v (%d probes, %d during)",
		n, took, worstA, nA, inA, worstB, nB, inB)
	if inA < 3 || inB < 3 {
		t.Fatalf("clients stalled during the resync: %d round trips on the sender, %d on the receiver ended while part of the interest was in", inA, inB)
	}
	// The interest works: a message published on b reaches a's client.
	pub := clConnect(t, bs)
	pub.Publish("s.99999", []byte("hi"))
	pub.Publish("q.x", []byte("qq"))
	pub.Flush()
	conn.SetReadDeadline(time.Now().Add(10 * time.Second))
	want := []string{"MSG s.99999 99999 2\r\n", "hi\r\n", "MSG q.x q0 2\r\n", "qq\r\n"}
	for _, w := range want {
		if l, err := br.ReadString('\n'); err != nil || l != w {
			t.Fatalf("got %q, want %q (%v)", l, w, err)
		}
	}
}
