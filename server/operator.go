package server

import (
	"errors"
	"fmt"
	"net"
	"slices"
	"sort"
	"sync"
	"time"

	"github.com/nats-io/jwt/v2"

	"github.com/natsd/natsd/accounts"
	"github.com/natsd/natsd/auth"
	"github.com/natsd/natsd/jwtauth"
)

// Operator mode: accounts and users come from JWTs signed by a trusted
// operator instead of the configuration file. An account JWT, once
// known (resolver_preload, the resolver's directory, or a claim update
// over $SYS: sys_claims.go), is compiled by package jwtauth into the
// same accounts.Account the accounts block produces, so it runs on the
// same account code (account.go, imports.go): the running account set is
// rebuilt with the JWT accounts as a reload rebuilds it with the
// configured ones. A client authenticates with a user JWT and a
// signature of the nonce (authenticateJWT); its identity carries the
// user's permissions and limits, and a timer ends the connection when
// the JWT expires.

// operatorState is operator mode's running part (nil otherwise).
type operatorState struct {
	trust *jwtauth.Trust
	// store is the resolver's directory (full and cache), nil for MEMORY.
	store *jwtStore
	// mu guards jwts; it is a leaf (nothing is called while it is held).
	mu   sync.Mutex
	jwts map[string]*jwtauth.Account
	// updMu serializes claim updates: each rebuilds the account set.
	updMu sync.Mutex
	// claims is the $SYS claim services (sys_claims.go).
	claims *claimsService
}

// newOperatorState loads the account JWTs of o: the resolver's directory,
// then resolver_preload (a preloaded JWT older than the stored one is
// ignored; a newer one is stored).
func newOperatorState(o *Options) (*operatorState, error) {
	op := &operatorState{trust: jwtauth.NewTrust(o.Operators), jwts: make(map[string]*jwtauth.Account)}
	if o.Resolver.Type == ResolverFull || o.Resolver.Type == ResolverCache {
		st, err := openJWTStore(o.Resolver.Dir)
		if err != nil {
			return nil, err
		}
		op.store = st
		for pub, token := range st.all() {
			if ac, err := op.trust.DecodeAccount(token, pub); err == nil {
				op.jwts[pub] = jwtauth.Compile(ac, token)
			}
		}
	}
	pubs := make([]string, 0, len(o.ResolverPreload))
	for pub := range o.ResolverPreload {
		pubs = append(pubs, pub)
	}
	sort.Strings(pubs)
	for _, pub := range pubs {
		token := o.ResolverPreload[pub]
		ac, err := op.trust.DecodeAccount(token, pub)
		if err != nil {
			return nil, fmt.Errorf("resolver_preload: account %q: %v", pub, err)
		}
		if cur := op.jwts[pub]; cur != nil && cur.Claims.IssuedAt > ac.IssuedAt {
			continue
		}
		op.jwts[pub] = jwtauth.Compile(ac, token)
		if op.store != nil {
			if err := op.store.put(pub, token); err != nil {
				return nil, err
			}
		}
	}
	return op, nil
}

// lookup returns the compiled JWT of account pub, nil when unknown.
func (op *operatorState) lookup(pub string) *jwtauth.Account {
	op.mu.Lock()
	defer op.mu.Unlock()
	return op.jwts[pub]
}

// list returns the public keys of the known accounts, sorted.
func (op *operatorState) list() []string {
	op.mu.Lock()
	defer op.mu.Unlock()
	out := make([]string, 0, len(op.jwts))
	for pub := range op.jwts {
		out = append(out, pub)
	}
	sort.Strings(out)
	return out
}

// specs returns the accounts of the known JWTs, each with the imports
// that hold against the others (a fresh copy per call: imports depend on
// the exporters, which change independently).
func (s *Server) jwtAccountSpecs() []*accounts.Account {
	op := s.op
	if op == nil {
		return nil
	}
	op.mu.Lock()
	all := make([]*jwtauth.Account, 0, len(op.jwts))
	for _, a := range op.jwts {
		all = append(all, a)
	}
	lookup := func(pub string) *jwtauth.Account { return op.jwts[pub] }
	out := make([]*accounts.Account, 0, len(all))
	now := time.Now()
	var skipped []string
	for _, a := range all {
		sp := *a.Spec
		var sk []string
		sp.Imports, sk = a.ResolveImports(lookup, now)
		for _, m := range sk {
			skipped = append(skipped, fmt.Sprintf("Account %q: %s", a.Claims.Subject, m))
		}
		out = append(out, &sp)
	}
	op.mu.Unlock()
	if s.log != nil {
		for _, m := range skipped {
			s.log.Debugf("%s", m)
		}
	}
	slices.SortFunc(out, func(a, b *accounts.Account) int {
		switch {
		case a.Name < b.Name:
			return -1
		case a.Name > b.Name:
			return 1
		}
		return 0
	})
	return out
}

// updateAccountJWT checks and applies a new JWT for account pub (pub ""
// takes it from the JWT): it must verify, be issued by a trusted
// operator; one older than the JWT in force is ignored. The accounts are
// rebuilt and the account's connected users checked again (revoked ones
// are disconnected). It returns the account's public key.
func (s *Server) updateAccountJWT(pub, token string) (string, error) {
	op := s.op
	ac, err := op.trust.DecodeAccount(token, pub)
	if err != nil {
		return pub, err
	}
	op.updMu.Lock()
	defer op.updMu.Unlock()
	op.mu.Lock()
	cur := op.jwts[ac.Subject]
	if cur != nil && cur.Claims.IssuedAt > ac.IssuedAt {
		// As the reference: acknowledged, but the newer JWT stays.
		op.mu.Unlock()
		s.log.Debugf("Account claims update of %s ignored: older than the JWT in force", ac.Subject)
		return ac.Subject, nil
	}
	if cur != nil && cur.JWT == token {
		op.mu.Unlock()
		return ac.Subject, nil
	}
	op.jwts[ac.Subject] = jwtauth.Compile(ac, token)
	op.mu.Unlock()
	if op.store != nil {
		if err := op.store.put(ac.Subject, token); err != nil {
			s.log.Errorf("Storing the JWT of account %q: %v", ac.Subject, err)
		}
	}
	s.log.Debugf("Updating account claims: %s/%s", ac.Subject, ac.Name)
	s.rebuildJWTAccounts(ac.Subject)
	return ac.Subject, nil
}

// deleteAccountJWTs forgets the JWTs of the given accounts (full resolver
// with allow_delete): their clients are disconnected.
func (s *Server) deleteAccountJWTs(pubs []string) {
	op := s.op
	op.updMu.Lock()
	defer op.updMu.Unlock()
	op.mu.Lock()
	for _, pub := range pubs {
		delete(op.jwts, pub)
	}
	op.mu.Unlock()
	for _, pub := range pubs {
		if op.store != nil {
			op.store.remove(pub)
		}
	}
	s.rebuildJWTAccounts(pubs...)
}

// rebuildJWTAccounts rebuilds the running accounts after a JWT changed
// and checks again the clients of the changed accounts.
func (s *Server) rebuildJWTAccounts(changed ...string) {
	s.reloadMu.Lock()
	prev := s.accounts.Load()
	s.accounts.Store(s.buildAccounts(s.getOpts(), prev))
	s.setupImports(prev, s.accounts.Load())
	s.reloadMu.Unlock()
	s.enableJWTJetStream()
	for _, c := range s.snapshotClients() {
		if c.kind != kindClient {
			continue
		}
		if name := c.acc.Load().name; slices.Contains(changed, name) {
			c.recheckJWT()
		}
	}
	for _, c := range s.leafConns() {
		// Accepted leaf nodes logged in with a user JWT of the account.
		if !c.leaf.solicited && slices.Contains(changed, c.acc.Load().name) {
			c.recheckJWT()
		}
	}
	s.enforceAccountConnLimits()
}

// recheckJWT checks a connected JWT user again after its account's JWT
// changed: revoked, or its account gone, it is disconnected; otherwise
// its permissions and limits are replaced.
func (c *client) recheckJWT() {
	c.mu.Lock()
	creds, connected := c.creds, c.authenticated
	c.mu.Unlock()
	if !connected || creds.JWT == "" {
		return
	}
	id, err := c.authenticateJWT(&creds)
	if err == nil {
		if acc := c.srv.lookupAccount(id.Account); acc != c.acc.Load() || acc == nil || acc.removed.Load() {
			err = &jwtAuthError{user: id.Name, err: &jwtauth.UserError{Reason: "account removed"}}
		}
	}
	if err == nil && c.kind == kindLeaf {
		// A leaf keeps the permissions it logged in with until it
		// reconnects: its interest was exchanged under them.
		return
	}
	if err == nil {
		c.setIdentity(id)
		// Lowered subscription limits apply to connected clients.
		if max := c.maxSubs(); max > 0 {
			c.mu.Lock()
			n := len(c.subs)
			c.mu.Unlock()
			if n > max {
				c.srv.log.Errorf("%s - Maximum Subscriptions Exceeded (%d) after account update: closing", c.logPrefix(), max)
				c.sendErrAndClose(errMaxSubscriptions, MaxSubscriptionsExceeded)
			}
		}
		return
	}
	var ue *jwtauth.UserError
	if errors.As(err, &ue) && ue.Reason == jwtauth.ReasonRevoked {
		c.srv.log.Debugf("%s - %s", c.logPrefix(), errAuthRevoked)
		c.sendErrAndClose(errAuthRevoked, CredentialsRevoked)
		return
	}
	c.srv.log.Noticef("%s - %v after account update: closing", c.logPrefix(), err)
	c.sendErrAndClose(errAuthorization, AuthenticationViolation)
}

// authenticateJWT authenticates a CONNECT in operator mode: the user JWT,
// the signature of the nonce, and the user's restrictions. On success
// the identity is set and the expiry timer armed.
func (c *client) authenticateJWT(cr *auth.Credentials) (*auth.Identity, error) {
	s := c.srv
	if s.op == nil || cr.JWT == "" {
		return nil, &auth.AuthError{}
	}
	uc, accPub, err := jwtauth.DecodeUser(cr.JWT)
	if err != nil {
		return nil, &jwtAuthError{err: err}
	}
	a := s.op.lookup(accPub)
	c.mu.Lock()
	first := !c.authenticated // at CONNECT, not a re-check (which may hold reloadMu)
	c.mu.Unlock()
	if a == nil && first && s.fetchAccountJWT(accPub) {
		a = s.op.lookup(accPub)
	}
	if a == nil {
		return nil, &jwtAuthError{user: uc.Subject, err: &jwtauth.UserError{Reason: fmt.Sprintf("account %q is not known", accPub)}}
	}
	typ := jwt.ConnectionTypeStandard
	switch {
	case c.kind == kindLeaf && c.leaf.ws:
		typ = jwt.ConnectionTypeLeafnodeWS
	case c.kind == kindLeaf:
		typ = jwt.ConnectionTypeLeafnode
	case c.ws != nil:
		typ = jwt.ConnectionTypeWebsocket
	}
	u, err := a.CheckUser(uc, jwtauth.Conn{IP: net.ParseIP(c.host), Type: typ, Nonce: c.nonce, Sig: cr.Sig}, time.Now())
	if err != nil {
		return nil, &jwtAuthError{user: uc.Subject, err: err}
	}
	if ext := a.Claims.Authorization; ext.IsEnabled() && !slices.Contains(ext.AuthUsers, uc.Subject) {
		return c.calloutJWT(a, cr) // the account's auth callout decides
	}
	c.armJWTExpiry(u.Expires)
	c.mu.Lock()
	c.mon.user = uc.Subject // /connz's authorized_user, as nats-server shows it
	c.mu.Unlock()
	s.log.Debugf("%s - Authenticated JWT: Client %q (claim-name: %q) signed with %q by Account %q (claim-name: %q)",
		c.logPrefix(), uc.Subject, uc.Name, uc.Issuer, a.Claims.Subject, a.Claims.Name)
	return u.Identity, nil
}

// jwtAuthError is a refused user JWT: its text is the log line (the user's
// public key and the reason, never the JWT or the signature); the client
// gets 'Authorization Violation'.
type jwtAuthError struct {
	user string
	err  error
}

func (e *jwtAuthError) Error() string {
	if e.user == "" {
		return "authentication error - " + e.err.Error()
	}
	return fmt.Sprintf("authentication error - JWT user %q: %v", e.user, e.err)
}

func (e *jwtAuthError) Unwrap() []error { return []error{e.err, auth.ErrAuthorization} }

// armJWTExpiry (re)sets the timer that disconnects the client when its
// JWT (or its times window) expires.
func (c *client) armJWTExpiry(at time.Time) {
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.jwtTimer != nil {
		c.jwtTimer.Stop()
		c.jwtTimer = nil
	}
	if at.IsZero() || c.closed {
		return
	}
	c.jwtTimer = time.AfterFunc(max(time.Until(at), 0), func() {
		c.srv.log.Debugf("%s - %s", c.logPrefix(), errAuthExpired)
		c.sendErrAndClose(errAuthExpired, AuthenticationExpired)
	})
}

// enableJWTJetStream turns JetStream on for the accounts whose JWT enables
// it and that do not have it yet (an account pushed after the start).
// Changed limits of accounts that have it apply from the next restart.
func (s *Server) enableJWTJetStream() {
	js := s.js.Load()
	if js == nil {
		return
	}
	for _, a := range s.jetStreamAccounts() {
		js.mu.Lock()
		_, on := js.accounts[a.acc.name]
		js.mu.Unlock()
		if on {
			continue
		}
		if err := js.enableAccount(a.acc, a.limits); err != nil {
			s.log.Errorf("Error enabling JetStream for account %q: %v", a.acc.name, err)
		}
	}
}
