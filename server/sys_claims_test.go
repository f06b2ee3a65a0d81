package server

import (
	"encoding/base64"
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/nats-io/jwt/v2"
	"github.com/nats-io/nats.go"
	"github.com/nats-io/nkeys"
)

// reissue re-signs a JWT with another issued-at time (jwt/v2 always
// stamps the current second).
func reissue(t *testing.T, token string, kp nkeys.KeyPair, iat int64) string {
	parts := strings.Split(token, ".")
	payload, err := base64.RawURLEncoding.DecodeString(parts[1])
	opMust(t, err)
	var m map[string]any
	opMust(t, json.Unmarshal(payload, &m))
	m["iat"] = iat
	p, _ := json.Marshal(m)
	signing := parts[0] + "." + base64.RawURLEncoding.EncodeToString(p)
	sig, err := kp.Sign([]byte(signing))
	opMust(t, err)
	return signing + "." + base64.RawURLEncoding.EncodeToString(sig)
}

// claimsReply is the JSON of a claim service response.
type claimsReply struct {
	Server struct {
		ID string `json:"id"`
	} `json:"server"`
	Data  json.RawMessage `json:"data"`
	Error *struct {
		Account     string `json:"account"`
		Code        int    `json:"code"`
		Description string `json:"description"`
	} `json:"error"`
}

func claimsRequest(t *testing.T, nc *nats.Conn, subject, body string) claimsReply {
	t.Helper()
	m, err := nc.Request(subject, []byte(body), 5*time.Second)
	opMust(t, err)
	var r claimsReply
	if err := json.Unmarshal(m.Data, &r); err != nil {
		t.Fatalf("%s: %q: %v", subject, m.Data, err)
	}
	if r.Server.ID == "" {
		t.Fatalf("%s: no server in %s", subject, m.Data)
	}
	return r
}

// TestClaimsFullResolver: a full resolver takes account JWTs over $SYS,
// stores them, answers LOOKUP/LIST/PACK, applies revocations and limits
// to connected users at once, deletes on an operator-signed request, and
// keeps what it stored across a restart.
func TestClaimsFullResolver(t *testing.T) {
	e := newOpEnv(t)
	a := e.account("A", nil)
	dir := filepath.Join(t.TempDir(), "jwt")
	resolver := fmt.Sprintf("{ type: full, dir: %q, allow_delete: true }", dir)
	s := e.start(resolver, "")
	sys := clConnect(t, s, e.sys.user(nil))

	// A new account, pushed.
	b := e.account("B", nil)
	if err := opConnectErr(t, s, b.user(nil)); !strings.Contains(err.Error(), "Authorization Violation") {
		t.Fatal(err)
	}
	r := claimsRequest(t, sys, "$SYS.REQ.CLAIMS.UPDATE", b.jwt)
	if want := fmt.Sprintf(`{"account":%q,"code":200,"message":"jwt updated"}`, b.pub); string(r.Data) != want {
		t.Fatalf("update: %s, want %s", r.Data, want)
	}
	clConnect(t, s, b.user(nil)).Close()
	if stored, err := os.ReadFile(filepath.Join(dir, b.pub+".jwt")); err != nil || string(stored) != b.jwt {
		t.Fatalf("stored JWT: %v", err)
	}

	// Bad updates.
	r = claimsRequest(t, sys, "$SYS.REQ.CLAIMS.UPDATE", "garbage")
	if r.Error == nil || r.Error.Description != "jwt update resulted in error - expected 3 chunks" || r.Error.Account != "n/a" || r.Error.Code != 500 {
		t.Fatalf("garbage update: %+v", r.Error)
	}
	r = claimsRequest(t, sys, "$SYS.REQ.ACCOUNT."+e.sys.pub+".CLAIMS.UPDATE", a.jwt)
	if r.Error == nil || r.Error.Description != "jwt update resulted in error - subject does not match jwt content" || r.Error.Account != e.sys.pub {
		t.Fatalf("mismatched update: %+v", r.Error)
	}
	foreign := newOpEnv(t).account("F", nil)
	r = claimsRequest(t, sys, "$SYS.REQ.CLAIMS.UPDATE", foreign.jwt)
	if r.Error == nil || !strings.Contains(r.Error.Description, "not trusted") {
		t.Fatalf("foreign update: %+v", r.Error)
	}

	// LOOKUP, LIST, PACK.
	m, err := sys.Request("$SYS.REQ.ACCOUNT."+b.pub+".CLAIMS.LOOKUP", nil, 5*time.Second)
	if err != nil || string(m.Data) != b.jwt {
		t.Fatalf("lookup: %v", err)
	}
	r = claimsRequest(t, sys, "$SYS.REQ.CLAIMS.LIST", "")
	var ids []string
	json.Unmarshal(r.Data, &ids)
	if len(ids) != 3 {
		t.Fatalf("list: %s", r.Data)
	}
	inbox := nats.NewInbox()
	packSub, _ := sys.SubscribeSync(inbox)
	sys.PublishRequest("$SYS.REQ.CLAIMS.PACK", inbox, nil)
	for i := 0; ; i++ {
		m, err := packSub.NextMsg(5 * time.Second)
		opMust(t, err)
		if len(m.Data) == 0 {
			if i != 3 {
				t.Fatalf("pack: %d JWTs", i)
			}
			break
		}
		if pub, token, ok := strings.Cut(string(m.Data), "|"); !ok || !strings.HasPrefix(token, "eyJ") || pub == "" {
			t.Fatalf("pack entry %q", m.Data)
		}
	}

	// Revocation applies to a connected user at once.
	errOpt, errs := opErrs()
	revOpt, revPub := a.userBy(nil, func(uc *jwt.UserClaims) { uc.IssuedAt = time.Now().Add(-time.Minute).Unix() })
	clConnect(t, s, errOpt, revOpt, nats.NoReconnect())
	keep := clConnect(t, s, a.user(nil))
	a.sign(func(ac *jwt.AccountClaims) { ac.Revoke(revPub) })
	start := time.Now()
	claimsRequest(t, sys, "$SYS.REQ.ACCOUNT."+a.pub+".CLAIMS.UPDATE", a.jwt)
	opWaitErr(t, errs, "authentication revoked")
	// Timing is reported, not asserted (milliseconds on a quiet machine).
	t.Logf("revoked user disconnected %v after the update was sent", time.Since(start))
	opMust(t, keep.Flush())

	// Lowered limits apply to the connected users.
	limErr, limErrs := opErrs()
	lim := clConnect(t, s, limErr, a.user(nil))
	lim.SubscribeSync("x")
	lim.SubscribeSync("y")
	lim.Flush()
	a.sign(func(ac *jwt.AccountClaims) { ac.Limits.Subs = 1 })
	claimsRequest(t, sys, "$SYS.REQ.CLAIMS.UPDATE", a.jwt)
	opWaitErr(t, limErrs, "maximum subscriptions exceeded")

	// An older JWT is acknowledged (as the reference does) but does not
	// replace the newer one.
	old := reissue(t, b.jwt, e.okp, time.Now().Add(-time.Hour).Unix())
	if r = claimsRequest(t, sys, "$SYS.REQ.CLAIMS.UPDATE", old); r.Error != nil {
		t.Fatalf("older JWT: %+v", r.Error)
	}
	if m, err := sys.Request("$SYS.REQ.ACCOUNT."+b.pub+".CLAIMS.LOOKUP", nil, 5*time.Second); err != nil || string(m.Data) != b.jwt {
		t.Fatalf("older JWT replaced the newer: %v", err)
	}

	// Restart: the pushed account survives (it is not preloaded).
	s.Shutdown()
	o := accOpts(t, fmt.Sprintf("operator: %q\nsystem_account: %s\nresolver: %s\nresolver_preload: { %s: %q }\n",
		e.ojwt, e.sys.pub, resolver, e.sys.pub, e.sys.jwt))
	s = opStartOpts(t, o)
	bc := clConnect(t, s, b.user(nil))
	sys = clConnect(t, s, e.sys.user(nil))

	// DELETE, signed by the operator.
	gc := jwt.NewGenericClaims(e.opub)
	gc.Data["accounts"] = []string{b.pub}
	del, err := gc.Encode(e.okp)
	opMust(t, err)
	bad := jwt.NewGenericClaims(e.opub)
	bad.Data["accounts"] = []string{b.pub}
	badDel, _ := bad.Encode(newOpEnv(t).okp)
	if r = claimsRequest(t, sys, "$SYS.REQ.CLAIMS.DELETE", badDel); r.Error == nil || !strings.Contains(r.Error.Description, "failed - not self signed") {
		t.Fatalf("foreign delete: %+v", r.Error)
	}
	r = claimsRequest(t, sys, "$SYS.REQ.CLAIMS.DELETE", del)
	if string(r.Data) != `{"code":200,"message":"deleted 1 accounts"}` {
		t.Fatalf("delete: %s %+v", r.Data, r.Error)
	}
	waitFor(t, func() bool { return bc.IsClosed() || !bc.IsConnected() })
	if err := opConnectErr(t, s, b.user(nil)); !strings.Contains(err.Error(), "Authorization Violation") {
		t.Fatal(err)
	}
	if _, err := os.Stat(filepath.Join(dir, b.pub+".jwt")); err == nil {
		t.Fatal("deleted JWT still stored")
	}
}

// TestClaimsOldUpdateSubject: an account JWT published (no reply wanted)
// on the older $SYS.ACCOUNT.<id>.CLAIMS.UPDATE is applied by a MEMORY
// and by a full resolver: a user it revokes is disconnected. One for
// another account than the subject names is ignored.
func TestClaimsOldUpdateSubject(t *testing.T) {
	for _, resolver := range []string{"MEMORY", "full"} {
		t.Run(resolver, func(t *testing.T) {
			e := newOpEnv(t)
			a := e.account("A", nil)
			b := e.account("B", nil)
			res := resolver
			if resolver == "full" {
				res = fmt.Sprintf("{ type: full, dir: %q }", t.TempDir())
			}
			s := e.start(res, "")
			sys := clConnect(t, s, e.sys.user(nil))
			old := func(user *opAcc) (nats.Option, string) {
				return user.userBy(nil, func(uc *jwt.UserClaims) { uc.IssuedAt = time.Now().Add(-time.Minute).Unix() })
			}
			aErr, aErrs := opErrs()
			aOpt, aPub := old(a)
			na := clConnect(t, s, aErr, aOpt, nats.NoReconnect())
			bErr, bErrs := opErrs()
			bOpt, bPub := old(b)
			clConnect(t, s, bErr, bOpt, nats.NoReconnect())

			a.sign(func(ac *jwt.AccountClaims) { ac.Revoke(aPub) })
			b.sign(func(ac *jwt.AccountClaims) { ac.Revoke(bPub) })
			// A's JWT under B's subject is ignored; B's own, queued after
			// it to the same worker, is applied.
			opMust(t, sys.Publish("$SYS.ACCOUNT."+b.pub+".CLAIMS.UPDATE", []byte(a.jwt)))
			opMust(t, sys.Publish("$SYS.ACCOUNT."+b.pub+".CLAIMS.UPDATE", []byte(b.jwt)))
			opWaitErr(t, bErrs, "authentication revoked")
			opMust(t, na.Flush())
			if !na.IsConnected() {
				t.Fatal("update under another account's subject applied")
			}
			opMust(t, sys.Publish("$SYS.ACCOUNT."+a.pub+".CLAIMS.UPDATE", []byte(a.jwt)))
			opWaitErr(t, aErrs, "authentication revoked")
		})
	}
}
