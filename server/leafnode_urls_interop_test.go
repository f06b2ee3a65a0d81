package server

import (
	"fmt"
	"syscall"
	"testing"
	"time"
)

// TestLeafURLsInteropMixedHubCluster: a hub cluster of a natsd node and a
// nats-server node shares leaf URLs both ways. A leaf connected to the
// natsd node hears of the nats-server node when it joins (asynchronous
// INFO) and of its leaving; the nats-server node lists the natsd node's
// leaf URL, so its nats-server leaf fails over to the natsd node when it
// is killed, and traffic resumes.
func TestLeafURLsInteropMixedHubCluster(t *testing.T) {
	o := hubOpts("nd")
	o.Cluster = ClusterOpts{Name: "hc", Host: "127.0.0.1", Port: RandomPort}
	nd := clStart(t, o)
	ndURL := nd.LeafAddr().String()
	probe := newLeafProbe(t, nd)
	probe.waitURLs(t, ndURL)
	nl := clStart(t, leafOpts("nl", leafURLOf(nd)))
	waitLeafs(t, nl, 1)

	rs := startRef(t, fmt.Sprintf("listen: 127.0.0.1:-1\nserver_name: rs\ncluster { name: hc, listen: 127.0.0.1:-1, routes: [%q] }\nleafnodes { listen: 127.0.0.1:-1 }\n", clRouteURL(nd)))
	rsURL := rs.listenAddr["leafnode"]
	// natsd learns the nats-server node's leaf URL from its route INFO
	// and tells its leaves; nats-server learns natsd's.
	probe.waitURLs(t, ndURL, rsURL)
	waitLearned(t, nl, rsURL)
	dialLeafProbe(t, rsURL).waitURLSet(t, rsURL, ndURL) // nats-server lists its own first or not

	rl := startRef(t, fmt.Sprintf("listen: 127.0.0.1:-1\nserver_name: rl\nleafnodes { reconnect: \"100ms\", remotes: [ { url: %q } ] }\n", rs.leafURL))
	rc := refConnect(t, rl.clientURL)
	rsub, _ := rc.SubscribeSync("to.rl")
	rc.Flush()
	nc := leafConnect(t, nd)
	waitDelivers(t, nc, "to.rl", rsub)

	// The nats-server node dies: natsd drops its URL, and the nats-server
	// leaf fails over to the natsd node.
	rs.cmd.Process.Kill()
	rs.cmd.Wait()
	probe.waitURLs(t, ndURL)
	waitLearned(t, nl)
	waitLeafs(t, nd, 3) // nl, the probe and rl
	waitDelivers(t, nc, "to.rl", rsub)
	lc := leafConnect(t, nl)
	waitDelivers(t, lc, "to.rl", rsub)
}

// TestLeafURLsInteropLameDuck: in a mixed hub cluster, a node entering
// lame-duck mode is dropped from the leaf URLs the other announces, both
// ways (natsd tells its peers with a route INFO, nats-server with its
// system event).
func TestLeafURLsInteropLameDuck(t *testing.T) {
	for _, natsdLDM := range []bool{true, false} {
		o := hubOpts("nd")
		o.Cluster = ClusterOpts{Name: "hc", Host: "127.0.0.1", Port: RandomPort}
		o.LameDuckDuration, o.LameDuckGracePeriod = 30*time.Second, time.Millisecond
		nd := clStart(t, o)
		ndURL := nd.LeafAddr().String()
		rs := startRef(t, fmt.Sprintf("listen: 127.0.0.1:-1\nserver_name: rs\nlame_duck_duration: \"30s\"\nlame_duck_grace_period: \"10ms\"\ncluster { name: hc, listen: 127.0.0.1:-1, routes: [%q] }\nleafnodes { listen: 127.0.0.1:-1 }\n", clRouteURL(nd)))
		rsURL := rs.listenAddr["leafnode"]
		if natsdLDM {
			rsProbe := dialLeafProbe(t, rsURL)
			rsProbe.waitURLSet(t, rsURL, ndURL)
			go nd.LameDuckShutdown()
			rsProbe.waitURLs(t, rsURL)
		} else {
			ndProbe := newLeafProbe(t, nd)
			ndProbe.waitURLs(t, ndURL, rsURL)
			rs.cmd.Process.Signal(syscall.SIGUSR2) // nats-server's lame-duck signal
			ndProbe.waitURLs(t, ndURL)
		}
	}
}

// TestLeafURLsInteropRefLeafLearns: a nats-server leaf of a natsd hub
// takes the asynchronous INFO announcing a node that joined the hub
// cluster after it connected, and fails over to that node when its own
// dies.
func TestLeafURLsInteropRefLeafLearns(t *testing.T) {
	hubs := clStartCluster(t, 1, func(_ int, o *Options) { leafHub(o) })
	n1 := hubs[0]
	rl := startRef(t, fmt.Sprintf("listen: 127.0.0.1:-1\nserver_name: rl\nleafnodes { reconnect: \"100ms\", remotes: [ { url: %q } ] }\n", leafURLOf(n1)))
	waitLeafs(t, n1, 1)
	o2 := clOpts("n2", clRouteURL(n1))
	leafHub(o2)
	n2 := clStart(t, o2)
	clWaitMesh(t, []*Server{n1, n2})
	// Once n2 is known to n1's leaves (the probe stands for rl, which got
	// the same INFO), n1 goes away.
	newLeafProbe(t, n1).waitURLs(t, hubURLs(n1, n2)...)
	rc := refConnect(t, rl.clientURL)
	rsub, _ := rc.SubscribeSync("to.rl")
	rc.Flush()
	n1.Shutdown()
	waitLeafs(t, n2, 1)
	waitDelivers(t, clConnect(t, n2), "to.rl", rsub)
}
