package jwtauth

import (
	"encoding/base64"
	"net"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/nats-io/jwt/v2"
	"github.com/nats-io/nkeys"
)

// keys is an operator and one account, for the tests.
type keys struct {
	okp, akp nkeys.KeyPair
	opub     string
	apub     string
	oc       *jwt.OperatorClaims
	trust    *Trust
}

func newKeys(t testing.TB) *keys {
	k := &keys{}
	k.okp, _ = nkeys.CreateOperator()
	k.opub, _ = k.okp.PublicKey()
	k.akp, _ = nkeys.CreateAccount()
	k.apub, _ = k.akp.PublicKey()
	k.oc = jwt.NewOperatorClaims(k.opub)
	k.trust = NewTrust([]*jwt.OperatorClaims{k.oc})
	return k
}

func (k *keys) account(t testing.TB, f func(*jwt.AccountClaims)) *Account {
	ac := jwt.NewAccountClaims(k.apub)
	ac.Name = "A"
	if f != nil {
		f(ac)
	}
	token, err := ac.Encode(k.okp)
	if err != nil {
		t.Fatal(err)
	}
	dec, err := k.trust.DecodeAccount(token, k.apub)
	if err != nil {
		t.Fatal(err)
	}
	return Compile(dec, token)
}

// user signs a user JWT and the nonce signature for it.
func (k *keys) user(t testing.TB, signer nkeys.KeyPair, f func(*jwt.UserClaims)) (*jwt.UserClaims, Conn) {
	ukp, _ := nkeys.CreateUser()
	upub, _ := ukp.PublicKey()
	uc := jwt.NewUserClaims(upub)
	if signer == nil {
		signer = k.akp
	} else {
		uc.IssuerAccount = k.apub
	}
	if f != nil {
		f(uc)
	}
	token, err := uc.Encode(signer)
	if err != nil {
		t.Fatal(err)
	}
	dec, _, err := DecodeUser(token)
	if err != nil {
		t.Fatal(err)
	}
	nonce := []byte("abcdefghijklmno")
	sig, _ := ukp.Sign(nonce)
	return dec, Conn{IP: net.ParseIP("127.0.0.1"), Type: jwt.ConnectionTypeStandard, Nonce: nonce, Sig: encodeSig(sig)}
}

func TestCheckUser(t *testing.T) {
	k := newKeys(t)
	sk, _ := nkeys.CreateAccount()
	skPub, _ := sk.PublicKey()
	other, _ := nkeys.CreateAccount()
	a := k.account(t, func(ac *jwt.AccountClaims) {
		ac.SigningKeys.Add(skPub)
		ac.DefaultPermissions.Sub.Allow.Add("def")
	})
	now := time.Now()
	for _, tc := range []struct {
		name   string
		signer nkeys.KeyPair
		f      func(*jwt.UserClaims)
		conn   func(*Conn)
		want   string // "" accepted, else part of the reason
	}{
		{name: "plain"},
		{name: "signing key", signer: sk},
		{name: "unknown signer", signer: other, want: "is not the account"},
		{name: "expired", f: func(uc *jwt.UserClaims) { uc.Expires = now.Add(-time.Minute).Unix() }, want: "claim is expired"},
		{name: "bad sig", conn: func(c *Conn) { c.Sig = "AAAA" }, want: "Signature not verified"},
		{name: "no sig", conn: func(c *Conn) { c.Sig = "" }, want: "Signature not verified"},
		{name: "bearer", f: func(uc *jwt.UserClaims) { uc.BearerToken = true }, conn: func(c *Conn) { c.Sig = "" }},
		{name: "src ok", f: func(uc *jwt.UserClaims) { uc.Src.Set("127.0.0.1/32") }},
		{name: "src no", f: func(uc *jwt.UserClaims) { uc.Src.Set("10.0.0.0/8") }, want: "src ranges"},
		{name: "type no", f: func(uc *jwt.UserClaims) { uc.AllowedConnectionTypes.Add(jwt.ConnectionTypeWebsocket) }, want: "not allowed"},
	} {
		uc, c := k.user(t, tc.signer, tc.f)
		if tc.conn != nil {
			tc.conn(&c)
		}
		u, err := a.CheckUser(uc, c, now)
		switch {
		case tc.want == "" && err != nil:
			t.Errorf("%s: %v", tc.name, err)
		case tc.want != "" && (err == nil || !strings.Contains(err.Error(), tc.want)):
			t.Errorf("%s: %v, want %q", tc.name, err, tc.want)
		case err == nil && u.Identity.Account != k.apub:
			t.Errorf("%s: account %q", tc.name, u.Identity.Account)
		}
	}
	// Default permissions for a user without any.
	uc, c := k.user(t, nil, nil)
	u, err := a.CheckUser(uc, c, now)
	if err != nil || u.Identity.Perms.CanSubscribe("other", "") || !u.Identity.Perms.CanSubscribe("def", "") {
		t.Fatalf("default permissions: %v", err)
	}
	// Revocation.
	// (jwt/v2 stamps the user JWT with the current second: revoke later.)
	uc, c = k.user(t, nil, nil)
	revoked := k.account(t, func(ac *jwt.AccountClaims) { ac.RevokeAt(uc.Subject, now.Add(time.Minute)) })
	if _, err := revoked.CheckUser(uc, c, now); err == nil || err.Error() != ReasonRevoked {
		t.Fatalf("revoked: %v", err)
	}
}

func TestExpandTemplate(t *testing.T) {
	uc := jwt.NewUserClaims("UXXX")
	uc.Name = "bob"
	uc.Tags.Add("team:red", "team:blue")
	ac := jwt.NewAccountClaims("AYYY")
	ac.Name = "acc"
	ac.Tags.Add("env:prod")
	var tpl jwt.UserPermissionLimits
	tpl.Pub.Allow.Add("u.{{name()}}.>", "t.{{ tag(team) }}", "a.{{account-name()}}.{{account-tag(env)}}", "s.{{subject()}}.{{account-subject()}}")
	out, err := expandTemplate(tpl, uc, ac)
	if err != nil {
		t.Fatal(err)
	}
	want := []string{"u.bob.>", "t.red", "t.blue", "a.acc.prod", "s.UXXX.AYYY"}
	got := []string(out.Pub.Allow)
	slices.Sort(got)
	slices.Sort(want)
	if !slices.Equal(got, want) {
		t.Fatalf("got %q, want %q", got, want)
	}
	for _, bad := range []string{"{{tag(missing)}}", "{{nope()}}"} {
		var tpl jwt.UserPermissionLimits
		tpl.Sub.Allow.Add(bad)
		if _, err := expandTemplate(tpl, uc, ac); err == nil {
			t.Errorf("%q expanded", bad)
		}
	}
}

func TestInTimes(t *testing.T) {
	day := time.Date(2026, 1, 2, 0, 0, 0, 0, time.UTC)
	at := func(h, m int) time.Time { return day.Add(time.Duration(h)*time.Hour + time.Duration(m)*time.Minute) }
	for _, tc := range []struct {
		start, end string
		now        time.Time
		ok         bool
		until      time.Time
	}{
		{"09:00:00", "17:00:00", at(12, 0), true, at(17, 0)},
		{"09:00:00", "17:00:00", at(18, 0), false, time.Time{}},
		{"22:00:00", "06:00:00", at(23, 0), true, at(30, 0)},
		{"22:00:00", "06:00:00", at(5, 0), true, at(6, 0)},
		{"22:00:00", "06:00:00", at(12, 0), false, time.Time{}},
	} {
		until, ok := inTimes([]jwt.TimeRange{{Start: tc.start, End: tc.end}}, "UTC", tc.now)
		if ok != tc.ok || !until.Equal(tc.until) {
			t.Errorf("%s-%s at %v: %v %v", tc.start, tc.end, tc.now, until, ok)
		}
	}
}

func TestImports(t *testing.T) {
	k := newKeys(t)
	ekp, _ := nkeys.CreateAccount()
	epub, _ := ekp.PublicKey()
	ec := jwt.NewAccountClaims(epub)
	ec.Exports.Add(&jwt.Export{Subject: "pub.>", Type: jwt.Stream}, &jwt.Export{Subject: "priv.>", Type: jwt.Stream, TokenReq: true})
	etoken, _ := ec.Encode(k.okp)
	exp := Compile(ec, etoken)
	act := jwt.NewActivationClaims(k.apub)
	act.ImportSubject = "priv.a"
	act.ImportType = jwt.Stream
	good, _ := act.Encode(ekp)
	otherKP, _ := nkeys.CreateAccount()
	forged, _ := act.Encode(otherKP)
	// Compiled without validation: jwt/v2 would refuse the forged token
	// already when decoding the account JWT.
	ac := jwt.NewAccountClaims(k.apub)
	a := Compile(ac, "")
	func(ac *jwt.AccountClaims) {
		ac.Imports.Add(
			&jwt.Import{Account: epub, Subject: "pub.x", Type: jwt.Stream, LocalSubject: "mine.x"},
			&jwt.Import{Account: epub, Subject: "priv.a", Type: jwt.Stream, Token: good},
			&jwt.Import{Account: epub, Subject: "priv.a", Type: jwt.Stream, Token: forged},
			&jwt.Import{Account: epub, Subject: "priv.b", Type: jwt.Stream},
			&jwt.Import{Account: epub, Subject: "none", Type: jwt.Service},
		)
	}(ac)
	imps, skipped := a.ResolveImports(func(pub string) *Account {
		if pub == epub {
			return exp
		}
		return nil
	}, time.Now())
	if len(imps) != 2 || imps[0].To != "mine.x" || imps[1].Subject != "priv.a" || len(skipped) != 3 {
		t.Fatalf("imports %+v skipped %q", imps, skipped)
	}
}

func TestReadOperator(t *testing.T) {
	k := newKeys(t)
	token, _ := k.oc.Encode(k.okp)
	path := filepath.Join(t.TempDir(), "op.jwt")
	os.WriteFile(path, []byte("-----BEGIN NATS OPERATOR JWT-----\n"+token+"\n------END NATS OPERATOR JWT------\n"), 0o600)
	for _, in := range []string{token, path} {
		oc, err := ReadOperator(in)
		if err != nil || oc.Subject != k.opub {
			t.Fatalf("%.20s: %v", in, err)
		}
	}
	if _, err := ReadOperator(token[:len(token)-4] + "AAAA"); err == nil {
		t.Fatal("bad signature accepted")
	}
	// An account JWT is not an operator JWT.
	ac := jwt.NewAccountClaims(k.apub)
	at, _ := ac.Encode(k.okp)
	if _, err := ReadOperator(at); err == nil {
		t.Fatal("account JWT read as operator")
	}
}

// FuzzCheckUser: no input makes decoding and checking a user JWT panic.
func FuzzCheckUser(f *testing.F) {
	k := newKeys(f)
	a := k.account(f, nil)
	uc, c := k.user(f, nil, nil)
	good, _ := uc.Encode(k.akp)
	f.Add(good, c.Sig)
	f.Add("eyJ0eXAiOiJKV1QiLCJhbGciOiJlZDI1NTE5LW5rZXkifQ.e30.AAAA", "")
	f.Fuzz(func(t *testing.T, token, sig string) {
		uc, acc, err := DecodeUser(token)
		if err != nil {
			return
		}
		if acc == k.apub {
			a.CheckUser(uc, Conn{Nonce: []byte("abcdefghijklmno"), Sig: sig}, time.Now())
		}
	})
}

// BenchmarkCheckUser is the per-CONNECT cost of a user JWT: decoding
// (signature check), validation, nonce signature, permissions.
func BenchmarkCheckUser(b *testing.B) {
	k := newKeys(b)
	a := k.account(b, nil)
	uc, c := k.user(b, nil, func(uc *jwt.UserClaims) { uc.Pub.Allow.Add("a.>", "b.*"); uc.Sub.Allow.Add("_INBOX.>") })
	token, _ := uc.Encode(k.akp)
	b.ReportAllocs()
	for b.Loop() {
		dec, _, err := DecodeUser(token)
		if err != nil {
			b.Fatal(err)
		}
		if _, err := a.CheckUser(dec, c, time.Now()); err != nil {
			b.Fatal(err)
		}
	}
}

func encodeSig(sig []byte) string { return base64.RawURLEncoding.EncodeToString(sig) }

func TestMappings(t *testing.T) {
	k := newKeys(t)
	a := k.account(t, func(ac *jwt.AccountClaims) {
		ac.Mappings = jwt.Mapping{"b.>": {{Subject: "bb.>"}}, "a": {{Subject: "x", Weight: 50}, {Subject: "y", Weight: 50}}}
	})
	if len(a.Spec.Mappings) != 2 || a.Spec.Mappings[0].Source() != "a" || a.Spec.Mappings[1].Source() != "b.>" {
		t.Fatalf("mappings %v", a.Spec.Mappings)
	}
}

// TestCompileLimits: the account limits become the Account's, -1
// (unlimited) as 0, and the R1 tier as the JetStream limits (jwt/v2
// makes global and tiered limits mutually exclusive).
func TestCompileLimits(t *testing.T) {
	k := newKeys(t)
	a := k.account(t, func(ac *jwt.AccountClaims) {
		ac.Limits.Conn, ac.Limits.Subs, ac.Limits.LeafNodeConn, ac.Limits.Payload = 5, -1, 2, 1024
		ac.Limits.JetStreamTieredLimits = jwt.JetStreamTieredLimits{"R1": {MemoryStorage: 10, DiskStorage: 20, Streams: 3, Consumer: 4}}
	})
	l := a.Spec.Limits
	if l.MaxConnections != 5 || l.MaxSubscriptions != 0 || l.MaxLeafNodes != 2 || l.MaxPayload != 1024 {
		t.Fatalf("limits %+v", l)
	}
	if js := a.Spec.JetStream; js == nil || js.MaxMemory != 10 || js.MaxStore != 20 || js.MaxStreams != 3 || js.MaxConsumers != 4 {
		t.Fatalf("JetStream limits %+v", js)
	}
	if none := k.account(t, nil); none.Spec.JetStream != nil || none.Spec.Limits.MaxLeafNodes != 0 {
		t.Fatalf("default account %+v %+v", none.Spec.Limits, none.Spec.JetStream)
	}
}
