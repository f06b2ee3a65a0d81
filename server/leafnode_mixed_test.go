package server

import (
	"fmt"
	"testing"
	"time"

	"github.com/nats-io/nats.go"
)

// TestLeafInteropMixedHubCluster: a hub cluster of a natsd node and a
// nats-server node, each with a leaf (a natsd leaf on the natsd node, a
// nats-server leaf on the nats-server node). nats-server sends a natsd
// route its leaf nodes' interest and messages as RS+/RMSG (natsd's route
// INFO announces no leaf-origin support, "lnoc"), so every client reaches
// every other exactly once, and a queue group spread over both leaves
// gets each message once.
func TestLeafInteropMixedHubCluster(t *testing.T) {
	o := hubOpts("nd")
	o.Cluster = ClusterOpts{Name: "hc", Host: "127.0.0.1", Port: RandomPort}
	nd := clStart(t, o)
	rs := startRef(t, fmt.Sprintf("listen: 127.0.0.1:-1\nserver_name: rs\ncluster { name: hc, listen: 127.0.0.1:-1, routes: [%q] }\nleafnodes { listen: 127.0.0.1:-1 }\n", clRouteURL(nd)))
	rl := startRef(t, fmt.Sprintf("listen: 127.0.0.1:-1\nserver_name: rl\nleafnodes { reconnect: \"100ms\", remotes: [ { url: %q } ] }\n", rs.leafURL))
	nl := clStart(t, leafOpts("nl", leafURLOf(nd)))
	waitLeafs(t, nd, 1)
	waitLeafs(t, nl, 1)
	clWaitFor(t, leafWait, "route to nats-server", func() bool { return nd.NumRoutes() > 0 })

	conns := map[string]*nats.Conn{
		"natsd hub":        leafConnect(t, nd),
		"natsd leaf":       leafConnect(t, nl),
		"nats-server hub":  refConnect(t, rs.clientURL),
		"nats-server leaf": refConnect(t, rl.clientURL),
	}
	for sn, sc := range conns {
		subj := "to." + fmt.Sprint(len(sn)) + sn[:2]
		sub, _ := sc.SubscribeSync(subj)
		sc.Flush()
		for pn, pc := range conns {
			if pn == sn {
				continue
			}
			t.Run(pn+" to "+sn, func(t *testing.T) {
				waitDelivers(t, pc, subj, sub)
				pc.Publish(subj, []byte("one"))
				pc.Flush()
				nextMsg(t, sub)
				noMsg(t, sub, 100*time.Millisecond) // once, not once per path
			})
		}
		sub.Unsubscribe()
	}

	// A queue group with a member on each leaf: each message once.
	q1, _ := conns["natsd leaf"].QueueSubscribeSync("work", "g")
	q2, _ := conns["nats-server leaf"].QueueSubscribeSync("work", "g")
	conns["natsd leaf"].Flush()
	conns["nats-server leaf"].Flush()
	pub := conns["natsd hub"]
	// Probe until both members have had a message (both interests have
	// reached the publisher's node).
	seen := [2]bool{}
	clWaitFor(t, leafWait, "both queue members reached", func() bool {
		pub.Publish("work", []byte("probe"))
		pub.Flush()
		for i, q := range []*nats.Subscription{q1, q2} {
			if _, err := q.NextMsg(20 * time.Millisecond); err == nil {
				seen[i] = true
			}
		}
		return seen[0] && seen[1]
	})
	// Late probes are told apart by their payload.
	const n = 50
	for i := 0; i < n; i++ {
		pub.Publish("work", []byte(fmt.Sprint(i)))
	}
	pub.Flush()
	got := map[string]int{}
	total := 0
	take := func(wait time.Duration) {
		for _, q := range []*nats.Subscription{q1, q2} {
			for {
				m, err := q.NextMsg(wait)
				if err != nil {
					break
				}
				if string(m.Data) != "probe" {
					got[string(m.Data)]++
					total++
				}
			}
		}
	}
	clWaitFor(t, leafWait, "the queue group's messages", func() bool { take(10 * time.Millisecond); return total >= n })
	take(200 * time.Millisecond) // a duplicate would show up by now
	if total != n || len(got) != n {
		t.Fatalf("queue group got %d messages, %d different, want %d once each", total, len(got), n)
	}
}
