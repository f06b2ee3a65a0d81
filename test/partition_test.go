//go:build linux && !refserver

package test

// A network-partition test: three natsd processes, each in its own network
// namespace created by the test, joined by veth pairs to a bridge in a
// fourth ("switch") namespace. Cutting a node's switch port partitions it;
// bringing the port back up heals the partition. Helpers are prefixed pt.
//
// The test process itself stays in the host namespace: its clients dial
// from a goroutine locked to an OS thread that has joined the node's
// namespace (setns), so nothing is exposed outside the namespaces. Needs
// root and iproute2.

import (
	"context"
	"encoding/json"
	"fmt"
	"net"
	"net/http"
	"os"
	"os/exec"
	"runtime"
	"strings"
	"testing"
	"time"

	"github.com/nats-io/nats.go"
	"golang.org/x/sys/unix"
)

const (
	ptIP      = "/usr/sbin/ip"
	ptWait    = 20 * time.Second
	ptPort    = 4222
	ptCluster = 6222
	ptMon     = 8222
)

// ptNet is the namespaces of one test: nodes[i] holds node i, sw the bridge.
type ptNet struct {
	t     *testing.T
	sw    string
	nodes []string
	addrs []string
}

func ptRun(t *testing.T, args ...string) {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	if out, err := exec.CommandContext(ctx, ptIP, args...).CombinedOutput(); err != nil {
		t.Fatalf("ip %s: %v\n%s", strings.Join(args, " "), err, out)
	}
}

// ptSkip skips unless we are root with a working `ip netns`.
func ptSkip(t *testing.T) {
	if testing.Short() {
		t.Skip("partition test skipped with -short")
	}
	if os.Geteuid() != 0 {
		t.Skip("partition test needs root")
	}
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	if err := exec.CommandContext(ctx, ptIP, "netns", "list").Run(); err != nil {
		t.Skipf("ip netns unavailable: %v", err)
	}
}

// ptSetup creates the switch namespace with a bridge and n node namespaces,
// node i at 10.231.0.(i+1)/24 behind veth "eth0" whose peer "p<i>" is a
// port of the bridge. Everything is deleted in Cleanup.
func ptSetup(t *testing.T, n int) *ptNet {
	ptReap(t)
	prefix := fmt.Sprintf("natsd-pt-%d-", os.Getpid())
	pn := &ptNet{t: t, sw: prefix + "sw"}
	all := []string{pn.sw}
	for i := 0; i < n; i++ {
		pn.nodes = append(pn.nodes, fmt.Sprintf("%s%c", prefix, 'a'+i))
		pn.addrs = append(pn.addrs, fmt.Sprintf("10.231.0.%d", i+1))
	}
	all = append(all, pn.nodes...)
	for _, ns := range all {
		ptRun(t, "netns", "add", ns)
		t.Cleanup(func() {
			ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
			defer cancel()
			if out, err := exec.CommandContext(ctx, ptIP, "netns", "del", ns).CombinedOutput(); err != nil {
				t.Errorf("ip netns del %s: %v\n%s", ns, err, out)
			}
		})
		ptRun(t, "-n", ns, "link", "set", "lo", "up")
	}
	ptRun(t, "-n", pn.sw, "link", "add", "br0", "type", "bridge")
	ptRun(t, "-n", pn.sw, "link", "set", "br0", "up")
	for i, ns := range pn.nodes {
		port := fmt.Sprintf("p%d", i)
		// Both ends are created directly inside our namespaces.
		ptRun(t, "-n", pn.sw, "link", "add", port, "type", "veth", "peer", "name", "eth0", "netns", ns)
		ptRun(t, "-n", pn.sw, "link", "set", port, "master", "br0")
		ptRun(t, "-n", pn.sw, "link", "set", port, "up")
		ptRun(t, "-n", ns, "addr", "add", pn.addrs[i]+"/24", "dev", "eth0")
		ptRun(t, "-n", ns, "link", "set", "eth0", "up")
	}
	return pn
}

// ptReap deletes namespaces left by an earlier run of this test whose
// process is gone (killed by a go test timeout, which skips Cleanup).
func ptReap(t *testing.T) {
	ents, err := os.ReadDir("/var/run/netns")
	if err != nil {
		return
	}
	for _, e := range ents {
		var pid int
		var rest string
		if _, err := fmt.Sscanf(e.Name(), "natsd-pt-%d-%s", &pid, &rest); err != nil || pid == os.Getpid() {
			continue
		}
		if _, err := os.Stat(fmt.Sprintf("/proc/%d", pid)); err == nil {
			continue // still running
		}
		t.Logf("removing stale namespace %s", e.Name())
		exec.Command(ptIP, "netns", "del", e.Name()).Run()
	}
}

// link takes node i's switch port down (up=false) or up again.
func (pn *ptNet) link(i int, up bool) {
	state := "down"
	if up {
		state = "up"
	}
	ptRun(pn.t, "-n", pn.sw, "link", "set", fmt.Sprintf("p%d", i), state)
}

// ptDial dials addr from inside network namespace ns: the socket is
// created on an OS thread that joined ns; that thread is never returned to
// the scheduler (the goroutine exits still locked, so the runtime ends it).
func ptDial(ns, network, addr string) (net.Conn, error) {
	type result struct {
		c   net.Conn
		err error
	}
	ch := make(chan result, 1)
	go func() {
		runtime.LockOSThread() // no unlock: the thread dies with us
		f, err := os.Open("/var/run/netns/" + ns)
		if err != nil {
			ch <- result{nil, err}
			return
		}
		defer f.Close()
		if err := unix.Setns(int(f.Fd()), unix.CLONE_NEWNET); err != nil {
			ch <- result{nil, fmt.Errorf("setns %s: %w", ns, err)}
			return
		}
		c, err := net.DialTimeout(network, addr, 2*time.Second)
		ch <- result{c, err}
	}()
	r := <-ch
	return r.c, r.err
}

// ptDialer is a nats.CustomDialer dialing from a namespace.
type ptDialer struct{ ns string }

func (d ptDialer) Dial(network, addr string) (net.Conn, error) { return ptDial(d.ns, network, addr) }

// ptNode is one natsd in its namespace; proc runs `ip netns exec`, which
// execs natsd, so killing proc kills the server.
type ptNode struct {
	ns, addr string
	proc     *clProc
	http     *http.Client
}

func ptStart(t *testing.T, bin string, pn *ptNet, i int) *ptNode {
	t.Helper()
	n := &ptNode{ns: pn.nodes[i], addr: pn.addrs[i]}
	var routes []string
	for j, a := range pn.addrs {
		if j != i {
			routes = append(routes, fmt.Sprintf("nats://%s:%d", a, ptCluster))
		}
	}
	name := fmt.Sprintf("pt%c", 'a'+i)
	p := &clProc{t: t, bin: ptIP, name: name}
	p.args = []string{"netns", "exec", n.ns, bin,
		"-a", n.addr, "-p", fmt.Sprint(ptPort), "-m", fmt.Sprint(ptMon), "-n", name,
		"--cluster", fmt.Sprintf("nats://%s:%d", n.addr, ptCluster), "--cluster_name", "pt",
		"--routes", strings.Join(routes, ","),
		// Notice a dead peer within a few seconds. The same pings go to
		// the test's clients: a shorter interval (250 ms, 2 out) had a
		// race-instrumented client on a loaded machine closed as stale
		// now and then, losing the messages the test counts.
		"--ping_interval", "1s", "--ping_max", "2"}
	p.start()
	n.proc = p
	n.http = &http.Client{Timeout: 2 * time.Second, Transport: &http.Transport{
		DisableKeepAlives: true,
		DialContext: func(_ context.Context, network, addr string) (net.Conn, error) {
			return ptDial(n.ns, network, addr)
		},
	}}
	t.Cleanup(n.http.CloseIdleConnections)
	return n
}

// routez reads /routez, ok=false if the node does not answer.
func (n *ptNode) routez() (rz clRoutez, ok bool) {
	resp, err := n.http.Get(fmt.Sprintf("http://%s:%d/routez", n.addr, ptMon))
	if err != nil {
		return rz, false
	}
	defer resp.Body.Close()
	return rz, json.NewDecoder(resp.Body).Decode(&rz) == nil
}

func (n *ptNode) numRoutes() int {
	rz, ok := n.routez()
	if !ok {
		return -1
	}
	return rz.peers()
}

// connect is a nats.go client dialing from n's namespace.
func (n *ptNode) connect(t *testing.T) *nats.Conn {
	t.Helper()
	nc, err := nats.Connect(fmt.Sprintf("nats://%s:%d", n.addr, ptPort), nats.SetCustomDialer(ptDialer{n.ns}),
		nats.MaxReconnects(-1), nats.ReconnectWait(50*time.Millisecond), nats.Timeout(2*time.Second),
		nats.ErrorHandler(func(*nats.Conn, *nats.Subscription, error) {}))
	if err != nil {
		t.Fatalf("connect to %s: %v", n.proc.name, err)
	}
	t.Cleanup(nc.Close)
	return nc
}

func ptWaitFor(t *testing.T, what string, cond func() bool, state ...func() string) {
	t.Helper()
	deadline := time.Now().Add(ptWait)
	for !cond() {
		if time.Now().After(deadline) {
			for _, f := range state {
				what += " (" + f() + ")"
			}
			t.Fatalf("timed out after %v waiting for %s", ptWait, what)
		}
		time.Sleep(20 * time.Millisecond)
	}
}

// ptRoutes waits until node i reports want[i] routes.
func ptRoutes(t *testing.T, what string, nodes []*ptNode, want []int) {
	t.Helper()
	ptWaitFor(t, what, func() bool {
		for i, n := range nodes {
			if n.numRoutes() != want[i] {
				return false
			}
		}
		return true
	})
}

// ptCount returns how many of the payloads with prefix c has seen.
func ptCount(c *clCount, prefix string) int {
	c.mu.Lock()
	defer c.mu.Unlock()
	n := 0
	for k, v := range c.m {
		if strings.HasPrefix(k, prefix) {
			n += v
		}
	}
	return n
}

// TestPartition: three nodes in a full mesh, a publisher on A, subscribers
// on B and C. C is cut off at the switch: A and B drop their routes to C
// and keep talking; healing the link re-forms the mesh and A's messages
// reach C again, exactly once.
func TestPartition(t *testing.T) {
	ptSkip(t)
	start := time.Now()
	bin := clBuild(t, t.TempDir())
	pn := ptSetup(t, 3)
	var nodes []*ptNode
	for i := range pn.nodes {
		nodes = append(nodes, ptStart(t, bin, pn, i))
	}
	a, b, c := nodes[0], nodes[1], nodes[2]
	t.Cleanup(func() {
		if t.Failed() {
			for _, nd := range nodes {
				t.Logf("%s log:\n%s", nd.proc.name, nd.proc.logText())
			}
		}
	})
	ptRoutes(t, "full mesh", nodes, []int{2, 2, 2})

	subB, subC := &clCount{}, &clCount{}
	ncB, ncC := b.connect(t), c.connect(t)
	ncB.Subscribe("pt.>", subB.handler)
	ncC.Subscribe("pt.>", subC.handler)
	ncB.Flush()
	ncC.Flush()
	pub := a.connect(t)
	// Interest crosses the routes: probe until both see one.
	probes := 0
	ptWaitFor(t, "interest on A", func() bool {
		probes++ // unique payloads: dups() must not count probes
		pub.Publish("pt.probe", []byte(fmt.Sprint("probe-", probes)))
		pub.Flush()
		time.Sleep(20 * time.Millisecond)
		return ptCount(subB, "probe") > 0 && ptCount(subC, "probe") > 0
	})
	const n = 100
	publish := func(tag string) {
		for i := 0; i < n; i++ {
			pub.Publish("pt.msg", []byte(fmt.Sprintf("%s-%d", tag, i)))
		}
		if err := pub.Flush(); err != nil {
			t.Fatalf("flush %s: %v", tag, err)
		}
	}
	publish("before")
	ptWaitFor(t, "messages before the partition", func() bool {
		return ptCount(subB, "before-") == n && ptCount(subC, "before-") == n
	}, func() string {
		return fmt.Sprintf("B got %d, C got %d of %d", ptCount(subB, "before-"), ptCount(subC, "before-"), n)
	})

	// Partition C away from A and B.
	pn.link(2, false)
	cut := time.Now()
	ptRoutes(t, "routes to C dropped", nodes, []int{1, 1, 0})
	t.Logf("partition noticed in %v", time.Since(cut).Round(time.Millisecond))
	publish("during")
	ptWaitFor(t, "A and B still talk", func() bool { return ptCount(subB, "during-") == n },
		func() string { return fmt.Sprintf("B got %d of %d", ptCount(subB, "during-"), n) })
	if !ncC.IsConnected() {
		t.Fatal("C's local client lost its connection")
	}

	// Heal: the routes come back and A's interest table learns C's sub.
	pn.link(2, true)
	healed := time.Now()
	ptRoutes(t, "mesh healed", nodes, []int{2, 2, 2})
	t.Logf("mesh healed in %v", time.Since(healed).Round(time.Millisecond))
	ptWaitFor(t, "C's interest back on A", func() bool {
		rz, ok := a.routez()
		if !ok || rz.peers() != 2 {
			return false
		}
		for _, n := range rz.subsByPeer() {
			if n != 1 {
				return false
			}
		}
		return true
	})
	publish("after")
	ptWaitFor(t, "messages after healing", func() bool {
		return ptCount(subB, "after-") == n && ptCount(subC, "after-") == n
	}, func() string {
		return fmt.Sprintf("B got %d, C got %d of %d", ptCount(subB, "after-"), ptCount(subC, "after-"), n)
	})
	// A last marker behind everything else: once it arrives, any
	// duplicate of the batch would have too (one ordered route per peer).
	pub.Publish("pt.end", []byte("end"))
	pub.Flush()
	ptWaitFor(t, "end marker", func() bool { return ptCount(subB, "end") == 1 && ptCount(subC, "end") == 1 })
	time.Sleep(200 * time.Millisecond)

	for _, s := range []struct {
		name string
		c    *clCount
	}{{"B", subB}, {"C", subC}} {
		if d := s.c.dups(); d != 0 {
			t.Errorf("subscriber on %s got %d duplicates", s.name, d)
		}
		if got := ptCount(s.c, "after-"); got != n {
			t.Errorf("subscriber on %s got %d of %d messages after healing", s.name, got, n)
		}
	}
	if got := ptCount(subC, "during-"); got != 0 {
		t.Errorf("partitioned C got %d messages published while cut off", got)
	}
	t.Logf("partition test took %v", time.Since(start).Round(time.Millisecond))
}
