package auth

import (
	"encoding/base64"
	"errors"
	"regexp"
	"strings"
	"testing"

	"github.com/nats-io/nkeys"
)

func newUserKey(t testing.TB) (nkeys.KeyPair, string) {
	t.Helper()
	kp, err := nkeys.CreateUser()
	if err != nil {
		t.Fatal(err)
	}
	pub, err := kp.PublicKey()
	if err != nil {
		t.Fatal(err)
	}
	return kp, pub
}

func sign(t testing.TB, kp nkeys.KeyPair, nonce []byte, enc *base64.Encoding) string {
	t.Helper()
	sig, err := kp.Sign(nonce)
	if err != nil {
		t.Fatal(err)
	}
	return enc.EncodeToString(sig)
}

func mustNew(t testing.TB, cfg *Config) *Authenticator {
	t.Helper()
	a, err := New(cfg)
	if err != nil {
		t.Fatalf("New: %v", err)
	}
	return a
}

func TestNewErrors(t *testing.T) {
	_, upub := newUserKey(t)
	okp, _ := nkeys.CreateOperator()
	opub, _ := okp.PublicKey()
	seed, _ := okp.Seed()
	tests := []struct {
		name string
		cfg  Config
		want string
	}{
		{"dup user", Config{Users: []*User{{Username: "a", Password: "a"}, {Username: "a", Password: "b"}}}, `Duplicate user "a" detected`},
		{"dup nkey", Config{Users: []*User{{Nkey: upub}, {Nkey: upub}}}, `Duplicate nkey "` + upub + `" detected`},
		{"user named like nkey", Config{Users: []*User{{Username: upub, Password: "a"}, {Nkey: upub}}}, `Duplicate nkey "` + upub + `" detected`},
		{"nkey named like user", Config{Users: []*User{{Nkey: upub}, {Username: upub}}}, `Duplicate nkey "` + upub + `" detected`},
		{"bad nkey", Config{Users: []*User{{Nkey: "UBAD"}}}, `Not a valid public nkey for a user: "UBAD"`},
		{"operator nkey", Config{Users: []*User{{Nkey: opub}}}, `Not a valid public nkey for a user: "` + opub + `"`},
		{"seed as nkey", Config{Users: []*User{{Nkey: string(seed)}}}, `Not a valid public nkey for a user`},
		{"nkey with user", Config{Users: []*User{{Nkey: upub, Username: "a"}}}, "Nkey users do not take usernames or passwords"},
		{"nkey with pass", Config{Users: []*User{{Nkey: upub, Password: "p"}}}, "Nkey users do not take usernames or passwords"},
		{"no user", Config{Users: []*User{{Password: "x"}}}, "User entry requires a user (users[0])"},
		{"nil user", Config{Users: []*User{{Username: "a"}, nil}}, "User entry requires a user (users[1])"},
		{"token and user", Config{Token: "t", Username: "u", Password: "p"}, "Cannot have a user/pass and token"},
		{"token and users", Config{Token: "t", Users: []*User{{Username: "a"}}}, "Can not have a token and a users array"},
		{"user and users", Config{Username: "x", Users: []*User{{Username: "a"}}}, "Can not have a single user/pass and a users array"},
		{"no_auth_user missing", Config{Users: []*User{{Username: "a"}}, NoAuthUser: "b"},
			`no_auth_user: "b" not present as user or nkey in authorization block or account configuration`},
		{"no_auth_user without users", Config{Token: "abc", NoAuthUser: "b"}, `no_auth_user: "b" present, but users/nkeys are not defined`},
		{"no_auth_user alone", Config{NoAuthUser: "b"}, `no_auth_user: "b" present, but users/nkeys are not defined`},
		{"bad user perms", Config{Users: []*User{{Username: "a", Permissions: pubPerm([]string{"foo..bar"}, nil)}}},
			`user "a" permissions: subject "foo..bar" is not a valid subject`},
		{"bad nkey perms", Config{Users: []*User{{Nkey: upub, Permissions: subPerm(nil, []string{"foo q.."})}}},
			`nkey "` + upub + `" permissions: queue "q.." is not a valid queue`},
		{"bad default perms", Config{Users: []*User{{Username: "a"}}, DefaultPermissions: pubPerm(nil, []string{"a b"})},
			`default_permissions: subject "a b" is not a valid subject`},
	}
	for _, tt := range tests {
		_, err := New(&tt.cfg)
		if err == nil || !strings.Contains(err.Error(), tt.want) {
			t.Errorf("%s: New = %v, want %q", tt.name, err, tt.want)
		}
	}
}

func TestRequiredAndWarnings(t *testing.T) {
	_, upub := newUserKey(t)
	tests := []struct {
		cfg      *Config
		required bool
		nonce    bool
		warn     bool
	}{
		{nil, false, false, false},
		{&Config{}, false, false, false},
		{&Config{Password: "p"}, false, false, false}, // as the reference: ignored
		{&Config{Token: "plain"}, true, false, false},
		{&Config{Username: "u", Password: "p"}, true, false, true},
		{&Config{Username: "u"}, true, false, true},
		{&Config{Users: []*User{{Username: "a", Password: "$2a$04$UKGaGDU0fjNFMYpZE.MK0OfSOy6xULiR3G/HXY7WrA6QlzsYDUB1."}}}, true, false, false},
		{&Config{Users: []*User{{Username: "a", Password: "a"}}, NoAuthUser: "a"}, false, false, true},
		{&Config{Users: []*User{{Nkey: upub}}}, true, true, false},
		{&Config{Users: []*User{{Nkey: upub}, {Username: "a"}}, NoAuthUser: "a"}, false, true, true},
	}
	for i, tt := range tests {
		a := mustNew(t, tt.cfg)
		if a.Required() != tt.required || a.NeedsNonce() != tt.nonce {
			t.Errorf("%d: Required=%v NeedsNonce=%v", i, a.Required(), a.NeedsNonce())
		}
		w := a.Warnings()
		if got := len(w) == 1 && w[0] == PlaintextPasswordWarning; got != tt.warn {
			t.Errorf("%d: Warnings = %q", i, w)
		}
	}
	a := mustNew(t, &Config{Users: []*User{{Username: "a", Password: "$2a$bogus"}}})
	if w := a.Warnings(); len(w) != 1 || !strings.Contains(w[0], `"a"`) {
		t.Errorf("malformed bcrypt hash: Warnings = %q", w)
	}
}

func TestNewNonce(t *testing.T) {
	re := regexp.MustCompile(`^[A-Za-z0-9_-]{15}$`)
	seen := map[string]bool{}
	for range 1000 {
		n := NewNonce()
		if !re.Match(n) {
			t.Fatalf("nonce %q does not look like the reference's", n)
		}
		if seen[string(n)] {
			t.Fatalf("nonce %q repeated", n)
		}
		seen[string(n)] = true
	}
}

func checkOK(t *testing.T, a *Authenticator, cr Credentials, nonce []byte) *Identity {
	t.Helper()
	id, err := a.Check(&cr, nonce)
	if err != nil {
		t.Fatalf("Check(%+v): %v", cr, err)
	}
	return id
}

func checkFail(t *testing.T, a *Authenticator, cr Credentials, nonce []byte, log string) {
	t.Helper()
	id, err := a.Check(&cr, nonce)
	if err == nil {
		t.Fatalf("Check(%+v) = %+v, want failure", cr, id)
	}
	if !errors.Is(err, ErrAuthorization) || err.Error() != log {
		t.Fatalf("Check(%+v) error %q, want %q wrapping ErrAuthorization", cr, err, log)
	}
}

func TestCheckNoAuth(t *testing.T) {
	a := mustNew(t, nil)
	id := checkOK(t, a, Credentials{User: "x", Pass: "y", Token: "z"}, nil)
	if id.Name != "" || id.Method != MethodNone || id.Perms != nil {
		t.Fatalf("anonymous identity: %+v", id)
	}
	if _, err := a.Check(nil, nil); err != nil {
		t.Fatal(err)
	}
}

func TestCheckToken(t *testing.T) {
	hash, err := HashPassword("secret", 4)
	if err != nil {
		t.Fatal(err)
	}
	for _, tok := range []string{"secret", hash} {
		a := mustNew(t, &Config{Token: tok})
		id := checkOK(t, a, Credentials{Token: "secret"}, nil)
		if id.Method != MethodToken || id.Name != "" {
			t.Fatalf("token identity: %+v", id)
		}
		checkOK(t, a, Credentials{Token: "secret", User: "x", Pass: "y"}, nil) // user/pass ignored
		checkFail(t, a, Credentials{Token: "bad"}, nil, `authentication error - Token "[REDACTED]"`)
		checkFail(t, a, Credentials{Token: "secretx"}, nil, `authentication error - Token "[REDACTED]"`)
		checkFail(t, a, Credentials{User: "secret"}, nil, `authentication error - User "secret"`)
		checkFail(t, a, Credentials{Pass: "secret"}, nil, `authentication error`)
		checkFail(t, a, Credentials{}, nil, `authentication error`)
		checkFail(t, a, Credentials{Nkey: "UK", User: "u", Token: "x"}, nil, `authentication error - Nkey "UK"`)
	}
	a := mustNew(t, &Config{Token: hash})
	checkFail(t, a, Credentials{Token: hash}, nil, `authentication error - Token "[REDACTED]"`)
}

func TestCheckSingleUser(t *testing.T) {
	hash, _ := HashPassword("secret", 4)
	for _, pw := range []string{"secret", hash} {
		a := mustNew(t, &Config{Username: "u", Password: pw})
		id := checkOK(t, a, Credentials{User: "u", Pass: "secret"}, nil)
		if id.Name != "u" || id.Method != MethodUser || id.Perms != nil {
			t.Fatalf("identity %+v", id)
		}
		checkOK(t, a, Credentials{User: "u", Pass: "secret", Token: "zz"}, nil) // token ignored
		checkFail(t, a, Credentials{User: "u", Pass: "secretx"}, nil, `authentication error - User "u"`)
		checkFail(t, a, Credentials{User: "u"}, nil, `authentication error - User "u"`)
		checkFail(t, a, Credentials{User: "v", Pass: "secret"}, nil, `authentication error - User "v"`)
		checkFail(t, a, Credentials{Token: "secret"}, nil, `authentication error - Token "[REDACTED]"`)
	}
	a := mustNew(t, &Config{Username: "u", Password: hash})
	checkFail(t, a, Credentials{User: "u", Pass: hash}, nil, `authentication error - User "u"`)
	// No password configured: the client must send none.
	a = mustNew(t, &Config{Username: "u"})
	checkOK(t, a, Credentials{User: "u"}, nil)
	checkFail(t, a, Credentials{User: "u", Pass: "x"}, nil, `authentication error - User "u"`)
	checkFail(t, a, Credentials{Pass: "p"}, nil, `authentication error`)
}

func TestCheckUsers(t *testing.T) {
	hash, _ := HashPassword("secret", 4)
	perms := pubPerm([]string{"ok"}, nil)
	def := subPerm([]string{"y"}, nil)
	a := mustNew(t, &Config{
		Users: []*User{
			{Username: "a", Password: "a", Permissions: perms},
			{Username: "b"},
			{Username: "c", Password: hash},
			{Username: "d", Password: "", Permissions: &Permissions{}},
		},
		DefaultPermissions: def,
	})
	ida := checkOK(t, a, Credentials{User: "a", Pass: "a"}, nil)
	if ida.Name != "a" || ida.Perms == nil || ida.Perms.CanPublish(nil, []byte("y")) || !ida.Perms.CanSubscribe("any", "") {
		t.Fatalf("user a: own permissions only (defaults not merged): %+v", ida)
	}
	if ida2 := checkOK(t, a, Credentials{User: "a", Pass: "a"}, nil); ida2 != ida {
		t.Fatal("identities should be shared")
	}
	idb := checkOK(t, a, Credentials{User: "b"}, nil)
	if idb.Perms == nil || idb.Perms.CanSubscribe("z", "") || !idb.Perms.CanPublish(nil, []byte("z")) {
		t.Fatal("user b should get the default permissions")
	}
	if idd := checkOK(t, a, Credentials{User: "d"}, nil); idd.Perms != nil {
		t.Fatal("user d has explicit empty permissions: unrestricted")
	}
	checkOK(t, a, Credentials{User: "c", Pass: "secret"}, nil)
	checkFail(t, a, Credentials{User: "c", Pass: ""}, nil, `authentication error - User "c"`)
	checkFail(t, a, Credentials{User: "b", Pass: "z"}, nil, `authentication error - User "b"`)
	checkFail(t, a, Credentials{User: "a", Pass: "wrong"}, nil, `authentication error - User "a"`)
	checkFail(t, a, Credentials{User: "zz", Pass: "a"}, nil, `authentication error - User "zz"`)
	checkFail(t, a, Credentials{}, nil, `authentication error`)
	checkFail(t, a, Credentials{Token: "a"}, nil, `authentication error - Token "[REDACTED]"`)
	// No nkey users: a client nkey is ignored.
	checkOK(t, a, Credentials{User: "a", Pass: "a", Nkey: "UXYZ"}, nil)
}

func TestCheckNkeys(t *testing.T) {
	kp, pub := newUserKey(t)
	other, _ := newUserKey(t)
	a := mustNew(t, &Config{
		Users: []*User{{Nkey: pub, Permissions: pubPerm([]string{"ok"}, nil)}, {Username: "a", Password: "a"}},
	})
	nonce := NewNonce()
	for _, enc := range sigEncodings {
		id := checkOK(t, a, Credentials{Nkey: pub, Sig: sign(t, kp, nonce, enc)}, nonce)
		if id.Name != pub || id.Method != MethodNkey || id.Perms.CanPublish(nil, []byte("nope")) {
			t.Fatalf("nkey identity %+v", id)
		}
	}
	log := `authentication error - Nkey "` + pub + `"`
	checkFail(t, a, Credentials{Nkey: pub, Sig: sign(t, kp, []byte("other nonce"), base64.RawURLEncoding)}, nonce, log)
	checkFail(t, a, Credentials{Nkey: pub, Sig: sign(t, other, nonce, base64.RawURLEncoding)}, nonce, log)
	checkFail(t, a, Credentials{Nkey: pub}, nonce, log)
	checkFail(t, a, Credentials{Nkey: pub, Sig: "!!notbase64!!"}, nonce, log)
	checkFail(t, a, Credentials{Nkey: pub, Sig: sign(t, kp, nonce, base64.RawURLEncoding)}, nil, log)
	// The nkey path is exclusive: valid user/pass next to it do not help.
	checkFail(t, a, Credentials{Nkey: pub, User: "a", Pass: "a"}, nonce, log)
	checkFail(t, a, Credentials{Nkey: "UBLAH", Sig: "abc"}, nonce, `authentication error - Nkey "UBLAH"`)
	checkOK(t, a, Credentials{User: "a", Pass: "a"}, nonce)
}

func TestCheckNoAuthUser(t *testing.T) {
	_, pub := newUserKey(t)
	a := mustNew(t, &Config{
		Users:      []*User{{Username: "a", Password: "a", Permissions: pubPerm([]string{"x"}, nil)}, {Nkey: pub}},
		NoAuthUser: "a",
	})
	id := checkOK(t, a, Credentials{}, nil)
	if id.Name != "a" || !id.NoAuthUser || id.Perms == nil || id.Perms.CanPublish(nil, []byte("y")) {
		t.Fatalf("no_auth identity %+v", id)
	}
	if real := checkOK(t, a, Credentials{User: "a", Pass: "a"}, nil); real.NoAuthUser {
		t.Fatal("real login flagged as no_auth_user")
	}
	checkFail(t, a, Credentials{User: "zz", Pass: "q"}, nil, `authentication error - User "zz"`)
	checkFail(t, a, Credentials{Token: "q"}, nil, `authentication error - Token "[REDACTED]"`)
	checkFail(t, a, Credentials{Pass: "zz"}, nil, `authentication error`)
	checkFail(t, a, Credentials{Nkey: pub}, NewNonce(), `authentication error - Nkey "`+pub+`"`)
	checkOK(t, a, Credentials{Sig: "abc"}, nil) // a lone sig is no credential

	// Without nkey users a lone client nkey counts as nothing.
	b := mustNew(t, &Config{Users: []*User{{Username: "a", Password: "a"}}, NoAuthUser: "a"})
	checkOK(t, b, Credentials{Nkey: pub}, nil)

	// no_auth_user may name an nkey user.
	c := mustNew(t, &Config{Users: []*User{{Nkey: pub}}, NoAuthUser: pub})
	if id := checkOK(t, c, Credentials{}, nil); id.Name != pub || id.Method != MethodNkey {
		t.Fatalf("nkey no_auth identity %+v", id)
	}
}

func TestHashPassword(t *testing.T) {
	h, err := HashPassword("pw", 0)
	if err != nil || !IsBcrypt(h) || !strings.HasPrefix(h, "$2a$11$") {
		t.Fatalf("HashPassword default cost: %q %v", h, err)
	}
	if _, err := HashPassword("pw", 99); err == nil {
		t.Fatal("cost 99 accepted")
	}
	if _, err := HashPassword(strings.Repeat("x", 73), 4); err == nil {
		t.Fatal("password beyond 72 bytes accepted")
	}
	for s, want := range map[string]bool{"$2a$x": true, "$2b$x": true, "$2y$x": true, "$2x$x": false, "plain": false, "": false} {
		if IsBcrypt(s) != want {
			t.Errorf("IsBcrypt(%q) != %v", s, want)
		}
	}
}

func TestNilAuthenticator(t *testing.T) {
	var a *Authenticator
	if a.Required() || a.NeedsNonce() || a.Warnings() != nil {
		t.Fatal("nil Authenticator requires nothing")
	}
	if id, err := a.Check(&Credentials{User: "x"}, nil); err != nil || id.Method != MethodNone {
		t.Fatal("nil Authenticator lets everyone in")
	}
}

// TestAccountInIdentity: the account of a user reaches its identity, by
// every way of authenticating (password, nkey, no_auth_user, TLS map).
func TestAccountInIdentity(t *testing.T) {
	kp, _ := nkeys.CreateUser()
	pub, _ := kp.PublicKey()
	a, err := New(&Config{Users: []*User{
		{Username: "a", Password: "a", Account: "A"},
		{Nkey: pub, Account: "B"},
		{Username: "g", Password: "g"},
	}, NoAuthUser: "a"})
	if err != nil {
		t.Fatal(err)
	}
	check := func(what string, id *Identity, err error, want string) {
		t.Helper()
		if err != nil || id.Account != want {
			t.Fatalf("%s: %+v %v, want account %q", what, id, err, want)
		}
	}
	id, err := a.Check(&Credentials{User: "a", Pass: "a"}, nil)
	check("password", id, err, "A")
	nonce := NewNonce()
	sig, _ := kp.Sign(nonce)
	id, err = a.Check(&Credentials{Nkey: pub, Sig: base64.RawURLEncoding.EncodeToString(sig)}, nonce)
	check("nkey", id, err, "B")
	id, err = a.Check(&Credentials{}, nil)
	check("no_auth_user", id, err, "A")
	id, err = a.CheckMapped([]string{"a"}, &Credentials{}, nil)
	check("tls map", id, err, "A")
	id, err = a.Check(&Credentials{User: "g", Pass: "g"}, nil)
	check("global", id, err, "")
}
