package server

import (
	"bufio"
	"bytes"
	"encoding/json"
	"fmt"
	"net"
	"slices"
	"strings"
	"testing"
	"time"
)

// Tests of the hub cluster's leaf URLs (leafnode_urls.go): what the route
// INFO and the leaf INFO say, and the leaves that fail over with them.

// leafProbe is a raw leaf connection to a hub: it logs in, answers PINGs
// and collects every INFO line the hub sends.
type leafProbe struct {
	conn  net.Conn
	infos chan []byte
}

// newLeafProbe connects to hub's leaf port and sends CONNECT once the
// first INFO is in.
func newLeafProbe(t *testing.T, hub *Server) *leafProbe {
	t.Helper()
	return dialLeafProbe(t, hub.LeafAddr().String())
}

func dialLeafProbe(t *testing.T, addr string) *leafProbe {
	t.Helper()
	conn, err := net.DialTimeout("tcp", addr, leafWait)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { conn.Close() })
	p := &leafProbe{conn: conn, infos: make(chan []byte, 64)}
	go func() {
		br := bufio.NewReader(conn)
		for {
			line, err := br.ReadBytes('\n')
			if err != nil {
				close(p.infos)
				return
			}
			switch {
			case bytes.HasPrefix(line, []byte("INFO ")):
				p.infos <- line
			case bytes.HasPrefix(line, []byte("PING")):
				conn.Write([]byte("PONG\r\n"))
			}
		}
	}()
	p.next(t) // the first INFO
	fmt.Fprintf(conn, "CONNECT {\"server_id\":\"NPROBE%d\",\"name\":\"probe\",\"headers\":true,\"remote_account\":\"$G\",\"protocol\":3}\r\n", time.Now().UnixNano())
	return p
}

// next is the next INFO line.
func (p *leafProbe) next(t *testing.T) []byte {
	t.Helper()
	select {
	case line, ok := <-p.infos:
		if !ok {
			t.Fatal("leaf probe: connection closed")
		}
		return line
	case <-time.After(leafWait):
		t.Fatal("leaf probe: no INFO")
	}
	return nil
}

// waitURLs reads INFOs until one lists want (in order) in leafnode_urls,
// and returns it.
func (p *leafProbe) waitURLs(t *testing.T, want ...string) []byte {
	t.Helper()
	deadline := time.Now().Add(leafWait)
	var last []string
	for time.Now().Before(deadline) {
		select {
		case line, ok := <-p.infos:
			if !ok {
				t.Fatal("leaf probe: connection closed")
			}
			last = infoLeafURLs(t, line)
			if slices.Equal(last, want) {
				return line
			}
		case <-time.After(time.Until(deadline)):
		}
	}
	t.Fatalf("leafnode_urls %v, want %v", last, want)
	return nil
}

// waitURLSet is waitURLs in any order (nats-server's order varies).
func (p *leafProbe) waitURLSet(t *testing.T, want ...string) []byte {
	t.Helper()
	want = slices.Sorted(slices.Values(want))
	deadline := time.Now().Add(leafWait)
	var last []string
	for time.Now().Before(deadline) {
		select {
		case line, ok := <-p.infos:
			if !ok {
				t.Fatal("leaf probe: connection closed")
			}
			last = slices.Sorted(slices.Values(infoLeafURLs(t, line)))
			if slices.Equal(last, want) {
				return line
			}
		case <-time.After(time.Until(deadline)):
		}
	}
	t.Fatalf("leafnode_urls %v, want %v in any order", last, want)
	return nil
}

func infoLeafURLs(t *testing.T, line []byte) []string {
	t.Helper()
	var info leafInfoMsg
	if err := json.Unmarshal(bytes.TrimPrefix(bytes.TrimSpace(line), []byte("INFO ")), &info); err != nil {
		t.Fatalf("INFO %q: %v", line, err)
	}
	return info.LeafNodeURLs
}

// infoKeys are the keys of an INFO line's JSON, in order.
func infoKeys(t *testing.T, line []byte) []string {
	t.Helper()
	dec := json.NewDecoder(bytes.NewReader(bytes.TrimPrefix(bytes.TrimSpace(line), []byte("INFO "))))
	var keys []string
	if _, err := dec.Token(); err != nil {
		t.Fatal(err)
	}
	for dec.More() {
		k, err := dec.Token()
		if err != nil {
			t.Fatal(err)
		}
		keys = append(keys, k.(string))
		var v json.RawMessage
		if err := dec.Decode(&v); err != nil {
			t.Fatal(err)
		}
	}
	return keys
}

// learnedHosts is what lf's remotes learned from their hubs.
func learnedHosts(lf *Server) []string {
	var out []string
	lf.mu.Lock()
	defer lf.mu.Unlock()
	for _, r := range lf.leafs.remotes {
		r.mu.Lock()
		for _, u := range r.learned {
			out = append(out, u.Host)
		}
		r.mu.Unlock()
	}
	slices.Sort(out)
	return out
}

func waitLearned(t *testing.T, lf *Server, want ...string) {
	t.Helper()
	slices.Sort(want)
	clWaitFor(t, leafWait, fmt.Sprintf("leaf learns %v", want), func() bool { return slices.Equal(learnedHosts(lf), want) })
}

// leafHub is the options of a hub cluster node accepting leaf nodes.
func leafHub(o *Options) { o.LeafNode = LeafNodeOpts{Host: "127.0.0.1", Port: RandomPort} }

// hubURLs is the leafnode_urls first lists: first's own, then the others' sorted.
func hubURLs(first *Server, others ...*Server) []string {
	var rest []string
	for _, s := range others {
		rest = append(rest, s.LeafAddr().String())
	}
	slices.Sort(rest)
	return append([]string{first.LeafAddr().String()}, rest...)
}

// TestLeafURLsHubCluster: a 3-node natsd hub cluster tells a leaf
// connected to node 1 every node's leaf URL; a node that joins later is
// announced to it in an asynchronous INFO, one that leaves is dropped; when
// node 1 dies, the leaf reconnects to another node and traffic resumes.
// Client connect_urls are the client addresses, as before.
func TestLeafURLsHubCluster(t *testing.T) {
	hubs := clStartCluster(t, 3, func(_ int, o *Options) { leafHub(o) })
	n1, n2, n3 := hubs[0], hubs[1], hubs[2]
	probe := newLeafProbe(t, n1)
	// The answer to CONNECT has nats-server's keys in its order (but
	// nats-server's "compression").
	line := probe.waitURLs(t, hubURLs(n1, n2, n3)...)
	want := []string{"server_id", "server_name", "version", "proto", "go", "host", "port", "headers", "auth_required", "max_payload",
		"ip", "client_id", "cluster", "connect_info", "remote_account", "api_lvl", "info_on_connect", "leafnode_urls"}
	if keys := infoKeys(t, line); !slices.Equal(keys, want) {
		t.Fatalf("CONNECT's INFO keys %v, want %v", keys, want)
	}

	lf := clStart(t, leafOpts("leaf", leafURLOf(n1)))
	waitLeafs(t, lf, 1)
	waitLearned(t, lf, n2.LeafAddr().String(), n3.LeafAddr().String())

	// Clients still get the client URLs of the cluster, no leaf port.
	nc := clConnect(t, n1)
	clWaitFor(t, leafWait, "client connect_urls", func() bool { return len(nc.DiscoveredServers()) == 2 })
	for _, u := range nc.DiscoveredServers() {
		host := strings.TrimPrefix(u, "nats://")
		if host != n2.Addr().String() && host != n3.Addr().String() {
			t.Fatalf("client discovered %q, not a client address (%v)", u, nc.DiscoveredServers())
		}
	}

	// A node joins: the connected leaf hears of it.
	o4 := clOpts("n4", clRouteURL(n1))
	leafHub(o4)
	n4 := clStart(t, o4)
	clWaitMesh(t, []*Server{n1, n2, n3, n4})
	line = probe.waitURLs(t, hubURLs(n1, n2, n3, n4)...)
	// The asynchronous INFO is the hub's without the connection's own fields.
	want = []string{"server_id", "server_name", "version", "proto", "go", "host", "port", "headers", "auth_required", "max_payload", "ip", "cluster", "api_lvl", "info_on_connect", "leafnode_urls"}
	if keys := infoKeys(t, line); !slices.Equal(keys, want) {
		t.Fatalf("async INFO keys %v, want %v", keys, want)
	}
	if !bytes.HasSuffix(line, []byte("} \r\n")) {
		t.Fatalf("async INFO ends %q", line[len(line)-4:])
	}
	waitLearned(t, lf, n2.LeafAddr().String(), n3.LeafAddr().String(), n4.LeafAddr().String())

	// A node leaves: it is dropped.
	n3.Shutdown()
	probe.waitURLs(t, hubURLs(n1, n2, n4)...)
	waitLearned(t, lf, n2.LeafAddr().String(), n4.LeafAddr().String())

	// Node 1 dies: the leaf fails over to n2 or n4 and traffic resumes.
	lc := leafConnect(t, lf)
	ls, _ := lc.SubscribeSync("down")
	lc.Flush()
	waitInterest(t, n1, "$G", "down")
	n1.Shutdown()
	clWaitFor(t, leafWait, "leaf reconnected", func() bool { return n2.NumLeafNodes()+n4.NumLeafNodes() == 1 })
	waitDelivers(t, clConnect(t, n2), "down", ls)
	waitDelivers(t, clConnect(t, n4), "down", ls)
	hs, _ := clConnect(t, n4).SubscribeSync("up")
	waitDelivers(t, lc, "up", hs)
}

// TestLeafURLsNoAdvertise: leafnodes.no_advertise keeps a node's leaf URL
// out of its route INFO and every leaf INFO (its own lists the others');
// cluster.no_advertise changes nothing for leaf URLs.
func TestLeafURLsNoAdvertise(t *testing.T) {
	hubs := clStartCluster(t, 3, func(i int, o *Options) {
		leafHub(o)
		o.LeafNode.NoAdvertise = i == 1
		o.Cluster.NoAdvertise = i == 2
	})
	n1, n2, n3 := hubs[0], hubs[1], hubs[2]
	newLeafProbe(t, n1).waitURLs(t, hubURLs(n1, n3)...)
	others := []string{n1.LeafAddr().String(), n3.LeafAddr().String()}
	slices.Sort(others)
	newLeafProbe(t, n2).waitURLs(t, others...)
	newLeafProbe(t, n3).waitURLs(t, hubURLs(n3, n1)...)
	if u := infoLeafURLs(t, n2.routeInfoLine(nil, false)); u != nil {
		t.Fatalf("route INFO of a no_advertise node lists %v", u)
	}
	if u := infoLeafURLs(t, n3.routeInfoLine(nil, false)); !slices.Equal(u, []string{n3.LeafAddr().String()}) {
		t.Fatalf("route INFO of a cluster.no_advertise node lists %v", u)
	}
}

// TestLeafURLsRouteInfo: the route INFO carries the node's leaf URL last,
// after gossip_mode, as nats-server's does; an advertise address without
// a port takes the listen port; a node in lame-duck mode announces none.
func TestLeafURLsRouteInfo(t *testing.T) {
	o := clOpts("n1")
	leafHub(o)
	o.LeafNode.Advertise = "leaf.example.com"
	s := clStart(t, o)
	want := fmt.Sprintf("leaf.example.com:%d", addrPort(s.LeafAddr()))
	info := s.ownRouteInfo(false)
	info.GossipMode = gossipModeForwarded
	line := marshalInfo(&info)
	if !bytes.HasSuffix(line, []byte(`,"gossip_mode":1,"leafnode_urls":["`+want+`"]}`+"\r\n")) {
		t.Fatalf("route INFO %s", line)
	}
	if u := s.ownRouteInfo(true).LeafNodeURLs; u != nil {
		t.Fatalf("lame-duck route INFO lists %v", u)
	}
	if u := infoLeafURLs(t, s.leafInfoLine(&client{cid: 1}, false)); !slices.Equal(u, []string{want}) {
		t.Fatalf("leaf INFO lists %v, want [%s]", u, want)
	}
}

// TestLeafURLsLameDuck: a peer in lame-duck mode is dropped from the
// leaf URLs its peers announce.
func TestLeafURLsLameDuck(t *testing.T) {
	hubs := clStartCluster(t, 2, func(_ int, o *Options) {
		leafHub(o)
		o.LameDuckDuration = 30 * time.Second
		o.LameDuckGracePeriod = time.Millisecond
	})
	n1, n2 := hubs[0], hubs[1]
	probe := newLeafProbe(t, n1)
	probe.waitURLs(t, hubURLs(n1, n2)...)
	go n2.LameDuckShutdown()
	probe.waitURLs(t, hubURLs(n1)...)
}
