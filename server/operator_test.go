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
)

// TestOperatorConnect: users of account JWTs connect with user JWTs and
// nonce signatures (and creds files); everything wrong is refused with
// 'Authorization Violation' and the others stay served.
func TestOperatorConnect(t *testing.T) {
	e := newOpEnv(t)
	a := e.account("A", nil)
	b := e.account("B", nil)
	revOpt, revoked := a.userBy(nil, func(uc *jwt.UserClaims) { uc.IssuedAt = time.Now().Add(-time.Hour).Unix() })
	a.sign(func(ac *jwt.AccountClaims) { ac.Revoke(revoked) })
	s := e.start("", "")

	nca := clConnect(t, s, a.user(nil))
	ncb := clConnect(t, s, nats.UserCredentials(b.creds(nil)))
	subA, _ := nca.SubscribeSync("x")
	subB, _ := ncb.SubscribeSync("x")
	nca.Flush()
	ncb.Flush()
	opMust(t, ncb.Publish("x", []byte("from b")))
	ncb.Flush()
	if m, err := subB.NextMsg(10 * time.Second); err != nil || string(m.Data) != "from b" {
		t.Fatalf("B: %v", err)
	}
	expectNone(t, subA) // accounts are isolated

	other := newOpEnv(t).account("X", nil)
	wrongKey, _ := nkeys.CreateAccount()
	cases := map[string]nats.Option{
		"expired":   a.user(func(uc *jwt.UserClaims) { uc.Expires = time.Now().Add(-time.Minute).Unix() }),
		"not yet":   a.user(func(uc *jwt.UserClaims) { uc.NotBefore = time.Now().Add(time.Hour).Unix() }),
		"unknown":   other.user(nil),
		"untrusted": func() nats.Option { o, _ := a.userBy(wrongKey, nil); return o }(),
		"bad sig": nats.UserJWT(func() (string, error) {
			return strings.Split(strings.Split(string(mustRead(t, a.creds(nil))), "-----BEGIN USER NKEY SEED-----")[0], "\n")[1], nil
		}, func(n []byte) ([]byte, error) {
			kp, _ := nkeys.CreateUser()
			return kp.Sign(n)
		}),
		"garbage":   nats.UserJWT(func() (string, error) { return "eyJhbGciOiJlZDI1NTE5In0.eyJ4IjoxfQ.AAAA", nil }, func(n []byte) ([]byte, error) { return nil, nil }),
		"user/pass": nats.UserInfo("a", "a"),
		"nothing":   nats.Name("none"),
		"revoked":   revOpt,
	}
	for name, opt := range cases {
		if err := opConnectErr(t, s, opt); !strings.Contains(err.Error(), "Authorization Violation") {
			t.Errorf("%s: %v, want Authorization Violation", name, err)
		}
	}
	if err := nca.Publish("x", []byte("still")); err != nil {
		t.Fatal(err)
	}
	if m, err := subA.NextMsg(10 * time.Second); err != nil || string(m.Data) != "still" {
		t.Fatalf("A after refusals: %v", err)
	}
}

func mustRead(t testing.TB, path string) []byte {
	t.Helper()
	b, err := readFileForTest(path)
	opMust(t, err)
	return b
}

// TestOperatorNscConfig: a configuration as `nsc generate config
// --nats-resolver` writes it (unquoted JWTs, a resolver block without a
// colon, single quotes, comments, trailing commas), with an operator
// signing key that signed the accounts.
func TestOperatorNscConfig(t *testing.T) {
	e := newOpEnv(t)
	osk, _ := nkeys.CreateOperator()
	oskPub, _ := osk.PublicKey()
	oc := jwt.NewOperatorClaims(e.opub)
	oc.Name = "ACME"
	oc.SystemAccount = e.sys.pub
	oc.SigningKeys.Add(oskPub)
	ojwt, err := oc.Encode(e.okp)
	opMust(t, err)
	e.okp = osk // accounts from now on are signed with the signing key
	e.sys.sign(nil)
	app := e.account("APP", nil)
	dir := t.TempDir()
	text := `# Operator named ACME
operator: ` + ojwt + `
# System Account named SYS
system_account: ` + e.sys.pub + `
# configuration of the nats based resolver
resolver {
    type: full
    # Directory in which the account jwt will be stored
    dir: '` + dir + `'
    allow_delete: false
    interval: "2m"
    timeout: "1.9s"
}
resolver_preload: {
	` + e.sys.pub + `: ` + e.sys.jwt + `,
}
`
	s := opStartOpts(t, accOpts(t, text))
	sys := clConnect(t, s, e.sys.user(nil))
	// What `nsc push -a APP` sends.
	r := claimsRequest(t, sys, "$SYS.REQ.ACCOUNT."+app.pub+".CLAIMS.UPDATE", app.jwt)
	if r.Error != nil {
		t.Fatalf("push: %+v", r.Error)
	}
	clConnect(t, s, nats.UserCredentials(app.creds(nil))).Close()
}

// TestOperatorReload: a reload keeps JWT users connected (they are checked
// again with their JWTs) and refuses a change of operator.
func TestOperatorReload(t *testing.T) {
	e := newOpEnv(t)
	a := e.account("A", nil)
	path := filepath.Join(t.TempDir(), "natsd.conf")
	text := "listen: 127.0.0.1:-1\n" + e.config("")
	opMust(t, os.WriteFile(path, []byte(text), 0o600))
	o, err := ProcessConfigFile(path)
	opMust(t, err)
	s := opStartOpts(t, o)
	nc := clConnect(t, s, a.user(func(uc *jwt.UserClaims) { uc.Pub.Allow.Add("ok") }))
	opMust(t, os.WriteFile(path, []byte(text+"max_payload: 512KB\n"), 0o600))
	opMust(t, s.Reload())
	opMust(t, nc.Publish("ok", nil))
	opMust(t, nc.Flush())
	if !nc.IsConnected() {
		t.Fatal("JWT user disconnected by reload")
	}
	other := newOpEnv(t)
	opMust(t, os.WriteFile(path, []byte("listen: 127.0.0.1:-1\n"+other.config("")), 0o600))
	if err := s.Reload(); err == nil || !strings.Contains(err.Error(), "operators") {
		t.Fatalf("operator change: %v", err)
	}
}
