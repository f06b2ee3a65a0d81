package server

import (
	"bufio"
	"fmt"
	"io"
	"net"
	"strings"
	"testing"
	"time"
)

// TestAccountPoolIndex: accounts spread over the pool as nats-server
// spreads them. The expected indexes were read from a two-node
// nats-server 2.15.2 cluster (pool_size 3): which pool connection each
// account's RS+ arrived on.
func TestAccountPoolIndex(t *testing.T) {
	want := map[string]int{"ACC1": 2, "ACC2": 2, "ACC3": 1, "ACC4": 2, "ACC5": 1, "ACC6": 1,
		"ACC7": 0, "ACC8": 2, "ACC9": 1, "ACC10": 1, "ACC11": 2, "ACC12": 2}
	for acc, idx := range want {
		if got := int(fnv32a(acc) % 3); got != idx {
			t.Errorf("%s: pool index %d, nats-server uses %d", acc, got, idx)
		}
	}
	for _, c := range []struct{ mine, theirs, want int }{{3, 3, 3}, {3, 0, 1}, {0, 3, 1}, {5, 2, 2}, {1, 4, 1}} {
		if got := poolConns(c.mine, c.theirs); got != c.want {
			t.Errorf("poolConns(%d, %d) = %d, want %d", c.mine, c.theirs, got, c.want)
		}
	}
}

// TestClusterRoutePools: two natsd servers with accounts keep a pool of
// route connections plus the pinned ones; every account's interest is on
// exactly one of them (its pinned route, or the pool connection its hash
// picks), messages cross in every account, and the accounts stay apart.
func TestClusterRoutePools(t *testing.T) {
	text := accTwoAccounts
	servers := clStartCluster(t, 2, func(i int, o *Options) {
		f := accOpts(t, text)
		o.Accounts, o.Users = f.Accounts, f.Users
		o.Cluster.PoolSize = 4
		o.Cluster.Accounts = []string{"B"}
	})
	a, b := servers[0], servers[1]
	// The pool, $SYS and B.
	clWaitFor(t, clusterWait, "complete pools", func() bool {
		return len(a.registeredRoutes()) == 6 && len(b.registeredRoutes()) == 6
	})
	subs := map[string]*clCounter{}
	for _, user := range []string{"a", "b", "g"} {
		nc := accConnect(t, b, user)
		c := newCounter()
		nc.Subscribe("pool.>", c.handler)
		nc.Flush()
		subs[user] = c
	}
	clWaitFor(t, clusterWait, "interest on a", func() bool { return a.NumRemoteSubscriptions() == 3 })
	// Each account's interest sits on the connection that carries it.
	for _, r := range a.registeredRoutes() {
		r.mu.Lock()
		for key := range r.subs {
			var acc string
			fmt.Sscan(key, &acc)
			ok := r.route.pinned == acc
			if r.route.pinned == "" {
				ok = acc != "B" && acc != "$SYS" && int(fnv32a(acc)%4) == r.route.poolIdx
			}
			if !ok {
				t.Errorf("interest %q on the route with pool index %d, pinned %q", key, r.route.poolIdx, r.route.pinned)
			}
		}
		r.mu.Unlock()
	}
	for _, user := range []string{"a", "b", "g"} {
		pub := accConnect(t, a, user)
		for i := 0; i < 10; i++ {
			pub.Publish(fmt.Sprintf("pool.%s.%d", user, i), []byte(user))
		}
		pub.Flush()
	}
	for user, c := range subs {
		clWaitFor(t, clusterWait, user+"'s messages", func() bool { return c.total() == 10 })
	}
	for user, c := range subs {
		c.mu.Lock()
		if len(c.msgs) != 1 || c.msgs[user] != 10 {
			t.Errorf("%s got %v, want its account's 10 messages only", user, c.msgs)
		}
		c.mu.Unlock()
	}
}

// TestClusterCompletesPinnedRoute: when a pooling peer dials the pool but
// not the pinned system account route (nats-server does not for routes it
// learned through gossip), natsd dials that one itself.
func TestClusterCompletesPinnedRoute(t *testing.T) {
	old := pinnedFillDelay
	pinnedFillDelay = 50 * time.Millisecond
	defer func() { pinnedFillDelay = old }()
	s := clStart(t, clOpts("a"))
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer l.Close()
	port := l.Addr().(*net.TCPAddr).Port
	info := fmt.Sprintf(`INFO {"server_id":"NFAKEP","server_name":"fake","cluster":"test","host":"127.0.0.1","port":%d,"route_pool_size":3}`+"\r\n", port)

	conn, err := net.Dial("tcp", s.ClusterAddr().String())
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Close()
	conn.SetDeadline(time.Now().Add(10 * time.Second))
	br := bufio.NewReader(conn)
	if l, err := br.ReadString('\n'); err != nil || !strings.HasPrefix(l, "INFO {") || !strings.Contains(l, `"route_pool_size":3`) {
		t.Fatalf("accept INFO: %q %v", l, err)
	}
	fmt.Fprintf(conn, "CONNECT {\"name\":\"NFAKEP\",\"cluster\":\"test\"}\r\n%s", info)
	clWaitFor(t, clusterWait, "fake peer registered", func() bool { return s.routeTo("NFAKEP") != nil })

	l.(*net.TCPListener).SetDeadline(time.Now().Add(10 * time.Second))
	pc, err := l.Accept()
	if err != nil {
		t.Fatalf("natsd did not dial the pinned route: %v", err)
	}
	defer pc.Close()
	pc.SetDeadline(time.Now().Add(10 * time.Second))
	io.WriteString(pc, info)
	pr := bufio.NewReader(pc)
	if l, err := pr.ReadString('\n'); err != nil || !strings.HasPrefix(l, "CONNECT {") || !strings.Contains(l, `"name":"`+s.ID()+`"`) {
		t.Fatalf("pinned route CONNECT: %q %v", l, err)
	}
	if l, err := pr.ReadString('\n'); err != nil || !strings.Contains(l, `"route_account":"$SYS"`) {
		t.Fatalf("pinned route INFO: %q %v", l, err)
	}
	clWaitFor(t, clusterWait, "pinned route registered", func() bool { return len(s.registeredRoutes()) == 2 })
}
