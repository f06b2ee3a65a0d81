package server

import (
	"fmt"
	"testing"
	"time"

	"github.com/nats-io/nats.go"
)

// startLeafCluster starts a hub and two clustered leaf servers, each with
// a remote to the hub, and waits for both leaf connections.
func startLeafCluster(t *testing.T) (hub, l1, l2 *Server) {
	t.Helper()
	hub = clStart(t, hubOpts("hub"))
	leaves := clStartCluster(t, 2, func(i int, o *Options) {
		o.LeafNode = leafOpts("", leafURLOf(hub)).LeafNode
	})
	waitLeafs(t, hub, 2)
	waitLeafs(t, leaves[0], 1)
	waitLeafs(t, leaves[1], 1)
	return hub, leaves[0], leaves[1]
}

// plainCount is how many plain subscriptions of s's global account match
// subject.
func plainCount(s *Server, subject string) int {
	return len(s.lookupAccount("$G").sl.Match([]byte(subject)).Plain)
}

// TestLeafClusterNoDuplicates: two clustered leaf servers connected to the
// same hub. Each announces only its own clients' interest to the hub, so
// every subscriber (on either leaf or on the hub) gets each message once,
// whoever publishes, and a queue group spread over both leaves gets each
// message once.
func TestLeafClusterNoDuplicates(t *testing.T) {
	hub, l1, l2 := startLeafCluster(t)
	c1, c2, hc := leafConnect(t, l1), leafConnect(t, l2), leafConnect(t, hub)

	s1, _ := c1.SubscribeSync("x.>")
	s2, _ := c2.SubscribeSync("x.>")
	sh, _ := hc.SubscribeSync("x.>")
	q := newCounter()
	c1.QueueSubscribe("q", "g", q.handler)
	c2.QueueSubscribe("q", "g", q.handler)
	for _, nc := range []*nats.Conn{c1, c2, hc} {
		nc.Flush()
	}
	// The hub holds its client and one subscription per leaf connection;
	// each leaf its client, the route's and the hub's.
	clWaitFor(t, leafWait, "interest everywhere", func() bool {
		return plainCount(hub, "x.a") == 3 && plainCount(l1, "x.a") == 3 && plainCount(l2, "x.a") == 3
	})
	clWaitFor(t, leafWait, "queue interest on the hub", func() bool {
		r := hub.lookupAccount("$G").sl.Match([]byte("q"))
		return len(r.Queues) == 1 && len(r.Queues[0].Members) == 2
	})

	pubs := map[string]*nats.Conn{"l1": c1, "l2": c2, "hub": hc}
	const n = 20
	for name, nc := range pubs {
		nc.Publish("x."+name, []byte("from "+name))
		for i := 0; i < n; i++ {
			nc.Publish("q", []byte(fmt.Sprintf("%s-%d", name, i)))
		}
		nc.Flush()
	}
	for i, s := range []*nats.Subscription{s1, s2, sh} {
		where := []string{"l1", "l2", "hub"}[i]
		seen := map[string]int{}
		for i := 0; i < len(pubs); i++ {
			seen[string(nextMsg(t, s).Data)]++
		}
		if m, err := s.NextMsg(200 * time.Millisecond); err == nil {
			t.Fatalf("subscriber on %s got %q again", where, m.Data)
		}
		for name := range pubs {
			if seen["from "+name] != 1 {
				t.Fatalf("subscriber on %s saw %v", where, seen)
			}
		}
	}
	clWaitFor(t, leafWait, "queue messages", func() bool { return q.total() >= len(pubs)*n })
	time.Sleep(200 * time.Millisecond) // let any duplicate arrive
	if q.total() != len(pubs)*n || len(q.dups()) != 0 {
		t.Fatalf("queue group got %d messages (want %d), duplicates %v", q.total(), len(pubs)*n, q.dups())
	}
}

// TestLeafClusterOneConnected: of two clustered servers only L1 has a
// leaf connection to the hub. As with nats-server (checked against
// v2.15.2), L1 tells the hub of its own clients' interest only and does
// not relay hub messages over its route: a subscriber on L2 does not get
// the hub's messages, L1's does, and L2's clients still reach L1's.
func TestLeafClusterOneConnected(t *testing.T) {
	hub := clStart(t, hubOpts("hub"))
	leaves := clStartCluster(t, 2, func(i int, o *Options) {
		if i == 0 {
			o.LeafNode = leafOpts("", leafURLOf(hub)).LeafNode
		}
	})
	l1, l2 := leaves[0], leaves[1]
	waitLeafs(t, hub, 1)
	c1, c2, hc := leafConnect(t, l1), leafConnect(t, l2), leafConnect(t, hub)

	s2, _ := c2.SubscribeSync("only2")
	s1, _ := c1.SubscribeSync("both")
	s2b, _ := c2.SubscribeSync("both")
	c1.Flush()
	c2.Flush()
	waitInterest(t, l1, "$G", "only2")
	clWaitFor(t, leafWait, "route interest on l1", func() bool { return plainCount(l1, "both") == 2 })
	waitInterest(t, hub, "$G", "both")
	// The hub heard of L1's client only.
	if hub.lookupAccount("$G").sl.HasInterest([]byte("only2")) {
		t.Fatal("the hub heard of interest L1 learned over its route")
	}
	hc.Publish("only2", []byte("h1"))
	hc.Publish("both", []byte("h2"))
	hc.Flush()
	if m := nextMsg(t, s1); string(m.Data) != "h2" {
		t.Fatalf("l1 got %q", m.Data)
	}
	noMsg(t, s2, 200*time.Millisecond)
	noMsg(t, s2b, time.Millisecond)

	// Inside the cluster, routes work as ever.
	c2.Publish("both", []byte("l2"))
	c2.Flush()
	if m := nextMsg(t, s1); string(m.Data) != "l2" {
		t.Fatalf("l1 got %q", m.Data)
	}
	if m := nextMsg(t, s2b); string(m.Data) != "l2" {
		t.Fatalf("l2 got %q", m.Data)
	}
}
