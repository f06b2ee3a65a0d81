package server

import (
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/nats-io/nats.go"
	"github.com/nats-io/nats.go/jetstream"
)

// TestJetStreamReload: a reload turns JetStream on and off in accounts
// (streams found again on disk), changes account limits, raises the
// server's limits, turns JetStream itself off and on, and refuses what
// nats-server refuses, with its text.
func TestJetStreamReload(t *testing.T) {
	dir := t.TempDir()
	path := filepath.Join(t.TempDir(), "js.conf")
	conf := func(js, accB string) {
		t.Helper()
		text := fmt.Sprintf("listen: 127.0.0.1:-1\n%s\naccounts {\n A: { users: [{user: a, password: a}], jetstream: enabled }\n B: { users: [{user: b, password: b}]%s }\n}\n", js, accB)
		if err := os.WriteFile(path, []byte(text), 0o600); err != nil {
			t.Fatal(err)
		}
	}
	top := fmt.Sprintf("jetstream { store_dir: %q, max_mem: 100MB, max_file: 1GB }", dir)
	conf(top, "")
	o, err := ProcessConfigFile(path)
	if err != nil {
		t.Fatal(err)
	}
	o.NoLog = true
	s := startTestServer(t, o)
	connect := func(user string) (*nats.Conn, jetstream.JetStream) {
		return jsConnect(t, s, nats.UserInfo(user, user))
	}
	ctx := jsCtx(t)
	_, jsb := connect("b")
	if _, err := jsb.AccountInfo(ctx); apiErrCode(err) != 10039 {
		t.Fatalf("B before: %v", err)
	}
	reload := func() {
		t.Helper()
		if err := s.Reload(); err != nil {
			t.Fatal(err)
		}
	}

	// B gets JetStream with limits.
	conf(top, ", jetstream: { max_mem: 10MB, max_file: 20MB, max_streams: 2 }")
	reload()
	ai, err := jsb.AccountInfo(ctx)
	if err != nil || ai.Limits.MaxStreams != 2 || ai.Limits.MaxStore != 20<<20 {
		t.Fatalf("B enabled: %+v %v", ai, err)
	}
	for _, n := range []string{"S1", "S2"} {
		if _, err := jsb.CreateStream(ctx, jetstream.StreamConfig{Name: n, Subjects: []string{strings.ToLower(n)}}); err != nil {
			t.Fatal(err)
		}
	}
	jsb.Publish(ctx, "s1", []byte("kept"))

	// Lower limits: nothing removed, no new stream.
	conf(top, ", jetstream: { max_mem: 10MB, max_file: 20MB, max_streams: 1 }")
	reload()
	if _, err := jsb.CreateStream(ctx, jetstream.StreamConfig{Name: "S3", Subjects: []string{"s3"}}); apiErrCode(err) != 10027 {
		t.Fatalf("over max_streams: %v", err)
	}
	if ai, _ := jsb.AccountInfo(ctx); ai.Streams != 2 || ai.Limits.MaxStreams != 1 {
		t.Fatalf("after lowering: %+v", ai)
	}

	// B loses JetStream, then gets it back with its streams.
	conf(top, "")
	reload()
	if _, err := jsb.AccountInfo(ctx); apiErrCode(err) != 10039 {
		t.Fatalf("B disabled: %v", err)
	}
	conf(top, ", jetstream: enabled")
	reload()
	st, err := jsb.Stream(ctx, "S1")
	if err != nil {
		t.Fatal(err)
	}
	if m, err := st.GetMsg(ctx, 1); err != nil || string(m.Data) != "kept" {
		t.Fatalf("S1 after re-enable: %v %v", m, err)
	}

	// Server limits go up, not down; other keys are refused.
	conf(fmt.Sprintf("jetstream { store_dir: %q, max_mem: 200MB, max_file: 2GB }", dir), ", jetstream: enabled")
	reload()
	if c := s.js.Load().configVarz(); c.MaxMemory != 200<<20 || c.MaxStore != 2<<30 {
		t.Fatalf("raised limits: %+v", c)
	}
	for js, want := range map[string]string{
		fmt.Sprintf("jetstream { store_dir: %q, max_mem: 100MB, max_file: 2GB }", dir):                         "config reload not supported for decreasing jetstream max memory and store",
		fmt.Sprintf("jetstream { store_dir: %q, max_mem: 200MB, max_file: 2GB }", dir+"x"):                     "config reload not supported for jetstream storage directory",
		fmt.Sprintf("jetstream { store_dir: %q, max_mem: 200MB, max_file: 2GB, domain: hub }", dir):            "config reload not supported for JetStreamDomain: old=, new=hub",
		fmt.Sprintf("jetstream { store_dir: %q, max_mem: 200MB, max_file: 2GB, sync_interval: \"10s\" }", dir): "config reload not supported for SyncInterval: old=2m0s, new=10s",
		fmt.Sprintf("jetstream { store_dir: %q, max_mem: 200MB, max_file: 2GB, max_buffered_msgs: 5 }", dir):   "config reload not supported for StreamMaxBufferedMsgs: old=0, new=5",
	} {
		conf(js, ", jetstream: enabled")
		if err := s.Reload(); err == nil || err.Error() != want {
			t.Errorf("%s: %v, want %q", js, err, want)
		}
	}

	// JetStream off, then on again.
	conf("jetstream: disabled", ", jetstream: enabled")
	reload()
	_, jsa := connect("a")
	if _, err := jsa.AccountInfo(ctx); err == nil {
		t.Fatal("JetStream answered while off")
	}
	conf(fmt.Sprintf("jetstream { store_dir: %q, max_mem: 200MB, max_file: 2GB }", dir), ", jetstream: enabled")
	reload()
	if _, err := jsb.Stream(ctx, "S2"); err != nil {
		t.Fatalf("S2 after JetStream came back: %v", err)
	}
	if _, err := jsa.AccountInfo(ctx); err != nil {
		t.Fatalf("A after JetStream came back: %v", err)
	}
}
