package server

import (
	"fmt"
	"math/rand/v2"
	"net/url"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/nats-io/nats.go"
)

// TestClusterChaos publishes continuously on a 5-node cluster while random
// nodes are shut down and restarted. Afterwards: no subscriber got a
// message twice, no queue group served a message twice, every route works
// (a final round reaches everyone), the interest every node holds for each
// peer matches what that peer advertises, and no goroutine is left.
func TestClusterChaos(t *testing.T) {
	if testing.Short() {
		t.Skip("chaos test skipped with -short")
	}
	leak := clGoroutines(t)
	const n = 5
	chaosFor := 10 * time.Second

	var opts []*Options
	var clientURLs, routeURLs []string
	for i := 0; i < n; i++ {
		cp, rp := clFreePort(t), clFreePort(t)
		o := clOpts(fmt.Sprintf("c%d", i+1))
		o.Port, o.Cluster.Port = cp, rp
		o.Cluster.ConnectRetries = 3
		opts = append(opts, o)
		clientURLs = append(clientURLs, fmt.Sprintf("nats://127.0.0.1:%d", cp))
		routeURLs = append(routeURLs, fmt.Sprintf("nats://127.0.0.1:%d", rp))
	}
	// Every node lists every node (its own URL is ignored as a self route).
	for _, o := range opts {
		for _, r := range routeURLs {
			u, _ := url.Parse(r)
			o.Cluster.Routes = append(o.Cluster.Routes, u)
		}
	}
	var smu sync.Mutex
	servers := make([]*Server, n)
	start := func(i int) {
		s, err := New(opts[i])
		if err != nil {
			t.Fatal(err)
		}
		if err := s.Start(); err != nil {
			t.Fatalf("restart c%d: %v", i+1, err)
		}
		smu.Lock()
		servers[i] = s
		smu.Unlock()
	}
	for i := range servers {
		start(i)
	}
	defer func() {
		for _, s := range servers {
			s.Shutdown()
		}
	}()
	clWaitMesh(t, servers)

	connect := func(i int) *nats.Conn {
		// The client's own node first, then the others.
		urls := append([]string{clientURLs[i]}, clientURLs[:i]...)
		urls = append(urls, clientURLs[i+1:]...)
		nc, err := nats.Connect(strings.Join(urls, ","), nats.DontRandomize(), nats.MaxReconnects(-1),
			nats.ReconnectWait(20*time.Millisecond), nats.ReconnectJitter(10*time.Millisecond, 0),
			nats.ReconnectBufSize(-1), // drop rather than buffer while reconnecting
			nats.Timeout(2*time.Second),
			nats.ErrorHandler(func(*nats.Conn, *nats.Subscription, error) {})) // writes to dying nodes fail
		if err != nil {
			t.Fatal(err)
		}
		return nc
	}
	var subConns, pubConns []*nats.Conn
	var plain []*clCounter
	queue := newCounter() // the whole group "g"
	for i := 0; i < n; i++ {
		nc := connect(i)
		c := newSessionCounter(func() *nats.Conn { return nc })
		if _, err := nc.Subscribe("chaos.>", c.handler); err != nil {
			t.Fatal(err)
		}
		if _, err := nc.QueueSubscribe("chaos.>", "g", queue.handler); err != nil {
			t.Fatal(err)
		}
		nc.Flush()
		subConns = append(subConns, nc)
		plain = append(plain, c)
		pubConns = append(pubConns, connect(i))
	}
	defer func() {
		for _, nc := range append(subConns, pubConns...) {
			nc.Close()
		}
	}()

	// Publishers: each sends unique payloads as fast as a 1ms pace allows.
	stop := make(chan struct{})
	var wg sync.WaitGroup
	var published atomic.Int64
	for i, nc := range pubConns {
		wg.Add(1)
		go func() {
			defer wg.Done()
			tick := time.NewTicker(time.Millisecond)
			defer tick.Stop()
			for seq := 0; ; seq++ {
				select {
				case <-stop:
					return
				case <-tick.C:
				}
				if nc.Publish(fmt.Sprintf("chaos.%d", i), []byte(fmt.Sprintf("%d-%d", i, seq))) == nil {
					published.Add(1)
				}
			}
		}()
	}

	// Chaos: shut a random node down, bring it back a little later.
	restarts := 0
	deadline := time.Now().Add(chaosFor)
	for time.Now().Before(deadline) {
		k := rand.IntN(n)
		smu.Lock()
		s := servers[k]
		smu.Unlock()
		s.Shutdown()
		time.Sleep(time.Duration(50+rand.IntN(300)) * time.Millisecond)
		start(k)
		restarts++
		time.Sleep(time.Duration(100+rand.IntN(400)) * time.Millisecond)
	}
	close(stop)
	wg.Wait()
	t.Logf("%d restarts, %d messages published", restarts, published.Load())

	// The mesh heals and everyone is connected again.
	clWaitMesh(t, servers)
	clWaitFor(t, clusterWait, "clients reconnected", func() bool {
		for _, nc := range append(subConns, pubConns...) {
			if !nc.IsConnected() {
				return false
			}
		}
		return true
	})
	for _, nc := range append(subConns, pubConns...) {
		nc.Flush()
	}
	clWaitFor(t, clusterWait, "consistent interest", func() bool { return clInterestConsistent(servers) == "" })

	for i, c := range plain {
		if d := c.dups(); len(d) > 0 {
			t.Fatalf("subscriber %d got duplicates: %v", i, d[:min(len(d), 5)])
		}
	}
	if d := queue.dups(); len(d) > 0 {
		t.Fatalf("queue group served messages twice: %v", d[:min(len(d), 5)])
	}

	// No stuck route: a final round from every node reaches every
	// subscriber, and the queue group exactly once.
	// Only the final round's payloads count: messages of the chaos
	// phase may still be arriving over a slow route.
	const final = 50
	for i, nc := range pubConns {
		for j := 0; j < final; j++ {
			nc.Publish(fmt.Sprintf("chaos.%d", i), []byte(fmt.Sprintf("final-%d-%d", i, j)))
		}
		nc.Flush()
	}
	clWaitFor(t, clusterWait, "final round everywhere", func() bool {
		for _, c := range plain {
			if c.countPrefix("final-") < n*final {
				return false
			}
		}
		return queue.countPrefix("final-") >= n*final
	})
	for _, nc := range subConns {
		nc.Flush()
	}
	for i, c := range plain {
		if got := c.countPrefix("final-"); got != n*final {
			t.Fatalf("subscriber %d got %d of the final %d", i, got, n*final)
		}
	}
	if got := queue.countPrefix("final-"); got != n*final {
		t.Fatalf("queue group got %d of the final %d", got, n*final)
	}

	for _, nc := range append(subConns, pubConns...) {
		nc.Close()
	}
	for _, s := range servers {
		s.Shutdown()
	}
	leak()
}

// clInterestConsistent compares, for every pair of nodes, the interest A
// holds for its route to B with what B advertises (its local interest). It
// returns "" when all agree, else a description.
func clInterestConsistent(servers []*Server) string {
	byID := map[string]*Server{}
	for _, s := range servers {
		byID[s.ID()] = s
	}
	var b strings.Builder
	for _, s := range servers {
		rz, _ := s.Routez(nil)
		if len(rz.Routes) != (len(servers)-1)*clConnsPerPeer {
			fmt.Fprintf(&b, "%s has %d route connections; ", s.Name(), len(rz.Routes))
		}
		// The interest a peer sent is spread over its pool connections.
		subs := map[string]int{}
		for _, r := range rz.Routes {
			subs[r.RemoteID] += int(r.NumSubs)
		}
		for id, n := range subs {
			peer := byID[id]
			if peer == nil {
				fmt.Fprintf(&b, "%s has a route to unknown %s; ", s.Name(), id)
				continue
			}
			if want := peer.NumLocalInterest(); n != want {
				fmt.Fprintf(&b, "%s holds %d subs for %s, which has %d; ", s.Name(), n, peer.Name(), want)
			}
		}
	}
	return b.String()
}
