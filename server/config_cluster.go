package server

import (
	"crypto/tls"
	"fmt"
	"net"
	"net/url"
	"strconv"
	"strings"
	"time"

	"github.com/natsd/natsd/conf"
)

// The cluster block:
//
//	cluster {
//	  name: c1
//	  listen: 0.0.0.0:6222          # or host: ..., port: ...
//	  advertise: "10.0.0.1:6222"    # alias cluster_advertise
//	  no_advertise: false
//	  connect_retries: 3            # implicit (gossiped) routes only
//	  authorization { user: ruser, password: T0p, timeout: 2 }
//	  routes: [ nats://ruser:T0p@10.0.0.2:6222, nats-route://seed:6222 ]
//	  tls {                         # both sides of every route use TLS
//	    cert_file: "route.pem", key_file: "route-key.pem"
//	    ca_file: "ca.pem", verify: true   # mutual: peers must chain to ca_file
//	    timeout: 2
//	  }
//	}

// DefaultClusterPort is the route port when the cluster block names none.
const DefaultClusterPort = 6222

// ClusterOpts configure route connections (see server/route.go).
type ClusterOpts struct {
	Name string
	Host string
	// Port of the cluster listener: 0 = no cluster, RandomPort (-1) = any
	// free port.
	Port int
	// Advertise is the host:port other servers are told to dial.
	Advertise string
	// NoAdvertise: do not send our client URLs to the cluster, and do not
	// tell clients about the other servers' client URLs.
	NoAdvertise bool
	// ConnectRetries is how many times an implicit (gossiped) route is
	// retried before giving up; configured routes are retried forever.
	ConnectRetries int
	// Username and Password authorize incoming routes (and are presented
	// to peers whose route URL carries no credentials).
	Username    string
	Password    string
	AuthTimeout time.Duration
	// Routes are the route URLs to solicit.
	Routes []*url.URL
	// Route TLS (the cluster's tls block): with TLSConfig every route,
	// accepted or solicited, is TLS. It is the server side config
	// (GenTLSConfig); the soliciting side derives its client config from
	// it (routeClientTLS). With TLSVerify the accepting side requires a
	// peer certificate chaining to TLSCaCert, and the soliciting side
	// verifies the peer's certificate against it and the route URL's
	// host; without it the soliciting side does not verify.
	TLSConfig                  *tls.Config
	TLSCert, TLSKey, TLSCaCert string
	TLSVerify                  bool
	TLSTimeout                 time.Duration
	// PoolSize is the number of route connections to each server that
	// accounts are spread over (0 = DefaultRoutePoolSize; -1 = one
	// connection and no pinned accounts, as before pooling).
	PoolSize int
	// Accounts are pinned to a route connection of their own (the system
	// account always is, unless PoolSize is -1).
	Accounts []string
	// Compression is the route compression mode: off, accept (the
	// default, "" too), s2_fast, s2_better, s2_best or s2_auto; see
	// route_compress.go.
	Compression string
	// CompressionRTT are s2_auto's RTT thresholds (nil = 10ms, 50ms,
	// 100ms).
	CompressionRTT []time.Duration
	// Permissions are the route permissions (route_perms.go).
	Permissions *RoutePermissions
}

// DefaultRoutePoolSize is nats-server's default pool_size.
const DefaultRoutePoolSize = 3

// poolSize is the effective pool size, 0 when pooling is off.
func (c *ClusterOpts) poolSize() int {
	switch {
	case c.PoolSize == 0:
		return DefaultRoutePoolSize
	case c.PoolSize < 0:
		return 0
	}
	return c.PoolSize
}

// tlsFields are the ClusterOpts fields of the tls block.
var clusterTLSFields = map[string]bool{"TLSConfig": true, "TLSCert": true, "TLSKey": true,
	"TLSCaCert": true, "TLSVerify": true, "TLSTimeout": true}

// enabled reports whether the server takes part in a cluster.
func (c *ClusterOpts) enabled() bool { return c.Port != 0 }

func (c *ClusterOpts) setDefaults() {
	if !c.enabled() {
		return
	}
	if c.Host == "" {
		c.Host = DefaultHost
	}
	if c.AuthTimeout == 0 {
		c.AuthTimeout = DefaultAuthTimeout
	}
	if c.TLSTimeout == 0 {
		c.TLSTimeout = DefaultTLSTimeout
	}
}

func (c *ClusterOpts) validate() error {
	if c.Port < RandomPort || c.Port > 65535 {
		return fmt.Errorf("cluster port %d out of range (use -1 for a random port)", c.Port)
	}
	if !c.enabled() && len(c.Routes) > 0 {
		return fmt.Errorf("cluster routes need a cluster listen address (cluster.listen or --cluster)")
	}
	if c.ConnectRetries < 0 {
		return fmt.Errorf("cluster connect_retries %d must not be negative", c.ConnectRetries)
	}
	if c.Name != "" && strings.ContainsAny(c.Name, " \t\r\n") {
		return fmt.Errorf("cluster name %q must not contain spaces", c.Name)
	}
	if c.TLSConfig == nil && c.TLSVerify {
		return fmt.Errorf("cluster tls verify needs a TLS certificate")
	}
	if c.TLSTimeout < 0 {
		return fmt.Errorf("cluster tls timeout must not be negative")
	}
	if c.PoolSize < -1 || c.PoolSize > 1024 {
		return fmt.Errorf("cluster pool_size %d must be -1 (no pooling) or 1 to 1024", c.PoolSize)
	}
	for _, u := range c.Routes {
		if u == nil || u.Host == "" || u.Port() == "" {
			return fmt.Errorf("route URL %v needs a host and a port", u)
		}
	}
	return nil
}

// cloneCluster copies the route list, so servers never share it.
func (c ClusterOpts) clone() ClusterOpts {
	if c.Routes != nil {
		rs := make([]*url.URL, len(c.Routes))
		for i, u := range c.Routes {
			cu := *u
			rs[i] = &cu
		}
		c.Routes = rs
	}
	return c
}

var clusterKeys = []optionKey{
	{names: []string{"name"}, set: stringTo(func(o *Options) *string { return &o.Cluster.Name })},
	{names: []string{"listen"}, set: setClusterListen},
	{names: []string{"host", "net"}, set: stringTo(func(o *Options) *string { return &o.Cluster.Host })},
	{names: []string{"port"}, set: intTo(func(o *Options) *int { return &o.Cluster.Port })},
	{names: []string{"advertise", "cluster_advertise"}, set: stringTo(func(o *Options) *string { return &o.Cluster.Advertise })},
	{names: []string{"no_advertise"}, set: boolTo(func(o *Options) *bool { return &o.Cluster.NoAdvertise })},
	{names: []string{"connect_retries"}, set: intTo(func(o *Options) *int { return &o.Cluster.ConnectRetries })},
	{names: []string{"authorization"}, set: setClusterAuthorization},
	{names: []string{"routes"}, set: setRoutes, reload: true},
	{names: []string{"tls"}, set: setClusterTLS, reload: true},
	{names: []string{"pool_size"}, set: func(o *Options, v *conf.Value) error {
		n, err := v.AsInt()
		if err != nil {
			return err
		}
		if n < -1 || n > 1024 {
			return v.Errorf("cluster pool_size %d must be -1 (no pooling) or 1 to 1024", n)
		}
		o.Cluster.PoolSize = int(n)
		return nil
	}},
	{names: []string{"accounts"}, set: setClusterAccounts},
	{names: []string{"compression"}, set: setClusterCompression},
	{names: []string{"permissions"}, set: setClusterPermissions},
}

var clusterUnsupported = []string{"ping_interval", "ping_max"}

// setClusterAccounts reads cluster.accounts: the accounts pinned to routes
// of their own.
func setClusterAccounts(o *Options, v *conf.Value) error {
	arr, err := v.AsArray()
	if err != nil {
		return err
	}
	o.Cluster.Accounts = nil
	for _, item := range arr {
		s, err := item.AsString()
		if err != nil {
			return err
		}
		if s == "" || strings.ContainsAny(s, " \t\r\n") {
			return item.Errorf("cluster accounts: bad account name %q", s)
		}
		o.Cluster.Accounts = append(o.Cluster.Accounts, s)
	}
	return nil
}

// compressionModes are the route compression modes nats-server accepts.
var compressionModes = []string{"off", "accept", "s2_fast", "s2_better", "s2_best", "s2_auto"}

// setClusterCompression reads cluster.compression: a mode, a boolean
// (true = accept, false = off) or a block with a mode.
func setClusterCompression(o *Options, v *conf.Value) error {
	if v.Kind == conf.KindBool {
		b, _ := v.AsBool()
		if b {
			o.Cluster.Compression = "accept"
		} else {
			o.Cluster.Compression = "off"
		}
		return nil
	}
	if v.Kind == conf.KindMap {
		return setClusterCompressionBlock(o, v)
	}
	s, err := v.AsString()
	if err != nil {
		return err
	}
	s = strings.ToLower(s)
	switch s {
	case "enabled", "on", "true":
		s = "accept"
	case "disabled", "false":
		s = "off"
	}
	for _, m := range compressionModes {
		if m == s {
			o.Cluster.Compression = s
			return nil
		}
	}
	// nats-server's text, with the position.
	return v.Errorf("unsupported compression mode %q", s)
}

// setClusterCompressionBlock reads compression { mode, rtt_thresholds }.
// Thresholds alone mean s2_auto; they must be ascending, and s2_auto needs
// at least one above zero.
func setClusterCompressionBlock(o *Options, v *conf.Value) error {
	m, _ := v.AsMap()
	o.Cluster.Compression, o.Cluster.CompressionRTT = "", nil
	var rtts []time.Duration
	keys := []optionKey{
		{names: []string{"mode"}, set: setClusterCompression},
		{names: []string{"rtt_thresholds"}, set: func(o *Options, tv *conf.Value) error {
			arr, err := tv.AsArray()
			if err != nil {
				return err
			}
			for _, item := range arr {
				s, err := item.AsString()
				if err != nil {
					return err
				}
				d, err := time.ParseDuration(s)
				if err != nil {
					return item.Errorf("%v", err)
				}
				rtts = append(rtts, d)
			}
			return nil
		}},
	}
	if err := applyKeys(o, m, keys, nil); err != nil {
		return err
	}
	if o.Cluster.Compression == "" && len(rtts) > 0 {
		o.Cluster.Compression = compressionS2Auto
	}
	if o.Cluster.Compression != compressionS2Auto || len(rtts) == 0 {
		return nil
	}
	for i := 1; i < len(rtts); i++ {
		if rtts[i] < rtts[i-1] {
			return v.Errorf("RTT threshold values %v should be in ascending order", rtts)
		}
	}
	var kept []time.Duration
	for _, d := range rtts {
		if d > 0 {
			kept = append(kept, d)
		}
	}
	if len(kept) == 0 {
		return v.Errorf("compression mode %q requires at least one RTT threshold", compressionS2Auto)
	}
	o.Cluster.CompressionRTT = kept
	return nil
}

var clusterAuthKeys = []optionKey{
	{names: []string{"user", "username"}, set: stringTo(func(o *Options) *string { return &o.Cluster.Username })},
	{names: []string{"password", "pass"}, set: stringTo(func(o *Options) *string { return &o.Cluster.Password })},
	{names: []string{"timeout"}, set: func(o *Options, v *conf.Value) error {
		// Same forms as the client authorization timeout.
		var tmp Options
		if err := setAuthTimeout(&tmp, v); err != nil {
			return err
		}
		o.Cluster.AuthTimeout = tmp.AuthTimeout
		return nil
	}},
}

func setCluster(o *Options, v *conf.Value) error {
	m, err := v.AsMap()
	if err != nil {
		return err
	}
	if err := applyKeys(o, m, clusterKeys, clusterUnsupported); err != nil {
		return err
	}
	if o.Cluster.Port == 0 {
		o.Cluster.Port = DefaultClusterPort
	}
	return nil
}

// setClusterTLS reads the cluster's tls block: the client tls block's
// keys, less those that only make sense for clients.
func setClusterTLS(o *Options, v *conf.Value) error {
	b, err := parseTLSBlock(v)
	if err != nil {
		return err
	}
	if b.mapUsers {
		return v.Errorf("cluster tls: verify_and_map is not supported for routes")
	}
	if b.first {
		return v.Errorf("cluster tls: handshake_first is not supported for routes")
	}
	c := &o.Cluster
	c.TLSConfig = b.cfg
	c.TLSCert, c.TLSKey, c.TLSCaCert = b.opts.CertFile, b.opts.KeyFile, b.opts.CaFile
	c.TLSVerify = b.opts.Verify
	c.TLSTimeout = b.timeout
	return nil
}

func setClusterListen(o *Options, v *conf.Value) error {
	host, port, err := hostPortValue(v)
	if err != nil {
		return err
	}
	if host != "" {
		o.Cluster.Host = host
	}
	o.Cluster.Port = port
	return nil
}

func setClusterAuthorization(o *Options, v *conf.Value) error {
	m, err := v.AsMap()
	if err != nil {
		return err
	}
	return applyKeys(o, m, clusterAuthKeys, []string{"token", "users", "nkey"})
}

func setRoutes(o *Options, v *conf.Value) error {
	var list []string
	if v.Kind == conf.KindString {
		// A single URL, or a comma-separated list as on the command line.
		s, _ := v.AsString()
		list = strings.Split(s, ",")
	} else {
		arr, err := v.AsArray()
		if err != nil {
			return err
		}
		for _, item := range arr {
			s, err := item.AsString()
			if err != nil {
				return err
			}
			list = append(list, s)
		}
	}
	o.Cluster.Routes = nil
	for _, s := range list {
		u, err := ParseRouteURL(s)
		if err != nil {
			return v.Errorf("%v", err)
		}
		o.Cluster.Routes = append(o.Cluster.Routes, u)
	}
	return nil
}

// ParseRouteURL parses a route URL: nats://[user:pass@]host:port, with the
// nats-route:// scheme accepted too, and a bare host:port.
func ParseRouteURL(s string) (*url.URL, error) {
	s = strings.TrimSpace(s)
	if !strings.Contains(s, "://") {
		s = "nats://" + s
	}
	u, err := url.Parse(s)
	if err != nil {
		return nil, fmt.Errorf("bad route URL %q: %v", s, err)
	}
	switch u.Scheme {
	case "nats", "nats-route", "route", "tls":
	default:
		return nil, fmt.Errorf("bad route URL %q: scheme must be nats:// or nats-route://", s)
	}
	if u.Hostname() == "" || u.Port() == "" {
		return nil, fmt.Errorf("bad route URL %q: needs host:port", s)
	}
	if p, err := strconv.Atoi(u.Port()); err != nil || p <= 0 || p > 65535 {
		return nil, fmt.Errorf("bad route URL %q: bad port", s)
	}
	return u, nil
}

// ParseClusterListen parses --cluster / --cluster_listen: nats://host:port
// (or host:port). Credentials in the URL authorize incoming routes, as
// with nats-server.
func ParseClusterListen(o *Options, s string) error {
	u, err := ParseRouteURL(s)
	if err != nil {
		return err
	}
	host, port, _ := net.SplitHostPort(u.Host)
	p, _ := strconv.Atoi(port)
	o.Cluster.Host, o.Cluster.Port = host, p
	if u.User != nil {
		o.Cluster.Username = u.User.Username()
		o.Cluster.Password, _ = u.User.Password()
	}
	return nil
}

// ParseRoutes parses --routes: a comma-separated list of route URLs.
func ParseRoutes(s string) ([]*url.URL, error) {
	var out []*url.URL
	for _, r := range strings.Split(s, ",") {
		if strings.TrimSpace(r) == "" {
			continue
		}
		u, err := ParseRouteURL(r)
		if err != nil {
			return nil, err
		}
		out = append(out, u)
	}
	return out, nil
}
