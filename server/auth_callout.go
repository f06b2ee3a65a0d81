package server

import (
	"bytes"
	"errors"
	"fmt"
	"slices"
	"strconv"
	"time"

	"github.com/nats-io/jwt/v2"
	"github.com/nats-io/nkeys"

	"github.com/natsd/natsd/accounts"
	"github.com/natsd/natsd/auth"
	"github.com/natsd/natsd/jwtauth"
)

// The auth callout (ADR-26): a client that does not authenticate as one
// of the auth_users has its CONNECT sent, as an authorization request
// JWT signed with the server's nkey (and sealed for the service's xkey
// when one is configured), to $SYS.REQ.USER.AUTH in the callout account.
// The service answers with an authorization response JWT signed by the
// issuer, holding either an error or a user JWT (signed by the issuer,
// subject the user nkey of the request, audience the account to place
// the client in) whose permissions and limits the client then gets. No
// answer within the authorization timeout, garbage, a wrong signer or
// subject, or an error answer refuse the client with 'Authorization
// Violation'. The callout costs one round trip per CONNECT and nothing
// per message: the identity it yields is an ordinary one.

// calloutSubject is where the callout service listens.
const calloutSubject = "$SYS.REQ.USER.AUTH"

// calloutAudience is the audience of the request claims.
const calloutAudience = "nats-authorization-request"

// calloutState is the server's callout keys.
type calloutState struct {
	kp  nkeys.KeyPair // the server's identity key: signs the requests
	xkp nkeys.KeyPair // the server's curve key: seals and opens
	seq uint64
}

// calloutIdentity authenticates c through the callout service.
func (c *client) calloutIdentity(co *AuthCalloutOpts, cr *auth.Credentials) (*auth.Identity, error) {
	acc := c.srv.lookupAccount(co.Account)
	if acc == nil {
		return nil, fmt.Errorf("auth callout: account %q not found", co.Account)
	}
	upub, resp, err := c.callout(acc, co.Issuer, co.XKey, cr)
	if err != nil {
		return nil, err
	}
	return c.srv.calloutResponse(co, upub, resp)
}

// callout sends the authorization request for c's CONNECT in acc (subject
// the issuer, sealed for xkey when set) and returns the user nkey the
// request named and the answer, opened.
func (c *client) callout(acc *Account, issuer, xkey string, cr *auth.Credentials) (string, []byte, error) {
	s := c.srv
	ukp, err := nkeys.CreateUser()
	if err != nil {
		return "", nil, err
	}
	upub, _ := ukp.PublicKey()
	// As the reference: subject the issuer, a short expiry. wait ends
	// before the client's own authentication timeout fires, so a silent
	// service refuses it with 'Authorization Violation'.
	wait := max(time.Until(c.start.Add(c.authTimeoutValue()))-100*time.Millisecond, 50*time.Millisecond)
	req := jwt.NewAuthorizationRequestClaims(issuer)
	req.Audience = calloutAudience
	req.Expires = time.Now().Add(wait).Unix() + 1
	req.UserNkey = upub
	req.Server = jwt.ServerID{Name: s.Name(), Host: s.getOpts().Host, ID: s.ID(), Version: Version, Cluster: s.getOpts().Cluster.Name}
	if xkey != "" {
		req.Server.XKey, _ = s.callout.xkp.PublicKey()
	}
	c.mu.Lock()
	req.ClientInformation = jwt.ClientInformation{Host: c.host, ID: c.cid, User: cr.User, Name: c.opts.Name, Kind: "Client", Type: "nats", Nonce: string(c.nonce)}
	req.ConnectOptions = jwt.ConnectOptions{JWT: cr.JWT, Nkey: cr.Nkey, SignedNonce: cr.Sig, Token: cr.Token, Username: cr.User, Password: cr.Pass,
		Name: c.opts.Name, Lang: c.opts.Lang, Version: c.opts.Version, Protocol: c.opts.Protocol}
	c.mu.Unlock()
	if c.ws != nil {
		req.ClientInformation.Type = "websocket"
	}
	token, err := req.Encode(s.callout.kp)
	if err != nil {
		return "", nil, err
	}
	body, hdr := []byte(token), []byte(nil)
	if xkey != "" {
		if body, err = s.callout.xkp.Seal(body, xkey); err != nil {
			return "", nil, fmt.Errorf("auth callout: sealing the request: %v", err)
		}
		xpub, _ := s.callout.xkp.PublicKey()
		hdr = []byte("NATS/1.0\r\nNats-Server-Xkey: " + xpub + "\r\n\r\n")
	}
	resp, err := s.calloutRequest(acc, append(hdr, body...), len(hdr), wait)
	if err != nil {
		return "", nil, err
	}
	resp = bytes.TrimSpace(resp)
	if xkey != "" && !bytes.HasPrefix(resp, []byte("eyJ")) {
		if resp, err = s.callout.xkp.Open(resp, xkey); err != nil {
			return "", nil, fmt.Errorf("auth callout: response cannot be opened: %v", err)
		}
	}
	return upub, resp, nil
}

// calloutRequest publishes the request in acc and waits for the answer.
func (s *Server) calloutRequest(acc *Account, msg []byte, hdrLen int, timeout time.Duration) ([]byte, error) {
	ic := s.newInternalClient(acc)
	defer ic.close()
	s.mu.Lock()
	s.callout.seq++
	n := s.callout.seq
	s.mu.Unlock()
	inbox := "$SYS._INBOX." + s.id[len(s.id)-8:] + ".callout." + strconv.FormatUint(n, 36)
	ch := make(chan []byte, 1)
	if _, err := ic.subscribe(inbox, "", func(_ *client, _ *subscription, _, _ []byte, hdrLen int, m []byte) bool {
		if hdrLen > 0 && hdrLen <= len(m) {
			m = m[hdrLen:]
		}
		select {
		case ch <- append([]byte(nil), m...):
		default:
		}
		return true
	}); err != nil {
		return nil, err
	}
	if !ic.publish([]byte(calloutSubject), []byte(inbox), hdrLen, msg) {
		return nil, errors.New("auth callout: no service listening on " + calloutSubject)
	}
	select {
	case m := <-ch:
		return m, nil
	case <-time.After(timeout):
		return nil, fmt.Errorf("auth callout: response not received in time on account %q", acc.name)
	case <-s.quit:
		return nil, errors.New("auth callout: server shutting down")
	}
}

// calloutResponse checks the service's answer to a request for user
// nkey upub and returns the identity it grants.
func (s *Server) calloutResponse(co *AuthCalloutOpts, upub string, msg []byte) (*auth.Identity, error) {
	rc, err := jwt.DecodeAuthorizationResponseClaims(string(msg))
	if err != nil {
		return nil, fmt.Errorf("auth callout: bad response: %v", err)
	}
	vr := jwt.CreateValidationResults()
	rc.Validate(vr)
	switch {
	case len(vr.Errors()) > 0:
		return nil, fmt.Errorf("auth callout: bad response: %v", vr.Errors()[0])
	case rc.Issuer != co.Issuer:
		return nil, fmt.Errorf("auth callout: response signed by %q, not the issuer", rc.Issuer)
	case rc.Subject != upub:
		return nil, errors.New("auth callout: response is for another request")
	case rc.Audience != s.ID():
		return nil, errors.New("auth callout: response is for another server")
	case rc.Error != "":
		return nil, fmt.Errorf("auth callout: service refused: %s", rc.Error)
	}
	uc, err := jwt.DecodeUserClaims(rc.Jwt)
	if err != nil {
		return nil, fmt.Errorf("auth callout: bad user JWT: %v", err)
	}
	vr = jwt.CreateValidationResults()
	uc.Validate(vr)
	switch {
	case vr.IsBlocking(true):
		return nil, fmt.Errorf("auth callout: user JWT not valid: %v", vr.Errors())
	case uc.Issuer != co.Issuer:
		return nil, fmt.Errorf("auth callout: user JWT signed by %q, not the issuer", uc.Issuer)
	case uc.Subject != upub:
		return nil, errors.New("auth callout: user JWT is for another request")
	}
	account := uc.Audience
	if account == "" {
		account = accounts.Global
	}
	if len(co.AllowedAccounts) > 0 && !slices.Contains(co.AllowedAccounts, account) {
		return nil, fmt.Errorf("auth callout: account %q is not allowed", account)
	}
	if s.lookupAccount(account) == nil {
		return nil, fmt.Errorf("auth callout: account %q does not exist", account)
	}
	var perms *auth.Permissions
	if !uc.Pub.Empty() || !uc.Sub.Empty() || uc.Resp != nil {
		perms = jwtauth.Permissions(&uc.Permissions)
	}
	checker, err := auth.Compile(perms)
	if err != nil {
		return nil, fmt.Errorf("auth callout: permissions: %v", err)
	}
	name := uc.Name
	if name == "" {
		name = upub
	}
	id := &auth.Identity{Name: name, Method: auth.MethodJWT, Perms: checker, Account: account,
		MaxSubscriptions: jwtLimit(uc.Limits.Subs), MaxPayload: int32(jwtLimit(uc.Limits.Payload))}
	return id, nil
}

// jwtLimit turns a JWT limit (-1, 0: none) into a server one (0: none).
func jwtLimit(n int64) int {
	if n <= 0 || n > 1<<31-1 {
		return 0
	}
	return int(n)
}

// authenticateWithCallout is authenticate when an auth callout is
// configured: auth_users authenticate as configured, everyone else
// through the service (once: a reload keeps the identity it granted).
func (c *client) authenticateWithCallout(authn *auth.Authenticator, co *AuthCalloutOpts, cr *auth.Credentials) (*auth.Identity, error) {
	if id, err := authn.Check(cr, c.nonce); err == nil && slices.Contains(co.AuthUsers, id.Name) {
		return id, nil
	}
	if id := c.calloutID.Load(); id != nil {
		return id, nil
	}
	id, err := c.calloutIdentity(co, cr)
	if err != nil {
		return nil, &calloutError{user: cr.User, err: err}
	}
	c.calloutID.Store(id)
	c.mu.Lock()
	c.mon.user = id.Name
	c.mu.Unlock()
	return id, nil
}

// calloutError is a refused callout: the log line (no secrets).
type calloutError struct {
	user string
	err  error
}

func (e *calloutError) Error() string {
	if e.user != "" {
		return fmt.Sprintf("authentication error - User %q: %v", e.user, e.err)
	}
	return "authentication error - " + e.err.Error()
}

func (e *calloutError) Unwrap() []error { return []error{e.err, auth.ErrAuthorization} }
