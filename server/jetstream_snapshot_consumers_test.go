package server

import (
	"bytes"
	"encoding/json"
	"os"
	"testing"
	"time"

	"github.com/klauspost/compress/s2"
	"github.com/nats-io/nats.go/jetstream"

	"github.com/natsd/natsd/jetstream/archive"
)

// archiveEntries decompresses a snapshot and returns its non-message
// entries (state.json and consumers/...) by name, in order.
func archiveEntries(t *testing.T, data []byte) (names []string, bodies map[string][]byte) {
	t.Helper()
	ar := archive.NewReader(s2.NewReader(bytes.NewReader(data)))
	bodies = map[string][]byte{}
	for {
		h, err := ar.Next()
		if err != nil {
			t.Fatalf("archive: %v", err)
		}
		if h.IsEnd() {
			return names, bodies
		}
		if h.Sequence != 0 {
			continue
		}
		b, err := ar.ReadBody(nil)
		if err != nil {
			t.Fatal(err)
		}
		names = append(names, h.Name)
		bodies[h.Name] = b
	}
}

// refConsumerEntries reads the consumer entries of the reference backup
// (stream C, messages c.1..c.5; durable pull consumers D, E and R, see
// TestJetStreamRestoreReferenceConsumers).
func refConsumerEntries(t *testing.T) (meta map[string]any, data []byte, bodies map[string][]byte) {
	t.Helper()
	data, err := os.ReadFile("../jetstream/archive/testdata/ref-2.15.2-C.arc.s2")
	if err != nil {
		t.Fatal(err)
	}
	mb, err := os.ReadFile("../jetstream/archive/testdata/ref-2.15.2-C.backup.json")
	if err != nil {
		t.Fatal(err)
	}
	if err := json.Unmarshal(mb, &meta); err != nil {
		t.Fatal(err)
	}
	_, bodies = archiveEntries(t, data)
	return meta, data, bodies
}

// TestJetStreamSnapshotConsumers: durable consumers go into the backup
// as nats-server writes them and come back with their state.
func TestJetStreamSnapshotConsumers(t *testing.T) {
	for _, storage := range []jetstream.StorageType{jetstream.FileStorage, jetstream.MemoryStorage} {
		t.Run(storage.String(), func(t *testing.T) {
			s := jsStart(t, "", nil)
			nc, js := jsConnect(t, s)
			ctx := jsCtx(t)
			st, err := js.CreateStream(ctx, jetstream.StreamConfig{Name: "C", Subjects: []string{"c.>"}, Storage: storage})
			if err != nil {
				t.Fatal(err)
			}
			for _, subj := range []string{"c.1", "c.2", "c.3", "c.4", "c.5"} {
				if _, err := js.Publish(ctx, subj, []byte("m")); err != nil {
					t.Fatal(err)
				}
			}
			// The same config as the reference's consumer D.
			d, err := st.CreateConsumer(ctx, jetstream.ConsumerConfig{Durable: "D", AckPolicy: jetstream.AckExplicitPolicy, MaxDeliver: -1})
			if err != nil {
				t.Fatal(err)
			}
			if _, err := st.CreateConsumer(ctx, jetstream.ConsumerConfig{AckPolicy: jetstream.AckExplicitPolicy}); err != nil {
				t.Fatal(err) // an ephemeral: not backed up
			}
			// D: 1 acked, 2 nacked and redelivered, 3 pending.
			batch, err := d.Fetch(3, jetstream.FetchMaxWait(5*time.Second))
			if err != nil {
				t.Fatal(err)
			}
			var msgs []jetstream.Msg
			for m := range batch.Messages() {
				msgs = append(msgs, m)
			}
			if len(msgs) != 3 {
				t.Fatalf("fetched %d", len(msgs))
			}
			msgs[0].DoubleAck(ctx)
			msgs[1].Nak()
			waitFor(t, func() bool {
				b, err := d.Fetch(1, jetstream.FetchMaxWait(time.Second))
				if err != nil {
					return false
				}
				for m := range b.Messages() {
					md, _ := m.Metadata()
					return md.Sequence.Stream == 2 && md.NumDelivered == 2
				}
				return false
			})
			before, _ := d.Info(ctx)
			if before.NumRedelivered != 1 || before.NumAckPending != 2 || before.AckFloor.Stream != 1 {
				t.Fatalf("before: %+v", before)
			}

			resp, data, _ := snapshotRaw(t, nc, "C", `{"deliver_subject":"snap.c"}`)
			state, _ := resp["state"].(map[string]any)
			if state["consumer_count"] != float64(1) {
				t.Fatalf("snapshot response state %v", state)
			}
			names, bodies := archiveEntries(t, data)
			if len(names) != 2 || names[0] != "state.json" || names[1] != "consumers/D" {
				t.Fatalf("entries %v", names)
			}
			var sj map[string]any
			json.Unmarshal(bodies["state.json"], &sj)
			if sj["consumer_count"] != float64(1) {
				t.Fatalf("state.json %s", bodies["state.json"])
			}
			// The config is byte for byte the reference's for the same consumer.
			_, _, ref := refConsumerEntries(t)
			var got, want struct{ Config json.RawMessage }
			json.Unmarshal(bodies["consumers/D"], &got)
			json.Unmarshal(ref["consumers/D"], &want)
			if !bytes.Equal(got.Config, want.Config) {
				t.Fatalf("consumer config\n got %s\nwant %s", got.Config, want.Config)
			}
			var gs struct {
				State struct {
					Delivered   map[string]uint64 `json:"delivered"`
					AckFloor    map[string]uint64 `json:"ack_floor"`
					Pending     map[string]struct{ Sequence uint64 }
					Redelivered map[string]uint64
				}
			}
			if err := json.Unmarshal(bodies["consumers/D"], &gs); err != nil {
				t.Fatal(err)
			}
			if gs.State.Delivered["stream_seq"] != 3 || gs.State.Delivered["consumer_seq"] != 4 || gs.State.AckFloor["stream_seq"] != 1 ||
				len(gs.State.Pending) != 2 || gs.State.Pending["2"].Sequence != 4 || gs.State.Redelivered["2"] != 1 {
				t.Fatalf("consumer state %s", bodies["consumers/D"])
			}

			if err := js.DeleteStream(ctx, "C"); err != nil {
				t.Fatal(err)
			}
			out := restoreRaw(t, nc, "C", map[string]any{"config": resp["config"], "state": resp["state"]}, data)
			if out["error"] != nil {
				t.Fatalf("restore: %v", out)
			}
			if out["state"].(map[string]any)["consumer_count"] != float64(1) {
				t.Fatalf("restored state %v", out["state"])
			}
			d, err = js.Consumer(ctx, "C", "D")
			if err != nil {
				t.Fatal(err)
			}
			after, _ := d.Info(ctx)
			if after.Delivered.Consumer != before.Delivered.Consumer || after.Delivered.Stream != before.Delivered.Stream ||
				after.AckFloor.Consumer != before.AckFloor.Consumer || after.AckFloor.Stream != before.AckFloor.Stream ||
				after.NumAckPending != 2 || after.NumRedelivered != 1 || after.NumPending != 2 {
				t.Fatalf("after restore %+v, before %+v", after, before)
			}
			// Delivery goes on after the restored position.
			b, err := d.Fetch(1, jetstream.FetchMaxWait(5*time.Second))
			if err != nil {
				t.Fatal(err)
			}
			for m := range b.Messages() {
				md, _ := m.Metadata()
				if md.Sequence.Stream != 4 || md.Sequence.Consumer != 5 {
					t.Fatalf("next after restore: %+v", md.Sequence)
				}
			}
		})
	}
}

// TestJetStreamRestoreReferenceConsumers restores a backup nats-server
// 2.15.2 made (natscli `nats stream backup`) of stream C with messages
// c.1..c.5 and three durable pull consumers: D (1-3 fetched, 4 acked),
// E (filter c.>, 1 acked, 2-3 pending) and R (ack wait 1s, 1 delivered
// twice, 2 pending).
func TestJetStreamRestoreReferenceConsumers(t *testing.T) {
	s := jsStart(t, "", nil)
	nc, js := jsConnect(t, s)
	ctx := jsCtx(t)
	meta, data, _ := refConsumerEntries(t)
	out := restoreRaw(t, nc, "C", meta, data)
	if out["error"] != nil {
		t.Fatalf("restore: %v", out)
	}
	want := map[string]struct {
		dc, ds, ac, as uint64
		ackPending     int
		redelivered    int
		pending        uint64
		filter         string
	}{
		"D": {4, 4, 0, 0, 3, 0, 1, ""},
		"E": {3, 3, 1, 1, 2, 0, 2, "c.>"},
		"R": {3, 2, 0, 0, 2, 1, 3, ""},
	}
	for name, w := range want {
		c, err := js.Consumer(ctx, "C", name)
		if err != nil {
			t.Fatalf("%s: %v", name, err)
		}
		ci, _ := c.Info(ctx)
		if ci.Delivered.Consumer != w.dc || ci.Delivered.Stream != w.ds || ci.AckFloor.Consumer != w.ac || ci.AckFloor.Stream != w.as ||
			ci.NumAckPending != w.ackPending || ci.NumRedelivered != w.redelivered || ci.NumPending != w.pending ||
			ci.Config.FilterSubject != w.filter || ci.Config.AckPolicy != jetstream.AckExplicitPolicy {
			t.Fatalf("%s: %+v", name, ci)
		}
	}
	si, _ := js.Stream(ctx, "C")
	info, _ := si.Info(ctx)
	if info.State.Consumers != 3 || info.State.Msgs != 5 {
		t.Fatalf("stream state %+v", info.State)
	}
	// A snapshot of the restored stream has the same consumer entries.
	_, again, _ := snapshotRaw(t, nc, "C", `{"deliver_subject":"snap.again"}`)
	names, bodies := archiveEntries(t, again)
	_, _, ref := refConsumerEntries(t)
	if len(names) != 4 {
		t.Fatalf("entries %v", names)
	}
	for _, n := range names[1:] {
		var g, w struct {
			Config json.RawMessage
			State  struct {
				Delivered, AckFloor json.RawMessage
				Redelivered         map[string]uint64
				Pending             map[string]struct{ Sequence uint64 }
			}
		}
		json.Unmarshal(bodies[n], &g)
		json.Unmarshal(ref[n], &w)
		if !bytes.Equal(g.Config, w.Config) || !bytes.Equal(g.State.Delivered, w.State.Delivered) || !bytes.Equal(g.State.AckFloor, w.State.AckFloor) ||
			len(g.State.Pending) != len(w.State.Pending) || len(g.State.Redelivered) != len(w.State.Redelivered) {
			t.Fatalf("%s:\n got %s\nwant %s", n, bodies[n], ref[n])
		}
		for k, v := range w.State.Redelivered {
			if g.State.Redelivered[k] != v {
				t.Fatalf("%s redelivered: got %s want %s", n, bodies[n], ref[n])
			}
		}
	}
}

// TestJetStreamRestoreBadConsumer: a consumer entry that is not JSON
// fails the restore with a clear error and leaves no stream behind.
func TestJetStreamRestoreBadConsumer(t *testing.T) {
	s := jsStart(t, "", nil)
	nc, js := jsConnect(t, s)
	ctx := jsCtx(t)
	var buf bytes.Buffer
	sw := s2.NewWriter(&buf)
	aw := archive.NewWriter(sw)
	aw.WriteEntry("state.json", 1, 0, nil, []byte(`{"messages":0,"consumer_count":1}`))
	aw.WriteEntry("consumers/X", 1, 0, nil, []byte(`{"config":`))
	aw.End()
	sw.Close()
	meta := map[string]any{"config": map[string]any{"name": "B", "subjects": []string{"b"}, "storage": "file", "retention": "limits", "discard": "old", "num_replicas": 1}}
	out := restoreRaw(t, nc, "B", meta, buf.Bytes())
	e, _ := out["error"].(map[string]any)
	if e == nil || e["err_code"] != float64(10062) {
		t.Fatalf("restore: %v", out)
	}
	if _, err := js.Stream(ctx, "B"); err == nil {
		t.Fatal("stream B exists after a failed restore")
	}
}
