package server

import (
	"errors"
	"fmt"
	"net"
	"slices"
	"time"

	"github.com/nats-io/jwt/v2"

	"github.com/natsd/natsd/auth"
	"github.com/natsd/natsd/jwtauth"
)

// The auth callout in operator mode: an account JWT whose authorization
// claim names auth_users sends the CONNECT of its other users (typically
// one "sentinel" user whose creds every client shares) to the callout
// service listening in that account. The answer is signed by the account
// (or one of its signing keys); the user JWT in it is signed by the
// account the client is placed in, which must be the callout account or
// one of its allowed_accounts ("*": any), and is checked like any user
// JWT of that account (revocations, limits, permissions, expiry), except
// for the nonce signature: the server made the user's key.

// calloutJWT authenticates c, a user of account a, through a's callout.
func (c *client) calloutJWT(a *jwtauth.Account, cr *auth.Credentials) (*auth.Identity, error) {
	if uc := c.calloutUser.Load(); uc != nil {
		// Granted at CONNECT: a re-check does not call out again, but
		// checks the issued user JWT against its account's current JWT
		// (revocations, limits, permissions), as for any user.
		return c.recheckCalloutUser(uc)
	}
	s := c.srv
	ext := a.Claims.Authorization
	fail := func(err error) (*auth.Identity, error) {
		return nil, &calloutError{err: err}
	}
	acc := s.lookupAccount(a.Claims.Subject)
	if acc == nil {
		return fail(fmt.Errorf("auth callout: account %q not running", a.Claims.Subject))
	}
	upub, resp, err := c.callout(acc, a.Claims.Subject, ext.XKey, cr)
	if err != nil {
		return fail(err)
	}
	rc, err := jwt.DecodeAuthorizationResponseClaims(string(resp))
	if err != nil {
		return fail(fmt.Errorf("auth callout: bad response: %v", err))
	}
	vr := jwt.CreateValidationResults()
	rc.Validate(vr)
	switch {
	case len(vr.Errors()) > 0:
		return fail(fmt.Errorf("auth callout: bad response: %v", vr.Errors()[0]))
	case rc.Issuer != a.Claims.Subject && !a.Claims.SigningKeys.Contains(rc.Issuer):
		return fail(fmt.Errorf("auth callout: response signed by %q, not by account %q", rc.Issuer, a.Claims.Subject))
	case rc.Subject != upub:
		return fail(errors.New("auth callout: response is for another request"))
	case rc.Audience != s.ID():
		return fail(errors.New("auth callout: response is for another server"))
	case rc.Error != "":
		return fail(fmt.Errorf("auth callout: service refused: %s", rc.Error))
	}
	uc, target, err := jwtauth.DecodeUser(rc.Jwt)
	if err != nil {
		return fail(err)
	}
	if uc.Subject != upub {
		return fail(errors.New("auth callout: user JWT is for another request"))
	}
	if target != a.Claims.Subject && !slices.Contains(ext.AllowedAccounts, target) && !slices.Contains(ext.AllowedAccounts, jwt.AnyAccount) {
		return fail(fmt.Errorf("auth callout: account %q is not allowed", target))
	}
	ta := s.op.lookup(target)
	if ta == nil {
		return fail(fmt.Errorf("auth callout: account %q is not known", target))
	}
	typ := jwt.ConnectionTypeStandard
	if c.ws != nil {
		typ = jwt.ConnectionTypeWebsocket
	}
	u, err := ta.CheckUser(uc, jwtauth.Conn{IP: net.ParseIP(c.host), Type: typ, Issued: true}, time.Now())
	if err != nil {
		return fail(err)
	}
	c.armJWTExpiry(u.Expires)
	c.calloutID.Store(u.Identity)
	c.calloutUser.Store(uc)
	c.mu.Lock()
	c.mon.user = uc.Subject
	c.mu.Unlock()
	return u.Identity, nil
}

// recheckCalloutUser checks again the user JWT the callout issued to c
// against the current JWT of the account it placed c in.
func (c *client) recheckCalloutUser(uc *jwt.UserClaims) (*auth.Identity, error) {
	target := uc.IssuerAccount
	if target == "" {
		target = uc.Issuer
	}
	ta := c.srv.op.lookup(target)
	if ta == nil {
		return nil, &calloutError{err: fmt.Errorf("auth callout: account %q is not known", target)}
	}
	typ := jwt.ConnectionTypeStandard
	if c.ws != nil {
		typ = jwt.ConnectionTypeWebsocket
	}
	u, err := ta.CheckUser(uc, jwtauth.Conn{IP: net.ParseIP(c.host), Type: typ, Issued: true}, time.Now())
	if err != nil {
		return nil, &calloutError{user: uc.Subject, err: err}
	}
	c.calloutID.Store(u.Identity)
	return u.Identity, nil
}
