package server

import (
	"encoding/json"
	"net"
	"runtime"
	"strconv"

	"github.com/natsd/natsd/auth"
	"github.com/natsd/natsd/jetstream/api"
)

// The accepting side's handshake (see leafnode.go): the INFO, the leaf's
// CONNECT, its authentication and account binding.

// leafInfoMsg is the INFO of the leaf node protocol, with nats-server's
// fields in its order.
type leafInfoMsg struct {
	ID            string   `json:"server_id"`
	Name          string   `json:"server_name"`
	Version       string   `json:"version"`
	Proto         int      `json:"proto"`
	Go            string   `json:"go"`
	Host          string   `json:"host"`
	Port          int      `json:"port"`
	Headers       bool     `json:"headers"`
	AuthRequired  bool     `json:"auth_required,omitempty"`
	TLSRequired   bool     `json:"tls_required,omitempty"`
	TLSVerify     bool     `json:"tls_verify,omitempty"`
	MaxPayload    int32    `json:"max_payload"`
	IP            string   `json:"ip,omitempty"`
	ClientID      uint64   `json:"client_id,omitempty"`
	Nonce         string   `json:"nonce,omitempty"`
	Cluster       string   `json:"cluster,omitempty"`
	Compression   string   `json:"compression,omitempty"`
	ConnectInfo   bool     `json:"connect_info,omitempty"`
	RemoteAccount string   `json:"remote_account,omitempty"`
	APILevel      int      `json:"api_lvl,omitempty"` // the JetStream API level, as in every nats-server INFO
	InfoOnConnect bool     `json:"info_on_connect,omitempty"`
	LeafNodeURLs  []string `json:"leafnode_urls,omitempty"`
}

// leafConnectMsg is the leaf CONNECT.
type leafConnectMsg struct {
	Version       string `json:"version,omitempty"`
	ServerID      string `json:"server_id"`
	Name          string `json:"name"`
	Cluster       string `json:"cluster,omitempty"`
	Headers       bool   `json:"headers"`
	User          string `json:"user,omitempty"`
	Pass          string `json:"pass,omitempty"`
	Token         string `json:"auth_token,omitempty"`
	JWT           string `json:"jwt,omitempty"`
	Sig           string `json:"sig,omitempty"`
	Nkey          string `json:"nkey,omitempty"`
	TLSRequired   bool   `json:"tls_required,omitempty"`
	Compression   string `json:"compress_mode,omitempty"`
	RemoteAccount string `json:"remote_account,omitempty"`
	Proto         int    `json:"protocol"`
	Hub           bool   `json:"is_hub,omitempty"`
}

// leafInfoLine is the hub's INFO to an accepted leaf; connectInfo marks
// the one that answers CONNECT.
func (s *Server) leafInfoLine(c *client, connectInfo bool) []byte {
	info := s.leafInfoCommon()
	info.ClientID = c.cid
	if c.nonce != nil {
		info.Nonce = string(c.nonce)
	}
	if connectInfo {
		info.ConnectInfo = true
		info.RemoteAccount = c.acc.Load().name
	} else {
		info.Compression = s.leafInfoCompression(c) // leafnode_compress.go
	}
	return marshalLeafInfo(&info)
}

// leafInfoCommon is the hub's INFO without a connection's own fields
// (leafnode_urls: the hub cluster's, leafnode_urls.go).
func (s *Server) leafInfoCommon() leafInfoMsg {
	o := s.getOpts()
	info := leafInfoMsg{
		ID: s.id, Name: s.name, Version: Version, Proto: 3, Go: runtime.Version(),
		Headers: true, AuthRequired: true, MaxPayload: o.MaxPayload,
		Cluster: o.Cluster.Name, InfoOnConnect: true, TLSRequired: o.LeafNode.TLSConfig != nil,
		APILevel: api.APILevel, LeafNodeURLs: s.leafNodeURLs(),
	}
	if u := s.leafURL(); u != "" {
		host, port, _ := net.SplitHostPort(u)
		info.Host = host
		info.Port, _ = strconv.Atoi(port)
		info.IP = u
	}
	return info
}

func marshalLeafInfo(info *leafInfoMsg) []byte {
	b, _ := json.Marshal(info)
	return append(append([]byte("INFO "), b...), " \r\n"...)
}

// leafAuthenticator is what accepted leaf nodes log in with.
func (s *Server) leafAuthenticator() *auth.Authenticator {
	if a := s.leafs.authn.Load(); a != nil {
		return a
	}
	return s.authenticator()
}

// leafConnect handles the CONNECT of an accepted leaf: authentication,
// the account binding, then registration.
func (c *client) leafConnect(arg []byte) error {
	s := c.srv
	if c.leaf.solicited || c.leaf.registered {
		s.log.Errorf("%s - Unexpected leafnode CONNECT", c.logPrefix())
		return &clientError{reason: ProtocolViolation}
	}
	var m leafConnectMsg
	if err := json.Unmarshal(arg, &m); err != nil {
		s.log.Errorf("%s - Invalid leafnode CONNECT: %v", c.logPrefix(), err)
		return &clientError{reason: ProtocolViolation}
	}
	if m.ServerID == s.id {
		s.log.Errorf("%s - Leafnode connection to self", c.logPrefix())
		return &clientError{reason: ProtocolViolation}
	}
	o := s.getOpts()
	cr := auth.Credentials{User: m.User, Pass: m.Pass, Token: m.Token, Nkey: m.Nkey, Sig: m.Sig, JWT: m.JWT}
	var id *auth.Identity
	var err error
	if authn := s.leafAuthenticator(); authn.Operator() {
		// Operator mode: the leaf logs in as a user of the .creds file its
		// remote names, checked as a client's JWT is (connection type
		// LEAFNODE), and lands in the user's account.
		id, err = c.authenticateJWT(&cr)
	} else {
		id, err = authn.Check(&cr, c.nonce)
	}
	if err != nil {
		s.log.Errorf("%s - %v", c.logPrefix(), err)
		return &clientError{text: errAuthorization, reason: AuthenticationViolation}
	}
	accName := id.Account
	if s.leafs.authn.Load() != nil && accName == "" {
		accName = o.LeafNode.Account
	}
	acc := s.lookupAccount(accName)
	if acc == nil {
		s.log.Errorf("%s - Leafnode account %q does not exist", c.logPrefix(), accName)
		return &clientError{text: errAuthorization, reason: AuthenticationViolation}
	}
	if lim := acc.limits().MaxLeafNodes; (lim > 0 && s.numLeafsIn(acc) >= lim) || acc.limits().NoLeafNodes {
		s.log.Errorf("%s - Account %q: maximum leaf node connections (%d) exceeded", c.logPrefix(), acc.name, lim)
		return &clientError{text: errMaxAccountConnections, reason: MaxAccountConnectionsExceeded}
	}
	c.acc.Store(acc)
	c.identity.Store(id)
	if p := id.Perms; p != nil {
		// The hub enforces the user's permissions: publish is what the
		// leaf may send here, subscribe what it may receive.
		c.leaf.importPerms = p
		c.leaf.exportPerms = p
	}
	c.mu.Lock()
	c.leaf.remoteID, c.leaf.remoteName, c.leaf.remoteCluster = m.ServerID, m.Name, m.Cluster
	c.leaf.remoteAccount = m.RemoteAccount
	c.authenticated = true
	c.creds = cr
	if c.authTimer != nil {
		c.authTimer.Stop()
	}
	c.mu.Unlock()
	c.connected = true
	c.opts.Name = m.Name
	c.setLogPrefix()
	s.answerLeafConnect(c)
	s.registerLeaf(c)
	return nil
}
