package server

import (
	"errors"
	"testing"
	"time"

	"github.com/nats-io/nats.go/jetstream"
)

// TestJetStreamConsumerReset: CONSUMER.RESET through nats.go, with the
// answers nats-server 2.15.2 gives.
func TestJetStreamConsumerReset(t *testing.T) {
	s := jsStart(t, "", nil)
	nc, js := jsConnect(t, s)
	ctx := jsCtx(t)
	st, err := js.CreateStream(ctx, jetstream.StreamConfig{Name: "C", Subjects: []string{"c.>"}})
	if err != nil {
		t.Fatal(err)
	}
	for _, subj := range []string{"c.1", "c.2", "c.3", "c.4", "c.5"} {
		js.Publish(ctx, subj, []byte("m"))
	}
	d, _ := st.CreateConsumer(ctx, jetstream.ConsumerConfig{Durable: "D", AckPolicy: jetstream.AckExplicitPolicy})
	newc, _ := st.CreateConsumer(ctx, jetstream.ConsumerConfig{Durable: "NEW", DeliverPolicy: jetstream.DeliverNewPolicy})
	_ = newc
	st.CreateConsumer(ctx, jetstream.ConsumerConfig{Durable: "SEQ", DeliverPolicy: jetstream.DeliverByStartSequencePolicy, OptStartSeq: 3})
	b, _ := d.Fetch(3, jetstream.FetchMaxWait(5*time.Second))
	n := 0
	for m := range b.Messages() {
		if n == 0 {
			m.DoubleAck(ctx)
		}
		n++
	}
	if n != 3 {
		t.Fatalf("fetched %d", n)
	}

	// To a sequence: the next fetch starts there, consumer sequence 1.
	r, err := js.ResetConsumerToSequence(ctx, "C", "D", 4)
	if err != nil {
		t.Fatal(err)
	}
	if r.ResetSeq != 4 || r.ConsumerInfo.Delivered.Stream != 3 || r.ConsumerInfo.Delivered.Consumer != 0 ||
		r.ConsumerInfo.AckFloor.Stream != 3 || r.ConsumerInfo.NumAckPending != 0 || r.ConsumerInfo.NumPending != 2 {
		t.Fatalf("reset to 4: %+v %+v", r, r.ConsumerInfo)
	}
	b, _ = d.Fetch(1, jetstream.FetchMaxWait(5*time.Second))
	for m := range b.Messages() {
		md, _ := m.Metadata()
		if md.Sequence.Stream != 4 || md.Sequence.Consumer != 1 || md.NumDelivered != 1 {
			t.Fatalf("after reset: %+v", md)
		}
	}
	// To the start.
	r, err = js.ResetConsumer(ctx, "C", "D")
	if err != nil || r.ResetSeq != 1 || r.ConsumerInfo.NumPending != 5 || r.ConsumerInfo.NumAckPending != 0 {
		t.Fatalf("reset: %+v %v", r, err)
	}
	// Beyond the last sequence is allowed.
	if r, err = js.ResetConsumerToSequence(ctx, "C", "D", 7); err != nil || r.ResetSeq != 7 || r.ConsumerInfo.Delivered.Stream != 6 {
		t.Fatalf("reset to 7: %+v %v", r, err)
	}

	// deliver new goes back to where it started, not to the new end.
	js.Publish(ctx, "c.6", []byte("m"))
	if r, err = js.ResetConsumer(ctx, "C", "NEW"); err != nil || r.ResetSeq != 6 || r.ConsumerInfo.NumPending != 1 {
		t.Fatalf("reset NEW: %+v %v", r, err)
	}
	if _, err = js.ResetConsumerToSequence(ctx, "C", "NEW", 6); !errors.Is(err, jetstream.ErrConsumerInvalidReset) {
		t.Fatalf("reset NEW to 6: %v", err)
	}
	if _, err = js.ResetConsumerToSequence(ctx, "C", "SEQ", 2); !errors.Is(err, jetstream.ErrConsumerInvalidReset) {
		t.Fatalf("reset SEQ below start: %v", err)
	}
	if r, err = js.ResetConsumerToSequence(ctx, "C", "SEQ", 4); err != nil || r.ResetSeq != 4 {
		t.Fatalf("reset SEQ to 4: %+v %v", r, err)
	}

	// Raw: the error texts, and no answer for what does not exist.
	for body, want := range map[string]string{
		`{"seq":2}`:  `{"type":"io.nats.jetstream.api.v1.consumer_reset_response","error":{"code":400,"err_code":10204,"description":"invalid reset: below start seq"},"reset_seq":0}`,
		`junk`:       `{"type":"io.nats.jetstream.api.v1.consumer_reset_response","error":{"code":400,"err_code":10025,"description":"invalid JSON: invalid character 'j' looking for beginning of value"},"reset_seq":0}`,
		`{"seq":-1}`: `{"type":"io.nats.jetstream.api.v1.consumer_reset_response","error":{"code":400,"err_code":10025,"description":"invalid JSON: json: cannot unmarshal number -1 into Go struct field JSApiConsumerResetRequest.seq of type uint64"},"reset_seq":0}`,
	} {
		m, err := nc.Request("$JS.API.CONSUMER.RESET.C.SEQ", []byte(body), 5*time.Second)
		if err != nil || string(m.Data) != want {
			t.Fatalf("%s: %v\n got %s\nwant %s", body, err, m.Data, want)
		}
	}
	for _, subj := range []string{"$JS.API.CONSUMER.RESET.C.NOPE", "$JS.API.CONSUMER.RESET.X.D"} {
		if m, err := nc.Request(subj, nil, 300*time.Millisecond); err == nil {
			t.Fatalf("%s answered %s", subj, m.Data)
		}
	}
}
