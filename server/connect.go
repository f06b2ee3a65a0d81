package server

import (
	"encoding/json"
	"sort"

	"github.com/natsd/natsd/auth"
)

// connectOptions are the fields a client may send in CONNECT.
type connectOptions struct {
	Verbose      bool   `json:"verbose"`
	Pedantic     bool   `json:"pedantic"`
	TLSRequired  bool   `json:"tls_required"`
	AuthToken    string `json:"auth_token,omitempty"`
	Username     string `json:"user,omitempty"`
	Password     string `json:"pass,omitempty"`
	Name         string `json:"name"`
	Lang         string `json:"lang"`
	Version      string `json:"version"`
	Protocol     int    `json:"protocol"`
	Echo         *bool  `json:"echo,omitempty"`
	Headers      bool   `json:"headers"`
	NoResponders bool   `json:"no_responders"`
	Nkey         string `json:"nkey,omitempty"`
	Sig          string `json:"sig,omitempty"`
	JWT          string `json:"jwt,omitempty"`
}

// ProcessConnect applies CONNECT: options, then authentication.
func (c *client) ProcessConnect(arg []byte) error {
	if c.kind == kindRoute {
		if c.tracing() {
			c.traceIn("CONNECT", redactConnect(arg))
		}
		return c.routeConnect(arg)
	}
	if c.kind == kindLeaf {
		if c.tracing() {
			c.traceIn("CONNECT", redactConnect(arg))
		}
		c.endNegotiation() // a leaf that sends CONNECT first does not compress
		return c.leafConnect(arg)
	}
	if c.tracing() {
		c.traceIn("CONNECT", redactConnect(arg))
	}
	// Clients that leave verbose and pedantic out get them on, as with
	// nats-server.
	o := connectOptions{Verbose: true, Pedantic: true}
	if err := json.Unmarshal(arg, &o); err != nil {
		// nats-server closes without a word on undecodable CONNECT JSON.
		c.srv.log.Errorf("%s - Invalid CONNECT: %v", c.logPrefix(), err)
		return &clientError{reason: ProtocolViolation}
	}
	if o.NoResponders && !o.Headers {
		return &clientError{text: errNoRespondersHdrs, reason: ProtocolViolation}
	}
	c.opts = o
	c.recordConnect(&o)
	authn := c.authenticator()
	cr := auth.Credentials{User: o.Username, Pass: o.Password, Token: o.AuthToken, Nkey: o.Nkey, Sig: o.Sig, JWT: o.JWT}
	c.wsCredentials(&cr)
	id, err := c.authenticate(authn, &cr)
	if err != nil {
		c.srv.log.Errorf("%s - %v", c.logPrefix(), err)
		return &clientError{text: errAuthorization, reason: AuthenticationViolation}
	}
	c.setIdentity(id)
	c.mu.Lock()
	c.creds = cr
	c.authenticated = true
	creds := c.creds
	c.mu.Unlock()
	if cur := c.authenticator(); cur != authn {
		// A reload swapped the configuration while this CONNECT was being
		// checked, and its re-check of connected clients may have missed
		// this one: check again against the configuration in force.
		if id, err = c.authenticate(cur, &creds); err != nil {
			c.srv.log.Errorf("%s - %v", c.logPrefix(), err)
			return &clientError{text: errAuthorization, reason: AuthenticationViolation}
		}
		c.setIdentity(id)
	}
	if err := c.bindAccount(id); err != nil {
		return err
	}
	c.updatePubRate()
	if lim := c.acc.Load().limits().MaxPayload; lim > 0 || id.MaxPayload > 0 {
		c.parser.SetLimits(int(c.srv.getOpts().MaxControlLine), int(c.maxPayload()))
	}
	var flags uint32
	if o.Headers && !c.srv.getOpts().NoHeaderSupport {
		flags |= flagHeaders
	}
	if o.Echo != nil && !*o.Echo {
		flags |= flagNoEcho
	}
	if o.Protocol >= 1 {
		flags |= flagAsyncInfo
		c.connectInfoDue = !c.connected
	}
	c.flags.Store(flags)
	first := !c.connected
	c.connected = true
	c.setLogPrefix()
	c.mu.Lock()
	if c.authTimer != nil {
		c.authTimer.Stop()
	}
	if first && c.pingTimer != nil {
		// The early first ping counts from the CONNECT, as in nats-server:
		// a client slow to send it (a loaded machine) must not get a PING
		// where its handshake expects the PONG.
		c.pingTimer.Reset(min(firstPingInterval, c.srv.getOpts().PingInterval))
	}
	c.mu.Unlock()
	c.sendOK()
	if first {
		c.srv.sysClientConnected(c)
	}
	return nil
}

// setIdentity records who the client is and what it may do. On reload,
// subscriptions the new permissions no longer allow are removed with the
// violation error, as nats-server does.
func (c *client) setIdentity(id *auth.Identity) {
	prev := c.identity.Swap(id)
	perms := id.Perms
	if prev != nil && prev.Perms == perms {
		return
	}
	var revoked []*subscription
	c.mu.Lock()
	c.responses = perms.NewResponses()
	for sid, sub := range c.subs {
		if !perms.CanSubscribe(sub.subject, sub.queue) {
			delete(c.subs, sid)
			revoked = append(revoked, sub)
			continue
		}
		sub.checkDelivery = perms.SubNeedsDeliveryCheck(sub.subject, sub.queue)
	}
	c.mu.Unlock()
	sort.Slice(revoked, func(i, j int) bool { return sidLess(revoked[i].sid, revoked[j].sid) })
	for _, sub := range revoked {
		c.srv.removeSub(sub)
		c.srv.log.Noticef("%s", auth.SubRevokedLog(sub.subject, sub.queue, sub.sid, id.Name)) // no client prefix, as nats-server
		c.sendErr(auth.SubRevoked(sub.subject, sub.queue, sub.sid))
	}
}

// perms returns the client's permissions, nil when unrestricted.
func (c *client) perms() *auth.Checker {
	if id := c.identity.Load(); id != nil {
		return id.Perms
	}
	return nil
}

// sidLess orders subscription ids numerically when they are numbers (as
// clients send them), so revocation errors come in subscription order.
func sidLess(a, b string) bool {
	if len(a) != len(b) {
		return len(a) < len(b)
	}
	return a < b
}

// bindAccount puts the client in the account its identity names, counting
// it against the account's max_connections. A client stays in the account
// of its first CONNECT: a later CONNECT naming another is refused.
func (c *client) bindAccount(id *auth.Identity) error {
	s := c.srv
	acc := s.lookupAccount(id.Account)
	if acc == nil {
		s.log.Errorf("%s - Account %q of user %q does not exist", c.logPrefix(), id.Account, id.Name)
		return &clientError{text: errAuthorization, reason: AuthenticationViolation}
	}
	c.mu.Lock()
	nsubs := len(c.subs)
	c.mu.Unlock()
	s.mu.Lock()
	defer s.mu.Unlock()
	cur := c.acc.Load()
	if cur == acc && c.accCounted {
		return s.countUser(c, id)
	}
	if c.accCounted || (cur != acc && nsubs > 0) {
		s.log.Errorf("%s - A client cannot change accounts (%q to %q)", c.logPrefix(), cur.name, acc.name)
		return &clientError{text: errAuthorization, reason: AuthenticationViolation}
	}
	if lim := acc.limits().MaxConnections; lim > 0 && acc.nconns >= lim {
		s.log.Errorf("%s - Account %q: maximum connections (%d) exceeded", c.logPrefix(), acc.name, lim)
		return &clientError{text: errMaxAccountConnections, reason: MaxAccountConnectionsExceeded}
	}
	if err := s.countUser(c, id); err != nil {
		return err
	}
	acc.nconns++
	c.accCounted = true
	c.acc.Store(acc)
	return nil
}
