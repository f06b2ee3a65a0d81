package server

import (
	"fmt"
	"net"
	"net/url"
	"os"
	"path/filepath"
	"runtime"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/nats-io/nats.go"
)

// TestLeafHubCluster: a leaf attached to one node of a hub cluster reaches
// subscribers on the other node, and their messages reach it; a queue
// group whose only members are on the far node is served once.
func TestLeafHubCluster(t *testing.T) {
	servers := clStartCluster(t, 2, func(i int, o *Options) {
		o.LeafNode = LeafNodeOpts{Host: "127.0.0.1", Port: RandomPort}
	})
	h1, h2 := servers[0], servers[1]
	lf := clStart(t, leafOpts("leaf", leafURLOf(h1)))
	waitLeafs(t, h1, 1)

	c2 := leafConnect(t, h2)
	lc := leafConnect(t, lf)

	// A subscriber on h2 is heard of on the leaf, through h1.
	sub2, _ := c2.SubscribeSync("far.>")
	q2, _ := c2.QueueSubscribeSync("qwork", "g")
	c2.Flush()
	waitInterest(t, lf, "$G", "far.x")
	waitInterest(t, lf, "$G", "qwork")
	lc.Publish("far.x", []byte("1"))
	for i := 0; i < 10; i++ {
		lc.Publish("qwork", []byte(fmt.Sprint(i)))
	}
	lc.Flush()
	if m := nextMsg(t, sub2); string(m.Data) != "1" {
		t.Fatalf("got %q", m.Data)
	}
	for i := 0; i < 10; i++ {
		nextMsg(t, q2)
	}
	noMsg(t, q2, 100*time.Millisecond)
	noMsg(t, sub2, time.Millisecond)

	// A subscriber on the leaf is heard of on h2, through h1.
	lsub, _ := lc.SubscribeSync("edge.*")
	lq, _ := lc.QueueSubscribeSync("edgeq", "g")
	lc.Flush()
	waitInterest(t, h2, "$G", "edge.a")
	waitInterest(t, h2, "$G", "edgeq")
	c2.Publish("edge.a", []byte("2"))
	for i := 0; i < 10; i++ {
		c2.Publish("edgeq", []byte(fmt.Sprint(i)))
	}
	c2.Flush()
	if m := nextMsg(t, lsub); string(m.Data) != "2" {
		t.Fatalf("got %q", m.Data)
	}
	for i := 0; i < 10; i++ {
		nextMsg(t, lq)
	}
	noMsg(t, lq, 100*time.Millisecond)
	noMsg(t, lsub, time.Millisecond)
}

// TestLeafTwoLeavesNoDuplicates: two leaves of one hub see each other's
// messages once, and the hub's clients see each message once.
func TestLeafTwoLeavesNoDuplicates(t *testing.T) {
	hub := clStart(t, hubOpts("hub"))
	l1 := clStart(t, leafOpts("l1", leafURLOf(hub)))
	l2 := clStart(t, leafOpts("l2", leafURLOf(hub)))
	waitLeafs(t, hub, 2)
	c1, c2, hc := leafConnect(t, l1), leafConnect(t, l2), leafConnect(t, hub)

	s1, _ := c1.SubscribeSync("x.>")
	s2, _ := c2.SubscribeSync("x.>")
	sh, _ := hc.SubscribeSync("x.>")
	c1.Flush()
	c2.Flush()
	hc.Flush()
	waitInterest(t, l1, "$G", "x.a")
	waitInterest(t, l2, "$G", "x.a")
	// Each server holds its own client's subscription and one for each
	// leaf connection with interest behind it.
	clWaitFor(t, leafWait, "interest everywhere", func() bool {
		return len(hub.lookupAccount("$G").sl.Match([]byte("x.a")).Plain) == 3 &&
			len(l1.lookupAccount("$G").sl.Match([]byte("x.a")).Plain) == 2 &&
			len(l2.lookupAccount("$G").sl.Match([]byte("x.a")).Plain) == 2
	})
	// Each leaf hears of the hub's and the other leaf's interest as one
	// subscription on its hub connection (counted, not duplicated).
	c1.Publish("x.a", []byte("from l1"))
	c2.Publish("x.b", []byte("from l2"))
	hc.Publish("x.c", []byte("from hub"))
	c1.Flush()
	c2.Flush()
	hc.Flush()
	for _, s := range []*nats.Subscription{s1, s2, sh} {
		seen := map[string]int{}
		for i := 0; i < 3; i++ {
			seen[string(nextMsg(t, s).Data)]++
		}
		noMsg(t, s, 150*time.Millisecond)
		for _, k := range []string{"from l1", "from l2", "from hub"} {
			if seen[k] != 1 {
				t.Fatalf("%s saw %v", s.Subject, seen)
			}
		}
	}
}

// TestLeafLoopDetected: a leaf that connects to itself through its own
// leaf port is refused.
func TestLeafLoopDetected(t *testing.T) {
	o := hubOpts("loop")
	s := clStart(t, o)
	// A remote to our own leaf port: the INFO names this server.
	u, _ := url.Parse(leafURLOf(s))
	s.startRemote(&RemoteLeafOpts{URLs: []*url.URL{u}, FirstInfoTimeout: time.Second})
	clWaitFor(t, leafWait, "the attempt to be refused", func() bool {
		s.mu.Lock()
		defer s.mu.Unlock()
		for _, r := range s.leafs.remotes {
			r.mu.Lock()
			looped := !r.loopUntil.IsZero()
			r.mu.Unlock()
			if looped {
				return true
			}
		}
		return false
	})
	if n := s.NumLeafNodes(); n != 0 {
		t.Fatalf("%d leaf connections to self", n)
	}
}

// TestLeafAccountBinding: the leaf authenticates as a hub user of account
// A; only A's traffic crosses, B stays isolated.
func TestLeafAccountBinding(t *testing.T) {
	hub := clStart(t, accOpts(t, `
accounts {
  A: { users: [ {user: a, password: a} ] }
  B: { users: [ {user: b, password: b} ] }
}
leafnodes {
  listen: 127.0.0.1:-1
  authorization { users: [ {user: leaf, password: s3cr3t, account: A} ] }
}
`))
	u, _ := url.Parse("nats://leaf:s3cr3t@" + hub.LeafAddr().String())
	lo := leafOpts("leaf")
	lo.LeafNode.Remotes = []*RemoteLeafOpts{{URLs: []*url.URL{u}}}
	lf := clStart(t, lo)
	waitLeafs(t, hub, 1)

	ca := accConnect(t, hub, "a")
	cb := accConnect(t, hub, "b")
	lc := leafConnect(t, lf)
	sa, _ := ca.SubscribeSync("t")
	sb, _ := cb.SubscribeSync("t")
	ca.Flush()
	cb.Flush()
	waitInterest(t, lf, "$G", "t")
	lc.Publish("t", []byte("x"))
	lc.Flush()
	nextMsg(t, sa)
	noMsg(t, sb, 100*time.Millisecond)

	// The other way: B's publish does not reach the leaf.
	ls, _ := lc.SubscribeSync("down")
	lc.Flush()
	waitInterest(t, hub, "A", "down")
	if hub.lookupAccount("B").sl.HasInterest([]byte("down")) {
		t.Fatal("the leaf's interest leaked into account B")
	}
	cb.Publish("down", []byte("b"))
	ca.Publish("down", []byte("a"))
	cb.Flush()
	ca.Flush()
	if m := nextMsg(t, ls); string(m.Data) != "a" {
		t.Fatalf("got %q", m.Data)
	}
	noMsg(t, ls, 100*time.Millisecond)
}

// TestLeafAuthFailure: wrong credentials are refused, the hub keeps
// serving, and the leaf keeps trying.
func TestLeafAuthFailure(t *testing.T) {
	ho := hubOpts("hub")
	ho.LeafNode.Username, ho.LeafNode.Password = "leaf", "right"
	hub := clStart(t, ho)
	u, _ := url.Parse("nats://leaf:wrong@" + hub.LeafAddr().String())
	lo := leafOpts("leaf")
	lo.LeafNode.Remotes = []*RemoteLeafOpts{{URLs: []*url.URL{u}}}
	lf := clStart(t, lo)
	// The leaf keeps trying (each attempt is refused at CONNECT); the hub
	// never registers it.
	clWaitFor(t, leafWait, "a few refused attempts", func() bool {
		return hub.stats.totalConns.Load() >= 3
	})
	if hub.NumLeafNodes() != 0 {
		t.Fatalf("leaf connected with a wrong password: hub %d", hub.NumLeafNodes())
	}
	_ = lf
	// The hub's clients are unaffected.
	hc := leafConnect(t, hub)
	if err := hc.Flush(); err != nil {
		t.Fatal(err)
	}
}

// TestLeafHubRestart: the leaf reconnects after the hub restarts and
// re-establishes its interest; leaf clients keep working locally while
// the hub is down; no goroutines leak.
func TestLeafHubRestart(t *testing.T) {
	before := runtime.NumGoroutine()
	ho := hubOpts("hub")
	hub := clStart(t, ho)
	leafPort := hub.LeafAddr().String()
	clientPort := hub.Addr().String()
	lf := clStart(t, leafOpts("leaf", "nats://"+leafPort))
	waitLeafs(t, lf, 1)
	lc := leafConnect(t, lf)
	lsub, _ := lc.SubscribeSync("edge")
	local, _ := lc.SubscribeSync("local")
	lc.Flush()
	waitInterest(t, hub, "$G", "edge")

	for round := 0; round < 3; round++ {
		hub.Shutdown()
		clWaitFor(t, leafWait, "leaf notices", func() bool { return lf.NumLeafNodes() == 0 })
		// Local traffic goes on while the hub is away.
		lc.Publish("local", []byte("l"))
		nextMsg(t, local)

		o := hubOpts("hub")
		o.Host, o.Port = "127.0.0.1", leafPortOf(t, clientPort)
		o.LeafNode.Port = leafPortOf(t, leafPort)
		hub = clStart(t, o)
		waitLeafs(t, lf, 1)
		waitInterest(t, hub, "$G", "edge")
		hc := leafConnect(t, hub)
		hc.Publish("edge", []byte(fmt.Sprint(round)))
		hc.Flush()
		if m := nextMsg(t, lsub); string(m.Data) != fmt.Sprint(round) {
			t.Fatalf("round %d: got %q", round, m.Data)
		}
		noMsg(t, lsub, 50*time.Millisecond)
		hc.Close()
	}
	hub.Shutdown()
	lf.Shutdown()
	lc.Close()
	clWaitFor(t, leafWait, "goroutines to end", func() bool { return runtime.NumGoroutine() <= before+5 })
}

// leafPortOf is the port of a host:port.
func leafPortOf(t *testing.T, hp string) int {
	t.Helper()
	_, p, err := net.SplitHostPort(hp)
	if err != nil {
		t.Fatal(err)
	}
	n, _ := strconv.Atoi(p)
	return n
}

// TestLeafConfig: the leafnodes block maps onto the options, and mistakes
// are refused with file:line:col and the key.
func TestLeafConfig(t *testing.T) {
	o := accOpts(t, `
accounts { EDGE: {} }
leafnodes {
  listen: "127.0.0.1:7499"
  advertise: "hub.example.com:7422"
  no_advertise: true
  authorization { user: l, password: p, timeout: 3, account: EDGE }
  remotes: [
    { url: "nats-leaf://u:p@hub1:7422", account: EDGE, deny_imports: ["a.>"], deny_exports: ["b.>"], first_info_timeout: "2s" }
    { urls: ["nats://h2:7000", "h3"] }
  ]
  reconnect: "250ms"
}
`)
	ln := o.LeafNode
	if ln.Host != "127.0.0.1" || ln.Port != 7499 || ln.Advertise != "hub.example.com:7422" || !ln.NoAdvertise ||
		ln.Username != "l" || ln.Password != "p" || ln.AuthTimeout != 3*time.Second || ln.Account != "EDGE" ||
		ln.ReconnectInterval != 250*time.Millisecond || len(ln.Remotes) != 2 {
		t.Fatalf("leafnodes options: %+v", ln)
	}
	r := ln.Remotes[0]
	if r.URLs[0].Host != "hub1:7422" || r.LocalAccount != "EDGE" || r.DenyImports[0] != "a.>" || r.DenyExports[0] != "b.>" || r.FirstInfoTimeout != 2*time.Second {
		t.Fatalf("remote: %+v", r)
	}
	if h := ln.Remotes[1].URLs[1].Host; h != "h3:7422" {
		t.Fatalf("default port: %s", h)
	}
	for _, c := range []struct{ name, text, want string }{
		{"unknown key", "leafnodes {\n  prot: 7422\n}\n", `natsd.conf:3:3: unknown field "prot" (did you mean "port"?)`},
		{"unknown remote key", "leafnodes {\n  remotes: [ { url: \"nats://a:1\", acount: X } ]\n}\n", `natsd.conf:3:35: unknown field "acount" in leafnodes remote (did you mean "account"?)`},
		{"bad url", "leafnodes {\n  remotes: [ { url: \"http://a:1\" } ]\n}\n", `bad leafnode URL "http://a:1"`},
		{"no url", "leafnodes {\n  remotes: [ { account: A } ]\n}\n", `a leafnodes remote needs a url`},
		{"unknown auth key", "leafnodes {\n  authorization { usr: x }\n}\n", `unknown field "usr" (did you mean "user"?)`},
		{"unknown account", "leafnodes {\n  remotes: [ { url: \"nats://a:1\", account: NOPE } ]\n}\n", `account "NOPE" is not defined`},
	} {
		t.Run(c.name, func(t *testing.T) {
			path := filepath.Join(t.TempDir(), "natsd.conf")
			os.WriteFile(path, []byte("listen: 127.0.0.1:-1\n"+c.text), 0o600)
			o, err := ProcessConfigFile(path)
			if err == nil {
				_, err = New(o)
			}
			if err == nil || !strings.Contains(err.Error(), c.want) {
				t.Fatalf("got %v, want %q", err, c.want)
			}
		})
	}
}

// TestLeafRealLoop: two servers that are each other's leaf and hub find
// the loop through their $LDS subjects and refuse it.
func TestLeafRealLoop(t *testing.T) {
	a := clStart(t, hubOpts("a"))
	bo := hubOpts("b")
	bo.LeafNode.Remotes = leafOpts("", leafURLOf(a)).LeafNode.Remotes
	bo.LeafNode.ReconnectInterval = 50 * time.Millisecond
	b := clStart(t, bo)
	waitLeafs(t, a, 1)
	u, _ := url.Parse(leafURLOf(b))
	a.startRemote(&RemoteLeafOpts{URLs: []*url.URL{u}, FirstInfoTimeout: time.Second})
	looped := func(s *Server) bool {
		s.mu.Lock()
		defer s.mu.Unlock()
		for _, r := range s.leafs.remotes {
			r.mu.Lock()
			l := !r.loopUntil.IsZero()
			r.mu.Unlock()
			if l {
				return true
			}
		}
		return false
	}
	clWaitFor(t, leafWait, "a loop to be detected", func() bool { return looped(a) || looped(b) })
	// Messages still cross once on the connection that stays.
	clWaitFor(t, leafWait, "one connection left", func() bool { return a.NumLeafNodes()+b.NumLeafNodes() <= 2 })
}

// TestLeafDenyAndPermissions: a remote's deny_exports and deny_imports
// keep subjects on their side; a hub user's permissions restrict what the
// leaf may publish and receive.
func TestLeafDenyAndPermissions(t *testing.T) {
	hub := clStart(t, accOpts(t, `
authorization { users: [
  { user: app, password: app }
  { user: leaf, password: leaf, permissions: { publish: { deny: ["nopub.>"] }, subscribe: { deny: ["nosub.>"] } } }
] }
leafnodes { listen: 127.0.0.1:-1 }
`))
	u, _ := url.Parse("nats://leaf:leaf@" + hub.LeafAddr().String())
	lo := leafOpts("leaf")
	lo.LeafNode.Remotes = []*RemoteLeafOpts{{URLs: []*url.URL{u}, DenyExports: []string{"private.>"}, DenyImports: []string{"blocked.>"}}}
	lf := clStart(t, lo)
	waitLeafs(t, hub, 1)
	hc := leafConnect(t, hub, nats.UserInfo("app", "app"))
	lc := leafConnect(t, lf)

	// Hub subscribers to everything; the leaf publishes.
	hall, _ := hc.SubscribeSync(">")
	hc.Flush()
	waitInterest(t, lf, "$G", "ok.x")
	for _, subj := range []string{"private.x", "nopub.x", "ok.x"} {
		lc.Publish(subj, []byte(subj))
	}
	lc.Flush()
	if m := nextMsg(t, hall); m.Subject != "ok.x" {
		t.Fatalf("hub got %s first", m.Subject)
	}
	noMsg(t, hall, 150*time.Millisecond)

	// Leaf subscribers; the hub publishes.
	lall, _ := lc.SubscribeSync(">")
	lblocked, _ := lc.SubscribeSync("blocked.x")
	lnosub, _ := lc.SubscribeSync("nosub.x")
	lc.Flush()
	clWaitFor(t, leafWait, "the leaf's interest on the hub", func() bool {
		return len(hub.lookupAccount("$G").sl.Match([]byte("ok.y")).Plain) == 2 // app's and the leaf's
	})
	for _, sub := range hub.lookupAccount("$G").sl.Match([]byte("blocked.x")).Plain {
		if sub.subject == "blocked.x" {
			t.Fatal("deny_imports interest reached the hub")
		}
	}
	for _, subj := range []string{"blocked.x", "nosub.x", "ok.y"} {
		hc.Publish(subj, []byte(subj))
	}
	hc.Flush()
	if m := nextMsg(t, lall); m.Subject != "ok.y" {
		t.Fatalf("leaf got %s", m.Subject)
	}
	noMsg(t, lall, 150*time.Millisecond)
	noMsg(t, lblocked, time.Millisecond)
	noMsg(t, lnosub, time.Millisecond)
}

// TestLeafAccountMaxLeafNodes: an account's max_leafnodes refuses leaf
// connections beyond it.
func TestLeafAccountMaxLeafNodes(t *testing.T) {
	hub := clStart(t, accOpts(t, `
accounts { A: { users: [ {user: a, password: a} ], limits: { max_leafnodes: 1 } } }
leafnodes {
  listen: 127.0.0.1:-1
  authorization { users: [ {user: leaf, password: p, account: A} ] }
}
`))
	u, _ := url.Parse("nats://leaf:p@" + hub.LeafAddr().String())
	mk := func(name string) *Server {
		lo := leafOpts(name)
		lo.LeafNode.Remotes = []*RemoteLeafOpts{{URLs: []*url.URL{u}}}
		return clStart(t, lo)
	}
	l1 := mk("l1")
	waitLeafs(t, l1, 1)
	before := hub.stats.totalConns.Load()
	l2 := mk("l2")
	clWaitFor(t, leafWait, "refused attempts", func() bool { return hub.stats.totalConns.Load() >= before+2 })
	if n := hub.NumLeafNodes(); n != 1 {
		t.Fatalf("hub has %d leaves", n)
	}
	// Once the first goes, the second gets in.
	l1.Shutdown()
	waitLeafs(t, l2, 1)
}
