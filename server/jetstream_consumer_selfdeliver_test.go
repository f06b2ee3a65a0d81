package server

import (
	"context"
	"strings"
	"testing"
	"time"

	"github.com/nats-io/nats.go"
	"github.com/nats-io/nats.go/jetstream"
)

// TestConsumerDeliversIntoStream: a push consumer whose deliver subject a
// stream of the same account captures gets its flow control request
// answered by that stream's PubAck, from inside its own delivery. The
// consumer goes on (no self-deadlock on its lock), and its info is still
// served.
func TestConsumerDeliversIntoStream(t *testing.T) {
	s := jsStart(t, "", nil)
	nc, js := jsConnect(t, s)
	ctx := jsCtx(t)
	jsStream(t, js, jetstream.StreamConfig{Name: "A", Subjects: []string{"a.>"}}, 0)
	if _, err := js.CreateStream(ctx, jetstream.StreamConfig{Name: "B", Subjects: []string{"d.>"}}); err != nil {
		t.Fatal(err)
	}
	ojs, err := nc.JetStream()
	if err != nil {
		t.Fatal(err)
	}
	if _, err := ojs.AddConsumer("A", &nats.ConsumerConfig{Durable: "C", DeliverSubject: "d.x",
		FlowControl: true, Heartbeat: time.Second, AckPolicy: nats.AckNonePolicy}); err != nil {
		t.Fatal(err)
	}
	// 600 KiB: more than the flow control interval (256 KiB), twice.
	payload := []byte(strings.Repeat("x", 10*1024))
	const n = 60
	for i := 0; i < n; i++ {
		if _, err := js.Publish(ctx, "a.1", payload); err != nil {
			t.Fatal(err)
		}
	}
	deadline := time.Now().Add(20 * time.Second)
	for {
		ictx, cancel := contextWithTimeout(5 * time.Second)
		info, err := js.Stream(ictx, "B")
		var msgs uint64
		if err == nil {
			msgs = info.CachedInfo().State.Msgs
		}
		cancel()
		// The data messages and at least two flow control requests.
		if msgs >= n+2 {
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("stream B holds %d messages (%v), want all %d delivered and flow control answered", msgs, err, n)
		}
		time.Sleep(20 * time.Millisecond)
	}
	if ci, err := ojs.ConsumerInfo("A", "C", nats.MaxWait(10*time.Second)); err != nil || ci.Delivered.Stream != n {
		t.Fatalf("consumer info: %+v, %v", ci, err)
	}
}

func contextWithTimeout(d time.Duration) (context.Context, context.CancelFunc) {
	return context.WithTimeout(context.Background(), d)
}
