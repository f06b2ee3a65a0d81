package server

import (
	"bufio"
	"context"
	"encoding/json"
	"errors"
	"io"
	"net"
	"net/http"
	"os"
	"path/filepath"
	"runtime"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/nats-io/nats.go"
	"github.com/nats-io/nats.go/jetstream"
)

// jsStart starts a server with JetStream in dir (a new temporary one when
// empty).
func jsStart(t testing.TB, dir string, tweak func(o *Options)) *Server {
	t.Helper()
	if dir == "" {
		dir = t.TempDir()
	}
	o := &Options{JetStream: JetStreamOpts{Enabled: true, StoreDir: dir}}
	if tweak != nil {
		tweak(o)
	}
	return startTestServer(t, o)
}

// jsConnect connects to s and returns the connection and its JetStream.
func jsConnect(t testing.TB, s *Server, opts ...nats.Option) (*nats.Conn, jetstream.JetStream) {
	t.Helper()
	nc, err := nats.Connect(s.ClientURL(), append([]nats.Option{nats.Timeout(10 * time.Second)}, opts...)...)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(nc.Close)
	js, err := jetstream.New(nc)
	if err != nil {
		t.Fatal(err)
	}
	return nc, js
}

func jsCtx(t testing.TB) context.Context {
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	t.Cleanup(cancel)
	return ctx
}

// apiErrCode returns the err_code of a JetStream API error (0 if none).
func apiErrCode(err error) int {
	var ae *jetstream.APIError
	if errors.As(err, &ae) {
		return int(ae.ErrorCode)
	}
	// Some calls wrap the API error as text only.
	if err != nil {
		if _, rest, ok := strings.Cut(err.Error(), "err_code="); ok {
			n, _ := strconv.Atoi(strings.Fields(rest)[0])
			return n
		}
	}
	return 0
}

// rawAPI sends a request and decodes the response into a generic map.
func rawAPI(t *testing.T, nc *nats.Conn, subj, body string) map[string]any {
	t.Helper()
	m, err := nc.Request(subj, []byte(body), 5*time.Second)
	if err != nil {
		t.Fatalf("%s: %v", subj, err)
	}
	var out map[string]any
	if err := json.Unmarshal(m.Data, &out); err != nil {
		t.Fatalf("%s: %v: %q", subj, err, m.Data)
	}
	return out
}

// TestJetStreamInfoAndAccount: INFO says jetstream, $JS.API.INFO answers
// with limits and usage.
func TestJetStreamInfoAndAccount(t *testing.T) {
	s := jsStart(t, "", nil)
	conn, err := net.Dial("tcp", s.Addr().String())
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Close()
	conn.SetDeadline(time.Now().Add(5 * time.Second))
	line, _ := bufio.NewReader(conn).ReadString('\n')
	if !strings.Contains(line, `"max_payload":1048576,"jetstream":true`) {
		t.Fatalf("INFO without jetstream: %s", line)
	}
	nc, js := jsConnect(t, s)
	ctx := jsCtx(t)
	if _, err := js.CreateStream(ctx, jetstream.StreamConfig{Name: "S", Subjects: []string{"s.>"}}); err != nil {
		t.Fatal(err)
	}
	if _, err := js.Publish(ctx, "s.1", []byte("hello")); err != nil {
		t.Fatal(err)
	}
	ai, err := js.AccountInfo(ctx)
	if err != nil {
		t.Fatal(err)
	}
	if ai.Streams != 1 || ai.Store == 0 || ai.Limits.MaxStreams != -1 || ai.API.Level != 5 {
		t.Fatalf("account info: %+v", ai)
	}
	_ = nc
}

// TestJetStreamStreamCRUD: create, idempotent create, update, info, list,
// names, delete, and the errors clients switch on.
func TestJetStreamStreamCRUD(t *testing.T) {
	s := jsStart(t, "", nil)
	nc, js := jsConnect(t, s)
	ctx := jsCtx(t)
	cfg := jetstream.StreamConfig{Name: "ORDERS", Subjects: []string{"orders.>"}, Description: "d", Metadata: map[string]string{"k": "v"}}
	st, err := js.CreateStream(ctx, cfg)
	if err != nil {
		t.Fatal(err)
	}
	info := st.CachedInfo()
	if info.Config.MaxMsgs != -1 || info.Config.Duplicates != 2*time.Minute || info.Config.Replicas != 1 || info.Config.Metadata["k"] != "v" {
		t.Fatalf("defaults: %+v", info.Config)
	}
	if _, err := js.CreateStream(ctx, cfg); err != nil {
		t.Fatalf("same config again: %v", err)
	}
	cfg2 := cfg
	cfg2.MaxMsgs = 5
	if _, err := js.CreateStream(ctx, cfg2); !errors.Is(err, jetstream.ErrStreamNameAlreadyInUse) {
		t.Fatalf("different config: %v", err)
	}
	if _, err := js.CreateStream(ctx, jetstream.StreamConfig{Name: "O2", Subjects: []string{"orders.new"}}); apiErrCode(err) != 10065 {
		t.Fatalf("overlap: %v", err)
	}
	if _, err := js.CreateStream(ctx, jetstream.StreamConfig{Name: "R3", Replicas: 3}); apiErrCode(err) != 10074 {
		t.Fatalf("replicas: %v", err)
	}
	if _, err := js.CreateStream(ctx, jetstream.StreamConfig{Name: "BAD", Subjects: []string{"a", "a"}}); apiErrCode(err) != 10052 {
		t.Fatalf("invalid config: %v", err)
	}
	if st, err = js.UpdateStream(ctx, cfg2); err != nil || st.CachedInfo().Config.MaxMsgs != 5 {
		t.Fatalf("update: %v", err)
	}
	bad := cfg2
	bad.Storage = jetstream.MemoryStorage
	if _, err := js.UpdateStream(ctx, bad); apiErrCode(err) != 10052 {
		t.Fatalf("storage change: %v", err)
	}
	if _, err := js.UpdateStream(ctx, jetstream.StreamConfig{Name: "NOPE"}); !errors.Is(err, jetstream.ErrStreamNotFound) {
		t.Fatalf("update missing: %v", err)
	}
	if _, err := js.CreateStream(ctx, jetstream.StreamConfig{Name: "MEM", Storage: jetstream.MemoryStorage}); err != nil {
		t.Fatal(err)
	}
	var names []string
	for n := range js.StreamNames(ctx).Name() {
		names = append(names, n)
	}
	if strings.Join(names, ",") != "MEM,ORDERS" {
		t.Fatalf("names: %v", names)
	}
	n := 0
	for range js.ListStreams(ctx).Info() {
		n++
	}
	if n != 2 {
		t.Fatalf("list: %d", n)
	}
	if err := js.DeleteStream(ctx, "ORDERS"); err != nil {
		t.Fatal(err)
	}
	if _, err := js.Stream(ctx, "ORDERS"); !errors.Is(err, jetstream.ErrStreamNotFound) {
		t.Fatalf("deleted: %v", err)
	}
	if err := js.DeleteStream(ctx, "ORDERS"); !errors.Is(err, jetstream.ErrStreamNotFound) {
		t.Fatalf("delete again: %v", err)
	}
	// Malformed requests get the reference's error JSON.
	r := rawAPI(t, nc, "$JS.API.STREAM.CREATE.X", `{"name":"X",`)
	if e := r["error"].(map[string]any); e["err_code"].(float64) != 10025 || e["description"] != "invalid JSON: unexpected EOF" {
		t.Fatalf("malformed: %v", r)
	}
	r = rawAPI(t, nc, "$JS.API.STREAM.CREATE.X", `{"name":"Y"}`)
	if e := r["error"].(map[string]any); e["err_code"].(float64) != 10056 {
		t.Fatalf("mismatch: %v", r)
	}
	r = rawAPI(t, nc, "$JS.API.STREAM.CREATE.X", `{"name":"X","bogus":1}`)
	if e := r["error"].(map[string]any); e["description"] != `invalid JSON: json: unknown field "bogus"` {
		t.Fatalf("unknown field: %v", r)
	}
	r = rawAPI(t, nc, "$JS.API.STREAM.INFO.NOPE", ``)
	if r["type"] != "io.nats.jetstream.api.v1.stream_info_response" || r["error"].(map[string]any)["err_code"].(float64) != 10059 {
		t.Fatalf("info missing: %v", r)
	}
	// Core NATS still works.
	sub, _ := nc.SubscribeSync("core")
	nc.Publish("core", []byte("x"))
	if _, err := sub.NextMsg(10 * time.Second); err != nil {
		t.Fatal(err)
	}
}

// TestJetStreamPublishHeaders: PubAcks, dedup, expectations, rollups and
// max_msg_size, each with the reference's error.
func TestJetStreamPublishHeaders(t *testing.T) {
	s := jsStart(t, "", nil)
	nc, js := jsConnect(t, s)
	ctx := jsCtx(t)
	st, err := js.CreateStream(ctx, jetstream.StreamConfig{Name: "P", Subjects: []string{"p.>"}, AllowRollup: true, MaxMsgSize: 100, AllowMsgTTL: true})
	if err != nil {
		t.Fatal(err)
	}
	ack, err := js.Publish(ctx, "p.a", []byte("1"), jetstream.WithMsgID("id1"))
	if err != nil || ack.Sequence != 1 || ack.Stream != "P" || ack.Duplicate {
		t.Fatalf("ack: %+v %v", ack, err)
	}
	ack, err = js.Publish(ctx, "p.a", []byte("1"), jetstream.WithMsgID("id1"))
	if err != nil || ack.Sequence != 1 || !ack.Duplicate {
		t.Fatalf("duplicate: %+v %v", ack, err)
	}
	if _, err := js.Publish(ctx, "p.b", []byte("2"), jetstream.WithExpectStream("Q")); apiErrCode(err) != 10060 {
		t.Fatalf("expected stream: %v", err)
	}
	if _, err := js.Publish(ctx, "p.b", []byte("2"), jetstream.WithExpectLastSequence(7)); apiErrCode(err) != 10071 || !strings.Contains(err.Error(), "wrong last sequence: 1") {
		t.Fatalf("expected last seq: %v", err)
	}
	if _, err := js.Publish(ctx, "p.b", []byte("2"), jetstream.WithExpectLastSequence(1)); err != nil {
		t.Fatal(err)
	}
	if _, err := js.Publish(ctx, "p.a", []byte("3"), jetstream.WithExpectLastSequencePerSubject(2)); apiErrCode(err) != 10071 {
		t.Fatalf("expected last subject seq: %v", err)
	}
	if _, err := js.Publish(ctx, "p.a", []byte("3"), jetstream.WithExpectLastSequencePerSubject(1)); err != nil {
		t.Fatal(err)
	}
	if _, err := js.Publish(ctx, "p.a", []byte("4"), jetstream.WithExpectLastMsgID("zz")); apiErrCode(err) != 10070 || !strings.Contains(err.Error(), "wrong last msg ID: id1") {
		t.Fatalf("expected last msg id: %v", err)
	}
	if _, err := js.Publish(ctx, "p.a", make([]byte, 200)); apiErrCode(err) != 10054 {
		t.Fatalf("max_msg_size: %v", err)
	}
	m := nats.NewMsg("p.a")
	m.Header.Set("Nats-TTL", "bad")
	if _, err := js.PublishMsg(ctx, m); apiErrCode(err) != 10165 {
		t.Fatalf("bad ttl: %v", err)
	}
	// Rollups.
	js.Publish(ctx, "p.c", []byte("c1"))
	js.Publish(ctx, "p.c", []byte("c2"))
	m = nats.NewMsg("p.c")
	m.Header.Set("Nats-Rollup", "sub")
	m.Data = []byte("c3")
	if _, err := js.PublishMsg(ctx, m); err != nil {
		t.Fatal(err)
	}
	info, _ := st.Info(ctx, jetstream.WithSubjectFilter("p.c"))
	if info.State.Subjects["p.c"] != 1 {
		t.Fatalf("rollup sub: %v", info.State.Subjects)
	}
	m.Header.Set("Nats-Rollup", "bogus")
	if _, err := js.PublishMsg(ctx, m); apiErrCode(err) != 10111 || !strings.Contains(err.Error(), `rollup value invalid: "bogus"`) {
		t.Fatalf("bad rollup: %v", err)
	}
	m.Header.Set("Nats-Rollup", "all")
	if _, err := js.PublishMsg(ctx, m); err != nil {
		t.Fatal(err)
	}
	info, _ = st.Info(ctx)
	if info.State.Msgs != 1 {
		t.Fatalf("rollup all: %+v", info.State)
	}
	// A core publish without a reply is stored too.
	last := info.State.LastSeq
	nc.Publish("p.core", []byte("x"))
	nc.Flush()
	waitFor(t, func() bool { i, _ := st.Info(ctx); return i.State.LastSeq == last+1 })
	// Rollup refused without allow_rollup_hdrs.
	js.CreateStream(ctx, jetstream.StreamConfig{Name: "NR", Subjects: []string{"nr"}})
	m = nats.NewMsg("nr")
	m.Header.Set("Nats-Rollup", "all")
	if _, err := js.PublishMsg(ctx, m); apiErrCode(err) != 10111 {
		t.Fatalf("rollup not permitted: %v", err)
	}
	if _, err := js.Publish(ctx, "nr", nil, jetstream.WithMsgTTL(time.Minute)); apiErrCode(err) != 10166 {
		t.Fatalf("ttl disabled: %v", err)
	}
}

// waitFor polls cond for up to 10 seconds.
func waitFor(t testing.TB, cond func() bool) {
	t.Helper()
	deadline := time.Now().Add(20 * time.Second)
	for !cond() {
		if time.Now().After(deadline) {
			t.Fatal("condition not met in time")
		}
		time.Sleep(10 * time.Millisecond)
	}
}

// TestJetStreamGetPurgeDelete: MSG.GET, DIRECT.GET, purge with
// filter/seq/keep, message delete, deny_delete and deny_purge.
func TestJetStreamGetPurgeDelete(t *testing.T) {
	s := jsStart(t, "", nil)
	nc, js := jsConnect(t, s)
	ctx := jsCtx(t)
	st, err := js.CreateStream(ctx, jetstream.StreamConfig{Name: "G", Subjects: []string{"g.>"}, AllowDirect: true})
	if err != nil {
		t.Fatal(err)
	}
	for i, subj := range []string{"g.a", "g.b", "g.a", "g.c", "g.a"} {
		if _, err := js.Publish(ctx, subj, []byte{byte('0' + i)}); err != nil {
			t.Fatal(err)
		}
	}
	m, err := st.GetMsg(ctx, 2)
	if err != nil || m.Subject != "g.b" || string(m.Data) != "1" {
		t.Fatalf("get: %+v %v", m, err)
	}
	m, err = st.GetLastMsgForSubject(ctx, "g.a")
	if err != nil || m.Sequence != 5 {
		t.Fatalf("last: %+v %v", m, err)
	}
	if _, err := st.GetMsg(ctx, 99); !errors.Is(err, jetstream.ErrMsgNotFound) {
		t.Fatalf("missing: %v", err)
	}
	// Direct get by subject in the request subject, and a batch.
	rm, err := nc.Request("$JS.API.DIRECT.GET.G.g.c", nil, 10*time.Second)
	if err != nil || rm.Header.Get("Nats-Sequence") != "4" || rm.Header.Get("Nats-Stream") != "G" {
		t.Fatalf("direct last: %v %v", rm, err)
	}
	inbox := nats.NewInbox()
	sub, _ := nc.SubscribeSync(inbox)
	nc.PublishRequest("$JS.API.DIRECT.GET.G", inbox, []byte(`{"seq":1,"batch":2,"next_by_subj":"g.a"}`))
	var got []string
	for i := 0; i < 3; i++ {
		m, err := sub.NextMsg(10 * time.Second)
		if err != nil {
			t.Fatal(err)
		}
		got = append(got, m.Header.Get("Nats-Sequence")+"/"+m.Header.Get("Nats-Num-Pending")+"/"+m.Header.Get("Status"))
	}
	if strings.Join(got, " ") != "1/2/ 3/1/ /1/204" {
		t.Fatalf("batch: %v", got)
	}
	rm, _ = nc.Request("$JS.API.DIRECT.GET.G", []byte(`{"seq":99}`), 2*time.Second)
	if rm == nil || rm.Header.Get("Status") != "404" {
		t.Fatalf("direct missing: %v", rm)
	}
	// Delete and purge.
	if err := st.DeleteMsg(ctx, 2); err != nil {
		t.Fatal(err)
	}
	if err := st.DeleteMsg(ctx, 2); apiErrCode(err) != 10057 {
		t.Fatalf("delete again: %v", err)
	}
	if err := st.Purge(ctx, jetstream.WithPurgeSubject("g.a"), jetstream.WithPurgeKeep(1)); err != nil {
		t.Fatal(err)
	}
	info, _ := st.Info(ctx)
	if info.State.Msgs != 2 {
		t.Fatalf("after purge keep: %+v", info.State)
	}
	if err := st.Purge(ctx, jetstream.WithPurgeSequence(5)); err != nil {
		t.Fatal(err)
	}
	info, _ = st.Info(ctx)
	if info.State.Msgs != 1 || info.State.FirstSeq != 5 {
		t.Fatalf("after purge seq: %+v", info.State)
	}
	if err := st.Purge(ctx); err != nil {
		t.Fatal(err)
	}
	// deny_delete and deny_purge.
	d, _ := js.CreateStream(ctx, jetstream.StreamConfig{Name: "D", Subjects: []string{"d"}, DenyDelete: true, DenyPurge: true})
	js.Publish(ctx, "d", nil)
	if err := d.DeleteMsg(ctx, 1); apiErrCode(err) != 10057 || !strings.Contains(err.Error(), "message delete not permitted") {
		t.Fatalf("deny delete: %v", err)
	}
	if err := d.Purge(ctx); apiErrCode(err) != 10110 || !strings.Contains(err.Error(), "stream purge not permitted") {
		t.Fatalf("deny purge: %v", err)
	}
}

// TestJetStreamLimitsAndExpiry: max_msgs with discard new and old,
// max_age and per-message TTLs.
func TestJetStreamLimitsAndExpiry(t *testing.T) {
	s := jsStart(t, "", nil)
	_, js := jsConnect(t, s)
	ctx := jsCtx(t)
	js.CreateStream(ctx, jetstream.StreamConfig{Name: "N", Subjects: []string{"n"}, MaxMsgs: 2, Discard: jetstream.DiscardNew})
	js.Publish(ctx, "n", nil)
	js.Publish(ctx, "n", nil)
	if _, err := js.Publish(ctx, "n", nil); apiErrCode(err) != 10077 || !strings.Contains(err.Error(), "maximum messages exceeded") {
		t.Fatalf("discard new: %v", err)
	}
	o, _ := js.CreateStream(ctx, jetstream.StreamConfig{Name: "O", Subjects: []string{"o"}, MaxMsgs: 2})
	for i := 0; i < 5; i++ {
		js.Publish(ctx, "o", nil)
	}
	if i, _ := o.Info(ctx); i.State.Msgs != 2 || i.State.FirstSeq != 4 {
		t.Fatalf("discard old: %+v", i.State)
	}
	a, _ := js.CreateStream(ctx, jetstream.StreamConfig{Name: "A", Subjects: []string{"a"}, MaxAge: 300 * time.Millisecond, Storage: jetstream.MemoryStorage})
	js.Publish(ctx, "a", nil)
	waitFor(t, func() bool { i, _ := a.Info(ctx); return i.State.Msgs == 0 })
	ttl, _ := js.CreateStream(ctx, jetstream.StreamConfig{Name: "T", Subjects: []string{"t"}, AllowMsgTTL: true})
	js.Publish(ctx, "t", nil, jetstream.WithMsgTTL(time.Second))
	js.Publish(ctx, "t", nil)
	waitFor(t, func() bool { i, _ := ttl.Info(ctx); return i.State.Msgs == 1 && i.State.FirstSeq == 2 })
}

// TestJetStreamRestart: file streams come back with their messages after
// a restart; a stream with a damaged meta.inf is skipped, the others load.
func TestJetStreamRestart(t *testing.T) {
	dir := t.TempDir()
	s := jsStart(t, dir, nil)
	_, js := jsConnect(t, s)
	ctx := jsCtx(t)
	for _, n := range []string{"R1", "R2"} {
		if _, err := js.CreateStream(ctx, jetstream.StreamConfig{Name: n, Subjects: []string{strings.ToLower(n) + ".>"}, Compression: jetstream.S2Compression}); err != nil {
			t.Fatal(err)
		}
	}
	for i := 0; i < 100; i++ {
		js.Publish(ctx, "r1.x", []byte("payload"), jetstream.WithMsgID(string(rune('a'+i%26))+strings.Repeat("x", i)))
	}
	js.Publish(ctx, "r2.x", nil)
	st, _ := js.Stream(ctx, "R1")
	st.DeleteMsg(ctx, 50)
	s.Shutdown()
	os.WriteFile(filepath.Join(dir, "jetstream", "$G", "streams", "R2", "meta.inf"), []byte("{garbage"), 0o600)

	s2 := jsStart(t, dir, nil)
	_, js2 := jsConnect(t, s2)
	st2, err := js2.Stream(ctx, "R1")
	if err != nil {
		t.Fatal(err)
	}
	i := st2.CachedInfo()
	if i.State.Msgs != 99 || i.State.LastSeq != 100 || i.State.NumDeleted != 1 || i.Config.Compression != jetstream.S2Compression {
		t.Fatalf("recovered: %+v", i.State)
	}
	if _, err := js2.Stream(ctx, "R2"); !errors.Is(err, jetstream.ErrStreamNotFound) {
		t.Fatalf("damaged stream: %v", err)
	}
	ack, err := js2.Publish(ctx, "r1.x", nil)
	if err != nil || ack.Sequence != 101 {
		t.Fatalf("publish after restart: %+v %v", ack, err)
	}
}

// TestJetStreamUnwritableStore: a stream whose directory can not be made
// gets "insufficient resources"; core NATS and other streams go on.
func TestJetStreamUnwritableStore(t *testing.T) {
	dir := t.TempDir()
	s := jsStart(t, dir, nil)
	nc, js := jsConnect(t, s)
	ctx := jsCtx(t)
	sdir := filepath.Join(dir, "jetstream", "$G", "streams")
	os.MkdirAll(sdir, 0o750)
	os.WriteFile(filepath.Join(sdir, "BLOCKED"), []byte("a file where the stream's directory goes"), 0o600)
	if _, err := js.CreateStream(ctx, jetstream.StreamConfig{Name: "BLOCKED"}); apiErrCode(err) != 10023 {
		t.Fatalf("blocked: %v", err)
	}
	if _, err := js.CreateStream(ctx, jetstream.StreamConfig{Name: "OK"}); err != nil {
		t.Fatal(err)
	}
	if _, err := nc.Request("nobody", nil, 10*time.Second); !errors.Is(err, nats.ErrNoResponders) {
		t.Fatalf("core NATS: %v", err)
	}
}

// TestJetStreamAccounts: only accounts with a jetstream key have it; the
// others get "JetStream not enabled for account"; limits are enforced.
func TestJetStreamAccounts(t *testing.T) {
	o := accOpts(t, `
jetstream { store_dir: "`+t.TempDir()+`", max_memory_store: 1GB, max_file_store: 1GB }
accounts {
  A { users [{user: a, password: a}] }
  B { users [{user: b, password: b}], jetstream: enabled }
  C { users [{user: c, password: c}], jetstream { max_mem: 1MB, max_file: 2KB, max_streams: 1, max_consumers: 5 } }
}`)
	s := clStart(t, o)
	ctx := jsCtx(t)
	js := func(user string) jetstream.JetStream {
		j, err := jetstream.New(accConnect(t, s, user))
		if err != nil {
			t.Fatal(err)
		}
		return j
	}
	if _, err := js("a").AccountInfo(ctx); !errors.Is(err, jetstream.ErrJetStreamNotEnabledForAccount) {
		t.Fatalf("A: %v", err)
	}
	if _, err := js("b").CreateStream(ctx, jetstream.StreamConfig{Name: "S"}); err != nil {
		t.Fatal(err)
	}
	c := js("c")
	ai, err := c.AccountInfo(ctx)
	if err != nil || ai.Limits.MaxStreams != 1 || ai.Limits.MaxStore != 2048 || ai.Limits.MaxMemory != 1<<20 {
		t.Fatalf("C: %+v %v", ai, err)
	}
	// The same stream name in another account is another stream.
	if _, err := c.CreateStream(ctx, jetstream.StreamConfig{Name: "S"}); err != nil {
		t.Fatal(err)
	}
	if _, err := c.CreateStream(ctx, jetstream.StreamConfig{Name: "S2"}); apiErrCode(err) != 10027 {
		t.Fatalf("max streams: %v", err)
	}
	var perr error
	for i := 0; i < 100 && perr == nil; i++ {
		_, perr = c.Publish(ctx, "S", make([]byte, 100))
	}
	if apiErrCode(perr) != 10002 {
		t.Fatalf("max_file: %v", perr)
	}
}

// TestJetStreamAdvisories: created, updated and deleted advisories.
func TestJetStreamAdvisories(t *testing.T) {
	s := jsStart(t, "", nil)
	nc, js := jsConnect(t, s)
	ctx := jsCtx(t)
	sub, _ := nc.SubscribeSync("$JS.EVENT.ADVISORY.STREAM.>")
	nc.Flush()
	js.CreateStream(ctx, jetstream.StreamConfig{Name: "V"})
	js.UpdateStream(ctx, jetstream.StreamConfig{Name: "V", MaxMsgs: 3})
	js.DeleteStream(ctx, "V")
	for _, want := range []string{"CREATED", "UPDATED", "DELETED"} {
		m, err := sub.NextMsg(10 * time.Second)
		if err != nil || m.Subject != "$JS.EVENT.ADVISORY.STREAM."+want+".V" || !strings.Contains(string(m.Data), `"type":"io.nats.jetstream.advisory.v1.stream_action"`) {
			t.Fatalf("%s: %v %v", want, m, err)
		}
	}
}

// TestJetStreamTransformRepublish: subject_transform changes the stored
// subject; republish re-emits stored messages with the stream headers.
func TestJetStreamTransformRepublish(t *testing.T) {
	s := jsStart(t, "", nil)
	nc, js := jsConnect(t, s)
	ctx := jsCtx(t)
	st, err := js.CreateStream(ctx, jetstream.StreamConfig{Name: "TR", Subjects: []string{"in.>"},
		SubjectTransform: &jetstream.SubjectTransformConfig{Source: "in.>", Destination: "stored.>"},
		RePublish:        &jetstream.RePublish{Source: "in.>", Destination: "out.>"}})
	if err != nil {
		t.Fatal(err)
	}
	sub, _ := nc.SubscribeSync("out.>")
	nc.Flush()
	if _, err := js.Publish(ctx, "in.x", []byte("hi")); err != nil {
		t.Fatal(err)
	}
	m, err := st.GetMsg(ctx, 1)
	if err != nil || m.Subject != "stored.x" {
		t.Fatalf("transform: %+v %v", m, err)
	}
	rm, err := sub.NextMsg(10 * time.Second)
	if err != nil || rm.Subject != "out.x" || rm.Header.Get("Nats-Sequence") != "1" || rm.Header.Get("Nats-Stream") != "TR" || string(rm.Data) != "hi" {
		t.Fatalf("republish: %+v %v", rm, err)
	}
}

// TestJetStreamConfigFile: the jetstream block and its errors.
func TestJetStreamConfigFile(t *testing.T) {
	write := func(text string) string {
		p := filepath.Join(t.TempDir(), "js.conf")
		os.WriteFile(p, []byte(text), 0o600)
		return p
	}
	o, err := ProcessConfigFile(write("jetstream {\n store_dir: /data\n max_memory_store: 1GB\n max_file_store: 10GB\n domain: hub\n sync_interval: always\n max_buffered_msgs: 100\n max_buffered_size: 1MB\n}\n"))
	if err != nil {
		t.Fatal(err)
	}
	j := o.JetStream
	if !j.Enabled || j.StoreDir != "/data" || j.MaxMemory != 1<<30 || j.MaxStore != 10<<30 || j.Domain != "hub" || !j.SyncAlways || j.MaxBufferedMsgs != 100 || j.MaxBufferedSize != 1<<20 {
		t.Fatalf("parsed: %+v", j)
	}
	o, err = ProcessConfigFile(write("jetstream: true\naccounts { A { jetstream { max_mem: 1MB, max_bytes_required: true } } }\n"))
	if err != nil || o.Accounts[0].JetStream == nil || o.Accounts[0].JetStream.MaxMemory != 1<<20 || o.Accounts[0].JetStream.MaxStore != -1 {
		t.Fatalf("account limits: %v", err)
	}
	o, err = ProcessConfigFile(write("jetstream: enabled\n"))
	if err != nil || !o.JetStream.Enabled {
		t.Fatalf("enabled: %+v %v", o, err)
	}
	o, err = ProcessConfigFile(write("jetstream { sync_interval: \"30s\" }\n"))
	if err != nil || o.JetStream.SyncInterval != 30*time.Second {
		t.Fatalf("sync: %+v %v", o, err)
	}
	for text, want := range map[string]string{
		"jetstream {\n  stor_dir: /x\n}\n":              `js.conf:2:3: unknown field "stor_dir" in jetstream (did you mean "store_dir"?)`,
		"jetstream: maybe\n":                            `expected enabled or disabled`,
		"accounts { A { jetstream { max_foo: 1 } } }\n": `unknown field "max_foo" in account jetstream`,
	} {
		if _, err := ProcessConfigFile(write(text)); err == nil || !strings.Contains(err.Error(), want) {
			t.Errorf("%q: %v, want %q", text, err, want)
		}
	}
}

// TestJetStreamMonitoring: /jsz with its options and the jetstream
// section of /varz.
func TestJetStreamMonitoring(t *testing.T) {
	s := jsStart(t, "", func(o *Options) { o.HTTPHost, o.HTTPPort = "127.0.0.1", RandomPort })
	_, js := jsConnect(t, s)
	ctx := jsCtx(t)
	js.CreateStream(ctx, jetstream.StreamConfig{Name: "MON", Subjects: []string{"mon"}})
	js.Publish(ctx, "mon", []byte("x"))
	get := func(path string) map[string]any {
		resp, err := http.Get("http://" + s.MonitorAddr().String() + path)
		if err != nil {
			t.Fatal(err)
		}
		defer resp.Body.Close()
		var out map[string]any
		if err := json.NewDecoder(resp.Body).Decode(&out); err != nil {
			t.Fatal(err)
		}
		return out
	}
	j := get("/jsz")
	if j["streams"].(float64) != 1 || j["messages"].(float64) != 1 || j["account_details"] != nil || j["config"] == nil {
		t.Fatalf("/jsz: %v", j)
	}
	j = get("/jsz?config=true")
	ad := j["account_details"].([]any)[0].(map[string]any)
	sd := ad["stream_detail"].([]any)[0].(map[string]any)
	if ad["name"] != "$G" || sd["name"] != "MON" || sd["config"].(map[string]any)["name"] != "MON" {
		t.Fatalf("/jsz?config=true: %v", j)
	}
	v := get("/varz")["jetstream"].(map[string]any)
	if v["config"].(map[string]any)["sync_interval"].(float64) != float64(2*time.Minute) || v["stats"].(map[string]any)["accounts"].(float64) != 1 {
		t.Fatalf("/varz jetstream: %v", v)
	}
}

// TestJetStreamPublishAllocations: storing a published message and
// acking it allocates nothing per message in steady state, from the PUB
// to the PubAck on the wire (but the memory store's copy of the message).
func TestJetStreamPublishAllocations(t *testing.T) {
	if raceEnabled {
		t.Skip("the race detector allocates; run without -race")
	}
	s := jsStart(t, "", nil)
	_, js := jsConnect(t, s)
	ctx := jsCtx(t)
	for _, storage := range []jetstream.StorageType{jetstream.FileStorage, jetstream.MemoryStorage} {
		name := "ALLOC" + storage.String()
		if _, err := js.CreateStream(ctx, jetstream.StreamConfig{Name: name, Subjects: []string{name}, Storage: storage}); err != nil {
			t.Fatal(err)
		}
		conn, br := rawConn(t, s, `{"verbose":false}`)
		io.WriteString(conn, "SUB ack 1\r\nPING\r\n")
		if l, _ := br.ReadString('\n'); l != "PONG\r\n" {
			t.Fatalf("sub: %q", l)
		}
		const batch = 1000
		var msgs []byte
		for i := 0; i < batch; i++ {
			msgs = append(msgs, "PUB "+name+" ack 128\r\n"+strings.Repeat("x", 128)+"\r\n"...)
		}
		pump := func(rounds int) {
			for r := 0; r < rounds; r++ {
				if _, err := conn.Write(msgs); err != nil {
					t.Fatal(err)
				}
				for i := 0; i < 2*batch; i++ { // MSG line, then the ack
					l, err := br.ReadString('\n')
					if err != nil {
						t.Fatal(err)
					}
					if i == 1 && strings.Contains(l, "error") {
						t.Fatalf("ack: %s", l)
					}
				}
			}
		}
		pump(5)
		var before, after runtime.MemStats
		const rounds = 20
		runtime.ReadMemStats(&before)
		pump(rounds)
		runtime.ReadMemStats(&after)
		total := batch * rounds
		// The test's reader allocates a string per line (2 per message);
		// a memory stream keeps each message in a buffer of its own.
		keep := 0
		if storage == jetstream.MemoryStorage {
			keep = total
		}
		if allocs := after.Mallocs - before.Mallocs - uint64(2*total+keep); allocs > uint64(total/10) {
			t.Fatalf("%s: %d allocations beyond the test's for %d messages", storage, allocs, total)
		}
	}
}

// TestJetStreamDuplicateWindow: a Msg-Id is a duplicate inside the window
// and a new message after it.
func TestJetStreamDuplicateWindow(t *testing.T) {
	s := jsStart(t, "", nil)
	_, js := jsConnect(t, s)
	ctx := jsCtx(t)
	// The second publish must come within the window even on a loaded
	// machine; the window's end is then waited for.
	if _, err := js.CreateStream(ctx, jetstream.StreamConfig{Name: "DW", Subjects: []string{"dw"}, Duplicates: 2 * time.Second}); err != nil {
		t.Fatal(err)
	}
	a1, _ := js.Publish(ctx, "dw", nil, jetstream.WithMsgID("x"))
	a2, _ := js.Publish(ctx, "dw", nil, jetstream.WithMsgID("x"))
	if a1 == nil || a2 == nil || !a2.Duplicate || a2.Sequence != a1.Sequence {
		t.Fatalf("inside the window: %+v %+v", a1, a2)
	}
	waitFor(t, func() bool {
		a, err := js.Publish(ctx, "dw", nil, jetstream.WithMsgID("x"))
		return err == nil && !a.Duplicate && a.Sequence == 2
	})
}

// TestJetStreamSubjectDeleteMarkers: when max_age removes a subject's
// last message, a marker takes its place, and goes after its own TTL.
func TestJetStreamSubjectDeleteMarkers(t *testing.T) {
	s := jsStart(t, "", nil)
	_, js := jsConnect(t, s)
	ctx := jsCtx(t)
	st, err := js.CreateStream(ctx, jetstream.StreamConfig{Name: "SDM", Subjects: []string{"sdm.>"},
		MaxAge: time.Second, SubjectDeleteMarkerTTL: time.Second})
	if err != nil {
		t.Fatal(err)
	}
	if c := st.CachedInfo().Config; !c.AllowMsgTTL || !c.AllowRollup {
		t.Fatalf("defaults: %+v", c)
	}
	js.Publish(ctx, "sdm.a", []byte("1"))
	var marker *jetstream.RawStreamMsg
	waitFor(t, func() bool {
		m, err := st.GetMsg(ctx, 2)
		marker = m
		return err == nil
	})
	if marker.Subject != "sdm.a" || marker.Header.Get("Nats-Marker-Reason") != "MaxAge" || marker.Header.Get("Nats-TTL") != "1s" ||
		marker.Header.Get("Nats-Rollup") != "sub" || len(marker.Data) != 0 {
		t.Fatalf("marker: %+v", marker)
	}
	waitFor(t, func() bool { i, _ := st.Info(ctx); return i.State.Msgs == 0 && i.State.LastSeq == 2 })
}
