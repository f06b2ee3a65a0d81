package monitor

import (
	"time"

	"github.com/prometheus/client_golang/prometheus"

	"github.com/natsd/natsd/jetstream/api"
)

// Consumer metrics (jetstream_consumer_*), with prometheus-nats-exporter's
// names and labels: a stream's labels, then consumer_name,
// consumer_leader (empty: /jsz's consumers carry no cluster, on
// nats-server either), is_consumer_leader, consumer_desc (the config's
// description) and consumer_created (RFC 3339 in the server's time zone,
// as the exporter formats it).

var jsConsumerLabels = append(append([]string(nil), jsStreamLabels...), "consumer_name", "consumer_leader", "is_consumer_leader", "consumer_desc", "consumer_created")

type jszConsumerMetric struct {
	Metric
	value func(*api.ConsumerInfo) float64
}

var jszConsumerMetrics = []jszConsumerMetric{
	{jm("consumer_delivered_consumer_seq", "Last consumer sequence the consumer delivered."), func(c *api.ConsumerInfo) float64 { return float64(c.Delivered.Consumer) }},
	{jm("consumer_delivered_stream_seq", "Stream sequence of the consumer's last delivery."), func(c *api.ConsumerInfo) float64 { return float64(c.Delivered.Stream) }},
	{jm("consumer_num_ack_pending", "Messages delivered and not yet acknowledged."), func(c *api.ConsumerInfo) float64 { return float64(c.NumAckPending) }},
	{jm("consumer_num_redelivered", "Pending messages delivered more than once."), func(c *api.ConsumerInfo) float64 { return float64(c.NumRedelivered) }},
	{jm("consumer_num_waiting", "Pull requests waiting for messages."), func(c *api.ConsumerInfo) float64 { return float64(c.NumWaiting) }},
	{jm("consumer_num_pending", "Messages of the stream the consumer has yet to deliver."), func(c *api.ConsumerInfo) float64 { return float64(c.NumPending) }},
	{jm("consumer_ack_floor_stream_seq", "Stream sequence of the consumer's ack floor."), func(c *api.ConsumerInfo) float64 { return float64(c.AckFloor.Stream) }},
	{jm("consumer_ack_floor_consumer_seq", "Consumer sequence of the consumer's ack floor."), func(c *api.ConsumerInfo) float64 { return float64(c.AckFloor.Consumer) }},
}

func (c *jszCollector) addConsumerDescs() {
	for _, v := range jszConsumerMetrics {
		c.descs[v.Name] = prometheus.NewDesc(v.Name, v.Help, jsConsumerLabels, nil)
	}
}

// collectConsumers sends the metrics of a stream's consumers; stream is
// the stream's label values.
func (c *jszCollector) collectConsumers(ch chan<- prometheus.Metric, stream []string, s *StreamDetail) {
	for _, ci := range s.Consumers {
		if ci == nil {
			continue
		}
		desc := ""
		if ci.Config != nil {
			desc = ci.Config.Description
		}
		labels := append(append(make([]string, 0, len(jsConsumerLabels)), stream...),
			ci.Name, "", "true", desc, ci.Created.Local().Format(time.RFC3339))
		for _, cm := range jszConsumerMetrics {
			ch <- prometheus.MustNewConstMetric(c.descs[cm.Name], gauge, cm.value(ci), labels...)
		}
	}
}
