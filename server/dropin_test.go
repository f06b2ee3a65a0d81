package server

import (
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/nats-io/nats.go"
	"github.com/nats-io/nkeys"
)

// Tests of what real clients and operators rely on beyond the protocol
// itself (issue 9): whole asynchronous INFOs, connect_urls once alone,
// allow_non_tls, lame-duck pacing, and what a reload of max_connections or
// max_payload does to connected clients. Each was checked against
// nats-server v2.15.2; the README's "Drop-in details" say where natsd
// differs on purpose.

// dropInfo decodes an INFO line ("INFO {...}" without CRLF).
func dropInfo(t *testing.T, line string) map[string]any {
	t.Helper()
	js, ok := strings.CutPrefix(line, "INFO ")
	if !ok {
		t.Fatalf("not an INFO: %q", line)
	}
	var m map[string]any
	if err := json.Unmarshal([]byte(js), &m); err != nil {
		t.Fatalf("INFO %q: %v", line, err)
	}
	return m
}

// dropNextInfo reads lines until the next INFO, skipping PINGs.
func (r *secRaw) dropNextInfo() string {
	r.t.Helper()
	for {
		l := r.line()
		if strings.HasPrefix(l, "INFO ") {
			return l
		}
		if l == "PING" {
			r.send("PONG\r\n")
			continue
		}
		r.t.Fatalf("got %q, want an INFO", l)
	}
}

// TestAsyncInfoIsWhole: every INFO a protocol-1 client receives after the
// first (cluster change, lame duck) is the first INFO with only the
// changed fields added or changed, client_id and client_ip included.
func TestAsyncInfoIsWhole(t *testing.T) {
	a := clStart(t, clOpts("a"))
	r := secDial(t, a)
	first := r.info
	r.send("CONNECT {\"verbose\":false,\"protocol\":1}\r\nPING\r\n")
	r.expect("PONG")
	r.dropNextInfo() // connect_info
	for _, k := range []string{"client_id", "client_ip"} {
		if _, ok := dropInfo(t, first)[k]; !ok {
			t.Fatalf("first INFO lacks %s: %s", k, first)
		}
	}

	b := clStart(t, clOpts("b", clRouteURL(a)))
	clWaitMesh(t, []*Server{a, b})
	joined := r.dropNextInfo()
	urls, _ := json.Marshal([]string{a.Addr().String(), b.Addr().String()})
	want := strings.Replace(first, `"cluster":"test"`, `"cluster":"test","connect_urls":`+string(urls), 1)
	if joined != want {
		t.Fatalf("INFO when b joined:\n got %s\nwant %s", joined, want)
	}

	go a.LameDuckShutdown()
	ldm := r.dropNextInfo()
	// The lame duck no longer lists itself, as with nats-server.
	others, _ := json.Marshal([]string{b.Addr().String()})
	if want := strings.Replace(joined, string(urls), string(others)+`,"ldm":true`, 1); ldm != want {
		t.Fatalf("lame-duck INFO:\n got %s\nwant %s", ldm, want)
	}
	// Still in lame-duck mode (the grace period is 10 s), a cluster update
	// lists the others only, and says "ldm" no more, as nats-server: here
	// there are none left, which makes it the first INFO again.
	b.Shutdown()
	if got := r.dropNextInfo(); got != first {
		t.Fatalf("INFO when b left during lame duck:\n got %s\nwant %s", got, first)
	}
}

// TestConnectURLsKeepSelfWhenAlone: a 3-node cluster loses 2 nodes; the
// survivor keeps announcing its own URL, so nats.go drops the two dead
// servers from its pool instead of trying them forever.
func TestConnectURLsKeepSelfWhenAlone(t *testing.T) {
	servers := clStartCluster(t, 3, nil)
	a := servers[0]
	nc := clConnect(t, a, nats.MaxReconnects(-1), nats.ReconnectWait(50*time.Millisecond))
	clWaitFor(t, clusterWait, "3 servers in the pool", func() bool {
		return len(nc.Servers()) == 3 && len(nc.DiscoveredServers()) == 2
	})
	servers[1].Shutdown()
	servers[2].Shutdown()
	clWaitFor(t, clusterWait, "the pool shrinks to 1", func() bool {
		return len(nc.Servers()) == 1 && len(nc.DiscoveredServers()) == 0
	})
	if got := nc.Servers()[0]; got != a.ClientURL() {
		t.Fatalf("pool = %v, want [%s]", nc.Servers(), a.ClientURL())
	}
	// New clients are told the same.
	r := secDial(t, a)
	self, _ := json.Marshal([]string{a.Addr().String()})
	if !strings.Contains(r.info, `"connect_urls":`+string(self)+`,`) {
		t.Fatalf("INFO to a new client once alone: %s", r.info)
	}
	if !nc.IsConnected() {
		t.Fatal("client disconnected from the surviving server")
	}
}

// TestConnectURLsNotBeforeFirstPeer: a server that never had a peer sends
// no connect_urls, as nats-server.
func TestConnectURLsNotBeforeFirstPeer(t *testing.T) {
	a := clStart(t, clOpts("a"))
	if r := secDial(t, a); strings.Contains(r.info, "connect_urls") {
		t.Fatalf("INFO of a lone cluster node: %s", r.info)
	}
}

// TestAllowNonTLS: with allow_non_tls, one port serves TLS clients and
// plain clients, and INFO says tls_available instead of tls_required.
func TestAllowNonTLS(t *testing.T) {
	e := newTLSEnv(t)
	dir := t.TempDir()
	path := filepath.Join(dir, "natsd.conf")
	conf := fmt.Sprintf("tls { cert_file: %q, key_file: %q, timeout: 1 }\nallow_non_tls: true\n", e.serverCert, e.serverKey)
	if err := os.WriteFile(path, []byte(conf), 0o644); err != nil {
		t.Fatal(err)
	}
	o, err := ProcessConfigFile(path)
	if err != nil {
		t.Fatal(err)
	}
	l := &secLog{}
	s := secStart(t, o, l)
	l.waitFor(t, "[INF] TLS available for client connections")

	r := secDial(t, s)
	info := dropInfo(t, r.info)
	if info["tls_available"] != true || info["tls_required"] != nil {
		t.Fatalf("INFO: %s", r.info)
	}
	if !strings.Contains(r.info, `"headers":true,"tls_available":true,"max_payload"`) {
		t.Fatalf("tls_available not where nats-server puts it: %s", r.info)
	}
	if v := s.Varz(); v.TLSRequired {
		t.Fatal("/varz says tls_required with allow_non_tls")
	}
	// A plain client that says nothing past the TLS timeout is still a
	// plain client.
	time.Sleep(2 * s.tls.Load().timeout)
	r.send("CONNECT {\"verbose\":false}\r\nPING\r\n")
	r.expect("PONG")

	plain := clConnect(t, s)
	secure := clConnect(t, s, nats.Secure(e.client(t, "", "", false)))
	if _, err := plain.TLSConnectionState(); err == nil {
		t.Fatal("plain client is on TLS")
	}
	if _, err := secure.TLSConnectionState(); err != nil {
		t.Fatalf("TLS client: %v", err)
	}
	for _, pair := range [][2]*nats.Conn{{plain, secure}, {secure, plain}} {
		sub, err := pair[1].SubscribeSync("x")
		if err != nil {
			t.Fatal(err)
		}
		pair[1].Flush()
		if err := pair[0].Publish("x", []byte("hi")); err != nil {
			t.Fatal(err)
		}
		if _, err := sub.NextMsg(secWait); err != nil {
			t.Fatalf("delivery: %v", err)
		}
		sub.Unsubscribe()
	}

	// It cannot change on reload, as with nats-server.
	after := o.Clone()
	after.AllowNonTLS = false
	s.SetConfigLoader(func() (*Options, error) { return after.Clone(), nil })
	if err := s.Reload(); err == nil || !strings.Contains(err.Error(), "allow_non_tls") {
		t.Fatalf("reload of allow_non_tls: %v", err)
	}
}

// TestAllowNonTLSHandshakeFirst: handshake_first keeps TLS required, as
// with nats-server.
func TestAllowNonTLSHandshakeFirst(t *testing.T) {
	e := newTLSEnv(t)
	o := e.opts(t, false)
	o.AllowNonTLS, o.TLSHandshakeFirst = true, true
	s := startTestServer(t, o)
	if ts := s.tls.Load(); ts.allowNonTLS {
		t.Fatal("allow_non_tls with handshake_first")
	}
	if _, err := nats.Connect(s.ClientURL(), nats.Timeout(time.Second)); err == nil {
		t.Fatal("plain client served with handshake_first")
	}
}

// TestLameDuckPace: the closes are spread over the duration but never more
// than a second apart, and in batches when one per millisecond does not
// fit, so that the drain always ends within the duration.
func TestLameDuckPace(t *testing.T) {
	tests := []struct {
		n            int
		span         time.Duration
		wantBatch    int
		wantInterval time.Duration
	}{
		{2, 30 * time.Second, 1, time.Second},
		{1, 2 * time.Minute, 1, time.Second},
		{4, 2 * time.Second, 1, 500 * time.Millisecond},
		{100, 2 * time.Minute, 1, time.Second},
		{10000, 5 * time.Second, 2, time.Millisecond},
		{100000, 10 * time.Second, 10, time.Millisecond},
		{5, 0, 5, time.Millisecond},
		{0, time.Second, 1, 0},
	}
	for _, tt := range tests {
		batch, interval := lameDuckPace(tt.n, tt.span)
		if batch != tt.wantBatch || interval != tt.wantInterval {
			t.Errorf("lameDuckPace(%d, %v) = %d, %v; want %d, %v", tt.n, tt.span, batch, interval, tt.wantBatch, tt.wantInterval)
		}
		if groups := (tt.n + batch - 1) / batch; tt.n > 0 && time.Duration(groups-1)*interval > max(tt.span, time.Millisecond) {
			t.Errorf("lameDuckPace(%d, %v): %d waits of %v overrun the span", tt.n, tt.span, groups-1, interval)
		}
	}
}

// TestLameDuckDrainsHandfulQuickly: with a 30 s lame-duck duration, three
// nats.go clients are each told, then closed about a second apart: the
// server is gone long before the duration is over.
func TestLameDuckDrainsHandfulQuickly(t *testing.T) {
	s := startTestServer(t, &Options{LameDuckDuration: 30 * time.Second, LameDuckGracePeriod: 50 * time.Millisecond})
	var told, closed atomic.Int32
	for range 3 {
		clConnect(t, s, nats.NoReconnect(),
			nats.LameDuckModeHandler(func(*nats.Conn) { told.Add(1) }),
			nats.ClosedHandler(func(*nats.Conn) { closed.Add(1) }))
	}
	done := make(chan struct{})
	go func() { s.LameDuckShutdown(); close(done) }()
	select {
	case <-done:
	case <-time.After(15 * time.Second): // half the duration; the drain takes ~2 s
		t.Fatal("lame duck still draining 3 clients after 15 s of a 30 s duration")
	}
	clWaitFor(t, clusterWait, "3 clients told and closed", func() bool { return told.Load() == 3 && closed.Load() == 3 })
}

// TestReloadLowersMaxConnections: lowering max_connections closes the
// newest clients beyond the limit with the -ERR nats.go understands, logs
// how many, and keeps refusing new ones.
func TestReloadLowersMaxConnections(t *testing.T) {
	l := &secLog{}
	o := &Options{MaxConnections: 10}
	s := secStart(t, o, l)
	var conns []*nats.Conn
	for range 5 {
		conns = append(conns, clConnect(t, s, nats.NoReconnect()))
	}
	raw := secLogin(t, s, `{"verbose":false}`) // the newest of all

	after := o.Clone()
	after.MaxConnections = 2
	s.SetConfigLoader(func() (*Options, error) { return after.Clone(), nil })
	if err := s.Reload(); err != nil {
		t.Fatal(err)
	}
	raw.expect("-ERR 'maximum connections exceeded'")
	raw.expectClosed()
	clWaitFor(t, clusterWait, "3 more closed", func() bool {
		n := 0
		for _, nc := range conns {
			if nc.IsClosed() {
				n++
			}
		}
		return n == 3
	})
	for i, nc := range conns {
		if want := i >= 2; nc.IsClosed() != want {
			t.Fatalf("client %d closed = %v, want %v (the newest go)", i, nc.IsClosed(), want)
		}
		if i >= 2 {
			if err := nc.LastError(); !errors.Is(err, nats.ErrMaxConnectionsExceeded) {
				t.Fatalf("client %d: error %v, want %v", i, err, nats.ErrMaxConnectionsExceeded)
			}
		}
	}
	l.waitFor(t, "[INF] Closed 4 connections to fall within max_connections")
	if n := s.NumClients(); n != 2 {
		t.Fatalf("%d clients, want 2", n)
	}
	refused := secDial(t, s)
	refused.expect("-ERR 'maximum connections exceeded'")
}

// TestReloadMaxPayloadAnnounced: a reload that changes max_payload sends
// connected protocol-1 clients a whole INFO with the new value (beyond
// nats-server), and the new limit is enforced for them.
func TestReloadMaxPayloadAnnounced(t *testing.T) {
	o := &Options{}
	s := startTestServer(t, o)
	nc := clConnect(t, s)
	r := secDial(t, s)
	first := r.info
	r.send("CONNECT {\"verbose\":false,\"protocol\":1}\r\nPING\r\n")
	r.expect("PONG")
	r.dropNextInfo() // connect_info
	old := nc.MaxPayload()

	after := o.Clone()
	after.MaxPayload = 1024
	s.SetConfigLoader(func() (*Options, error) { return after.Clone(), nil })
	if err := s.Reload(); err != nil {
		t.Fatal(err)
	}
	got := r.dropNextInfo()
	if want := strings.Replace(first, fmt.Sprintf(`"max_payload":%d`, old), `"max_payload":1024`, 1); got != want {
		t.Fatalf("INFO after reload:\n got %s\nwant %s", got, want)
	}
	clWaitFor(t, clusterWait, "nats.go learns max_payload", func() bool { return nc.MaxPayload() == 1024 })
	if err := nc.Publish("x", make([]byte, 1025)); !errors.Is(err, nats.ErrMaxPayload) {
		t.Fatalf("nats.go publish beyond the new limit: %v", err)
	}
	if err := nc.Publish("x", make([]byte, 1024)); err != nil {
		t.Fatal(err)
	}
	if err := nc.Flush(); err != nil {
		t.Fatalf("client at the limit: %v", err)
	}
	r.send("PUB x 1025\r\n" + strings.Repeat("a", 1025) + "\r\n")
	r.expect("-ERR 'Maximum Payload Violation'")
}

// BenchmarkAsyncInfoLine is the cost per client of a whole asynchronous
// INFO (encoded for each client, since client_id and client_ip differ).
func BenchmarkAsyncInfoLine(b *testing.B) {
	s := startTestServer(b, nil)
	info := s.baseInfo()
	info.ConnectURLs = []string{"10.0.0.1:4222", "10.0.0.2:4222", "10.0.0.3:4222"}
	c := &client{cid: 12345, host: "10.1.2.3"}
	b.ReportAllocs()
	for b.Loop() {
		c.asyncInfoLine(info)
	}
}

// TestInfoXKeyAndAPILevel: every INFO ends with "api_lvl" and "xkey" (the
// server's curve public key, the same for every client and the one auth
// callout requests carry), in nats-server's order, with or without
// JetStream.
func TestInfoXKeyAndAPILevel(t *testing.T) {
	s := startTestServer(t, &Options{})
	r1, r2 := secDial(t, s), secDial(t, s)
	m := dropInfo(t, r1.info)
	xk, _ := m["xkey"].(string)
	if !nkeys.IsValidPublicCurveKey(xk) {
		t.Fatalf("INFO xkey %q is not a curve public key: %s", xk, r1.info)
	}
	if m["api_lvl"] != float64(5) {
		t.Fatalf("INFO api_lvl %v, want 5", m["api_lvl"])
	}
	if !strings.HasSuffix(strings.TrimSpace(r1.info), `,"api_lvl":5,"xkey":"`+xk+`"}`) {
		t.Fatalf("INFO does not end with api_lvl then xkey: %s", r1.info)
	}
	if got := dropInfo(t, r2.info)["xkey"]; got != xk {
		t.Fatalf("second client's xkey %v, want %s", got, xk)
	}
	r1.send("CONNECT {\"verbose\":false,\"protocol\":1}\r\nPING\r\n")
	r1.expect("PONG")
	if ci := strings.TrimSpace(r1.dropNextInfo()); !strings.HasSuffix(ci, `"connect_info":true,"remote_account":"$G","api_lvl":5,"xkey":"`+xk+`"}`) {
		t.Fatalf("connect_info INFO: %s", ci)
	}
}
