package server

import (
	"bytes"
	"encoding/json"
	"io"
	"math/rand/v2"
	"strings"
	"testing"
	"time"

	"github.com/klauspost/compress/s2"
	"github.com/nats-io/nats.go"
	"github.com/nats-io/nats.go/jetstream"

	"github.com/natsd/natsd/jetstream/archive"
)

// snapshotRaw takes a snapshot as natscli does: the request, then the
// chunks (answering those with a reply) up to the empty end message.
// It returns the API response, the archive and the end message.
func snapshotRaw(t *testing.T, nc *nats.Conn, stream, req string) (map[string]any, []byte, *nats.Msg) {
	t.Helper()
	var cr struct {
		DeliverSubject string `json:"deliver_subject"`
	}
	json.Unmarshal([]byte(req), &cr)
	sub, err := nc.SubscribeSync(cr.DeliverSubject)
	if err != nil {
		t.Fatal(err)
	}
	defer sub.Unsubscribe()
	resp := rawAPI(t, nc, "$JS.API.STREAM.SNAPSHOT."+stream, req)
	if resp["error"] != nil {
		return resp, nil, nil
	}
	var data []byte
	for {
		m, err := sub.NextMsg(10 * time.Second)
		if err != nil {
			t.Fatalf("chunk: %v", err)
		}
		if len(m.Data) == 0 {
			return resp, data, m
		}
		data = append(data, m.Data...)
		if m.Reply != "" {
			m.Respond(nil)
		}
	}
}

// restoreRaw restores as natscli does: the request, the chunks as
// requests, then the empty request, whose answer it returns.
func restoreRaw(t *testing.T, nc *nats.Conn, stream string, meta any, data []byte) map[string]any {
	t.Helper()
	b, _ := json.Marshal(meta)
	resp := rawAPI(t, nc, "$JS.API.STREAM.RESTORE."+stream, string(b))
	subj, _ := resp["deliver_subject"].(string)
	if subj == "" {
		t.Fatalf("restore: %v", resp)
	}
	for len(data) > 0 {
		n := min(len(data), 700)
		m, err := nc.Request(subj, data[:n], 5*time.Second)
		if err != nil || len(m.Data) != 0 {
			t.Fatalf("chunk: %v %q", err, m.Data)
		}
		data = data[n:]
	}
	m, err := nc.Request(subj, nil, 10*time.Second)
	if err != nil {
		t.Fatal(err)
	}
	var out map[string]any
	if err := json.Unmarshal(m.Data, &out); err != nil {
		t.Fatalf("%q: %v", m.Data, err)
	}
	return out
}

func TestJetStreamSnapshotRestore(t *testing.T) {
	for _, storage := range []jetstream.StorageType{jetstream.FileStorage, jetstream.MemoryStorage} {
		t.Run(storage.String(), func(t *testing.T) {
			s := jsStart(t, "", nil)
			nc, js := jsConnect(t, s)
			ctx := jsCtx(t)
			cfg := jetstream.StreamConfig{Name: "S", Subjects: []string{"s.>"}, Storage: storage, AllowMsgTTL: true, FirstSeq: 10}
			if _, err := js.CreateStream(ctx, cfg); err != nil {
				t.Fatal(err)
			}
			big := bytes.Repeat([]byte("x"), 3000)
			for i := 0; i < 40; i++ {
				m := nats.NewMsg("s.a")
				m.Data = append([]byte{byte(i)}, big[:i*70]...)
				if i%3 == 0 {
					m.Header.Set("X-I", string(rune('a'+i%26)))
				}
				if i == 39 {
					m.Header.Set("Nats-TTL", "1h")
				}
				if _, err := js.PublishMsg(ctx, m); err != nil {
					t.Fatal(err)
				}
			}
			st, _ := js.Stream(ctx, "S")
			st.DeleteMsg(ctx, 10)
			st.DeleteMsg(ctx, 20)
			js.Publish(ctx, "s.b", []byte("last")) // seq 50
			st.DeleteMsg(ctx, 50)
			before, _ := st.Info(ctx)

			resp, data, end := snapshotRaw(t, nc, "S", `{"deliver_subject":"snap.in","chunk_size":1024,"window_size":2048}`)
			if resp["type"] != "io.nats.jetstream.api.v1.stream_snapshot_response" || resp["config"] == nil {
				t.Fatalf("snapshot response: %v", resp)
			}
			if end.Header.Get("Status") != "204" {
				t.Fatalf("end message header %v", end.Header)
			}
			ar := archive.NewReader(s2.NewReader(bytes.NewReader(data)))
			h, err := ar.Next()
			if err != nil || h.Name != "state.json" {
				t.Fatalf("first entry %+v %v", h, err)
			}

			if err := js.DeleteStream(ctx, "S"); err != nil {
				t.Fatal(err)
			}
			meta := map[string]any{"config": resp["config"], "state": resp["state"]}
			out := restoreRaw(t, nc, "S", meta, data)
			if out["type"] != "io.nats.jetstream.api.v1.stream_create_response" || out["error"] != nil {
				t.Fatalf("restore: %v", out)
			}
			st, _ = js.Stream(ctx, "S")
			after, _ := st.Info(ctx)
			b, a := before.State, after.State
			if b.Msgs != a.Msgs || b.Bytes != a.Bytes || b.FirstSeq != a.FirstSeq || b.LastSeq != a.LastSeq || b.NumDeleted != a.NumDeleted || !b.FirstTime.Equal(a.FirstTime) {
				t.Fatalf("state before %+v after %+v", b, a)
			}
			for _, seq := range []uint64{11, 12, 30, 49} {
				m, err := st.GetMsg(ctx, seq)
				if err != nil {
					t.Fatalf("seq %d: %v", seq, err)
				}
				i := int(seq - 10)
				if !bytes.Equal(m.Data, append([]byte{byte(i)}, big[:i*70]...)) {
					t.Fatalf("seq %d: payload differs", seq)
				}
				if i%3 == 0 && m.Header.Get("X-I") != string(rune('a'+i%26)) {
					t.Fatalf("seq %d: headers %v", seq, m.Header)
				}
			}
			if _, err := st.GetMsg(ctx, 20); err == nil {
				t.Fatal("deleted message 20 came back")
			}
			// The stream takes new messages after the restored ones.
			ack, err := js.Publish(ctx, "s.c", []byte("new"))
			if err != nil || ack.Sequence != 51 {
				t.Fatalf("publish after restore: %+v %v", ack, err)
			}
		})
	}
}

// TestJetStreamSnapshotFlowControl: no more than window_size bytes go out
// unanswered, and a receiver that never answers gets a 408.
func TestJetStreamSnapshotFlowControl(t *testing.T) {
	s := jsStart(t, "", nil)
	nc, js := jsConnect(t, s)
	ctx := jsCtx(t)
	js.CreateStream(ctx, jetstream.StreamConfig{Name: "F", Subjects: []string{"f"}})
	rng := rand.New(rand.NewPCG(1, 2))
	pay := make([]byte, 1000)
	for range 30 {
		for j := range pay {
			pay[j] = byte(rng.Uint32()) // s2 can not shrink it
		}
		js.Publish(ctx, "f", pay)
	}
	sub, _ := nc.SubscribeSync("flow.in")
	rawAPI(t, nc, "$JS.API.STREAM.SNAPSHOT.F", `{"deliver_subject":"flow.in","chunk_size":1024,"window_size":4096}`)
	var replies []string
	for {
		m, err := sub.NextMsg(8 * time.Second)
		if err != nil {
			t.Fatalf("after %d chunks: %v", len(replies), err)
		}
		if len(m.Data) == 0 {
			if m.Header.Get("Status") != "408" || m.Header.Get("Description") != "No Flow Response" {
				t.Fatalf("end: %v", m.Header)
			}
			break
		}
		replies = append(replies, m.Reply)
	}
	if len(replies) != 4 {
		t.Fatalf("%d chunks went out unanswered, want 4 (window 4096 / chunk 1024)", len(replies))
	}
	if !strings.HasPrefix(replies[0], "$JS.SNAPSHOT.ACK.F.") || !strings.HasSuffix(replies[0], ".1024.1") || !strings.HasSuffix(replies[3], ".1024.4") {
		t.Fatalf("replies %v", replies)
	}
}

func TestJetStreamSnapshotRestoreErrors(t *testing.T) {
	s := jsStart(t, "", nil)
	nc, js := jsConnect(t, s)
	ctx := jsCtx(t)
	js.CreateStream(ctx, jetstream.StreamConfig{Name: "E", Subjects: []string{"e.>"}})
	js.Publish(ctx, "e.1", []byte("one"))
	code := func(resp map[string]any) float64 {
		e, _ := resp["error"].(map[string]any)
		c, _ := e["err_code"].(float64)
		return c
	}
	for _, tc := range []struct {
		subj, body string
		want       float64
	}{
		{"$JS.API.STREAM.SNAPSHOT.E", "", 10003},
		{"$JS.API.STREAM.SNAPSHOT.E", "{}", 10003},
		{"$JS.API.STREAM.SNAPSHOT.NOPE", `{"deliver_subject":"x"}`, 10059},
		{"$JS.API.STREAM.SNAPSHOT.E", `{"deliver_subject":"x.*"}`, 10015},
		{"$JS.API.STREAM.RESTORE.E", `{"config":{"name":"E"}}`, 10130},
		{"$JS.API.STREAM.RESTORE.N", `{"config":{"name":"OTHER"}}`, 10056},
		{"$JS.API.STREAM.RESTORE.N", `{}`, 10003},
		{"$JS.API.STREAM.RESTORE.N", ``, 10003},
	} {
		resp := rawAPI(t, nc, tc.subj, tc.body)
		if code(resp) != tc.want {
			t.Errorf("%s %s: %v, want err_code %v", tc.subj, tc.body, resp, tc.want)
		}
		if strings.Contains(tc.subj, "RESTORE") {
			if v, ok := resp["deliver_subject"]; !ok || v != "" {
				t.Errorf("%s: deliver_subject %v", tc.subj, resp)
			}
		}
	}
	// A damaged archive is refused and leaves no stream behind.
	_, data, _ := snapshotRaw(t, nc, "E", `{"deliver_subject":"e.snap"}`)
	var raw bytes.Buffer
	io.Copy(&raw, s2.NewReader(bytes.NewReader(data)))
	cut := raw.Bytes()[:raw.Len()-5] // no sentinel
	var bad bytes.Buffer
	w := s2.NewWriter(&bad)
	w.Write(cut)
	w.Close()
	for _, d := range [][]byte{bad.Bytes(), []byte("not s2 at all")} {
		out := restoreRaw(t, nc, "R", map[string]any{"config": map[string]any{"name": "R", "subjects": []string{"r"}}}, d)
		if out["type"] != "io.nats.jetstream.api.v1.stream_create_response" || code(out) != 10062 {
			t.Fatalf("damaged restore: %v", out)
		}
		if _, err := js.Stream(ctx, "R"); err == nil {
			t.Fatal("a failed restore left a stream")
		}
	}
	// A restore whose subjects overlap a stream's is refused at the end.
	out := restoreRaw(t, nc, "R", map[string]any{"config": map[string]any{"name": "R", "subjects": []string{"e.1"}}}, data)
	if code(out) != 10065 {
		t.Fatalf("overlapping restore: %v", out)
	}
}
