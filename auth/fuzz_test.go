package auth

import (
	"strings"
	"testing"
	"time"
)

var timeZero time.Time

// FuzzCheck feeds arbitrary CONNECT credentials and permission entries
// through New, Check, Compile and the Checker methods. Nothing may
// panic, cached answers must equal uncached ones, and a successful
// Check must return the identity the credentials name.
//
//	go test -run='^$' -fuzz=FuzzCheck -fuzztime=45s ./auth
func FuzzCheck(f *testing.F) {
	f.Add("a", "a", "", "", "", "foo.*\nbar", "foo.secret", "foo.> q\nsub.>", "sub.secret", "foo.bar", "q")
	f.Add("", "", "tok", "UBLAH", "abc", "", "", "", "", "x", "")
	f.Add("b", "", "", "", "", ">", ">", "* *", "a.> b", "a.b", "b")
	f.Add("$2a$", "$2a$04$x", "", "", "!!", "a..b", "", "a q..", "", "a..b", "q r")
	f.Fuzz(func(t *testing.T, user, pass, token, nkey, sig, pubAllow, pubDeny, subAllow, subDeny, subject, queue string) {
		split := func(s string) []string {
			if s == "" {
				return nil
			}
			return strings.Split(s, "\n")
		}
		perms := &Permissions{
			Publish:   &SubjectPermission{Allow: split(pubAllow), Deny: split(pubDeny)},
			Subscribe: &SubjectPermission{Allow: split(subAllow), Deny: split(subDeny)},
		}
		if len(token)%2 == 1 {
			perms.Response = &ResponsePermission{MaxMsgs: len(token) - 2}
		}
		cfg := &Config{Users: []*User{
			{Username: "a", Password: "a", Permissions: perms},
			{Username: "b", Password: pass},
		}, DefaultPermissions: perms}
		if user == "b" {
			cfg.NoAuthUser = "b"
		}
		a, err := New(cfg)
		if err != nil {
			if _, cerr := Compile(perms); cerr == nil {
				t.Fatalf("New failed (%v) though the permissions compile", err)
			}
			return
		}
		nonce := NewNonce()
		cr := &Credentials{User: user, Pass: pass, Token: token, Nkey: nkey, Sig: sig}
		id, err := a.Check(cr, nonce)
		if err == nil && id.Name != user && !(id.NoAuthUser && user == "" && pass == "" && token == "") {
			t.Fatalf("Check(%+v) authenticated as %q", cr, id.Name)
		}
		if err == nil && id.Name == "a" && pass != "a" {
			t.Fatalf("wrong password accepted")
		}
		// Other configuration shapes must not panic either.
		for _, c := range []*Config{{Token: token}, {Username: user, Password: pass}, nil} {
			if a2, err := New(c); err == nil {
				_, _ = a2.Check(cr, nil)
			}
		}

		c, err := Compile(perms)
		if err != nil {
			t.Fatalf("Compile failed after New succeeded: %v", err)
		}
		k := c.NewCache()
		for range 2 {
			if c.CanPublish(k, []byte(subject)) != c.CanPublish(nil, []byte(subject)) {
				t.Fatal("cached CanPublish differs")
			}
			if c.CanDeliver(k, []byte(subject), queue) != c.CanSubscribe(subject, queue) {
				t.Fatal("CanDeliver differs from CanSubscribe on the literal subject")
			}
		}
		if c.CanSubscribe(subject, queue) {
			_ = c.SubNeedsDeliveryCheck(subject, queue)
		}
		r := c.NewResponses()
		r.Record([]byte(subject), timeZero)
		_ = r.Allow([]byte(subject), timeZero)
	})
}
