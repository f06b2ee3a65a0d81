package server

import (
	"slices"
	"strconv"
	"strings"
	"testing"

	"github.com/gobwas/ws"
)

// TestWebsocketReloadFrameLimit: the frame limit of a connected WebSocket
// client (8 times max_payload) follows a reload that raises max_payload,
// so a message the new limit allows, sent in one frame, gets through
// instead of closing the connection as "frame too large".
func TestWebsocketReloadFrameLimit(t *testing.T) {
	mk := func(maxPayload int32) *Options {
		return &Options{Host: "127.0.0.1", Port: RandomPort, NoLog: true, MaxPayload: maxPayload,
			Websocket: WebsocketOpts{Host: "127.0.0.1", Port: RandomPort, NoTLS: true}}
	}
	s := startTestServer(t, mk(64<<10)) // frames up to 512 KiB
	r := wsDialRaw(t, s)
	if !strings.HasPrefix(r.line(), "INFO ") {
		t.Fatal("no INFO")
	}
	r.send("CONNECT {\"verbose\":false,\"protocol\":1}\r\nSUB foo 1\r\nPING\r\n")
	if l := r.line(); l != "PONG\r\n" {
		t.Fatalf("got %q", l)
	}
	s.SetConfigLoader(func() (*Options, error) { return mk(1 << 20), nil }) // frames up to 8 MiB
	if err := s.Reload(); err != nil {
		t.Fatal(err)
	}
	for {
		l := r.line()
		if !strings.HasPrefix(l, "INFO ") {
			t.Fatalf("no INFO with the new max_payload: %q", l)
		}
		if strings.Contains(l, `"max_payload":1048576`) {
			break
		}
	}
	const size = 600 << 10
	r.frame(true, ws.OpBinary, []byte("PUB foo "+strconv.Itoa(size)+"\r\n"+strings.Repeat("x", size)+"\r\nPING\r\n"), true)
	if l := r.line(); l != "MSG foo 1 "+strconv.Itoa(size)+"\r\n" {
		t.Fatalf("got %.80q", l)
	}
	if l := r.line(); len(l) != size+2 {
		t.Fatalf("payload of %d bytes", len(l)-2)
	}
	if l := r.line(); l != "PONG\r\n" {
		t.Fatalf("got %q", l)
	}
}

// TestWebsocketConnectURLs: WebSocket clients learn the cluster's
// WebSocket URLs (gossiped in route INFO as ws_connect_urls), not its
// nats:// client URLs, and lose a node's when it leaves.
func TestWebsocketConnectURLs(t *testing.T) {
	ws := func(_ int, o *Options) {
		o.Websocket = WebsocketOpts{Host: "127.0.0.1", Port: RandomPort, NoTLS: true}
	}
	servers := clStartCluster(t, 3, ws)
	nc := wsConnect(t, servers[0])
	want := func(n int) []string {
		var out []string
		for _, s := range servers[1:n] {
			out = append(out, "ws://"+s.WebsocketAddr().String())
		}
		slices.Sort(out)
		return out
	}
	clWaitFor(t, clusterWait, "the other nodes' WebSocket URLs", func() bool {
		got := nc.DiscoveredServers()
		slices.Sort(got)
		return slices.Equal(got, want(3))
	})
	if got := servers[0].wsConnectURLs(); len(got) != 3 || got[0] != servers[0].WebsocketAddr().String() {
		t.Fatalf("ws connect URLs %v", got)
	}
	servers[2].Shutdown()
	clWaitFor(t, clusterWait, "the INFO without the node that left", func() bool {
		return len(servers[0].wsConnectURLs()) == 2
	})
}
