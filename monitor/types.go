// Package monitor serves natsd's HTTP monitoring endpoints (/varz, /connz,
// /routez, /subsz, /healthz, /stacksz and /metrics) with the JSON that
// nats-server's monitoring port returns, so that nats-top, the Prometheus
// exporter and dashboards built on them read natsd unchanged.
//
// The package does not know the server: it serves snapshots that a Source
// builds, and it holds the pure parts (query parsing, sorting, paging,
// formatting) so they can be tested without a server.
package monitor

import "time"

// Varz is the /varz document: the server's configuration and totals.
// Field names, order and omitempty follow nats-server's; the nested
// sections natsd has nothing for (gateway, leaf, mqtt, websocket,
// jetstream) are kept as empty objects, as nats-server shows them when
// they are not configured.
type Varz struct {
	ID                   string                `json:"server_id"`
	Name                 string                `json:"server_name"`
	Version              string                `json:"version"`
	Proto                int                   `json:"proto"`
	GitCommit            string                `json:"git_commit,omitempty"`
	GoVersion            string                `json:"go"`
	Host                 string                `json:"host"`
	Port                 int                   `json:"port"`
	AuthRequired         bool                  `json:"auth_required,omitempty"`
	TLSRequired          bool                  `json:"tls_required,omitempty"`
	TLSVerify            bool                  `json:"tls_verify,omitempty"`
	IP                   string                `json:"ip,omitempty"`
	ClientConnectURLs    []string              `json:"connect_urls,omitempty"`
	MaxConn              int                   `json:"max_connections"`
	MaxSubs              int                   `json:"max_subscriptions,omitempty"`
	PingInterval         time.Duration         `json:"ping_interval"`
	MaxPingsOut          int                   `json:"ping_max"`
	HTTPHost             string                `json:"http_host"`
	HTTPPort             int                   `json:"http_port"`
	HTTPBasePath         string                `json:"http_base_path"`
	HTTPSPort            int                   `json:"https_port"`
	AuthTimeout          float64               `json:"auth_timeout"`
	MaxControlLine       int32                 `json:"max_control_line"`
	MaxPayload           int                   `json:"max_payload"`
	MaxPending           int64                 `json:"max_pending"`
	Cluster              ClusterOptsVarz       `json:"cluster"`
	Gateway              GatewayOptsVarz       `json:"gateway"`
	LeafNode             LeafNodeOptsVarz      `json:"leaf"`
	MQTT                 MQTTOptsVarz          `json:"mqtt"`
	Websocket            WebsocketOptsVarz     `json:"websocket"`
	JetStream            JetStreamVarz         `json:"jetstream"`
	TLSTimeout           float64               `json:"tls_timeout"`
	WriteDeadline        time.Duration         `json:"write_deadline"`
	Start                time.Time             `json:"start"`
	Now                  time.Time             `json:"now"`
	Uptime               string                `json:"uptime"`
	Mem                  int64                 `json:"mem"`
	Cores                int                   `json:"cores"`
	MaxProcs             int                   `json:"gomaxprocs"`
	MemLimit             int64                 `json:"gomemlimit,omitempty"`
	CPU                  float64               `json:"cpu"`
	Connections          int                   `json:"connections"`
	TotalConnections     uint64                `json:"total_connections"`
	Routes               int                   `json:"routes"`
	Remotes              int                   `json:"remotes"`
	Leafs                int                   `json:"leafnodes"`
	InMsgs               int64                 `json:"in_msgs"`
	InBytes              int64                 `json:"in_bytes"`
	InClientMsgs         int64                 `json:"in_client_msgs"`
	InClientBytes        int64                 `json:"in_client_bytes"`
	OutMsgs              int64                 `json:"out_msgs"`
	OutBytes             int64                 `json:"out_bytes"`
	OutClientMsgs        int64                 `json:"out_client_msgs"`
	OutClientBytes       int64                 `json:"out_client_bytes"`
	SlowConsumers        int64                 `json:"slow_consumers"`
	StaleConnections     int64                 `json:"stale_connections"`
	StalledClients       int64                 `json:"stalled_clients"`
	Subscriptions        uint32                `json:"subscriptions"`
	HTTPReqStats         map[string]uint64     `json:"http_req_stats"`
	ConfigLoadTime       time.Time             `json:"config_load_time"`
	ConfigDigest         string                `json:"config_digest"`
	Tags                 []string              `json:"tags,omitempty"`
	SystemAccount        string                `json:"system_account,omitempty"`
	SlowConsumersStats   *SlowConsumersStats   `json:"slow_consumer_stats"`
	StaleConnectionStats *StaleConnectionStats `json:"stale_connection_stats,omitempty"`
}

// ClusterOptsVarz is the cluster section of /varz; empty without a cluster.
type ClusterOptsVarz struct {
	Name        string   `json:"name,omitempty"`
	Host        string   `json:"addr,omitempty"`
	Port        int      `json:"cluster_port,omitempty"`
	AuthTimeout float64  `json:"auth_timeout,omitempty"`
	URLs        []string `json:"urls,omitempty"`
	TLSTimeout  float64  `json:"tls_timeout,omitempty"`
	TLSRequired bool     `json:"tls_required,omitempty"`
	TLSVerify   bool     `json:"tls_verify,omitempty"`
	PoolSize    int      `json:"pool_size,omitempty"`
}

// GatewayOptsVarz is the gateway section of /varz (natsd has no gateways).
type GatewayOptsVarz struct {
	Name string `json:"name,omitempty"`
	Host string `json:"host,omitempty"`
	Port int    `json:"port,omitempty"`
}

// LeafNodeOptsVarz is the leaf node section of /varz, with nats-server's
// field names and order.
type LeafNodeOptsVarz struct {
	Host        string               `json:"host,omitempty"`
	Port        int                  `json:"port,omitempty"`
	AuthTimeout float64              `json:"auth_timeout,omitempty"`
	TLSTimeout  float64              `json:"tls_timeout,omitempty"`
	TLSRequired bool                 `json:"tls_required,omitempty"`
	TLSVerify   bool                 `json:"tls_verify,omitempty"`
	Remotes     []RemoteLeafOptsVarz `json:"remotes,omitempty"`
}

// RemoteLeafOptsVarz is one remote in /varz's leaf section.
type RemoteLeafOptsVarz struct {
	LocalAccount string     `json:"local_account,omitempty"`
	URLs         []string   `json:"urls,omitempty"`
	Deny         *DenyRules `json:"deny,omitempty"`
}

// DenyRules are a remote's deny_exports and deny_imports.
type DenyRules struct {
	Exports []string `json:"exports,omitempty"`
	Imports []string `json:"imports,omitempty"`
}

// MQTTOptsVarz is the MQTT section of /varz (natsd has no MQTT).
type MQTTOptsVarz struct {
	Host string `json:"host,omitempty"`
	Port int    `json:"port,omitempty"`
}

// WebsocketOptsVarz is the websocket section of /varz, with
// nats-server's field names and order.
type WebsocketOptsVarz struct {
	Host             string        `json:"host,omitempty"`
	Port             int           `json:"port,omitempty"`
	Advertise        string        `json:"advertise,omitempty"`
	NoAuthUser       string        `json:"no_auth_user,omitempty"`
	HandshakeTimeout time.Duration `json:"handshake_timeout,omitempty"`
	AuthTimeout      float64       `json:"auth_timeout,omitempty"`
	NoTLS            bool          `json:"no_tls,omitempty"`
	SameOrigin       bool          `json:"same_origin,omitempty"`
	AllowedOrigins   []string      `json:"allowed_origins,omitempty"`
	Compression      bool          `json:"compression,omitempty"`
}

// JetStreamVarz is the JetStream section of /varz: empty when JetStream
// is off.
type JetStreamVarz struct {
	Config *JetStreamConfig `json:"config,omitempty"`
	Stats  *JetStreamStats  `json:"stats,omitempty"`
}

// SlowConsumersStats splits slow consumers by connection kind.
type SlowConsumersStats struct {
	Clients  uint64 `json:"clients"`
	Routes   uint64 `json:"routes"`
	Gateways uint64 `json:"gateways"`
	Leafs    uint64 `json:"leafs"`
}

// StaleConnectionStats splits stale connections by connection kind.
type StaleConnectionStats struct {
	Clients  uint64 `json:"clients"`
	Routes   uint64 `json:"routes"`
	Gateways uint64 `json:"gateways"`
	Leafs    uint64 `json:"leafs"`
}

// Connz is the /connz document.
type Connz struct {
	ID       string      `json:"server_id"`
	Now      time.Time   `json:"now"`
	NumConns int         `json:"num_connections"`
	Total    int         `json:"total"`
	Offset   int         `json:"offset"`
	Limit    int         `json:"limit"`
	Conns    []*ConnInfo `json:"connections"`
}

// ConnInfo is one connection in /connz, open or recently closed.
type ConnInfo struct {
	Cid            uint64      `json:"cid"`
	Kind           string      `json:"kind,omitempty"`
	Type           string      `json:"type,omitempty"`
	IP             string      `json:"ip"`
	Port           int         `json:"port"`
	Start          time.Time   `json:"start"`
	LastActivity   time.Time   `json:"last_activity"`
	Stop           *time.Time  `json:"stop,omitempty"`
	Reason         string      `json:"reason,omitempty"`
	RTT            string      `json:"rtt,omitempty"`
	Uptime         string      `json:"uptime"`
	Idle           string      `json:"idle"`
	Pending        int         `json:"pending_bytes"`
	InMsgs         int64       `json:"in_msgs"`
	OutMsgs        int64       `json:"out_msgs"`
	InBytes        int64       `json:"in_bytes"`
	OutBytes       int64       `json:"out_bytes"`
	NumSubs        uint32      `json:"subscriptions"`
	Name           string      `json:"name,omitempty"`
	Lang           string      `json:"lang,omitempty"`
	Version        string      `json:"version,omitempty"`
	TLSVersion     string      `json:"tls_version,omitempty"`
	TLSCipher      string      `json:"tls_cipher_suite,omitempty"`
	AuthorizedUser string      `json:"authorized_user,omitempty"`
	Account        string      `json:"account,omitempty"`
	Subs           []string    `json:"subscriptions_list,omitempty"`
	SubsDetail     []SubDetail `json:"subscriptions_list_detail,omitempty"`
	NameTag        string      `json:"name_tag,omitempty"`
	Tags           []string    `json:"tags,omitempty"`
	MQTTClient     string      `json:"mqtt_client,omitempty"`
	// ThrottledMs is natsd only: milliseconds the connection's reader
	// waited for its publish rate limits (left out while zero).
	ThrottledMs int64         `json:"throttled_ms,omitempty"`
	rtt         time.Duration // for sorting; RTT is its rendering
}

// SetRTT records the round-trip time, rendered as nats-server does
// (rounded to the microsecond) and kept for sorting by rtt.
func (ci *ConnInfo) SetRTT(d time.Duration) {
	ci.rtt = d
	ci.RTT = FormatRTT(d)
}

// RTTDuration is the round-trip time set with SetRTT.
func (ci *ConnInfo) RTTDuration() time.Duration { return ci.rtt }

// SubDetail is one subscription in subscriptions_list_detail (connz) and
// subscriptions_list (subsz). Account fields are set only by /subsz.
type SubDetail struct {
	Account    string `json:"account,omitempty"`
	AccountTag string `json:"account_tag,omitempty"`
	Subject    string `json:"subject"`
	Queue      string `json:"qgroup,omitempty"`
	Sid        string `json:"sid"`
	Msgs       int64  `json:"msgs"`
	Max        int64  `json:"max,omitempty"`
	Cid        uint64 `json:"cid"`
}

// SublistStats are the subject index's counters, as /subsz shows them.
type SublistStats struct {
	NumSubs      uint32  `json:"num_subscriptions"`
	NumCache     uint32  `json:"num_cache"`
	NumInserts   uint64  `json:"num_inserts"`
	NumRemoves   uint64  `json:"num_removes"`
	NumMatches   uint64  `json:"num_matches"`
	CacheHitRate float64 `json:"cache_hit_rate"`
	MaxFanout    uint32  `json:"max_fanout"`
	AvgFanout    float64 `json:"avg_fanout"`
}

// Subsz is the /subsz document.
type Subsz struct {
	ID  string    `json:"server_id"`
	Now time.Time `json:"now"`
	SublistStats
	Total  int         `json:"total"`
	Offset int         `json:"offset"`
	Limit  int         `json:"limit"`
	Subs   []SubDetail `json:"subscriptions_list,omitempty"`
}

// Routez is the /routez document.
type Routez struct {
	ID        string       `json:"server_id"`
	Name      string       `json:"server_name"`
	Now       time.Time    `json:"now"`
	NumRoutes int          `json:"num_routes"`
	Routes    []*RouteInfo `json:"routes"`
}

// RouteInfo is one route in /routez.
type RouteInfo struct {
	Rid          uint64      `json:"rid"`
	RemoteID     string      `json:"remote_id"`
	RemoteName   string      `json:"remote_name"`
	DidSolicit   bool        `json:"did_solicit"`
	IsConfigured bool        `json:"is_configured"`
	IP           string      `json:"ip"`
	Port         int         `json:"port"`
	Start        time.Time   `json:"start"`
	LastActivity time.Time   `json:"last_activity"`
	RTT          string      `json:"rtt,omitempty"`
	Uptime       string      `json:"uptime"`
	Idle         string      `json:"idle"`
	Pending      int         `json:"pending_size"`
	InMsgs       int64       `json:"in_msgs"`
	OutMsgs      int64       `json:"out_msgs"`
	InBytes      int64       `json:"in_bytes"`
	OutBytes     int64       `json:"out_bytes"`
	NumSubs      uint32      `json:"subscriptions"`
	Subs         []string    `json:"subscriptions_list,omitempty"`
	SubsDetail   []SubDetail `json:"subscriptions_list_detail,omitempty"`
	Account      string      `json:"account,omitempty"`
	Compression  string      `json:"compression,omitempty"`
}

// Healthz is the /healthz document.
type Healthz struct {
	Status     string `json:"status"`
	StatusCode int    `json:"status_code,omitempty"`
	Error      string `json:"error,omitempty"`
}

// Health states.
const (
	HealthOK          = "ok"
	HealthUnavailable = "unavailable"
)
