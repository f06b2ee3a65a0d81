package server

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/nats-io/jwt/v2"
	"github.com/nats-io/nats.go"
	"github.com/nats-io/nkeys"

	"github.com/natsd/natsd/logger"
)

func logText(b *syncBuffer) string { return strings.Join(b.lines(), "\n") }

// TestOperatorUserPermissions: a user JWT's pub/sub permissions, with
// allow_responses, and the account's default permissions for users
// without their own.
func TestOperatorUserPermissions(t *testing.T) {
	e := newOpEnv(t)
	a := e.account("A", func(ac *jwt.AccountClaims) {
		ac.DefaultPermissions.Pub.Allow.Add("def.>")
	})
	s := e.start("", "")
	errOpt, errs := opErrs()
	nc := clConnect(t, s, errOpt, a.user(func(uc *jwt.UserClaims) {
		uc.Pub.Allow.Add("ok.>")
		uc.Pub.Deny.Add("ok.no")
		uc.Sub.Allow.Add("in.>", "svc")
	}))
	other := clConnect(t, s, a.user(func(uc *jwt.UserClaims) { uc.Sub.Allow.Add(">") }))
	sub, _ := other.SubscribeSync(">")
	other.Flush()

	opMust(t, nc.Publish("nope", nil))
	opWaitErr(t, errs, `Permissions Violation for Publish to "nope"`)
	opMust(t, nc.Publish("ok.no", nil))
	opWaitErr(t, errs, `Permissions Violation for Publish to "ok.no"`)
	if _, err := nc.SubscribeSync("out"); err != nil {
		t.Fatal(err)
	}
	opWaitErr(t, errs, `Permissions Violation for Subscription to "out"`)
	opMust(t, nc.Publish("ok.yes", []byte("y")))
	nc.Flush()
	if m, err := sub.NextMsg(10 * time.Second); err != nil || m.Subject != "ok.yes" {
		t.Fatalf("allowed publish: %v %v", m, err)
	}

	// allow_responses: a responder that may publish nowhere answers once.
	resp := clConnect(t, s, a.user(func(uc *jwt.UserClaims) {
		uc.Sub.Allow.Add("svc")
		uc.Resp = &jwt.ResponsePermission{MaxMsgs: 1}
	}))
	resp.Subscribe("svc", func(m *nats.Msg) { m.Respond([]byte("pong")) })
	resp.Flush()
	if m, err := other.Request("svc", nil, 10*time.Second); err != nil || string(m.Data) != "pong" {
		t.Fatalf("request through allow_responses: %v", err)
	}

	// No permissions in the JWT: the account's default permissions.
	defErr, defErrs := opErrs()
	def := clConnect(t, s, defErr, a.user(nil))
	opMust(t, def.Publish("elsewhere", nil))
	opWaitErr(t, defErrs, `Permissions Violation for Publish to "elsewhere"`)
	opMust(t, def.Publish("def.x", nil))
	def.Flush()
	for {
		m, err := sub.NextMsg(10 * time.Second)
		if err != nil {
			t.Fatal("default permissions: def.x not delivered")
		}
		if m.Subject == "def.x" {
			break
		}
	}
}

// TestOperatorUserLimits: subs and payload limits, src ranges, times
// windows, connection types and bearer tokens.
func TestOperatorUserLimits(t *testing.T) {
	e := newOpEnv(t)
	a := e.account("A", nil)
	nb := e.account("NB", func(ac *jwt.AccountClaims) { ac.Limits.DisallowBearer = true })
	s := e.start("", "")

	errOpt, errs := opErrs()
	nc := clConnect(t, s, errOpt, a.user(func(uc *jwt.UserClaims) { uc.Limits.Subs = 2; uc.Limits.Payload = 16 }))
	nc.SubscribeSync("a")
	nc.SubscribeSync("b")
	nc.SubscribeSync("c")
	opWaitErr(t, errs, "maximum subscriptions exceeded")
	if nc.MaxPayload() != 16 {
		// nats.go checks the INFO's max_payload; the server enforces it too.
		t.Logf("client max payload %d", nc.MaxPayload())
	}

	ok := func(name string, f func(uc *jwt.UserClaims)) {
		t.Helper()
		clConnect(t, s, a.user(f)).Close()
	}
	refused := func(name string, acc *opAcc, f func(uc *jwt.UserClaims)) {
		t.Helper()
		if err := opConnectErr(t, s, acc.user(f)); !strings.Contains(err.Error(), "Authorization Violation") {
			t.Errorf("%s: %v", name, err)
		}
	}
	ok("src", func(uc *jwt.UserClaims) { uc.Src.Set("10.0.0.0/8, 127.0.0.0/8") })
	refused("src", a, func(uc *jwt.UserClaims) { uc.Src.Set("10.0.0.0/8") })
	now := time.Now()
	hms := func(t time.Time) string { return t.Format("15:04:05") }
	ok("times", func(uc *jwt.UserClaims) {
		uc.Times = []jwt.TimeRange{{Start: hms(now.Add(-time.Hour)), End: hms(now.Add(time.Hour))}}
	})
	refused("times", a, func(uc *jwt.UserClaims) {
		uc.Times = []jwt.TimeRange{{Start: hms(now.Add(time.Hour)), End: hms(now.Add(2 * time.Hour))}}
	})
	ok("conn types", func(uc *jwt.UserClaims) { uc.AllowedConnectionTypes.Add(jwt.ConnectionTypeStandard) })
	refused("conn types", a, func(uc *jwt.UserClaims) { uc.AllowedConnectionTypes.Add(jwt.ConnectionTypeWebsocket) })
	refused("bearer", nb, func(uc *jwt.UserClaims) { uc.BearerToken = true })

	// A bearer token needs no signature of the nonce.
	ukp, _ := nkeys.CreateUser()
	upub, _ := ukp.PublicKey()
	uc := jwt.NewUserClaims(upub)
	uc.BearerToken = true
	token, err := uc.Encode(a.kp)
	opMust(t, err)
	clConnect(t, s, nats.UserJWT(func() (string, error) { return token, nil },
		func([]byte) ([]byte, error) { return nil, nil })).Close()
	uc.BearerToken = false
	token, _ = uc.Encode(a.kp)
	if err := opConnectErr(t, s, nats.UserJWT(func() (string, error) { return token, nil },
		func([]byte) ([]byte, error) { return nil, nil })); !strings.Contains(err.Error(), "Authorization Violation") {
		t.Errorf("unsigned non-bearer: %v", err)
	}
}

// TestOperatorUserExpiry: a connected user is disconnected when its JWT
// expires, with the reference's error.
func TestOperatorUserExpiry(t *testing.T) {
	e := newOpEnv(t)
	a := e.account("A", nil)
	s := e.start("", "")
	errOpt, errs := opErrs()
	closed := make(chan struct{})
	nc := clConnect(t, s, errOpt, nats.NoReconnect(), nats.ClosedHandler(func(*nats.Conn) { close(closed) }),
		a.user(func(uc *jwt.UserClaims) { uc.Expires = time.Now().Add(3 * time.Second).Unix() }))
	_ = nc
	opWaitErr(t, errs, "authentication expired")
	select {
	case <-closed:
	case <-time.After(5 * time.Second):
		t.Fatal("not disconnected at expiry")
	}
}

// TestOperatorSigningKeys: users signed by an account signing key, and
// by a scoped signing key whose template sets their permissions.
func TestOperatorSigningKeys(t *testing.T) {
	e := newOpEnv(t)
	sk, _ := nkeys.CreateAccount()
	skPub, _ := sk.PublicKey()
	scoped, _ := nkeys.CreateAccount()
	scopedPub, _ := scoped.PublicKey()
	a := e.account("A", func(ac *jwt.AccountClaims) {
		ac.SigningKeys.Add(skPub)
		us := jwt.NewUserScope()
		us.Key = scopedPub
		us.Template.Pub.Allow.Add("user.{{name()}}.>", "team.{{tag(team)}}")
		ac.SigningKeys.AddScopedSigner(us)
	})
	s := e.start("", "")
	opt, _ := a.userBy(sk, nil)
	clConnect(t, s, opt).Close()

	watch := clConnect(t, s, a.user(nil))
	sub, _ := watch.SubscribeSync(">")
	watch.Flush()
	errOpt, errs := opErrs()
	opt, _ = a.userBy(scoped, func(uc *jwt.UserClaims) {
		uc.SetScoped(true) // as nsc makes users of scoped keys
		uc.Name = "bob"
		uc.Tags.Add("team:red")
	})
	nc := clConnect(t, s, errOpt, opt)
	opMust(t, nc.Publish("user.alice.x", nil))
	opWaitErr(t, errs, `Permissions Violation for Publish to "user.alice.x"`)
	nc.Publish("user.bob.x", nil)
	nc.Publish("team.red", nil)
	nc.Flush()
	for _, want := range []string{"user.bob.x", "team.red"} {
		if m, err := sub.NextMsg(10 * time.Second); err != nil || m.Subject != want {
			t.Fatalf("want %s: %v %v", want, m, err)
		}
	}
	// A user of a scoped key may not carry permissions of its own.
	opt, _ = a.userBy(scoped, func(uc *jwt.UserClaims) { uc.Pub.Allow.Add(">") })
	if err := opConnectErr(t, s, opt); !strings.Contains(err.Error(), "Authorization Violation") {
		t.Fatal(err)
	}
}

// TestOperatorImportsExports: public stream and service exports, and a
// private export imported with an activation token.
func TestOperatorImportsExports(t *testing.T) {
	e := newOpEnv(t)
	exp := e.account("EXP", func(ac *jwt.AccountClaims) {
		ac.Exports.Add(&jwt.Export{Subject: "pub.>", Type: jwt.Stream})
		ac.Exports.Add(&jwt.Export{Subject: "svc", Type: jwt.Service})
		ac.Exports.Add(&jwt.Export{Subject: "priv.>", Type: jwt.Stream, TokenReq: true})
	})
	imp := e.account("IMP", nil)
	noTok := e.account("NOTOK", nil)
	act := jwt.NewActivationClaims(imp.pub)
	act.ImportSubject = "priv.>"
	act.ImportType = jwt.Stream
	token, err := act.Encode(exp.kp)
	opMust(t, err)
	imp.sign(func(ac *jwt.AccountClaims) {
		ac.Imports.Add(&jwt.Import{Account: exp.pub, Subject: "pub.>", Type: jwt.Stream, LocalSubject: "from.>"})
		ac.Imports.Add(&jwt.Import{Account: exp.pub, Subject: "svc", Type: jwt.Service, LocalSubject: "ask"})
		ac.Imports.Add(&jwt.Import{Account: exp.pub, Subject: "priv.>", Type: jwt.Stream, Token: token})
	})
	noTok.sign(func(ac *jwt.AccountClaims) {
		ac.Imports.Add(&jwt.Import{Account: exp.pub, Subject: "priv.>", Type: jwt.Stream})
	})
	s := e.start("", "")
	ncE := clConnect(t, s, exp.user(nil))
	ncI := clConnect(t, s, imp.user(nil))
	ncN := clConnect(t, s, noTok.user(nil))
	ncE.Subscribe("svc", func(m *nats.Msg) { m.Respond([]byte("answer")) })
	ncE.Flush()
	sub, _ := ncI.SubscribeSync("from.>")
	priv, _ := ncI.SubscribeSync("priv.>")
	privN, _ := ncN.SubscribeSync("priv.>")
	ncI.Flush()
	ncN.Flush()
	ncE.Publish("pub.a", []byte("1"))
	ncE.Publish("priv.a", []byte("2"))
	ncE.Flush()
	if m, err := sub.NextMsg(10 * time.Second); err != nil || m.Subject != "from.a" {
		t.Fatalf("stream import: %v %v", m, err)
	}
	if m, err := priv.NextMsg(10 * time.Second); err != nil || m.Subject != "priv.a" {
		t.Fatalf("token import: %v %v", m, err)
	}
	expectNone(t, privN)
	if m, err := ncI.Request("ask", nil, 10*time.Second); err != nil || string(m.Data) != "answer" {
		t.Fatalf("service import: %v", err)
	}
}

// TestOperatorAccountLimits: an account JWT's connection limit.
func TestOperatorAccountLimits(t *testing.T) {
	e := newOpEnv(t)
	a := e.account("A", func(ac *jwt.AccountClaims) { ac.Limits.Conn = 1 })
	s := e.start("", "")
	clConnect(t, s, a.user(nil))
	if err := opConnectErr(t, s, a.user(nil)); !strings.Contains(err.Error(), "maximum account active connections exceeded") {
		t.Fatal(err)
	}
}

// TestOperatorConfigErrors: operator mode's configuration errors.
func TestOperatorConfigErrors(t *testing.T) {
	e := newOpEnv(t)
	base := e.config("")
	for _, tc := range []struct{ text, want string }{
		{base + "authorization { users: [{user: a, password: b}] }\n", "operators do not allow users to be configured directly"},
		{base + "accounts { X: {} }\n", "operators do not allow Accounts to be configured directly"},
		{"operator: \"/nonexistent/op.jwt\"\nresolver: MEMORY\n", "natsd.conf:1:11: error parsing operator JWT: open /nonexistent/op.jwt"},
		{"operator: \"eyJhbGciOiJlZDI1NTE5In0.eyJ4IjoxfQ.AAAA\"\nresolver: MEMORY\n", "error parsing operator JWT"},
		{"operator: " + e.ojwt + "\nresolver: { type: full }\n", "dir has no value and needs to point to a directory"},
		{"operator: " + e.ojwt + "\nresolver: { type: full, dir: x, bogus: 1 }\n", `unknown field "bogus" in resolver`},
		{"operator: " + e.ojwt + "\nresolver: URL(http://x)\n", "URL account resolvers are not supported"},
		{"operator: " + e.ojwt + "\nresolver: MEMORY\nresolver_preload: { ABC: \"xx\" }\n", "invalid account JWT"},
		{"operator: " + e.ojwt + "\n", "operator mode needs a resolver"},
		{"resolver: MEMORY\n", "need trusted operators"},
	} {
		o, err := readConfText(t, tc.text)
		if err == nil {
			_, err = New(o)
		}
		if err == nil || !strings.Contains(err.Error(), tc.want) {
			t.Errorf("%q:\n got %v\nwant %q", tc.text, err, tc.want)
		}
	}
	// An operator file whose JWT does not verify: the file is named.
	bad := filepath.Join(t.TempDir(), "bad.jwt")
	opMust(t, os.WriteFile(bad, []byte(e.ojwt[:len(e.ojwt)-6]+"AAAAAA"), 0o600))
	if _, err := readConfText(t, "operator: "+bad+"\nresolver: MEMORY\n"); err == nil || !strings.Contains(err.Error(), "natsd.conf:1:11: error parsing operator JWT: "+bad+": ") {
		t.Errorf("bad operator file: %v", err)
	}
	// An account JWT of another operator in resolver_preload.
	x := newOpEnv(t).account("X", nil)
	o, err := readConfText(t, "operator: "+e.ojwt+"\nresolver: MEMORY\nresolver_preload: { "+x.pub+": "+x.jwt+" }\n")
	if err == nil {
		_, err = New(o)
	}
	if err == nil || !strings.Contains(err.Error(), "not trusted") {
		t.Errorf("foreign account: %v", err)
	}
}

// TestOperatorLogs: a refused user JWT logs why, and neither the log nor
// the protocol trace ever shows a JWT or a seed.
func TestOperatorLogs(t *testing.T) {
	e := newOpEnv(t)
	a := e.account("A", nil)
	var buf syncBuffer
	o := accOpts(t, e.config(""))
	o.Host, o.Port, o.NoLog, o.Trace, o.Debug = "127.0.0.1", RandomPort, false, true, true
	s, err := New(o)
	opMust(t, err)
	s.SetLogger(logger.NewText(&buf, logger.Options{Debug: true, Trace: true}))
	opMust(t, s.Start())
	t.Cleanup(s.Shutdown)

	credsPath := a.creds(nil)
	clConnect(t, s, nats.UserCredentials(credsPath)).Close()
	opConnectErr(t, s, a.user(func(uc *jwt.UserClaims) { uc.Expires = time.Now().Add(-time.Minute).Unix() }))
	// A truncated creds file: nats.go sends what it finds, the server refuses it.
	raw := string(mustRead(t, credsPath))
	token := strings.TrimSpace(strings.Split(strings.Split(raw, "-----BEGIN NATS USER JWT-----")[1], "------END")[0])
	trunc := filepath.Join(t.TempDir(), "trunc.creds")
	opMust(t, os.WriteFile(trunc, []byte(strings.Replace(raw, token, token[:len(token)/2], 1)), 0o600))
	if _, err := nats.Connect(s.ClientURL(), nats.UserCredentials(trunc), nats.NoReconnect()); err == nil {
		t.Fatal("truncated creds accepted")
	}
	waitFor(t, func() bool { return strings.Contains(logText(&buf), "claim is expired") })
	if !strings.Contains(logText(&buf), "authentication error - JWT user") {
		t.Fatalf("no reason logged:\n%s", logText(&buf))
	}
	seed := raw[strings.Index(raw, "SU"):]
	seed = seed[:strings.IndexAny(seed, "\r\n")]
	for _, secret := range []string{token, token[:len(token)/2], seed} {
		if strings.Contains(logText(&buf), secret) {
			t.Fatalf("log shows a secret:\n%s", logText(&buf))
		}
	}
}

// TestOperatorMappings: an account JWT's subject mappings apply in the
// account.
func TestOperatorMappings(t *testing.T) {
	e := newOpEnv(t)
	a := e.account("A", func(ac *jwt.AccountClaims) {
		ac.Mappings = jwt.Mapping{"orders.*": {{Subject: "new.orders.{{wildcard(1)}}"}}}
	})
	s := e.start("", "")
	nc := clConnect(t, s, a.user(nil))
	sub, _ := nc.SubscribeSync("new.orders.*")
	nc.Flush()
	nc.Publish("orders.7", nil)
	nc.Flush()
	if m, err := sub.NextMsg(10 * time.Second); err != nil || m.Subject != "new.orders.7" {
		t.Fatalf("mapping: %v %v", m, err)
	}
}

// TestOperatorDataLimitsNotEnforced: nats-server v2.15.2 accepts the
// user and account `data` limits and does not enforce them (a user of
// data 100 in an account of data 200 publishes and receives 1000 bytes
// and stays connected); natsd does the same.
func TestOperatorDataLimitsNotEnforced(t *testing.T) {
	e := newOpEnv(t)
	a := e.account("A", func(ac *jwt.AccountClaims) { ac.Limits.Data = 200 })
	s := e.start("", "")
	errOpt, errs := opErrs()
	nc := clConnect(t, s, errOpt, a.user(func(uc *jwt.UserClaims) { uc.Limits.Data = 100 }))
	sub, err := nc.SubscribeSync("x")
	opMust(t, err)
	for range 20 {
		opMust(t, nc.Publish("x", make([]byte, 50)))
	}
	opMust(t, nc.Flush())
	for i := range 20 {
		if _, err := sub.NextMsg(5 * time.Second); err != nil {
			t.Fatalf("message %d: %v", i, err)
		}
	}
	select {
	case err := <-errs:
		t.Fatalf("asynchronous error %v", err)
	default:
	}
	if !nc.IsConnected() {
		t.Fatal("disconnected")
	}
}
