package server

import (
	"crypto/tls"
	"crypto/x509"
	"errors"
	"fmt"
	"os"
	"slices"
	"strings"
	"time"
)

// Client TLS configuration: the tls { ... } block and the --tls flags
// become a *tls.Config (GenTLSConfig); server/tls_conn.go runs the
// handshakes and keeps the certificate current.

// DefaultTLSTimeout is the time a client has to complete the TLS handshake
// when tls { timeout } is not set, as in nats-server.
const DefaultTLSTimeout = 2 * time.Second

// TLSHandshakeFirstAuto is the fallback delay of handshake_first: "auto":
// a client that has not started the handshake by then gets the INFO first.
const TLSHandshakeFirstAuto = 50 * time.Millisecond

// TLSConfigOpts are the settings of the tls block that shape the
// *tls.Config.
type TLSConfigOpts struct {
	CertFile, KeyFile string
	// CaFile holds the CAs client certificates must chain to (with
	// Verify); without it the system roots are used.
	CaFile string
	// Verify requires and verifies a client certificate.
	Verify bool
	// CipherSuites and CurvePreferences restrict the TLS 1.2 cipher
	// suites and the key exchange groups; nil keeps Go's defaults.
	CipherSuites     []uint16
	CurvePreferences []tls.CurveID
	// MinVersion defaults to TLS 1.2, the oldest accepted.
	MinVersion uint16
}

// GenTLSConfig loads the certificate, key and CAs and builds the server
// side *tls.Config. Errors use nats-server's wording.
func GenTLSConfig(tc *TLSConfigOpts) (*tls.Config, error) {
	switch {
	case tc.CertFile == "":
		return nil, errors.New("missing 'cert_file' in TLS configuration")
	case tc.KeyFile == "":
		return nil, errors.New("missing 'key_file' in TLS configuration")
	}
	cert, err := loadKeyPair(tc.CertFile, tc.KeyFile)
	if err != nil {
		return nil, err
	}
	min := tc.MinVersion
	if min == 0 {
		min = tls.VersionTLS12
	}
	if min < tls.VersionTLS12 {
		return nil, fmt.Errorf("unsupported TLS version: %s", tls.VersionName(min))
	}
	cfg := &tls.Config{
		Certificates:     []tls.Certificate{cert},
		MinVersion:       min,
		CipherSuites:     slices.Clone(tc.CipherSuites),
		CurvePreferences: slices.Clone(tc.CurvePreferences),
	}
	if tc.Verify {
		cfg.ClientAuth = tls.RequireAndVerifyClientCert
	}
	if tc.CaFile != "" {
		pem, err := os.ReadFile(tc.CaFile)
		if err != nil {
			return nil, err
		}
		pool := x509.NewCertPool()
		if !pool.AppendCertsFromPEM(pem) {
			return nil, errors.New("failed to parse root ca certificate")
		}
		cfg.ClientCAs = pool
	}
	return cfg, nil
}

// loadKeyPair reads a certificate and its key, with Leaf parsed.
func loadKeyPair(certFile, keyFile string) (tls.Certificate, error) {
	cert, err := tls.LoadX509KeyPair(certFile, keyFile)
	if err != nil {
		return cert, fmt.Errorf("error parsing X509 certificate/key pair: %w", err)
	}
	if cert.Leaf == nil {
		if cert.Leaf, err = x509.ParseCertificate(cert.Certificate[0]); err != nil {
			return cert, fmt.Errorf("error parsing certificate: %w", err)
		}
	}
	return cert, nil
}

// ParseTLSVersion turns "1.2" or "1.3" (also "TLS1.2", "tls 1.3") into a
// version; older versions are refused.
func ParseTLSVersion(s string) (uint16, error) {
	v := strings.TrimSpace(strings.TrimPrefix(strings.ToUpper(strings.TrimSpace(s)), "TLS"))
	var ver uint16
	switch strings.TrimPrefix(v, "V") {
	case "1.0":
		ver = tls.VersionTLS10
	case "1.1":
		ver = tls.VersionTLS11
	case "1.2":
		ver = tls.VersionTLS12
	case "1.3":
		ver = tls.VersionTLS13
	default:
		return 0, fmt.Errorf("unknown version: %s", s)
	}
	if ver < tls.VersionTLS12 {
		return 0, fmt.Errorf("unsupported TLS version: %s", tls.VersionName(ver))
	}
	return ver, nil
}

// cipherSuites maps every cipher suite name Go knows to its id.
func cipherSuites() map[string]uint16 {
	m := make(map[string]uint16)
	for _, cs := range append(tls.CipherSuites(), tls.InsecureCipherSuites()...) {
		m[cs.Name] = cs.ID
	}
	return m
}

// curves are the key exchange groups accepted in curve_preferences.
var curves = []tls.CurveID{
	tls.CurveP256, tls.CurveP384, tls.CurveP521, tls.X25519,
	tls.X25519MLKEM768, tls.SecP256r1MLKEM768, tls.SecP384r1MLKEM1024,
}

// TLSCipherSuite returns the id of a cipher suite named as in Go and
// nats-server ("TLS_ECDHE_ECDSA_WITH_AES_128_GCM_SHA256").
func TLSCipherSuite(name string) (uint16, error) {
	if id, ok := cipherSuites()[strings.TrimSpace(name)]; ok {
		return id, nil
	}
	return 0, fmt.Errorf("unrecognized cipher %s", name)
}

// TLSCurve returns the id of a curve named as in nats-server ("CurveP256",
// "X25519").
func TLSCurve(name string) (tls.CurveID, error) {
	for _, c := range curves {
		if c.String() == strings.TrimSpace(name) {
			return c, nil
		}
	}
	return 0, fmt.Errorf("unrecognized curve preference %s", name)
}

// TLSHelp is the text of --help_tls: the tls block and the accepted
// cipher suites and curves.
func TLSHelp() string {
	var b strings.Builder
	b.WriteString(`
TLS configuration is specified in the tls section of a configuration file:

e.g.

    tls {
        cert_file:      "./certs/server-cert.pem"
        key_file:       "./certs/server-key.pem"
        ca_file:        "./certs/ca.pem"
        verify:         true
        verify_and_map: true
        timeout:        2        # handshake time limit, seconds
        min_version:    "1.2"
        handshake_first: false   # true, "auto" or a fallback delay ("300ms")

        cipher_suites: [
            "TLS_ECDHE_ECDSA_WITH_AES_128_GCM_SHA256",
            "TLS_ECDHE_RSA_WITH_AES_128_GCM_SHA256"
        ]
        curve_preferences: [
            "CurveP256",
            "CurveP384",
            "CurveP521"
        ]
    }

natsd reloads the certificate and key on SIGHUP and also when the files
change on disk; if the new pair does not load, the last good one is kept.

Available cipher suites include:
`)
	var names []string
	for n := range cipherSuites() {
		names = append(names, n)
	}
	slices.Sort(names)
	for _, n := range names {
		b.WriteString("    " + n + "\n")
	}
	b.WriteString("\nAvailable curve preferences include:\n")
	for _, c := range curves {
		b.WriteString("    " + c.String() + "\n")
	}
	return b.String()
}
