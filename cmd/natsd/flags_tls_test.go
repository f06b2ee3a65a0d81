package main

import (
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/tls"
	"crypto/x509"
	"crypto/x509/pkix"
	"encoding/pem"
	"io"
	"math/big"
	"net"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/nats-io/nats.go"

	"github.com/natsd/natsd/server"
)

// selfSigned writes a self-signed certificate for 127.0.0.1 that is also
// its own CA, and returns the certificate and key files.
func selfSigned(t *testing.T) (certFile, keyFile string) {
	t.Helper()
	k, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		t.Fatal(err)
	}
	tmpl := &x509.Certificate{
		SerialNumber: big.NewInt(1), Subject: pkix.Name{CommonName: "natsd-test"},
		NotBefore: time.Now().Add(-time.Hour), NotAfter: time.Now().Add(time.Hour),
		IsCA: true, BasicConstraintsValid: true,
		KeyUsage:    x509.KeyUsageCertSign | x509.KeyUsageDigitalSignature,
		ExtKeyUsage: []x509.ExtKeyUsage{x509.ExtKeyUsageServerAuth, x509.ExtKeyUsageClientAuth},
		IPAddresses: []net.IP{net.ParseIP("127.0.0.1")},
	}
	der, err := x509.CreateCertificate(rand.Reader, tmpl, tmpl, &k.PublicKey, k)
	if err != nil {
		t.Fatal(err)
	}
	kb, _ := x509.MarshalECPrivateKey(k)
	dir := t.TempDir()
	certFile, keyFile = filepath.Join(dir, "cert.pem"), filepath.Join(dir, "key.pem")
	os.WriteFile(certFile, pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: der}), 0o600)
	os.WriteFile(keyFile, pem.EncodeToMemory(&pem.Block{Type: "EC PRIVATE KEY", Bytes: kb}), 0o600)
	return certFile, keyFile
}

func TestTLSFlags(t *testing.T) {
	cert, key := selfSigned(t)

	c, err := parseFlags([]string{"--tlscert", cert, "--tlskey", key}, io.Discard)
	if err != nil {
		t.Fatal(err)
	}
	if c.opts.TLSConfig == nil || c.opts.TLSVerify || c.opts.TLSConfig.ClientAuth != tls.NoClientCert {
		t.Fatalf("--tlscert/--tlskey: %+v", c.opts.TLSConfig)
	}
	c, err = parseFlags([]string{"--tlsverify", "--tlscert", cert, "--tlskey", key, "--tlscacert", cert}, io.Discard)
	if err != nil {
		t.Fatal(err)
	}
	if !c.opts.TLSVerify || c.opts.TLSConfig.ClientAuth != tls.RequireAndVerifyClientCert || c.opts.TLSConfig.ClientCAs == nil {
		t.Fatal("--tlsverify does not require client certificates")
	}
	c, err = parseFlags([]string{"-p", "1"}, io.Discard)
	if err != nil || c.opts.TLSConfig != nil {
		t.Fatalf("TLS on without TLS flags: %v", err)
	}

	// nats-server's errors.
	for args, want := range map[string]string{
		"--tls":                 "TLS Server certificate must be present and valid",
		"--tlscert " + cert:     "TLS Server private key must be present and valid",
		"--tls --tlskey " + key: "TLS Server certificate must be present and valid",
		"--tlscert /nonexistent.pem --tlskey " + key: "error parsing X509 certificate/key pair",
	} {
		_, err := parseFlags(strings.Fields(args), io.Discard)
		if err == nil || !strings.Contains(err.Error(), want) {
			t.Errorf("%s: %v, want %q", args, err, want)
		}
	}

	// The flags give a server that nats.go reaches over TLS.
	c, err = parseFlags([]string{"--tls", "--tlscert", cert, "--tlskey", key, "-a", "127.0.0.1", "-p", "-1"}, io.Discard)
	if err != nil {
		t.Fatal(err)
	}
	c.opts.NoLog = true
	s, err := server.New(c.opts)
	if err != nil {
		t.Fatal(err)
	}
	if err := s.Start(); err != nil {
		t.Fatal(err)
	}
	defer s.Shutdown()
	nc, err := nats.Connect(s.ClientURL(), nats.RootCAs(cert), nats.Timeout(5*time.Second))
	if err != nil {
		t.Fatal(err)
	}
	defer nc.Close()
	if !nc.TLSRequired() {
		t.Fatal("the INFO does not require TLS")
	}
	if err := nc.Flush(); err != nil {
		t.Fatal(err)
	}
}

func TestHelpTLS(t *testing.T) {
	var out, errOut strings.Builder
	if code := run([]string{"--help_tls"}, &out, &errOut); code != 0 {
		t.Fatalf("--help_tls: code %d, stderr %q", code, errOut.String())
	}
	for _, want := range []string{"tls {", "cipher suites", "TLS_ECDHE_RSA_WITH_AES_128_GCM_SHA256", "curve preferences", "CurveP384", "X25519"} {
		if !strings.Contains(out.String(), want) {
			t.Errorf("--help_tls lacks %q", want)
		}
	}
	out.Reset()
	run([]string{"--help"}, &out, &errOut)
	for _, want := range []string{"--tlscert", "--tlskey", "--tlsverify", "--tlscacert", "--help_tls"} {
		if !strings.Contains(out.String(), want) {
			t.Errorf("--help lacks %q", want)
		}
	}
}
