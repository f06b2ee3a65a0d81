package main

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/nats-io/nats.go"
	"github.com/nats-io/nkeys"
	"golang.org/x/crypto/bcrypt"

	"github.com/natsd/natsd/server"
)

// connectWait bounds a connection's handshake, the callout included: the
// server's authorization timeout (10 s in start's config) decides first.
const connectWait = 15 * time.Second

// start runs natsd with the callout configured for the issuer (and
// xkey) and the example service against it.
func start(t *testing.T, xkey bool) *server.Server {
	issuer, _ := nkeys.CreateAccount()
	ipub, _ := issuer.PublicKey()
	sv := &service{issuer: issuer, account: "$G"}
	xline := ""
	if xkey {
		sv.xkp, _ = nkeys.CreateCurveKeys()
		xpub, _ := sv.xkp.PublicKey()
		xline = "xkey: " + xpub
	}
	hash, _ := bcrypt.GenerateFromPassword([]byte("s3cret"), bcrypt.MinCost)
	users, err := parseHtpasswd(strings.NewReader("# users\nalice:" + string(hash) + "\nbob:" + string(hash) + ":APP\n"))
	if err != nil {
		t.Fatal(err)
	}
	sv.users = users
	conf := filepath.Join(t.TempDir(), "natsd.conf")
	os.WriteFile(conf, []byte(`listen: 127.0.0.1:-1
accounts { APP: {}, AUTH: { users: [ { user: auth, password: pwd } ] } }
authorization {
  # A loaded machine (the race detector, parallel packages) can take more
  # than the default 2 s for a CONNECT that goes through the service.
  timeout: 10
  users: [ { user: admin, password: admin } ]
  auth_callout { issuer: `+ipub+`, auth_users: [ auth ], account: AUTH, `+xline+` }
}
`), 0o600)
	o, err := server.ProcessConfigFile(conf)
	if err != nil {
		t.Fatal(err)
	}
	o.NoLog = true
	s, err := server.New(o)
	if err != nil {
		t.Fatal(err)
	}
	if err := s.Start(); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(s.Shutdown)
	nc, err := nats.Connect(s.ClientURL(), nats.UserInfo("auth", "pwd"), nats.Timeout(connectWait))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(nc.Close)
	if _, err := sv.serve(nc); err != nil {
		t.Fatal(err)
	}
	nc.Flush()
	return s
}

// TestCalloutEndToEnd: users of the htpasswd file get in, in their
// accounts; wrong passwords and unknown users are refused; with and
// without encryption.
func TestCalloutEndToEnd(t *testing.T) {
	for _, xkey := range []bool{false, true} {
		s := start(t, xkey)
		alice, err := nats.Connect(s.ClientURL(), nats.UserInfo("alice", "s3cret"), nats.Timeout(connectWait))
		if err != nil {
			t.Fatalf("xkey %v: alice: %v", xkey, err)
		}
		bob, err := nats.Connect(s.ClientURL(), nats.UserInfo("bob", "s3cret"), nats.Timeout(connectWait))
		if err != nil {
			t.Fatalf("xkey %v: bob: %v", xkey, err)
		}
		// alice is in $G, bob in APP: they do not see each other. alice's
		// message is through the server (flushed) before bob publishes,
		// so had it reached bob it would come before his own.
		sub, _ := bob.SubscribeSync("x")
		bob.Flush()
		alice.Publish("x", []byte("a"))
		alice.Flush()
		bob.Publish("x", []byte("b"))
		if m, err := sub.NextMsg(10 * time.Second); err != nil {
			t.Fatal("bob's own message:", err)
		} else if string(m.Data) != "b" {
			t.Fatalf("accounts not isolated: bob got %q first", m.Data)
		}
		for _, opt := range []nats.Option{nats.UserInfo("alice", "wrong"), nats.UserInfo("eve", "s3cret"), nats.Token("x")} {
			if _, err := nats.Connect(s.ClientURL(), opt, nats.NoReconnect(), nats.Timeout(connectWait)); err == nil || !strings.Contains(err.Error(), "Authorization Violation") {
				t.Fatalf("xkey %v: refused user: %v", xkey, err)
			}
		}
		// The configured users that are not auth_users go through the service too.
		if _, err := nats.Connect(s.ClientURL(), nats.UserInfo("admin", "admin"), nats.NoReconnect(), nats.Timeout(connectWait)); err == nil {
			t.Fatal("admin bypassed the callout")
		}
		alice.Close()
		bob.Close()
	}
}
