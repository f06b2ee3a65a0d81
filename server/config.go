package server

import (
	"fmt"
	"math"
	"net"
	"sort"
	"strconv"
	"strings"
	"time"

	"github.com/natsd/natsd/conf"
)

// A config file maps onto Options through one table: each key names its
// setter, its aliases, and whether a reload may change it. Unknown keys are
// errors with their position and a did-you-mean hint.

// optionKey describes one config key.
type optionKey struct {
	names  []string // the first is the canonical name, the rest aliases
	set    func(o *Options, v *conf.Value) error
	reload bool // whether a running server applies a change on reload
}

// topLevelKeys is the table of the file's top-level keys.
var topLevelKeys = []optionKey{
	{names: []string{"listen"}, set: setListen},
	{names: []string{"host", "net"}, set: stringTo(func(o *Options) *string { return &o.Host })},
	{names: []string{"port"}, set: intTo(func(o *Options) *int { return &o.Port })},
	{names: []string{"server_name"}, set: stringTo(func(o *Options) *string { return &o.ServerName })},
	{names: []string{"client_advertise"}, set: stringTo(func(o *Options) *string { return &o.ClientAdvertise })},
	{names: []string{"http"}, set: setHTTP},
	{names: []string{"http_port", "monitor_port"}, set: intTo(func(o *Options) *int { return &o.HTTPPort })},
	{names: []string{"https"}, set: setHTTPS},
	{names: []string{"prof_port"}, set: intTo(func(o *Options) *int { return &o.ProfPort })},
	{names: []string{"https_port"}, set: intTo(func(o *Options) *int { return &o.HTTPSPort })},
	{names: []string{"http_user"}, set: stringTo(func(o *Options) *string { return &o.HTTPUser })},
	{names: []string{"http_password"}, set: stringTo(func(o *Options) *string { return &o.HTTPPassword })},
	{names: []string{"http_token"}, set: stringTo(func(o *Options) *string { return &o.HTTPToken })},
	{names: []string{"http_base_path"}, set: stringTo(func(o *Options) *string { return &o.HTTPBasePath })},
	{names: []string{"http_dashboard"}, set: setHTTPDashboard},
	{names: []string{"max_payload"}, set: int32To(func(o *Options) *int32 { return &o.MaxPayload }), reload: true},
	{names: []string{"max_control_line"}, set: int32To(func(o *Options) *int32 { return &o.MaxControlLine }), reload: true},
	{names: []string{"max_pending"}, set: int64To(func(o *Options) *int64 { return &o.MaxPending }), reload: true},
	{names: []string{"max_connections", "max_conn"}, set: intTo(func(o *Options) *int { return &o.MaxConnections }), reload: true},
	{names: []string{"max_subscriptions", "max_subs"}, set: intTo(func(o *Options) *int { return &o.MaxSubscriptions }), reload: true},
	{names: []string{"max_closed_clients"}, set: intTo(func(o *Options) *int { return &o.MaxClosedClients }), reload: true},
	{names: []string{"ping_interval"}, set: durationTo(func(o *Options) *time.Duration { return &o.PingInterval }), reload: true},
	{names: []string{"ping_max"}, set: intTo(func(o *Options) *int { return &o.MaxPingsOut }), reload: true},
	{names: []string{"write_deadline"}, set: durationTo(func(o *Options) *time.Duration { return &o.WriteDeadline }), reload: true},
	{names: []string{"authorization"}, set: setAuthorization, reload: true},
	{names: []string{"tls"}, set: setTLS, reload: true},
	{names: []string{"allow_non_tls"}, set: boolTo(func(o *Options) *bool { return &o.AllowNonTLS })},
	{names: []string{"cluster"}, set: setCluster},
	{names: []string{"jetstream"}, set: setJetStream},
	{names: []string{"leafnodes", "leaf"}, set: setLeafNodes, reload: true},
	{names: []string{"accounts"}, set: setAccounts, reload: true},
	{names: []string{"mappings", "maps"}, set: setMappings, reload: true},
	{names: []string{"system_account", "system"}, set: stringTo(func(o *Options) *string { return &o.SystemAccount })},
	{names: []string{"websocket", "ws"}, set: setWebsocket, reload: true},
	{names: []string{"no_auth_user"}, set: stringTo(func(o *Options) *string { return &o.NoAuthUser }), reload: true},
	{names: []string{"debug"}, set: boolTo(func(o *Options) *bool { return &o.Debug }), reload: true},
	{names: []string{"trace"}, set: boolTo(func(o *Options) *bool { return &o.Trace }), reload: true},
	{names: []string{"logtime"}, set: boolTo(func(o *Options) *bool { return &o.Logtime }), reload: true},
	{names: []string{"logtime_utc"}, set: boolTo(func(o *Options) *bool { return &o.LogUTC }), reload: true},
	{names: []string{"log_file", "logfile"}, set: stringTo(func(o *Options) *string { return &o.LogFile }), reload: true},
	{names: []string{"logfile_size_limit", "log_size_limit"}, set: int64To(func(o *Options) *int64 { return &o.LogSizeLimit }), reload: true},
	{names: []string{"logfile_max_num", "log_max_num"}, set: intTo(func(o *Options) *int { return &o.LogMaxFiles }), reload: true},
	{names: []string{"syslog"}, set: boolTo(func(o *Options) *bool { return &o.Syslog }), reload: true},
	{names: []string{"remote_syslog"}, set: stringTo(func(o *Options) *string { return &o.RemoteSyslog }), reload: true},
	{names: []string{"log_format"}, set: setLogFormat, reload: true},
	{names: []string{"pid_file"}, set: stringTo(func(o *Options) *string { return &o.PidFile })},
	{names: []string{"ports_file_dir"}, set: stringTo(func(o *Options) *string { return &o.PortsFileDir })},
	{names: []string{"lame_duck_duration"}, set: durationTo(func(o *Options) *time.Duration { return &o.LameDuckDuration }), reload: true},
	{names: []string{"lame_duck_grace_period"}, set: durationTo(func(o *Options) *time.Duration { return &o.LameDuckGracePeriod }), reload: true},
	{names: []string{"no_header_support"}, set: boolTo(func(o *Options) *bool { return &o.NoHeaderSupport })},
	{names: []string{"disable_sublist_cache", "no_sublist_cache"}, set: boolTo(func(o *Options) *bool { return &o.DisableSublistCache })},
}

// unsupportedKeys are nats-server features natsd does not have yet. A file
// using them is refused rather than run with a different meaning.
var unsupportedKeys = []string{
	"gateway", "mqtt",
}

// ProcessConfigFile reads a nats-server style configuration file into a
// new Options value. Errors name the file, line and column.
func ProcessConfigFile(path string) (*Options, error) {
	m, err := conf.ParseFile(path)
	if err != nil {
		return nil, err
	}
	o := &Options{Logtime: true, ConfigFile: path, ConfigDigest: m.Digest()}
	if err := applyKeys(o, m, topLevelKeys, unsupportedKeys); err != nil {
		return nil, err
	}
	return o, nil
}

// applyKeys sets o from every key of m through table.
func applyKeys(o *Options, m *conf.Map, table []optionKey, unsupported []string) error {
	for i := range m.Keys {
		k := &m.Keys[i]
		spec := lookupKey(table, k.Name)
		if spec == nil {
			if k.Used {
				continue // a variable definition, used as $NAME
			}
			if containsFold(unsupported, k.Name) {
				return &conf.Error{Pos: k.Pos, Msg: fmt.Sprintf("%q is not supported by natsd yet", k.Name)}
			}
			msg := fmt.Sprintf("unknown field %q", k.Name)
			if hint := conf.DidYouMean(k.Name, keyNames(table)); hint != "" {
				msg += fmt.Sprintf(" (did you mean %q?)", hint)
			}
			return &conf.Error{Pos: k.Pos, Msg: msg}
		}
		if err := spec.set(o, k.Value); err != nil {
			return fmt.Errorf("%w (key %q)", err, k.Name)
		}
	}
	return nil
}

func lookupKey(table []optionKey, name string) *optionKey {
	for i := range table {
		if containsFold(table[i].names, name) {
			return &table[i]
		}
	}
	return nil
}

func containsFold(list []string, s string) bool {
	for _, n := range list {
		if strings.EqualFold(n, s) {
			return true
		}
	}
	return false
}

func keyNames(table []optionKey) []string {
	var out []string
	for _, k := range table {
		out = append(out, k.names...)
	}
	sort.Strings(out)
	return out
}

// Setter builders: each returns a setter storing a converted value.

func stringTo(field func(*Options) *string) func(*Options, *conf.Value) error {
	return func(o *Options, v *conf.Value) error {
		s, err := v.AsString()
		if err == nil {
			*field(o) = s
		}
		return err
	}
}

func boolTo(field func(*Options) *bool) func(*Options, *conf.Value) error {
	return func(o *Options, v *conf.Value) error {
		b, err := v.AsBool()
		if err == nil {
			*field(o) = b
		}
		return err
	}
}

// setHTTPDashboard reads http_dashboard: true (the default) serves the
// live dashboard at the monitoring port's base path, false the plain index.
func setHTTPDashboard(o *Options, v *conf.Value) error {
	b, err := v.AsBool()
	if err == nil {
		o.HTTPNoDashboard = !b
	}
	return err
}

func intTo(field func(*Options) *int) func(*Options, *conf.Value) error {
	return func(o *Options, v *conf.Value) error {
		n, err := v.AsInt()
		if err != nil {
			return err
		}
		if n < math.MinInt32 || n > math.MaxInt32 {
			return v.Errorf("%d is out of range", n)
		}
		*field(o) = int(n)
		return nil
	}
}

func int32To(field func(*Options) *int32) func(*Options, *conf.Value) error {
	return func(o *Options, v *conf.Value) error {
		n, err := v.AsInt()
		if err != nil {
			return err
		}
		if n < 0 || n > math.MaxInt32 {
			return v.Errorf("%d is out of range (0 to %d)", n, math.MaxInt32)
		}
		*field(o) = int32(n)
		return nil
	}
}

func int64To(field func(*Options) *int64) func(*Options, *conf.Value) error {
	return func(o *Options, v *conf.Value) error {
		n, err := v.AsInt()
		if err != nil {
			return err
		}
		if n < 0 {
			return v.Errorf("%d must not be negative", n)
		}
		*field(o) = n
		return nil
	}
}

func durationTo(field func(*Options) *time.Duration) func(*Options, *conf.Value) error {
	return func(o *Options, v *conf.Value) error {
		d, err := v.AsDuration()
		if err != nil {
			return err
		}
		if d < 0 {
			return v.Errorf("duration %v must not be negative", d)
		}
		*field(o) = d
		return nil
	}
}

// setListen takes "host:port", ":port" or a bare port.
func setListen(o *Options, v *conf.Value) error {
	host, port, err := hostPortValue(v)
	if err != nil {
		return err
	}
	if host != "" {
		o.Host = host
	}
	o.Port = port
	return nil
}

// setHTTPS is the HTTPS monitoring listen address, as for listen.
func setHTTPS(o *Options, v *conf.Value) error {
	host, port, err := hostPortValue(v)
	if err != nil {
		return err
	}
	o.HTTPHost, o.HTTPSPort = host, port
	return nil
}

// setHTTP is the monitoring listen address, as for listen.
func setHTTP(o *Options, v *conf.Value) error {
	host, port, err := hostPortValue(v)
	if err != nil {
		return err
	}
	o.HTTPHost, o.HTTPPort = host, port
	return nil
}

func hostPortValue(v *conf.Value) (string, int, error) {
	if v.Kind == conf.KindInt {
		return "", int(v.Int), nil
	}
	s, err := v.AsString()
	if err != nil {
		return "", 0, err
	}
	h, p, err := net.SplitHostPort(s)
	if err != nil {
		return "", 0, v.Errorf("expected host:port, got %q", s)
	}
	port, err := strconv.Atoi(p)
	if err != nil {
		return "", 0, v.Errorf("bad port in %q", s)
	}
	return h, port, nil
}

// setLogFormat takes text or json.
func setLogFormat(o *Options, v *conf.Value) error {
	s, err := v.AsString()
	if err != nil {
		return err
	}
	if s != "text" && s != "json" {
		return v.Errorf("log_format %q is not text or json", s)
	}
	o.LogFormat = s
	return nil
}
