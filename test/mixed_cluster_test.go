//go:build !refserver

package test

// Mixed clusters: natsd and nats-server nodes in one cluster, speaking
// nats-server's route protocol. These tests need the reference binary
// (NATS_REF_SERVER, see /work/shared/tools/reference-tools) and skip
// without it. Helpers here are prefixed mx.

import (
	"fmt"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/nats-io/nats.go"
)

// mxRefBinary is the nats-server binary the mixed tests run, or a skip.
func mxRefBinary(t *testing.T) string {
	t.Helper()
	ref := os.Getenv("NATS_REF_SERVER")
	if ref == "" {
		t.Skip("mixed-cluster test: set NATS_REF_SERVER to a nats-server v2.10+ binary " +
			"(eval \"$(/work/shared/tools/reference-tools)\") to run it")
	}
	if _, err := os.Stat(ref); err != nil {
		t.Skipf("mixed-cluster test: NATS_REF_SERVER=%s: %v", ref, err)
	}
	return ref
}

// mxConf is the configuration a mixed-cluster node runs, the same file
// format for both servers.
type mxConf struct {
	name                     string
	port, clusterPort, mport int
	routes                   []string
	extraCluster             string // more keys in the cluster block
	extra                    string // more top-level keys
	jsDir                    string // JetStream on, for account A, stored here
	sys                      bool   // a system account SYS with user sys (password p)
}

func (c *mxConf) text() string {
	var b strings.Builder
	fmt.Fprintf(&b, "listen: 127.0.0.1:%d\nhttp: 127.0.0.1:%d\nserver_name: %s\n", c.port, c.mport, c.name)
	js := ""
	if c.jsDir != "" {
		js = ", jetstream: enabled"
		fmt.Fprintf(&b, "jetstream { store_dir: %q }\n", c.jsDir)
	}
	fmt.Fprintf(&b, "accounts {\n  A: { users: [ {user: a, password: p} ]%s }\n  B: { users: [ {user: b, password: p} ] }\n", js)
	if c.sys {
		b.WriteString("  SYS: { users: [ {user: sys, password: p} ] }\n}\nsystem_account: SYS\n")
	} else {
		b.WriteString("}\n")
	}
	b.WriteString(c.extra)
	fmt.Fprintf(&b, "\ncluster {\n  name: mixed\n  listen: 127.0.0.1:%d\n", c.clusterPort)
	if len(c.routes) > 0 {
		fmt.Fprintf(&b, "  routes: [ %s ]\n", strings.Join(c.routes, ", "))
	}
	b.WriteString(c.extraCluster)
	b.WriteString("\n}\n")
	return b.String()
}

// mxNode prepares a node running bin with a config file; routes are the
// route URLs it solicits.
func mxNode(t *testing.T, bin, name string, routes []string, tweak func(*mxConf)) *clProc {
	t.Helper()
	c := &mxConf{name: name, port: clFreePort(t), clusterPort: clFreePort(t), mport: clFreePort(t), routes: routes}
	if tweak != nil {
		tweak(c)
	}
	path := filepath.Join(t.TempDir(), name+".conf")
	if err := os.WriteFile(path, []byte(c.text()), 0o644); err != nil {
		t.Fatal(err)
	}
	return &clProc{t: t, bin: bin, name: name, port: c.port, clusterPort: c.clusterPort, mport: c.mport,
		args: []string{"-c", path}}
}

// mxURL is a client URL of p for account user u ("a" or "b").
func mxURL(p *clProc, u string) string {
	return fmt.Sprintf("nats://%s:p@127.0.0.1:%d", u, p.port)
}

// mxRids is the set of route connection ids of every node, to tell that
// no route was replaced (flapping) between two snapshots.
func mxRids(t *testing.T, procs []*clProc) string {
	t.Helper()
	var b strings.Builder
	for _, p := range procs {
		var rz struct {
			Routes []struct {
				Rid      uint64 `json:"rid"`
				RemoteID string `json:"remote_id"`
			} `json:"routes"`
		}
		if err := p.get("/routez", &rz); err != nil {
			t.Fatalf("%s routez: %v", p.name, err)
		}
		var ids []string
		for _, r := range rz.Routes {
			ids = append(ids, fmt.Sprintf("%d/%s", r.Rid, r.RemoteID))
		}
		slices.Sort(ids)
		fmt.Fprintf(&b, "%s: %s\n", p.name, strings.Join(ids, " "))
	}
	return b.String()
}

// mxPoolSize is the default pool_size: at least that many route
// connections link any two servers, plus the system account's pinned one.
// (Two nats-server nodes that meet through gossip forwarded by another
// server were seen to open only the pool, without the pinned one; natsd
// always completes its own.)
const mxPoolSize = 3

// mxWaitPools waits for the full mesh with every pool complete: every
// server has its pool to every other, and natsd servers also the pinned
// system account route.
func mxWaitPools(t *testing.T, procs []*clProc) {
	t.Helper()
	clWaitMesh(t, procs)
	clWaitFor(t, "complete route pools", func() bool {
		for _, p := range procs {
			var rz struct {
				Routes []struct {
					RemoteID   string `json:"remote_id"`
					RemoteName string `json:"remote_name"`
				} `json:"routes"`
			}
			if p.get("/routez", &rz) != nil {
				return false
			}
			per := map[string]int{}
			natsdPeer := map[string]bool{}
			for _, r := range rz.Routes {
				per[r.RemoteID]++
				natsdPeer[r.RemoteID] = strings.HasPrefix(r.RemoteName, "natsd") || !strings.HasPrefix(r.RemoteName, "ref")
			}
			if len(per) != len(procs)-1 {
				return false
			}
			for id, n := range per {
				want := mxPoolSize
				if natsdPeer[id] || !strings.HasPrefix(p.name, "ref") {
					want = mxPoolSize + 1
				}
				if n < want {
					return false
				}
			}
		}
		return true
	})
}

// mxWaitDelivered publishes probes on subject from pub until sub's
// connection sees one: the interest has crossed the route.
func mxWaitDelivered(t *testing.T, pub *nats.Conn, sub *nats.Subscription, subject string) {
	t.Helper()
	deadline := time.Now().Add(clWait)
	for {
		pub.Publish(subject, []byte("probe"))
		pub.Flush()
		if m, err := sub.NextMsg(100 * time.Millisecond); err == nil && string(m.Data) == "probe" {
			// Drain the other probes.
			for {
				if _, err := sub.NextMsg(200 * time.Millisecond); err != nil {
					return
				}
			}
		}
		if time.Now().After(deadline) {
			t.Fatalf("interest in %q never reached the publisher's node", subject)
		}
	}
}

// mxCheckPair checks core NATS between a publisher on node from and
// subscribers on node to.
func mxCheckPair(t *testing.T, from, to *clProc, maxPayload int) {
	t.Helper()
	tag := from.name + "->" + to.name
	pubA := clConnect(t, mxURL(from, "a"))
	subA := clConnect(t, mxURL(to, "a"))
	subB := clConnect(t, mxURL(to, "b"))
	base := "mx." + strings.ReplaceAll(tag, "->", "_")

	// Wildcard interest, and accounts kept apart: B subscribes to the
	// same subjects and must see nothing of A's messages.
	wild, _ := subA.SubscribeSync(base + ".*.>")
	other, _ := subB.SubscribeSync(base + ".>")
	subA.Flush()
	subB.Flush()
	mxWaitDelivered(t, pubA, wild, base+".p.x")
	for i := 0; i < 10; i++ {
		pubA.Publish(fmt.Sprintf("%s.w.%d", base, i), []byte(fmt.Sprint(i)))
	}
	pubA.Flush()
	for i := 0; i < 10; i++ {
		m, err := wild.NextMsg(5 * time.Second)
		if err != nil || string(m.Data) != fmt.Sprint(i) {
			t.Fatalf("%s wildcard: message %d: %v %v", tag, i, m, err)
		}
	}
	if m, err := other.NextMsg(200 * time.Millisecond); err == nil {
		t.Fatalf("%s: account B got account A's message %q on %s", tag, m.Data, m.Subject)
	}

	// Headers, and a message as large as max_payload allows.
	hm := nats.NewMsg(base + ".h.big")
	hm.Header.Set("X-Mixed", tag)
	hm.Data = make([]byte, maxPayload-200)
	for i := range hm.Data {
		hm.Data[i] = byte('a' + i%26)
	}
	if err := pubA.PublishMsg(hm); err != nil {
		t.Fatalf("%s publish big: %v", tag, err)
	}
	pubA.Flush()
	m, err := wild.NextMsg(5 * time.Second)
	if err != nil || m.Header.Get("X-Mixed") != tag || len(m.Data) != len(hm.Data) || string(m.Data[:52]) != string(hm.Data[:52]) {
		t.Fatalf("%s headers/big message: %v", tag, err)
	}
	wild.Unsubscribe()
	other.Unsubscribe()

	// Request/reply, and no responders.
	svc := base + ".svc"
	rs, _ := subA.Subscribe(svc, func(m *nats.Msg) { m.Respond(append([]byte("re:"), m.Data...)) })
	subA.Flush()
	clWaitFor(t, tag+" request", func() bool {
		r, err := pubA.Request(svc, []byte("q"), 500*time.Millisecond)
		return err == nil && string(r.Data) == "re:q"
	})
	rs.Unsubscribe()
	subA.Flush()
	clWaitFor(t, tag+" no responders", func() bool {
		_, err := pubA.Request(svc, []byte("q"), time.Second)
		return err == nats.ErrNoResponders
	})

	// Max messages: an auto-unsubscribed subscription gets exactly 2.
	// (Its interest and the probe's travel in order on the account's
	// route connection.)
	ms, _ := subA.SubscribeSync(base + ".max")
	ms.AutoUnsubscribe(2)
	probe, _ := subA.SubscribeSync(base + ".maxprobe")
	subA.Flush()
	mxWaitDelivered(t, pubA, probe, base+".maxprobe")
	for i := 0; i < 5; i++ {
		pubA.Publish(base+".max", []byte("m"))
	}
	pubA.Flush()
	// A round trip through the same route after the burst.
	ping, _ := subA.SubscribeSync(base + ".after")
	subA.Flush()
	mxWaitDelivered(t, pubA, ping, base+".after")
	if n, _, _ := ms.Pending(); n != 2 {
		t.Fatalf("%s: auto-unsubscribed subscription holds %d messages, want 2", tag, n)
	}
}

// mxCheckQueue checks that a queue group with members on every node but
// the publisher's gets each message once.
func mxCheckQueue(t *testing.T, procs []*clProc, pubIdx int) {
	t.Helper()
	subj := fmt.Sprintf("mx.queue.%d", pubIdx)
	var got atomic.Int64
	seen := make(map[string]int)
	var mu = make(chan struct{}, 1)
	mu <- struct{}{}
	for i, p := range procs {
		if i == pubIdx {
			continue
		}
		nc := clConnect(t, mxURL(p, "a"))
		for k := 0; k < 2; k++ {
			nc.QueueSubscribe(subj, "workers", func(m *nats.Msg) {
				<-mu
				seen[string(m.Data)]++
				mu <- struct{}{}
				got.Add(1)
			})
		}
		nc.Flush()
	}
	pub := clConnect(t, mxURL(procs[pubIdx], "a"))
	// Every member's node must have sent its interest: probe each with a
	// plain subscriber-free wait on the group's weight is not visible to
	// clients, so probe until a message is delivered, then count.
	clWaitFor(t, "queue interest", func() bool {
		pub.Publish(subj, []byte("probe"))
		pub.Flush()
		time.Sleep(20 * time.Millisecond)
		return got.Load() > 0
	})
	time.Sleep(200 * time.Millisecond) // let the probes land
	base := got.Load()
	const n = 300
	for i := 0; i < n; i++ {
		pub.Publish(subj, []byte(fmt.Sprint(i)))
	}
	pub.Flush()
	clWaitFor(t, "queue messages", func() bool { return got.Load() >= base+n })
	time.Sleep(200 * time.Millisecond)
	<-mu
	defer func() { mu <- struct{}{} }()
	for i := 0; i < n; i++ {
		if c := seen[fmt.Sprint(i)]; c != 1 {
			t.Fatalf("queue message %d delivered %d times", i, c)
		}
	}
}

// mxCheckCluster runs the core checks across every pair of nodes.
func mxCheckCluster(t *testing.T, procs []*clProc) {
	t.Helper()
	mxWaitPools(t, procs)
	before := mxRids(t, procs)
	for i, from := range procs {
		for j, to := range procs {
			if i != j {
				mxCheckPair(t, from, to, 1<<20)
			}
		}
	}
	for i := range procs {
		mxCheckQueue(t, procs, i)
	}
	// No route was replaced while all that ran: no flapping.
	if after := mxRids(t, procs); after != before {
		t.Fatalf("routes changed:\nbefore:\n%s\nafter:\n%s", before, after)
	}
}

// TestMixedClusterNatsdJoins: a natsd node joins a running nats-server
// cluster through one seed (gossip brings the other node), and a second
// natsd node joins with explicit routes to everyone.
func TestMixedClusterNatsdJoins(t *testing.T) {
	ref := mxRefBinary(t)
	bin := clBuild(t, t.TempDir())
	r1 := mxNode(t, ref, "ref1", nil, nil)
	r2 := mxNode(t, ref, "ref2", []string{r1.routeURL()}, nil)
	r1.start()
	r2.start()
	clWaitMesh(t, []*clProc{r1, r2})
	n1 := mxNode(t, bin, "natsd1", []string{r1.routeURL()}, nil)
	n1.start()
	n2 := mxNode(t, bin, "natsd2", []string{r1.routeURL(), r2.routeURL(), n1.routeURL()}, nil)
	n2.start()
	mxCheckCluster(t, []*clProc{r1, r2, n1, n2})
}

// TestMixedClusterRefJoins: a nats-server node joins a natsd cluster
// through one seed.
func TestMixedClusterRefJoins(t *testing.T) {
	ref := mxRefBinary(t)
	bin := clBuild(t, t.TempDir())
	n1 := mxNode(t, bin, "natsd1", nil, nil)
	n2 := mxNode(t, bin, "natsd2", []string{n1.routeURL()}, nil)
	n1.start()
	n2.start()
	clWaitMesh(t, []*clProc{n1, n2})
	r1 := mxNode(t, ref, "ref1", []string{n2.routeURL()}, nil)
	r1.start()
	mxCheckCluster(t, []*clProc{n1, n2, r1})
}

// TestMixedClusterConnectURLsFailover: clients of either server learn
// every node's client URL, and fail over from a natsd node to a
// nats-server node and back.
func TestMixedClusterConnectURLsFailover(t *testing.T) {
	ref := mxRefBinary(t)
	bin := clBuild(t, t.TempDir())
	r1 := mxNode(t, ref, "ref1", nil, nil)
	n1 := mxNode(t, bin, "natsd1", []string{r1.routeURL()}, nil)
	n2 := mxNode(t, bin, "natsd2", []string{r1.routeURL()}, nil)
	r1.start()
	n1.start()
	n2.start()
	procs := []*clProc{r1, n1, n2}
	mxWaitPools(t, procs)
	want := []string{}
	for _, p := range procs {
		want = append(want, fmt.Sprintf("nats://127.0.0.1:%d", p.port))
	}
	slices.Sort(want)
	for _, p := range procs {
		nc := clConnect(t, mxURL(p, "a"))
		clWaitFor(t, p.name+"'s clients learn every node", func() bool {
			got := nc.Servers()
			slices.Sort(got)
			return slices.Equal(got, want)
		})
	}

	// A subscriber connected to natsd1 only (it learns the rest), a
	// publisher on natsd2; natsd1 dies, then the node the subscriber
	// moved to.
	var got atomic.Int64
	sub, err := nats.Connect(mxURL(n1, "a"), nats.MaxReconnects(-1), nats.ReconnectWait(20*time.Millisecond))
	if err != nil {
		t.Fatal(err)
	}
	defer sub.Close()
	sub.Subscribe("fo.>", func(*nats.Msg) { got.Add(1) })
	sub.Flush()
	pub := clConnect(t, mxURL(n2, "a"))
	clWaitFor(t, "subscriber learns the cluster", func() bool { return len(sub.Servers()) == 3 })
	deliver := func(what string) {
		t.Helper()
		clWaitFor(t, what, func() bool {
			n := got.Load()
			pub.Publish("fo.x", []byte("x"))
			pub.Flush()
			deadline := time.Now().Add(300 * time.Millisecond)
			for time.Now().Before(deadline) {
				if got.Load() > n {
					return true
				}
				time.Sleep(10 * time.Millisecond)
			}
			return false
		})
	}
	deliver("delivery before failover")
	n1.kill()
	clWaitFor(t, "subscriber reconnected", func() bool { return sub.IsConnected() && sub.ConnectedUrl() != "" })
	first := sub.ConnectedServerName()
	deliver("delivery after failing over to " + first)
	if first == "natsd1" {
		t.Fatalf("still connected to the killed node")
	}
	// Kill the node it moved to (if it is the publisher's, move the
	// publisher first); it fails over again.
	if first == "natsd2" {
		pub = clConnect(t, mxURL(r1, "a"))
		n2.kill()
	} else {
		r1.kill()
	}
	clWaitFor(t, "subscriber reconnected again", func() bool {
		return sub.IsConnected() && sub.ConnectedServerName() != first
	})
	deliver("delivery after failing over to " + sub.ConnectedServerName())
}
