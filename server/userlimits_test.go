package server

import (
	"fmt"
	"io"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/nats-io/nats.go"
	"github.com/nats-io/nkeys"

	"github.com/natsd/natsd/monitor"
)

// TestUserMaxConnections: a user's max_connections refuses the connection
// past it with nats-server's max connections error, in the authorization
// block and in accounts, for password and nkey users; everyone else is
// still served, and a closed connection frees its place.
func TestUserMaxConnections(t *testing.T) {
	kp, _ := nkeys.CreateUser()
	pub, _ := kp.PublicKey()
	s := clStart(t, accOpts(t, fmt.Sprintf(`
authorization { users: [ { user: g, password: g, max_connections: 2 }, { user: free, password: free } ] }
accounts {
  A: { users: [ { user: a, password: a, max_conns: 1 }, { nkey: %s, max_connections: 1 } ] }
}`, pub)))
	refused := func(opts ...nats.Option) {
		t.Helper()
		nc, err := nats.Connect(s.ClientURL(), append(opts, nats.NoReconnect())...)
		if err == nil {
			nc.Close()
			t.Fatal("connection past the user's max_connections accepted")
		}
		if !strings.Contains(err.Error(), "maximum connections exceeded") {
			t.Fatalf("refused with %v, want maximum connections exceeded", err)
		}
	}
	g1 := accConnect(t, s, "g")
	accConnect(t, s, "g")
	refused(nats.UserInfo("g", "g"))
	a := accConnect(t, s, "a")
	refused(nats.UserInfo("a", "a"))
	clConnect(t, s, nats.Nkey(pub, kp.Sign))
	refused(nats.Nkey(pub, kp.Sign))

	// Others are served, and the connections that were accepted work.
	for i := 0; i < 3; i++ {
		accConnect(t, s, "free")
	}
	sub, _ := a.SubscribeSync("x")
	a.Publish("x", []byte("hi"))
	if _, err := sub.NextMsg(10 * time.Second); err != nil {
		t.Fatal(err)
	}
	// A closed connection frees its place.
	g1.Close()
	clWaitFor(t, clusterWait, "g's count down", func() bool {
		s.mu.Lock()
		defer s.mu.Unlock()
		return s.userConns["g"] == 1
	})
	accConnect(t, s, "g")
	refused(nats.UserInfo("g", "g"))
}

// TestUserMaxConnectionsReload: a reload lowering a user's max_connections
// closes that user's newest connections beyond it, nobody else's.
func TestUserMaxConnectionsReload(t *testing.T) {
	path := filepath.Join(t.TempDir(), "natsd.conf")
	write := func(n int) {
		text := fmt.Sprintf("listen: 127.0.0.1:-1\naccounts { A: { users: [ {user: u, password: u, max_connections: %d}, {user: v, password: v} ] } }\n", n)
		if err := os.WriteFile(path, []byte(text), 0o600); err != nil {
			t.Fatal(err)
		}
	}
	write(5)
	o, err := ProcessConfigFile(path)
	if err != nil {
		t.Fatal(err)
	}
	o.NoLog = true
	s := clStart(t, o)
	var us []*nats.Conn
	for i := 0; i < 4; i++ {
		nc := accConnect(t, s, "u", nats.NoReconnect())
		nc.Flush()
		us = append(us, nc)
	}
	vs := []*nats.Conn{accConnect(t, s, "v", nats.NoReconnect()), accConnect(t, s, "v", nats.NoReconnect())}
	write(2)
	if err := s.Reload(); err != nil {
		t.Fatal(err)
	}
	clWaitFor(t, clusterWait, "u's two newest closed", func() bool { return us[2].IsClosed() && us[3].IsClosed() })
	for _, nc := range us[2:] {
		if err := nc.LastError(); err == nil || !strings.Contains(err.Error(), "maximum connections exceeded") {
			t.Fatalf("closed with %v", err)
		}
	}
	for _, nc := range append(us[:2], vs...) {
		if err := nc.Flush(); err != nil {
			t.Fatalf("a connection within the limits was touched: %v", err)
		}
	}
}

func TestUserLimitsConfigErrors(t *testing.T) {
	for _, c := range []struct{ name, text, want string }{
		{"negative max_connections", "authorization { users: [ {user: u, password: u, max_connections: -2} ] }\n",
			`natsd.conf:2:66: -2 is out of range (0 to 2147483647, or -1 for no limit)`},
		{"rate not a number", "accounts { A: { users: [ {user: u, password: u, max_msgs_per_second: fast} ] } }\n",
			`natsd.conf:2:70: expected an integer`},
		{"rate too large", "accounts { A: { limits: { max_bytes_per_second: 8GB } } }\n",
			`natsd.conf:2:49: 8589934592 is out of range (0 to 4294967296, or -1 for no limit)`},
		{"misspelt rate", "authorization { users: [ {user: u, password: u, max_msg_per_second: 5} ] }\n",
			`natsd.conf:2:49: unknown field "max_msg_per_second" in user (did you mean "max_msgs_per_second"?)`},
		{"unknown account limit", "accounts { A: { limits: { max_msgs: 5 } } }\n",
			`natsd.conf:2:27: unknown field "max_msgs" in limits`},
	} {
		t.Run(c.name, func(t *testing.T) {
			path := filepath.Join(t.TempDir(), "natsd.conf")
			os.WriteFile(path, []byte("listen: 127.0.0.1:-1\n"+c.text), 0o600)
			_, err := ProcessConfigFile(path)
			if err == nil || !strings.Contains(err.Error(), c.want) {
				t.Fatalf("error %v, want %q", err, c.want)
			}
		})
	}
}

// TestPublishRateLimit: a user over its max_msgs_per_second is slowed, not
// disconnected; its neighbour in the same account is not throttled; the
// throttled time shows in /connz and /metrics.
func TestPublishRateLimit(t *testing.T) {
	o := accOpts(t, `accounts {
  A: { users: [ { user: slow, password: slow, max_msgs_per_second: 100 }, { user: fast, password: fast } ] }
  B: { users: [ { user: b, password: b } ], limits: { max_bytes_per_second: 1KB } }
}`)
	o.HTTPHost, o.HTTPPort = "127.0.0.1", RandomPort
	s := clStart(t, o)
	slow, fast, sub := accConnect(t, s, "slow"), accConnect(t, s, "fast"), accConnect(t, s, "fast")
	var got atomic.Int64
	sub.Subscribe("x", func(*nats.Msg) { got.Add(1) })
	sub.Flush()

	// 250 messages at 100/s after a burst of 100: at least 1.5 s in the
	// server, however fast the client writes them.
	const n = 250
	start := time.Now()
	for i := 0; i < n; i++ {
		slow.Publish("x", []byte("m"))
	}
	slow.Flush()
	// Meanwhile the neighbour's messages are not held back.
	for i := 0; i < n; i++ {
		fast.Publish("x", []byte("f"))
	}
	if err := fast.Flush(); err != nil {
		t.Fatal(err)
	}
	clWaitFor(t, clusterWait, "every message", func() bool { return got.Load() == 2*n })
	if d := time.Since(start); d < time.Second {
		t.Fatalf("%d messages at 100/s (burst 100) delivered in %v", n, d)
	}
	if !slow.IsConnected() {
		t.Fatal("throttled publisher disconnected")
	}
	cz, err := s.Connz(&monitor.ConnzOptions{Username: true})
	if err != nil {
		t.Fatal(err)
	}
	for _, ci := range cz.Conns {
		switch ci.AuthorizedUser {
		case "slow":
			if ci.ThrottledMs < 500 {
				t.Fatalf("slow's throttled_ms %d", ci.ThrottledMs)
			}
		case "fast":
			if ci.ThrottledMs != 0 {
				t.Fatalf("fast was throttled %d ms", ci.ThrottledMs)
			}
		}
	}

	// The account's byte rate: 3 KB at 1 KB/s (1 KB burst) takes 2 s.
	b := accConnect(t, s, "b")
	bsub, _ := b.SubscribeSync("y")
	b.Flush()
	start = time.Now()
	for i := 0; i < 3; i++ {
		b.Publish("y", make([]byte, 1024))
	}
	for i := 0; i < 3; i++ {
		if _, err := bsub.NextMsg(10 * time.Second); err != nil {
			t.Fatal(err)
		}
	}
	if d := time.Since(start); d < 1500*time.Millisecond {
		t.Fatalf("3 KB at 1 KB/s delivered in %v", d)
	}

	resp, err := http.Get("http://" + s.MonitorAddr().String() + "/metrics")
	if err != nil {
		t.Fatal(err)
	}
	body, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	for _, want := range []string{
		`gnatsd_account_connections{account="A",server_id="` + s.ID() + `"} 3`,
		`gnatsd_account_in_msgs{account="A",server_id="` + s.ID() + `"} 500`,
		`gnatsd_account_out_msgs{account="A",server_id="` + s.ID() + `"} 500`,
		`gnatsd_account_subscriptions{account="B",server_id="` + s.ID() + `"} 1`,
		`gnatsd_account_in_bytes{account="B",server_id="` + s.ID() + `"} 3072`,
		`gnatsd_account_throttled_seconds{account="A"`,
		`gnatsd_connz_throttled_seconds{`,
	} {
		if !strings.Contains(string(body), want) {
			t.Errorf("/metrics lacks %s", want)
		}
	}
}

// TestPublishRateLimitReload: a reload sets, changes and removes a rate
// limit for connected clients.
func TestPublishRateLimitReload(t *testing.T) {
	path := filepath.Join(t.TempDir(), "natsd.conf")
	write := func(limit string) {
		text := "listen: 127.0.0.1:-1\naccounts { A: { users: [ {user: u, password: u " + limit + "} ] } }\n"
		if err := os.WriteFile(path, []byte(text), 0o600); err != nil {
			t.Fatal(err)
		}
	}
	write("")
	o, err := ProcessConfigFile(path)
	if err != nil {
		t.Fatal(err)
	}
	o.NoLog = true
	s := clStart(t, o)
	nc := accConnect(t, s, "u")
	nc.Flush()
	c := s.snapshotClients()[0]
	if c.pubRate.Load() != nil {
		t.Fatal("rate limiter without a limit")
	}
	write(", max_msgs_per_second: 10")
	if err := s.Reload(); err != nil {
		t.Fatal(err)
	}
	pr := c.pubRate.Load()
	if pr == nil || pr.user == nil || pr.user.msgs.Rate() != 10 || pr.acc != nil {
		t.Fatalf("after reload: %+v", pr)
	}
	if err := s.Reload(); err != nil {
		t.Fatal(err)
	}
	if c.pubRate.Load().user != pr.user {
		t.Fatal("an unchanged limit got new buckets on reload")
	}
	// The user's connections share its buckets.
	accConnect(t, s, "u").Flush()
	for _, c2 := range s.snapshotClients() {
		if c2.pubRate.Load() == nil || c2.pubRate.Load().user != pr.user {
			t.Fatal("a second connection of the user has buckets of its own")
		}
	}
	write("")
	if err := s.Reload(); err != nil {
		t.Fatal(err)
	}
	if c.pubRate.Load() != nil {
		t.Fatal("limit removed by reload still applies")
	}
}

// TestLogPrefixNamesAccount: log lines name the account and the user, as
// nats-server's do, for nkey users and the no_auth_user too.
func TestLogPrefixNamesAccount(t *testing.T) {
	kp, _ := nkeys.CreateUser()
	pub, _ := kp.PublicKey()
	s, l := clStartLogged(t, accOpts(t, fmt.Sprintf(`
accounts { A: { users: [ { user: a, password: a }, { nkey: %s } ] } }
no_auth_user: a`, pub)))
	clConnect(t, s, nats.Nkey(pub, kp.Sign)).Close()
	clConnect(t, s).Close()
	clWaitFor(t, clusterWait, "closed lines", func() bool {
		return l.count(`"A/nkey:`+pub+`" - Client connection closed`) == 1 && l.count(`"A/user:a" - Client connection closed`) == 1
	})
}
