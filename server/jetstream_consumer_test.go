package server

import (
	"errors"
	"fmt"
	"slices"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/nats-io/nats.go"
	"github.com/nats-io/nats.go/jetstream"
)

// jsStream makes a stream "S" on "s.>" and publishes n messages to s.<i%3>.
func jsStream(t *testing.T, js jetstream.JetStream, cfg jetstream.StreamConfig, n int) jetstream.Stream {
	t.Helper()
	ctx := jsCtx(t)
	if cfg.Name == "" {
		cfg.Name = "S"
	}
	if len(cfg.Subjects) == 0 {
		cfg.Subjects = []string{"s.>"}
	}
	st, err := js.CreateStream(ctx, cfg)
	if err != nil {
		t.Fatal(err)
	}
	for i := 0; i < n; i++ {
		if _, err := js.Publish(ctx, fmt.Sprintf("s.%d", i%3), []byte(fmt.Sprintf("m%d", i))); err != nil {
			t.Fatal(err)
		}
	}
	return st
}

// TestConsumerAPI: create, the create-or-update action rules, info, names,
// list and delete, with nats-server's err_codes.
func TestConsumerAPI(t *testing.T) {
	s := jsStart(t, "", nil)
	nc, js := jsConnect(t, s)
	ctx := jsCtx(t)
	st := jsStream(t, js, jetstream.StreamConfig{}, 3)

	c, err := st.CreateConsumer(ctx, jetstream.ConsumerConfig{Durable: "C", AckPolicy: jetstream.AckExplicitPolicy, MaxRequestBatch: 10})
	if err != nil {
		t.Fatal(err)
	}
	ci := c.CachedInfo()
	if ci.Config.AckWait != 30*time.Second || ci.Config.MaxAckPending != 1000 || ci.Config.MaxWaiting != 512 || ci.NumPending != 3 {
		t.Fatalf("defaults: %+v", ci)
	}
	// Same config again: fine. Different with action create: exists.
	if _, err := st.CreateConsumer(ctx, jetstream.ConsumerConfig{Durable: "C", AckPolicy: jetstream.AckExplicitPolicy, MaxRequestBatch: 10}); err != nil {
		t.Fatal(err)
	}
	if _, err := st.CreateConsumer(ctx, jetstream.ConsumerConfig{Durable: "C", AckPolicy: jetstream.AckNonePolicy}); apiErrCode(err) != 10148 {
		t.Fatalf("create existing: %v", err)
	}
	if _, err := st.UpdateConsumer(ctx, jetstream.ConsumerConfig{Durable: "D", AckPolicy: jetstream.AckExplicitPolicy}); apiErrCode(err) != 10149 {
		t.Fatalf("update missing: %v", err)
	}
	if _, err := st.CreateOrUpdateConsumer(ctx, jetstream.ConsumerConfig{Durable: "C", AckPolicy: jetstream.AckNonePolicy}); apiErrCode(err) != 10012 ||
		!strings.Contains(err.Error(), "ack policy can not be updated") {
		t.Fatalf("ack policy change: %v", err)
	}
	c, err = st.UpdateConsumer(ctx, jetstream.ConsumerConfig{Durable: "C", AckPolicy: jetstream.AckExplicitPolicy, MaxRequestBatch: 10, Description: "x"})
	if err != nil || c.CachedInfo().Config.Description != "x" {
		t.Fatalf("update: %v", err)
	}
	if _, err := js.CreateConsumer(ctx, "X", jetstream.ConsumerConfig{Durable: "C"}); !errors.Is(err, jetstream.ErrStreamNotFound) {
		t.Fatalf("missing stream: %v", err)
	}
	// Subject filter in the subject must match the config's.
	out := rawAPI(t, nc, "$JS.API.CONSUMER.CREATE.S.E.s.b", `{"stream_name":"S","config":{"name":"E","filter_subject":"s.c"}}`)
	if e := out["error"].(map[string]any); e["err_code"].(float64) != 10131 {
		t.Fatalf("filter mismatch: %v", out)
	}
	// Legacy durable create.
	out = rawAPI(t, nc, "$JS.API.CONSUMER.DURABLE.CREATE.S.F", `{"stream_name":"S","config":{"durable_name":"F","ack_policy":"explicit"}}`)
	if out["name"] != "F" {
		t.Fatalf("durable create: %v", out)
	}
	// An ephemeral's generated name is not in its config.
	out = rawAPI(t, nc, "$JS.API.CONSUMER.CREATE.S", `{"stream_name":"S","config":{"ack_policy":"explicit","deliver_subject":"dd"}}`)
	if cfg := out["config"].(map[string]any); cfg["name"] != nil || len(out["name"].(string)) != 8 || cfg["inactive_threshold"].(float64) != 5e9 {
		t.Fatalf("ephemeral: %v", out)
	}
	// Validation errors.
	for _, tc := range []struct {
		cfg  jetstream.ConsumerConfig
		code int
	}{
		{jetstream.ConsumerConfig{Durable: "V", DeliverPolicy: jetstream.DeliverByStartSequencePolicy}, 10094},
		{jetstream.ConsumerConfig{Durable: "V", MaxRequestExpires: time.Microsecond}, 10115},
		{jetstream.ConsumerConfig{Durable: "V", FilterSubject: "a", FilterSubjects: []string{"b"}}, 10136},
		{jetstream.ConsumerConfig{Durable: "V", FilterSubjects: []string{"s.*", "s.a"}}, 10138},
		{jetstream.ConsumerConfig{Durable: "V", Replicas: -1}, 10133},
	} {
		if _, err := st.CreateConsumer(ctx, tc.cfg); apiErrCode(err) != tc.code {
			t.Fatalf("%+v: got %v, want %d", tc.cfg, err, tc.code)
		}
	}

	names := st.ConsumerNames(ctx)
	var got []string
	for n := range names.Name() {
		got = append(got, n)
	}
	if len(got) != 3 {
		t.Fatalf("names: %v", got)
	}
	list := st.ListConsumers(ctx)
	n := 0
	for range list.Info() {
		n++
	}
	if n != 3 || list.Err() != nil {
		t.Fatalf("list: %d %v", n, list.Err())
	}
	si, _ := st.Info(ctx)
	if si.State.Consumers != 3 {
		t.Fatalf("consumer_count %d", si.State.Consumers)
	}
	if err := st.DeleteConsumer(ctx, "F"); err != nil {
		t.Fatal(err)
	}
	if err := st.DeleteConsumer(ctx, "F"); !errors.Is(err, jetstream.ErrConsumerNotFound) {
		t.Fatalf("delete twice: %v", err)
	}
	if _, err := st.Consumer(ctx, "F"); !errors.Is(err, jetstream.ErrConsumerNotFound) {
		t.Fatalf("info deleted: %v", err)
	}
}

// pullRaw sends a pull request and collects up to n replies, stopping
// early at a terminal status (4xx); each may take up to 10 seconds.
func pullRaw(t *testing.T, nc *nats.Conn, cons, body string, n int) []*nats.Msg {
	t.Helper()
	inbox := nats.NewInbox()
	sub, err := nc.SubscribeSync(inbox)
	if err != nil {
		t.Fatal(err)
	}
	defer sub.Unsubscribe()
	if err := nc.PublishRequest("$JS.API.CONSUMER.MSG.NEXT.S."+cons, inbox, []byte(body)); err != nil {
		t.Fatal(err)
	}
	var out []*nats.Msg
	for len(out) < n {
		m, err := sub.NextMsg(10 * time.Second)
		if err != nil {
			return out
		}
		out = append(out, m)
		if st := statusOf(m); len(st) > 0 && st[0] == '4' {
			return out
		}
	}
	return out
}

func statusOf(m *nats.Msg) string {
	if m.Header == nil {
		return ""
	}
	return m.Header.Get("Status") + " " + m.Header.Get("Description")
}

// TestConsumerPullStatus: the status replies of pull requests, as the
// reference sends them.
func TestConsumerPullStatus(t *testing.T) {
	s := jsStart(t, "", nil)
	nc, js := jsConnect(t, s)
	ctx := jsCtx(t)
	st := jsStream(t, js, jetstream.StreamConfig{}, 3)
	if _, err := st.CreateConsumer(ctx, jetstream.ConsumerConfig{Durable: "C", AckPolicy: jetstream.AckExplicitPolicy, MaxRequestBatch: 10}); err != nil {
		t.Fatal(err)
	}
	ms := pullRaw(t, nc, "C", `{"batch":2}`, 2)
	if len(ms) != 2 || string(ms[0].Data) != "m0" || ms[0].Subject != "s.0" || !strings.HasPrefix(ms[0].Reply, "$JS.ACK.S.C.1.1.1.") || !strings.HasSuffix(ms[0].Reply, ".2") {
		t.Fatalf("batch: %v", ms)
	}
	ms = pullRaw(t, nc, "C", `{"batch":5,"no_wait":true}`, 5)
	if len(ms) != 2 || string(ms[0].Data) != "m2" || statusOf(ms[1]) != "404 No Messages" {
		t.Fatalf("no_wait: %v", ms)
	}
	ms = pullRaw(t, nc, "C", `{"batch":5,"expires":100000000}`, 5)
	if len(ms) != 1 || statusOf(ms[0]) != "408 Request Timeout" || ms[0].Header.Get("Nats-Pending-Messages") != "5" || ms[0].Header.Get("Nats-Pending-Bytes") != "0" {
		t.Fatalf("expires: %v", ms)
	}
	ms = pullRaw(t, nc, "C", `{"batch":5,"expires":600000000,"idle_heartbeat":200000000}`, 10)
	if len(ms) < 2 || statusOf(ms[0]) != "100 Idle Heartbeat" || ms[0].Header.Get("Nats-Last-Consumer") != "3" || statusOf(ms[len(ms)-1]) != "408 Request Timeout" {
		t.Fatalf("heartbeat: %v", ms)
	}
	for body, want := range map[string]string{
		`{"batch":50}`: "409 Exceeded MaxRequestBatch of 10",
		`{bad`:         "400 Bad Request - invalid character 'b' looking for beginning of object key string",
		`{"batch":1,"expires":100000000,"idle_heartbeat":200000000}`: "400 Bad Request - heartbeat value too large",
	} {
		ms = pullRaw(t, nc, "C", body, 5)
		if len(ms) != 1 || statusOf(ms[0]) != want {
			t.Fatalf("%s: %v", body, ms)
		}
	}
	// max_bytes too small for the next message.
	js.Publish(ctx, "s.x", []byte("a longer message than ten bytes"))
	ms = pullRaw(t, nc, "C", `{"batch":3,"max_bytes":10}`, 3)
	if len(ms) != 1 || statusOf(ms[0]) != "409 Message Size Exceeds MaxBytes" {
		t.Fatalf("max_bytes: %v", ms)
	}
	// A waiting request hears that its consumer went away.
	inbox := nats.NewInbox()
	sub, _ := nc.SubscribeSync(inbox)
	nc.PublishRequest("$JS.API.CONSUMER.MSG.NEXT.S.C", inbox, []byte(`{"batch":10,"expires":5000000000}`))
	m, err := sub.NextMsg(10 * time.Second) // the waiting message comes first
	if err != nil || string(m.Data) != "a longer message than ten bytes" {
		t.Fatalf("pending message: %v %v", m, err)
	}
	if err := st.DeleteConsumer(ctx, "C"); err != nil {
		t.Fatal(err)
	}
	m, err = sub.NextMsg(10 * time.Second)
	if err != nil || statusOf(m) != "409 Consumer Deleted" {
		t.Fatalf("deleted: %v %v", m, err)
	}
	// A pull for a consumer that does not exist: no responders.
	if _, err := nc.Request("$JS.API.CONSUMER.MSG.NEXT.S.NOPE", nil, 10*time.Second); !errors.Is(err, nats.ErrNoResponders) {
		t.Fatalf("missing consumer: %v", err)
	}
	// A push consumer refuses pull requests.
	if _, err := st.CreateConsumer(ctx, jetstream.ConsumerConfig{Durable: "P", DeliverSubject: "dd"}); err != nil {
		t.Fatal(err)
	}
	ms = pullRaw(t, nc, "P", ``, 3)
	if len(ms) != 1 || statusOf(ms[0]) != "409 Consumer is push based" {
		t.Fatalf("push: %v", ms)
	}
}

// TestConsumerFetchConsumeMessages: nats.go's Fetch, FetchNoWait, Consume
// and Messages, with acks moving the ack floor.
func TestConsumerFetchConsumeMessages(t *testing.T) {
	s := jsStart(t, "", nil)
	_, js := jsConnect(t, s)
	ctx := jsCtx(t)
	st := jsStream(t, js, jetstream.StreamConfig{}, 100)
	c, err := st.CreateOrUpdateConsumer(ctx, jetstream.ConsumerConfig{Durable: "C", AckPolicy: jetstream.AckExplicitPolicy})
	if err != nil {
		t.Fatal(err)
	}
	b, err := c.Fetch(10, jetstream.FetchMaxWait(10*time.Second))
	if err != nil {
		t.Fatal(err)
	}
	n := 0
	for m := range b.Messages() {
		md, _ := m.Metadata()
		if md.Sequence.Stream != uint64(n+1) || md.NumPending != uint64(99-n) || md.NumDelivered != 1 {
			t.Fatalf("metadata %+v", md)
		}
		if err := m.DoubleAck(ctx); err != nil {
			t.Fatal(err)
		}
		n++
	}
	if n != 10 || b.Error() != nil {
		t.Fatalf("fetch: %d %v", n, b.Error())
	}
	ci, _ := c.Info(ctx)
	if ci.AckFloor.Stream != 10 || ci.AckFloor.Consumer != 10 || ci.NumAckPending != 0 || ci.NumPending != 90 || ci.Delivered.Stream != 10 {
		t.Fatalf("info after fetch: %+v", ci)
	}
	b, err = c.FetchNoWait(5)
	if err != nil {
		t.Fatal(err)
	}
	for m := range b.Messages() {
		m.Ack()
		n++
	}
	got := make(chan uint64, 200)
	cc, err := c.Consume(func(m jetstream.Msg) {
		md, _ := m.Metadata()
		m.Ack()
		got <- md.Sequence.Stream
	}, jetstream.PullMaxMessages(20))
	if err != nil {
		t.Fatal(err)
	}
	for i := 16; i <= 100; i++ {
		select {
		case seq := <-got:
			if seq != uint64(i) {
				t.Fatalf("consume: got %d want %d", seq, i)
			}
		case <-time.After(5 * time.Second):
			t.Fatalf("consume stalled at %d", i)
		}
	}
	cc.Stop()
	// Once Consume's subscription is gone, its pull requests are too.
	waitFor(t, func() bool { ci, err := c.Info(ctx); return err == nil && ci.NumWaiting == 0 })
	js.Publish(ctx, "s.1", []byte("late"))
	it, err := c.Messages()
	if err != nil {
		t.Fatal(err)
	}
	m, err := it.Next()
	if err != nil || string(m.Data()) != "late" {
		t.Fatalf("messages: %v", err)
	}
	m.Ack()
	it.Stop()
	waitFor(t, func() bool {
		ci, _ := c.Info(ctx)
		return ci.AckFloor.Stream == 101 && ci.NumAckPending == 0 && ci.NumPending == 0
	})
}

// TestConsumerAcks: nak (with delay), in progress, term, ack_wait
// redelivery with backoff and max_deliver, ack all and ack none.
func TestConsumerAcks(t *testing.T) {
	s := jsStart(t, "", nil)
	nc, js := jsConnect(t, s)
	ctx := jsCtx(t)
	st := jsStream(t, js, jetstream.StreamConfig{}, 3)
	// ack_wait is what brings messages back here, so it is short; the
	// checks below do not depend on which of two timers fires first.
	c, err := st.CreateConsumer(ctx, jetstream.ConsumerConfig{Durable: "C", AckPolicy: jetstream.AckExplicitPolicy,
		AckWait: 300 * time.Millisecond, MaxDeliver: 3})
	if err != nil {
		t.Fatal(err)
	}
	// fetchWait pulls up to n messages, waiting at most d for them.
	fetchWait := func(n int, d time.Duration) []jetstream.Msg {
		t.Helper()
		b, err := c.Fetch(n, jetstream.FetchMaxWait(d))
		if err != nil {
			t.Fatal(err)
		}
		var out []jetstream.Msg
		for m := range b.Messages() {
			out = append(out, m)
		}
		return out
	}
	ms := fetchWait(3, 10*time.Second)
	if len(ms) != 3 {
		t.Fatalf("got %d", len(ms))
	}
	ms[0].Nak()        // back at once
	ms[1].Term()       // never again
	ms[2].InProgress() // still mine
	again := fetchWait(1, 10*time.Second)
	if len(again) != 1 || string(again[0].Data()) != "m0" {
		t.Fatalf("nak redelivery: %v", again)
	}
	md, _ := again[0].Metadata()
	if md.NumDelivered != 2 || md.Sequence.Consumer != 4 {
		t.Fatalf("redelivery metadata %+v", md)
	}
	ci, _ := c.Info(ctx)
	if ci.NumRedelivered != 1 || ci.NumAckPending != 2 {
		t.Fatalf("info: %+v", ci)
	}
	// Let ack_wait run out: m0 (delivered twice) comes a third and last
	// time, m2 a second and a third (max_deliver 3), in the order their
	// timers fire. m2's last delivery is acked at once; m1 never comes.
	adv, _ := nc.SubscribeSync("$JS.EVENT.ADVISORY.CONSUMER.MAX_DELIVERIES.S.C")
	nc.Flush()
	got := map[string]int{}
	deadline := time.Now().Add(20 * time.Second)
	for (got["m0"] < 1 || got["m2"] < 2) && time.Now().Before(deadline) {
		b, err := c.Fetch(2, jetstream.FetchMaxWait(time.Second))
		if err != nil {
			t.Fatal(err)
		}
		for m := range b.Messages() { // as they come: the ack is not held up
			data := string(m.Data())
			got[data]++
			md, _ := m.Metadata()
			switch {
			case data == "m0" && md.NumDelivered == 3:
			case data == "m2" && md.NumDelivered == uint64(1+got["m2"]):
				if md.NumDelivered == 3 {
					m.Ack()
				}
			default:
				t.Fatalf("redelivered %s for the %d. time after %v", data, md.NumDelivered, got)
			}
		}
	}
	if got["m0"] != 1 || got["m2"] != 2 || len(got) != 2 {
		t.Fatalf("redeliveries: %v", got)
	}
	// m0 is out of deliveries: the next pull finds it due and gives up on
	// it (the advisory) instead of sending it a fourth time.
	if last := fetchWait(2, time.Second); len(last) != 0 {
		t.Fatalf("after max_deliver: %v", last)
	}
	for {
		m, err := adv.NextMsg(10 * time.Second)
		if err != nil {
			t.Fatalf("max deliveries advisory for m0: %v", err)
		}
		if strings.Contains(string(m.Data), `"stream_seq":1,`) {
			break
		}
	}
	// As on nats-server, m0 (out of deliveries, never acked) is no longer
	// pending but still counts as redelivered, and the ack floor does not
	// pass it on its own (testdata/jstranscript/consumer_max_deliveries*).
	waitFor(t, func() bool {
		ci, err := c.Info(ctx)
		return err == nil && ci.NumAckPending == 0 && ci.NumRedelivered == 1
	})

	// Ack all: acking the third acks the first two.
	ca, err := st.CreateConsumer(ctx, jetstream.ConsumerConfig{Durable: "A", AckPolicy: jetstream.AckAllPolicy})
	if err != nil {
		t.Fatal(err)
	}
	b, _ := ca.Fetch(3, jetstream.FetchMaxWait(10*time.Second))
	var all []jetstream.Msg
	for m := range b.Messages() {
		all = append(all, m)
	}
	if len(all) != 3 {
		t.Fatalf("ack all fetch %d", len(all))
	}
	if err := all[2].DoubleAck(ctx); err != nil {
		t.Fatal(err)
	}
	ci, _ = ca.Info(ctx)
	if ci.NumAckPending != 0 || ci.AckFloor.Stream != 3 {
		t.Fatalf("ack all: %+v", ci)
	}
	// Ack none: the floor follows deliveries.
	cn, _ := st.CreateConsumer(ctx, jetstream.ConsumerConfig{Durable: "N", AckPolicy: jetstream.AckNonePolicy})
	b, _ = cn.Fetch(3, jetstream.FetchMaxWait(10*time.Second))
	for range b.Messages() {
	}
	ci, _ = cn.Info(ctx)
	if ci.NumAckPending != 0 || ci.AckFloor.Stream != 3 || ci.Delivered.Consumer != 3 {
		t.Fatalf("ack none: %+v", ci)
	}
}

// TestConsumerMaxAckPending: no more than max_ack_pending messages are
// out at once.
func TestConsumerMaxAckPending(t *testing.T) {
	s := jsStart(t, "", nil)
	_, js := jsConnect(t, s)
	ctx := jsCtx(t)
	st := jsStream(t, js, jetstream.StreamConfig{}, 10)
	c, _ := st.CreateConsumer(ctx, jetstream.ConsumerConfig{Durable: "C", AckPolicy: jetstream.AckExplicitPolicy, MaxAckPending: 3})
	b, _ := c.FetchNoWait(10)
	var ms []jetstream.Msg
	for m := range b.Messages() {
		ms = append(ms, m)
	}
	if len(ms) != 3 {
		t.Fatalf("got %d with max_ack_pending 3", len(ms))
	}
	ms[0].DoubleAck(ctx)
	b, _ = c.FetchNoWait(10)
	n := 0
	for range b.Messages() {
		n++
	}
	if n != 1 {
		t.Fatalf("after one ack got %d", n)
	}
}

// TestConsumerDurableRestart: a durable's delivered, ack floor and pending
// messages survive a restart; an ephemeral does not.
func TestConsumerDurableRestart(t *testing.T) {
	dir := t.TempDir()
	s := jsStart(t, dir, nil)
	_, js := jsConnect(t, s)
	ctx := jsCtx(t)
	st := jsStream(t, js, jetstream.StreamConfig{}, 10)
	c, _ := st.CreateConsumer(ctx, jetstream.ConsumerConfig{Durable: "C", AckPolicy: jetstream.AckExplicitPolicy})
	b, _ := c.Fetch(5, jetstream.FetchMaxWait(10*time.Second))
	i := 0
	for m := range b.Messages() {
		if i < 3 {
			m.DoubleAck(ctx)
		}
		i++
	}
	before, _ := c.Info(ctx)
	s.Shutdown()

	s2 := jsStart(t, dir, nil)
	_, js2 := jsConnect(t, s2)
	c2, err := js2.Consumer(ctx, "S", "C")
	if err != nil {
		t.Fatal(err)
	}
	after := c2.CachedInfo()
	if after.Delivered != before.Delivered && (after.Delivered.Consumer != 5 || after.Delivered.Stream != 5) {
		t.Fatalf("delivered %+v want %+v", after.Delivered, before.Delivered)
	}
	if after.AckFloor.Stream != 3 || after.AckFloor.Consumer != 3 || after.NumAckPending != 2 || after.NumPending != 5 {
		t.Fatalf("after restart: %+v", after)
	}
	if !after.Created.Equal(before.Created) {
		t.Fatalf("created %v != %v", after.Created, before.Created)
	}
	// The two unacked are not due yet (their ack wait runs from the
	// restart), so the rest comes first (a due redelivery would).
	b, _ = c2.Fetch(5, jetstream.FetchMaxWait(10*time.Second))
	var seqs []uint64
	for m := range b.Messages() {
		md, _ := m.Metadata()
		seqs = append(seqs, md.Sequence.Stream)
		m.Ack()
	}
	if !slices.Equal(seqs, []uint64{6, 7, 8, 9, 10}) {
		t.Fatalf("after restart fetched %v", seqs)
	}
}

// TestConsumerRetention: interest and workqueue streams drop a message
// once every interested consumer (or the workqueue's) acked it; a
// workqueue refuses overlapping consumers.
func TestConsumerRetention(t *testing.T) {
	s := jsStart(t, "", nil)
	_, js := jsConnect(t, s)
	ctx := jsCtx(t)
	msgs := func(st jetstream.Stream) uint64 {
		si, err := st.Info(ctx)
		if err != nil {
			t.Fatal(err)
		}
		return si.State.Msgs
	}
	// Interest: two consumers, a message goes when both acked it.
	ist := jsStream(t, js, jetstream.StreamConfig{Name: "I", Subjects: []string{"i.>"}, Retention: jetstream.InterestPolicy}, 0)
	js.Publish(ctx, "i.a", []byte("nobody"))
	if n := msgs(ist); n != 0 {
		t.Fatalf("interest without consumers kept %d", n)
	}
	c1, _ := ist.CreateConsumer(ctx, jetstream.ConsumerConfig{Durable: "one", AckPolicy: jetstream.AckExplicitPolicy})
	c2, _ := ist.CreateConsumer(ctx, jetstream.ConsumerConfig{Durable: "two", AckPolicy: jetstream.AckExplicitPolicy, FilterSubject: "i.a"})
	js.Publish(ctx, "i.a", []byte("both"))
	js.Publish(ctx, "i.b", []byte("only one"))
	if n := msgs(ist); n != 2 {
		t.Fatalf("interest kept %d", n)
	}
	if got := fetchSeqs(t, c1, 5); len(got) != 2 {
		t.Fatalf("one fetched %v", got)
	}
	waitFor(t, func() bool { return msgs(ist) == 1 }) // i.b gone, i.a waits for "two"
	if got := fetchSeqs(t, c2, 5); len(got) != 1 {
		t.Fatalf("two fetched %v", got)
	}
	waitFor(t, func() bool { return msgs(ist) == 0 })
	// Deleting a consumer lets go of what only it needed.
	js.Publish(ctx, "i.a", []byte("x"))
	fetchSeqs(t, c1, 1)
	if n := msgs(ist); n != 1 {
		t.Fatalf("before delete %d", n)
	}
	ist.DeleteConsumer(ctx, "two")
	waitFor(t, func() bool { return msgs(ist) == 0 })

	// Workqueue.
	wst := jsStream(t, js, jetstream.StreamConfig{Name: "W", Subjects: []string{"w.>"}, Retention: jetstream.WorkQueuePolicy}, 0)
	for i := 0; i < 5; i++ {
		js.Publish(ctx, "w.job", []byte("job"))
	}
	w, err := wst.CreateConsumer(ctx, jetstream.ConsumerConfig{Durable: "worker", AckPolicy: jetstream.AckExplicitPolicy, FilterSubject: "w.job"})
	if err != nil {
		t.Fatal(err)
	}
	for _, tc := range []struct {
		cfg  jetstream.ConsumerConfig
		code int
	}{
		{jetstream.ConsumerConfig{Durable: "x", AckPolicy: jetstream.AckExplicitPolicy, FilterSubject: "w.>"}, 10100},
		{jetstream.ConsumerConfig{Durable: "x", AckPolicy: jetstream.AckNonePolicy, FilterSubject: "w.other"}, 10098},
		{jetstream.ConsumerConfig{Durable: "x", AckPolicy: jetstream.AckExplicitPolicy, FilterSubject: "w.other", DeliverPolicy: jetstream.DeliverNewPolicy}, 10101},
	} {
		if _, err := wst.CreateConsumer(ctx, tc.cfg); apiErrCode(err) != tc.code {
			t.Fatalf("%+v: %v want %d", tc.cfg, err, tc.code)
		}
	}
	if _, err := wst.CreateConsumer(ctx, jetstream.ConsumerConfig{Durable: "other", AckPolicy: jetstream.AckExplicitPolicy, FilterSubject: "w.other"}); err != nil {
		t.Fatal(err)
	}
	if got := fetchSeqs(t, w, 3); len(got) != 3 {
		t.Fatalf("worker fetched %v", got)
	}
	waitFor(t, func() bool { return msgs(wst) == 2 })
}

// TestConsumerAdvisoriesAndJsz: created and deleted advisories, the
// consumer counts of /jsz and account info, and an ephemeral going away
// after its inactive_threshold.
func TestConsumerAdvisoriesAndJsz(t *testing.T) {
	s := jsStart(t, "", nil)
	nc, js := jsConnect(t, s)
	ctx := jsCtx(t)
	st := jsStream(t, js, jetstream.StreamConfig{}, 1)
	adv, _ := nc.SubscribeSync("$JS.EVENT.ADVISORY.CONSUMER.>")
	nc.Flush()
	st.CreateConsumer(ctx, jetstream.ConsumerConfig{Durable: "D"})
	// An ephemeral that stays for the counts (one that is about to go
	// away by inactivity could be gone before they are read).
	if _, err := st.CreateConsumer(ctx, jetstream.ConsumerConfig{InactiveThreshold: time.Hour}); err != nil {
		t.Fatal(err)
	}
	m, err := adv.NextMsg(10 * time.Second)
	if err != nil || m.Subject != "$JS.EVENT.ADVISORY.CONSUMER.CREATED.S.D" || !strings.Contains(string(m.Data), `"type":"io.nats.jetstream.advisory.v1.consumer_action"`) {
		t.Fatalf("created advisory: %v %v", m, err)
	}
	info, _ := s.Jsz(nil)
	if info.Consumers != 2 {
		t.Fatalf("/jsz consumers %d", info.Consumers)
	}
	ai, _ := js.AccountInfo(ctx)
	if ai.Consumers != 2 {
		t.Fatalf("account info consumers %d", ai.Consumers)
	}
	// An ephemeral nobody pulls from goes away.
	eph, err := st.CreateConsumer(ctx, jetstream.ConsumerConfig{InactiveThreshold: 200 * time.Millisecond})
	if err != nil {
		t.Fatal(err)
	}
	name := eph.CachedInfo().Name
	waitFor(t, func() bool {
		_, err := st.Consumer(ctx, name)
		return errors.Is(err, jetstream.ErrConsumerNotFound)
	})
	for {
		m, err := adv.NextMsg(10 * time.Second)
		if err != nil {
			t.Fatal("no deleted advisory")
		}
		if m.Subject == "$JS.EVENT.ADVISORY.CONSUMER.DELETED.S."+name {
			break
		}
	}
}

// TestConsumerPauseAndBadAcks: CONSUMER.PAUSE holds deliveries back;
// acks for unknown or already acked messages change nothing (a double
// ack of an acked message is answered, one of a never delivered message
// is not).
func TestConsumerPauseAndBadAcks(t *testing.T) {
	s := jsStart(t, "", nil)
	nc, js := jsConnect(t, s)
	ctx := jsCtx(t)
	st := jsStream(t, js, jetstream.StreamConfig{}, 2)
	c, _ := st.CreateConsumer(ctx, jetstream.ConsumerConfig{Durable: "C", AckPolicy: jetstream.AckExplicitPolicy})
	until := time.Now().Add(time.Hour)
	if _, err := js.PauseConsumer(ctx, "S", "C", until); err != nil {
		t.Fatal(err)
	}
	ci, _ := c.Info(ctx)
	if !ci.Paused || ci.Config.Metadata["_nats.req.level"] != "1" {
		t.Fatalf("paused info: %+v", ci)
	}
	if got := fetchSeqs(t, c, 1); len(got) != 0 {
		t.Fatalf("paused consumer delivered %v", got)
	}
	if _, err := js.ResumeConsumer(ctx, "S", "C"); err != nil {
		t.Fatal(err)
	}
	b, _ := c.Fetch(1, jetstream.FetchMaxWait(10*time.Second))
	var m jetstream.Msg
	for x := range b.Messages() {
		m = x
	}
	if m == nil {
		t.Fatal("nothing after resume")
	}
	if err := m.DoubleAck(ctx); err != nil {
		t.Fatal(err)
	}
	if _, err := nc.Request(m.Reply(), []byte("+ACK"), 10*time.Second); err != nil {
		t.Fatalf("second double ack: %v", err)
	}
	if _, err := nc.Request("$JS.ACK.S.C.1.99.99.0.0", []byte("+ACK"), 200*time.Millisecond); err == nil {
		t.Fatal("ack of an undelivered message answered")
	}
	for _, bad := range []string{"$JS.ACK.S.C.x.1.1.0.0", "$JS.ACK.S.C.1.1", "$JS.ACK.S.C.1.1.1.0.0.extra"} {
		nc.Publish(bad, []byte("+ACK"))
	}
	nc.Publish(m.Reply(), []byte("+WHAT"))
	nc.Flush()
	ci, _ = c.Info(ctx)
	if ci.AckFloor.Stream != 1 || ci.NumAckPending != 0 || ci.NumPending != 1 {
		t.Fatalf("after bad acks: %+v", ci)
	}
}

// TestConsumerAckEvents: the sampled ack metric and the nak and
// terminated advisories, shaped as nats-server's.
func TestConsumerAckEvents(t *testing.T) {
	s := jsStart(t, "", nil)
	nc, js := jsConnect(t, s)
	ctx := jsCtx(t)
	st := jsStream(t, js, jetstream.StreamConfig{}, 3)
	ev, _ := nc.SubscribeSync("$JS.EVENT.>")
	nc.Flush()
	c, _ := st.CreateConsumer(ctx, jetstream.ConsumerConfig{Durable: "C", AckPolicy: jetstream.AckExplicitPolicy, SampleFrequency: "100%"})
	b, _ := c.Fetch(3, jetstream.FetchMaxWait(10*time.Second))
	var ms []jetstream.Msg
	for m := range b.Messages() {
		ms = append(ms, m)
	}
	if len(ms) != 3 {
		t.Fatalf("fetched %d", len(ms))
	}
	ms[0].Ack()
	ms[1].Nak()
	ms[2].TermWithReason("because")
	want := map[string]string{
		"$JS.EVENT.METRIC.CONSUMER.ACK.S.C":              `"stream":"S","consumer":"C","consumer_seq":1,"stream_seq":1,"ack_time":`,
		"$JS.EVENT.ADVISORY.CONSUMER.MSG_NAKED.S.C":      `"type":"io.nats.jetstream.advisory.v1.nak",`,
		"$JS.EVENT.ADVISORY.CONSUMER.MSG_TERMINATED.S.C": `"consumer_seq":3,"stream_seq":3,"deliveries":1,"reason":"because"}`,
	}
	for len(want) > 0 {
		m, err := ev.NextMsg(10 * time.Second)
		if err != nil {
			t.Fatalf("missing events: %v", want)
		}
		if w, ok := want[m.Subject]; ok {
			if !strings.Contains(string(m.Data), w) {
				t.Fatalf("%s: %s", m.Subject, m.Data)
			}
			delete(want, m.Subject)
		}
	}
}

// TestConsumerReentrantAck: a push consumer delivering to an internal
// subscription that acks (and pulls) inline, on the delivering goroutine,
// does not deadlock: the ack waits for the consumer's next round.
func TestConsumerReentrantAck(t *testing.T) {
	s := jsStart(t, "", nil)
	nc, js := jsConnect(t, s)
	ctx := jsCtx(t)
	jsStream(t, js, jetstream.StreamConfig{}, 50)
	jsa := s.js.Load().lookupJSAccount(s.gacc.name)
	var got atomic.Int32
	if _, err := jsa.ic.subscribe("internal.in", "", func(pub *client, _ *subscription, _, reply []byte, _ int, _ []byte) bool {
		got.Add(1)
		pub.deliverIn(jsa.acc, reply, []byte("_INBOX.x"), 0, []byte("+ACK"))
		return true
	}); err != nil {
		t.Fatal(err)
	}
	out := rawAPI(t, nc, "$JS.API.CONSUMER.CREATE.S.R", `{"stream_name":"S","config":{"durable_name":"R","deliver_subject":"internal.in","ack_policy":"explicit"}}`)
	if out["error"] != nil {
		t.Fatal(out)
	}
	waitFor(t, func() bool {
		ci := rawAPI(t, nc, "$JS.API.CONSUMER.INFO.S.R", "")
		return got.Load() == 50 && ci["num_ack_pending"].(float64) == 0 && ci["ack_floor"].(map[string]any)["stream_seq"].(float64) == 50
	})
	_ = ctx
}

// TestConsumerAfterPurge: a purge moves a consumer's delivered and ack
// floor to the purge point and forgets its pending messages, as
// nats-server shows them.
func TestConsumerAfterPurge(t *testing.T) {
	s := jsStart(t, "", nil)
	_, js := jsConnect(t, s)
	ctx := jsCtx(t)
	st := jsStream(t, js, jetstream.StreamConfig{}, 5)
	c, _ := st.CreateConsumer(ctx, jetstream.ConsumerConfig{Durable: "C", AckPolicy: jetstream.AckExplicitPolicy})
	b, _ := c.Fetch(2, jetstream.FetchMaxWait(10*time.Second))
	for range b.Messages() {
	}
	if err := st.Purge(ctx); err != nil {
		t.Fatal(err)
	}
	ci, _ := c.Info(ctx)
	if ci.Delivered.Stream != 5 || ci.Delivered.Consumer != 2 || ci.AckFloor.Stream != 5 || ci.AckFloor.Consumer != 2 || ci.NumAckPending != 0 || ci.NumPending != 0 {
		t.Fatalf("after purge: %+v", ci)
	}
	js.Publish(ctx, "s.1", []byte("after"))
	if got := fetchSeqs(t, c, 5); !slices.Equal(got, []uint64{6}) {
		t.Fatalf("after purge fetched %v", got)
	}
}
