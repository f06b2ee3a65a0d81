package server

import (
	"testing"
	"time"

	"github.com/nats-io/nats.go"
	"github.com/nats-io/nats.go/jetstream"
)

// TestJetStreamMarkersOnTTL: as in nats-server 2.15, a per-message TTL
// below subject_delete_marker_ttl is raised to it (the stored Nats-TTL
// says so in seconds) unless max_msgs_per_subject is 1; a TTL removal
// that empties a subject leaves a marker, and a marker's own expiry
// leaves none. Deletes and purges leave none.
func TestJetStreamMarkersOnTTL(t *testing.T) {
	s := jsStart(t, "", nil)
	_, js := jsConnect(t, s)
	ctx := jsCtx(t)
	st, err := js.CreateStream(ctx, jetstream.StreamConfig{Name: "M", Subjects: []string{"m.>"},
		AllowMsgTTL: true, SubjectDeleteMarkerTTL: 2 * time.Second})
	if err != nil {
		t.Fatal(err)
	}
	pub := func(subj, ttl string) uint64 {
		m := nats.NewMsg(subj)
		m.Data = []byte("x")
		if ttl != "" {
			m.Header.Set("Nats-TTL", ttl)
		}
		a, err := js.PublishMsg(ctx, m)
		if err != nil {
			t.Fatal(err)
		}
		return a.Sequence
	}
	pub("m.ttl", "1") // 1
	// Read at once: the raised TTL (2 s) runs from the publish.
	if m, err := st.GetMsg(ctx, 1); err != nil || m.Header.Get("Nats-TTL") != "2" {
		t.Fatalf("raised TTL header: %v %v", m, err)
	}
	pub("m.long", "1h") // 2
	pub("m.del", "")    // 3
	pub("m.keep", "")   // 4
	pub("m.keep", "1s") // 5: m.keep keeps message 4
	st.DeleteMsg(ctx, 3)
	st.Purge(ctx, jetstream.WithPurgeSubject("m.long"))
	var marker *jetstream.RawStreamMsg
	waitFor(t, func() bool {
		m, err := st.GetMsg(ctx, 6)
		marker = m
		return err == nil
	})
	if marker.Subject != "m.ttl" || marker.Header.Get("Nats-Marker-Reason") != "MaxAge" || marker.Header.Get("Nats-TTL") != "2s" {
		t.Fatalf("marker: %+v", marker)
	}
	// The marker goes after its TTL and nothing takes its place; m.keep
	// (which kept a message) got no marker.
	waitFor(t, func() bool { i, _ := st.Info(ctx); return i.State.Msgs == 1 })
	time.Sleep(1500 * time.Millisecond) // one more expiry pass could only add
	if i, _ := st.Info(ctx); i.State.LastSeq != 6 || i.State.Msgs != 1 {
		t.Fatalf("after the marker expired: %+v", i.State)
	}

	// With max_msgs_per_subject 1 the TTL stays as published.
	st2, err := js.CreateStream(ctx, jetstream.StreamConfig{Name: "P", Subjects: []string{"p.>"},
		AllowMsgTTL: true, SubjectDeleteMarkerTTL: 2 * time.Second, MaxMsgsPerSubject: 1})
	if err != nil {
		t.Fatal(err)
	}
	m := nats.NewMsg("p.a")
	m.Header.Set("Nats-TTL", "1s")
	js.PublishMsg(ctx, m)
	if got, _ := st2.GetMsg(ctx, 1); got.Header.Get("Nats-TTL") != "1s" {
		t.Fatalf("per-subject 1: %v", got.Header)
	}
}

func TestSetHeader(t *testing.T) {
	for _, tc := range []struct{ in, want string }{
		{"NATS/1.0\r\nNats-TTL: 1s\r\n\r\n", "NATS/1.0\r\nNats-TTL: 3\r\n\r\n"},
		{"NATS/1.0\r\nA: b\r\nNats-TTL:1\r\nC: d\r\n\r\n", "NATS/1.0\r\nA: b\r\nNats-TTL: 3\r\nC: d\r\n\r\n"},
		{"NATS/1.0\r\nA: b\r\n\r\n", "NATS/1.0\r\nA: b\r\nNats-TTL: 3\r\n\r\n"},
		{"NATS/1.0\r\nNats-TTL-X: 1\r\n\r\n", "NATS/1.0\r\nNats-TTL-X: 1\r\nNats-TTL: 3\r\n\r\n"},
	} {
		if got := string(setHeader([]byte(tc.in), "Nats-TTL", "3")); got != tc.want {
			t.Errorf("setHeader(%q) = %q, want %q", tc.in, got, tc.want)
		}
	}
}

// TestJetStreamTTLValues: Nats-TTL values as nats-server 2.15.2 takes
// them (seconds, a Go duration of a second or more, "never"; 0, -1 and
// anything shorter than a second are invalid).
func TestJetStreamTTLValues(t *testing.T) {
	s := jsStart(t, "", nil)
	_, js := jsConnect(t, s)
	ctx := jsCtx(t)
	js.CreateStream(ctx, jetstream.StreamConfig{Name: "TT", Subjects: []string{"tt"}, AllowMsgTTL: true})
	js.CreateStream(ctx, jetstream.StreamConfig{Name: "TN", Subjects: []string{"tn"}})
	for v, want := range map[string]int{
		"0": 10165, "-1": 10165, "-2": 10165, "1ms": 10165, "abc": 10165,
		"1s": 0, "1": 0, "never": 0, "1h30m": 0, " 5": 0, "9999999999999": 0,
	} {
		m := nats.NewMsg("tt")
		m.Header.Set("Nats-TTL", v)
		if _, err := js.PublishMsg(ctx, m); apiErrCode(err) != want {
			t.Errorf("Nats-TTL %q: %v, want err_code %d", v, err, want)
		}
	}
	m := nats.NewMsg("tn")
	m.Header.Set("Nats-TTL", "5")
	if _, err := js.PublishMsg(ctx, m); apiErrCode(err) != 10166 {
		t.Fatalf("TTL on a stream without allow_msg_ttl: %v", err)
	}
}
