package server

import (
	"bytes"
	"context"
	"crypto/rand"
	"errors"
	"fmt"
	"io"
	"slices"
	"sync/atomic"
	"testing"
	"time"

	"github.com/nats-io/nats.go"
	"github.com/nats-io/nats.go/jetstream"
)

// fetchSeqs fetches up to n messages, acks them and returns their stream
// sequences.
func fetchSeqs(t *testing.T, c jetstream.Consumer, n int) []uint64 {
	t.Helper()
	b, err := c.FetchNoWait(n) // what is there now, then 404
	if err != nil {
		t.Fatal(err)
	}
	var seqs []uint64
	for m := range b.Messages() {
		md, _ := m.Metadata()
		seqs = append(seqs, md.Sequence.Stream)
		m.Ack()
	}
	return seqs
}

// TestConsumerDeliverPolicies: all, last, new, by start sequence, by start
// time, last per subject, filter_subjects and headers_only.
func TestConsumerDeliverPolicies(t *testing.T) {
	s := jsStart(t, "", nil)
	_, js := jsConnect(t, s)
	ctx := jsCtx(t)
	st := jsStream(t, js, jetstream.StreamConfig{}, 9) // s.0 s.1 s.2 s.0 ...
	mid := time.Now()
	time.Sleep(5 * time.Millisecond)
	for i := 9; i < 12; i++ {
		js.Publish(ctx, fmt.Sprintf("s.%d", i%3), []byte(fmt.Sprintf("m%d", i)))
	}
	mk := func(name string, cfg jetstream.ConsumerConfig) jetstream.Consumer {
		t.Helper()
		cfg.Durable = name
		cfg.AckPolicy = jetstream.AckExplicitPolicy
		c, err := st.CreateConsumer(ctx, cfg)
		if err != nil {
			t.Fatalf("%s: %v", name, err)
		}
		return c
	}
	cases := []struct {
		name string
		cfg  jetstream.ConsumerConfig
		want []uint64
	}{
		{"all", jetstream.ConsumerConfig{}, []uint64{1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12}},
		{"last", jetstream.ConsumerConfig{DeliverPolicy: jetstream.DeliverLastPolicy}, []uint64{12}},
		{"lastf", jetstream.ConsumerConfig{DeliverPolicy: jetstream.DeliverLastPolicy, FilterSubject: "s.1"}, []uint64{11}},
		{"new", jetstream.ConsumerConfig{DeliverPolicy: jetstream.DeliverNewPolicy}, nil},
		{"seq", jetstream.ConsumerConfig{DeliverPolicy: jetstream.DeliverByStartSequencePolicy, OptStartSeq: 10}, []uint64{10, 11, 12}},
		{"time", jetstream.ConsumerConfig{DeliverPolicy: jetstream.DeliverByStartTimePolicy, OptStartTime: &mid}, []uint64{10, 11, 12}},
		{"lps", jetstream.ConsumerConfig{DeliverPolicy: jetstream.DeliverLastPerSubjectPolicy, FilterSubject: "s.>"}, []uint64{10, 11, 12}},
		{"lps2", jetstream.ConsumerConfig{DeliverPolicy: jetstream.DeliverLastPerSubjectPolicy, FilterSubjects: []string{"s.0", "s.2"}}, []uint64{10, 12}},
		{"filters", jetstream.ConsumerConfig{FilterSubjects: []string{"s.0", "s.2"}}, []uint64{1, 3, 4, 6, 7, 9, 10, 12}},
	}
	for _, tc := range cases {
		c := mk(tc.name, tc.cfg)
		if n := c.CachedInfo().NumPending; n != uint64(len(tc.want)) {
			t.Fatalf("%s: num_pending %d want %d", tc.name, n, len(tc.want))
		}
		got := fetchSeqs(t, c, 20)
		if !slices.Equal(got, tc.want) {
			t.Fatalf("%s: got %v want %v", tc.name, got, tc.want)
		}
	}
	// A new message reaches "new" and "lps".
	js.Publish(ctx, "s.0", []byte("late"))
	for _, name := range []string{"new", "lps"} {
		c, _ := st.Consumer(ctx, name)
		if got := fetchSeqs(t, c, 5); !slices.Equal(got, []uint64{13}) {
			t.Fatalf("%s after publish: %v", name, got)
		}
	}
	// headers_only: the headers and the size, no payload.
	c := mk("hdrs", jetstream.ConsumerConfig{HeadersOnly: true, DeliverPolicy: jetstream.DeliverLastPolicy})
	b, _ := c.Fetch(1, jetstream.FetchMaxWait(10*time.Second))
	n := 0
	for m := range b.Messages() {
		n++
		if len(m.Data()) != 0 || m.Headers().Get("Nats-Msg-Size") != "4" {
			t.Fatalf("headers only: %q %v", m.Data(), m.Headers())
		}
	}
	if n != 1 {
		t.Fatalf("headers only: %d messages", n)
	}
}

// TestConsumerReplayOriginal: replay original keeps the spacing of the
// messages (it takes longer than an instant replay would).
func TestConsumerReplayOriginal(t *testing.T) {
	s := jsStart(t, "", nil)
	_, js := jsConnect(t, s)
	ctx := jsCtx(t)
	st := jsStream(t, js, jetstream.StreamConfig{}, 1)
	time.Sleep(300 * time.Millisecond)
	js.Publish(ctx, "s.1", []byte("second"))
	c, _ := st.CreateConsumer(ctx, jetstream.ConsumerConfig{Durable: "R", ReplayPolicy: jetstream.ReplayOriginalPolicy, AckPolicy: jetstream.AckNonePolicy})
	t0 := time.Now()
	b, _ := c.Fetch(2, jetstream.FetchMaxWait(10*time.Second))
	n := 0
	for range b.Messages() {
		n++
	}
	if n != 2 || time.Since(t0) < 250*time.Millisecond {
		t.Fatalf("replay original: %d messages in %v", n, time.Since(t0))
	}
}

// TestConsumerPush: a push consumer delivers to its subject, with a
// queue group, idle heartbeats and flow control.
func TestConsumerPush(t *testing.T) {
	s := jsStart(t, "", nil)
	nc, js := jsConnect(t, s)
	ctx := jsCtx(t)
	jsStream(t, js, jetstream.StreamConfig{}, 5)
	sub, _ := nc.SubscribeSync("push.in")
	nc.Flush()
	out := rawAPI(t, nc, "$JS.API.CONSUMER.CREATE.S.P", `{"stream_name":"S","config":{"durable_name":"P","deliver_subject":"push.in","ack_policy":"explicit","idle_heartbeat":200000000,"flow_control":true}}`)
	if out["error"] != nil {
		t.Fatal(out)
	}
	for i := 0; i < 5; i++ {
		m, err := sub.NextMsg(10 * time.Second)
		if err != nil {
			t.Fatal(err)
		}
		if string(m.Data) != fmt.Sprintf("m%d", i) {
			t.Fatalf("push %d: %q", i, m.Data)
		}
		m.Ack()
	}
	m, err := sub.NextMsg(10 * time.Second)
	if err != nil || statusOf(m) != "100 Idle Heartbeat" || m.Header.Get("Nats-Last-Stream") != "5" {
		t.Fatalf("heartbeat: %v %v", m, err)
	}
	ci := rawAPI(t, nc, "$JS.API.CONSUMER.INFO.S.P", "")
	if ci["push_bound"] != true {
		t.Fatalf("push_bound: %v", ci)
	}
	// A deliver subject under the stream's subjects would loop.
	out = rawAPI(t, nc, "$JS.API.CONSUMER.CREATE.S.L", `{"stream_name":"S","config":{"durable_name":"L","deliver_subject":"s.loop"}}`)
	if e, _ := out["error"].(map[string]any); e == nil || e["err_code"].(float64) != 10081 {
		t.Fatalf("cycle: %v", out)
	}
	// Flow control: a big burst (over 1 MiB) asks the subscriber to confirm.
	payload := make([]byte, 64*1024)
	for i := 0; i < 24; i++ {
		js.Publish(ctx, "s.big", payload)
	}
	// The request comes once half the 2 MiB window went out unconfirmed,
	// so before the last of the 24 (heartbeats may come in between).
	sawFC := false
	for big := 0; big < 24; {
		m, err := sub.NextMsg(10 * time.Second)
		if err != nil {
			t.Fatalf("after %d of 24 big messages: %v", big, err)
		}
		if statusOf(m) == "100 FlowControl Request" {
			sawFC = true
			m.Respond(nil)
			continue
		}
		if len(m.Data) == len(payload) {
			big++
			m.Ack()
		}
	}
	if !sawFC {
		t.Fatal("no flow control request")
	}
	waitFor(t, func() bool {
		ci := rawAPI(t, nc, "$JS.API.CONSUMER.INFO.S.P", "")
		return ci["num_pending"].(float64) == 0 && ci["num_ack_pending"].(float64) == 0
	})
}

// TestConsumerPushQueueAndLegacy: nats.go's legacy push subscriptions,
// plain and in a queue group, and its ordered push consumer.
func TestConsumerPushQueueAndLegacy(t *testing.T) {
	s := jsStart(t, "", nil)
	nc, js := jsConnect(t, s)
	jsStream(t, js, jetstream.StreamConfig{}, 20)
	ljs, err := nc.JetStream()
	if err != nil {
		t.Fatal(err)
	}
	var got atomic.Int32
	for i := 0; i < 2; i++ {
		if _, err := ljs.QueueSubscribe("s.>", "workers", func(m *nats.Msg) { got.Add(1); m.Ack() }, nats.Durable("Q"), nats.DeliverAll()); err != nil {
			t.Fatal(err)
		}
	}
	waitFor(t, func() bool { return got.Load() == 20 })
	ord, err := ljs.SubscribeSync("s.1", nats.OrderedConsumer())
	if err != nil {
		t.Fatal(err)
	}
	for i := 0; i < 7; i++ {
		m, err := ord.NextMsg(10 * time.Second)
		if err != nil {
			t.Fatalf("ordered %d: %v", i, err)
		}
		md, _ := m.Metadata()
		if md.Sequence.Consumer != uint64(i+1) {
			t.Fatalf("ordered consumer seq %d", md.Sequence.Consumer)
		}
	}
}

// TestConsumerOrdered: the jetstream package's ordered consumer.
func TestConsumerOrdered(t *testing.T) {
	s := jsStart(t, "", nil)
	_, js := jsConnect(t, s)
	ctx := jsCtx(t)
	st := jsStream(t, js, jetstream.StreamConfig{}, 30)
	oc, err := st.OrderedConsumer(ctx, jetstream.OrderedConsumerConfig{FilterSubjects: []string{"s.2"}})
	if err != nil {
		t.Fatal(err)
	}
	b, err := oc.Fetch(10, jetstream.FetchMaxWait(10*time.Second))
	if err != nil {
		t.Fatal(err)
	}
	var seqs []uint64
	for m := range b.Messages() {
		md, _ := m.Metadata()
		seqs = append(seqs, md.Sequence.Stream)
	}
	if !slices.Equal(seqs, []uint64{3, 6, 9, 12, 15, 18, 21, 24, 27, 30}) {
		t.Fatalf("ordered fetch: %v", seqs)
	}
	oc2, _ := st.OrderedConsumer(ctx, jetstream.OrderedConsumerConfig{})
	it, err := oc2.Messages()
	if err != nil {
		t.Fatal(err)
	}
	defer it.Stop()
	for i := 1; i <= 30; i++ {
		m, err := it.Next()
		if err != nil {
			t.Fatal(err)
		}
		md, _ := m.Metadata()
		if md.Sequence.Stream != uint64(i) {
			t.Fatalf("ordered messages: %d want %d", md.Sequence.Stream, i)
		}
	}
}

// TestKeyValue: nats.go's KeyValue on natsd: put, get, create, update,
// delete, purge, history, keys, watch, status.
func TestKeyValue(t *testing.T) {
	s := jsStart(t, "", nil)
	_, js := jsConnect(t, s)
	ctx := jsCtx(t)
	kv, err := js.CreateKeyValue(ctx, jetstream.KeyValueConfig{Bucket: "B", History: 5})
	if err != nil {
		t.Fatal(err)
	}
	r1, err := kv.Put(ctx, "a", []byte("1"))
	if err != nil {
		t.Fatal(err)
	}
	kv.Put(ctx, "a", []byte("2"))
	kv.PutString(ctx, "b.c", "x")
	e, err := kv.Get(ctx, "a")
	if err != nil || string(e.Value()) != "2" || e.Revision() != r1+1 {
		t.Fatalf("get: %v %v", e, err)
	}
	if _, err := kv.Create(ctx, "a", []byte("3")); !errors.Is(err, jetstream.ErrKeyExists) {
		t.Fatalf("create existing: %v", err)
	}
	if _, err := kv.Update(ctx, "a", []byte("3"), r1); err == nil {
		t.Fatal("update with a stale revision")
	}
	if _, err := kv.Update(ctx, "a", []byte("3"), r1+1); err != nil {
		t.Fatal(err)
	}
	hist, err := kv.History(ctx, "a")
	if err != nil || len(hist) != 3 || string(hist[2].Value()) != "3" {
		t.Fatalf("history: %v %v", len(hist), err)
	}
	keys, err := kv.Keys(ctx)
	slices.Sort(keys)
	if err != nil || !slices.Equal(keys, []string{"a", "b.c"}) {
		t.Fatalf("keys: %v %v", keys, err)
	}
	w, err := kv.WatchAll(ctx)
	if err != nil {
		t.Fatal(err)
	}
	defer w.Stop()
	seen := map[string]string{}
	for u := range w.Updates() {
		if u == nil {
			break // initial values done
		}
		seen[u.Key()] = string(u.Value())
	}
	if seen["a"] != "3" || seen["b.c"] != "x" {
		t.Fatalf("watch initial: %v", seen)
	}
	kv.Put(ctx, "d", []byte("new"))
	select {
	case u := <-w.Updates():
		if u.Key() != "d" || string(u.Value()) != "new" {
			t.Fatalf("watch update %v", u)
		}
	case <-time.After(10 * time.Second):
		t.Fatal("watch: no update")
	}
	if err := kv.Delete(ctx, "a"); err != nil {
		t.Fatal(err)
	}
	select {
	case u := <-w.Updates():
		if u.Key() != "a" || u.Operation() != jetstream.KeyValueDelete {
			t.Fatalf("watch delete %v", u)
		}
	case <-time.After(10 * time.Second):
		t.Fatal("watch: no delete")
	}
	if _, err := kv.Get(ctx, "a"); !errors.Is(err, jetstream.ErrKeyNotFound) {
		t.Fatalf("get deleted: %v", err)
	}
	if err := kv.Purge(ctx, "b.c"); err != nil {
		t.Fatal(err)
	}
	keys, _ = kv.Keys(ctx)
	if !slices.Equal(keys, []string{"d"}) {
		t.Fatalf("keys after delete/purge: %v", keys)
	}
	st, err := kv.Status(ctx)
	if err != nil || st.Bucket() != "B" || st.History() != 5 {
		t.Fatalf("status %v %v", st, err)
	}
	lister, err := kv.ListKeys(ctx)
	if err != nil {
		t.Fatal(err)
	}
	n := 0
	for range lister.Keys() {
		n++
	}
	if n != 1 {
		t.Fatalf("list keys %d", n)
	}
}

// TestObjectStore: nats.go's ObjectStore: put and get of a multi-chunk
// object, info, list, delete.
func TestObjectStore(t *testing.T) {
	s := jsStart(t, "", nil)
	_, js := jsConnect(t, s)
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	obs, err := js.CreateObjectStore(ctx, jetstream.ObjectStoreConfig{Bucket: "O"})
	if err != nil {
		t.Fatal(err)
	}
	data := make([]byte, 3<<20+17)
	rand.Read(data)
	info, err := obs.PutBytes(ctx, "big", data)
	if err != nil || info.Size != uint64(len(data)) || info.Chunks < 20 {
		t.Fatalf("put: %+v %v", info, err)
	}
	obs.PutString(ctx, "small", "hello")
	r, err := obs.Get(ctx, "big")
	if err != nil {
		t.Fatal(err)
	}
	got, err := io.ReadAll(r)
	if err != nil || !bytes.Equal(got, data) {
		t.Fatalf("get: %d bytes, %v", len(got), err)
	}
	list, err := obs.List(ctx)
	if err != nil || len(list) != 2 {
		t.Fatalf("list: %v %v", list, err)
	}
	if err := obs.Delete(ctx, "big"); err != nil {
		t.Fatal(err)
	}
	if _, err := obs.GetInfo(ctx, "big"); !errors.Is(err, jetstream.ErrObjectNotFound) {
		t.Fatalf("info deleted: %v", err)
	}
	s2, err := obs.GetString(ctx, "small")
	if err != nil || s2 != "hello" {
		t.Fatalf("small: %q %v", s2, err)
	}
}

// TestConsumerRateLimit: a push consumer with rate_limit_bps spreads its
// deliveries out (8 KiB at 64 kbit/s take about a second).
func TestConsumerRateLimit(t *testing.T) {
	s := jsStart(t, "", nil)
	nc, js := jsConnect(t, s)
	ctx := jsCtx(t)
	jsStream(t, js, jetstream.StreamConfig{}, 0)
	for i := 0; i < 16; i++ {
		js.Publish(ctx, "s.r", make([]byte, 1024))
	}
	sub, _ := nc.SubscribeSync("rl.in")
	nc.Flush()
	t0 := time.Now()
	out := rawAPI(t, nc, "$JS.API.CONSUMER.CREATE.S.RL", `{"stream_name":"S","config":{"durable_name":"RL","deliver_subject":"rl.in","ack_policy":"none","rate_limit_bps":65536}}`)
	if out["error"] != nil {
		t.Fatal(out)
	}
	for i := 0; i < 16; i++ {
		if _, err := sub.NextMsg(5 * time.Second); err != nil {
			t.Fatalf("message %d: %v", i, err)
		}
	}
	if d := time.Since(t0); d < 800*time.Millisecond {
		t.Fatalf("16 KiB at 64 kbit/s took only %v", d)
	}
}

// TestConsumerPriorityGroups: pinned_client gives one client the group
// (Nats-Pin-Id), refuses a stale id with 423 and re-pins after UNPIN;
// overflow serves a pull only past its min_pending/min_ack_pending.
func TestConsumerPriorityGroups(t *testing.T) {
	s := jsStart(t, "", nil)
	nc, js := jsConnect(t, s)
	ctx := jsCtx(t)
	st := jsStream(t, js, jetstream.StreamConfig{}, 6)
	pc, err := st.CreateConsumer(ctx, jetstream.ConsumerConfig{Durable: "P", AckPolicy: jetstream.AckExplicitPolicy,
		PriorityGroups: []string{"A"}, PriorityPolicy: jetstream.PriorityPolicyPinned, PinnedTTL: time.Minute})
	if err != nil {
		t.Fatal(err)
	}
	// Without a group, or another one: 400.
	if ms := pullRaw(t, nc, "P", `{"batch":1}`, 1); len(ms) != 1 || statusOf(ms[0]) != "400 Bad Request - Priority Group missing" {
		t.Fatalf("no group: %v", ms)
	}
	if ms := pullRaw(t, nc, "P", `{"batch":1,"group":"B"}`, 1); len(ms) != 1 || statusOf(ms[0]) != "400 Bad Request - Invalid Priority Group" {
		t.Fatalf("bad group: %v", ms)
	}
	// nats.go keeps the pin id it was given.
	b, err := pc.Fetch(2, jetstream.FetchPriorityGroup("A"), jetstream.FetchMaxWait(10*time.Second))
	if err != nil {
		t.Fatal(err)
	}
	var pinID string
	for m := range b.Messages() {
		pinID = m.Headers().Get("Nats-Pin-Id")
		m.Ack()
	}
	if pinID == "" {
		t.Fatal("no Nats-Pin-Id")
	}
	ci, _ := pc.Info(ctx)
	if len(ci.PriorityGroups) != 1 || ci.PriorityGroups[0].PinnedClientID != pinID {
		t.Fatalf("info: %+v", ci.PriorityGroups)
	}
	// Another client without the id waits; one with a wrong id is refused.
	if ms := pullRaw(t, nc, "P", `{"batch":1,"group":"A","id":"wrong"}`, 1); len(ms) != 1 || statusOf(ms[0]) != "423 Nats-Pin-Id mismatch" {
		t.Fatalf("wrong id: %v", ms)
	}
	if ms := pullRaw(t, nc, "P", `{"batch":1,"group":"A","expires":300000000}`, 1); len(ms) != 1 || statusOf(ms[0]) != "408 Request Timeout" {
		t.Fatalf("standby: %v", ms)
	}
	if ms := pullRaw(t, nc, "P", `{"batch":1,"group":"A","id":"`+pinID+`"}`, 1); len(ms) != 1 || ms[0].Header.Get("Nats-Pin-Id") != pinID {
		t.Fatalf("pinned pull: %v", ms)
	}
	if err := st.UnpinConsumer(ctx, "P", "A"); err != nil {
		t.Fatal(err)
	}
	ms := pullRaw(t, nc, "P", `{"batch":1,"group":"A"}`, 1)
	if len(ms) != 1 || ms[0].Header.Get("Nats-Pin-Id") == "" || ms[0].Header.Get("Nats-Pin-Id") == pinID {
		t.Fatalf("after unpin: %v", ms)
	}

	oc, err := st.CreateConsumer(ctx, jetstream.ConsumerConfig{Durable: "O", AckPolicy: jetstream.AckExplicitPolicy,
		PriorityGroups: []string{"A"}, PriorityPolicy: jetstream.PriorityPolicyOverflow})
	if err != nil {
		t.Fatal(err)
	}
	b, _ = oc.Fetch(1, jetstream.FetchPriorityGroup("A"), jetstream.FetchMinPending(100), jetstream.FetchMaxWait(300*time.Millisecond))
	n := 0
	for range b.Messages() {
		n++
	}
	if n != 0 {
		t.Fatalf("min_pending 100 of 6 served %d", n)
	}
	b, _ = oc.Fetch(1, jetstream.FetchPriorityGroup("A"), jetstream.FetchMinPending(2), jetstream.FetchMaxWait(10*time.Second))
	for range b.Messages() {
		n++
	}
	if n != 1 {
		t.Fatalf("min_pending 2 of 6 served %d", n)
	}
}

// TestConsumerFlowControlWindow: as nats-server 2.15.2 does on the wire, a
// flow-controlled push consumer asks for an answer once 1 MiB is out
// (deliver subject, reply, headers and payload counted), stalls with 2
// MiB out for as long as the answer takes (its heartbeats name the
// request), and goes on once answered.
func TestConsumerFlowControlWindow(t *testing.T) {
	s := jsStart(t, "", nil)
	nc, js := jsConnect(t, s)
	ctx := jsCtx(t)
	jsStream(t, js, jetstream.StreamConfig{}, 0)
	payload := make([]byte, 64*1024)
	for i := 0; i < 40; i++ {
		if _, err := js.Publish(ctx, "s.big", payload); err != nil {
			t.Fatal(err)
		}
	}
	sub, err := nc.SubscribeSync("dlv.fc")
	if err != nil {
		t.Fatal(err)
	}
	out := rawAPI(t, nc, "$JS.API.CONSUMER.CREATE.S.F", `{"stream_name":"S","config":{"durable_name":"F","ack_policy":"none","deliver_subject":"dlv.fc","flow_control":true,"idle_heartbeat":500000000}}`)
	if out["error"] != nil {
		t.Fatal(out)
	}
	msgs, fcAt := 0, 0
	var fc *nats.Msg
	for {
		m, err := sub.NextMsg(5 * time.Second)
		if err != nil {
			t.Fatalf("after %d messages: %v", msgs, err)
		}
		st := statusOf(m)
		if st == "100 FlowControl Request" {
			if fc != nil {
				t.Fatalf("second request while the first is unanswered (after %d)", msgs)
			}
			fc, fcAt = m, msgs
			continue
		}
		if st == "100 Idle Heartbeat" {
			// Stalled: the heartbeat names the request to answer. (One
			// before the stall, on a slow machine, is no stall.)
			if fc != nil && msgs >= 32 && m.Header.Get("Nats-Consumer-Stalled") == fc.Reply {
				break
			}
			continue
		}
		msgs++
	}
	if fcAt != 16 || msgs != 32 {
		t.Fatalf("flow control request after %d messages, stalled after %d; want 16 and 32", fcAt, msgs)
	}
	if err := fc.Respond(nil); err != nil {
		t.Fatal(err)
	}
	for msgs < 40 {
		m, err := sub.NextMsg(5 * time.Second)
		if err != nil {
			t.Fatalf("after the answer, %d messages: %v", msgs, err)
		}
		if statusOf(m) == "" {
			msgs++
		}
	}
}
