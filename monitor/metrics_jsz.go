package monitor

import (
	"math"

	"github.com/prometheus/client_golang/prometheus"
)

// The JetStream family of /metrics carries prometheus-nats-exporter's
// names for its -jsz collector (jetstream_server_*, jetstream_stream_*)
// with the same labels, so dashboards built on the exporter's JetStream
// metrics work unchanged. On a single server the cluster and meta_leader
// labels are empty and every leader label says this server. Consumer
// metrics (jetstream_consumer_*) are in metrics_jsz_consumer.go.

// JetStreamNamespace prefixes the JetStream metrics, as the exporter's
// JetStream system name does.
const JetStreamNamespace = "jetstream"

var (
	jsServerLabels = []string{"server_id", "server_name", "cluster", "domain", "meta_leader", "is_meta_leader"}
	jsStreamLabels = append(append([]string(nil), jsServerLabels...), "account", "account_id", "stream_name", "stream_leader", "is_stream_leader")
)

type jszServerMetric struct {
	Metric
	value func(*JSInfo) float64
}

type jszStreamMetric struct {
	Metric
	value func(*StreamDetail) float64
}

func jm(name, help string) Metric {
	return Metric{Name: JetStreamNamespace + "_" + name, Help: help, Type: gauge}
}

var jszServerMetrics = []jszServerMetric{
	{jm("server_jetstream_disabled", "1 when JetStream is disabled, 0 when it runs."), func(j *JSInfo) float64 {
		if j.Disabled {
			return 1
		}
		return 0
	}},
	{jm("server_total_streams", "Streams on the server."), func(j *JSInfo) float64 { return float64(j.Streams) }},
	{jm("server_total_consumers", "Consumers on the server."), func(j *JSInfo) float64 { return float64(j.Consumers) }},
	{jm("server_total_messages", "Messages stored in the server's streams."), func(j *JSInfo) float64 { return float64(j.Messages) }},
	{jm("server_total_message_bytes", "Bytes stored in the server's streams."), func(j *JSInfo) float64 { return float64(j.Bytes) }},
	{jm("server_max_memory", "JetStream's memory limit in bytes."), func(j *JSInfo) float64 {
		if j.Config == nil {
			return 0
		}
		return float64(j.Config.MaxMemory)
	}},
	{jm("server_max_storage", "JetStream's storage limit in bytes."), func(j *JSInfo) float64 {
		if j.Config == nil {
			return 0
		}
		return float64(j.Config.MaxStore)
	}},
}

var jszStreamMetrics = []jszStreamMetric{
	{jm("stream_total_messages", "Messages in the stream."), func(s *StreamDetail) float64 { return float64(s.State.Msgs) }},
	{jm("stream_total_bytes", "Bytes stored in the stream."), func(s *StreamDetail) float64 { return float64(s.State.Bytes) }},
	{jm("stream_first_seq", "First sequence of the stream."), func(s *StreamDetail) float64 { return float64(s.State.FirstSeq) }},
	{jm("stream_last_seq", "Last sequence of the stream."), func(s *StreamDetail) float64 { return float64(s.State.LastSeq) }},
	{jm("stream_consumer_count", "Consumers of the stream."), func(s *StreamDetail) float64 { return float64(s.State.Consumers) }},
}

// JetStreamMetrics lists the JetStream metrics /metrics exposes.
func JetStreamMetrics() []Metric {
	var out []Metric
	for _, v := range jszServerMetrics {
		out = append(out, v.Metric)
	}
	for _, v := range jszStreamMetrics {
		out = append(out, v.Metric)
	}
	for _, v := range jszConsumerMetrics {
		out = append(out, v.Metric)
	}
	return out
}

// jszCollector builds the JetStream metrics from /jsz's document.
type jszCollector struct {
	src   Source
	jsz   JszSource
	descs map[string]*prometheus.Desc
}

func newJszCollector(src Source, jsz JszSource) *jszCollector {
	c := &jszCollector{src: src, jsz: jsz, descs: make(map[string]*prometheus.Desc)}
	for _, v := range jszServerMetrics {
		c.descs[v.Name] = prometheus.NewDesc(v.Name, v.Help, jsServerLabels, nil)
	}
	for _, v := range jszStreamMetrics {
		c.descs[v.Name] = prometheus.NewDesc(v.Name, v.Help, jsStreamLabels, nil)
	}
	c.addConsumerDescs()
	return c
}

func (c *jszCollector) Describe(ch chan<- *prometheus.Desc) {
	for _, d := range c.descs {
		ch <- d
	}
}

func (c *jszCollector) Collect(ch chan<- prometheus.Metric) {
	j, err := c.jsz.Jsz(&JszOptions{Accounts: true, Streams: true, Consumers: true, Config: true, Limit: math.MaxInt32})
	if err != nil {
		return
	}
	v := c.src.Varz()
	domain := ""
	if j.Config != nil {
		domain = j.Config.Domain
	}
	server := []string{j.ID, v.Name, "", domain, "", "true"}
	for _, sm := range jszServerMetrics {
		ch <- prometheus.MustNewConstMetric(c.descs[sm.Name], gauge, sm.value(j), server...)
	}
	for _, a := range j.Accounts {
		for i := range a.Streams {
			s := &a.Streams[i]
			leader, isLeader := "", "true"
			if s.Cluster != nil {
				leader = s.Cluster.Leader
				if leader != v.Name {
					isLeader = "false"
				}
			}
			labels := append(append([]string(nil), server...), a.Name, a.ID, s.Name, leader, isLeader)
			for _, sm := range jszStreamMetrics {
				ch <- prometheus.MustNewConstMetric(c.descs[sm.Name], gauge, sm.value(s), labels...)
			}
			c.collectConsumers(ch, labels, s)
		}
	}
}
