package server

import (
	"net/url"
	"os"
	"strings"
	"testing"
)

// TestLeafWebsocket: a leaf connects to a hub's websocket port with a
// ws:// remote; interest and messages cross both ways.
func TestLeafWebsocket(t *testing.T) {
	ho := hubOpts("hub")
	ho.Websocket = WebsocketOpts{Host: "127.0.0.1", Port: RandomPort, NoTLS: true}
	hub := clStart(t, ho)
	u, _ := url.Parse(strings.Replace(hub.WebsocketURL(), "ws://", "ws://", 1))
	lo := leafOpts("leaf")
	lo.LeafNode.Remotes = []*RemoteLeafOpts{{URLs: []*url.URL{u}}}
	lf := clStart(t, lo)
	waitLeafs(t, hub, 1)
	waitLeafs(t, lf, 1)
	hc, lc := leafConnect(t, hub), leafConnect(t, lf)
	hs, _ := hc.SubscribeSync("ws.up")
	ls, _ := lc.SubscribeSync("ws.down")
	hc.Flush()
	lc.Flush()
	waitInterest(t, lf, "$G", "ws.up")
	waitInterest(t, hub, "$G", "ws.down")
	big := make([]byte, 200<<10) // frames larger than one read
	lc.Publish("ws.up", big)
	hc.Publish("ws.down", []byte("down"))
	if m := nextMsg(t, hs); len(m.Data) != len(big) {
		t.Fatalf("got %d bytes", len(m.Data))
	}
	if m := nextMsg(t, ls); string(m.Data) != "down" {
		t.Fatalf("got %q", m.Data)
	}
}

// TestLeafInteropWebsocket: leaf over WebSocket between natsd and
// nats-server, both ways.
func TestLeafInteropWebsocket(t *testing.T) {
	if os.Getenv("NATS_REF_SERVER") == "" {
		t.Skip("NATS_REF_SERVER is not set")
	}
	t.Run("natsd leaf, nats-server hub", func(t *testing.T) {
		ref := startRef(t, "listen: 127.0.0.1:-1\nwebsocket { listen: 127.0.0.1:-1, no_tls: true }\nleafnodes { listen: 127.0.0.1:-1 }\n")
		wsAddr := ""
		for l := range ref.logLines {
			if i := strings.Index(l, "Listening for websocket clients on ws://"); i >= 0 {
				wsAddr = strings.TrimSpace(l[i+len("Listening for websocket clients on ws://"):])
				break
			}
		}
		u, _ := url.Parse("ws://" + wsAddr)
		lo := leafOpts("leaf")
		lo.LeafNode.Remotes = []*RemoteLeafOpts{{URLs: []*url.URL{u}}}
		lf := clStart(t, lo)
		waitLeafs(t, lf, 1)
		crossChecks(t, refConnect(t, ref.clientURL), leafConnect(t, lf))
	})
	t.Run("nats-server leaf, natsd hub", func(t *testing.T) {
		ho := hubOpts("hub")
		ho.Websocket = WebsocketOpts{Host: "127.0.0.1", Port: RandomPort, NoTLS: true}
		hub := clStart(t, ho)
		ref := startRef(t, "listen: 127.0.0.1:-1\nleafnodes { reconnect: \"100ms\", remotes: [ { url: \""+hub.WebsocketURL()+"\" } ] }\n")
		waitLeafs(t, hub, 1)
		crossChecks(t, leafConnect(t, hub), refConnect(t, ref.clientURL))
	})
}
