package server

import (
	"fmt"
	"os"
	"strings"
	"testing"
	"time"

	"github.com/nats-io/nats.go"
	"github.com/nats-io/nats.go/jetstream"
)

func streamInfo(t *testing.T, js jetstream.JetStream, name string) *jetstream.StreamInfo {
	t.Helper()
	st, err := js.Stream(jsCtx(t), name)
	if err != nil {
		t.Fatalf("%s: %v", name, err)
	}
	i, err := st.Info(jsCtx(t))
	if err != nil {
		t.Fatal(err)
	}
	return i
}

// TestJetStreamMirror: a mirror copies its origin at the same sequences
// (the origin's deletions stay gaps), follows new messages, honours
// opt_start_seq and filter_subject, and shows its state in STREAM.INFO.
func TestJetStreamMirror(t *testing.T) {
	s := jsStart(t, "", nil)
	_, js := jsConnect(t, s)
	ctx := jsCtx(t)
	if _, err := js.CreateStream(ctx, jetstream.StreamConfig{Name: "O", Subjects: []string{"o.>"}}); err != nil {
		t.Fatal(err)
	}
	for i := range 6 {
		js.Publish(ctx, "o."+string(rune('a'+i%2)), []byte{byte(i)})
	}
	o, _ := js.Stream(ctx, "O")
	o.DeleteMsg(ctx, 2)
	if _, err := js.CreateStream(ctx, jetstream.StreamConfig{Name: "M", Mirror: &jetstream.StreamSource{Name: "O"}}); err != nil {
		t.Fatal(err)
	}
	if _, err := js.CreateStream(ctx, jetstream.StreamConfig{Name: "MF", Mirror: &jetstream.StreamSource{Name: "O", OptStartSeq: 3, FilterSubject: "o.a"}}); err != nil {
		t.Fatal(err)
	}
	waitFor(t, func() bool { return streamInfo(t, js, "M").State.LastSeq == 6 })
	i := streamInfo(t, js, "M")
	if i.State.Msgs != 5 || i.State.NumDeleted != 1 || i.Mirror == nil || i.Mirror.Name != "O" || i.Mirror.Lag != 0 || i.Mirror.Active < 0 {
		t.Fatalf("mirror: %+v %+v", i.State, i.Mirror)
	}
	waitFor(t, func() bool { return streamInfo(t, js, "MF").State.LastSeq == 5 })
	if i := streamInfo(t, js, "MF"); i.State.Msgs != 2 || i.State.FirstSeq != 3 || i.Mirror.FilterSubject != "o.a" {
		t.Fatalf("filtered mirror: %+v %+v", i.State, i.Mirror)
	}
	m, _ := js.Stream(ctx, "M")
	got, err := m.GetMsg(ctx, 4)
	if err != nil || got.Subject != "o.b" || got.Data[0] != 3 || len(got.Header) != 0 {
		t.Fatalf("mirrored message: %+v %v", got, err)
	}
	// Live: a new origin message reaches the mirror.
	js.Publish(ctx, "o.a", []byte("live"))
	waitFor(t, func() bool { r, err := m.GetMsg(ctx, 7); return err == nil && string(r.Data) == "live" })

	// What nats-server refuses.
	for _, tc := range []struct {
		cfg  jetstream.StreamConfig
		code int
	}{
		{jetstream.StreamConfig{Name: "X", Subjects: []string{"x"}, Mirror: &jetstream.StreamSource{Name: "O"}}, 10034},
		{jetstream.StreamConfig{Name: "X", Mirror: &jetstream.StreamSource{Name: "O"}, SubjectDeleteMarkerTTL: time.Second}, 10052},
		{jetstream.StreamConfig{Name: "X", Subjects: []string{"x"}, Sources: []*jetstream.StreamSource{{Name: "O"}, {Name: "O"}}}, 10140},
		{jetstream.StreamConfig{Name: "X", Subjects: []string{"x"}, Sources: []*jetstream.StreamSource{{Name: "O", FilterSubject: "o.a",
			SubjectTransforms: []jetstream.SubjectTransformConfig{{Source: "o.b", Destination: "z"}}}}}, 10144},
	} {
		if _, err := js.CreateStream(ctx, tc.cfg); apiErrCode(err) != tc.code {
			t.Errorf("%+v: %v, want %d", tc.cfg, err, tc.code)
		}
	}
	if _, err := js.UpdateStream(ctx, jetstream.StreamConfig{Name: "M", Mirror: &jetstream.StreamSource{Name: "P"}}); apiErrCode(err) != 10055 {
		t.Fatalf("mirror update: %v", err)
	}
}

// TestJetStreamSources: a stream merges two origins (one filtered, one
// transformed) with the Nats-Stream-Source header, waits for an origin
// that does not exist yet, and takes a source added by an update.
func TestJetStreamSources(t *testing.T) {
	s := jsStart(t, "", nil)
	_, js := jsConnect(t, s)
	ctx := jsCtx(t)
	js.CreateStream(ctx, jetstream.StreamConfig{Name: "A", Subjects: []string{"a.>"}})
	js.CreateStream(ctx, jetstream.StreamConfig{Name: "B", Subjects: []string{"b.>"}})
	for i := range 4 {
		js.Publish(ctx, fmt.Sprintf("a.%d", i%2), []byte("a"))
		js.Publish(ctx, "b.x", []byte("b"))
	}
	_, err := js.CreateStream(ctx, jetstream.StreamConfig{Name: "S", Subjects: []string{"s.>"}, Sources: []*jetstream.StreamSource{
		{Name: "A", FilterSubject: "a.1"},
		{Name: "B", SubjectTransforms: []jetstream.SubjectTransformConfig{{Source: "b.>", Destination: "bb.>"}}},
		{Name: "LATER"},
	}})
	if err != nil {
		t.Fatal(err)
	}
	waitFor(t, func() bool { return streamInfo(t, js, "S").State.Msgs == 6 })
	i := streamInfo(t, js, "S")
	if len(i.Sources) != 3 {
		t.Fatalf("sources: %+v", i.Sources)
	}
	byName := map[string]*jetstream.StreamSourceInfo{}
	for _, si := range i.Sources {
		byName[si.Name] = si
	}
	if a := byName["A"]; a.FilterSubject != "a.1" || a.Lag != 0 {
		t.Fatalf("A: %+v", a)
	}
	if l := byName["LATER"]; l.Active != -1 || l.Error == nil || l.Error.ErrorCode != 10059 {
		t.Fatalf("LATER before it exists: %+v", l)
	}
	st, _ := js.Stream(ctx, "S")
	subjects := map[string]int{}
	for seq := uint64(1); seq <= 6; seq++ {
		m, err := st.GetMsg(ctx, seq)
		if err != nil {
			t.Fatal(err)
		}
		subjects[m.Subject]++
		h := m.Header.Get("Nats-Stream-Source")
		if f := strings.Fields(h); len(f) != 6 || (f[0] != "A" && f[0] != "B") {
			t.Fatalf("header %q", h)
		}
		if m.Subject == "bb.x" && !strings.HasPrefix(h, "B ") || m.Subject == "bb.x" && !strings.Contains(h, " b.> bb.> b.x ") {
			t.Fatalf("transformed source header %q", h)
		}
	}
	if subjects["a.1"] != 2 || subjects["bb.x"] != 4 {
		t.Fatalf("subjects %v", subjects)
	}
	// The missing origin appears and is followed.
	js.CreateStream(ctx, jetstream.StreamConfig{Name: "LATER", Subjects: []string{"later"}})
	js.Publish(ctx, "later", []byte("l"))
	waitFor(t, func() bool { return streamInfo(t, js, "S").State.Msgs == 7 })
	// Publishing to the sourcing stream's own subjects still works.
	if ack, err := js.Publish(ctx, "s.own", nil); err != nil || ack.Sequence != 8 {
		t.Fatalf("own publish: %+v %v", ack, err)
	}
	// An update adds a source (the others go on where they were).
	cfg := i.Config
	cfg.Sources = append(cfg.Sources, &jetstream.StreamSource{Name: "A", FilterSubject: "a.0"})
	if _, err := js.UpdateStream(ctx, cfg); err != nil {
		t.Fatal(err)
	}
	waitFor(t, func() bool { return streamInfo(t, js, "S").State.Msgs == 10 })
	js.Publish(ctx, "b.x", []byte("b"))
	waitFor(t, func() bool { return streamInfo(t, js, "S").State.Msgs == 11 })
	time.Sleep(100 * time.Millisecond) // a duplicate would show up by now
	if n := streamInfo(t, js, "S").State.Msgs; n != 11 {
		t.Fatalf("after update: %d messages, want 11", n)
	}
}

// TestJetStreamSourcesRestart: after a restart a mirror and a source go
// on where they stopped (the mirror from its last sequence, the source
// from its last Nats-Stream-Source header), without duplicates or gaps.
func TestJetStreamSourcesRestart(t *testing.T) {
	dir := t.TempDir()
	s := jsStart(t, dir, nil)
	_, js := jsConnect(t, s)
	ctx := jsCtx(t)
	js.CreateStream(ctx, jetstream.StreamConfig{Name: "O", Subjects: []string{"o"}})
	js.CreateStream(ctx, jetstream.StreamConfig{Name: "M", Mirror: &jetstream.StreamSource{Name: "O"}})
	js.CreateStream(ctx, jetstream.StreamConfig{Name: "S", Subjects: []string{"s"}, Sources: []*jetstream.StreamSource{{Name: "O"}}})
	for i := range 50 {
		js.Publish(ctx, "o", []byte{byte(i)})
	}
	waitFor(t, func() bool {
		return streamInfo(t, js, "M").State.Msgs == 50 && streamInfo(t, js, "S").State.Msgs == 50
	})
	s.Shutdown()

	s2 := jsStart(t, dir, nil)
	_, js2 := jsConnect(t, s2)
	for i := 50; i < 80; i++ {
		js2.Publish(ctx, "o", []byte{byte(i)})
	}
	waitFor(t, func() bool {
		return streamInfo(t, js2, "M").State.Msgs == 80 && streamInfo(t, js2, "S").State.Msgs == 80
	})
	time.Sleep(100 * time.Millisecond) // a duplicate would show up by now
	for _, n := range []string{"M", "S"} {
		i := streamInfo(t, js2, n)
		if i.State.Msgs != 80 || i.State.LastSeq != 80 || i.State.NumDeleted != 0 {
			t.Fatalf("%s after restart: %+v", n, i.State)
		}
		st, _ := js2.Stream(ctx, n)
		for seq := uint64(1); seq <= 80; seq++ {
			m, err := st.GetMsg(ctx, seq)
			if err != nil || m.Data[0] != byte(seq-1) {
				t.Fatalf("%s seq %d: %v %v", n, seq, m, err)
			}
		}
	}
	if si := streamInfo(t, js2, "S").Sources[0]; si.Name != "O" || si.Lag != 0 {
		t.Fatalf("source info after restart: %+v", si)
	}
}

// TestJetStreamSourcesExternal: a source in account B follows a stream
// of account A through B's service import of A's $JS.API.> (the API
// prefix of its external), as with nats-server; the domain's own prefix
// names the local account.
func TestJetStreamSourcesExternal(t *testing.T) {
	dir := t.TempDir()
	path := dir + "/ext.conf"
	conf := fmt.Sprintf(`listen: 127.0.0.1:-1
jetstream { store_dir: %q, domain: hub }
accounts {
  A: { users: [{user: a, password: a}], jetstream: enabled, exports: [ { service: "$JS.API.>" } ] }
  B: { users: [{user: b, password: b}], jetstream: enabled,
       imports: [ { service: { account: A, subject: "$JS.API.>" }, to: "$JS.A.API.>" } ] }
}
`, dir)
	if err := os.WriteFile(path, []byte(conf), 0o600); err != nil {
		t.Fatal(err)
	}
	o, err := ProcessConfigFile(path)
	if err != nil {
		t.Fatal(err)
	}
	o.NoLog = true
	s := startTestServer(t, o)
	_, jsa := jsConnect(t, s, nats.UserInfo("a", "a"))
	_, jsb := jsConnect(t, s, nats.UserInfo("b", "b"))
	ctx := jsCtx(t)
	if _, err := jsa.CreateStream(ctx, jetstream.StreamConfig{Name: "ORDERS", Subjects: []string{"orders"}}); err != nil {
		t.Fatal(err)
	}
	jsb.CreateStream(ctx, jetstream.StreamConfig{Name: "LOCAL", Subjects: []string{"local"}})
	for range 3 {
		jsa.Publish(ctx, "orders", []byte("o"))
		jsb.Publish(ctx, "local", []byte("l"))
	}
	_, err = jsb.CreateStream(ctx, jetstream.StreamConfig{Name: "AGG", Subjects: []string{"agg"}, Sources: []*jetstream.StreamSource{
		{Name: "ORDERS", External: &jetstream.ExternalStream{APIPrefix: "$JS.A.API", DeliverPrefix: "deliver.a"}},
		{Name: "LOCAL", External: &jetstream.ExternalStream{APIPrefix: "$JS.hub.API"}},
		{Name: "ORDERS", External: &jetstream.ExternalStream{APIPrefix: "$JS.NOWHERE.API"}},
	}})
	if err != nil {
		t.Fatal(err)
	}
	waitFor(t, func() bool { return streamInfo(t, jsb, "AGG").State.Msgs == 6 })
	jsa.Publish(ctx, "orders", []byte("live"))
	waitFor(t, func() bool { return streamInfo(t, jsb, "AGG").State.Msgs == 7 })
	// The unreachable origin's error is recorded by its source goroutine,
	// which may not have looked yet.
	waitFor(t, func() bool {
		for _, si := range streamInfo(t, jsb, "AGG").Sources {
			if si.External != nil && si.External.APIPrefix == "$JS.NOWHERE.API" {
				return si.Error != nil
			}
		}
		return false
	})
	i := streamInfo(t, jsb, "AGG")
	for _, si := range i.Sources {
		if si.External == nil {
			t.Fatalf("source without its external: %+v", si)
		}
		if si.External.APIPrefix == "$JS.NOWHERE.API" {
			if si.Active != -1 || si.Error == nil {
				t.Fatalf("unreachable external: %+v", si)
			}
		} else if si.Active < 0 || si.Lag != 0 {
			t.Fatalf("external source: %+v", si)
		}
	}
	if _, err := jsb.CreateStream(ctx, jetstream.StreamConfig{Name: "BAD", Subjects: []string{"bad"}, Sources: []*jetstream.StreamSource{
		{Name: "ORDERS", External: &jetstream.ExternalStream{APIPrefix: "$JS.A.API", DeliverPrefix: "d.*"}}}}); apiErrCode(err) != 10024 {
		t.Fatalf("wildcard deliver prefix: %v", err)
	}
}
