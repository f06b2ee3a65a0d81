package server

import (
	"crypto/tls"
	"crypto/x509/pkix"
	"fmt"
	"net"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/nats-io/nats.go"
)

// Route TLS: the cluster's tls block.

// routeTLS sets mutual route TLS on o with a route certificate issued by
// ca, trusting caFile.
func routeTLS(t *testing.T, o *Options, e *tlsEnv, ca *tlsCA, name, caFile string) {
	t.Helper()
	cert, key := ca.issue(t, e.dir, name, tlsLeaf{subject: pkix.Name{CommonName: name}, route: true})
	cfg, err := GenTLSConfig(&TLSConfigOpts{CertFile: cert, KeyFile: key, CaFile: caFile, Verify: true})
	if err != nil {
		t.Fatal(err)
	}
	o.Cluster.TLSConfig, o.Cluster.TLSVerify = cfg, true
	o.Cluster.TLSCert, o.Cluster.TLSKey, o.Cluster.TLSCaCert = cert, key, caFile
	o.Cluster.TLSTimeout = time.Second
}

func TestRouteTLSCluster(t *testing.T) {
	e := newTLSEnv(t)
	servers := clStartCluster(t, 3, func(i int, o *Options) {
		routeTLS(t, o, e, e.ca, fmt.Sprintf("route%d", i+1), e.ca.file)
	})
	for _, s := range servers {
		for _, r := range s.registeredRoutes() {
			if _, ok := r.conn.(*tls.Conn); !ok {
				t.Fatalf("%s: route %d is not TLS (%T)", s.name, r.cid, r.conn)
			}
		}
	}
	if info := string(servers[0].routeInfoLine(nil, true)); !strings.Contains(info, `"tls_required":true`) || !strings.Contains(info, `"tls_verify":true`) {
		t.Errorf("route INFO without tls_required/tls_verify: %s", info)
	}

	// Messages cross the TLS routes both ways.
	sub3 := clConnect(t, servers[2])
	sub1 := clConnect(t, servers[0])
	got3, got1 := newCounter(), newCounter()
	if _, err := sub3.Subscribe("tls.>", got3.handler); err != nil {
		t.Fatal(err)
	}
	if _, err := sub1.Subscribe("tls.>", got1.handler); err != nil {
		t.Fatal(err)
	}
	sub3.Flush()
	sub1.Flush()
	clWaitRemoteSubs(t, servers, func(i int) int {
		if i == 1 {
			return 2
		}
		return 1
	})
	pub := clConnect(t, servers[1])
	for i := 0; i < 50; i++ {
		if err := pub.Publish("tls.x", []byte(fmt.Sprintf("m%d", i))); err != nil {
			t.Fatal(err)
		}
	}
	pub.Flush()
	clWaitFor(t, clusterWait, "messages across TLS routes", func() bool { return got3.total() == 50 && got1.total() == 50 })
	if d := got3.dups(); len(d) > 0 {
		t.Fatalf("duplicates: %v", d)
	}
	// Request/reply across a TLS route.
	sub3.Subscribe("svc", func(m *nats.Msg) { m.Respond([]byte("ok")) })
	sub3.Flush()
	clWaitFor(t, clusterWait, "svc interest", func() bool { return servers[1].NumRemoteSubscriptions() >= 3 })
	if m, err := pub.Request("svc", nil, 10*time.Second); err != nil || string(m.Data) != "ok" {
		t.Fatalf("request over TLS route: %v %v", m, err)
	}
}

// A node with a certificate from another CA is refused, and says so.
func TestRouteTLSWrongCA(t *testing.T) {
	e := newTLSEnv(t)
	so := clOpts("seed")
	routeTLS(t, so, e, e.ca, "seed", e.ca.file)
	seed, seedLog := clStartLogged(t, so)

	bo := clOpts("bad", clRouteURL(seed))
	routeTLS(t, bo, e, e.otherCA, "bad", e.ca.file) // trusts the seed, but not trusted by it
	bad, badLog := clStartLogged(t, bo)
	defer func() {
		if t.Failed() {
			t.Logf("seed log:\n%s\nbad log:\n%s", seedLog, badLog)
		}
	}()

	clWaitFor(t, clusterWait, "refusal logged", func() bool {
		return seedLog.count("[ERR]", "Route TLS handshake error", "certificate") > 0 &&
			badLog.count("[ERR]", "Route TLS error: the peer refused the connection", "certificate") > 0
	})
	time.Sleep(200 * time.Millisecond)
	if seed.NumRoutes() != 0 || bad.NumRoutes() != 0 {
		t.Fatalf("route made with a wrong-CA certificate: %d %d", seed.NumRoutes(), bad.NumRoutes())
	}

	// The other way round: a node that does not trust the seed's CA
	// refuses the seed's certificate.
	do := clOpts("doubter", clRouteURL(seed))
	routeTLS(t, do, e, e.ca, "doubter", e.otherCA.file)
	doubter, dLog := clStartLogged(t, do)
	clWaitFor(t, clusterWait, "verification failure logged", func() bool {
		return dLog.count("[ERR]", "TLS handshake error", "certificate") > 0
	})
	if doubter.NumRoutes() != 0 {
		t.Fatal("route made to an untrusted server")
	}
}

// A plain node cannot join a TLS cluster, whichever side dials.
func TestRouteTLSPlainNodeRefused(t *testing.T) {
	e := newTLSEnv(t)
	so := clOpts("seed")
	routeTLS(t, so, e, e.ca, "seed", e.ca.file)
	seed, seedLog := clStartLogged(t, so)

	plain, _ := clStartLogged(t, clOpts("plain", clRouteURL(seed)))
	clWaitFor(t, clusterWait, "plain route refused", func() bool {
		return seedLog.count("[ERR]", "Route TLS handshake error", "not using TLS") > 0
	})

	// The TLS node dials the plain one.
	to := clOpts("tls2", clRouteURL(plain))
	routeTLS(t, to, e, e.ca, "tls2", e.ca.file)
	tls2, tLog := clStartLogged(t, to)
	clWaitFor(t, clusterWait, "TLS dial to plain node failed", func() bool {
		return tLog.count("[ERR]", "TLS handshake error") > 0
	})
	time.Sleep(200 * time.Millisecond)
	if seed.NumRoutes() != 0 || plain.NumRoutes() != 0 || tls2.NumRoutes() != 0 {
		t.Fatalf("routes: seed %d plain %d tls2 %d", seed.NumRoutes(), plain.NumRoutes(), tls2.NumRoutes())
	}
}

// clusterTLSConf writes a config file with cluster { ... tls { body } }.
func clusterTLSConf(t *testing.T, e *tlsEnv, body string) string {
	t.Helper()
	r := strings.NewReplacer("$CERT", e.serverCert, "$KEY", e.serverKey, "$CA", e.ca.file, "$DIR", e.dir)
	path := filepath.Join(e.dir, "cluster.conf")
	text := "cluster {\n  listen: 127.0.0.1:-1\n  tls {\n" + r.Replace(body) + "\n  }\n}\n"
	if err := os.WriteFile(path, []byte(text), 0o644); err != nil {
		t.Fatal(err)
	}
	return path
}

func TestRouteTLSConfig(t *testing.T) {
	e := newTLSEnv(t)
	o, err := ProcessConfigFile(clusterTLSConf(t, e, `
		cert_file: "$CERT"
		key_file: "$KEY"
		ca_file: "$CA"
		verify: true
		timeout: 3
		min_version: "1.3"`))
	if err != nil {
		t.Fatal(err)
	}
	c := o.Cluster
	switch {
	case c.TLSConfig == nil:
		t.Fatal("no cluster TLSConfig")
	case c.TLSConfig.ClientAuth != tls.RequireAndVerifyClientCert || c.TLSConfig.ClientCAs == nil:
		t.Error("cluster verify does not require client certificates")
	case c.TLSConfig.MinVersion != tls.VersionTLS13:
		t.Errorf("min_version %x", c.TLSConfig.MinVersion)
	case !c.TLSVerify || c.TLSTimeout != 3*time.Second || c.TLSCert != e.serverCert || c.TLSKey != e.serverKey || c.TLSCaCert != e.ca.file:
		t.Errorf("cluster tls options: %+v", c)
	}
	if o.TLSConfig != nil {
		t.Error("cluster tls set client TLS")
	}
	cc := routeClientTLS(o, "127.0.0.1:6222")
	if cc.ServerName != "127.0.0.1" || cc.RootCAs == nil || cc.InsecureSkipVerify {
		t.Errorf("client side: server name %q roots %v insecure %v", cc.ServerName, cc.RootCAs != nil, cc.InsecureSkipVerify)
	}
	o, err = ProcessConfigFile(clusterTLSConf(t, e, `cert_file: "$CERT", key_file: "$KEY"`))
	if err != nil {
		t.Fatal(err)
	}
	if cc := routeClientTLS(o, "h:1"); !cc.InsecureSkipVerify {
		t.Error("without verify the peer is verified")
	}
	o.setDefaults()
	if o.Cluster.TLSTimeout != DefaultTLSTimeout {
		t.Errorf("default timeout %v", o.Cluster.TLSTimeout)
	}

	// Errors name the file and line.
	ok := `cert_file: "$CERT", key_file: "$KEY", `
	for body, want := range map[string]string{
		`cert_file: "$CERT"`:                  "cluster.conf:3:",
		`key_file: "$KEY"`:                    "missing 'cert_file' in TLS configuration",
		ok + `ca_file: "$DIR/nope.pem"`:       "nope.pem: no such file or directory",
		ok + `verfy: true`:                    `unknown field "verfy" (did you mean "verify"?)`,
		ok + "\n verify_and_map: true":        "verify_and_map is not supported for routes",
		ok + "\n handshake_first: true":       "handshake_first is not supported for routes",
		ok + "\n pinned_certs: [\"abc\"]":     `tls "pinned_certs" is not supported by natsd yet`,
		ok + "\n timeout: -1":                 "timeout must be positive",
		"\n" + ok + "\n min_version: \"1.1\"": "cluster.conf:6:",
	} {
		_, err := ProcessConfigFile(clusterTLSConf(t, e, body))
		if err == nil || !strings.Contains(err.Error(), want) || !strings.Contains(err.Error(), "cluster.conf:") {
			t.Errorf("%s: error %v, want %q with its position", body, err, want)
		}
	}
}

// Route TLS settings reload (for the routes made from then on); turning
// route TLS on or off needs a restart.
func TestRouteTLSReload(t *testing.T) {
	e := newTLSEnv(t)
	o := clOpts("a")
	routeTLS(t, o, e, e.ca, "a", e.ca.file)
	s := clStart(t, o)

	cur := s.getOpts().Clone()
	cur.Cluster.TLSTimeout = 5 * time.Second
	if err := s.applyOptions(cur); err != nil {
		t.Fatalf("changing cluster tls timeout: %v", err)
	}
	if s.getOpts().Cluster.TLSTimeout != 5*time.Second {
		t.Fatal("timeout not applied")
	}
	same := s.getOpts().Clone()
	if ch, ref := optionsDiff(s.getOpts(), same); len(ch)+len(ref) != 0 {
		t.Fatalf("unchanged options differ: %v %v", ch, ref)
	}
	off := s.getOpts().Clone()
	off.Cluster.TLSConfig, off.Cluster.TLSVerify = nil, false
	off.Cluster.TLSCert, off.Cluster.TLSKey, off.Cluster.TLSCaCert = "", "", ""
	err := s.applyOptions(off)
	if err == nil || !strings.Contains(err.Error(), "cluster.tls") || !strings.Contains(err.Error(), "restart") {
		t.Fatalf("turning route TLS off: %v", err)
	}
}

// A peer that never starts the handshake is cut off after the timeout, and
// a shutdown interrupts a pending handshake without leaking goroutines.
func TestRouteTLSHandshakeTimeoutAndShutdown(t *testing.T) {
	check := clGoroutines(t)
	e := newTLSEnv(t)
	o := clOpts("a")
	routeTLS(t, o, e, e.ca, "a", e.ca.file)
	o.Cluster.TLSTimeout = 200 * time.Millisecond
	s, l := clStartLogged(t, o)

	silent, err := net.Dial("tcp", s.ClusterAddr().String())
	if err != nil {
		t.Fatal(err)
	}
	defer silent.Close()
	clWaitFor(t, clusterWait, "handshake timeout logged", func() bool {
		return l.count("[ERR]", "Route TLS handshake timeout") > 0
	})
	silent.SetReadDeadline(time.Now().Add(time.Second))
	if _, err := silent.Read(make([]byte, 1)); err == nil || isTimeout(err) {
		t.Fatalf("connection not closed after the handshake timeout: %v", err)
	}

	// A pending handshake at shutdown.
	o2 := clOpts("b")
	routeTLS(t, o2, e, e.ca, "b", e.ca.file)
	o2.Cluster.TLSTimeout = time.Minute
	s2, _ := clStartLogged(t, o2)
	pending, err := net.Dial("tcp", s2.ClusterAddr().String())
	if err != nil {
		t.Fatal(err)
	}
	defer pending.Close()
	time.Sleep(50 * time.Millisecond)
	done := make(chan struct{})
	go func() { s2.Shutdown(); close(done) }()
	select {
	case <-done:
	case <-time.After(5 * time.Second):
		t.Fatal("shutdown waits for a pending route handshake")
	}
	pending.Close()
	silent.Close()
	s.Shutdown()
	check()
}
