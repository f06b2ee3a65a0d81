package server

import (
	"errors"
	"fmt"
	"testing"
	"time"

	"github.com/nats-io/nats.go"
)

// TestLeafBasic: a natsd leaf of a natsd hub; interest crosses both ways
// with wildcards, messages with headers cross, request/reply and
// no-responders work across.
func TestLeafBasic(t *testing.T) {
	hub := clStart(t, hubOpts("hub"))
	lf := clStart(t, leafOpts("leaf", leafURLOf(hub)))
	waitLeafs(t, hub, 1)
	waitLeafs(t, lf, 1)

	hc := leafConnect(t, hub)
	lc := leafConnect(t, lf)

	// Hub subscriber, leaf publisher, with a wildcard and headers.
	hsub, _ := hc.SubscribeSync("foo.*")
	hc.Flush()
	waitInterest(t, lf, "$G", "foo.bar")
	m := nats.NewMsg("foo.bar")
	m.Header.Set("A", "b")
	m.Data = []byte("hello")
	if err := lc.PublishMsg(m); err != nil {
		t.Fatal(err)
	}
	got := nextMsg(t, hsub)
	if string(got.Data) != "hello" || got.Header.Get("A") != "b" || got.Subject != "foo.bar" {
		t.Fatalf("got %q %v on %s", got.Data, got.Header, got.Subject)
	}

	// Leaf subscriber, hub publisher, full wildcard.
	lsub, _ := lc.SubscribeSync("leaf.>")
	lc.Flush()
	waitInterest(t, hub, "$G", "leaf.a.b")
	hc.Publish("leaf.a.b", []byte("down"))
	if got := nextMsg(t, lsub); string(got.Data) != "down" {
		t.Fatalf("got %q", got.Data)
	}

	// Request/reply both ways.
	hc.Subscribe("svc.hub", func(m *nats.Msg) { m.Respond([]byte("from hub")) })
	lc.Subscribe("svc.leaf", func(m *nats.Msg) { m.Respond([]byte("from leaf")) })
	hc.Flush()
	lc.Flush()
	waitInterest(t, lf, "$G", "svc.hub")
	waitInterest(t, hub, "$G", "svc.leaf")
	if r, err := lc.Request("svc.hub", nil, leafWait); err != nil || string(r.Data) != "from hub" {
		t.Fatalf("leaf→hub request: %v %v", r, err)
	}
	if r, err := hc.Request("svc.leaf", nil, leafWait); err != nil || string(r.Data) != "from leaf" {
		t.Fatalf("hub→leaf request: %v %v", r, err)
	}
	// No responders anywhere.
	if _, err := lc.Request("nobody", nil, leafWait); !errors.Is(err, nats.ErrNoResponders) {
		t.Fatalf("want no responders, got %v", err)
	}

	// Unsubscribing removes the interest on the other side.
	lsub.Unsubscribe()
	lc.Flush()
	waitNoInterest(t, hub, "$G", "leaf.a.b")
	hsub.Unsubscribe()
	hc.Flush()
	waitNoInterest(t, lf, "$G", "foo.bar")
}

// TestLeafQueueLocalPreference: a queue group with members on the leaf
// and on the hub gets each message once, served by a local member when
// the publisher's server has one, and by the other side when not.
func TestLeafQueueLocalPreference(t *testing.T) {
	hub := clStart(t, hubOpts("hub"))
	lf := clStart(t, leafOpts("leaf", leafURLOf(hub)))
	waitLeafs(t, hub, 1)
	hc := leafConnect(t, hub)
	lc := leafConnect(t, lf)

	hq, _ := hc.QueueSubscribeSync("work", "q")
	lq, _ := lc.QueueSubscribeSync("work", "q")
	hc.Flush()
	lc.Flush()
	waitInterest(t, hub, "$G", "work")
	waitInterest(t, lf, "$G", "work")
	clWaitFor(t, leafWait, "queue interest on both sides", func() bool {
		return len(lf.lookupAccount("$G").sl.Match([]byte("work")).Queues[0].Members) == 2 &&
			len(hub.lookupAccount("$G").sl.Match([]byte("work")).Queues[0].Members) == 2
	})

	const n = 20
	for i := 0; i < n; i++ {
		lc.Publish("work", []byte(fmt.Sprint(i)))
	}
	lc.Flush()
	for i := 0; i < n; i++ {
		nextMsg(t, lq)
	}
	for i := 0; i < n; i++ {
		hc.Publish("work", []byte(fmt.Sprint(i)))
	}
	hc.Flush()
	for i := 0; i < n; i++ {
		nextMsg(t, hq)
	}
	noMsg(t, lq, 100*time.Millisecond)
	noMsg(t, hq, 10*time.Millisecond)

	// With the hub's member gone, the leaf's serves the hub's messages.
	hq.Unsubscribe()
	hc.Flush()
	clWaitFor(t, leafWait, "hub member gone", func() bool {
		r := lf.lookupAccount("$G").sl.Match([]byte("work"))
		return len(r.Queues) == 1 && len(r.Queues[0].Members) == 1
	})
	for i := 0; i < n; i++ {
		hc.Publish("work", []byte(fmt.Sprint(i)))
	}
	hc.Flush()
	for i := 0; i < n; i++ {
		nextMsg(t, lq)
	}
	noMsg(t, lq, 100*time.Millisecond)
}
