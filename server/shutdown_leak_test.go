package server

import (
	"encoding/json"
	"math/rand/v2"
	"os"
	"path/filepath"
	"runtime"
	"strings"
	"testing"
	"time"

	"github.com/nats-io/nats.go"
	"github.com/nats-io/nats.go/jetstream"
)

// natsdGoroutines returns the stacks of the running goroutines that are
// in natsd's own code (not in a test helper), by goroutine header
// ("goroutine 12 [select]:" without the state, which changes).
func natsdGoroutines() map[string]string {
	buf := make([]byte, 1<<20)
	for {
		n := runtime.Stack(buf, true)
		if n < len(buf) {
			buf = buf[:n]
			break
		}
		buf = make([]byte, 2*len(buf))
	}
	out := make(map[string]string)
	for _, g := range strings.Split(string(buf), "\n\n") {
		head, _, _ := strings.Cut(g, "\n")
		id, _, _ := strings.Cut(head, " [")
		// Frames only, not "created by": a client library's goroutine
		// started from natsd code is not natsd's.
		inNatsd := false
		for _, line := range strings.Split(g, "\n") {
			if strings.HasPrefix(line, "github.com/natsd/natsd/") {
				inNatsd = true
			}
		}
		if inNatsd && !strings.Contains(g, "_test.go") {
			out[id] = g
		}
	}
	return out
}

// checkShutdownLeaves returns a function to call right after Shutdown
// returned: it fails the test for every natsd goroutine that was not
// running when checkShutdownLeaves was called. Shutdown waits for what
// it started, so nothing may be left at that moment, not even a cleanup
// that is about to end (it could touch a store directory the caller
// removes next). The server tests do not run in parallel, so no other
// test's server is running meanwhile.
func checkShutdownLeaves(t *testing.T) func() {
	before := natsdGoroutines()
	return func() {
		t.Helper()
		for id, g := range natsdGoroutines() {
			if _, ok := before[id]; !ok {
				t.Errorf("natsd goroutine still running after Shutdown returned:\n%s", g)
			}
		}
	}
}

// TestJetStreamShutdownWaitsForEverything: Shutdown returns only once the
// goroutines JetStream started are gone: a restore half received (its
// temporary file removed), a snapshot waiting for its receiver's acks,
// consumers with waiting pull requests, push consumers, a sourcing stream
// and ephemerals that go away by inactivity at about the same time.
func TestJetStreamShutdownWaitsForEverything(t *testing.T) {
	for round := 0; round < 3; round++ {
		leaves := checkShutdownLeaves(t)
		dir := t.TempDir()
		s := jsStart(t, dir, nil)
		nc, js := jsConnect(t, s)
		ctx := jsCtx(t)
		st := jsStream(t, js, jetstream.StreamConfig{}, 50)
		if _, err := js.CreateStream(ctx, jetstream.StreamConfig{Name: "SRC", Sources: []*jetstream.StreamSource{{Name: "S"}}}); err != nil {
			t.Fatal(err)
		}

		// Consumers: a pull consumer with a request waiting, a push
		// consumer nobody acks, ephemerals expiring about now.
		if _, err := st.CreateConsumer(ctx, jetstream.ConsumerConfig{Durable: "P", AckPolicy: jetstream.AckExplicitPolicy}); err != nil {
			t.Fatal(err)
		}
		nc.PublishRequest("$JS.API.CONSUMER.MSG.NEXT.S.P", nats.NewInbox(), []byte(`{"batch":100,"expires":60000000000}`))
		push, _ := nc.SubscribeSync("push.in")
		rawAPI(t, nc, "$JS.API.CONSUMER.CREATE.S.PUSH", `{"stream_name":"S","config":{"durable_name":"PUSH","deliver_subject":"push.in","ack_policy":"explicit"}}`)
		if _, err := push.NextMsg(10 * time.Second); err != nil {
			t.Fatal(err)
		}
		for i := 0; i < 5; i++ {
			if _, err := st.CreateConsumer(ctx, jetstream.ConsumerConfig{InactiveThreshold: time.Duration(10+20*round+i) * time.Millisecond}); err != nil {
				t.Fatal(err)
			}
		}

		// A snapshot whose receiver takes the first chunks and never acks.
		snap, _ := nc.SubscribeSync("snap.in")
		if _, err := js.CreateStream(ctx, jetstream.StreamConfig{Name: "BIG", Subjects: []string{"big"}}); err != nil {
			t.Fatal(err)
		}
		rng := rand.New(rand.NewPCG(1, uint64(round)))
		pay := make([]byte, 1000)
		for range 10 {
			for j := range pay {
				pay[j] = byte(rng.Uint32()) // s2 can not shrink it
			}
			if _, err := js.Publish(ctx, "big", pay); err != nil {
				t.Fatal(err)
			}
		}
		rawAPI(t, nc, "$JS.API.STREAM.SNAPSHOT.BIG", `{"deliver_subject":"snap.in","chunk_size":1024,"window_size":1024}`)
		if _, err := snap.NextMsg(10 * time.Second); err != nil {
			t.Fatal("first snapshot chunk:", err)
		}

		// A restore that got one chunk and waits for the rest.
		meta, _ := json.Marshal(map[string]any{"config": map[string]any{"name": "R", "subjects": []string{"r"}, "storage": "file", "retention": "limits", "num_replicas": 1}, "state": map[string]any{}})
		resp := rawAPI(t, nc, "$JS.API.STREAM.RESTORE.R", string(meta))
		subj, _ := resp["deliver_subject"].(string)
		if subj == "" {
			t.Fatalf("restore: %v", resp)
		}
		if _, err := nc.Request(subj, []byte("part of an archive"), 10*time.Second); err != nil {
			t.Fatal("restore chunk:", err)
		}

		time.Sleep(time.Duration(20*round) * time.Millisecond) // some ephemerals expire during Shutdown
		s.Shutdown()
		leaves()
		tmp, _ := filepath.Glob(filepath.Join(dir, "jetstream", "restore-*"))
		if len(tmp) > 0 {
			t.Errorf("restore's temporary file left after Shutdown: %v", tmp)
		}
		nc.Close()
		if _, err := os.Stat(dir); err != nil {
			t.Fatal(err)
		}
		if t.Failed() {
			return
		}
	}
}
