package server

import (
	"github.com/nats-io/jwt/v2"

	"crypto/tls"
	"fmt"
	"slices"
	"time"

	"github.com/natsd/natsd/accounts"
	"github.com/natsd/natsd/auth"
	"github.com/natsd/natsd/transform"
)

// Defaults, the same as nats-server's.
const (
	DefaultHost           = "0.0.0.0"
	DefaultPort           = 4222
	RandomPort            = -1
	DefaultMaxPayload     = 1024 * 1024
	DefaultMaxControlLine = 4096
	DefaultMaxConnections = 64 * 1024
	DefaultMaxPending     = 64 * 1024 * 1024
	DefaultWriteDeadline  = 10 * time.Second
	DefaultPingInterval   = 2 * time.Minute
	DefaultMaxPingsOut    = 2
	DefaultAuthTimeout    = 2 * time.Second
)

// Options configure a Server. The zero value of a field means "use the
// default", which New fills in (see setDefaults), so callers set only what
// they mean.
type Options struct {
	ServerName string
	Host       string
	Port       int // 0 = DefaultPort, RandomPort (-1) = any free port

	MaxPayload       int32
	MaxControlLine   int32
	MaxConnections   int
	MaxSubscriptions int // per connection; 0 = unlimited
	MaxPending       int64
	WriteDeadline    time.Duration
	PingInterval     time.Duration
	MaxPingsOut      int
	AuthTimeout      time.Duration

	Username      string
	Password      string
	Authorization string // token
	// Users, NoAuthUser and DefaultPermissions come from the config file's
	// authorization block (see server/config_auth.go).
	Users              []*auth.User
	NoAuthUser         string
	DefaultPermissions *auth.Permissions

	// Client TLS (server/tls.go): with TLSConfig every client connection
	// is TLS. TLSCert and TLSKey, when the certificate came from files,
	// let the server reload it when they change. TLSVerify requires
	// client certificates (tls_verify in INFO); TLSMap (verify_and_map)
	// takes the user from the certificate. TLSTimeout bounds the
	// handshake. TLSHandshakeFirst starts TLS before the INFO; with a
	// fallback delay, a client silent that long gets the INFO first.
	TLSConfig                  *tls.Config
	TLSCert, TLSKey, TLSCaCert string
	TLSVerify, TLSMap          bool
	TLSTimeout                 time.Duration
	TLSHandshakeFirst          bool
	TLSHandshakeFirstFallback  time.Duration
	// AllowNonTLS lets plain clients use the TLS port too: INFO says
	// tls_available instead of tls_required and each client chooses.
	// handshake_first takes precedence (TLS stays required).
	AllowNonTLS bool

	// Accounts are the accounts block (server/config_accounts.go); their
	// users are in Users with Account set. SystemAccount names the system
	// account ("" = "$SYS", created when not defined).
	Accounts      []*accounts.Account
	SystemAccount string
	// Operators are the trusted operators: set, the server runs in
	// operator mode (accounts and users come from JWTs; see
	// server/config_operator.go and server/operator.go). Resolver says
	// where account JWTs come from; ResolverPreload maps account public
	// keys to account JWTs loaded at start.
	Operators []*jwt.OperatorClaims
	// AuthCallout, when set, sends the CONNECT of every client that is not
	// one of its auth_users to an external service (auth_callout.go).
	AuthCallout     *AuthCalloutOpts
	Resolver        ResolverOpts
	ResolverPreload map[string]string
	// Mappings are the top-level subject mappings: the global account's
	// (server/config_mappings.go).
	Mappings []*transform.Mapping

	// Cluster configures route connections to other servers
	// (server/config_cluster.go, server/route.go).
	Cluster ClusterOpts

	// LeafNode configures leaf node connections, accepted and solicited
	// (server/config_leafnode.go, server/leafnode.go).
	LeafNode LeafNodeOpts

	// Websocket configures the WebSocket client listener
	// (server/config_websocket.go, server/websocket.go).
	Websocket WebsocketOpts

	// ClientAdvertise is the client URL advertised to other servers.
	ClientAdvertise string
	// ConfigFile is the file the options were read from, for reload, and
	// ConfigDigest identifies its content (conf.Map.Digest), as logged at
	// start and by -t.
	ConfigFile   string
	ConfigDigest string
	// PortsFileDir, when set, receives a file listing the listen URLs.
	PortsFileDir string
	// LogSizeLimit rotates the log file at this size; LogMaxFiles is how
	// many rotated files are kept (0 = all).
	LogSizeLimit int64
	LogMaxFiles  int
	Syslog       bool
	RemoteSyslog string
	// LogFormat is "text" (nats-server's, the default) or "json".
	LogFormat string

	NoHeaderSupport     bool
	DisableSublistCache bool

	// Monitoring (see server/monitor.go): HTTPPort 0 = off, RandomPort
	// (-1) = any free port; HTTPHost defaults to Host. HTTPUser and
	// HTTPPassword (basic) or HTTPToken (bearer) protect the endpoints.
	HTTPHost         string
	HTTPPort         int
	HTTPSPort        int // monitoring over TLS, with the client TLS certificate
	HTTPBasePath     string
	HTTPNoDashboard  bool // http_dashboard: false; the plain index of links instead
	HTTPUser         string
	HTTPPassword     string
	HTTPToken        string
	MaxClosedClients int // closed connections /connz keeps; 0 = 10000, <0 = none

	// ProfPort serves net/http/pprof on the client host (profiling.go):
	// 0 = off, RandomPort (-1) = any free port.
	ProfPort int

	Debug   bool
	Trace   bool
	Logtime bool
	LogUTC  bool
	LogFile string
	PidFile string
	NoLog   bool // silence all logging (tests)

	// JetStream configures the persistence layer (server/jetstream.go).
	JetStream JetStreamOpts

	// LameDuckDuration and LameDuckGracePeriod are used by lame-duck mode.
	LameDuckDuration    time.Duration
	LameDuckGracePeriod time.Duration
}

// Clone returns a copy of o, so a server never shares mutable options with
// its caller.
func (o *Options) Clone() *Options {
	c := *o
	c.Cluster = o.Cluster.clone()
	c.LeafNode = o.LeafNode.clone()
	c.Websocket.AllowedOrigins = slices.Clone(o.Websocket.AllowedOrigins)
	return &c
}

func (o *Options) setDefaults() {
	if o.Host == "" {
		o.Host = DefaultHost
	}
	if o.Port == 0 {
		o.Port = DefaultPort
	}
	if o.MaxPayload == 0 {
		o.MaxPayload = DefaultMaxPayload
	}
	if o.MaxControlLine == 0 {
		o.MaxControlLine = DefaultMaxControlLine
	}
	if o.MaxConnections == 0 {
		o.MaxConnections = DefaultMaxConnections
	}
	if o.MaxPending == 0 {
		o.MaxPending = DefaultMaxPending
	}
	if o.WriteDeadline == 0 {
		o.WriteDeadline = DefaultWriteDeadline
	}
	if o.PingInterval == 0 {
		o.PingInterval = DefaultPingInterval
	}
	if o.MaxPingsOut == 0 {
		o.MaxPingsOut = DefaultMaxPingsOut
	}
	if o.AuthTimeout == 0 {
		o.AuthTimeout = DefaultAuthTimeout
	}
	if o.TLSTimeout == 0 {
		o.TLSTimeout = DefaultTLSTimeout
	}
	if o.LameDuckDuration == 0 {
		o.LameDuckDuration = 2 * time.Minute
	}
	if o.LameDuckGracePeriod == 0 {
		o.LameDuckGracePeriod = 10 * time.Second
	}
	if o.MaxClosedClients == 0 {
		o.MaxClosedClients = DefaultMaxClosedClients
	}
	o.Cluster.setDefaults()
	o.LeafNode.setDefaults()
	if len(o.Operators) > 0 && o.SystemAccount == "" {
		// Operator mode: the operator JWT may name the system account.
		for _, oc := range o.Operators {
			if oc.SystemAccount != "" {
				o.SystemAccount = oc.SystemAccount
				break
			}
		}
	}
	if o.Websocket.Port != 0 && o.Websocket.Host == "" {
		o.Websocket.Host = DefaultHost
	}
}

// validate checks relations between options and explains each violation.
func (o *Options) validate() error {
	if o.Port < RandomPort || o.Port > 65535 {
		return fmt.Errorf("port %d out of range (use -1 for a random port)", o.Port)
	}
	if o.HTTPPort < RandomPort || o.HTTPPort > 65535 {
		return fmt.Errorf("http_port %d out of range (use -1 for a random port)", o.HTTPPort)
	}
	if o.ProfPort < RandomPort || o.ProfPort > 65535 {
		return fmt.Errorf("prof_port %d out of range (use -1 for a random port)", o.ProfPort)
	}
	if o.MaxPayload < 0 {
		return fmt.Errorf("max_payload %d must not be negative", o.MaxPayload)
	}
	if int64(o.MaxPayload) > o.MaxPending {
		return fmt.Errorf("max_payload (%d) cannot exceed max_pending (%d)", o.MaxPayload, o.MaxPending)
	}
	if o.MaxControlLine < 0 {
		return fmt.Errorf("max_control_line %d must not be negative", o.MaxControlLine)
	}
	if o.MaxConnections < 0 {
		return fmt.Errorf("max_connections %d must not be negative", o.MaxConnections)
	}
	if err := o.Cluster.validate(); err != nil {
		return err
	}
	if err := o.validateCallout(); err != nil {
		return err
	}
	if err := o.validateOperator(); err != nil {
		return err
	}
	if err := o.validateAccounts(); err != nil {
		return err
	}
	if err := o.LeafNode.validate(o); err != nil {
		return err
	}
	if err := o.Websocket.validate(o); err != nil {
		return err
	}
	if err := o.JetStream.validate(); err != nil {
		return err
	}
	if o.LogFormat != "" && o.LogFormat != "text" && o.LogFormat != "json" {
		return fmt.Errorf("log_format %q is not text or json", o.LogFormat)
	}
	if o.HTTPSPort != 0 && o.HTTPPort != 0 {
		return fmt.Errorf("can't specify both http_port and https_port for monitoring")
	}
	if o.HTTPSPort != 0 && o.TLSConfig == nil {
		return fmt.Errorf("TLS is required for the HTTPS monitoring port (https_port %d)", o.HTTPSPort)
	}
	if o.HTTPSPort < RandomPort || o.HTTPSPort > 65535 {
		return fmt.Errorf("https_port %d out of range", o.HTTPSPort)
	}
	if o.TLSConfig == nil && (o.TLSVerify || o.TLSMap || o.TLSHandshakeFirst) {
		return fmt.Errorf("tls verify, verify_and_map and handshake_first need a TLS certificate")
	}
	if o.PingInterval < 0 || o.WriteDeadline < 0 || o.AuthTimeout < 0 || o.TLSTimeout < 0 {
		return fmt.Errorf("ping_interval, write_deadline and auth timeout must not be negative")
	}
	return nil
}
