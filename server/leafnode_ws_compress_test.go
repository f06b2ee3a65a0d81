package server

import (
	"bytes"
	"net/url"
	"os"
	"strings"
	"testing"

	"github.com/nats-io/nats.go"
)

// TestLeafWSCompression: a natsd leaf over WebSocket to a natsd hub, through
// a counting proxy: with the remote's ws_compression and the hub's
// websocket compression the payloads cross deflated, else plain; S2 is
// never used over WebSocket.
func TestLeafWSCompression(t *testing.T) {
	for _, tc := range []struct {
		name                  string
		hubDeflate, leafOffer bool
		compressed            bool
	}{
		{"both", true, true, true},
		{"hub declines", false, true, false},
		{"leaf does not ask", true, false, false},
	} {
		t.Run(tc.name, func(t *testing.T) {
			ho := hubOpts("hub")
			ho.Websocket = WebsocketOpts{Host: "127.0.0.1", Port: RandomPort, NoTLS: true, Compression: tc.hubDeflate}
			hub := clStart(t, ho)
			px := startCountingProxy(t, strings.TrimPrefix(hub.WebsocketURL(), "ws://"))
			u, _ := url.Parse("ws://" + px.addr)
			lo := leafOpts("leaf")
			lo.LeafNode.Remotes = []*RemoteLeafOpts{{URLs: []*url.URL{u}, WSCompression: tc.leafOffer}}
			lf := clStart(t, lo)
			waitLeafs(t, hub, 1)
			waitLeafs(t, lf, 1)
			// No S2 over WebSocket, as with nats-server.
			if a, b := leafCompressionOf(hub), leafCompressionOf(lf); a != "off" || b != "off" {
				t.Fatalf("/leafz compression %q and %q over WebSocket, want off", a, b)
			}
			hc, lc := leafConnect(t, hub), leafConnect(t, lf)
			checkWSBytes(t, px, hc, lc, tc.compressed)
			leafTrafficChecks(t, hc, lc, int(hub.getOpts().MaxPayload))
		})
	}
}

// checkWSBytes sends a compressible payload each way and checks the bytes
// the proxy saw against it.
func checkWSBytes(t *testing.T, px *countingProxy, hc, lc *nats.Conn, compressed bool) {
	t.Helper()
	const size = 512 << 10
	payload := bytes.Repeat([]byte("abcdefgh"), size/8)
	for _, dir := range []struct {
		name     string
		pub, sub *nats.Conn
		count    func() int64
	}{{"leaf→hub", lc, hc, px.up.Load}, {"hub→leaf", hc, lc, px.down.Load}} {
		sub, _ := dir.sub.SubscribeSync("wsz")
		dir.sub.Flush()
		waitDelivers(t, dir.pub, "wsz", sub)
		before := dir.count()
		dir.pub.Publish("wsz", payload)
		dir.pub.Flush()
		if m := nextMsg(t, sub); !bytes.Equal(m.Data, payload) {
			t.Fatalf("%s: got %d bytes", dir.name, len(m.Data))
		}
		n := dir.count() - before
		if compressed && n > size/10 {
			t.Fatalf("%s: %d bytes on the wire for %d compressible bytes", dir.name, n, size)
		}
		if !compressed && n < size {
			t.Fatalf("%s: %d bytes on the wire for %d bytes, uncompressed", dir.name, n, size)
		}
		sub.Unsubscribe()
	}
}

// TestLeafInteropWSCompression: ws_compression between natsd and
// nats-server, both ways: the payloads cross compressed.
func TestLeafInteropWSCompression(t *testing.T) {
	if os.Getenv("NATS_REF_SERVER") == "" {
		t.Skip("NATS_REF_SERVER is not set")
	}
	t.Run("natsd leaf, nats-server hub", func(t *testing.T) {
		ref := startRef(t, "listen: 127.0.0.1:-1\nwebsocket { listen: 127.0.0.1:-1, no_tls: true, compression: true }\nleafnodes { listen: 127.0.0.1:-1 }\n")
		wsAddr := ""
		for l := range ref.logLines {
			if i := strings.Index(l, "Listening for websocket clients on ws://"); i >= 0 {
				wsAddr = strings.TrimSpace(l[i+len("Listening for websocket clients on ws://"):])
				break
			}
		}
		px := startCountingProxy(t, wsAddr)
		u, _ := url.Parse("ws://" + px.addr)
		lo := leafOpts("leaf")
		lo.LeafNode.Remotes = []*RemoteLeafOpts{{URLs: []*url.URL{u}, WSCompression: true}}
		lf := clStart(t, lo)
		waitLeafs(t, lf, 1)
		if c := leafCompressionOf(lf); c != "off" {
			t.Fatalf("/leafz compression %q over WebSocket, want off", c)
		}
		hc, lc := refConnect(t, ref.clientURL), leafConnect(t, lf)
		checkWSBytes(t, px, hc, lc, true)
		leafTrafficChecks(t, hc, lc, 1<<20)
	})
	t.Run("nats-server leaf, natsd hub", func(t *testing.T) {
		ho := hubOpts("hub")
		ho.Websocket = WebsocketOpts{Host: "127.0.0.1", Port: RandomPort, NoTLS: true, Compression: true}
		hub := clStart(t, ho)
		px := startCountingProxy(t, strings.TrimPrefix(hub.WebsocketURL(), "ws://"))
		ref := startRef(t, "listen: 127.0.0.1:-1\nleafnodes { reconnect: \"100ms\", remotes: [ { url: \"ws://"+px.addr+"\", ws_compression: true } ] }\n")
		waitLeafs(t, hub, 1)
		if c := leafCompressionOf(hub); c != "off" {
			t.Fatalf("/leafz compression %q over WebSocket, want off", c)
		}
		hc, lc := leafConnect(t, hub), refConnect(t, ref.clientURL)
		checkWSBytes(t, px, hc, lc, true)
		leafTrafficChecks(t, hc, lc, 1<<20)
	})
}
