package server

import (
	"context"
	"crypto/tls"
	"errors"
	"io"
	"net"
	"syscall"
	"time"
)

// Route TLS (the cluster's tls block). Both sides of a route run the TLS
// handshake before any route protocol: the accepting side as a TLS server,
// in its own tracked goroutine so that the accept loop never waits, and the
// soliciting side as a TLS client, in its solicit loop right after the
// dial. A failed handshake is a failed connection attempt. The
// configuration is read from the options for each new connection, so a
// reload changes it for the routes made from then on.

// acceptRoute starts an accepted route connection, after the TLS
// handshake when route TLS is on.
func (s *Server) acceptRoute(conn net.Conn) {
	o := s.getOpts()
	cfg := o.Cluster.TLSConfig
	if cfg == nil {
		s.createRoute(conn, nil)
		return
	}
	timeout := o.Cluster.TLSTimeout
	s.goroutine(func() {
		tc, err := s.routeTLSHandshake(s.cluster.ctx, tls.Server(conn, cfg), timeout)
		if err != nil {
			s.routeTLSFailed(conn, "accepted", err)
			return
		}
		s.createRoute(tc, nil)
	})
}

// routeClientTLS is the client side TLS config to solicit the route at u,
// nil without route TLS. With verify, the peer's certificate must chain to
// the cluster's ca_file (the system roots without one) and name the route
// URL's host; without it, the peer's certificate is not checked.
func routeClientTLS(o *Options, u string) *tls.Config {
	sc := o.Cluster.TLSConfig
	if sc == nil {
		return nil
	}
	cfg := sc.Clone()
	cfg.ClientAuth = tls.NoClientCert
	if len(cfg.Certificates) > 0 {
		// Present the certificate even when the peer asks for another
		// issuer, so that its refusal names the actual problem.
		cert := cfg.Certificates[0]
		cfg.GetClientCertificate = func(*tls.CertificateRequestInfo) (*tls.Certificate, error) { return &cert, nil }
	}
	if o.Cluster.TLSVerify || sc.ClientAuth == tls.RequireAndVerifyClientCert {
		if sc.ClientCAs != nil {
			cfg.RootCAs = sc.ClientCAs
		}
		if host, _, err := net.SplitHostPort(u); err == nil {
			cfg.ServerName = host
		} else {
			cfg.ServerName = u
		}
	} else {
		cfg.InsecureSkipVerify = true
	}
	return cfg
}

// routeTLSHandshake runs a route's handshake within timeout; a shutdown
// (ctx) interrupts it. The connection is closed when it fails.
func (s *Server) routeTLSHandshake(ctx context.Context, tc *tls.Conn, timeout time.Duration) (*tls.Conn, error) {
	if timeout <= 0 {
		timeout = DefaultTLSTimeout
	}
	ctx, cancel := context.WithTimeout(ctx, timeout)
	defer cancel()
	tc.NetConn().SetDeadline(time.Now().Add(timeout))
	if err := tc.HandshakeContext(ctx); err != nil {
		tc.NetConn().Close()
		return nil, err
	}
	tc.NetConn().SetDeadline(time.Time{})
	st := tc.ConnectionState()
	s.log.Debugf("Route TLS handshake with %s complete: TLS %s, %s", tc.RemoteAddr(),
		tlsVersionName(st.Version), tls.CipherSuiteName(st.CipherSuite))
	return tc, nil
}

// routeTLSFailed logs the failed handshake of an accepted route.
func (s *Server) routeTLSFailed(conn net.Conn, side string, err error) {
	var rhe tls.RecordHeaderError
	switch {
	case errors.Is(err, context.Canceled) || errors.Is(err, net.ErrClosed):
		s.log.Debugf("%s - Route TLS handshake (%s) interrupted: %v", conn.RemoteAddr(), side, err)
	case errors.Is(err, io.EOF) || errors.Is(err, syscall.ECONNRESET):
		s.log.Errorf("%s - Route TLS handshake error (%s route): the peer hung up (%v)", conn.RemoteAddr(), side, err)
	case errors.As(err, &rhe):
		s.log.Errorf("%s - Route TLS handshake error (%s route): the peer is not using TLS", conn.RemoteAddr(), side)
	case isTimeout(err) || errors.Is(err, context.DeadlineExceeded):
		s.log.Errorf("%s - Route TLS handshake timeout (%s route)", conn.RemoteAddr(), side)
	default:
		s.log.Errorf("%s - Route TLS handshake error (%s route): %v", conn.RemoteAddr(), side, err)
	}
}

// routeReadFailed reports a route's read error worth an error line: a TLS
// peer that refuses our certificate tells us so after the handshake (with
// TLS 1.3), as an alert on the first read. Called by the reader.
func (c *client) routeReadFailed(err error) {
	var oe *net.OpError
	if !c.route.registered && errors.As(err, &oe) && oe.Op == "remote error" {
		c.srv.log.Errorf("%s - Route TLS error: the peer refused the connection: %v", c.logPrefix(), err)
	}
}
