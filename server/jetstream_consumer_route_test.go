package server

import (
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/nats-io/nats.go"
	"github.com/nats-io/nats.go/jetstream"
)

// jsRouteCluster starts two routed natsd nodes, JetStream on the first
// only, and returns them with a client of each (the second one's talks
// to JetStream across the route).
func jsRouteCluster(t *testing.T) (js1 *nats.Conn, nc2 *nats.Conn, js2 jetstream.JetStream) {
	t.Helper()
	dir := t.TempDir()
	servers := clStartCluster(t, 2, func(i int, o *Options) {
		if i == 0 {
			o.JetStream = JetStreamOpts{Enabled: true, StoreDir: dir}
		}
	})
	nc1 := clConnect(t, servers[0])
	nc2 = clConnect(t, servers[1])
	js2, err := jetstream.New(nc2)
	if err != nil {
		t.Fatal(err)
	}
	// The JetStream API reaches node 2's clients once the route carries
	// node 1's interest in it.
	clWaitFor(t, 5*time.Second, "JetStream API across the route", func() bool {
		_, err := js2.AccountInfo(jsCtx(t))
		return err == nil
	})
	return nc1, nc2, js2
}

// TestJetStreamPushConsumerAcrossRoute: a push consumer's messages reach a
// subscriber on another node under their own subject, with their headers
// and ack reply, and that subscriber's acks (double acks included) and
// flow control answers reach the consumer. Deliveries across the route
// use nats-server's "<reply>@<subject>" RMSG form (jetstream_route_deliver.go).
func TestJetStreamPushConsumerAcrossRoute(t *testing.T) {
	nc1, nc2, js2 := jsRouteCluster(t)
	ctx := jsCtx(t)
	st, err := js2.CreateStream(ctx, jetstream.StreamConfig{Name: "S", Subjects: []string{"s.>"}})
	if err != nil {
		t.Fatal(err)
	}
	sub, err := nc2.SubscribeSync("dlv.p")
	if err != nil {
		t.Fatal(err)
	}
	nc2.Flush()
	c, err := st.CreateConsumer(ctx, jetstream.ConsumerConfig{Durable: "P", AckPolicy: jetstream.AckExplicitPolicy,
		DeliverSubject: "dlv.p"})
	if err != nil {
		t.Fatal(err)
	}
	for i := 0; i < 3; i++ {
		m := nats.NewMsg(fmt.Sprintf("s.%d", i))
		m.Header.Set("X-Test", fmt.Sprint(i))
		m.Data = []byte(fmt.Sprint("m", i))
		if err := nc1.PublishMsg(m); err != nil {
			t.Fatal(err)
		}
	}
	for i := 0; i < 3; i++ {
		m, err := sub.NextMsg(5 * time.Second)
		if err != nil {
			t.Fatalf("message %d: %v", i, err)
		}
		if m.Subject != fmt.Sprintf("s.%d", i) || string(m.Data) != fmt.Sprint("m", i) || m.Header.Get("X-Test") != fmt.Sprint(i) {
			t.Fatalf("message %d: %q %q %v", i, m.Subject, m.Data, m.Header)
		}
		if !strings.HasPrefix(m.Reply, fmt.Sprintf("$JS.ACK.S.P.1.%d.%d.", i+1, i+1)) || strings.Contains(m.Reply, "@") {
			t.Fatalf("message %d reply %q", i, m.Reply)
		}
		// A double ack from node 2 is answered by node 1.
		if _, err := nc2.Request(m.Reply, nil, 5*time.Second); err != nil {
			t.Fatalf("double ack %d: %v", i, err)
		}
	}
	ci, err := c.Info(ctx)
	if err != nil || ci.AckFloor.Stream != 3 || ci.NumAckPending != 0 || !ci.PushBound {
		t.Fatalf("info %+v %v", ci, err)
	}

	// A deliver group whose only members are on node 2.
	q1, _ := nc2.QueueSubscribeSync("dlv.q", "g")
	q2, _ := nc2.QueueSubscribeSync("dlv.q", "g")
	nc2.Flush()
	if _, err := st.CreateConsumer(ctx, jetstream.ConsumerConfig{Durable: "Q", AckPolicy: jetstream.AckExplicitPolicy,
		DeliverSubject: "dlv.q", DeliverGroup: "g"}); err != nil {
		t.Fatal(err)
	}
	got := map[string]bool{}
	deadline := time.Now().Add(5 * time.Second)
	for len(got) < 3 && time.Now().Before(deadline) {
		for _, q := range []*nats.Subscription{q1, q2} {
			if m, err := q.NextMsg(50 * time.Millisecond); err == nil {
				if !strings.HasPrefix(m.Subject, "s.") || got[m.Subject] {
					t.Fatalf("queue delivery %q (seen %v)", m.Subject, got)
				}
				got[m.Subject] = true
				m.Ack()
			}
		}
	}
	if len(got) != 3 {
		t.Fatalf("deliver group got %v", got)
	}

	// Flow control across the route: the subscriber on node 2 (nats.go
	// answers the requests) gets everything, beyond several windows.
	js2old, err := nc2.JetStream()
	if err != nil {
		t.Fatal(err)
	}
	big := make([]byte, 64*1024)
	for i := 0; i < 20; i++ {
		if err := nc1.Publish("s.big", big); err != nil {
			t.Fatal(err)
		}
	}
	fc, err := js2old.SubscribeSync("s.big", nats.DeliverAll(), nats.EnableFlowControl(), nats.IdleHeartbeat(time.Second), nats.AckNone())
	if err != nil {
		t.Fatal(err)
	}
	for i := 0; i < 20; i++ {
		if _, err := fc.NextMsg(5 * time.Second); err != nil {
			t.Fatalf("flow controlled message %d: %v", i, err)
		}
	}
}

// TestJetStreamPullConsumerAcrossRoute: pull requests from another node
// get their messages under their own subjects, and acks come back.
func TestJetStreamPullConsumerAcrossRoute(t *testing.T) {
	nc1, _, js2 := jsRouteCluster(t)
	ctx := jsCtx(t)
	st, err := js2.CreateStream(ctx, jetstream.StreamConfig{Name: "S", Subjects: []string{"s.>"}})
	if err != nil {
		t.Fatal(err)
	}
	for i := 0; i < 5; i++ {
		m := nats.NewMsg(fmt.Sprintf("s.%d", i))
		m.Header.Set("X-Test", fmt.Sprint(i))
		m.Data = []byte(fmt.Sprint("m", i))
		if err := nc1.PublishMsg(m); err != nil {
			t.Fatal(err)
		}
	}
	c, err := st.CreateConsumer(ctx, jetstream.ConsumerConfig{Durable: "L", AckPolicy: jetstream.AckExplicitPolicy})
	if err != nil {
		t.Fatal(err)
	}
	b, err := c.Fetch(5, jetstream.FetchMaxWait(5*time.Second))
	if err != nil {
		t.Fatal(err)
	}
	n := 0
	for m := range b.Messages() {
		if m.Subject() != fmt.Sprintf("s.%d", n) || m.Headers().Get("X-Test") != fmt.Sprint(n) {
			t.Fatalf("message %d: %q %v", n, m.Subject(), m.Headers())
		}
		md, err := m.Metadata()
		if err != nil || md.Sequence.Stream != uint64(n+1) || md.NumPending != uint64(4-n) {
			t.Fatalf("metadata %d: %+v %v", n, md, err)
		}
		if err := m.DoubleAck(ctx); err != nil {
			t.Fatalf("double ack %d: %v", n, err)
		}
		n++
	}
	if n != 5 || b.Error() != nil {
		t.Fatalf("fetched %d: %v", n, b.Error())
	}
	ci, err := c.Info(ctx)
	if err != nil || ci.AckFloor.Stream != 5 || ci.NumAckPending != 0 {
		t.Fatalf("info %+v %v", ci, err)
	}
	// An empty no_wait fetch ends with its status across the route too.
	b, err = c.FetchNoWait(1)
	if err != nil {
		t.Fatal(err)
	}
	for range b.Messages() {
		t.Fatal("unexpected message")
	}
	if b.Error() != nil {
		t.Fatal(b.Error())
	}
}
