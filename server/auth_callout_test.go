package server

import (
	"fmt"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/nats-io/jwt/v2"
	"github.com/nats-io/nats.go"
	"github.com/nats-io/nkeys"
)

// calloutStart starts a server whose callout issuer is issuer, and a
// responder (on the auth user's connection) that answers each request
// with answer(request) (nil: no answer). timeout is the authorization
// timeout in seconds, which bounds the wait for the service:
// calloutTimeout, unless a silent service is under test (a callout under
// the race detector on a loaded machine can take more than a second).
func calloutStart(t *testing.T, timeout int, extra string, issuer nkeys.KeyPair, answer func(*jwt.AuthorizationRequestClaims) []byte) *Server {
	ipub, _ := issuer.PublicKey()
	o := accOpts(t, `accounts { APP: {}, OTHER: {} }
authorization {
  timeout: `+fmt.Sprint(timeout)+`
  users: [ { user: auth, password: pwd } ]
  auth_callout { issuer: `+ipub+`, auth_users: [ auth ]
    `+extra+`
  }
}
`)
	s := opStartOpts(t, o)
	nc := clConnect(t, s, nats.UserInfo("auth", "pwd"))
	nc.Subscribe(calloutSubject, func(m *nats.Msg) {
		req, err := jwt.DecodeAuthorizationRequestClaims(string(m.Data))
		if err != nil {
			t.Errorf("request: %v", err)
			return
		}
		if b := answer(req); b != nil {
			m.Respond(b)
		}
	})
	nc.Flush()
	return s
}

// calloutTimeout is the authorization timeout of calloutStart's servers,
// in seconds, when the service answers.
const calloutTimeout = 10

// calloutUser makes the response granting a user JWT edited by f.
func calloutUser(t *testing.T, signer nkeys.KeyPair, req *jwt.AuthorizationRequestClaims, f func(*jwt.UserClaims)) []byte {
	uc := jwt.NewUserClaims(req.UserNkey)
	uc.Audience = "APP"
	if f != nil {
		f(uc)
	}
	ujwt, err := uc.Encode(signer)
	opMust(t, err)
	resp := jwt.NewAuthorizationResponseClaims(req.UserNkey)
	resp.Audience = req.Server.ID
	resp.Jwt = ujwt
	token, err := resp.Encode(signer)
	opMust(t, err)
	return []byte(token)
}

// TestCalloutPermissions: the user JWT of the answer gives the client its
// account and permissions; the request carries the CONNECT's credentials.
func TestCalloutPermissions(t *testing.T) {
	issuer, _ := nkeys.CreateAccount()
	got := make(chan *jwt.AuthorizationRequestClaims, 4)
	s := calloutStart(t, calloutTimeout, "", issuer, func(req *jwt.AuthorizationRequestClaims) []byte {
		got <- req
		return calloutUser(t, issuer, req, func(uc *jwt.UserClaims) { uc.Pub.Allow.Add("ok") })
	})
	errOpt, errs := opErrs()
	nc := clConnect(t, s, errOpt, nats.UserInfo("joe", "pw"), nats.Name("app"))
	req := <-got
	if req.ConnectOptions.Username != "joe" || req.ConnectOptions.Password != "pw" || req.ConnectOptions.Name != "app" || req.Server.ID != s.ID() {
		t.Fatalf("request: %+v", req.AuthorizationRequest)
	}
	opMust(t, nc.Publish("no", nil))
	opWaitErr(t, errs, `Permissions Violation for Publish to "no"`)
	app := clConnect(t, s, nats.UserInfo("joe", "pw"))
	sub, _ := app.SubscribeSync("ok")
	app.Flush()
	nc.Publish("ok", []byte("1"))
	nc.Flush()
	if _, err := sub.NextMsg(10 * time.Second); err != nil {
		t.Fatal("same account APP:", err)
	}
}

// TestCalloutBadAnswers: every bad or missing answer refuses the client
// with 'Authorization Violation', and the server keeps serving.
func TestCalloutBadAnswers(t *testing.T) {
	issuer, _ := nkeys.CreateAccount()
	other, _ := nkeys.CreateAccount()
	cases := map[string]func(*jwt.AuthorizationRequestClaims) []byte{
		"garbage": func(*jwt.AuthorizationRequestClaims) []byte { return []byte("garbage") },
		"wrong issuer": func(req *jwt.AuthorizationRequestClaims) []byte {
			return calloutUser(t, other, req, nil)
		},
		"error": func(req *jwt.AuthorizationRequestClaims) []byte {
			resp := jwt.NewAuthorizationResponseClaims(req.UserNkey)
			resp.Audience = req.Server.ID
			resp.Error = "no way"
			token, _ := resp.Encode(issuer)
			return []byte(token)
		},
		"other user": func(req *jwt.AuthorizationRequestClaims) []byte {
			kp, _ := nkeys.CreateUser()
			pub, _ := kp.PublicKey()
			r := *req
			r.UserNkey = pub
			return calloutUser(t, issuer, &r, nil)
		},
		"expired": func(req *jwt.AuthorizationRequestClaims) []byte {
			return calloutUser(t, issuer, req, func(uc *jwt.UserClaims) { uc.Expires = time.Now().Add(-time.Minute).Unix() })
		},
		"disallowed account": func(req *jwt.AuthorizationRequestClaims) []byte {
			return calloutUser(t, issuer, req, func(uc *jwt.UserClaims) { uc.Audience = "OTHER" })
		},
		"unknown account": func(req *jwt.AuthorizationRequestClaims) []byte {
			return calloutUser(t, issuer, req, func(uc *jwt.UserClaims) { uc.Audience = "NOPE" })
		},
	}
	var answer atomic.Pointer[func(*jwt.AuthorizationRequestClaims) []byte]
	s := calloutStart(t, calloutTimeout, "allowed_accounts: [ APP ]", issuer, func(req *jwt.AuthorizationRequestClaims) []byte { return (*answer.Load())(req) })
	for name, f := range cases {
		answer.Store(&f)
		if err := opConnectErr(t, s, nats.UserInfo("joe", "pw")); !strings.Contains(err.Error(), "Authorization Violation") {
			t.Errorf("%s: %v", name, err)
		}
	}
	ok := func(req *jwt.AuthorizationRequestClaims) []byte { return calloutUser(t, issuer, req, nil) }
	answer.Store(&ok)
	clConnect(t, s, nats.UserInfo("joe", "pw")).Close()

	// A service that never answers: refused once the (short) authorization
	// timeout is about to pass.
	// The server gives up on the service 100 ms before the client's
	// authentication timer fires; on a loaded machine that timer can win
	// the race ("Authentication Timeout"), so a few tries are allowed.
	silent := calloutStart(t, 1, "", issuer, func(*jwt.AuthorizationRequestClaims) []byte { return nil })
	for try := 1; ; try++ {
		err := opConnectErr(t, silent, nats.UserInfo("joe", "pw"))
		if strings.Contains(err.Error(), "Authorization Violation") {
			break
		}
		if !strings.Contains(err.Error(), "Authentication Timeout") || try == 3 {
			t.Fatalf("timeout (try %d): %v", try, err)
		}
	}
}

// TestCalloutConfigErrors: the auth_callout block's errors.
func TestCalloutConfigErrors(t *testing.T) {
	issuer, _ := nkeys.CreateAccount()
	ipub, _ := issuer.PublicKey()
	for _, tc := range []struct{ text, want string }{
		{"authorization { users: [{user: a, password: a}], auth_callout { issuer: nope, auth_users: [a] } }", "is not an account public key"},
		{"authorization { users: [{user: a, password: a}], auth_callout { auth_users: [a] } }", "auth_callout needs an issuer"},
		{"authorization { users: [{user: a, password: a}], auth_callout { issuer: " + ipub + ", auth_users: [b] } }", `auth user "b" is not a configured user`},
		{"authorization { users: [{user: a, password: a}], auth_callout { issuer: " + ipub + " } }", "auth_callout needs auth_users"},
		{"authorization { users: [{user: a, password: a}], auth_callout { issuer: " + ipub + ", auth_users: [a], account: X } }", `auth_callout account "X" is not defined`},
		{"authorization { users: [{user: a, password: a}], auth_callout { issuer: " + ipub + ", auth_users: [a], bogus: 1 } }", `unknown field "bogus" in auth_callout`},
		{"authorization { users: [{user: a, password: a}], auth_callout { issuer: " + ipub + ", auth_users: [a], xkey: nope } }", "is not a public xkey"},
	} {
		o, err := readConfText(t, tc.text)
		if err == nil {
			_, err = New(o)
		}
		if err == nil || !strings.Contains(err.Error(), tc.want) {
			t.Errorf("%q:\n got %v\nwant %q", tc.text, err, tc.want)
		}
	}
}

// calloutOpStart starts e's server with an authorization timeout of
// calloutTimeout seconds.
func calloutOpStart(e *opEnv, resolver string) *Server {
	o := accOpts(e.t, e.config(resolver))
	o.AuthTimeout = calloutTimeout * time.Second
	return opStartOpts(e.t, o)
}

// TestCalloutOperatorMode: an account JWT's authorization claim sends the
// CONNECT of its sentinel user to the service in that account, which
// places the client in an allowed account with a user JWT that account
// signed; anything else is refused.
func TestCalloutOperatorMode(t *testing.T) {
	e := newOpEnv(t)
	app := e.account("APP", nil)
	other := e.account("OTHER", nil)
	svcKP, _ := nkeys.CreateUser()
	svcPub, _ := svcKP.PublicKey()
	authAcc := e.account("AUTH", func(ac *jwt.AccountClaims) {
		ac.Authorization.AuthUsers.Add(svcPub)
		ac.Authorization.AllowedAccounts.Add(app.pub)
	})
	s := calloutOpStart(e, "")

	// The service: a user of AUTH listed in auth_users.
	uc := jwt.NewUserClaims(svcPub)
	svcJWT, err := uc.Encode(authAcc.kp)
	opMust(t, err)
	seed, _ := svcKP.Seed()
	svc := clConnect(t, s, nats.UserJWTAndSeed(svcJWT, string(seed)))
	var target atomic.Pointer[opAcc]
	target.Store(app)
	svc.Subscribe(calloutSubject, func(m *nats.Msg) {
		req, err := jwt.DecodeAuthorizationRequestClaims(string(m.Data))
		if err != nil {
			return
		}
		resp := jwt.NewAuthorizationResponseClaims(req.UserNkey)
		resp.Audience = req.Server.ID
		if req.ConnectOptions.Password != "pw" {
			resp.Error = "bad password"
		} else {
			uc := jwt.NewUserClaims(req.UserNkey)
			uc.Pub.Allow.Add("app.>")
			uc.Sub.Allow.Add("app.>", "_INBOX.>")
			resp.Jwt, _ = uc.Encode(target.Load().kp)
		}
		token, _ := resp.Encode(authAcc.kp)
		m.Respond([]byte(token))
	})
	svc.Flush()

	sentinel := authAcc.creds(nil)
	nc := clConnect(t, s, nats.UserCredentials(sentinel), nats.UserInfo("joe", "pw"))
	inApp := clConnect(t, s, app.user(nil))
	sub, _ := inApp.SubscribeSync("app.x")
	inApp.Flush()
	opMust(t, nc.Publish("app.x", []byte("hi")))
	nc.Flush()
	if _, err := sub.NextMsg(10 * time.Second); err != nil {
		t.Fatal("callout user not placed in APP:", err)
	}
	if err := opConnectErr(t, s, nats.UserCredentials(sentinel), nats.UserInfo("joe", "wrong")); !strings.Contains(err.Error(), "Authorization Violation") {
		t.Fatal(err)
	}
	target.Store(other) // not in allowed_accounts
	if err := opConnectErr(t, s, nats.UserCredentials(sentinel), nats.UserInfo("joe", "pw")); !strings.Contains(err.Error(), "Authorization Violation") {
		t.Fatal(err)
	}
}

// TestCalloutOperatorRecheck: a client the callout placed in an account
// is checked again when that account's JWT is updated, like any user of
// it: an update that leaves it alone keeps it connected; one that revokes
// the user key the callout issued disconnects it with nats-server's
// "User Authentication Revoked", without calling the service again.
func TestCalloutOperatorRecheck(t *testing.T) {
	e := newOpEnv(t)
	app := e.account("APP", nil)
	svcKP, _ := nkeys.CreateUser()
	svcPub, _ := svcKP.PublicKey()
	authAcc := e.account("AUTH", func(ac *jwt.AccountClaims) {
		ac.Authorization.AuthUsers.Add(svcPub)
		ac.Authorization.AllowedAccounts.Add(app.pub)
	})
	dir := t.TempDir()
	s := calloutOpStart(e, fmt.Sprintf("{ type: full, dir: %q }", dir))
	uc := jwt.NewUserClaims(svcPub)
	svcJWT, err := uc.Encode(authAcc.kp)
	opMust(t, err)
	seed, _ := svcKP.Seed()
	svc := clConnect(t, s, nats.UserJWTAndSeed(svcJWT, string(seed)))
	var calls atomic.Int32
	issued := make(chan string, 4)
	svc.Subscribe(calloutSubject, func(m *nats.Msg) {
		calls.Add(1)
		req, err := jwt.DecodeAuthorizationRequestClaims(string(m.Data))
		if err != nil {
			return
		}
		resp := jwt.NewAuthorizationResponseClaims(req.UserNkey)
		resp.Audience = req.Server.ID
		uc := jwt.NewUserClaims(req.UserNkey)
		uc.IssuedAt = time.Now().Add(-time.Minute).Unix()
		resp.Jwt, _ = uc.Encode(app.kp)
		issued <- req.UserNkey
		token, _ := resp.Encode(authAcc.kp)
		m.Respond([]byte(token))
	})
	svc.Flush()

	errOpt, errs := opErrs()
	nc := clConnect(t, s, errOpt, nats.NoReconnect(), nats.UserCredentials(authAcc.creds(nil)), nats.UserInfo("joe", "pw"))
	upub := <-issued
	sys := clConnect(t, s, e.sys.user(nil))

	// An update that does not concern the user keeps it connected.
	app.sign(func(ac *jwt.AccountClaims) { ac.Limits.Subs = 100 })
	claimsRequest(t, sys, "$SYS.REQ.CLAIMS.UPDATE", app.jwt)
	opMust(t, nc.Flush())
	if !nc.IsConnected() {
		t.Fatal("callout user disconnected by an unrelated update")
	}
	// Revoking the key the callout issued disconnects it.
	app.sign(func(ac *jwt.AccountClaims) { ac.Revoke(upub) })
	claimsRequest(t, sys, "$SYS.REQ.CLAIMS.UPDATE", app.jwt)
	opWaitErr(t, errs, "authentication revoked")
	if n := calls.Load(); n != 1 {
		t.Fatalf("the service was called %d times, want once (at CONNECT)", n)
	}
}
