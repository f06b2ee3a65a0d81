package server

import (
	"fmt"
	"os"
	"testing"
)

// leafTLSConfigs are a hub's and a leaf's config with leaf TLS: the hub
// verifies the leaf's certificate, the leaf verifies the hub's.
func leafTLSConfigs(e *tlsEnv, hubLeafPort int, leafCert, leafKey string) (hub, leaf string) {
	hub = fmt.Sprintf(`
server_name: hub
leafnodes {
  listen: 127.0.0.1:%d
  tls { cert_file: %q, key_file: %q, ca_file: %q, verify: true, timeout: 2 }
}
`, hubLeafPort, e.serverCert, e.serverKey, e.ca.file)
	leaf = fmt.Sprintf(`
server_name: leaf
leafnodes {
  reconnect: "50ms"
  remotes: [ { url: "tls://127.0.0.1:%%d", tls { ca_file: %q, cert_file: %q, key_file: %q } } ]
}
`, e.ca.file, leafCert, leafKey)
	return hub, leaf
}

// TestLeafTLS: a leaf connects to a hub over TLS with mutual
// verification; a leaf whose certificate the hub does not trust is
// refused, and the hub keeps serving.
func TestLeafTLS(t *testing.T) {
	e := newTLSEnv(t)
	hubText, leafText := leafTLSConfigs(e, -1, e.aliceCert, e.aliceKey)
	hub := clStart(t, accOpts(t, hubText))
	port := addrPort(hub.LeafAddr())
	lf := clStart(t, accOpts(t, fmt.Sprintf(leafText, port)))
	waitLeafs(t, hub, 1)
	waitLeafs(t, lf, 1)

	hc, lc := leafConnect(t, hub), leafConnect(t, lf)
	sub, _ := hc.SubscribeSync("secure")
	hc.Flush()
	waitInterest(t, lf, "$G", "secure")
	lc.Publish("secure", []byte("over tls"))
	if m := nextMsg(t, sub); string(m.Data) != "over tls" {
		t.Fatalf("got %q", m.Data)
	}
	lz, _ := hub.Leafz(nil)
	cz, _ := hub.Connz(nil)
	if lz.NumLeafs != 1 || len(cz.Conns) < 1 {
		t.Fatalf("leafz %+v", lz)
	}
	for _, c := range cz.Conns {
		if c.Kind == "Leafnode" && c.TLSVersion == "" {
			t.Fatalf("leaf connection without TLS in connz: %+v", c)
		}
	}

	// A certificate from another CA is refused.
	_, wrongText := leafTLSConfigs(e, -1, e.wrongCert, e.wrongKey)
	before := hub.stats.totalConns.Load()
	clStart(t, accOpts(t, fmt.Sprintf(wrongText, port)))
	clWaitFor(t, leafWait, "refused attempts", func() bool { return hub.stats.totalConns.Load() >= before+2 })
	if hub.NumLeafNodes() != 1 {
		t.Fatalf("untrusted leaf connected: hub has %d", hub.NumLeafNodes())
	}
}

// TestLeafInteropTLS: leaf TLS between natsd and nats-server, both ways.
func TestLeafInteropTLS(t *testing.T) {
	if os.Getenv("NATS_REF_SERVER") == "" {
		t.Skip("NATS_REF_SERVER is not set")
	}
	e := newTLSEnv(t)
	t.Run("natsd leaf, nats-server hub", func(t *testing.T) {
		hubText, leafText := leafTLSConfigs(e, -1, e.aliceCert, e.aliceKey)
		ref := startRef(t, "listen: 127.0.0.1:-1\n"+hubText)
		port := leafPortOf(t, ref.listenAddr["leafnode"])
		lf := clStart(t, accOpts(t, fmt.Sprintf(leafText, port)))
		waitLeafs(t, lf, 1)
		hc, lc := refConnect(t, ref.clientURL), leafConnect(t, lf)
		sub, _ := hc.SubscribeSync("secure")
		hc.Flush()
		waitDelivers(t, lc, "secure", sub)
	})
	t.Run("nats-server leaf, natsd hub", func(t *testing.T) {
		hubText, leafText := leafTLSConfigs(e, -1, e.aliceCert, e.aliceKey)
		hub := clStart(t, accOpts(t, hubText))
		ref := startRef(t, "listen: 127.0.0.1:-1\n"+fmt.Sprintf(leafText, addrPort(hub.LeafAddr())))
		waitLeafs(t, hub, 1)
		hc, lc := leafConnect(t, hub), refConnect(t, ref.clientURL)
		sub, _ := lc.SubscribeSync("secure")
		lc.Flush()
		waitDelivers(t, hc, "secure", sub)
	})
}
