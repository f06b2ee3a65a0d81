package server

import (
	"fmt"
	"net/url"
	"testing"

	"github.com/natsd/natsd/logger"
)

// TestLeafFailoverAdvertised: a remote configured with hub1 only learns
// hub2 from hub1's INFO (hub1 advertises hub2's leaf address) and, when
// hub1 goes away, reconnects to hub2 with the configured URL's user and
// password; its clients' interest follows.
func TestLeafFailoverAdvertised(t *testing.T) {
	auth := func(o *Options) *Options {
		o.LeafNode.Username, o.LeafNode.Password = "leaf", "s3cr3t"
		return o
	}
	hub2 := clStart(t, auth(hubOpts("hub2")))
	o1 := auth(hubOpts("hub1"))
	o1.LeafNode.Advertise = hub2.LeafAddr().String()
	hub1 := clStart(t, o1)
	u, _ := url.Parse("nats://leaf:s3cr3t@" + hub1.LeafAddr().String())
	lo := leafOpts("leaf")
	lo.LeafNode.Remotes = []*RemoteLeafOpts{{URLs: []*url.URL{u}}}
	lf := clStart(t, lo)
	waitLeafs(t, hub1, 1)
	lc := leafConnect(t, lf)
	ls, _ := lc.SubscribeSync("down")
	lc.Flush()
	waitInterest(t, hub1, "$G", "down")

	hub1.Shutdown()
	waitLeafs(t, hub2, 1)
	waitInterest(t, hub2, "$G", "down")
	hc := leafConnect(t, hub2)
	waitDelivers(t, hc, "down", ls)
}

// TestLeafFailoverLearnedURLs: what a remote learns from leafnode_urls:
// the configured URLs first, advertised ones not configured, with the
// configured scheme and user info; a later INFO replaces the list.
func TestLeafFailoverLearnedURLs(t *testing.T) {
	cfg, _ := url.Parse("tls://u:p@hub.example.com:7422")
	r := &leafRemote{s: &Server{log: logger.Discard{}}, opts: &RemoteLeafOpts{URLs: []*url.URL{cfg}}}
	r.learnURLs([]string{"10.0.0.1:7422", "hub.example.com:7422", "bad", "10.0.0.2:7422", "10.0.0.1:7422"}, cfg)
	var got []string
	for _, u := range r.urlsLocked() {
		got = append(got, u.String())
	}
	want := "[tls://u:p@hub.example.com:7422 tls://u:p@10.0.0.1:7422 tls://u:p@10.0.0.2:7422]"
	if fmt.Sprint(got) != want {
		t.Fatalf("urls %v, want %s", got, want)
	}
	if n := r.tlsServerName(r.learned[0]); n != "hub.example.com" {
		t.Fatalf("TLS name of a learned IP: %q", n)
	}
	r.learnURLs([]string{"10.0.0.2:7422"}, cfg)
	if len(r.learned) != 1 || r.learned[0].Host != "10.0.0.2:7422" {
		t.Fatalf("learned after a new INFO: %v", r.learned)
	}
	ws, _ := url.Parse("ws://hub.example.com:8080")
	r.learnURLs([]string{"10.0.0.9:7422"}, ws)
	if len(r.learned) != 1 {
		t.Fatalf("a WebSocket remote learned %v", r.learned)
	}
}

// TestLeafFailoverInteropRefHubCluster: a natsd leaf configured with one
// node of a nats-server hub cluster fails over to the other node (which
// the first advertised) when the first is killed.
func TestLeafFailoverInteropRefHubCluster(t *testing.T) {
	h1 := startRef(t, "listen: 127.0.0.1:-1\nserver_name: h1\ncluster { name: hc, listen: 127.0.0.1:-1 }\nleafnodes { listen: 127.0.0.1:-1 }\n")
	h2 := startRef(t, fmt.Sprintf("listen: 127.0.0.1:-1\nserver_name: h2\ncluster { name: hc, listen: 127.0.0.1:-1, routes: [%q] }\nleafnodes { listen: 127.0.0.1:-1 }\n", "nats://"+h1.listenAddr["route"]))
	hc := refConnect(t, h2.clientURL)
	hs, _ := hc.SubscribeSync("up")
	hc.Flush()
	lf := clStart(t, leafOpts("leaf", h1.leafURL))
	waitLeafs(t, lf, 1)
	lc := leafConnect(t, lf)
	waitDelivers(t, lc, "up", hs)
	// h1 learns h2's leaf URL over the route and tells the leaf.
	clWaitFor(t, leafWait, "h2's leaf URL learned", func() bool {
		lf.mu.Lock()
		defer lf.mu.Unlock()
		for _, r := range lf.leafs.remotes {
			r.mu.Lock()
			n := len(r.learned)
			r.mu.Unlock()
			if n > 0 {
				return true
			}
		}
		return false
	})
	h1.cmd.Process.Kill()
	h1.cmd.Wait()
	waitDelivers(t, lc, "up", hs)
}
