package monitor

import "time"

// The system account's messages: the advisories and statistics a server
// publishes on $SYS subjects, and the envelope of its answers to $SYS.REQ
// requests, field for field (names, order, types) as nats-server v2
// sends them, so that natscli and other tools read natsd's unchanged.

// Advisory types.
const (
	ConnectEventType    = "io.nats.server.advisory.v1.client_connect"
	DisconnectEventType = "io.nats.server.advisory.v1.client_disconnect"
	AccountNumConnsType = "io.nats.server.advisory.v1.account_connections"
)

// FeatureFlags are the protocol features a server advertises in every
// ServerInfo; natsd reports nats-server 2.15.2's defaults.
type FeatureFlags struct {
	AckFCV2         bool `json:"js_ack_fc_v2"`
	APIReplyV2      bool `json:"js_api_reply_v2"`
	RaftDeleteRange bool `json:"js_raft_delete_range"`
	SnapshotSources bool `json:"js_snapshot_sources"`
}

// DefaultFeatureFlags are the flags nats-server 2.15.2 sends by default.
var DefaultFeatureFlags = FeatureFlags{RaftDeleteRange: true}

// ServerInfo identifies the server that sent an event or an answer. Seq
// numbers every message the server's system client sends.
type ServerInfo struct {
	Name         string            `json:"name"`
	Host         string            `json:"host"`
	ID           string            `json:"id"`
	Cluster      string            `json:"cluster,omitempty"`
	Domain       string            `json:"domain,omitempty"`
	Version      string            `json:"ver"`
	Tags         []string          `json:"tags,omitempty"`
	Metadata     map[string]string `json:"metadata,omitempty"`
	FeatureFlags FeatureFlags      `json:"feature_flags"`
	JetStream    bool              `json:"jetstream"`
	Flags        uint64            `json:"flags"`
	Seq          uint64            `json:"seq"`
	Time         time.Time         `json:"time"`
}

// ServerAPIResponse is the envelope of an answer to a $SYS.REQ request.
type ServerAPIResponse struct {
	Server *ServerInfo     `json:"server"`
	Data   any             `json:"data,omitempty"`
	Error  *ServerAPIError `json:"error,omitempty"`
}

// ServerAPIError is a request's failure: an HTTP-like code and a text.
type ServerAPIError struct {
	Code        int    `json:"code"`
	Description string `json:"description,omitempty"`
}

// Idz is the answer to IDZ requests (no envelope).
type Idz struct {
	Name string `json:"name"`
	Host string `json:"host"`
	ID   string `json:"id"`
}

// EventFilterOptions select which servers answer a PING request: a server
// whose name (host, cluster) does not contain the one given, or with
// ExactMatch does not equal it, stays silent. They come in the request's
// JSON body next to the endpoint's own options.
type EventFilterOptions struct {
	Name       string   `json:"server_name,omitempty"`
	Cluster    string   `json:"cluster,omitempty"`
	Host       string   `json:"host,omitempty"`
	Tags       []string `json:"tags,omitempty"`
	Domain     string   `json:"domain,omitempty"`
	ExactMatch bool     `json:"exact_match,omitempty"`
}

// MsgBytes counts messages and their payload bytes.
type MsgBytes struct {
	Msgs  int64 `json:"msgs"`
	Bytes int64 `json:"bytes"`
}

// RouteStat is one route in a ServerStats.
type RouteStat struct {
	ID       uint64   `json:"rid"`
	Name     string   `json:"name,omitempty"`
	Sent     MsgBytes `json:"sent"`
	Received MsgBytes `json:"received"`
	Pending  int      `json:"pending"`
}

// JetStreamStatz is JetStream's part of a ServerStats.
type JetStreamStatz struct {
	Config *JetStreamConfig `json:"config,omitempty"`
	Stats  *JetStreamStats  `json:"stats,omitempty"`
}

// ServerStats are a server's statistics, sent on $SYS.SERVER.<id>.STATSZ
// and in answer to $SYS.REQ.SERVER.PING and STATSZ requests.
type ServerStats struct {
	Start               time.Time       `json:"start"`
	Mem                 int64           `json:"mem"`
	Cores               int             `json:"cores"`
	CPU                 float64         `json:"cpu"`
	Connections         int             `json:"connections"`
	TotalConnections    uint64          `json:"total_connections"`
	ActiveAccounts      int             `json:"active_accounts"`
	NumSubs             uint32          `json:"subscriptions"`
	Sent                MsgBytes        `json:"sent"`
	SentToClients       MsgBytes        `json:"sent_to_clients"`
	Received            MsgBytes        `json:"received"`
	ReceivedFromClients MsgBytes        `json:"received_from_clients"`
	SlowConsumers       int64           `json:"slow_consumers"`
	Routes              []*RouteStat    `json:"routes,omitempty"`
	ActiveServers       int             `json:"active_servers"`
	JetStream           *JetStreamStatz `json:"jetstream,omitempty"`
	MaxProcs            int             `json:"gomaxprocs"`
}

// ServerStatsMsg is a ServerStats with its sender.
type ServerStatsMsg struct {
	Server *ServerInfo `json:"server"`
	Stats  ServerStats `json:"statsz"`
}

// ClientInfo describes a client connection in the connect and disconnect
// advisories.
type ClientInfo struct {
	Start      *time.Time `json:"start,omitempty"`
	Host       string     `json:"host,omitempty"`
	ID         uint64     `json:"id,omitempty"`
	Account    string     `json:"acc,omitempty"`
	User       string     `json:"user,omitempty"`
	Name       string     `json:"name,omitempty"`
	Lang       string     `json:"lang,omitempty"`
	Version    string     `json:"ver,omitempty"`
	RTT        int64      `json:"rtt,omitempty"`
	Server     string     `json:"server,omitempty"`
	Cluster    string     `json:"cluster,omitempty"`
	Stop       *time.Time `json:"stop,omitempty"`
	NameTag    string     `json:"name_tag,omitempty"`
	Kind       string     `json:"kind,omitempty"`
	ClientType string     `json:"client_type,omitempty"`
}

// ConnectEventMsg is sent on $SYS.ACCOUNT.<account>.CONNECT when a client
// has connected.
type ConnectEventMsg struct {
	Type   string      `json:"type"`
	ID     string      `json:"id"`
	Time   time.Time   `json:"timestamp"`
	Server *ServerInfo `json:"server"`
	Client *ClientInfo `json:"client"`
}

// DisconnectEventMsg is sent on $SYS.ACCOUNT.<account>.DISCONNECT when a
// client connection has closed. Sent counts what the client sent to the
// server, Received what it got.
type DisconnectEventMsg struct {
	Type     string      `json:"type"`
	ID       string      `json:"id"`
	Time     time.Time   `json:"timestamp"`
	Server   *ServerInfo `json:"server"`
	Client   *ClientInfo `json:"client"`
	Sent     MsgBytes    `json:"sent"`
	Received MsgBytes    `json:"received"`
	Reason   string      `json:"reason"`
}

// DataStats count messages by where they went or came from.
type DataStats struct {
	MsgBytes
	Gateways MsgBytes `json:"gateways"`
	Routes   MsgBytes `json:"routes"`
	Leafs    MsgBytes `json:"leafs"`
}

// AccountStat is one account's connection count and traffic on a server.
type AccountStat struct {
	Account       string    `json:"acc"`
	Name          string    `json:"name"`
	Conns         int       `json:"conns"`
	LeafNodes     int       `json:"leafnodes"`
	TotalConns    int       `json:"total_conns"`
	NumSubs       uint32    `json:"num_subscriptions"`
	Sent          DataStats `json:"sent"`
	Received      DataStats `json:"received"`
	SlowConsumers int64     `json:"slow_consumers"`
}

// AccountNumConns is sent on $SYS.ACCOUNT.<account>.SERVER.CONNS and
// $SYS.SERVER.ACCOUNT.<account>.CONNS when an account's connection count
// on a server changes, and answers $SYS.REQ.ACCOUNT.<account>.CONNS.
type AccountNumConns struct {
	Type   string      `json:"type"`
	ID     string      `json:"id"`
	Time   time.Time   `json:"timestamp"`
	Server *ServerInfo `json:"server"`
	AccountStat
}

// AccountStatzPath is the accounts' statistics endpoint.
const AccountStatzPath = "/accstatz"

// AccountStatzOptions select the accounts of /accstatz and of
// $SYS.REQ.ACCOUNT.PING.STATZ: those named (all when none), and only
// those with connections unless IncludeUnused.
type AccountStatzOptions struct {
	Accounts      []string `json:"accounts"`
	IncludeUnused bool     `json:"include_unused"`
}

// AccountStatz is the /accstatz document.
type AccountStatz struct {
	ID       string         `json:"server_id"`
	Now      time.Time      `json:"now"`
	Accounts []*AccountStat `json:"account_statz"`
}

// UserInfo answers $SYS.REQ.USER.INFO: who the requester is.
type UserInfo struct {
	UserID      string `json:"user"`
	Account     string `json:"account"`
	AccountName string `json:"account_name,omitempty"`
}
