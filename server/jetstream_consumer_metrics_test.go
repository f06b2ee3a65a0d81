package server

import (
	"testing"
	"time"

	"github.com/nats-io/nats.go/jetstream"
)

// TestJetStreamConsumerMetrics: /metrics carries each consumer's
// jetstream_consumer_* gauges with prometheus-nats-exporter's labels.
func TestJetStreamConsumerMetrics(t *testing.T) {
	s := jsStart(t, "", func(o *Options) {
		o.HTTPHost, o.HTTPPort = "127.0.0.1", RandomPort
		o.ServerName = "cm"
	})
	_, js := jsConnect(t, s)
	ctx := jsCtx(t)
	st, err := js.CreateStream(ctx, jetstream.StreamConfig{Name: "O", Subjects: []string{"o.>"}})
	if err != nil {
		t.Fatal(err)
	}
	for range 6 {
		js.Publish(ctx, "o.x", []byte("1"))
	}
	c, err := st.CreateConsumer(ctx, jetstream.ConsumerConfig{Durable: "W", Description: "workers", AckPolicy: jetstream.AckExplicitPolicy})
	if err != nil {
		t.Fatal(err)
	}
	b, err := c.Fetch(3, jetstream.FetchMaxWait(5*time.Second))
	if err != nil {
		t.Fatal(err)
	}
	var msgs []jetstream.Msg
	for m := range b.Messages() {
		msgs = append(msgs, m)
	}
	if len(msgs) != 3 {
		t.Fatalf("fetched %d", len(msgs))
	}
	msgs[0].DoubleAck(ctx)
	// A pull request left waiting: the stream has 3 more, so ask for
	// them on a fresh consumer that has nothing to deliver.
	idle, _ := st.CreateConsumer(ctx, jetstream.ConsumerConfig{Durable: "I", FilterSubject: "o.none", AckPolicy: jetstream.AckExplicitPolicy})
	go idle.Fetch(1, jetstream.FetchMaxWait(time.Minute)) // still waiting when scraped
	waitFor(t, func() bool {
		ci, err := idle.Info(ctx)
		return err == nil && ci.NumWaiting == 1
	})
	info, _ := c.Info(ctx)
	metricValue := scrape(t, s)
	w := map[string]string{"server_name": "cm", "account": "$G", "stream_name": "O", "stream_leader": "cm", "is_stream_leader": "true",
		"consumer_name": "W", "consumer_leader": "", "is_consumer_leader": "true", "consumer_desc": "workers",
		"consumer_created": info.Created.Local().Format(time.RFC3339)}
	for name, want := range map[string]float64{
		"jetstream_consumer_delivered_consumer_seq": 3,
		"jetstream_consumer_delivered_stream_seq":   3,
		"jetstream_consumer_num_ack_pending":        2,
		"jetstream_consumer_num_redelivered":        0,
		"jetstream_consumer_num_waiting":            0,
		"jetstream_consumer_num_pending":            3,
		"jetstream_consumer_ack_floor_stream_seq":   1,
		"jetstream_consumer_ack_floor_consumer_seq": 1,
	} {
		if v, ok := metricValue(name, w); !ok || v != want {
			t.Errorf("%s{W} = %v (found %v), want %v", name, v, ok, want)
		}
	}
	if v, ok := metricValue("jetstream_consumer_num_waiting", map[string]string{"consumer_name": "I", "consumer_desc": ""}); !ok || v != 1 {
		t.Errorf("num_waiting{I} = %v (found %v), want 1", v, ok)
	}
	if v, ok := metricValue("jetstream_stream_consumer_count", map[string]string{"stream_name": "O"}); !ok || v != 2 {
		t.Errorf("consumer_count = %v %v", v, ok)
	}
}
