package server

import (
	"encoding/json"
	"testing"
	"time"

	"github.com/nats-io/nats.go"
	"github.com/nats-io/nats.go/jetstream"
)

// TestJetStreamConcurrentRestores: two restores of one stream name, both
// begun before either ended, end at the same time: one builds the stream,
// the other is refused as a stream that exists (the end of a restore is
// ordered with the other JetStream API requests).
func TestJetStreamConcurrentRestores(t *testing.T) {
	s := jsStart(t, "", nil)
	nc, js := jsConnect(t, s)
	ctx := jsCtx(t)
	if _, err := js.CreateStream(ctx, jetstream.StreamConfig{Name: "S", Subjects: []string{"s.>"}, Storage: jetstream.MemoryStorage}); err != nil {
		t.Fatal(err)
	}
	for i := 0; i < 3000; i++ {
		js.PublishAsync("s.a", []byte("some payload of a message"))
	}
	select {
	case <-js.PublishAsyncComplete():
	case <-time.After(10 * time.Second):
		t.Fatal("publish")
	}
	resp, data, _ := snapshotRaw(t, nc, "S", `{"deliver_subject":"snap.in","chunk_size":65536}`)
	if err := js.DeleteStream(ctx, "S"); err != nil {
		t.Fatal(err)
	}
	meta, _ := json.Marshal(map[string]any{"config": resp["config"], "state": resp["state"]})
	var subjs []string
	for i := 0; i < 2; i++ {
		r := rawAPI(t, nc, "$JS.API.STREAM.RESTORE.S", string(meta))
		subj, _ := r["deliver_subject"].(string)
		if subj == "" {
			t.Fatalf("restore %d: %v", i, r)
		}
		for rest := data; len(rest) > 0; {
			n := min(len(rest), 65536)
			if _, err := nc.Request(subj, rest[:n], 5*time.Second); err != nil {
				t.Fatal(err)
			}
			rest = rest[n:]
		}
		subjs = append(subjs, subj)
	}
	inbox := nats.NewInbox()
	sub, _ := nc.SubscribeSync(inbox)
	for _, subj := range subjs {
		nc.PublishRequest(subj, inbox, nil)
	}
	ok := 0
	for range subjs {
		m, err := sub.NextMsg(10 * time.Second)
		if err != nil {
			t.Fatal(err)
		}
		var out map[string]any
		json.Unmarshal(m.Data, &out)
		if out["error"] == nil {
			ok++
		}
	}
	if ok != 1 {
		t.Fatalf("%d restores of one stream succeeded, want 1", ok)
	}
	names := 0
	for n := range js.StreamNames(ctx).Name() {
		if n == "S" {
			names++
		}
	}
	if names != 1 {
		t.Fatalf("stream S listed %d times", names)
	}
}
