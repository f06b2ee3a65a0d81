package server

import (
	"encoding/json"
	"runtime"
	"slices"

	"github.com/natsd/natsd/jetstream/api"
)

// serverInfo is the INFO sent to clients, with nats-server's field names
// and order (clients and tools compare it byte for byte in places).
type serverInfo struct {
	ID           string `json:"server_id"`
	Name         string `json:"server_name"`
	Version      string `json:"version"`
	Proto        int    `json:"proto"`
	Go           string `json:"go"`
	Host         string `json:"host"`
	Port         int    `json:"port"`
	Headers      bool   `json:"headers"`
	AuthRequired bool   `json:"auth_required,omitempty"`
	TLSRequired  bool   `json:"tls_required,omitempty"`
	TLSVerify    bool   `json:"tls_verify,omitempty"`
	TLSAvailable bool   `json:"tls_available,omitempty"` // allow_non_tls
	MaxPayload   int32  `json:"max_payload"`
	JetStream    bool   `json:"jetstream,omitempty"`
	ClientID     uint64 `json:"client_id,omitempty"`
	ClientIP     string `json:"client_ip,omitempty"`
	Nonce        string `json:"nonce,omitempty"`
	// Cluster is the cluster name; ConnectURLs every cluster node's client
	// URL (only once the server has routes, as with nats-server).
	Cluster      string   `json:"cluster,omitempty"`
	ConnectURLs  []string `json:"connect_urls,omitempty"`
	LameDuckMode bool     `json:"ldm,omitempty"`
	// ConnectInfo and RemoteAccount are in the INFO that follows the first
	// PONG of a protocol-1 client, as nats-server sends it.
	ConnectInfo   bool   `json:"connect_info,omitempty"`
	RemoteAccount string `json:"remote_account,omitempty"`
	// APILevel is the JetStream API level, sent with or without JetStream
	// as nats-server does (ADR-55).
	APILevel int `json:"api_lvl,omitempty"`
	// XKey is the server's curve public key: an auth callout service seals
	// its responses to it, and nats-server announces it to every client.
	XKey string `json:"xkey,omitempty"`
}

// baseInfo is the INFO every client gets, before per-client fields.
func (s *Server) baseInfo() serverInfo {
	port := s.getOpts().Port
	ts := s.tls.Load()
	if a := s.Addr(); a != nil {
		port = addrPort(a)
	}
	info := serverInfo{
		ID:           s.id,
		Name:         s.name,
		Version:      Version,
		Proto:        ProtoVersion,
		Go:           runtime.Version(),
		Host:         s.getOpts().Host,
		Port:         port,
		Headers:      !s.getOpts().NoHeaderSupport,
		AuthRequired: s.authRequired(),
		TLSRequired:  ts != nil && !ts.allowNonTLS,
		TLSVerify:    ts != nil && ts.verify,
		TLSAvailable: ts != nil && ts.allowNonTLS,
		MaxPayload:   s.getOpts().MaxPayload,
		JetStream:    s.js.Load() != nil,
		Cluster:      s.getOpts().Cluster.Name,
		ConnectURLs:  s.clientConnectURLs(),
		APILevel:     api.APILevel,
		XKey:         s.xkeyPub,
	}
	if s.InLameDuckMode() {
		// This server no longer offers itself: connect_urls lists the
		// others only (and is left out when there are none), in the
		// lame-duck INFO and in any cluster update after it, as with
		// nats-server. Only the lame-duck INFO itself says "ldm".
		own := s.ownClientURLs()
		info.ConnectURLs = slices.DeleteFunc(slices.Clone(info.ConnectURLs), func(u string) bool { return slices.Contains(own, u) })
	}
	return info
}

// clientInfoLine encodes an INFO for clients; nats-server ends it with a
// space before the CRLF, and so do we.
func clientInfoLine(info *serverInfo) []byte {
	b, _ := json.Marshal(info) // cannot fail: plain fields only
	line := make([]byte, 0, len(b)+8)
	line = append(line, "INFO "...)
	line = append(line, b...)
	return append(line, " \r\n"...)
}

// infoFor builds the INFO line for a new client.
func (s *Server) infoFor(c *client) []byte {
	info := s.baseInfo()
	info.ClientID = c.cid
	info.ClientIP = c.host
	info.Nonce = string(c.nonce)
	s.wsInfo(c, &info)
	return clientInfoLine(&info)
}

// asyncInfoLine completes info, an INFO sent after the first one, with
// the fields of c's own connection, so that it is a whole INFO. The nonce
// is not repeated: it served the CONNECT that has already happened, and
// nats-server leaves it out too.
func (c *client) asyncInfoLine(info serverInfo) []byte {
	info.ClientID = c.cid
	info.ClientIP = c.host
	info.MaxPayload = c.maxPayload() // its account's may be lower
	c.srv.wsInfo(c, &info)
	return clientInfoLine(&info)
}

// connectInfo is the INFO sent after the first PONG to a protocol-1 client:
// it confirms the connection and names the account.
func (s *Server) connectInfo(c *client) []byte {
	info := s.baseInfo()
	info.ClientID = c.cid
	info.ClientIP = c.host
	info.ConnectInfo = true
	info.RemoteAccount = c.acc.Load().name
	info.MaxPayload = c.maxPayload()
	s.wsInfo(c, &info)
	return clientInfoLine(&info)
}
