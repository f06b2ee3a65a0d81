package server

import (
	"net/http"
	"testing"

	"github.com/prometheus/common/expfmt"
	"github.com/prometheus/common/model"

	"github.com/nats-io/nats.go/jetstream"
)

// scrape reads /metrics and returns a lookup: the gauge of family name
// whose labels include want.
func scrape(t *testing.T, s *Server) func(name string, want map[string]string) (float64, bool) {
	t.Helper()
	resp, err := http.Get("http://" + s.MonitorAddr().String() + "/metrics")
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	p := expfmt.NewTextParser(model.LegacyValidation)
	fams, err := p.TextToMetricFamilies(resp.Body)
	if err != nil {
		t.Fatal(err)
	}
	return func(name string, want map[string]string) (float64, bool) {
		f := fams[name]
		if f == nil {
			return 0, false
		}
	next:
		for _, m := range f.Metric {
			got := map[string]string{}
			for _, l := range m.Label {
				got[l.GetName()] = l.GetValue()
			}
			for k, v := range want {
				if got[k] != v {
					continue next
				}
			}
			return m.GetGauge().GetValue(), true
		}
		return 0, false
	}
}

// TestJetStreamMetrics: /metrics carries prometheus-nats-exporter's
// JetStream names and labels.
func TestJetStreamMetrics(t *testing.T) {
	s := jsStart(t, "", func(o *Options) {
		o.HTTPHost, o.HTTPPort = "127.0.0.1", RandomPort
		o.ServerName = "js-metrics"
		o.JetStream.MaxMemory = 64 << 20
	})
	_, js := jsConnect(t, s)
	ctx := jsCtx(t)
	js.CreateStream(ctx, jetstream.StreamConfig{Name: "A", Subjects: []string{"a"}})
	js.CreateStream(ctx, jetstream.StreamConfig{Name: "B", Subjects: []string{"b"}, Storage: jetstream.MemoryStorage})
	for range 3 {
		js.Publish(ctx, "a", []byte("xyz"))
	}
	js.Publish(ctx, "b", []byte("1"))
	metricValue := scrape(t, s)
	srv := map[string]string{"server_id": s.ID(), "server_name": "js-metrics", "is_meta_leader": "true"}
	for name, want := range map[string]float64{
		"jetstream_server_jetstream_disabled": 0,
		"jetstream_server_total_streams":      2,
		"jetstream_server_total_consumers":    0,
		"jetstream_server_total_messages":     4,
		"jetstream_server_max_memory":         64 << 20,
	} {
		if v, ok := metricValue(name, srv); !ok || v != want {
			t.Errorf("%s = %v (found %v), want %v", name, v, ok, want)
		}
	}
	a := map[string]string{"stream_name": "A", "account": "$G", "stream_leader": "js-metrics", "is_stream_leader": "true"}
	for name, want := range map[string]float64{
		"jetstream_stream_total_messages": 3,
		"jetstream_stream_first_seq":      1,
		"jetstream_stream_last_seq":       3,
		"jetstream_stream_consumer_count": 0,
	} {
		if v, ok := metricValue(name, a); !ok || v != want {
			t.Errorf("%s{A} = %v (found %v), want %v", name, v, ok, want)
		}
	}
	if v, ok := metricValue("jetstream_stream_total_bytes", map[string]string{"stream_name": "B"}); !ok || v == 0 {
		t.Errorf("bytes of B: %v %v", v, ok)
	}

	// Without JetStream the family says so.
	plain := startTestServer(t, &Options{HTTPHost: "127.0.0.1", HTTPPort: RandomPort})
	if v, ok := scrape(t, plain)("jetstream_server_jetstream_disabled", nil); !ok || v != 1 {
		t.Fatalf("disabled: %v %v", v, ok)
	}
}
