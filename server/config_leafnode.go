package server

import (
	"crypto/tls"
	"crypto/x509"
	"fmt"
	"net/url"
	"os"
	"strconv"
	"strings"
	"time"

	"github.com/natsd/natsd/auth"
	"github.com/natsd/natsd/conf"
)

// The leafnodes block (server/leafnode.go):
//
//	leafnodes {
//	  listen: 0.0.0.0:7422            # or host/port: accept leaf nodes (the hub role)
//	  advertise: "hub.example.com:7422"
//	  no_advertise: false
//	  authorization {                 # else leaf nodes log in as clients do
//	    user: leaf, password: s3cr3t  # or token, or users: [ {user, password, account} ]
//	    account: EDGE                 # the account leaf nodes land in
//	    timeout: 2
//	  }
//	  tls { cert_file, key_file, ca_file, verify, timeout }
//	  compression: s2_auto            # the default; or off, accept, s2_fast, ..., { mode, rtt_thresholds }
//	  remotes: [                      # connect out (the leaf role)
//	    { url: "nats-leaf://user:pass@hub:7422"   # or urls: [...]
//	      account: EDGE               # the local account bound to the hub
//	      credentials: "edge.creds"   # a JWT and nkey seed to log in with
//	      deny_imports: ["secret.>"]  # what the hub may not send here
//	      deny_exports: ["local.>"]   # what is not sent to the hub
//	      first_info_timeout: "1s"
//	      compression: s2_auto        # as the hub's (leafnode_compress.go)
//	      ws_compression: true        # permessage-deflate on a ws:// or wss:// URL
//	      tls { ca_file, cert_file, key_file } }
//	  ]
//	  reconnect: "1s"                 # alias reconnect_delay
//	}

// DefaultLeafNodePort is the leaf node port when the leafnodes block sets
// neither port nor listen while accepting leaf nodes.
const DefaultLeafNodePort = 7422

// DefaultLeafReconnect is the delay between attempts to reach a hub.
const DefaultLeafReconnect = time.Second

// DefaultLeafFirstInfoTimeout bounds the wait for a hub's first INFO.
const DefaultLeafFirstInfoTimeout = time.Second

// LeafNodeOpts configure leaf node connections: accepting them (Port) and
// soliciting them (Remotes).
type LeafNodeOpts struct {
	Host string
	// Port of the leaf node listener: 0 = none, RandomPort (-1) = any.
	Port        int
	Advertise   string
	NoAdvertise bool
	// Username/Password, Token or Users authorize accepted leaf nodes;
	// with none of them, leaf nodes authenticate as clients do. Account
	// is where a leaf authorized by Username or Token lands.
	Username, Password, Token string
	Users                     []*auth.User
	Account                   string
	AuthTimeout               time.Duration
	TLSConfig                 *tls.Config
	TLSTimeout                time.Duration
	// Compression is the mode offered to accepted leaf nodes ("" =
	// s2_auto, leafnode_compress.go), CompressionRTT s2_auto's thresholds
	// (nil = the defaults). MinVersion is accepted for compatibility.
	Compression    string
	CompressionRTT []time.Duration
	MinVersion     string
	// Remotes are the hubs this server connects to as a leaf.
	Remotes []*RemoteLeafOpts
	// ReconnectInterval is the base delay between connection attempts.
	ReconnectInterval time.Duration
}

// RemoteLeafOpts is one remote: a hub (any of URLs) and the local account
// bound to it.
type RemoteLeafOpts struct {
	URLs             []*url.URL
	LocalAccount     string
	Credentials      string
	DenyImports      []string
	DenyExports      []string
	FirstInfoTimeout time.Duration
	TLSConfig        *tls.Config
	TLSTimeout       time.Duration
	Compression      string          // "" = s2_auto (leafnode_compress.go)
	CompressionRTT   []time.Duration // s2_auto's thresholds, nil = the defaults
	WSCompression    bool            // ask a ws:// or wss:// hub for permessage-deflate
	NoRandomize      bool
}

// enabled reports whether leaf nodes are accepted.
func (l *LeafNodeOpts) enabled() bool { return l.Port != 0 }

func (l *LeafNodeOpts) setDefaults() {
	if l.enabled() && l.Host == "" {
		l.Host = DefaultHost
	}
	if l.AuthTimeout == 0 {
		l.AuthTimeout = DefaultAuthTimeout
	}
	if l.TLSTimeout == 0 {
		l.TLSTimeout = DefaultTLSTimeout
	}
	if l.ReconnectInterval == 0 {
		l.ReconnectInterval = DefaultLeafReconnect
	}
	for _, r := range l.Remotes {
		if r.FirstInfoTimeout == 0 {
			r.FirstInfoTimeout = DefaultLeafFirstInfoTimeout
		}
		if r.TLSTimeout == 0 {
			r.TLSTimeout = DefaultTLSTimeout
		}
	}
}

func (l *LeafNodeOpts) validate(o *Options) error {
	if l.Port < RandomPort || l.Port > 65535 {
		return fmt.Errorf("leafnodes port %d out of range (use -1 for a random port)", l.Port)
	}
	n := 0
	for _, set := range []bool{l.Username != "", l.Token != "", len(l.Users) > 0} {
		if set {
			n++
		}
	}
	if n > 1 {
		return fmt.Errorf("leafnodes authorization: use one of user, token and users")
	}
	for _, r := range l.Remotes {
		if len(r.URLs) == 0 {
			return fmt.Errorf("leafnodes remote needs a url")
		}
		if r.LocalAccount != "" && !o.hasAccount(r.LocalAccount) {
			return fmt.Errorf("leafnodes remote: account %q is not defined", r.LocalAccount)
		}
	}
	if l.Account != "" && !o.hasAccount(l.Account) {
		return fmt.Errorf("leafnodes authorization: account %q is not defined", l.Account)
	}
	for _, u := range l.Users {
		if u.Account != "" && !o.hasAccount(u.Account) {
			return fmt.Errorf("leafnodes authorization: account %q of user %q is not defined", u.Account, u.Username)
		}
	}
	return nil
}

// hasAccount reports whether name is the global account or one of the
// accounts block.
func (o *Options) hasAccount(name string) bool {
	if name == "$G" {
		return true
	}
	for _, a := range o.Accounts {
		if a.Name == name {
			return true
		}
	}
	return name == o.SystemAccount || (o.SystemAccount == "" && name == "$SYS")
}

// clone copies the remotes, so servers never share them.
func (l LeafNodeOpts) clone() LeafNodeOpts {
	if l.Remotes != nil {
		rs := make([]*RemoteLeafOpts, len(l.Remotes))
		for i, r := range l.Remotes {
			cr := *r
			rs[i] = &cr
		}
		l.Remotes = rs
	}
	return l
}

var leafNodeKeys = []optionKey{
	{names: []string{"listen"}, set: func(o *Options, v *conf.Value) error {
		host, port, err := hostPortValue(v)
		if err != nil {
			return err
		}
		if host != "" {
			o.LeafNode.Host = host
		}
		o.LeafNode.Port = port
		return nil
	}},
	{names: []string{"host", "net"}, set: stringTo(func(o *Options) *string { return &o.LeafNode.Host })},
	{names: []string{"port"}, set: intTo(func(o *Options) *int { return &o.LeafNode.Port })},
	{names: []string{"advertise"}, set: stringTo(func(o *Options) *string { return &o.LeafNode.Advertise })},
	{names: []string{"no_advertise"}, set: boolTo(func(o *Options) *bool { return &o.LeafNode.NoAdvertise })},
	{names: []string{"authorization"}, set: setLeafAuthorization},
	{names: []string{"tls"}, set: func(o *Options, v *conf.Value) error {
		b, err := parseTLSBlock(v)
		if err != nil {
			return err
		}
		o.LeafNode.TLSConfig, o.LeafNode.TLSTimeout = b.cfg, b.timeout
		return nil
	}},
	{names: []string{"remotes"}, set: setLeafRemotes, reload: true},
	{names: []string{"reconnect", "reconnect_delay", "reconnect_interval"}, set: func(o *Options, v *conf.Value) error {
		d, err := secondsValue(v)
		o.LeafNode.ReconnectInterval = d
		return err
	}},
	{names: []string{"compression"}, set: func(o *Options, v *conf.Value) error {
		var err error
		o.LeafNode.Compression, o.LeafNode.CompressionRTT, err = parseLeafCompression(v)
		return err
	}},
	{names: []string{"min_version"}, set: stringTo(func(o *Options) *string { return &o.LeafNode.MinVersion })},
}

var leafNodeUnsupported = []string{"isolate_leafnode_interest", "write_deadline", "tls_handshake_first"}

func setLeafNodes(o *Options, v *conf.Value) error {
	m, err := v.AsMap()
	if err != nil {
		return err
	}
	// Without port or listen the server accepts no leaf nodes: it only
	// solicits its remotes.
	return applyKeys(o, m, leafNodeKeys, leafNodeUnsupported)
}

var leafAuthKeys = []optionKey{
	{names: []string{"user", "username"}, set: stringTo(func(o *Options) *string { return &o.LeafNode.Username })},
	{names: []string{"password", "pass"}, set: stringTo(func(o *Options) *string { return &o.LeafNode.Password })},
	{names: []string{"token"}, set: stringTo(func(o *Options) *string { return &o.LeafNode.Token })},
	{names: []string{"account"}, set: stringTo(func(o *Options) *string { return &o.LeafNode.Account })},
	{names: []string{"timeout"}, set: func(o *Options, v *conf.Value) error {
		var tmp Options
		if err := setAuthTimeout(&tmp, v); err != nil {
			return err
		}
		o.LeafNode.AuthTimeout = tmp.AuthTimeout
		return nil
	}},
	{names: []string{"users"}, set: setLeafUsers},
}

func setLeafAuthorization(o *Options, v *conf.Value) error {
	m, err := v.AsMap()
	if err != nil {
		return err
	}
	return applyKeys(o, m, leafAuthKeys, []string{"nkey"})
}

// setLeafUsers reads leafnodes.authorization.users: { user, password,
// account } each.
func setLeafUsers(o *Options, v *conf.Value) error {
	list, err := v.AsArray()
	if err != nil {
		return err
	}
	o.LeafNode.Users = nil
	for _, item := range list {
		m, err := item.AsMap()
		if err != nil {
			return err
		}
		u := &auth.User{}
		for i := range m.Keys {
			k := &m.Keys[i]
			var err error
			switch {
			case containsFold([]string{"user", "username"}, k.Name):
				u.Username, err = k.Value.AsString()
			case containsFold([]string{"password", "pass"}, k.Name):
				u.Password, err = k.Value.AsString()
			case containsFold([]string{"account"}, k.Name):
				u.Account, err = k.Value.AsString()
			default:
				if k.Used {
					continue
				}
				msg := fmt.Sprintf("unknown field %q in leafnodes user", k.Name)
				if hint := conf.DidYouMean(k.Name, []string{"user", "password", "account"}); hint != "" {
					msg += fmt.Sprintf(" (did you mean %q?)", hint)
				}
				return &conf.Error{Pos: k.Pos, Msg: msg}
			}
			if err != nil {
				return err
			}
		}
		if u.Username == "" {
			return item.Errorf("a leafnodes user needs a user name")
		}
		o.LeafNode.Users = append(o.LeafNode.Users, u)
	}
	return nil
}

var remoteLeafKeyNames = []string{"url", "urls", "account", "local", "credentials", "deny_imports",
	"deny_exports", "first_info_timeout", "tls", "compression", "ws_compression", "dont_randomize", "no_randomize"}

func setLeafRemotes(o *Options, v *conf.Value) error {
	list, err := v.AsArray()
	if err != nil {
		return err
	}
	o.LeafNode.Remotes = nil
	for _, item := range list {
		m, err := item.AsMap()
		if err != nil {
			return err
		}
		r := &RemoteLeafOpts{}
		for i := range m.Keys {
			k := &m.Keys[i]
			val := k.Value
			var err error
			switch strings.ToLower(k.Name) {
			case "url", "urls":
				var ss []string
				if ss, err = val.AsStringSlice(); err == nil {
					for _, s := range ss {
						u, perr := ParseLeafURL(s)
						if perr != nil {
							return val.Errorf("%v", perr)
						}
						r.URLs = append(r.URLs, u)
					}
				}
			case "account", "local":
				r.LocalAccount, err = val.AsString()
			case "credentials":
				r.Credentials, err = val.AsString()
			case "deny_imports":
				r.DenyImports, err = val.AsStringSlice()
			case "deny_exports":
				r.DenyExports, err = val.AsStringSlice()
			case "first_info_timeout":
				r.FirstInfoTimeout, err = secondsValue(val)
			case "tls":
				r.TLSConfig, r.TLSTimeout, err = parseRemoteTLS(val)
			case "compression":
				r.Compression, r.CompressionRTT, err = parseLeafCompression(val)
			case "ws_compression":
				r.WSCompression, err = val.AsBool()
			case "dont_randomize", "no_randomize":
				r.NoRandomize, err = val.AsBool()
			default:
				if k.Used {
					continue
				}
				msg := fmt.Sprintf("unknown field %q in leafnodes remote", k.Name)
				if hint := conf.DidYouMean(k.Name, remoteLeafKeyNames); hint != "" {
					msg += fmt.Sprintf(" (did you mean %q?)", hint)
				}
				return &conf.Error{Pos: k.Pos, Msg: msg}
			}
			if err != nil {
				return err
			}
		}
		if len(r.URLs) == 0 {
			return item.Errorf("a leafnodes remote needs a url")
		}
		o.LeafNode.Remotes = append(o.LeafNode.Remotes, r)
	}
	return nil
}

// ParseLeafURL parses a remote's URL: nats-leaf://, nats://, tls://, ws://
// or wss://, with optional credentials; a bare host:port is nats://.
func ParseLeafURL(s string) (*url.URL, error) {
	s = strings.TrimSpace(s)
	if !strings.Contains(s, "://") {
		s = "nats://" + s
	}
	u, err := url.Parse(s)
	if err != nil {
		return nil, fmt.Errorf("bad leafnode URL %q: %v", s, err)
	}
	switch u.Scheme {
	case "nats", "nats-leaf", "tls", "ws", "wss":
	default:
		return nil, fmt.Errorf("bad leafnode URL %q: scheme must be nats://, nats-leaf://, tls://, ws:// or wss://", s)
	}
	if u.Hostname() == "" {
		return nil, fmt.Errorf("bad leafnode URL %q: needs a host", s)
	}
	if u.Port() == "" {
		port := DefaultLeafNodePort
		switch u.Scheme {
		case "ws":
			port = 80
		case "wss":
			port = 443
		}
		u.Host += ":" + strconv.Itoa(port)
	} else if p, err := strconv.Atoi(u.Port()); err != nil || p <= 0 || p > 65535 {
		return nil, fmt.Errorf("bad leafnode URL %q: bad port", s)
	}
	return u, nil
}

// parseRemoteTLS reads a remote's tls block: the client side of a leaf
// connection. ca_file verifies the hub (else the system roots do);
// cert_file and key_file are the certificate presented to a hub that
// verifies leaf nodes; insecure skips verifying the hub.
func parseRemoteTLS(v *conf.Value) (*tls.Config, time.Duration, error) {
	m, err := v.AsMap()
	if err != nil {
		return nil, 0, err
	}
	cfg := &tls.Config{MinVersion: tls.VersionTLS12}
	var certFile, keyFile, caFile string
	var timeout time.Duration
	for i := range m.Keys {
		k := &m.Keys[i]
		val := k.Value
		var err error
		switch strings.ToLower(k.Name) {
		case "cert_file":
			certFile, err = val.AsString()
		case "key_file":
			keyFile, err = val.AsString()
		case "ca_file":
			caFile, err = val.AsString()
		case "insecure":
			cfg.InsecureSkipVerify, err = val.AsBool()
		case "server_name":
			cfg.ServerName, err = val.AsString()
		case "timeout":
			timeout, err = secondsValue(val)
		default:
			if k.Used {
				continue
			}
			msg := fmt.Sprintf("error parsing leafnode remote tls config, unknown field %q", k.Name)
			if hint := conf.DidYouMean(k.Name, []string{"cert_file", "key_file", "ca_file", "insecure", "server_name", "timeout"}); hint != "" {
				msg += fmt.Sprintf(" (did you mean %q?)", hint)
			}
			return nil, 0, &conf.Error{Pos: k.Pos, Msg: msg}
		}
		if err != nil {
			return nil, 0, err
		}
	}
	if (certFile == "") != (keyFile == "") {
		return nil, 0, v.Errorf("leafnode remote tls: cert_file and key_file go together")
	}
	if certFile != "" {
		cert, err := loadKeyPair(certFile, keyFile)
		if err != nil {
			return nil, 0, v.Errorf("%v", err)
		}
		cfg.Certificates = []tls.Certificate{cert}
	}
	if caFile != "" {
		pem, err := os.ReadFile(caFile)
		if err != nil {
			return nil, 0, v.Errorf("%v", err)
		}
		pool := x509.NewCertPool()
		if !pool.AppendCertsFromPEM(pem) {
			return nil, 0, v.Errorf("failed to parse root ca certificate %s", caFile)
		}
		cfg.RootCAs = pool
	}
	return cfg, timeout, nil
}
