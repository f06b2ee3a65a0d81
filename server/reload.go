package server

import (
	"cmp"
	"errors"
	"fmt"
	"reflect"
	"slices"
	"sort"
	"strings"

	"github.com/natsd/natsd/auth"
	"github.com/natsd/natsd/logger"
)

// Reload re-reads the configuration (through the loader set with
// SetConfigLoader, by default the config file) and applies every changed
// option that can change while running. Options that need a restart make
// the whole reload fail, in one error listing them, and an invalid file
// leaves the running configuration untouched.
func (s *Server) Reload() error {
	s.reloadMu.Lock()
	defer s.reloadMu.Unlock()
	load := s.loadConfig
	if load == nil {
		path := s.getOpts().ConfigFile
		if path == "" {
			return errors.New("config reload: no configuration file")
		}
		load = func() (*Options, error) { return ProcessConfigFile(path) }
	}
	o, err := load()
	if err != nil {
		return fmt.Errorf("config reload: %w", err)
	}
	return s.applyOptions(o)
}

// SetConfigLoader sets how Reload obtains the new options (the command line
// uses it so that its flags keep overriding the file).
func (s *Server) SetConfigLoader(load func() (*Options, error)) {
	s.reloadMu.Lock()
	s.loadConfig = load
	s.reloadMu.Unlock()
}

// OnReload registers a function called with the new options after a
// successful reload (the command line reopens its log file with it).
func (s *Server) OnReload(f func(*Options)) {
	s.reloadMu.Lock()
	s.reloadHooks = append(s.reloadHooks, f)
	s.reloadMu.Unlock()
}

// reloadable lists the Options fields a running server can change, with
// the config key each comes from. Any other field that differs makes a
// reload fail; ignoredOnReload fields are not compared.
var reloadable = map[string]string{
	"MaxPayload": "max_payload", "MaxControlLine": "max_control_line", "MaxPending": "max_pending",
	"MaxConnections": "max_connections", "MaxSubscriptions": "max_subscriptions",
	"MaxClosedClients": "max_closed_clients", "PingInterval": "ping_interval", "MaxPingsOut": "ping_max",
	"WriteDeadline": "write_deadline", "AuthTimeout": "authorization.timeout",
	"Username": "authorization.user", "Password": "authorization.password",
	"Authorization": "authorization.token", "Users": "authorization.users",
	"NoAuthUser": "no_auth_user", "Accounts": "accounts", "Mappings": "mappings", "DefaultPermissions": "authorization.default_permissions",
	"AuthCallout": "authorization.auth_callout",
	"Debug":       "debug", "Trace": "trace", "Logtime": "logtime", "LogUTC": "logtime_utc",
	"LogFile": "log_file", "LogSizeLimit": "logfile_size_limit", "LogMaxFiles": "logfile_max_num",
	"Syslog": "syslog", "RemoteSyslog": "remote_syslog", "LogFormat": "log_format",
	"LameDuckDuration": "lame_duck_duration", "LameDuckGracePeriod": "lame_duck_grace_period",
	"TLSConfig": "tls", "TLSCert": "tls.cert_file", "TLSKey": "tls.key_file", "TLSCaCert": "tls.ca_file",
	"TLSVerify": "tls.verify", "TLSMap": "tls.verify_and_map", "TLSTimeout": "tls.timeout",
	"TLSHandshakeFirst": "tls.handshake_first", "TLSHandshakeFirstFallback": "tls.handshake_first",
	"Websocket": "websocket", "JetStream": "jetstream",
}

var ignoredOnReload = map[string]bool{"ConfigFile": true, "ConfigDigest": true, "NoLog": true}

// optionsDiff compares two option sets field by field.
func optionsDiff(old, cur *Options) (changed, refused []string) {
	ov, nv := reflect.ValueOf(old).Elem(), reflect.ValueOf(cur).Elem()
	t := ov.Type()
	for i := 0; i < t.NumField(); i++ {
		name := t.Field(i).Name
		if ignoredOnReload[name] || reflect.DeepEqual(ov.Field(i).Interface(), nv.Field(i).Interface()) {
			continue
		}
		if name == "Cluster" {
			ch, ref := clusterDiff(&old.Cluster, &cur.Cluster)
			changed, refused = append(changed, ch...), append(refused, ref...)
			continue
		}
		if name == "LeafNode" {
			ch, ref := leafDiff(&old.LeafNode, &cur.LeafNode)
			changed, refused = append(changed, ch...), append(refused, ref...)
			continue
		}
		if key, ok := reloadable[name]; ok {
			changed = append(changed, key)
		} else {
			refused = append(refused, configName(name))
		}
	}
	sort.Strings(changed)
	sort.Strings(refused)
	return changed, refused
}

// configName turns a field name into its config key for messages
// (MaxPayload → max_payload).
func configName(field string) string {
	var b strings.Builder
	for i, r := range field {
		if r >= 'A' && r <= 'Z' {
			if i > 0 && !(field[i-1] >= 'A' && field[i-1] <= 'Z') {
				b.WriteByte('_')
			}
			r += 'a' - 'A'
		}
		b.WriteRune(r)
	}
	return b.String()
}

func (s *Server) applyOptions(o *Options) error {
	cur := o.Clone()
	cur.setDefaults()
	if err := cur.validate(); err != nil {
		return fmt.Errorf("config reload: %w", err)
	}
	authn, err := buildAuthenticator(cur)
	if err != nil {
		return fmt.Errorf("config reload: %w", err)
	}
	old := s.getOpts()
	changed, refused := optionsDiff(old, cur)
	if len(refused) > 0 {
		return fmt.Errorf("config reload not supported for: %s (restart the server to change them)", strings.Join(refused, ", "))
	}
	if err := jsReloadCheck(&old.JetStream, &cur.JetStream); err != nil {
		return err
	}
	if err := s.reloadWebsocket(old, cur); err != nil {
		return fmt.Errorf("config reload: %w", err)
	}
	s.opts.Store(cur)
	s.authn.Store(authn)
	prevAccounts := s.accounts.Load()
	s.accounts.Store(s.buildAccounts(cur, prevAccounts))
	s.setupImports(prevAccounts, s.accounts.Load())
	s.reloadJetStream(old, cur)
	s.accountSysServices(prevAccounts)
	s.reloadRoutes(old, cur)
	s.reloadLeafNodes(old, cur)
	s.tls.Store(newTLSServer(cur)) // reads the certificate files again
	s.optsGen.Add(1)
	if l, ok := s.log.(interface{ SetLevels(debug, trace bool) }); ok {
		l.SetLevels(cur.Debug, cur.Trace)
	}
	for _, c := range s.snapshotClients() {
		c.reloaded(cur, authn)
	}
	s.enforceAccountConnLimits()
	s.enforceUserConnLimits()
	if cur.MaxConnections < old.MaxConnections {
		s.closeBeyondMaxConnections(cur.MaxConnections)
	}
	if cur.MaxPayload != old.MaxPayload {
		// Beyond nats-server: connected clients learn the new limit now
		// (their readers apply it from their next read, see optsGen), not
		// when a payload they believed allowed gets them disconnected.
		s.resendInfo()
	}
	for _, f := range s.reloadHooks {
		f(cur)
	}
	if len(changed) == 0 {
		s.log.Noticef("Reloaded server configuration: no changes")
	} else {
		logger.Notice(s.log, logger.Record{Msg: "Reloaded server configuration", Text: "Reloaded server configuration: changed %s",
			Fields: []logger.Field{logger.F("changed", logger.List(changed))}})
	}
	return nil
}

// closeBeyondMaxConnections closes the newest client connections beyond
// limit, after a reload lowered max_connections, with the error a client
// refused at accept gets. (nats-server picks the connections to close
// arbitrarily; the newest are the ones that had the least work going.)
func (s *Server) closeBeyondMaxConnections(limit int) {
	clients := s.snapshotClients()
	if len(clients) <= limit {
		return
	}
	slices.SortFunc(clients, func(a, b *client) int { return cmp.Compare(b.cid, a.cid) })
	excess := clients[:len(clients)-limit]
	for _, c := range excess {
		c.sendErrAndClose(errMaxConnections, MaxConnectionsExceeded)
	}
	logger.Notice(s.log, logger.Record{Msg: "Closed connections to fall within max_connections", Text: "Closed %d connections to fall within max_connections",
		Fields: []logger.Field{logger.F("closed", len(excess))}})
}

// reloaded applies new options to a connection: its output limit, and its
// authentication, which is checked again with the credentials it used; a
// client that no longer passes is disconnected, as with nats-server.
func (c *client) reloaded(o *Options, authn *auth.Authenticator) {
	c.mu.Lock()
	c.maxPending = o.MaxPending
	creds, connected := c.creds, c.authenticated
	c.mu.Unlock()
	if c.ws != nil {
		// Before the INFO announcing a new max_payload goes out.
		c.ws.conn.SetMaxMessage(wsMaxMessage(o))
	}
	if !connected {
		return
	}
	if c.ws != nil {
		authn = c.authenticator()
	}
	id, err := c.authenticate(authn, &creds)
	if err != nil {
		c.srv.log.Noticef("%s - %v after reload: closing", c.logPrefix(), err)
		c.sendErrAndClose(errAuthorization, AuthenticationViolation)
		return
	}
	// A client never moves between accounts: one whose user is now in
	// another account, or whose account is gone, is disconnected.
	if acc := c.srv.lookupAccount(id.Account); acc != c.acc.Load() {
		c.srv.log.Noticef("%s - Account %q of the client changed or was removed by reload: closing", c.logPrefix(), c.acc.Load().name)
		c.sendErrAndClose(errAuthorization, AuthenticationViolation)
		return
	}
	c.setIdentity(id)
	c.updatePubRate()
	// An account's max_subscriptions applies to connected clients (as in
	// nats-server); the server-wide one, as before, to new subscriptions.
	if max := c.acc.Load().limits().MaxSubscriptions; max > 0 {
		c.mu.Lock()
		n := len(c.subs)
		c.mu.Unlock()
		if n > max {
			c.srv.log.Errorf("%s - Maximum Subscriptions Exceeded (%d) after reload: closing", c.logPrefix(), max)
			c.sendErrAndClose(errMaxSubscriptions, MaxSubscriptionsExceeded)
		}
	}
}
