package server

import (
	"testing"
	"time"

	"github.com/nats-io/nats.go/jetstream"
)

// TestJetStreamPullQueuedWhileBusyWakes: a pull request that found the
// consumer's lock taken waits in its queue and reaches the waiting list
// only in the goroutine's next round, which had already decided that
// nobody waited and so did not watch for new messages. A message stored
// afterwards must still be delivered at once, not at the request's
// expiry.
func TestJetStreamPullQueuedWhileBusyWakes(t *testing.T) {
	s := jsStart(t, "", nil)
	nc, js := jsConnect(t, s)
	ctx := jsCtx(t)
	st, err := js.CreateStream(ctx, jetstream.StreamConfig{Name: "W", Subjects: []string{"w"}})
	if err != nil {
		t.Fatal(err)
	}
	cons, err := st.CreateConsumer(ctx, jetstream.ConsumerConfig{Durable: "C", AckPolicy: jetstream.AckExplicitPolicy})
	if err != nil {
		t.Fatal(err)
	}
	c := s.js.Load().lookupJSAccount("$G").lookup("W").lookupConsumer("C")
	sub, err := nc.SubscribeSync("r")
	if err != nil {
		t.Fatal(err)
	}
	// The consumer is busy while the request comes: it is queued.
	c.mu.Lock()
	nc.PublishRequest("$JS.API.CONSUMER.MSG.NEXT.W.C", "r", []byte(`{"batch":1,"expires":60000000000}`))
	nc.Flush()
	waitFor(t, func() bool {
		c.qmu.Lock()
		defer c.qmu.Unlock()
		return len(c.ackq) == 1
	})
	c.mu.Unlock()
	waitFor(t, func() bool {
		ci, err := cons.Info(ctx)
		return err == nil && ci.NumWaiting == 1
	})
	if _, err := js.Publish(ctx, "w", []byte("m")); err != nil {
		t.Fatal(err)
	}
	m, err := sub.NextMsg(10 * time.Second)
	if err != nil {
		t.Fatalf("the waiting request got nothing: %v", err)
	}
	if string(m.Data) != "m" {
		t.Fatalf("got %q", m.Data)
	}
}
