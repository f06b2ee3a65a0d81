package server

import (
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
	if m, err := subB.NextMsg(2 * time.Second); err != nil || string(m.Data) != "from b" {
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
	if m, err := subA.NextMsg(2 * time.Second); err != nil || string(m.Data) != "still" {
		t.Fatalf("A after refusals: %v", err)
	}
}

func mustRead(t testing.TB, path string) []byte {
	t.Helper()
	b, err := readFileForTest(path)
	opMust(t, err)
	return b
}
