//go:build !refserver

package test

import (
	"bufio"
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/x509"
	"crypto/x509/pkix"
	"encoding/json"
	"encoding/pem"
	"fmt"
	"math/big"
	"net"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/nats-io/nats.go"
)

// mxCerts writes a CA and a certificate for 127.0.0.1 signed by it (for
// both server and client use) into dir, and returns their paths.
func mxCerts(t *testing.T, dir string) (ca, cert, key string) {
	t.Helper()
	writePEM := func(name, typ string, der []byte) string {
		p := filepath.Join(dir, name)
		if err := os.WriteFile(p, pem.EncodeToMemory(&pem.Block{Type: typ, Bytes: der}), 0o600); err != nil {
			t.Fatal(err)
		}
		return p
	}
	caKey, _ := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	caTmpl := &x509.Certificate{SerialNumber: big.NewInt(1), Subject: pkix.Name{CommonName: "mixed-ca"},
		NotBefore: time.Now().Add(-time.Hour), NotAfter: time.Now().Add(24 * time.Hour),
		IsCA: true, BasicConstraintsValid: true, KeyUsage: x509.KeyUsageCertSign}
	caDER, err := x509.CreateCertificate(rand.Reader, caTmpl, caTmpl, &caKey.PublicKey, caKey)
	if err != nil {
		t.Fatal(err)
	}
	caCert, _ := x509.ParseCertificate(caDER)
	k, _ := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	tmpl := &x509.Certificate{SerialNumber: big.NewInt(2), Subject: pkix.Name{CommonName: "route"},
		NotBefore: time.Now().Add(-time.Hour), NotAfter: time.Now().Add(24 * time.Hour),
		IPAddresses: []net.IP{net.ParseIP("127.0.0.1")}, DNSNames: []string{"localhost"},
		KeyUsage:    x509.KeyUsageDigitalSignature,
		ExtKeyUsage: []x509.ExtKeyUsage{x509.ExtKeyUsageServerAuth, x509.ExtKeyUsageClientAuth}}
	der, err := x509.CreateCertificate(rand.Reader, tmpl, caCert, &k.PublicKey, caKey)
	if err != nil {
		t.Fatal(err)
	}
	kder, _ := x509.MarshalECPrivateKey(k)
	return writePEM("ca.pem", "CERTIFICATE", caDER), writePEM("route.pem", "CERTIFICATE", der), writePEM("route-key.pem", "EC PRIVATE KEY", kder)
}

// TestMixedClusterTLSAndAuth: route TLS with verification and route
// authorization between natsd and nats-server, each side soliciting; a
// node with the wrong credentials stays out.
func TestMixedClusterTLSAndAuth(t *testing.T) {
	ref := mxRefBinary(t)
	bin := clBuild(t, t.TempDir())
	ca, cert, key := mxCerts(t, t.TempDir())
	secure := func(c *mxConf) {
		c.extraCluster = fmt.Sprintf("  authorization { user: ruser, password: rpass }\n"+
			"  tls { cert_file: %q, key_file: %q, ca_file: %q, verify: true }\n", cert, key, ca)
	}
	withCreds := func(p *clProc, pass string) string {
		return fmt.Sprintf("nats://ruser:%s@127.0.0.1:%d", pass, p.clusterPort)
	}
	r1 := mxNode(t, ref, "ref1", nil, secure)
	r1.start()
	n1 := mxNode(t, bin, "natsd1", []string{withCreds(r1, "rpass")}, secure)
	n1.start()
	r2 := mxNode(t, ref, "ref2", []string{withCreds(n1, "rpass")}, secure)
	r2.start()
	procs := []*clProc{r1, n1, r2}
	mxWaitPools(t, procs)
	mxCheckPair(t, r1, n1, 1<<20)
	mxCheckPair(t, n1, r2, 1<<20)
	mxCheckPair(t, r2, r1, 1<<20)

	// Wrong credentials: refused by both kinds of server.
	bad := mxNode(t, bin, "natsd-bad", []string{withCreds(r1, "nope"), withCreds(n1, "nope")}, secure)
	bad.start()
	clWaitFor(t, "refusals logged", func() bool {
		return bad.logCount("Authorization Violation") >= 2
	})
	if n := bad.numRoutes(); n != 0 {
		t.Fatalf("node with wrong credentials has %d routes", n)
	}
	for _, p := range procs {
		if n := p.numRoutes(); n != 2 {
			t.Fatalf("%s has %d routes", p.name, n)
		}
	}
}

// TestMixedClusterCompression: natsd and nats-server nodes with
// different compression modes negotiate as nats-server does (each side of
// a route writes at its own level, "accept" adopts the peer's mode, and
// s2_auto follows the RTT), and traffic of every size flows both ways
// through the compressed routes.
func TestMixedClusterCompression(t *testing.T) {
	ref := mxRefBinary(t)
	bin := clBuild(t, t.TempDir())
	modes := map[string]string{"ref1": "s2_fast", "natsd1": "s2_auto", "ref2": "s2_best", "natsd2": "accept"}
	mode := func(name string) func(*mxConf) {
		return func(c *mxConf) { c.extraCluster = "  compression: " + modes[name] + "\n" }
	}
	r1 := mxNode(t, ref, "ref1", nil, mode("ref1"))
	r1.start()
	n1 := mxNode(t, bin, "natsd1", []string{r1.routeURL()}, mode("natsd1"))
	n1.start()
	r2 := mxNode(t, ref, "ref2", []string{n1.routeURL()}, mode("ref2"))
	r2.start()
	n2 := mxNode(t, bin, "natsd2", []string{r2.routeURL()}, mode("natsd2"))
	n2.start()
	procs := []*clProc{r1, n1, r2, n2}
	mxWaitPools(t, procs)
	for _, pair := range [][2]*clProc{{r1, n1}, {n1, r1}, {n1, r2}, {r2, n1}, {n2, r1}, {r1, n2}, {n2, n1}} {
		mxCheckPair(t, pair[0], pair[1], 1<<20)
	}
	// What each side writes: its own mode, the peer's if it only
	// accepts; s2_auto is uncompressed S2 frames at a local RTT (s2_fast
	// under load).
	want := func(mine, theirs string) []string {
		m := mine
		if m == "accept" {
			m = theirs
			if m == "s2_auto" {
				return []string{"s2_fast"} // only the side that chose s2_auto follows the RTT
			}
		}
		if m == "s2_auto" {
			return []string{"s2_uncompressed", "s2_fast"}
		}
		return []string{m}
	}
	for _, p := range procs {
		var rz struct {
			Routes []struct {
				RemoteName  string `json:"remote_name"`
				Compression string `json:"compression"`
			} `json:"routes"`
		}
		if err := p.get("/routez", &rz); err != nil {
			t.Fatal(err)
		}
		for _, r := range rz.Routes {
			if w := want(modes[p.name], modes[r.RemoteName]); !slices.Contains(w, r.Compression) {
				t.Errorf("%s's route to %s: compression %q, want %v", p.name, r.RemoteName, r.Compression, w)
			}
		}
	}
}

// TestMixedClusterPinnedAccounts: with cluster.accounts pinning account A
// on every node, A travels on its own route connection (without the
// account in the ops) between natsd and nats-server, B on the pool, and
// the two stay apart.
func TestMixedClusterPinnedAccounts(t *testing.T) {
	ref := mxRefBinary(t)
	bin := clBuild(t, t.TempDir())
	pin := func(c *mxConf) { c.extraCluster = "  accounts: [ A ]\n" }
	r1 := mxNode(t, ref, "ref1", nil, pin)
	r1.start()
	n1 := mxNode(t, bin, "natsd1", []string{r1.routeURL()}, pin)
	n1.start()
	r2 := mxNode(t, ref, "ref2", []string{n1.routeURL()}, pin)
	r2.start()
	procs := []*clProc{r1, n1, r2}
	mxWaitPools(t, procs)
	// natsd keeps 5 connections to each peer: the pool, $SYS and A.
	clWaitFor(t, "pinned routes", func() bool {
		var rz clRoutez
		return n1.get("/routez", &rz) == nil && len(rz.Routes) == 2*(mxPoolSize+2)
	})
	for _, pair := range [][2]*clProc{{r1, n1}, {n1, r1}, {n1, r2}, {r2, n1}} {
		mxCheckPair(t, pair[0], pair[1], 1<<20)
	}
	// Account B crosses on the pool too.
	sub := clConnect(t, mxURL(n1, "b"))
	s, _ := sub.SubscribeSync("pinned.b")
	sub.Flush()
	mxWaitDelivered(t, clConnect(t, mxURL(r1, "b")), s, "pinned.b")
}

// mxWatchURLs connects a raw protocol-1 client to p and returns a function
// waiting until the connect_urls of the INFO p sends satisfy cond.
func mxWatchURLs(t *testing.T, p *clProc) func(what string, cond func([]string) bool) {
	t.Helper()
	conn, err := net.Dial("tcp", fmt.Sprintf("127.0.0.1:%d", p.port))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { conn.Close() })
	fmt.Fprintf(conn, "CONNECT {\"verbose\":false,\"protocol\":1,\"user\":\"a\",\"pass\":\"p\"}\r\nPING\r\n")
	infos := make(chan []string, 100)
	go func() {
		br := bufio.NewReader(conn)
		for {
			l, err := br.ReadString('\n')
			if err != nil {
				close(infos)
				return
			}
			if l == "PING\r\n" {
				conn.Write([]byte("PONG\r\n"))
			}
			if strings.HasPrefix(l, "INFO ") {
				var info struct {
					URLs []string `json:"connect_urls"`
				}
				json.Unmarshal([]byte(l[5:]), &info)
				infos <- info.URLs
			}
		}
	}()
	return func(what string, cond func([]string) bool) {
		t.Helper()
		deadline := time.After(clWait)
		var last []string
		for {
			select {
			case urls, ok := <-infos:
				if !ok {
					t.Fatalf("%s: connection closed", what)
				}
				if cond(urls) {
					return
				}
				last = urls
			case <-deadline:
				t.Fatalf("timed out waiting for %s (last connect_urls %v)\n%s", what, last, p.logText())
			}
		}
	}
}

// TestMixedClusterLameDuck: a node entering lame-duck mode stops being
// offered to the other servers' clients, whichever kind of server it is
// and whichever kind the clients use.
func TestMixedClusterLameDuck(t *testing.T) {
	ref := mxRefBinary(t)
	bin := clBuild(t, t.TempDir())
	ldm := func(c *mxConf) { c.extra = "lame_duck_duration: \"30s\"\nlame_duck_grace_period: \"10s\"\n" }
	r1 := mxNode(t, ref, "ref1", nil, ldm)
	r1.start()
	n1 := mxNode(t, bin, "natsd1", []string{r1.routeURL()}, ldm)
	n1.start()
	n2 := mxNode(t, bin, "natsd2", []string{r1.routeURL()}, ldm)
	n2.start()
	mxWaitPools(t, []*clProc{r1, n1, n2})
	url := func(p *clProc) string { return fmt.Sprintf("127.0.0.1:%d", p.port) }
	onNatsd, onRef := mxWatchURLs(t, n2), mxWatchURLs(t, r1)
	onNatsd("natsd2's clients offered every node", func(u []string) bool { return len(u) == 3 })
	onRef("ref1's clients offered every node", func(u []string) bool { return len(u) == 3 })

	// natsd in lame-duck mode: the clients of both kinds of server lose it.
	n1.cmd.Process.Signal(syscall.SIGUSR2)
	onRef("ref1 to drop natsd1", func(u []string) bool { return len(u) == 2 && !slices.Contains(u, url(n1)) })
	onNatsd("natsd2 to drop natsd1", func(u []string) bool { return len(u) == 2 && !slices.Contains(u, url(n1)) })
	// nats-server in lame-duck mode: natsd's clients lose it.
	r1.cmd.Process.Signal(syscall.SIGUSR2)
	onNatsd("natsd2 to drop ref1", func(u []string) bool { return !slices.Contains(u, url(r1)) })
}

// mxPermCheck publishes pubSubj on pub and reports whether a subscription
// on subSubj on sub receives it; a marker on markerSubj, crossing the
// route in the same direction after it, tells when to stop waiting.
func mxPermCheck(t *testing.T, sub, pub *nats.Conn, subSubj, pubSubj, markerSubj string) bool {
	t.Helper()
	s, _ := sub.SubscribeSync(subSubj)
	defer s.Unsubscribe()
	m, _ := sub.SubscribeSync(markerSubj)
	defer m.Unsubscribe()
	sub.Flush()
	deadline := time.Now().Add(15 * time.Second)
	for {
		pub.Publish(markerSubj, []byte("probe"))
		pub.Flush()
		if _, err := m.NextMsg(50 * time.Millisecond); err == nil {
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("marker %s never crossed", markerSubj)
		}
	}
	pub.Publish(pubSubj, []byte("test"))
	pub.Publish(markerSubj, []byte("marker"))
	pub.Flush()
	for {
		mm, err := m.NextMsg(5 * time.Second)
		if err != nil {
			t.Fatalf("marker after %s: %v", pubSubj, err)
		}
		if string(mm.Data) == "marker" {
			break
		}
	}
	for {
		mm, err := s.NextMsg(time.Millisecond)
		if err != nil {
			return false
		}
		if string(mm.Data) == "test" {
			return true
		}
	}
}

// TestMixedClusterRoutePermissions: cluster.permissions { import, export }
// on one node, natsd or nats-server, with a peer of the other kind: the
// same subjects cross, both ways, whichever server applies them.
func TestMixedClusterRoutePermissions(t *testing.T) {
	ref := mxRefBinary(t)
	bin := clBuild(t, t.TempDir())
	perms := func(c *mxConf) { c.extraCluster = "  permissions: { import: \"foo.>\", export: \"bar.>\" }\n" }
	for _, tc := range []struct{ name, permBin, otherBin string }{
		{"natsd restricted", bin, ref},
		{"nats-server restricted", ref, bin},
	} {
		t.Run(tc.name, func(t *testing.T) {
			a := mxNode(t, tc.permBin, "a", nil, perms)
			a.start()
			b := mxNode(t, tc.otherBin, "b", []string{a.routeURL()}, nil)
			b.start()
			clWaitMesh(t, []*clProc{a, b})
			ac, bc := clConnect(t, mxURL(a, "a")), clConnect(t, mxURL(b, "a"))
			for _, c := range []struct {
				what                     string
				sub, pub                 *nats.Conn
				subSubj, pubSubj, marker string
				want                     bool
			}{
				{"a imports foo", ac, bc, "foo.x", "foo.x", "foo.m", true},
				{"a does not import bar", ac, bc, "bar.x", "bar.x", "foo.m", false},
				{"a exports bar", bc, ac, "bar.x", "bar.x", "bar.m", true},
				{"a does not export foo", bc, ac, "foo.x", "foo.x", "bar.m", false},
				{"b's > is not within export", bc, ac, ">", "bar.x", "bar.m", false},
				{"a's *.x is not within import", ac, bc, "*.x", "foo.x", "foo.m", false},
			} {
				if got := mxPermCheck(t, c.sub, c.pub, c.subSubj, c.pubSubj, c.marker); got != c.want {
					t.Errorf("%s: delivered %v, want %v", c.what, got, c.want)
				}
			}
		})
	}
}

// TestMixedClusterJetStreamReplicasRefused: a natsd node with JetStream in
// a cluster with nats-server nodes refuses a replicated stream with
// nats-server's error and a log line saying why, and its non-replicated
// streams work.
func TestMixedClusterJetStreamReplicasRefused(t *testing.T) {
	ref := mxRefBinary(t)
	bin := clBuild(t, t.TempDir())
	r1 := mxNode(t, ref, "ref1", nil, nil)
	r1.start()
	dir := t.TempDir()
	n1 := mxNode(t, bin, "natsd1", []string{r1.routeURL()}, func(c *mxConf) { c.jsDir = dir })
	n1.start()
	clWaitMesh(t, []*clProc{r1, n1})
	nc := clConnect(t, mxURL(n1, "a"))
	js, err := nc.JetStream()
	if err != nil {
		t.Fatal(err)
	}
	_, err = js.AddStream(&nats.StreamConfig{Name: "R3", Subjects: []string{"r3.>"}, Replicas: 3})
	if err == nil || !strings.Contains(err.Error(), "replicas > 1 not supported in non-clustered mode") {
		t.Fatalf("replicated stream: %v", err)
	}
	clWaitFor(t, "the log line", func() bool { return n1.logCount("mixed cluster: nats-server nodes replicate") == 1 })
	if _, err := js.AddStream(&nats.StreamConfig{Name: "R1", Subjects: []string{"r1.>"}}); err != nil {
		t.Fatal(err)
	}
	if _, err := js.Publish("r1.x", []byte("kept")); err != nil {
		t.Fatal(err)
	}
}

// TestMixedClusterWebsocketConnectURLs: WebSocket clients of either server
// learn the other's WebSocket URL (route INFO's ws_connect_urls).
func TestMixedClusterWebsocketConnectURLs(t *testing.T) {
	ref := mxRefBinary(t)
	bin := clBuild(t, t.TempDir())
	wsPorts := map[string]int{"ref1": clFreePort(t), "natsd1": clFreePort(t)}
	ws := func(name string) func(*mxConf) {
		return func(c *mxConf) {
			c.extra = fmt.Sprintf("websocket { listen: \"127.0.0.1:%d\", no_tls: true }\n", wsPorts[name])
		}
	}
	r1 := mxNode(t, ref, "ref1", nil, ws("ref1"))
	r1.start()
	n1 := mxNode(t, bin, "natsd1", []string{r1.routeURL()}, ws("natsd1"))
	n1.start()
	clWaitMesh(t, []*clProc{r1, n1})
	for _, pair := range [][2]string{{"natsd1", "ref1"}, {"ref1", "natsd1"}} {
		nc, err := nats.Connect(fmt.Sprintf("ws://a:p@127.0.0.1:%d", wsPorts[pair[0]]))
		if err != nil {
			t.Fatal(err)
		}
		defer nc.Close()
		want := fmt.Sprintf("ws://127.0.0.1:%d", wsPorts[pair[1]])
		clWaitFor(t, pair[0]+"'s WebSocket client to learn "+pair[1], func() bool {
			return slices.Equal(nc.DiscoveredServers(), []string{want})
		})
	}
}
