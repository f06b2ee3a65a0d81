package server

import (
	"bufio"
	"encoding/json"
	"errors"
	"io"
	"net"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/nats-io/nats.go"

	"github.com/natsd/natsd/monitor"
)

const accTwoAccounts = `
accounts {
  A: { users: [ { user: a, password: a }, { user: a2, password: a2 } ] }
  B: { users: [ { user: b, password: b } ] }
}
authorization { users: [ { user: g, password: g } ] }
`

// accOpts reads a configuration text (with a random client port) into
// Options; extra is prepended.
func accOpts(t testing.TB, text string) *Options {
	t.Helper()
	path := filepath.Join(t.TempDir(), "natsd.conf")
	if err := os.WriteFile(path, []byte("listen: 127.0.0.1:-1\n"+text), 0o600); err != nil {
		t.Fatal(err)
	}
	o, err := ProcessConfigFile(path)
	if err != nil {
		t.Fatal(err)
	}
	o.NoLog = os.Getenv("NATSD_TEST_LOG") == ""
	return o
}

func accConnect(t testing.TB, s *Server, user string, opts ...nats.Option) *nats.Conn {
	t.Helper()
	return clConnect(t, s, append([]nats.Option{nats.UserInfo(user, user)}, opts...)...)
}

// expectNone fails if sub gets a message within a short while (after a
// flush round trip on nc has made sure anything sent before arrived).
func expectNone(t *testing.T, sub *nats.Subscription) {
	t.Helper()
	if m, err := sub.NextMsg(100 * time.Millisecond); err == nil {
		t.Fatalf("unexpected message on %q: %q", m.Subject, m.Data)
	}
}

// TestAccountIsolation: subjects, queue groups, request/reply and
// no-responders are per account.
func TestAccountIsolation(t *testing.T) {
	s := clStart(t, accOpts(t, accTwoAccounts))
	a, a2, b, g := accConnect(t, s, "a"), accConnect(t, s, "a2"), accConnect(t, s, "b"), accConnect(t, s, "g")

	sa, _ := a.SubscribeSync("foo")
	sb, _ := b.SubscribeSync("foo")
	sg, _ := g.SubscribeSync("foo")
	qa, _ := a.QueueSubscribeSync("work", "q")
	qb, _ := b.QueueSubscribeSync("work", "q")
	for _, nc := range []*nats.Conn{a, b, g} {
		nc.Flush()
	}
	a2.Publish("foo", []byte("from A"))
	a2.Publish("work", []byte("job A"))
	a2.Flush()
	if m, err := sa.NextMsg(10 * time.Second); err != nil || string(m.Data) != "from A" {
		t.Fatalf("A subscriber: %v %v", m, err)
	}
	if m, err := qa.NextMsg(10 * time.Second); err != nil || string(m.Data) != "job A" {
		t.Fatalf("A queue member: %v %v", m, err)
	}
	expectNone(t, sb)
	expectNone(t, qb)
	expectNone(t, sg)

	// Request/reply in B does not see A's responder; no responders is
	// answered within the account.
	a.Subscribe("svc", func(m *nats.Msg) { m.Respond([]byte("A")) })
	a.Flush()
	if _, err := b.Request("svc", nil, 10*time.Second); !errors.Is(err, nats.ErrNoResponders) {
		t.Fatalf("B request to A's service: %v, want no responders", err)
	}
	if m, err := a2.Request("svc", nil, 10*time.Second); err != nil || string(m.Data) != "A" {
		t.Fatalf("A request: %v %v", m, err)
	}

	// Monitoring shows each connection's account and filters by it.
	cz, err := s.Connz(&monitor.ConnzOptions{Account: "A", Username: true})
	if err != nil {
		t.Fatal(err)
	}
	if cz.Total != 2 {
		t.Fatalf("connz acc=A total %d, want 2", cz.Total)
	}
	for _, ci := range cz.Conns {
		if ci.Account != "A" || ci.NameTag != "A" {
			t.Fatalf("connz account %q name_tag %q", ci.Account, ci.NameTag)
		}
	}
	cz, _ = s.Connz(&monitor.ConnzOptions{Account: "$G", Username: true})
	if cz.Total != 1 || cz.Conns[0].Account != "" || cz.Conns[0].NameTag != "$G" {
		t.Fatalf("connz acc=$G: %+v", cz)
	}
	sz, err := s.Subsz(&monitor.SubszOptions{Account: "B", Subscriptions: true})
	if err != nil {
		t.Fatal(err)
	}
	if sz.Total != 3 { // foo, work and the requester's inbox
		t.Fatalf("subsz acc=B: total %d %+v", sz.Total, sz.Subs)
	}
	for _, d := range sz.Subs {
		if d.Account != "B" || d.AccountTag != "B" {
			t.Fatalf("subsz acc=B lists %+v", d)
		}
	}
}

// TestAccountNoAuthUserAndSystem: no_auth_user may name a user of any
// account; the system account exists ($SYS unless named).
func TestAccountNoAuthUserAndSystem(t *testing.T) {
	s := clStart(t, accOpts(t, accTwoAccounts+"no_auth_user: b\n"))
	anon := clConnect(t, s)
	b := accConnect(t, s, "b")
	sub, _ := b.SubscribeSync("x")
	b.Flush()
	anon.Publish("x", []byte("hi"))
	if _, err := sub.NextMsg(10 * time.Second); err != nil {
		t.Fatalf("anonymous client not in B: %v", err)
	}
	if s.SystemAccount() != "$SYS" || s.lookupAccount("$SYS") == nil {
		t.Fatalf("system account %q", s.SystemAccount())
	}
	s2 := clStart(t, accOpts(t, "accounts { SYS: { users: [{user: sys, password: sys}] } }\nsystem_account: SYS\n"))
	if s2.SystemAccount() != "SYS" {
		t.Fatalf("system account %q, want SYS", s2.SystemAccount())
	}
}

// TestAccountNoAccountsStaysGlobal: without an accounts block every
// client is in $G as before.
func TestAccountNoAccountsStaysGlobal(t *testing.T) {
	s := clStart(t, clOpts("x"))
	nc := clConnect(t, s)
	nc.Flush()
	cz, _ := s.Connz(&monitor.ConnzOptions{Username: true})
	if cz.Total != 1 || cz.Conns[0].NameTag != "$G" || cz.Conns[0].Account != "" {
		t.Fatalf("%+v", cz.Conns)
	}
	// The global account counts its connections like any other (the
	// dashboard's Accounts panel reads them from /accountz).
	az, err := s.Accountz(&monitor.AccountzOptions{Account: "$G"})
	if err != nil {
		t.Fatal(err)
	}
	if got := az.Account.ClientCnt; got != 1 {
		t.Fatalf("$G client connections = %d, want 1", got)
	}
	nc.Close()
	clWaitFor(t, clusterWait, "$G's count back to 0", func() bool {
		az, _ := s.Accountz(&monitor.AccountzOptions{Account: "$G"})
		return az.Account.ClientCnt == 0
	})
}

// TestAccountConfigErrors: bad accounts are refused with file:line:col and
// a sentence naming the accounts.
func TestAccountConfigErrors(t *testing.T) {
	for _, c := range []struct{ name, text, want string }{
		{"user in two accounts", "accounts {\n A: { users: [ {user: u, password: x} ] }\n B: { users: [ {user: u, password: y} ] }\n}\n",
			`natsd.conf:4:16: user "u" is in account "A" and in account "B": a user belongs to one account`},
		{"import not exported", "accounts {\n A: {}\n B: { imports: [ {stream: {account: A, subject: x}} ] }\n}\n",
			`natsd.conf:4:18: account "B" imports stream "x" from account "A", which does not export it`},
		{"unknown account", "accounts {\n B: { imports: [ {service: {account: Z, subject: x}} ] }\n}\n",
			`account "B" imports service "x" from account "Z", which is not defined`},
		{"private", "accounts {\n A: { exports: [ {stream: x, accounts: [C]} ] }\n B: { imports: [ {stream: {account: A, subject: x}} ] }\n C: {}\n}\n",
			`is private to C and does not list "B"`},
		{"cycle", "accounts {\n A: { exports: [{stream: a}], imports: [ {stream: {account: B, subject: b}, to: a} ] }\n B: { exports: [{stream: b}], imports: [ {stream: {account: A, subject: a}, to: b} ] }\n}\n",
			`imports form a cycle`},
		{"unknown key", "accounts {\n A: { user: [] }\n}\n", `unknown field "user" in account "A" (did you mean "users"?)`},
		{"bad mapping", "accounts {\n A: { mappings: { \"a.*\": \"b.$2\" } }\n}\n", `natsd.conf:3:19: account "A": mapping "a.*": invalid mapping destination: wildcard index out of range in $2: [2]`},
		{"bad weight", "mappings: { a: [ {destination: b, weight: 120%} ] }\n", `weight 120 is not between 0 and 100`},
		{"total weight", "mappings: { a: [ {destination: b, weight: 60}, {destination: c, weight: 60} ] }\n", `mapping "a": total weight needs to be <= 100`},
		{"unknown system account", "system_account: NOPE\n", `system_account "NOPE" is not defined`},
	} {
		t.Run(c.name, func(t *testing.T) {
			path := filepath.Join(t.TempDir(), "natsd.conf")
			os.WriteFile(path, []byte("listen: 127.0.0.1:-1\n"+c.text), 0o600)
			o, err := ProcessConfigFile(path)
			if err == nil {
				_, err = New(o)
			}
			if err == nil || !strings.Contains(err.Error(), c.want) {
				t.Fatalf("error %v, want %q", err, c.want)
			}
		})
	}
}

// TestAccountCluster: isolation and queue groups hold across routes.
func TestAccountCluster(t *testing.T) {
	text := accTwoAccounts
	servers := clStartCluster(t, 3, func(i int, o *Options) {
		f := accOpts(t, text)
		o.Accounts, o.Users = f.Accounts, f.Users
	})
	a1, b1 := accConnect(t, servers[0], "a"), accConnect(t, servers[0], "b")
	sa, _ := a1.SubscribeSync("foo")
	sb, _ := b1.SubscribeSync("foo")
	qa := newCounter()
	var qconns []*nats.Conn
	for _, s := range servers[1:] {
		nc := accConnect(t, s, "a")
		nc.QueueSubscribe("work", "q", qa.handler)
		nc.Flush()
		qconns = append(qconns, nc)
	}
	qb, _ := b1.QueueSubscribeSync("work", "q")
	a1.Flush()
	b1.Flush()
	clWaitFor(t, clusterWait, "interest on n3", func() bool {
		return servers[2].NumRemoteSubscriptions() >= 4
	})
	pub := accConnect(t, servers[2], "a2")
	pub.Publish("foo", []byte("x"))
	for i := 0; i < 50; i++ {
		pub.Publish("work", []byte{byte(i)})
	}
	pub.Flush()
	if _, err := sa.NextMsg(10 * time.Second); err != nil {
		t.Fatalf("A subscriber across routes: %v", err)
	}
	clWaitFor(t, clusterWait, "queue deliveries", func() bool { return qa.total() == 50 })
	expectNone(t, sb)
	expectNone(t, qb)
	if d := qa.dups(); len(d) > 0 {
		t.Fatalf("duplicates: %v", d)
	}
	// Requests cross routes in their account only.
	a1.Subscribe("svc", func(m *nats.Msg) { m.Respond([]byte("A")) })
	a1.Flush()
	clWaitFor(t, clusterWait, "svc interest", func() bool {
		_, err := pub.Request("svc", nil, time.Second)
		return err == nil
	})
	pb := accConnect(t, servers[2], "b")
	if _, err := pb.Request("svc", nil, time.Second); !errors.Is(err, nats.ErrNoResponders) && !errors.Is(err, nats.ErrTimeout) {
		t.Fatalf("B reached A's service: %v", err)
	}
}

// TestAccountReload: a client whose user moved to another account, or
// whose account is gone, is disconnected; the others stay.
func TestAccountReload(t *testing.T) {
	path := filepath.Join(t.TempDir(), "natsd.conf")
	write := func(text string) {
		if err := os.WriteFile(path, []byte("listen: 127.0.0.1:-1\n"+text), 0o600); err != nil {
			t.Fatal(err)
		}
	}
	write(accTwoAccounts)
	o, err := ProcessConfigFile(path)
	if err != nil {
		t.Fatal(err)
	}
	o.NoLog = true
	s := clStart(t, o)
	closed := func(nc *nats.Conn) func() bool { return func() bool { return nc.IsClosed() } }
	a := accConnect(t, s, "a", nats.NoReconnect())
	a2 := accConnect(t, s, "a2", nats.NoReconnect())
	b := accConnect(t, s, "b", nats.NoReconnect())
	// a moves to B; a2 stays in A.
	write(`accounts {
  A: { users: [ { user: a2, password: a2 } ] }
  B: { users: [ { user: b, password: b }, { user: a, password: a } ] }
}`)
	if err := s.Reload(); err != nil {
		t.Fatal(err)
	}
	clWaitFor(t, clusterWait, "a disconnected", closed(a))
	if a2.IsClosed() || b.IsClosed() {
		t.Fatal("unchanged clients disconnected")
	}
	// Account A removed with its user: a2 goes.
	write(`accounts {
  B: { users: [ { user: b, password: b } ] }
  C: { users: [ { user: a2, password: a2 } ] }
}`)
	if err := s.Reload(); err != nil {
		t.Fatal(err)
	}
	clWaitFor(t, clusterWait, "a2 disconnected", closed(a2))
	if b.IsClosed() {
		t.Fatal("b disconnected")
	}
	// A bad file is refused and changes nothing.
	write("accounts { B: { imports: [ {stream: {account: Q, subject: x}} ] } }")
	if err := s.Reload(); err == nil || !strings.Contains(err.Error(), `account "B" imports stream "x" from account "Q", which is not defined`) {
		t.Fatalf("reload error %v", err)
	}
	if b.IsClosed() {
		t.Fatal("b disconnected by a refused reload")
	}
}

// TestInternalClient: a connection-less subscriber and publisher inside
// an account.
func TestInternalClient(t *testing.T) {
	s := clStart(t, accOpts(t, accTwoAccounts))
	ic := s.newInternalClient(s.lookupAccount("A"))
	got := make(chan string, 4)
	sub, err := ic.subscribe("int.>", "", func(_ *client, _ *subscription, subject, _ []byte, _ int, msg []byte) bool {
		got <- string(subject) + ":" + string(msg)
		return true
	})
	if err != nil {
		t.Fatal(err)
	}
	a, b := accConnect(t, s, "a"), accConnect(t, s, "b")
	b.Publish("int.x", []byte("no"))
	a.Publish("int.x", []byte("yes"))
	a.Flush()
	b.Flush()
	select {
	case m := <-got:
		if m != "int.x:yes" {
			t.Fatalf("got %q", m)
		}
	case <-time.After(10 * time.Second):
		t.Fatal("internal subscriber got nothing")
	}
	// And it publishes into its account.
	sa, _ := a.SubscribeSync("out")
	a.Flush()
	if !ic.publish([]byte("out"), nil, 0, []byte("hello")) {
		t.Fatal("publish reached nobody")
	}
	if m, err := sa.NextMsg(10 * time.Second); err != nil || string(m.Data) != "hello" {
		t.Fatalf("%v %v", m, err)
	}
	ic.unsubscribe(sub)
	ic.close()
	if n := s.lookupAccount("A").sl.Count(); n != 1 {
		t.Fatalf("A has %d subscriptions, want 1 (a's)", n)
	}
	select {
	case m := <-got:
		t.Fatalf("extra message %q", m)
	default:
	}
}

const accImports = `
accounts {
  A: {
    users: [ { user: a, password: a } ]
    exports: [
      { stream: "pub.>" }
      { stream: "priv.*", accounts: [B] }
      { service: "svc.>" }
      { service: "slow", response_threshold: "200ms" }
      { service: "many", response_type: stream, response_threshold: "200ms" }
    ]
  }
  B: {
    users: [ { user: b, password: b } ]
    imports: [
      { stream: { account: A, subject: "pub.>" }, prefix: "fromA" }
      { stream: { account: A, subject: "priv.x" }, to: "px" }
      { service: { account: A, subject: "svc.echo" } }
      { service: { account: A, subject: "svc.*" }, to: "q.*" }
      { service: { account: A, subject: "slow" } }
      { service: { account: A, subject: "many" } }
    ]
  }
  C: { users: [ { user: c, password: c } ] }
}
`

// TestAccountStreamImport: public and private stream exports, prefix and
// to; other accounts see nothing.
func TestAccountStreamImport(t *testing.T) {
	s := clStart(t, accOpts(t, accImports))
	a, b, c := accConnect(t, s, "a"), accConnect(t, s, "b"), accConnect(t, s, "c")
	sb, _ := b.SubscribeSync("fromA.pub.>")
	sp, _ := b.SubscribeSync("px")
	sc, _ := c.SubscribeSync(">")
	b.Flush()
	c.Flush()
	a.Publish("pub.1", []byte("one"))
	a.Publish("priv.x", []byte("two"))
	a.Publish("priv.y", []byte("not imported"))
	a.Flush()
	if m, err := sb.NextMsg(10 * time.Second); err != nil || m.Subject != "fromA.pub.1" || string(m.Data) != "one" {
		t.Fatalf("prefixed import: %v %v", m, err)
	}
	if m, err := sp.NextMsg(10 * time.Second); err != nil || m.Subject != "px" || string(m.Data) != "two" {
		t.Fatalf("to import: %v %v", m, err)
	}
	expectNone(t, sp)
	expectNone(t, sc)
	// Publishing in B on the imported subject does not flow back to A.
	sa, _ := a.SubscribeSync(">")
	a.Flush()
	b.Publish("fromA.pub.1", []byte("back"))
	b.Flush()
	expectNone(t, sa)
}

// TestAccountServiceImport: requests reach the exporter with a reply
// subject the server made up; responses come back; mappings are cleaned
// up after the response and after the threshold.
func TestAccountServiceImport(t *testing.T) {
	s := clStart(t, accOpts(t, accImports))
	a, b := accConnect(t, s, "a"), accConnect(t, s, "b")
	var seenReply string
	a.Subscribe("svc.>", func(m *nats.Msg) {
		seenReply = m.Reply
		m.Respond(append([]byte(m.Subject+":"), m.Data...))
	})
	a.Subscribe("slow", func(m *nats.Msg) {}) // never answers
	a.Subscribe("many", func(m *nats.Msg) {
		m.Respond([]byte("1"))
		m.Respond([]byte("2"))
	})
	a.Flush()
	m, err := b.Request("svc.echo", []byte("hi"), 2*time.Second)
	if err != nil || string(m.Data) != "svc.echo:hi" {
		t.Fatalf("import: %v %v", m, err)
	}
	if !strings.HasPrefix(seenReply, "_R_.") || strings.Contains(seenReply, "INBOX") {
		t.Fatalf("responder saw reply %q", seenReply)
	}
	if m, err = b.Request("q.x", []byte("hi"), 2*time.Second); err != nil || string(m.Data) != "svc.x:hi" {
		t.Fatalf("import with to: %v %v", m, err)
	}
	// C has no import; B's unimported subjects get no responders.
	if _, err := b.Request("svc.x", nil, 10*time.Second); !errors.Is(err, nats.ErrNoResponders) {
		t.Fatalf("unimported subject: %v", err)
	}
	rt := s.lookupAccount("A").replies(s)
	for i := 0; i < 500; i++ {
		if _, err := b.Request("svc.echo", []byte("x"), 2*time.Second); err != nil {
			t.Fatal(err)
		}
	}
	if n := rt.size(); n != 0 {
		t.Fatalf("%d reply mappings left after answered requests", n)
	}
	// Unanswered: swept after the threshold.
	for i := 0; i < 20; i++ {
		b.PublishRequest("slow", "nobody.listens", nil)
	}
	b.Flush()
	clWaitFor(t, clusterWait, "unanswered mappings", func() bool { return rt.size() == 20 })
	clWaitFor(t, clusterWait, "mappings swept", func() bool { return rt.size() == 0 })
	// A stream response delivers every reply.
	inbox := nats.NewInbox()
	sub, _ := b.SubscribeSync(inbox)
	b.PublishRequest("many", inbox, nil)
	for i := 0; i < 2; i++ {
		if _, err := sub.NextMsg(10 * time.Second); err != nil {
			t.Fatalf("stream response %d: %v", i, err)
		}
	}
	// No responder in A: the requester in B hears no responders and no
	// mapping is left.
	a.Close()
	// Left in A: the two stream imports' and the reply subscription.
	clWaitFor(t, clusterWait, "A's subs gone", func() bool { return s.lookupAccount("A").sl.Count() == 3 })
	if _, err := b.Request("svc.echo", nil, 10*time.Second); !errors.Is(err, nats.ErrNoResponders) {
		t.Fatalf("no responders through an import: %v", err)
	}
	clWaitFor(t, clusterWait, "mappings empty", func() bool { return rt.size() == 0 })
}

// TestAccountLimits: max_connections, max_subscriptions and max_payload of
// an account, with nats-server's errors (checked against v2.15.2).
func TestAccountLimits(t *testing.T) {
	s := clStart(t, accOpts(t, `accounts {
  L: { users: [ {user: l, password: l} ], limits: { max_connections: 1, max_subscriptions: 2, max_payload: 10 } }
  F: { users: [ {user: f, password: f} ] }
}`))
	l := accConnect(t, s, "l")
	if _, err := nats.Connect(s.ClientURL(), nats.UserInfo("l", "l"), nats.NoReconnect()); err == nil || !strings.Contains(err.Error(), "maximum account active connections exceeded") {
		t.Fatalf("second connection of L: %v", err)
	}
	// Other accounts are not limited.
	accConnect(t, s, "f")
	accConnect(t, s, "f")

	errs := make(chan error, 4)
	l.SetErrorHandler(func(_ *nats.Conn, _ *nats.Subscription, err error) { errs <- err })
	l.SubscribeSync("a")
	l.SubscribeSync("b")
	l.SubscribeSync("c")
	l.Flush()
	select {
	case err := <-errs:
		if !strings.Contains(err.Error(), "maximum subscriptions exceeded") {
			t.Fatalf("third subscription: %v", err)
		}
	case <-time.After(10 * time.Second):
		t.Fatal("no error for the third subscription")
	}
	if l.MaxPayload() != 10 {
		t.Fatalf("client sees max_payload %d, want the account's 10", l.MaxPayload())
	}
	l.Close()
	// The server frees L's only connection slot once it has seen the close.
	clWaitFor(t, clusterWait, "L's connection gone", func() bool { return s.lookupAccount("L").connCount(s) == 0 })

	// Raw: a payload over the account's limit closes the connection.
	conn, br := rawConnect(t, s, `{"user":"l","pass":"l","verbose":false}`)
	conn.Write([]byte("PUB x 11\r\n01234567890\r\n"))
	if line, _ := br.ReadString('\n'); line != "-ERR 'Maximum Payload Violation'\r\n" {
		t.Fatalf("got %q", line)
	}
}

// rawConnect opens a plain TCP client, reads the INFO and sends CONNECT
// (then PING, whose PONG it consumes).
func rawConnect(t *testing.T, s *Server, connect string) (net.Conn, *bufio.Reader) {
	t.Helper()
	conn, err := net.Dial("tcp", s.Addr().String())
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { conn.Close() })
	conn.SetDeadline(time.Now().Add(5 * time.Second))
	br := bufio.NewReader(conn)
	if _, err := br.ReadString('\n'); err != nil {
		t.Fatal(err)
	}
	conn.Write([]byte("CONNECT " + connect + "\r\nPING\r\n"))
	if line, err := br.ReadString('\n'); err != nil || line != "PONG\r\n" {
		t.Fatalf("after CONNECT: %q %v", line, err)
	}
	return conn, br
}

// TestAccountLimitsReload: lowered limits apply to connected clients.
func TestAccountLimitsReload(t *testing.T) {
	path := filepath.Join(t.TempDir(), "natsd.conf")
	write := func(limits string) {
		text := "listen: 127.0.0.1:-1\naccounts { L: { users: [ {user: l, password: l}, {user: m, password: m} ], limits: {" + limits + "} } }\n"
		if err := os.WriteFile(path, []byte(text), 0o600); err != nil {
			t.Fatal(err)
		}
	}
	write("max_connections: 5")
	o, err := ProcessConfigFile(path)
	if err != nil {
		t.Fatal(err)
	}
	o.NoLog = true
	s := clStart(t, o)
	var conns []*nats.Conn
	for i := 0; i < 3; i++ {
		conns = append(conns, accConnect(t, s, "l", nats.NoReconnect()))
	}
	m := accConnect(t, s, "m", nats.NoReconnect())
	for i := 0; i < 3; i++ {
		m.SubscribeSync("s")
	}
	m.Flush()
	write("max_connections: 3, max_subscriptions: 2")
	if err := s.Reload(); err != nil {
		t.Fatal(err)
	}
	// m is over max_subscriptions: closed. Of l's three, the newest is
	// over max_connections (m counted as the fourth).
	clWaitFor(t, clusterWait, "m closed", func() bool { return m.IsClosed() })
	clWaitFor(t, clusterWait, "one l closed", func() bool {
		n := 0
		for _, nc := range conns {
			if nc.IsClosed() {
				n++
			}
		}
		return n <= 1 && s.lookupAccount("L").connCount(s) <= 3
	})
}

// accCluster starts n nodes with the accounts of text.
func accCluster(t *testing.T, n int, text string) []*Server {
	t.Helper()
	return clStartCluster(t, n, func(i int, o *Options) {
		f := accOpts(t, text)
		o.Accounts, o.Users, o.Mappings = f.Accounts, f.Users, f.Mappings
	})
}

// TestAccountClusterImports: stream and service imports across routes,
// each message delivered once.
func TestAccountClusterImports(t *testing.T) {
	servers := accCluster(t, 3, accImports)
	// Importer's subscriber on n1, exporter's publisher on n2.
	b1 := accConnect(t, servers[0], "b")
	got := newCounter()
	b1.Subscribe("fromA.pub.>", got.handler)
	b1.Flush()
	a2 := accConnect(t, servers[1], "a")
	// B's queue group, with members on n1 and n3, is served once.
	group := newCounter()
	for _, s := range []*Server{servers[0], servers[2], servers[2]} {
		nc := accConnect(t, s, "b")
		nc.QueueSubscribe("fromA.pub.>", "g", group.handler)
		nc.Flush()
	}
	// The import happens on n2, where A publishes: it needs B's interest
	// there, not A's anywhere.
	clWaitFor(t, clusterWait, "B's interest on n2", func() bool {
		r := servers[1].lookupAccount("B").sl.Match([]byte("fromA.pub.x"))
		return len(r.Plain) == 1 && len(r.Queues) == 1 && len(r.Queues[0].Members) == 2
	})
	for i := 0; i < 20; i++ {
		a2.Publish("pub.x", []byte{byte('a' + i)})
	}
	a2.Flush()
	clWaitFor(t, clusterWait, "stream import deliveries", func() bool { return got.total() == 20 && group.total() == 20 })
	if d := append(got.dups(), group.dups()...); len(d) > 0 {
		t.Fatalf("duplicates: %v", d)
	}
	// A publisher of A on n1, where a plain subscriber of A also is: the
	// message crosses to n1 in A for it, and is not imported a second time
	// there.
	a1 := accConnect(t, servers[0], "a")
	sa, _ := a1.SubscribeSync("pub.>")
	a1.Flush()
	clWaitFor(t, clusterWait, "A's interest on n2", func() bool {
		for _, sub := range servers[1].lookupAccount("A").sl.Match([]byte("pub.y")).Plain {
			if sub.client.kind == kindRoute {
				return true
			}
		}
		return false
	})
	a2.Publish("pub.y", []byte("once"))
	a2.Flush()
	if _, err := sa.NextMsg(10 * time.Second); err != nil {
		t.Fatal(err)
	}
	clWaitFor(t, clusterWait, "one more import", func() bool { return got.total() == 21 && group.total() == 21 })
	// Service: requester in B on n1, responder in A on n3.
	a3 := accConnect(t, servers[2], "a")
	a3.Subscribe("svc.>", func(m *nats.Msg) { m.Respond([]byte("from n3")) })
	a3.Flush()
	clWaitFor(t, clusterWait, "service through routes", func() bool {
		m, err := b1.Request("svc.echo", nil, time.Second)
		return err == nil && string(m.Data) == "from n3"
	})
	rt := servers[0].lookupAccount("A").replies(servers[0])
	for i := 0; i < 100; i++ {
		if _, err := b1.Request("svc.echo", nil, 10*time.Second); err != nil {
			t.Fatal(err)
		}
	}
	if n := rt.size(); n != 0 {
		t.Fatalf("%d reply mappings left on n1", n)
	}
	time.Sleep(100 * time.Millisecond)
	if got.total() != 21 || group.total() != 21 || len(got.dups()) > 0 || len(group.dups()) > 0 {
		t.Fatalf("stream subscriber got %d (dups %v), group %d", got.total(), got.dups(), group.total())
	}
}

// TestAccountRouteReconnect: a route that reconnects gets the interest of
// every account again.
func TestAccountRouteReconnect(t *testing.T) {
	servers := accCluster(t, 2, accTwoAccounts)
	a2, b2 := accConnect(t, servers[1], "a"), accConnect(t, servers[1], "b")
	sa, _ := a2.SubscribeSync("x")
	sb, _ := b2.SubscribeSync("y")
	a2.Flush()
	b2.Flush()
	clWaitFor(t, clusterWait, "interest", func() bool { return servers[0].NumRemoteSubscriptions() == 2 })
	r := servers[0].routeTo(servers[1].ID())
	r.closeConnection(ReadError, false)
	clWaitFor(t, clusterWait, "route back", func() bool {
		nr := servers[0].routeTo(servers[1].ID())
		return nr != nil && nr != r && servers[0].NumRemoteSubscriptions() == 2
	})
	a1, b1 := accConnect(t, servers[0], "a2"), accConnect(t, servers[0], "b")
	a1.Publish("x", []byte("to A"))
	a1.Publish("y", []byte("A's y"))
	b1.Publish("y", []byte("to B"))
	a1.Flush()
	b1.Flush()
	if m, err := sa.NextMsg(10 * time.Second); err != nil || string(m.Data) != "to A" {
		t.Fatalf("A after reconnect: %v %v", m, err)
	}
	if m, err := sb.NextMsg(10 * time.Second); err != nil || string(m.Data) != "to B" {
		t.Fatalf("B after reconnect: %v %v", m, err)
	}
	expectNone(t, sb)
}

// TestAccountReloadImports: imports and exports added and removed live;
// connected clients stay.
func TestAccountReloadImports(t *testing.T) {
	path := filepath.Join(t.TempDir(), "natsd.conf")
	write := func(imports string) {
		text := "listen: 127.0.0.1:-1\naccounts {\n A: { users: [{user: a, password: a}], exports: [{service: svc}, {stream: ev}] }\n B: { users: [{user: b, password: b}], imports: [" + imports + "] }\n}\n"
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
	a, b := accConnect(t, s, "a", nats.NoReconnect()), accConnect(t, s, "b", nats.NoReconnect())
	a.Subscribe("svc", func(m *nats.Msg) { m.Respond([]byte("ok")) })
	a.Flush()
	ev, _ := b.SubscribeSync("ev")
	b.Flush()
	if _, err := b.Request("svc", nil, 10*time.Second); !errors.Is(err, nats.ErrNoResponders) {
		t.Fatalf("before the import: %v", err)
	}
	write("{service: {account: A, subject: svc}}, {stream: {account: A, subject: ev}}")
	if err := s.Reload(); err != nil {
		t.Fatal(err)
	}
	if m, err := b.Request("svc", nil, 10*time.Second); err != nil || string(m.Data) != "ok" {
		t.Fatalf("after adding the import: %v %v", m, err)
	}
	a.Publish("ev", []byte("1"))
	a.Flush()
	if _, err := ev.NextMsg(10 * time.Second); err != nil {
		t.Fatalf("stream import added by reload: %v", err)
	}
	write("")
	if err := s.Reload(); err != nil {
		t.Fatal(err)
	}
	if _, err := b.Request("svc", nil, 10*time.Second); !errors.Is(err, nats.ErrNoResponders) {
		t.Fatalf("after removing the import: %v", err)
	}
	a.Publish("ev", []byte("2"))
	a.Flush()
	expectNone(t, ev)
	if a.IsClosed() || b.IsClosed() {
		t.Fatal("clients disconnected by import changes")
	}
	// Both accounts removed: their clients go, and nothing of theirs is
	// left in their indexes (imports, reply table).
	write("{service: {account: A, subject: svc}}")
	if err := s.Reload(); err != nil {
		t.Fatal(err)
	}
	b.Request("svc", nil, 10*time.Second) // makes A's reply table
	accA, accB := s.lookupAccount("A"), s.lookupAccount("B")
	if err := os.WriteFile(path, []byte("listen: 127.0.0.1:-1\naccounts { C: {} }\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	if err := s.Reload(); err != nil {
		t.Fatal(err)
	}
	clWaitFor(t, clusterWait, "clients of removed accounts closed", func() bool { return a.IsClosed() && b.IsClosed() })
	clWaitFor(t, clusterWait, "removed accounts empty", func() bool { return accA.sl.Count() == 0 && accB.sl.Count() == 0 })
}

// TestAccountz: /accountz lists the accounts and details one, in
// nats-server's layout; an unknown account is a 400.
func TestAccountz(t *testing.T) {
	o := accOpts(t, accImports)
	o.HTTPHost, o.HTTPPort = "127.0.0.1", RandomPort
	s := clStart(t, o)
	accConnect(t, s, "b")
	base := "http://" + s.MonitorAddr().String() + "/accountz"
	get := func(q string) (int, string) {
		res, err := http.Get(base + q)
		if err != nil {
			t.Fatal(err)
		}
		defer res.Body.Close()
		b, _ := io.ReadAll(res.Body)
		return res.StatusCode, string(b)
	}
	var list monitor.Accountz
	code, body := get("")
	if code != 200 || json.Unmarshal([]byte(body), &list) != nil || list.SystemAccount != "$SYS" ||
		strings.Join(list.Accounts, ",") != "$G,$SYS,A,B,C" {
		t.Fatalf("list: %d %s", code, body)
	}
	code, body = get("?acc=B")
	var detail monitor.Accountz
	if code != 200 || json.Unmarshal([]byte(body), &detail) != nil || detail.Account == nil {
		t.Fatalf("detail: %d %s", code, body)
	}
	d := detail.Account
	if d.AccountName != "B" || d.ClientCnt != 1 || len(d.Imports) != 6 || d.Imports[0].LocalSubject != "fromA.pub.>" ||
		d.Imports[3].To != "q.*" || d.Imports[3].Type != "service" || d.NameTag != "B" || d.Sublist == nil {
		t.Fatalf("detail of B: %s", body)
	}
	code, body = get("?acc=A")
	if code != 200 || !strings.Contains(body, `"response_type": "Singleton"`) || !strings.Contains(body, `"approved_accounts": [`) {
		t.Fatalf("detail of A: %s", body)
	}
	if code, body = get("?acc=nope"); code != 400 || body != "Account nope does not exist" {
		t.Fatalf("unknown account: %d %q", code, body)
	}
}

// TestAccountSecondConnect: a client cannot change accounts with another
// CONNECT.
func TestAccountSecondConnect(t *testing.T) {
	s := clStart(t, accOpts(t, accTwoAccounts))
	conn, br := rawConnect(t, s, `{"user":"a","pass":"a","verbose":false}`)
	conn.Write([]byte("CONNECT {\"user\":\"a2\",\"pass\":\"a2\",\"verbose\":false}\r\nPING\r\n"))
	if line, _ := br.ReadString('\n'); line != "PONG\r\n" {
		t.Fatalf("CONNECT as another user of the same account: %q", line)
	}
	conn.Write([]byte("CONNECT {\"user\":\"b\",\"pass\":\"b\",\"verbose\":false}\r\nPING\r\n"))
	if line, _ := br.ReadString('\n'); line != "-ERR 'Authorization Violation'\r\n" {
		t.Fatalf("CONNECT into another account: %q", line)
	}
	clWaitFor(t, clusterWait, "A's count back to 0", func() bool { return s.lookupAccount("A").connCount(s) == 0 })
}

// TestAccountMappings: subject mappings at the top level ($G) and per
// account, weighted destinations, applied once in a cluster, reloaded.
func TestAccountMappings(t *testing.T) {
	text := `
mappings { "old": "new" }
accounts {
  A: {
    users: [ { user: a, password: a } ]
    mappings {
      "orders.*.*": "shard.{{partition(4,1)}}.$2.$1"
      "canary": [ { destination: "v1", weight: 50% }, { destination: "v2", weight: 50% } ]
    }
  }
}
authorization { users: [ { user: g, password: g } ] }
`
	servers := accCluster(t, 2, text)
	g1, g2 := accConnect(t, servers[0], "g"), accConnect(t, servers[1], "g")
	sNew, _ := g2.SubscribeSync("new")
	sOld, _ := g2.SubscribeSync("old")
	g2.Flush()
	clWaitFor(t, clusterWait, "interest", func() bool { return servers[0].NumRemoteSubscriptions() >= 2 })
	g1.Publish("old", []byte("x"))
	g1.Flush()
	if m, err := sNew.NextMsg(10 * time.Second); err != nil || m.Subject != "new" {
		t.Fatalf("top-level mapping across a route: %v %v", m, err)
	}
	expectNone(t, sOld)

	a := accConnect(t, servers[0], "a")
	shard, _ := a.SubscribeSync("shard.>")
	v1, _ := a.SubscribeSync("v1")
	v2, _ := a.SubscribeSync("v2")
	a.Flush()
	a.Publish("orders.eu.1234", nil)
	a.Flush()
	if m, err := shard.NextMsg(10 * time.Second); err != nil || m.Subject != "shard.3.1234.eu" {
		t.Fatalf("partition mapping: %v %v", m, err)
	}
	for i := 0; i < 200; i++ {
		a.Publish("canary", nil)
	}
	a.Flush()
	n1, _, _ := v1.Pending()
	n2, _, _ := v2.Pending()
	clWaitFor(t, clusterWait, "canary split", func() bool {
		n1, _, _ = v1.Pending()
		n2, _, _ = v2.Pending()
		return n1+n2 == 200
	})
	if n1 < 50 || n2 < 50 {
		t.Fatalf("weighted split %d/%d", n1, n2)
	}
	// $G's mapping does not apply in A.
	sOldA, _ := a.SubscribeSync("old")
	a.Flush()
	a.Publish("old", []byte("in A"))
	a.Flush()
	if _, err := sOldA.NextMsg(10 * time.Second); err != nil {
		t.Fatalf("A's own subject old: %v", err)
	}
}

// TestMappingsReload: a mapping added by reload applies at once.
func TestMappingsReload(t *testing.T) {
	path := filepath.Join(t.TempDir(), "natsd.conf")
	os.WriteFile(path, []byte("listen: 127.0.0.1:-1\n"), 0o600)
	o, err := ProcessConfigFile(path)
	if err != nil {
		t.Fatal(err)
	}
	o.NoLog = true
	s := clStart(t, o)
	nc := clConnect(t, s)
	sub, _ := nc.SubscribeSync("to")
	nc.Flush()
	os.WriteFile(path, []byte("listen: 127.0.0.1:-1\nmappings { from: to }\n"), 0o600)
	if err := s.Reload(); err != nil {
		t.Fatal(err)
	}
	nc.Publish("from", nil)
	nc.Flush()
	if _, err := sub.NextMsg(10 * time.Second); err != nil {
		t.Fatalf("mapping added by reload: %v", err)
	}
}
