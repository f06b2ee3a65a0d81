package server

import (
	"fmt"
	"testing"
	"time"

	"github.com/nats-io/nats.go"
)

// clPubEverywhere publishes n messages on subject from a client of every
// server; payloads are unique ("<node>-<i>").
func clPubEverywhere(t *testing.T, conns []*nats.Conn, subject string, n int) {
	t.Helper()
	for i, nc := range conns {
		for j := 0; j < n; j++ {
			if err := nc.Publish(subject, []byte(fmt.Sprintf("%d-%d", i, j))); err != nil {
				t.Fatal(err)
			}
		}
		if err := nc.Flush(); err != nil {
			t.Fatal(err)
		}
	}
}

func testFullMeshDelivery(t *testing.T, n int) {
	servers := clStartCluster(t, n, nil)
	var conns []*nats.Conn
	var counters []*clCounter
	for _, s := range servers {
		nc := clConnect(t, s)
		c := newCounter()
		if _, err := nc.Subscribe("foo.>", c.handler); err != nil {
			t.Fatal(err)
		}
		nc.Flush()
		conns = append(conns, nc)
		counters = append(counters, c)
	}
	// Every server hears of the n-1 other subscriptions.
	clWaitRemoteSubs(t, servers, func(int) int { return n - 1 })
	const per = 200
	clPubEverywhere(t, conns, "foo.bar", per)
	want := per * n
	clWaitFor(t, clusterWait, "every message everywhere", func() bool {
		for _, c := range counters {
			if c.total() < want {
				return false
			}
		}
		return true
	})
	// Let stragglers (duplicates) arrive: a round trip through every
	// server flushes what is in flight.
	for _, nc := range conns {
		nc.Flush()
	}
	for i, c := range counters {
		if c.total() != want || len(c.dups()) > 0 {
			t.Fatalf("subscriber on n%d: %d messages, want %d; duplicates %v", i+1, c.total(), want, c.dups())
		}
	}
}

func TestClusterThreeNodes(t *testing.T) { testFullMeshDelivery(t, 3) }
func TestClusterFiveNodes(t *testing.T)  { testFullMeshDelivery(t, 5) }

var _ = time.Second

// TestClusterWildcards: wildcard and literal subscriptions on different
// nodes each get exactly what they match, once.
func TestClusterWildcards(t *testing.T) {
	servers := clStartCluster(t, 3, nil)
	patterns := []string{"foo.*", "foo.>", ">", "foo.bar", "*.bar", "foo.baz"}
	type subRec struct {
		pattern string
		c       *clCounter
	}
	var subs []subRec
	for i, p := range patterns {
		nc := clConnect(t, servers[i%3])
		c := newCounter()
		if _, err := nc.Subscribe(p, c.handler); err != nil {
			t.Fatal(err)
		}
		nc.Flush()
		subs = append(subs, subRec{p, c})
	}
	// Each node sends RS+ for each distinct pattern of its clients.
	clWaitRemoteSubs(t, servers, func(int) int { return len(patterns) - 2 })
	pub := clConnect(t, servers[0])
	for _, subj := range []string{"foo.bar", "foo.x.y", "a.bar", "zzz"} {
		pub.Publish(subj, []byte(subj))
	}
	pub.Flush()
	want := map[string][]string{
		"foo.*":   {"foo.bar"},
		"foo.>":   {"foo.bar", "foo.x.y"},
		">":       {"foo.bar", "foo.x.y", "a.bar", "zzz"},
		"foo.bar": {"foo.bar"},
		"*.bar":   {"foo.bar", "a.bar"},
		"foo.baz": nil,
	}
	clWaitFor(t, clusterWait, "wildcard deliveries", func() bool {
		for _, s := range subs {
			if s.c.total() < len(want[s.pattern]) {
				return false
			}
		}
		return true
	})
	// A final round trip through every node lets any extra message land.
	for _, s := range servers {
		clConnect(t, s).Flush()
	}
	pub.Flush()
	for _, s := range subs {
		if s.c.total() != len(want[s.pattern]) || len(s.c.dups()) > 0 {
			t.Errorf("%s: got %d messages (%v), want %v", s.pattern, s.c.total(), s.c.msgs, want[s.pattern])
		}
		for _, m := range want[s.pattern] {
			if !s.c.has(m) {
				t.Errorf("%s: missing %s", s.pattern, m)
			}
		}
	}
}

// clQueueCounts sums the messages a queue group's members received.
func clQueueTotal(cs []*clCounter) int {
	n := 0
	for _, c := range cs {
		n += c.total()
	}
	return n
}

// TestClusterQueueGroups: each message goes to exactly one member of each
// group cluster-wide; a node with a local member serves it locally; when
// the local members leave, the remote members take over.
func TestClusterQueueGroups(t *testing.T) {
	servers := clStartCluster(t, 3, nil)
	// Group "work": members on n2 (two) and n3 (one); group "audit": one
	// member on n3. Plain subscriber on n2.
	var work, audit []*clCounter
	member := func(s *Server, group string) (*clCounter, *nats.Subscription, *nats.Conn) {
		nc := clConnect(t, s)
		c := newCounter()
		sub, err := nc.QueueSubscribe("jobs.*", group, c.handler)
		if err != nil {
			t.Fatal(err)
		}
		nc.Flush()
		return c, sub, nc
	}
	for _, s := range []*Server{servers[1], servers[1], servers[2]} {
		c, _, _ := member(s, "work")
		work = append(work, c)
	}
	c, _, _ := member(servers[2], "audit")
	audit = append(audit, c)
	plain := newCounter()
	pnc := clConnect(t, servers[1])
	pnc.Subscribe("jobs.*", plain.handler)
	pnc.Flush()
	// n1 sees: from n2 "jobs.* work" (weight 2) and plain "jobs.*"; from
	// n3 "jobs.* work" (1) and "jobs.* audit".
	clWaitFor(t, clusterWait, "queue interest on n1", func() bool {
		return servers[0].NumRemoteSubscriptions() == 4 && clRouteWeight(servers[0], servers[1].ID(), "jobs.* work") == 2
	})

	pub := clConnect(t, servers[0])
	const n = 600
	for i := 0; i < n; i++ {
		pub.Publish("jobs.x", []byte(fmt.Sprintf("m%d", i)))
	}
	pub.Flush()
	clWaitFor(t, clusterWait, "all jobs", func() bool {
		return clQueueTotal(work) >= n && clQueueTotal(audit) >= n && plain.total() >= n
	})
	for _, s := range servers {
		clConnect(t, s).Flush()
	}
	if clQueueTotal(work) != n || clQueueTotal(audit) != n || plain.total() != n {
		t.Fatalf("work %d audit %d plain %d, want %d each", clQueueTotal(work), clQueueTotal(audit), plain.total(), n)
	}
	// No payload went to two members of a group.
	seen := map[string]int{}
	for _, c := range work {
		for k, v := range c.msgs {
			seen[k] += v
		}
	}
	for k, v := range seen {
		if v != 1 {
			t.Fatalf("work got %s %d times", k, v)
		}
	}
	// Weighted: n2 has two of the three members, so it gets about 2/3.
	n2 := work[0].total() + work[1].total()
	if n2 < n/2 || n2 > n*5/6 {
		t.Errorf("n2 members got %d of %d, want about 2/3", n2, n)
	}

	// Local preference: a member on n1 takes everything published on n1.
	local, localSub, localNC := member(servers[0], "work")
	before := clQueueTotal(work)
	for i := 0; i < 100; i++ {
		pub.Publish("jobs.y", []byte(fmt.Sprintf("l%d", i)))
	}
	pub.Flush()
	clWaitFor(t, clusterWait, "local member", func() bool { return local.total() == 100 })
	if got := clQueueTotal(work); got != before {
		t.Fatalf("remote members got %d messages while a local member existed", got-before)
	}

	// Takeover: the local member leaves; the remote ones serve again.
	localSub.Unsubscribe()
	localNC.Flush()
	for i := 0; i < 100; i++ {
		pub.Publish("jobs.z", []byte(fmt.Sprintf("t%d", i)))
	}
	pub.Flush()
	clWaitFor(t, clusterWait, "takeover", func() bool { return clQueueTotal(work) == before+100 })
	if local.total() != 100 {
		t.Fatalf("unsubscribed local member got %d", local.total())
	}
}

// clRouteWeight is the weight of a route's queue subscription in $G, keyed
// "subject queue", on s for the route to server id.
func clRouteWeight(s *Server, id, key string) int32 {
	if s.routeTo(id) == nil {
		return -1
	}
	// The $G account's pool connection holds it.
	for _, r := range s.registeredRoutes() {
		r.mu.Lock()
		sub := r.subs["$G "+key]
		rid := r.route.remoteID
		r.mu.Unlock()
		if sub != nil && rid == id {
			return sub.weight.Load()
		}
	}
	return 0
}

// TestClusterRequestReply: a request from one node reaches a responder on
// another and the reply comes back; headers cross routes too.
func TestClusterRequestReply(t *testing.T) {
	servers := clStartCluster(t, 3, nil)
	resp := clConnect(t, servers[1])
	resp.QueueSubscribe("svc.echo", "svc", func(m *nats.Msg) {
		r := nats.NewMsg(m.Reply)
		r.Data = append([]byte("echo:"), m.Data...)
		r.Header.Set("X-From", m.Header.Get("X-Req"))
		m.RespondMsg(r)
	})
	resp.Flush()
	clWaitFor(t, clusterWait, "responder interest", func() bool {
		return servers[2].NumRemoteSubscriptions() == 1
	})
	req := clConnect(t, servers[2])
	for i := 0; i < 50; i++ {
		m := nats.NewMsg("svc.echo")
		m.Data = []byte(fmt.Sprint(i))
		m.Header.Set("X-Req", fmt.Sprint("r", i))
		r, err := req.RequestMsg(m, 5*time.Second)
		if err != nil {
			t.Fatalf("request %d: %v", i, err)
		}
		if string(r.Data) != fmt.Sprint("echo:", i) || r.Header.Get("X-From") != fmt.Sprint("r", i) {
			t.Fatalf("reply %d: %q %v", i, r.Data, r.Header)
		}
	}
	// No responders anywhere: a request fails fast with no responders,
	// and a remote responder counts as one.
	if _, err := req.Request("svc.none", nil, 10*time.Second); err != nats.ErrNoResponders {
		t.Fatalf("request without responders: %v", err)
	}
}

// TestClusterUnsubscribePropagation: RS+ for the first local subscriber of
// a subject, RS- after the last; queue weights follow the member count.
func TestClusterUnsubscribePropagation(t *testing.T) {
	servers := clStartCluster(t, 2, nil)
	a, b := servers[0], servers[1]
	nc1, nc2 := clConnect(t, b), clConnect(t, b)
	s1, _ := nc1.SubscribeSync("foo")
	s2, _ := nc2.SubscribeSync("foo")
	q1, _ := nc1.QueueSubscribeSync("foo", "q")
	q2, _ := nc2.QueueSubscribeSync("foo", "q")
	q3, _ := nc2.QueueSubscribeSync("foo", "q")
	nc1.Flush()
	nc2.Flush()
	clWaitFor(t, clusterWait, "interest on a", func() bool {
		return a.NumRemoteSubscriptions() == 2 && clRouteWeight(a, b.ID(), "foo q") == 3
	})
	s1.Unsubscribe()
	q1.Unsubscribe()
	nc1.Flush()
	clWaitFor(t, clusterWait, "weight 2", func() bool { return clRouteWeight(a, b.ID(), "foo q") == 2 })
	if a.NumRemoteSubscriptions() != 2 {
		t.Fatalf("plain interest dropped while a subscriber is left: %d", a.NumRemoteSubscriptions())
	}
	s2.Unsubscribe()
	q2.Unsubscribe()
	nc2.Flush()
	clWaitFor(t, clusterWait, "plain gone, weight 1", func() bool {
		return a.NumRemoteSubscriptions() == 1 && clRouteWeight(a, b.ID(), "foo q") == 1
	})
	// UNSUB with a max: the interest goes once the max is reached.
	q3.AutoUnsubscribe(1)
	nc2.Flush()
	nc3 := clConnect(t, a)
	nc3.Publish("foo", []byte("x"))
	nc3.Flush()
	if _, err := q3.NextMsg(5 * time.Second); err != nil {
		t.Fatal(err)
	}
	clWaitFor(t, clusterWait, "no interest on a", func() bool { return a.NumRemoteSubscriptions() == 0 })
	// A client that disconnects takes its interest with it.
	nc4 := clConnect(t, b)
	nc4.SubscribeSync("bar")
	nc4.Flush()
	clWaitFor(t, clusterWait, "bar interest", func() bool { return a.NumRemoteSubscriptions() == 1 })
	nc4.Close()
	clWaitFor(t, clusterWait, "bar interest gone", func() bool { return a.NumRemoteSubscriptions() == 0 })
	if b.NumLocalInterest() != 0 {
		t.Fatalf("b still counts %d local interests", b.NumLocalInterest())
	}
}
