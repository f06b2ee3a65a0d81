package server

import (
	"bufio"
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/tls"
	"crypto/x509"
	"crypto/x509/pkix"
	"encoding/pem"
	"math/big"
	"net"
	"os"
	"path/filepath"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/nats-io/nats.go"

	"github.com/natsd/natsd/auth"
	"github.com/natsd/natsd/monitor"
)

// TLS tests. Every certificate is generated here: a CA, server
// certificates for 127.0.0.1, and client certificates signed by the CA,
// by another CA, or expired.

// tlsCA is a certificate authority that signs test certificates.
type tlsCA struct {
	cert *x509.Certificate
	key  *ecdsa.PrivateKey
	file string // PEM of the CA certificate
}

var tlsSerial atomic.Int64

func tlsKey(t *testing.T) *ecdsa.PrivateKey {
	t.Helper()
	k, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		t.Fatal(err)
	}
	return k
}

func newTLSCA(t *testing.T, dir, name string) *tlsCA {
	t.Helper()
	k := tlsKey(t)
	tmpl := &x509.Certificate{
		SerialNumber: big.NewInt(tlsSerial.Add(1)), Subject: pkix.Name{CommonName: name},
		NotBefore: time.Now().Add(-time.Hour), NotAfter: time.Now().Add(24 * time.Hour),
		IsCA: true, BasicConstraintsValid: true, KeyUsage: x509.KeyUsageCertSign | x509.KeyUsageDigitalSignature,
	}
	der, err := x509.CreateCertificate(rand.Reader, tmpl, tmpl, &k.PublicKey, k)
	if err != nil {
		t.Fatal(err)
	}
	cert, _ := x509.ParseCertificate(der)
	ca := &tlsCA{cert: cert, key: k, file: filepath.Join(dir, name+".pem")}
	writePEM(t, ca.file, "CERTIFICATE", der)
	return ca
}

// tlsLeaf describes a certificate to issue.
type tlsLeaf struct {
	subject  pkix.Name
	server   bool
	route    bool // a route certificate: server and client auth, for 127.0.0.1
	emails   []string
	notAfter time.Time // zero: a day from now
}

// issue signs a leaf certificate and writes name.pem and name-key.pem.
func (ca *tlsCA) issue(t *testing.T, dir, name string, l tlsLeaf) (certFile, keyFile string) {
	t.Helper()
	k := tlsKey(t)
	if l.notAfter.IsZero() {
		l.notAfter = time.Now().Add(24 * time.Hour)
	}
	tmpl := &x509.Certificate{
		SerialNumber: big.NewInt(tlsSerial.Add(1)), Subject: l.subject, EmailAddresses: l.emails,
		NotBefore: time.Now().Add(-48 * time.Hour), NotAfter: l.notAfter,
		KeyUsage: x509.KeyUsageDigitalSignature,
	}
	if l.route {
		tmpl.ExtKeyUsage = []x509.ExtKeyUsage{x509.ExtKeyUsageServerAuth, x509.ExtKeyUsageClientAuth}
		tmpl.IPAddresses = []net.IP{net.ParseIP("127.0.0.1")}
		tmpl.DNSNames = []string{"localhost"}
	} else if l.server {
		tmpl.ExtKeyUsage = []x509.ExtKeyUsage{x509.ExtKeyUsageServerAuth}
		tmpl.IPAddresses = []net.IP{net.ParseIP("127.0.0.1")}
		tmpl.DNSNames = []string{"localhost"}
	} else {
		tmpl.ExtKeyUsage = []x509.ExtKeyUsage{x509.ExtKeyUsageClientAuth}
	}
	der, err := x509.CreateCertificate(rand.Reader, tmpl, ca.cert, &k.PublicKey, ca.key)
	if err != nil {
		t.Fatal(err)
	}
	kb, err := x509.MarshalECPrivateKey(k)
	if err != nil {
		t.Fatal(err)
	}
	certFile, keyFile = filepath.Join(dir, name+".pem"), filepath.Join(dir, name+"-key.pem")
	writePEM(t, certFile, "CERTIFICATE", der)
	writePEM(t, keyFile, "EC PRIVATE KEY", kb)
	return certFile, keyFile
}

func writePEM(t *testing.T, path, typ string, der []byte) {
	t.Helper()
	if err := os.WriteFile(path, pem.EncodeToMemory(&pem.Block{Type: typ, Bytes: der}), 0o600); err != nil {
		t.Fatal(err)
	}
}

// tlsEnv is a CA with a server certificate and the client certificates
// the tests use.
type tlsEnv struct {
	dir                   string
	ca, otherCA           *tlsCA
	serverCert, serverKey string
	aliceCert, aliceKey   string // CN=alice,OU=eng,O=Acme\, Inc; alice@example.com
	wrongCert, wrongKey   string // signed by otherCA
	oldCert, oldKey       string // expired an hour ago
}

func newTLSEnv(t *testing.T) *tlsEnv {
	t.Helper()
	e := &tlsEnv{dir: t.TempDir()}
	e.ca = newTLSCA(t, e.dir, "ca")
	e.otherCA = newTLSCA(t, e.dir, "other-ca")
	e.serverCert, e.serverKey = e.ca.issue(t, e.dir, "server", tlsLeaf{subject: pkix.Name{CommonName: "server-a"}, server: true})
	e.aliceCert, e.aliceKey = e.ca.issue(t, e.dir, "alice", tlsLeaf{
		subject: pkix.Name{CommonName: "alice", Organization: []string{"Acme, Inc"}, OrganizationalUnit: []string{"eng"}},
		emails:  []string{"alice@example.com"},
	})
	e.wrongCert, e.wrongKey = e.otherCA.issue(t, e.dir, "wrong", tlsLeaf{subject: pkix.Name{CommonName: "alice"}})
	e.oldCert, e.oldKey = e.ca.issue(t, e.dir, "old", tlsLeaf{subject: pkix.Name{CommonName: "alice"}, notAfter: time.Now().Add(-time.Hour)})
	return e
}

// opts returns server options with TLS from the environment's files.
func (e *tlsEnv) opts(t *testing.T, verify bool) *Options {
	t.Helper()
	tc := &TLSConfigOpts{CertFile: e.serverCert, KeyFile: e.serverKey, Verify: verify}
	if verify {
		tc.CaFile = e.ca.file
	}
	cfg, err := GenTLSConfig(tc)
	if err != nil {
		t.Fatal(err)
	}
	return &Options{TLSConfig: cfg, TLSCert: e.serverCert, TLSKey: e.serverKey, TLSVerify: verify}
}

// client returns a client configuration trusting the CA, presenting
// certFile if given. With force the certificate is sent even if the
// server did not ask for its issuer.
func (e *tlsEnv) client(t *testing.T, certFile, keyFile string, force bool) *tls.Config {
	t.Helper()
	pool := x509.NewCertPool()
	pemCA, _ := os.ReadFile(e.ca.file)
	pool.AppendCertsFromPEM(pemCA)
	cfg := &tls.Config{RootCAs: pool, ServerName: "127.0.0.1"}
	if certFile != "" {
		cert, err := tls.LoadX509KeyPair(certFile, keyFile)
		if err != nil {
			t.Fatal(err)
		}
		if force {
			cfg.GetClientCertificate = func(*tls.CertificateRequestInfo) (*tls.Certificate, error) { return &cert, nil }
		} else {
			cfg.Certificates = []tls.Certificate{cert}
		}
	}
	return cfg
}

// tlsDial reads the plain INFO, then runs a TLS handshake with cfg; it
// returns the INFO and the TLS connection, or the handshake error.
func tlsDial(t *testing.T, s *Server, cfg *tls.Config) (string, *tls.Conn, *bufio.Reader, error) {
	t.Helper()
	r := secDial(t, s)
	tc := tls.Client(r.conn, cfg)
	tc.SetDeadline(time.Now().Add(secWait))
	err := tc.Handshake()
	if err == nil {
		// TLS 1.3: the server's verdict on the client certificate comes
		// with the first read.
		tc.Write([]byte("CONNECT {\"verbose\":false}\r\nPING\r\n"))
		br := bufio.NewReader(tc)
		var line string
		if line, err = br.ReadString('\n'); err == nil && line != "PONG\r\n" {
			t.Fatalf("after the handshake: %q", line)
		}
		return r.info, tc, br, err
	}
	return r.info, tc, nil, err
}

func TestTLSConnect(t *testing.T) {
	e := newTLSEnv(t)
	l := &secLog{}
	s := secStart(t, e.opts(t, false), l)
	l.waitFor(t, "[INF] TLS required for client connections")

	info, tc, _, err := tlsDial(t, s, e.client(t, "", "", false))
	if err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(info, `"tls_required":true`) || strings.Contains(info, "tls_verify") {
		t.Fatalf("INFO: %s", info)
	}
	if cn := tc.ConnectionState().PeerCertificates[0].Subject.CommonName; cn != "server-a" {
		t.Fatalf("server certificate %q", cn)
	}
	l.waitFor(t, "TLS version 1.3, cipher suite TLS_")

	nc, _ := secNats(t, s, nats.Secure(e.client(t, "", "", false)))
	sub, _ := nc.SubscribeSync("tls.>")
	nc.Publish("tls.x", []byte("over tls"))
	if m, err := sub.NextMsg(secWait); err != nil || string(m.Data) != "over tls" {
		t.Fatalf("%v %v", m, err)
	}
	cz, err := s.Connz(&monitor.ConnzOptions{})
	if err != nil {
		t.Fatal(err)
	}
	for _, c := range cz.Conns {
		if c.TLSVersion != "1.3" || !strings.HasPrefix(c.TLSCipher, "TLS_") {
			t.Fatalf("connz: tls_version %q, tls_cipher_suite %q", c.TLSVersion, c.TLSCipher)
		}
	}
	if v := s.Varz(); !v.TLSRequired || v.TLSVerify || v.TLSTimeout != 2 {
		t.Fatalf("varz: tls_required %v tls_verify %v tls_timeout %v", v.TLSRequired, v.TLSVerify, v.TLSTimeout)
	}
}

func TestTLSPlainClientRefused(t *testing.T) {
	e := newTLSEnv(t)
	l := &secLog{}
	s := secStart(t, e.opts(t, false), l)
	r := secDial(t, s)
	r.send("CONNECT {\"verbose\":false}\r\nPING\r\n")
	r.expect("-ERR '" + errSecureConnRequired + "'")
	r.expectClosed()
	l.waitFor(t, "[ERR] 127.0.0.1:", "TLS handshake error on "+s.Addr().String()+": the client is not using TLS")
	secEventually(t, func() bool {
		rs := secClosedReasons(t, s)
		return len(rs) == 1 && rs[0] == "TLS Handshake Failure"
	}, "a closed connection with reason TLS Handshake Failure")

	// nats.go upgrades on its own when the INFO requires TLS, and fails
	// on the certificate it cannot verify.
	if nc, _, err := secNatsTry(s); err == nil {
		nc.Close()
		t.Fatal("nats.go connected without trusting the server's CA")
	}
}

func TestTLSClientAgainstPlainPort(t *testing.T) {
	e := newTLSEnv(t)
	s := secStart(t, &Options{}, nil)
	_, _, _, err := tlsDial(t, s, e.client(t, "", "", false))
	if err == nil {
		t.Fatal("TLS handshake with a plain server succeeded")
	}
	_, _, err = secNatsTry(s, nats.Secure(e.client(t, "", "", false)))
	if err == nil || !strings.Contains(err.Error(), "secure connection not available") {
		t.Fatalf("nats.go against a plain port: %v", err)
	}
}

func TestTLSMutual(t *testing.T) {
	e := newTLSEnv(t)
	l := &secLog{}
	s := secStart(t, e.opts(t, true), l)
	listener := s.Addr().String()

	info, _, _, err := tlsDial(t, s, e.client(t, e.aliceCert, e.aliceKey, false))
	if err != nil {
		t.Fatalf("valid client certificate: %v", err)
	}
	if !strings.Contains(info, `"tls_required":true,"tls_verify":true`) {
		t.Fatalf("INFO: %s", info)
	}
	nc, _ := secNats(t, s, nats.Secure(e.client(t, e.aliceCert, e.aliceKey, false)))
	if err := nc.Flush(); err != nil {
		t.Fatal(err)
	}

	cases := []struct {
		name, cert, key string
		force           bool
		log             string
	}{
		{"missing", "", "", false, "tls: client didn't provide a certificate"},
		{"wrong CA", e.wrongCert, e.wrongKey, true, "certificate signed by unknown authority"},
		{"expired", e.oldCert, e.oldKey, false, "certificate has expired"},
	}
	for _, tt := range cases {
		t.Run(tt.name, func(t *testing.T) {
			if _, _, _, err := tlsDial(t, s, e.client(t, tt.cert, tt.key, tt.force)); err == nil {
				t.Fatal("connected")
			}
			l.waitFor(t, "[ERR] 127.0.0.1:", "TLS handshake error on "+listener+": ", tt.log)
			if nc, _, err := secNatsTry(s, nats.Secure(e.client(t, tt.cert, tt.key, false))); err == nil {
				nc.Close()
				t.Fatal("nats.go connected")
			}
		})
	}
}

func TestTLSHandshakeTimeoutAndProbe(t *testing.T) {
	e := newTLSEnv(t)
	o := e.opts(t, false)
	o.TLSTimeout = 200 * time.Millisecond
	l := &secLog{}
	s := secStart(t, o, l)

	start := time.Now()
	r := secDial(t, s) // a client that never starts TLS
	r.expect("-ERR '" + errSecureConnRequired + "'")
	r.expectClosed()
	if d := time.Since(start); d < 150*time.Millisecond {
		t.Fatalf("closed after %v, before the handshake timeout", d)
	}
	l.waitFor(t, "[ERR] 127.0.0.1:", "TLS handshake timeout on "+s.Addr().String())

	// A probe that connects and hangs up is a debug line, not an error.
	r = secDial(t, s)
	r.conn.Close()
	line := l.waitFor(t, "the client hung up")
	if !strings.HasPrefix(line, "[DBG] 127.0.0.1:") || !strings.Contains(line, s.Addr().String()) {
		t.Fatalf("probe logged as %q", line)
	}
	if n := strings.Count(l.text(), "[ERR]"); n != 1 {
		t.Fatalf("%d error lines, want only the timeout:\n%s", n, l.text())
	}
}

func TestTLSHandshakeFirst(t *testing.T) {
	e := newTLSEnv(t)
	o := e.opts(t, false)
	o.TLSHandshakeFirst = true
	l := &secLog{}
	s := secStart(t, o, l)
	l.waitFor(t, `[WRN] Clients that are not using "TLS Handshake First" option will fail to connect`)

	nc, _ := secNats(t, s, nats.Secure(e.client(t, "", "", false)), nats.TLSHandshakeFirst())
	sub, _ := nc.SubscribeSync("first")
	nc.Publish("first", []byte("ok"))
	if _, err := sub.NextMsg(secWait); err != nil {
		t.Fatal(err)
	}
	// The INFO comes over TLS only.
	conn, err := tls.Dial("tcp", s.Addr().String(), e.client(t, "", "", false))
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Close()
	conn.SetDeadline(time.Now().Add(secWait))
	if line, err := bufio.NewReader(conn).ReadString('\n'); err != nil || !strings.HasPrefix(line, "INFO {") {
		t.Fatalf("INFO over TLS: %q %v", line, err)
	}
	// A client expecting the INFO first gets nothing, and is refused.
	if _, _, err := secNatsTry(s, nats.Secure(e.client(t, "", "", false)), nats.Timeout(500*time.Millisecond)); err == nil {
		t.Fatal("a client without handshake first connected")
	}
	plain, err := net.Dial("tcp", s.Addr().String())
	if err != nil {
		t.Fatal(err)
	}
	defer plain.Close()
	plain.Write([]byte("CONNECT {}\r\n"))
	plain.SetReadDeadline(time.Now().Add(secWait))
	if line, _ := bufio.NewReader(plain).ReadString('\n'); line != "-ERR '"+errSecureConnRequired+"'\r\n" {
		t.Fatalf("plain client got %q", line)
	}
}

func TestTLSHandshakeFirstFallback(t *testing.T) {
	e := newTLSEnv(t)
	o := e.opts(t, false)
	// The handshake-first client must start TLS within the fallback
	// delay, even on a loaded machine (50 ms was not always enough).
	o.TLSHandshakeFirst, o.TLSHandshakeFirstFallback = true, time.Second
	s := secStart(t, o, nil)
	// Both kinds of clients get in: the silent one gets the INFO first.
	for _, first := range []bool{true, false} {
		opts := []nats.Option{nats.Secure(e.client(t, "", "", false))}
		if first {
			opts = append(opts, nats.TLSHandshakeFirst())
		}
		nc, _ := secNats(t, s, opts...)
		if err := nc.Flush(); err != nil {
			t.Fatalf("handshake first %v: %v", first, err)
		}
	}
	if _, _, _, err := tlsDial(t, s, e.client(t, "", "", false)); err != nil {
		t.Fatal(err)
	}
}

func TestTLSVerifyAndMap(t *testing.T) {
	e := newTLSEnv(t)
	bobCert, bobKey := e.ca.issue(t, e.dir, "bob", tlsLeaf{subject: pkix.Name{CommonName: "bob", Organization: []string{"Acme, Inc"}}})
	nobodyCert, nobodyKey := e.ca.issue(t, e.dir, "nobody", tlsLeaf{subject: pkix.Name{CommonName: "nobody"}})
	o := e.opts(t, true)
	o.TLSMap = true
	o.Users = []*auth.User{
		{Username: "alice@example.com", Permissions: &auth.Permissions{Publish: &auth.SubjectPermission{Allow: []string{"alice.>"}}}},
		{Username: `CN=bob,O=Acme\, Inc`},
	}
	l := &secLog{}
	s := secStart(t, o, l)

	// alice maps by her SAN email, and gets that user's permissions; the
	// credentials of CONNECT play no part.
	alice, errs := secNats(t, s, nats.Secure(e.client(t, e.aliceCert, e.aliceKey, false)), nats.UserInfo("bob", "x"))
	alice.Publish("bob.x", nil)
	secExpectErr(t, errs, `Permissions Violation for Publish to "bob.x"`)
	cz, _ := s.Connz(&monitor.ConnzOptions{Username: true})
	if len(cz.Conns) != 1 || cz.Conns[0].AuthorizedUser != "alice@example.com" {
		t.Fatalf("connz user: %+v", cz.Conns)
	}
	// bob maps by his subject's RFC 2253 DN.
	bob, _ := secNats(t, s, nats.Secure(e.client(t, bobCert, bobKey, false)))
	if err := bob.Flush(); err != nil {
		t.Fatal(err)
	}
	// A valid certificate naming no user is refused.
	_, _, err := secNatsTry(s, nats.Secure(e.client(t, nobodyCert, nobodyKey, false)))
	if err == nil || !strings.Contains(err.Error(), "Authorization Violation") {
		t.Fatalf("unmapped certificate: %v", err)
	}
	l.waitFor(t, "[ERR] 127.0.0.1:", "authentication error")
}

func TestTLSCertificateRotationOnDisk(t *testing.T) {
	saved := tlsWatchInterval
	tlsWatchInterval = 10 * time.Millisecond
	t.Cleanup(func() { tlsWatchInterval = saved })
	e := newTLSEnv(t)
	l := &secLog{}
	s := secStart(t, e.opts(t, false), l)
	serverCN := func() string {
		t.Helper()
		_, tc, _, err := tlsDial(t, s, e.client(t, "", "", false))
		if err != nil {
			t.Fatal(err)
		}
		return tc.ConnectionState().PeerCertificates[0].Subject.CommonName
	}
	if cn := serverCN(); cn != "server-a" {
		t.Fatalf("serving %q", cn)
	}
	// Replace the files, as cert-manager does: the next connection gets
	// the new certificate, while the established one goes on.
	nc, _ := secNats(t, s, nats.Secure(e.client(t, "", "", false)))
	rotate := func(cn string, at time.Time) {
		t.Helper()
		dir := t.TempDir()
		cert, key := e.ca.issue(t, dir, "next", tlsLeaf{subject: pkix.Name{CommonName: cn}, server: true})
		for src, dst := range map[string]string{cert: e.serverCert, key: e.serverKey} {
			b, _ := os.ReadFile(src)
			if err := os.WriteFile(dst, b, 0o600); err != nil {
				t.Fatal(err)
			}
			os.Chtimes(dst, at, at)
		}
	}
	rotate("server-b", time.Now().Add(time.Minute))
	l.waitFor(t, "[INF] Reloaded TLS certificate "+e.serverCert, "CN=server-b")
	if cn := serverCN(); cn != "server-b" {
		t.Fatalf("after rotation serving %q", cn)
	}
	if err := nc.Flush(); err != nil {
		t.Fatalf("established connection after rotation: %v", err)
	}
	// A broken pair (a key that does not match) is refused and logged;
	// the last good certificate stays.
	other := t.TempDir()
	_, badKey := e.ca.issue(t, other, "x", tlsLeaf{subject: pkix.Name{CommonName: "x"}, server: true})
	b, _ := os.ReadFile(badKey)
	os.WriteFile(e.serverKey, b, 0o600)
	later := time.Now().Add(2 * time.Minute)
	os.Chtimes(e.serverKey, later, later)
	l.waitFor(t, "[ERR] TLS certificate files changed but do not load, keeping the current certificate")
	if cn := serverCN(); cn != "server-b" {
		t.Fatalf("after a failed rotation serving %q", cn)
	}
}

func TestTLSReload(t *testing.T) {
	e := newTLSEnv(t)
	o := e.opts(t, false)
	s := secStart(t, o, nil)
	// SIGHUP reads the files again even when the settings are the same.
	next, nextKey := e.ca.issue(t, t.TempDir(), "next", tlsLeaf{subject: pkix.Name{CommonName: "server-c"}, server: true})
	after := e.opts(t, true) // and turns on client verification
	after.Host, after.Port, after.NoLog = o.Host, o.Port, o.NoLog
	tc := &TLSConfigOpts{CertFile: next, KeyFile: nextKey, CaFile: e.ca.file, Verify: true}
	var err error
	if after.TLSConfig, err = GenTLSConfig(tc); err != nil {
		t.Fatal(err)
	}
	after.TLSCert, after.TLSKey = next, nextKey
	s.SetConfigLoader(func() (*Options, error) { return after.Clone(), nil })
	if err := s.Reload(); err != nil {
		t.Fatal(err)
	}
	if _, _, _, err := tlsDial(t, s, e.client(t, "", "", false)); err == nil {
		t.Fatal("connected without a client certificate after reload turned verify on")
	}
	info, tcn, _, err := tlsDial(t, s, e.client(t, e.aliceCert, e.aliceKey, false))
	if err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(info, `"tls_verify":true`) {
		t.Fatalf("INFO after reload: %s", info)
	}
	if cn := tcn.ConnectionState().PeerCertificates[0].Subject.CommonName; cn != "server-c" {
		t.Fatalf("after reload serving %q", cn)
	}
}

func TestTLSHelp(t *testing.T) {
	h := TLSHelp()
	for _, want := range []string{"TLS_ECDHE_ECDSA_WITH_AES_128_GCM_SHA256", "TLS_AES_128_GCM_SHA256", "CurveP256", "X25519", "X25519MLKEM768", "handshake_first"} {
		if !strings.Contains(h, want) {
			t.Errorf("--help_tls lacks %q", want)
		}
	}
}

// A shutdown does not wait for handshakes in progress to time out.
func TestTLSShutdownDuringHandshake(t *testing.T) {
	e := newTLSEnv(t)
	o := e.opts(t, false)
	o.TLSTimeout = time.Minute
	s := secStart(t, o, nil)
	r := secDial(t, s) // gets the INFO, then never starts TLS
	start := time.Now()
	s.Shutdown()
	if d := time.Since(start); d > 5*time.Second {
		t.Fatalf("shutdown took %v with a handshake pending", d)
	}
	r.conn.SetReadDeadline(time.Now().Add(secWait))
	if _, err := r.br.ReadByte(); err == nil {
		t.Fatal("the connection is still open after shutdown")
	}
}
