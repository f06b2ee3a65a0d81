package server

import (
	"crypto/tls"
	"crypto/x509/pkix"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"
)

// The tls block of the configuration file.

// tlsConfFile writes a config file holding tls { body } in e's directory.
func tlsConfFile(t *testing.T, e *tlsEnv, body string) string {
	t.Helper()
	r := strings.NewReplacer("$CERT", e.serverCert, "$KEY", e.serverKey, "$CA", e.ca.file, "$DIR", e.dir)
	path := filepath.Join(e.dir, "tls.conf")
	if err := os.WriteFile(path, []byte("tls {\n"+r.Replace(body)+"\n}\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	return path
}

func TestTLSConfigBlock(t *testing.T) {
	e := newTLSEnv(t)
	o, err := ProcessConfigFile(tlsConfFile(t, e, `
		cert_file: "$CERT"
		key_file: "$KEY"
		ca_file: "$CA"
		verify_and_map: true
		timeout: 1.5
		min_version: "1.3"
		cipher_suites: ["TLS_ECDHE_ECDSA_WITH_AES_128_GCM_SHA256", "TLS_ECDHE_RSA_WITH_AES_256_GCM_SHA384"]
		curve_preferences: ["CurveP256", "X25519"]
		handshake_first: "300ms"`))
	if err != nil {
		t.Fatal(err)
	}
	c := o.TLSConfig
	switch {
	case c == nil:
		t.Fatal("no TLSConfig")
	case c.ClientAuth != tls.RequireAndVerifyClientCert || c.ClientCAs == nil:
		t.Error("verify_and_map does not require and verify client certificates")
	case c.MinVersion != tls.VersionTLS13:
		t.Errorf("min_version %x", c.MinVersion)
	case !slices.Equal(c.CipherSuites, []uint16{tls.TLS_ECDHE_ECDSA_WITH_AES_128_GCM_SHA256, tls.TLS_ECDHE_RSA_WITH_AES_256_GCM_SHA384}):
		t.Errorf("cipher_suites %v", c.CipherSuites)
	case !slices.Equal(c.CurvePreferences, []tls.CurveID{tls.CurveP256, tls.X25519}):
		t.Errorf("curve_preferences %v", c.CurvePreferences)
	}
	if !o.TLSVerify || !o.TLSMap || o.TLSTimeout != 1500*time.Millisecond || o.TLSCert != e.serverCert || o.TLSKey != e.serverKey || o.TLSCaCert != e.ca.file {
		t.Errorf("options: verify %v map %v timeout %v cert %q key %q ca %q", o.TLSVerify, o.TLSMap, o.TLSTimeout, o.TLSCert, o.TLSKey, o.TLSCaCert)
	}
	if !o.TLSHandshakeFirst || o.TLSHandshakeFirstFallback != 300*time.Millisecond {
		t.Errorf("handshake_first %v fallback %v", o.TLSHandshakeFirst, o.TLSHandshakeFirstFallback)
	}
	for body, want := range map[string][2]any{
		`cert_file: "$CERT", key_file: "$KEY", handshake_first: true`:  {true, time.Duration(0)},
		`cert_file: "$CERT", key_file: "$KEY", handshake_first: auto`:  {true, TLSHandshakeFirstAuto},
		`cert_file: "$CERT", key_file: "$KEY", handshake_first: false`: {false, time.Duration(0)},
	} {
		o, err := ProcessConfigFile(tlsConfFile(t, e, body))
		if err != nil {
			t.Fatal(err)
		}
		if o.TLSHandshakeFirst != want[0] || o.TLSHandshakeFirstFallback != want[1] {
			t.Errorf("%s: %v %v", body, o.TLSHandshakeFirst, o.TLSHandshakeFirstFallback)
		}
	}
}

// The error texts are nats-server's, with the position of the problem.
func TestTLSConfigBlockErrors(t *testing.T) {
	e := newTLSEnv(t)
	ok := `cert_file: "$CERT", key_file: "$KEY", `
	for body, want := range map[string]string{
		`cert_file: "$CERT"`:                           "missing 'key_file' in TLS configuration",
		`key_file: "$KEY"`:                             "missing 'cert_file' in TLS configuration",
		`cert_file: "$DIR/nope.pem", key_file: "$KEY"`: "error parsing X509 certificate/key pair: open ",
		`cert_file: "$CERT", key_file: "$CA"`:          "error parsing X509 certificate/key pair",
		ok + `ca_file: "$DIR/nope.pem"`:                "nope.pem: no such file or directory",
		ok + `ca_file: "$KEY"`:                         "failed to parse root ca certificate",
		ok + `min_version: "1.1"`:                      "error parsing tls config: unsupported TLS version: TLS 1.1",
		ok + `min_version: "1.4"`:                      "error parsing tls config: unknown version: 1.4",
		ok + `cipher_suites: ["BOGUS"]`:                "unrecognized cipher BOGUS",
		ok + `curve_preferences: ["BOGUS"]`:            "unrecognized curve preference BOGUS",
		ok + `handshake_first: "bogus"`:                `field "handshake_first"'s value "bogus" is invalid`,
		ok + `verfy: true`:                             `error parsing tls config, unknown field "verfy" (did you mean "verify"?)`,
		ok + `pinned_certs: ["abc"]`:                   `tls "pinned_certs" is not supported by natsd yet`,
		ok + `timeout: -1`:                             "timeout must be positive",
	} {
		_, err := ProcessConfigFile(tlsConfFile(t, e, body))
		if err == nil || !strings.Contains(err.Error(), want) || !strings.Contains(err.Error(), "tls.conf:") {
			t.Errorf("%s: error %v, want %q with its position", body, err, want)
		}
	}
	// Settings that need a certificate are refused without one.
	if _, err := New(&Options{TLSVerify: true}); err == nil {
		t.Error("tls verify without a certificate accepted")
	}
}

// A reload from the file (SIGHUP) re-reads the certificate files.
func TestTLSConfigFileReload(t *testing.T) {
	e := newTLSEnv(t)
	path := tlsConfFile(t, e, `cert_file: "$CERT", key_file: "$KEY"`)
	o, err := ProcessConfigFile(path)
	if err != nil {
		t.Fatal(err)
	}
	s := secStart(t, o, nil)
	s.SetConfigLoader(func() (*Options, error) {
		n, err := ProcessConfigFile(path)
		if err == nil {
			n.Host, n.Port, n.NoLog = o.Host, o.Port, o.NoLog
		}
		return n, err
	})
	next, nextKey := e.ca.issue(t, e.dir, "next", tlsLeaf{subject: pkix.Name{CommonName: "server-d"}, server: true})
	tlsConfFile(t, e, `cert_file: "`+next+`", key_file: "`+nextKey+`", verify: true, ca_file: "$CA"`)
	if err := s.Reload(); err != nil {
		t.Fatal(err)
	}
	info, tc, _, err := tlsDial(t, s, e.client(t, e.aliceCert, e.aliceKey, false))
	if err != nil {
		t.Fatal(err)
	}
	if cn := tc.ConnectionState().PeerCertificates[0].Subject.CommonName; cn != "server-d" || !strings.Contains(info, `"tls_verify":true`) {
		t.Fatalf("after reload: certificate %q, INFO %s", cn, info)
	}
	// Turning TLS off needs no certificate; new clients connect in plain.
	os.WriteFile(path, nil, 0o644)
	if err := s.Reload(); err != nil {
		t.Fatal(err)
	}
	r := secLogin(t, s, `{"verbose":false}`)
	if strings.Contains(r.info, "tls_required") {
		t.Fatalf("INFO after TLS was turned off: %s", r.info)
	}
}
