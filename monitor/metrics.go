package monitor

import (
	"math"
	"net/http"
	"strings"
	"time"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/collectors"
	"github.com/prometheus/client_golang/prometheus/promhttp"
)

// Metric names follow prometheus-nats-exporter's defaults (gnatsd_varz_*,
// gnatsd_connz_*, gnatsd_subsz_*, gnatsd_routez_*, each with a server_id
// label), so the Grafana dashboards and alerts written for the exporter
// work against natsd's /metrics with no exporter process in between.

// MetricNamespace is the prefix of every natsd metric.
const MetricNamespace = "gnatsd"

// Metric is one documented /metrics series family.
type Metric struct {
	Name string
	Help string
	Type prometheus.ValueType
}

type varzMetric struct {
	Metric
	value func(*Varz) float64
}

type connzMetric struct {
	Metric
	value func(*ConnInfo) float64 // summed over the open connections
}

type subszMetric struct {
	Metric
	value func(*SublistStats) float64
}

type routezMetric struct {
	Metric
	value func(*RouteInfo) float64 // summed over the routes
}

func m(name, help string, t prometheus.ValueType) Metric {
	return Metric{Name: MetricNamespace + "_" + name, Help: help, Type: t}
}

const (
	gauge   = prometheus.GaugeValue
	counter = prometheus.CounterValue
)

var varzMetrics = []varzMetric{
	{m("varz_connections", "Open client connections.", gauge), func(v *Varz) float64 { return float64(v.Connections) }},
	{m("varz_total_connections", "Client connections accepted since start.", counter), func(v *Varz) float64 { return float64(v.TotalConnections) }},
	{m("varz_routes", "Open routes.", gauge), func(v *Varz) float64 { return float64(v.Routes) }},
	{m("varz_remotes", "Remote servers in the cluster.", gauge), func(v *Varz) float64 { return float64(v.Remotes) }},
	{m("varz_leafnodes", "Open leaf node connections.", gauge), func(v *Varz) float64 { return float64(v.Leafs) }},
	{m("varz_subscriptions", "Subscriptions in the subject index.", gauge), func(v *Varz) float64 { return float64(v.Subscriptions) }},
	{m("varz_in_msgs", "Messages received since start.", counter), func(v *Varz) float64 { return float64(v.InMsgs) }},
	{m("varz_out_msgs", "Messages sent since start.", counter), func(v *Varz) float64 { return float64(v.OutMsgs) }},
	{m("varz_in_bytes", "Payload bytes received since start.", counter), func(v *Varz) float64 { return float64(v.InBytes) }},
	{m("varz_out_bytes", "Payload bytes sent since start.", counter), func(v *Varz) float64 { return float64(v.OutBytes) }},
	{m("varz_slow_consumers", "Connections closed as slow consumers since start.", counter), func(v *Varz) float64 { return float64(v.SlowConsumers) }},
	{m("varz_stale_connections", "Connections closed as stale since start.", counter), func(v *Varz) float64 { return float64(v.StaleConnections) }},
	{m("varz_mem", "Resident memory of the process in bytes.", gauge), func(v *Varz) float64 { return float64(v.Mem) }},
	{m("varz_cpu", "CPU use of the process in percent of one core.", gauge), func(v *Varz) float64 { return v.CPU }},
	{m("varz_cores", "CPU cores of the host.", gauge), func(v *Varz) float64 { return float64(v.Cores) }},
	{m("varz_gomaxprocs", "GOMAXPROCS of the process.", gauge), func(v *Varz) float64 { return float64(v.MaxProcs) }},
	{m("varz_uptime_seconds", "Seconds since the server started.", gauge), func(v *Varz) float64 { return v.Now.Sub(v.Start).Seconds() }},
	{m("varz_start_time_seconds", "Start time of the server, seconds since the Unix epoch.", gauge), func(v *Varz) float64 { return float64(v.Start.UnixNano()) / 1e9 }},
	{m("varz_max_connections", "Configured max_connections.", gauge), func(v *Varz) float64 { return float64(v.MaxConn) }},
	{m("varz_max_subscriptions", "Configured max_subscriptions per connection (0: unlimited).", gauge), func(v *Varz) float64 { return float64(v.MaxSubs) }},
	{m("varz_max_payload", "Configured max_payload in bytes.", gauge), func(v *Varz) float64 { return float64(v.MaxPayload) }},
	{m("varz_max_pending", "Configured max_pending in bytes.", gauge), func(v *Varz) float64 { return float64(v.MaxPending) }},
	{m("varz_max_control_line", "Configured max_control_line in bytes.", gauge), func(v *Varz) float64 { return float64(v.MaxControlLine) }},
	{m("varz_ping_interval_seconds", "Configured ping_interval in seconds.", gauge), func(v *Varz) float64 { return v.PingInterval.Seconds() }},
	{m("varz_ping_max", "Configured ping_max.", gauge), func(v *Varz) float64 { return float64(v.MaxPingsOut) }},
	{m("varz_write_deadline_seconds", "Configured write_deadline in seconds.", gauge), func(v *Varz) float64 { return v.WriteDeadline.Seconds() }},
	{m("varz_auth_timeout_seconds", "Configured authorization timeout in seconds.", gauge), func(v *Varz) float64 { return v.AuthTimeout }},
}

var connzMetrics = []connzMetric{
	{m("connz_pending_bytes", "Bytes queued for open connections, summed.", gauge), func(c *ConnInfo) float64 { return float64(c.Pending) }},
	{m("connz_subscriptions", "Subscriptions of open connections, summed.", gauge), func(c *ConnInfo) float64 { return float64(c.NumSubs) }},
	{m("connz_in_msgs", "Messages received from the open connections, summed.", gauge), func(c *ConnInfo) float64 { return float64(c.InMsgs) }},
	{m("connz_out_msgs", "Messages sent to the open connections, summed.", gauge), func(c *ConnInfo) float64 { return float64(c.OutMsgs) }},
	{m("connz_in_bytes", "Payload bytes received from the open connections, summed.", gauge), func(c *ConnInfo) float64 { return float64(c.InBytes) }},
	{m("connz_out_bytes", "Payload bytes sent to the open connections, summed.", gauge), func(c *ConnInfo) float64 { return float64(c.OutBytes) }},
	{m("connz_throttled_seconds", "Seconds the open connections waited for publish rate limits, summed (natsd only).", gauge), func(c *ConnInfo) float64 { return float64(c.ThrottledMs) / 1e3 }},
	{m("connz_websocket_connections", "Open WebSocket client connections.", gauge), func(c *ConnInfo) float64 {
		if c.Type == "websocket" {
			return 1
		}
		return 0
	}},
}

var subszMetrics = []subszMetric{
	{m("subsz_num_subscriptions", "Subscriptions in the subject index.", gauge), func(s *SublistStats) float64 { return float64(s.NumSubs) }},
	{m("subsz_num_cache", "Entries in the subject index's match cache.", gauge), func(s *SublistStats) float64 { return float64(s.NumCache) }},
	{m("subsz_num_inserts", "Subscriptions inserted since start.", counter), func(s *SublistStats) float64 { return float64(s.NumInserts) }},
	{m("subsz_num_removes", "Subscriptions removed since start.", counter), func(s *SublistStats) float64 { return float64(s.NumRemoves) }},
	{m("subsz_num_matches", "Subject index lookups since start.", counter), func(s *SublistStats) float64 { return float64(s.NumMatches) }},
	{m("subsz_cache_hit_rate", "Share of lookups answered by the match cache.", gauge), func(s *SublistStats) float64 { return s.CacheHitRate }},
	{m("subsz_max_fanout", "Largest number of subscribers of a cached match.", gauge), func(s *SublistStats) float64 { return float64(s.MaxFanout) }},
	{m("subsz_avg_fanout", "Average number of subscribers of a cached match.", gauge), func(s *SublistStats) float64 { return s.AvgFanout }},
}

var routezMetrics = []routezMetric{
	{m("routez_pending_bytes", "Bytes queued for routes, summed.", gauge), func(r *RouteInfo) float64 { return float64(r.Pending) }},
	{m("routez_subscriptions", "Subscriptions of routes, summed.", gauge), func(r *RouteInfo) float64 { return float64(r.NumSubs) }},
	{m("routez_in_msgs", "Messages received over routes, summed.", gauge), func(r *RouteInfo) float64 { return float64(r.InMsgs) }},
	{m("routez_out_msgs", "Messages sent over routes, summed.", gauge), func(r *RouteInfo) float64 { return float64(r.OutMsgs) }},
	{m("routez_in_bytes", "Bytes received over routes, summed.", gauge), func(r *RouteInfo) float64 { return float64(r.InBytes) }},
	{m("routez_out_bytes", "Bytes sent over routes, summed.", gauge), func(r *RouteInfo) float64 { return float64(r.OutBytes) }},
}

// AccountMetricsSource is the optional part of a Source that has
// accounts: /metrics then has the gnatsd_account_* series, one per
// account, labelled account.
type AccountMetricsSource interface {
	AccountMetrics() []AccountMetrics
}

// AccountMetrics is one account's totals.
type AccountMetrics struct {
	Account                            string
	Connections, Subscriptions         int
	InMsgs, InBytes, OutMsgs, OutBytes int64 // closed connections included
	Throttled                          time.Duration
}

type accountMetric struct {
	Metric
	value func(*AccountMetrics) float64
}

var accountMetrics = []accountMetric{
	{m("account_connections", "Open client connections of the account.", gauge), func(a *AccountMetrics) float64 { return float64(a.Connections) }},
	{m("account_subscriptions", "Subscriptions in the account's subject index.", gauge), func(a *AccountMetrics) float64 { return float64(a.Subscriptions) }},
	{m("account_in_msgs", "Messages the account's client connections published since start.", counter), func(a *AccountMetrics) float64 { return float64(a.InMsgs) }},
	{m("account_in_bytes", "Payload bytes the account's client connections published since start.", counter), func(a *AccountMetrics) float64 { return float64(a.InBytes) }},
	{m("account_out_msgs", "Messages delivered to the account's client connections since start.", counter), func(a *AccountMetrics) float64 { return float64(a.OutMsgs) }},
	{m("account_out_bytes", "Payload bytes delivered to the account's client connections since start.", counter), func(a *AccountMetrics) float64 { return float64(a.OutBytes) }},
	{m("account_throttled_seconds", "Seconds the account's connections waited for publish rate limits since start (natsd only).", counter), func(a *AccountMetrics) float64 { return a.Throttled.Seconds() }},
}

// Metrics built from the documents' headers rather than from a field list.
var (
	metricInfo       = m("varz_info", "Always 1; the labels carry the server's name and version.", gauge)
	metricReqStats   = m("varz_http_req_stats", "Monitoring requests served, per endpoint.", counter)
	metricSCStats    = m("varz_slow_consumer_stats", "Slow consumers since start, per connection kind.", counter)
	metricConnzNum   = m("connz_num_connections", "Open client connections.", gauge)
	metricConnzTotal = m("connz_total", "Open client connections (as connz's total).", gauge)
	metricClosed     = m("connz_closed_connections", "Closed connections kept in the closed-connection ring.", gauge)
	metricNumRoutes  = m("routez_num_routes", "Open routes.", gauge)
	metricHealthz    = m("healthz_ok", "1 while /healthz answers ok, 0 otherwise.", gauge)
)

// Metrics lists every metric /metrics exposes (besides the standard go_*
// and process_* collectors), for documentation and tests.
func Metrics() []Metric {
	var out []Metric
	out = append(out, metricInfo)
	for _, v := range varzMetrics {
		out = append(out, v.Metric)
	}
	out = append(out, metricReqStats, metricSCStats, metricConnzNum, metricConnzTotal, metricClosed)
	for _, v := range connzMetrics {
		out = append(out, v.Metric)
	}
	for _, v := range subszMetrics {
		out = append(out, v.Metric)
	}
	out = append(out, metricNumRoutes)
	for _, v := range routezMetrics {
		out = append(out, v.Metric)
	}
	for _, v := range accountMetrics {
		out = append(out, v.Metric)
	}
	return append(out, metricHealthz)
}

// collector builds the metrics at scrape time from the same snapshots
// the JSON endpoints serve.
type collector struct {
	src   Source
	h     *Handler
	descs map[string]*prometheus.Desc
}

func newCollector(src Source, h *Handler) *collector {
	c := &collector{src: src, h: h, descs: make(map[string]*prometheus.Desc)}
	for _, mt := range Metrics() {
		labels := []string{"server_id"}
		switch mt.Name {
		case metricInfo.Name:
			labels = append(labels, "server_name", "version", "go")
		case metricReqStats.Name:
			labels = append(labels, "path")
		case metricSCStats.Name:
			labels = append(labels, "kind")
		}
		if strings.HasPrefix(mt.Name, MetricNamespace+"_account_") {
			labels = append(labels, "account")
		}
		c.descs[mt.Name] = prometheus.NewDesc(mt.Name, mt.Help, labels, nil)
	}
	return c
}

func (c *collector) Describe(ch chan<- *prometheus.Desc) {
	for _, d := range c.descs {
		ch <- d
	}
}

func (c *collector) emit(ch chan<- prometheus.Metric, mt Metric, v float64, labels ...string) {
	ch <- prometheus.MustNewConstMetric(c.descs[mt.Name], mt.Type, v, labels...)
}

func (c *collector) Collect(ch chan<- prometheus.Metric) {
	v := c.src.Varz()
	id := v.ID
	c.emit(ch, metricInfo, 1, id, v.Name, v.Version, v.GoVersion)
	for _, vm := range varzMetrics {
		c.emit(ch, vm.Metric, vm.value(v), id)
	}
	if c.h != nil {
		for path, n := range c.h.RequestStats() {
			c.emit(ch, metricReqStats, float64(n), id, path)
		}
	}
	if sc := v.SlowConsumersStats; sc != nil {
		c.emit(ch, metricSCStats, float64(sc.Clients), id, "clients")
		c.emit(ch, metricSCStats, float64(sc.Routes), id, "routes")
		c.emit(ch, metricSCStats, float64(sc.Gateways), id, "gateways")
		c.emit(ch, metricSCStats, float64(sc.Leafs), id, "leafs")
	}

	if cz, err := c.src.Connz(&ConnzOptions{Limit: math.MaxInt32}); err == nil {
		c.emit(ch, metricConnzNum, float64(cz.NumConns), id)
		c.emit(ch, metricConnzTotal, float64(cz.Total), id)
		for _, cm := range connzMetrics {
			sum := 0.0
			for _, ci := range cz.Conns {
				sum += cm.value(ci)
			}
			c.emit(ch, cm.Metric, sum, id)
		}
	}
	if cz, err := c.src.Connz(&ConnzOptions{State: ConnClosed, Limit: 1}); err == nil {
		c.emit(ch, metricClosed, float64(cz.Total), id)
	}
	if sz, err := c.src.Subsz(&SubszOptions{}); err == nil {
		for _, sm := range subszMetrics {
			c.emit(ch, sm.Metric, sm.value(&sz.SublistStats), id)
		}
	}
	if rz, err := c.src.Routez(&RoutezOptions{}); err == nil {
		c.emit(ch, metricNumRoutes, float64(rz.NumRoutes), id)
		for _, rm := range routezMetrics {
			sum := 0.0
			for _, ri := range rz.Routes {
				sum += rm.value(ri)
			}
			c.emit(ch, rm.Metric, sum, id)
		}
	}
	if as, ok := c.src.(AccountMetricsSource); ok {
		for _, a := range as.AccountMetrics() {
			for _, am := range accountMetrics {
				c.emit(ch, am.Metric, am.value(&a), id, a.Account)
			}
		}
	}
	ok := 0.0
	if c.src.Healthz().Status == HealthOK {
		ok = 1
	}
	c.emit(ch, metricHealthz, ok, id)
}

// newMetricsHandler serves the Prometheus text format (version 0.0.4).
// OpenMetrics negotiation is left off on purpose: it would rename the
// counters with a _total suffix and break the exporter's dashboards.
func newMetricsHandler(src Source, h *Handler) http.Handler {
	reg := prometheus.NewRegistry()
	reg.MustRegister(newCollector(src, h))
	if jsz, ok := src.(JszSource); ok {
		reg.MustRegister(newJszCollector(src, jsz))
	}
	reg.MustRegister(collectors.NewGoCollector())
	reg.MustRegister(collectors.NewProcessCollector(collectors.ProcessCollectorOpts{}))
	return promhttp.HandlerFor(reg, promhttp.HandlerOpts{ErrorHandling: promhttp.ContinueOnError})
}
