package server

import (
	"crypto/tls"
	"crypto/x509"
	"errors"
	"io"
	"net"
	"os"
	"sync/atomic"
	"syscall"
	"time"

	"github.com/natsd/natsd/auth"
	"github.com/natsd/natsd/logger"
)

// Client TLS at run time. A connection is upgraded in its own goroutine
// before its reader and writer start (createClient hands it over), so the
// accept loop never waits for a handshake and the message path only ever
// sees a net.Conn.

// errSecureConnRequired is nats-server's text for a plain client on a TLS
// port; natsd sends it in plain text before closing.
const errSecureConnRequired = "Secure Connection - TLS Required"

// tlsWatchInterval is how often the certificate files are checked for
// changes on disk.
var tlsWatchInterval = 3 * time.Second

// tlsServer is the TLS setup for new client connections, rebuilt from the
// options at start and on each reload. When it was built from files, the
// certificate it serves is swapped underneath it when the files change.
type tlsServer struct {
	cfg               *tls.Config
	cert              atomic.Pointer[tls.Certificate]
	certFile, keyFile string
	// The files as last loaded; only the watcher touches them once the
	// tlsServer is published.
	certStamp, keyStamp fileStamp
	timeout             time.Duration
	verify, mapUsers    bool
	first               bool
	fallback            time.Duration // handshake_first: INFO first after this silence
	allowNonTLS         bool          // plain clients are served too (not with handshake_first)
}

// clientTLS is what a connection's handshake established.
type clientTLS struct {
	version, cipher string
	// names are the verified certificate's names for verify_and_map:
	// SAN emails, SAN DNS names, SAN URIs, then the subject DN (RFC 2253).
	names []string
}

// fileStamp tells whether a file changed since it was loaded.
type fileStamp struct {
	mod  time.Time
	size int64
}

func stampOf(path string) fileStamp {
	fi, err := os.Stat(path)
	if err != nil {
		return fileStamp{}
	}
	return fileStamp{fi.ModTime(), fi.Size()}
}

// newTLSServer builds the TLS setup of o; nil when TLS is off.
func newTLSServer(o *Options) *tlsServer {
	if o.TLSConfig == nil {
		return nil
	}
	ts := &tlsServer{
		timeout:  o.TLSTimeout,
		verify:   o.TLSVerify || o.TLSConfig.ClientAuth == tls.RequireAndVerifyClientCert,
		mapUsers: o.TLSMap,
		first:    o.TLSHandshakeFirst,
		fallback: o.TLSHandshakeFirstFallback,
		// As with nats-server, handshake_first keeps TLS required.
		allowNonTLS: o.AllowNonTLS && !o.TLSHandshakeFirst,
	}
	if ts.timeout <= 0 {
		ts.timeout = DefaultTLSTimeout
	}
	cfg := o.TLSConfig.Clone()
	if o.TLSCert != "" && o.TLSKey != "" && len(cfg.Certificates) == 1 && cfg.GetCertificate == nil {
		// Serve the certificate through an atomic pointer so a change on
		// disk reaches new handshakes. The files are stamped, then read
		// again, so no change between parsing and now goes unnoticed.
		ts.certFile, ts.keyFile = o.TLSCert, o.TLSKey
		ts.certStamp, ts.keyStamp = stampOf(ts.certFile), stampOf(ts.keyFile)
		cert, err := loadKeyPair(ts.certFile, ts.keyFile)
		if err != nil {
			cert = cfg.Certificates[0]
		}
		ts.cert.Store(&cert)
		cfg.Certificates = nil
		cfg.GetCertificate = func(*tls.ClientHelloInfo) (*tls.Certificate, error) { return ts.cert.Load(), nil }
	}
	ts.cfg = cfg
	return ts
}

// refresh reloads the certificate if its files changed, keeping the
// current one when the new pair does not load.
func (ts *tlsServer) refresh(log logger.Logger) {
	if ts.certFile == "" {
		return
	}
	cs, ks := stampOf(ts.certFile), stampOf(ts.keyFile)
	if cs == ts.certStamp && ks == ts.keyStamp {
		return
	}
	ts.certStamp, ts.keyStamp = cs, ks
	cert, err := loadKeyPair(ts.certFile, ts.keyFile)
	if err != nil {
		log.Errorf("TLS certificate files changed but do not load, keeping the current certificate: %v", err)
		return
	}
	ts.cert.Store(&cert)
	logger.Notice(log, logger.Record{Msg: "Reloaded TLS certificate", Text: "Reloaded TLS certificate %s (subject %q, valid until %s)",
		Fields: []logger.Field{logger.F("cert_file", ts.certFile), logger.F("subject", cert.Leaf.Subject.String()),
			logger.F("not_after", cert.Leaf.NotAfter.UTC().Format(time.RFC3339))}})
}

// watchTLSFiles polls the certificate files until shutdown.
func (s *Server) watchTLSFiles(every time.Duration) {
	t := time.NewTicker(every)
	defer t.Stop()
	for {
		select {
		case <-s.quit:
			return
		case <-t.C:
		}
		if ts := s.tls.Load(); ts != nil {
			ts.refresh(s.log)
		}
		if ts := s.ws.tls.Load(); ts != nil {
			ts.refresh(s.log)
		}
	}
}

// tlsHandshake upgrades c's connection, then starts it as any other. The
// INFO goes out in plain text first, unless handshake_first asks the
// client to start with TLS (with a fallback: unless the client stays
// silent for the fallback delay).
func (s *Server) tlsHandshake(c *client, ts *tlsServer) {
	raw := c.conn
	s.log.Debugf("%s - Starting TLS client connection handshake", c.logPrefix())
	done := make(chan struct{})
	defer close(done)
	s.goroutine(func() { // a shutdown interrupts the handshake
		select {
		case <-s.quit:
			raw.Close()
		case <-done:
		}
	})
	deadline := time.Now().Add(ts.timeout)
	raw.SetDeadline(deadline)
	var under net.Conn = raw
	first := ts.first
	if first && ts.fallback > 0 {
		buf := make([]byte, 1)
		raw.SetReadDeadline(time.Now().Add(ts.fallback))
		n, err := raw.Read(buf)
		raw.SetReadDeadline(deadline)
		switch {
		case n > 0:
			under = &replayConn{Conn: raw, pending: buf[:n]}
		case isTimeout(err):
			first = false
		default:
			s.tlsFailed(c, err)
			return
		}
	}
	if !first {
		if _, err := raw.Write(s.infoFor(c)); err != nil {
			s.tlsFailed(c, err)
			return
		}
	}
	if ts.allowNonTLS {
		if under = s.tlsOrPlain(c, raw); under == nil {
			return // started as a plain client, or failed and closed
		}
	}
	tc := tls.Server(under, ts.cfg)
	if err := tc.Handshake(); err != nil {
		s.tlsFailed(c, err)
		return
	}
	raw.SetDeadline(time.Time{})
	st := tc.ConnectionState()
	info := &clientTLS{version: tlsVersionName(st.Version), cipher: tls.CipherSuiteName(st.CipherSuite)}
	if ts.mapUsers && len(st.PeerCertificates) > 0 {
		info.names = certNames(st.PeerCertificates[0])
	}
	c.conn, c.tlsInfo = tc, info
	s.log.Debugf("%s - TLS handshake complete", c.logPrefix())
	s.log.Debugf("%s - TLS version %s, cipher suite %s", c.logPrefix(), info.version, info.cipher)
	s.startClient(c, !first)
}

// tlsOrPlain runs after the INFO went out on a port that allows plain
// clients: the client's first byte says whether it starts a TLS handshake
// (a handshake record, 0x16) or speaks plain NATS. A client that says
// nothing until the TLS timeout is taken for a plain one, which then has
// the rest of the auth timeout to CONNECT. It returns the connection to
// run the handshake on, or nil when it started a plain client or closed
// a failed one.
func (s *Server) tlsOrPlain(c *client, raw net.Conn) net.Conn {
	buf := make([]byte, 1)
	n, err := raw.Read(buf) // under the handshake deadline
	switch {
	case n > 0 && buf[0] == tlsHandshakeRecord:
		return &replayConn{Conn: raw, pending: buf}
	case n > 0:
		c.conn = &replayConn{Conn: raw, pending: buf}
	case isTimeout(err):
	default:
		s.tlsFailed(c, err)
		return nil
	}
	raw.SetDeadline(time.Time{})
	s.log.Debugf("%s - Client is not using TLS (allow_non_tls)", c.logPrefix())
	s.startClient(c, true)
	return nil
}

// tlsHandshakeRecord is the first byte of a TLS ClientHello.
const tlsHandshakeRecord = 0x16

// tlsFailed logs a failed handshake with the listener and the remote
// address and closes the connection. A peer that hangs up before sending
// anything (a load balancer's or a port scanner's probe) is only worth a
// debug line; a plain client is told, in plain text, that TLS is required.
func (s *Server) tlsFailed(c *client, err error) {
	listener := "?"
	if a := s.Addr(); a != nil {
		listener = a.String()
	}
	var rhe tls.RecordHeaderError
	switch {
	case errors.Is(err, io.EOF) || errors.Is(err, syscall.ECONNRESET) || errors.Is(err, net.ErrClosed):
		s.log.Debugf("%s - TLS handshake on %s not started: the client hung up (%v)", c.logPrefix(), listener, err)
	case errors.As(err, &rhe) && rhe.Conn != nil:
		s.log.Errorf("%s - TLS handshake error on %s: the client is not using TLS", c.logPrefix(), listener)
		refusePlain(rhe.Conn)
	case isTimeout(err):
		s.log.Errorf("%s - TLS handshake timeout on %s", c.logPrefix(), listener)
		refusePlain(c.conn)
	default:
		s.log.Errorf("%s - TLS handshake error on %s: %v", c.logPrefix(), listener, err)
	}
	s.stats.totalConns.Add(1)
	c.closeConnection(TLSHandshakeError, false)
}

// refusePlain tells a plain client that TLS is required.
func refusePlain(conn net.Conn) {
	conn.SetWriteDeadline(time.Now().Add(time.Second))
	io.WriteString(conn, "-ERR '"+errSecureConnRequired+"'\r\n")
}

func isTimeout(err error) bool {
	var ne net.Error
	return errors.As(err, &ne) && ne.Timeout()
}

// replayConn returns bytes already read from the connection before
// reading more (handshake_first peeks at the client's first byte).
type replayConn struct {
	net.Conn
	pending []byte
}

func (r *replayConn) Read(b []byte) (int, error) {
	if len(r.pending) > 0 {
		n := copy(b, r.pending)
		r.pending = r.pending[n:]
		return n, nil
	}
	return r.Conn.Read(b)
}

// certNames lists the names verify_and_map looks users up by, in order:
// SAN emails, SAN DNS names, SAN URIs, and the subject's RFC 2253 DN
// ("CN=alice,OU=eng,O=Acme\, Inc").
func certNames(cert *x509.Certificate) []string {
	var names []string
	names = append(names, cert.EmailAddresses...)
	names = append(names, cert.DNSNames...)
	for _, u := range cert.URIs {
		names = append(names, u.String())
	}
	return append(names, cert.Subject.String())
}

// authenticate checks a client's credentials, or with verify_and_map its
// certificate's names.
func (c *client) authenticate(authn *auth.Authenticator, cr *auth.Credentials) (*auth.Identity, error) {
	if authn.Operator() {
		return c.authenticateJWT(cr)
	}
	if co := c.srv.getOpts().AuthCallout; co != nil && c.kind == kindClient {
		return c.authenticateWithCallout(authn, co, cr)
	}
	if c.tlsInfo != nil && c.tlsInfo.names != nil {
		id, err := authn.CheckMapped(c.tlsInfo.names, cr, c.nonce)
		if err == nil && id.Name != "" {
			c.mu.Lock()
			c.mon.user = id.Name // /connz shows the user the certificate mapped to
			c.mu.Unlock()
		}
		return id, err
	}
	return authn.Check(cr, c.nonce)
}
