package server

import (
	"bufio"
	"errors"
	"fmt"
	"net/url"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/nats-io/nats.go"
)

// Interop tests against nats-server, in both roles. They run only when
// NATS_REF_SERVER names a nats-server binary (CI does not need one):
//
//	eval "$(../shared/tools/reference-tools)"; go test ./server -run TestLeafInterop

// refServer is a running nats-server.
type refServer struct {
	cmd        *exec.Cmd
	clientURL  string
	leafURL    string
	logLines   chan string
	listenAddr map[string]string
}

var refListenRE = regexp.MustCompile(`Listening for (client|leafnode|route) connections on (\S+)`)

// startRef starts nats-server with the config text and waits until it is
// ready. It is killed when the test ends.
func startRef(t *testing.T, config string) *refServer {
	t.Helper()
	bin := os.Getenv("NATS_REF_SERVER")
	if bin == "" {
		t.Skip("NATS_REF_SERVER is not set")
	}
	dir := t.TempDir()
	path := filepath.Join(dir, "ref.conf")
	if err := os.WriteFile(path, []byte(config), 0o644); err != nil {
		t.Fatal(err)
	}
	cmd := exec.Command(bin, "-c", path)
	stderr, err := cmd.StderrPipe()
	if err != nil {
		t.Fatal(err)
	}
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	rs := &refServer{cmd: cmd, listenAddr: map[string]string{}, logLines: make(chan string, 1024)}
	t.Cleanup(func() {
		cmd.Process.Kill()
		cmd.Wait()
	})
	ready := make(chan struct{})
	// nats-server logs its route listener after "Server is ready".
	routeReady := make(chan struct{})
	go func() {
		sc := bufio.NewScanner(stderr)
		readyOnce := false
		for sc.Scan() {
			line := sc.Text()
			if m := refListenRE.FindStringSubmatch(line); m != nil {
				rs.listenAddr[m[1]] = m[2]
				if m[1] == "route" {
					close(routeReady)
				}
			}
			if !readyOnce && strings.Contains(line, "Server is ready") {
				readyOnce = true
				close(ready)
			}
			select {
			case rs.logLines <- line:
			default:
			}
		}
	}()
	select {
	case <-ready:
	case <-time.After(10 * time.Second):
		t.Fatal("nats-server did not start")
	}
	if strings.Contains(config, "cluster {") {
		select {
		case <-routeReady:
		case <-time.After(10 * time.Second):
			t.Fatal("nats-server did not listen for routes")
		}
	}
	rs.clientURL = "nats://" + rs.listenAddr["client"]
	if a := rs.listenAddr["leafnode"]; a != "" {
		rs.leafURL = "nats://" + a
	}
	return rs
}

func refConnect(t *testing.T, url string) *nats.Conn {
	t.Helper()
	nc, err := nats.Connect(url, nats.MaxReconnects(-1), nats.ReconnectWait(20*time.Millisecond))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(nc.Close)
	return nc
}

// waitDelivers publishes on subject from pub until sub receives one (the
// interest has propagated), draining the rest.
func waitDelivers(t *testing.T, pub *nats.Conn, subject string, sub *nats.Subscription) {
	t.Helper()
	deadline := time.Now().Add(leafWait)
	for time.Now().Before(deadline) {
		pub.Publish(subject, []byte("probe"))
		pub.Flush()
		if _, err := sub.NextMsg(50 * time.Millisecond); err == nil {
			for {
				if _, err := sub.NextMsg(100 * time.Millisecond); err != nil {
					return
				}
			}
		}
	}
	t.Fatalf("no delivery on %s", subject)
}

// crossChecks runs the semantic checks between a client of the hub and a
// client of the leaf, whatever implements each side.
func crossChecks(t *testing.T, hc, lc *nats.Conn) {
	// Leaf → hub, wildcard subscription, headers.
	hsub, _ := hc.SubscribeSync("up.*")
	hc.Flush()
	waitDelivers(t, lc, "up.probe", hsub)
	m := nats.NewMsg("up.x")
	m.Header.Set("K", "v")
	m.Data = []byte("hello")
	lc.PublishMsg(m)
	got := nextMsg(t, hsub)
	if got.Subject != "up.x" || string(got.Data) != "hello" || got.Header.Get("K") != "v" {
		t.Fatalf("leaf→hub: got %s %q %v", got.Subject, got.Data, got.Header)
	}
	// Hub → leaf.
	lsub, _ := lc.SubscribeSync("down.>")
	lc.Flush()
	waitDelivers(t, hc, "down.probe", lsub)
	hc.Publish("down.a.b", []byte("down"))
	if got := nextMsg(t, lsub); string(got.Data) != "down" || got.Subject != "down.a.b" {
		t.Fatalf("hub→leaf: got %s %q", got.Subject, got.Data)
	}
	// Request/reply both ways.
	hs, _ := hc.Subscribe("svc.hub", func(m *nats.Msg) { m.Respond([]byte("hub")) })
	ls, _ := lc.Subscribe("svc.leaf", func(m *nats.Msg) { m.Respond([]byte("leaf")) })
	hc.Flush()
	lc.Flush()
	eventually := func(nc *nats.Conn, subj, want string) {
		deadline := time.Now().Add(leafWait)
		for {
			r, err := nc.Request(subj, nil, 200*time.Millisecond)
			if err == nil && string(r.Data) == want {
				return
			}
			if time.Now().After(deadline) {
				t.Fatalf("request %s: %v %v", subj, r, err)
			}
		}
	}
	eventually(lc, "svc.hub", "hub")
	eventually(hc, "svc.leaf", "leaf")
	hs.Unsubscribe()
	ls.Unsubscribe()
	// No responders from the leaf.
	if _, err := lc.Request("nobody.here", nil, leafWait); !errors.Is(err, nats.ErrNoResponders) {
		t.Fatalf("leaf: want no responders, got %v", err)
	}
	// Queue group across: every message once.
	hq, _ := hc.QueueSubscribeSync("work", "q")
	lq, _ := lc.QueueSubscribeSync("work", "q")
	hc.Flush()
	lc.Flush()
	time.Sleep(200 * time.Millisecond) // interest settles; the counts below are what is asserted
	const n = 50
	for i := 0; i < n; i++ {
		lc.Publish("work", []byte(fmt.Sprint(i)))
		hc.Publish("work", []byte(fmt.Sprint(i)))
	}
	lc.Flush()
	hc.Flush()
	a, b := 0, 0
	take := func(wait time.Duration) {
		for _, q := range []struct {
			s *nats.Subscription
			k *int
		}{{hq, &a}, {lq, &b}} {
			for {
				if _, err := q.s.NextMsg(wait); err != nil {
					break
				}
				*q.k++
			}
		}
	}
	clWaitFor(t, leafWait, "the queue group's messages", func() bool { take(10 * time.Millisecond); return a+b >= 2*n })
	take(200 * time.Millisecond) // a duplicate would show up by now
	if a+b != 2*n {
		t.Fatalf("queue group got %d+%d messages, want %d once each", a, b, 2*n)
	}
	// Local preference: each side's publisher is served by its own member.
	if a != n || b != n {
		t.Errorf("queue local preference: hub member got %d, leaf member %d (want %d each)", a, b, n)
	}
}

// TestLeafInteropNatsdLeafRefHub: natsd as a leaf of a nats-server hub.
func TestLeafInteropNatsdLeafRefHub(t *testing.T) {
	ref := startRef(t, "listen: 127.0.0.1:-1\nserver_name: refhub\nleafnodes { listen: 127.0.0.1:-1 }\n")
	lf := clStart(t, leafOpts("leaf", ref.leafURL))
	waitLeafs(t, lf, 1)
	crossChecks(t, refConnect(t, ref.clientURL), leafConnect(t, lf))
}

// TestLeafInteropRefLeafNatsdHub: a nats-server leaf of a natsd hub.
func TestLeafInteropRefLeafNatsdHub(t *testing.T) {
	if os.Getenv("NATS_REF_SERVER") == "" {
		t.Skip("NATS_REF_SERVER is not set")
	}
	hub := clStart(t, hubOpts("hub"))
	ref := startRef(t, fmt.Sprintf("listen: 127.0.0.1:-1\nserver_name: refleaf\nleafnodes { reconnect: \"100ms\", remotes: [ { url: %q } ] }\n", leafURLOf(hub)))
	waitLeafs(t, hub, 1)
	crossChecks(t, leafConnect(t, hub), refConnect(t, ref.clientURL))
}

// TestLeafInteropAccounts: the leaf is bound to one account of the hub,
// whichever server is which; other accounts stay isolated.
func TestLeafInteropAccounts(t *testing.T) {
	hubConf := `
accounts {
  A: { users: [ {user: a, password: a} ] }
  B: { users: [ {user: b, password: b} ] }
}
leafnodes {
  listen: 127.0.0.1:-1
  authorization { users: [ {user: leaf, password: s3cr3t, account: A} ] }
}
`
	check := func(t *testing.T, hubURL, leafURL string) {
		ca, _ := nats.Connect(hubURL, nats.UserInfo("a", "a"))
		cb, _ := nats.Connect(hubURL, nats.UserInfo("b", "b"))
		lc := refConnect(t, leafURL)
		defer ca.Close()
		defer cb.Close()
		sa, _ := ca.SubscribeSync("t")
		sb, _ := cb.SubscribeSync("t")
		ca.Flush()
		cb.Flush()
		waitDelivers(t, lc, "t", sa)
		lc.Publish("t", []byte("x"))
		lc.Flush()
		nextMsg(t, sa)
		noMsg(t, sb, 200*time.Millisecond)
		ls, _ := lc.SubscribeSync("down")
		lc.Flush()
		waitDelivers(t, ca, "down", ls)
		cb.Publish("down", []byte("b"))
		cb.Flush()
		noMsg(t, ls, 200*time.Millisecond)
	}
	t.Run("natsd leaf, nats-server hub", func(t *testing.T) {
		ref := startRef(t, "listen: 127.0.0.1:-1\n"+hubConf)
		u, _ := url.Parse("nats://leaf:s3cr3t@" + ref.listenAddr["leafnode"])
		lo := leafOpts("leaf")
		lo.LeafNode.Remotes = []*RemoteLeafOpts{{URLs: []*url.URL{u}}}
		lf := clStart(t, lo)
		waitLeafs(t, lf, 1)
		check(t, ref.clientURL, lf.ClientURL())
	})
	t.Run("nats-server leaf, natsd hub", func(t *testing.T) {
		hub := clStart(t, accOpts(t, hubConf))
		ref := startRef(t, fmt.Sprintf("listen: 127.0.0.1:-1\nleafnodes { reconnect: \"100ms\", remotes: [ { url: %q } ] }\n",
			"nats://leaf:s3cr3t@"+hub.LeafAddr().String()))
		waitLeafs(t, hub, 1)
		check(t, hub.ClientURL(), ref.clientURL)
	})
}

// TestLeafInteropHubCluster: a leaf attached to one node of a two-node
// hub cluster reaches a subscriber on the other node, and back.
func TestLeafInteropHubCluster(t *testing.T) {
	check := func(t *testing.T, farURL, leafURL string) {
		far, lc := refConnect(t, farURL), refConnect(t, leafURL)
		fs, _ := far.SubscribeSync("far.x")
		far.Flush()
		waitDelivers(t, lc, "far.x", fs)
		ls, _ := lc.SubscribeSync("edge.x")
		lc.Flush()
		waitDelivers(t, far, "edge.x", ls)
		fq, _ := far.QueueSubscribeSync("fq", "g")
		far.Flush()
		waitDelivers(t, lc, "fq", fq) // the queue interest reached the leaf
		for i := 0; i < 20; i++ {
			lc.Publish("fq", []byte(fmt.Sprint(i)))
		}
		lc.Flush()
		for i := 0; i < 20; i++ {
			nextMsg(t, fq)
		}
		noMsg(t, fq, 200*time.Millisecond)
	}
	t.Run("natsd leaf, nats-server hub cluster", func(t *testing.T) {
		h1 := startRef(t, "listen: 127.0.0.1:-1\nserver_name: h1\ncluster { name: hc, listen: 127.0.0.1:-1 }\nleafnodes { listen: 127.0.0.1:-1 }\n")
		h2 := startRef(t, fmt.Sprintf("listen: 127.0.0.1:-1\nserver_name: h2\ncluster { name: hc, listen: 127.0.0.1:-1, routes: [%q] }\n", "nats://"+h1.listenAddr["route"]))
		// The reference hub's route must be up before the leaf's interest
		// can reach h2 (without this wait 1 run in 4–5 failed).
		c1, c2 := refConnect(t, h1.clientURL), refConnect(t, h2.clientURL)
		up, _ := c2.SubscribeSync("route.up")
		c2.Flush()
		waitDelivers(t, c1, "route.up", up)
		lf := clStart(t, leafOpts("leaf", h1.leafURL))
		waitLeafs(t, lf, 1)
		check(t, h2.clientURL, lf.ClientURL())
	})
	t.Run("nats-server leaf, natsd hub cluster", func(t *testing.T) {
		servers := clStartCluster(t, 2, func(i int, o *Options) {
			o.LeafNode = LeafNodeOpts{Host: "127.0.0.1", Port: RandomPort}
		})
		ref := startRef(t, fmt.Sprintf("listen: 127.0.0.1:-1\nleafnodes { reconnect: \"100ms\", remotes: [ { url: %q } ] }\n", leafURLOf(servers[0])))
		waitLeafs(t, servers[0], 1)
		check(t, servers[1].ClientURL(), ref.clientURL)
	})
}

// TestLeafInteropTwoLeaves: a nats-server leaf and a natsd leaf of one
// hub (natsd, then nats-server) see each other's messages once.
func TestLeafInteropTwoLeaves(t *testing.T) {
	check := func(t *testing.T, hubURL, l1URL, l2URL string) {
		hc, c1, c2 := refConnect(t, hubURL), refConnect(t, l1URL), refConnect(t, l2URL)
		s1, _ := c1.SubscribeSync("x.>")
		s2, _ := c2.SubscribeSync("x.>")
		sh, _ := hc.SubscribeSync("x.>")
		c1.Flush()
		c2.Flush()
		hc.Flush()
		waitDelivers(t, c1, "x.p1", s2)
		waitDelivers(t, c2, "x.p2", s1)
		waitDelivers(t, c1, "x.p3", sh)
		for _, s := range []*nats.Subscription{s1, s2, sh} {
			for {
				if _, err := s.NextMsg(200 * time.Millisecond); err != nil {
					break
				}
			}
		}
		c1.Publish("x.a", []byte("1"))
		c2.Publish("x.b", []byte("2"))
		hc.Publish("x.c", []byte("3"))
		c1.Flush()
		c2.Flush()
		hc.Flush()
		for _, s := range []*nats.Subscription{s1, s2, sh} {
			got := map[string]int{}
			for i := 0; i < 3; i++ {
				got[string(nextMsg(t, s).Data)]++
			}
			noMsg(t, s, 200*time.Millisecond)
			if got["1"] != 1 || got["2"] != 1 || got["3"] != 1 {
				t.Fatalf("%v", got)
			}
		}
	}
	t.Run("natsd hub", func(t *testing.T) {
		hub := clStart(t, hubOpts("hub"))
		ref := startRef(t, fmt.Sprintf("listen: 127.0.0.1:-1\nleafnodes { reconnect: \"100ms\", remotes: [ { url: %q } ] }\n", leafURLOf(hub)))
		lf := clStart(t, leafOpts("leaf", leafURLOf(hub)))
		waitLeafs(t, hub, 2)
		check(t, hub.ClientURL(), ref.clientURL, lf.ClientURL())
	})
	t.Run("nats-server hub", func(t *testing.T) {
		hub := startRef(t, "listen: 127.0.0.1:-1\nleafnodes { listen: 127.0.0.1:-1 }\n")
		ref := startRef(t, fmt.Sprintf("listen: 127.0.0.1:-1\nleafnodes { reconnect: \"100ms\", remotes: [ { url: %q } ] }\n", hub.leafURL))
		lf := clStart(t, leafOpts("leaf", hub.leafURL))
		waitLeafs(t, lf, 1)
		check(t, hub.clientURL, ref.clientURL, lf.ClientURL())
	})
}
