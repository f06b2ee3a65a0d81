package server

import (
	"bufio"
	"encoding/json"
	"fmt"
	"io"
	"net"
	"net/url"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/nats-io/nats.go"
	"github.com/natsd/natsd/monitor"
)

// TestClusterRouteAuthorization: a route with wrong credentials is refused
// with -ERR 'Authorization Violation', and both sides log it; the right
// credentials (in the URL or from the cluster authorization) work.
func TestClusterRouteAuthorization(t *testing.T) {
	withAuth := func(o *Options) *Options {
		o.Cluster.Username, o.Cluster.Password = "ruser", "rpass"
		return o
	}
	seed, seedLog := clStartLogged(t, withAuth(clOpts("seed")))
	u := "nats://" + seed.ClusterAddr().String()
	// Credentials from the cluster authorization block.
	good := clStart(t, withAuth(clOpts("good", u)))
	// Credentials in the URL (the authorization block is used for the
	// implicit routes gossip brings).
	good2 := clStart(t, withAuth(clOpts("good2", "nats://ruser:rpass@"+seed.ClusterAddr().String())))
	clWaitMesh(t, []*Server{seed, good, good2})

	bad, badLog := clStartLogged(t, clOpts("bad", "nats://ruser:wrong@"+seed.ClusterAddr().String()))
	clWaitFor(t, clusterWait, "refusal logged", func() bool {
		return seedLog.count("Route authorization failed") > 0 && badLog.count("Authorization Violation") > 0
	})
	// The refused side may log the violation just before it drops the
	// route it had counted from the seed's INFO.
	clWaitFor(t, clusterWait, "the bad route dropped", func() bool { return bad.NumRoutes() == 0 })
	if seed.NumRoutes() != 2 {
		t.Fatalf("bad has %d routes, seed %d", bad.NumRoutes(), seed.NumRoutes())
	}

	// On the wire.
	conn, err := net.Dial("tcp", seed.ClusterAddr().String())
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Close()
	conn.SetDeadline(time.Now().Add(5 * time.Second))
	fmt.Fprintf(conn, "CONNECT {\"name\":\"NX\",\"user\":\"ruser\",\"pass\":\"nope\"}\r\n")
	br := bufio.NewReader(conn)
	line, err := br.ReadString('\n') // the INFO, sent at accept
	if err != nil || !strings.HasPrefix(line, "INFO {") || !strings.Contains(line, `"auth_required":true`) {
		t.Fatalf("got %q, %v", line, err)
	}
	line, err = br.ReadString('\n')
	if err != nil || line != "-ERR 'Authorization Violation'\r\n" {
		t.Fatalf("got %q, %v", line, err)
	}
	if _, err := br.ReadString('\n'); err != io.EOF {
		t.Fatalf("route not closed after the violation: %v", err)
	}
	// Route ops from a client connection are unknown ops.
	cc, cbr := rawConn(t, seed, `{"verbose":false}`)
	io.WriteString(cc, "RS+ foo\r\n")
	if l, _ := cbr.ReadString('\n'); l != "-ERR 'Unknown Protocol Operation'\r\n" {
		t.Fatalf("client sending RS+: %q", l)
	}
}

// TestClusterRestartHeals: a node shut down and restarted under steady
// traffic rejoins the mesh, and traffic flows to and from it again.
func TestClusterRestartHeals(t *testing.T) {
	leak := clGoroutines(t)
	servers := clStartCluster(t, 3, nil)
	sub := clConnect(t, servers[1])
	got := newCounter()
	sub.Subscribe("tick", got.handler)
	sub.Flush()
	clWaitRemoteSubs(t, servers, func(i int) int { return map[int]int{0: 1, 1: 0, 2: 1}[i] })

	pub := clConnect(t, servers[0])
	stop := make(chan struct{})
	done := make(chan struct{})
	var sent atomic.Int64
	go func() {
		defer close(done)
		for i := 0; ; i++ {
			select {
			case <-stop:
				return
			default:
			}
			pub.Publish("tick", []byte(fmt.Sprint(i)))
			sent.Add(1)
			if i%50 == 0 {
				pub.Flush()
			}
		}
	}()

	o3 := clFixPorts(clOpts("n3", clRouteURL(servers[0])), servers[2])
	servers[2].Shutdown()
	clWaitMesh(t, servers[:2])
	before := got.total()
	clWaitFor(t, clusterWait, "traffic while n3 is down", func() bool { return got.total() > before+100 })

	servers[2] = clStart(t, o3)
	clWaitMesh(t, servers)
	sub3 := clConnect(t, servers[2])
	got3 := newCounter()
	sub3.Subscribe("tick", got3.handler)
	sub3.Flush()
	deadline := time.Now().Add(clusterWait)
	for got3.total() <= 100 {
		if time.Now().After(deadline) {
			t.Fatalf("no traffic to the restarted node: got %d; %s; n2 got %d (sent %d)", got3.total(), clRemoteSubsString(servers), got.total(), sent.Load())
		}
		time.Sleep(5 * time.Millisecond)
	}
	close(stop)
	<-done
	pub.Flush()
	if d := got.dups(); len(d) > 0 {
		t.Fatalf("duplicates: %v", d[:min(len(d), 5)])
	}
	sub.Close()
	sub3.Close()
	pub.Close()
	for _, s := range servers {
		s.Shutdown()
	}
	leak()
}

// TestClusterClientFailover: nats.go connected to a node that dies moves to
// another one, with the URLs it was given or the ones it learned from
// connect_urls, and its subscriptions keep working.
func TestClusterClientFailover(t *testing.T) {
	servers := clStartCluster(t, 3, nil)
	var urls []string
	for _, s := range servers {
		urls = append(urls, s.ClientURL())
	}
	opts := []nats.Option{nats.DontRandomize(), nats.ReconnectWait(20 * time.Millisecond), nats.MaxReconnects(-1)}
	all, err := nats.Connect(strings.Join(urls, ","), opts...)
	if err != nil {
		t.Fatal(err)
	}
	defer all.Close()
	// This one only knows node 1 and must learn the others.
	learned, err := nats.Connect(urls[0], opts...)
	if err != nil {
		t.Fatal(err)
	}
	defer learned.Close()
	clWaitFor(t, clusterWait, "discovered servers", func() bool { return len(learned.DiscoveredServers()) == 2 })

	c1, c2 := newCounter(), newCounter()
	all.Subscribe("fo.x", c1.handler)
	learned.Subscribe("fo.x", c2.handler)
	all.Flush()
	learned.Flush()

	servers[0].Shutdown()
	clWaitFor(t, clusterWait, "reconnect", func() bool {
		return all.IsConnected() && learned.IsConnected() &&
			all.ConnectedUrl() != urls[0] && learned.ConnectedUrl() != urls[0]
	})
	all.Flush()
	learned.Flush()
	pub := clConnect(t, servers[2])
	clWaitFor(t, clusterWait, "resubscribed interest", func() bool {
		pub.Publish("fo.x", []byte("ping"))
		pub.Flush()
		return c1.total() > 0 && c2.total() > 0
	})
}

// TestClusterAsyncInfo: protocol-1 clients get an INFO with the updated
// connect_urls when nodes join and leave; protocol-0 clients do not.
func TestClusterAsyncInfo(t *testing.T) {
	a := clStart(t, clOpts("a"))
	c1, br1 := rawConn(t, a, `{"verbose":false,"protocol":1}`)
	c0, br0 := rawConn(t, a, `{"verbose":false,"protocol":0}`)
	_ = c1
	b := clStart(t, clOpts("b", clRouteURL(a)))
	bURL := strings.TrimPrefix(b.ClientURL(), "nats://")
	aURL := strings.TrimPrefix(a.ClientURL(), "nats://")
	info := clReadInfo(t, br1)
	if len(info.ConnectURLs) != 2 || info.ConnectURLs[0] != aURL || info.ConnectURLs[1] != bURL || info.Cluster != "test" {
		t.Fatalf("INFO after join: %+v", info)
	}
	// A new client's INFO has them too.
	nc := clConnect(t, a)
	if got := nc.DiscoveredServers(); len(got) != 1 || got[0] != "nats://"+bURL {
		t.Fatalf("discovered %v", got)
	}
	b.Shutdown()
	info = clReadInfo(t, br1)
	// Alone again, the server still lists itself, as nats-server does.
	if len(info.ConnectURLs) != 1 || info.ConnectURLs[0] != aURL {
		t.Fatalf("INFO after leave: %+v", info)
	}
	// Protocol 0: nothing but the PONG.
	io.WriteString(c0, "PING\r\n")
	c0.SetReadDeadline(time.Now().Add(5 * time.Second))
	if l, _ := br0.ReadString('\n'); l != "PONG\r\n" {
		t.Fatalf("protocol-0 client got %q", l)
	}
}

// clReadInfo reads lines until an INFO and decodes it.
func clReadInfo(t *testing.T, br *bufio.Reader) serverInfo {
	t.Helper()
	for {
		l, err := br.ReadString('\n')
		if err != nil {
			t.Fatalf("waiting for INFO: %v", err)
		}
		if strings.HasPrefix(l, "INFO ") {
			var info serverInfo
			if err := json.Unmarshal([]byte(strings.TrimSpace(l[5:])), &info); err != nil {
				t.Fatal(err)
			}
			if info.ConnectInfo {
				continue // the INFO after the first PONG
			}
			return info
		}
	}
}

// TestClusterDuplicateRoutes: two servers configured with routes to each
// other both dial; one route survives, the same on both sides, with no
// flapping and only debug-level noise.
func TestClusterDuplicateRoutes(t *testing.T) {
	const n = 4
	var ports []int
	var routes []string
	for i := 0; i < n; i++ {
		p := clFreePort(t)
		ports = append(ports, p)
		routes = append(routes, fmt.Sprintf("nats://127.0.0.1:%d", p))
	}
	var servers []*Server
	var logs []*clLog
	for i := 0; i < n; i++ {
		// Every node lists every node, itself included (ignored).
		o := clOpts(fmt.Sprintf("d%d", i), routes...)
		o.Cluster.Port = ports[i]
		s, l := clStartLogged(t, o)
		servers = append(servers, s)
		logs = append(logs, l)
	}
	clWaitMesh(t, servers)
	clWaitFor(t, clusterWait, "duplicates closed", func() bool {
		for _, s := range servers {
			s.mu.Lock()
			k := len(s.cluster.routes)
			s.mu.Unlock()
			if k != (n-1)*clConnsPerPeer {
				return false
			}
		}
		return true
	})
	rids := func() string {
		var b strings.Builder
		for _, s := range servers {
			rz, _ := s.Routez(nil)
			for _, r := range rz.Routes {
				fmt.Fprintf(&b, "%d/%s ", r.Rid, r.RemoteID)
			}
		}
		return b.String()
	}
	// Duplicates that registered first on one side are replaced while
	// the mesh forms; wait until that has settled.
	first := rids()
	for settled := time.Now(); time.Since(settled) < 300*time.Millisecond; time.Sleep(10 * time.Millisecond) {
		if got := rids(); got != first {
			first, settled = got, time.Now()
		}
	}
	// Stable: the same routes for a while (several retry periods).
	deadline := time.Now().Add(2 * routeRetryMax)
	for time.Now().Before(deadline) {
		if got := rids(); got != first {
			t.Fatalf("routes changed:\n%s\n%s", first, got)
		}
		time.Sleep(20 * time.Millisecond)
	}
	for i, l := range logs {
		// One notice per peer; duplicates only at debug level. Dialing
		// peers that are not up yet is reported (once per route).
		if l.count("[INF]", "Route connection created to") != n-1 || l.count("[INF]", "closed") > 0 ||
			l.count("[ERR]") != l.count("[ERR] Error trying to connect to route (attempt 1)") {
			t.Fatalf("node %d log:\n%s", i, l)
		}
	}
	// Each pair agrees on which connection it uses: the rid one side
	// solicited is the one the other accepted.
	for i, s := range servers {
		rz, _ := s.Routez(nil)
		for _, r := range rz.Routes {
			for j, o := range servers {
				if o.ID() != r.RemoteID {
					continue
				}
				oz, _ := o.Routez(nil)
				for _, or := range oz.Routes {
					if or.RemoteID == s.ID() && or.DidSolicit == r.DidSolicit {
						t.Fatalf("n%d and n%d both say did_solicit=%v", i, j, r.DidSolicit)
					}
				}
			}
		}
	}
}

// TestClusterReloadRoutes: a reload adds and removes routes.
func TestClusterReloadRoutes(t *testing.T) {
	a := clStart(t, clOpts("a"))
	bo := clOpts("b")
	b := clStart(t, bo)
	cur := bo.Clone()
	b.SetConfigLoader(func() (*Options, error) { return cur.Clone(), nil })
	u, _ := url.Parse(clRouteURL(a))
	cur.Cluster.Routes = []*url.URL{u}
	if err := b.Reload(); err != nil {
		t.Fatal(err)
	}
	clWaitMesh(t, []*Server{a, b})
	cur.Cluster.Routes = nil
	if err := b.Reload(); err != nil {
		t.Fatal(err)
	}
	clWaitFor(t, clusterWait, "route removed", func() bool { return a.NumRoutes() == 0 && b.NumRoutes() == 0 })
	// Other cluster settings need a restart.
	cur.Cluster.Name = "other"
	if err := b.Reload(); err == nil || !strings.Contains(err.Error(), "cluster.name") {
		t.Fatalf("reload changing the cluster name: %v", err)
	}
}

// TestClusterMonitoring: /routez and /varz describe the routes.
func TestClusterMonitoring(t *testing.T) {
	servers := clStartCluster(t, 3, nil)
	// clStartCluster waits for a route to each peer; the rest of each
	// pool and the gossiped client URLs may still be on their way.
	clWaitFor(t, clusterWait, "every route connection and client URL", func() bool {
		for _, s := range servers {
			rz, err := s.Routez(nil)
			if err != nil || rz.NumRoutes != 2*clConnsPerPeer || len(s.Varz().ClientConnectURLs) != 3 {
				return false
			}
		}
		return true
	})
	nc := clConnect(t, servers[1])
	nc.SubscribeSync("mon.a")
	nc.QueueSubscribeSync("mon.b", "g")
	nc.Flush()
	clWaitFor(t, clusterWait, "interest", func() bool { return servers[0].NumRemoteSubscriptions() == 2 })
	pub := clConnect(t, servers[0])
	pub.Publish("mon.a", []byte("hello"))
	pub.Flush()
	clWaitFor(t, clusterWait, "route traffic counted", func() bool {
		rz, _ := servers[0].Routez(nil)
		for _, r := range rz.Routes {
			if r.RemoteID == servers[1].ID() && r.OutMsgs == 1 {
				return true
			}
		}
		return false
	})
	rz, err := servers[0].Routez(&monitor.RoutezOptions{Subscriptions: true})
	if err != nil {
		t.Fatal(err)
	}
	// Two peers, each with its pool and the system account's route.
	if rz.NumRoutes != 2*clConnsPerPeer || len(rz.Routes) != 2*clConnsPerPeer || rz.ID != servers[0].ID() {
		t.Fatalf("routez: %+v", rz)
	}
	var n2Subs, n3Subs, n2Carrier int
	for _, r := range rz.Routes {
		switch r.RemoteID {
		case servers[1].ID():
			if r.RemoteName != "n2" || r.DidSolicit || r.IsConfigured || r.IP != "127.0.0.1" || r.Port == 0 {
				t.Fatalf("route to n2: %+v", r)
			}
			n2Subs += int(r.NumSubs)
			if r.NumSubs > 0 {
				// The $G account's pool connection.
				n2Carrier++
				if r.NumSubs != 2 || len(r.Subs) != 2 || r.Subs[0] != "mon.a" || r.OutBytes != 5 {
					t.Fatalf("route to n2 carrying $G: %+v", r)
				}
			}
		case servers[2].ID():
			if r.RemoteName != "n3" {
				t.Fatalf("route to n3: %+v", r)
			}
			n3Subs += int(r.NumSubs)
		default:
			t.Fatalf("unknown route %+v", r)
		}
	}
	if n2Subs != 2 || n2Carrier != 1 || n3Subs != 0 {
		t.Fatalf("subscriptions: n2 %d (on %d connections), n3 %d", n2Subs, n2Carrier, n3Subs)
	}
	// n2 solicited n1 (its configured seed) and received the message.
	clWaitFor(t, clusterWait, "n2's route to n1", func() bool {
		rz2, _ := servers[1].Routez(nil)
		for _, r := range rz2.Routes {
			if r.RemoteID == servers[0].ID() && r.DidSolicit && r.IsConfigured && r.InMsgs == 1 && r.InBytes == 5 {
				return true
			}
		}
		return false
	})
	v := servers[1].Varz()
	if v.Routes != 2*clConnsPerPeer || v.Cluster.Name != "test" || v.Cluster.Port != addrPort(servers[1].ClusterAddr()) ||
		len(v.Cluster.URLs) != 1 || len(v.ClientConnectURLs) != 3 || v.SlowConsumersStats == nil {
		t.Fatalf("varz: routes %d cluster %+v connect_urls %v", v.Routes, v.Cluster, v.ClientConnectURLs)
	}
}

// TestClusterLameDuckKeepsRoutes: in lame-duck mode the routes stay up
// until the end, while the peers stop advertising the server to clients.
func TestClusterLameDuckKeepsRoutes(t *testing.T) {
	servers := clStartCluster(t, 2, func(i int, o *Options) {
		o.LameDuckDuration = 2 * time.Second
		o.LameDuckGracePeriod = time.Second
	})
	a, b := servers[0], servers[1]
	// A client on a keeps receiving messages published on b during the
	// grace period: the routes are still up.
	nc := clConnect(t, a)
	got := newCounter()
	nc.Subscribe("ldm", got.handler)
	nc.Flush()
	clWaitFor(t, clusterWait, "interest", func() bool { return b.NumRemoteSubscriptions() == 1 })
	done := make(chan struct{})
	go func() { a.LameDuckShutdown(); close(done) }()
	aURL := strings.TrimPrefix(a.ClientURL(), "nats://")
	clWaitFor(t, clusterWait, "b stops advertising a", func() bool {
		for _, u := range b.clientConnectURLs() {
			if u == aURL {
				return false
			}
		}
		return true
	})
	if a.NumRoutes() != 1 {
		t.Fatal("route closed at the start of lame-duck mode")
	}
	pub := clConnect(t, b)
	pub.Publish("ldm", []byte("still here"))
	pub.Flush()
	clWaitFor(t, clusterWait, "delivery in lame-duck mode", func() bool { return got.total() == 1 })
	<-done
	clWaitFor(t, clusterWait, "route gone after shutdown", func() bool { return b.NumRoutes() == 0 })
}

// TestClusterRouteByHostName: a route URL with a host name is dialed by
// name (resolved again on every attempt), and a configured route to a
// server that is not up yet connects once it is.
func TestClusterRouteByHostName(t *testing.T) {
	port := clFreePort(t)
	b := clStart(t, clOpts("b", fmt.Sprintf("nats://localhost:%d", port)))
	// b retries while a is missing; then a comes up on that port.
	ao := clOpts("a")
	ao.Cluster.Port = port
	a := clStart(t, ao)
	clWaitMesh(t, []*Server{a, b})
}

// TestClusterLameDuckMovesClient: a nats.go client on a server entering
// lame-duck mode is told so, is closed after the grace period, reconnects
// to another server of the cluster (learned from connect_urls) and keeps
// its subscription there.
func TestClusterLameDuckMovesClient(t *testing.T) {
	servers := clStartCluster(t, 2, func(i int, o *Options) {
		o.LameDuckDuration = time.Second
		o.LameDuckGracePeriod = 300 * time.Millisecond
	})
	a, b := servers[0], servers[1]
	ldm := make(chan struct{}, 1)
	reconnected := make(chan string, 1)
	nc := clConnect(t, a,
		nats.ReconnectWait(50*time.Millisecond),
		nats.LameDuckModeHandler(func(*nats.Conn) {
			select {
			case ldm <- struct{}{}:
			default:
			}
		}),
		nats.ReconnectHandler(func(c *nats.Conn) { reconnected <- c.ConnectedUrl() }))
	got := newCounter()
	if _, err := nc.Subscribe("moved", got.handler); err != nil {
		t.Fatal(err)
	}
	nc.Flush()
	clWaitFor(t, clusterWait, "client knows b", func() bool { return len(nc.DiscoveredServers()) >= 1 })

	go a.LameDuckShutdown()
	select {
	case <-ldm:
	case <-time.After(clusterWait):
		t.Fatal("client did not see lame-duck mode")
	}
	select {
	case u := <-reconnected:
		if u != b.ClientURL() {
			t.Fatalf("reconnected to %s, want %s", u, b.ClientURL())
		}
	case <-time.After(clusterWait):
		t.Fatal("client did not move to b")
	}
	clWaitFor(t, clusterWait, "subscription restored on b", func() bool { return b.NumSubscriptions() >= 1 })
	pub := clConnect(t, b)
	pub.Publish("moved", []byte("after the move"))
	pub.Flush()
	clWaitFor(t, clusterWait, "delivery after the move", func() bool { return got.total() == 1 })
}
