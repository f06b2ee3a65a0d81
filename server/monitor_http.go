package server

import (
	"crypto/tls"
	"errors"
	"fmt"
	"log"
	"net"
	"net/http"
	"strconv"
	"strings"
	"time"

	"github.com/natsd/natsd/logger"
	"github.com/natsd/natsd/monitor"
)

// httpMonitor is the running monitoring listener.
type httpMonitor struct {
	listener net.Listener
	srv      *http.Server
	handler  *monitor.Handler
}

// startMonitoring starts the monitoring listener when http_port or
// https_port is set (RandomPort picks a free port). HTTPS serves with the
// client TLS certificate, as nats-server does.
func (s *Server) startMonitoring() error {
	o := s.getOpts()
	if o.HTTPPort == 0 && o.HTTPSPort == 0 {
		return nil
	}
	scheme, port := "http", o.HTTPPort
	if o.HTTPSPort != 0 {
		scheme, port = "https", o.HTTPSPort
	}
	if port == RandomPort {
		port = 0
	}
	hp := net.JoinHostPort(o.httpHost(), strconv.Itoa(port))
	l, err := net.Listen("tcp", hp)
	if err != nil {
		s.log.Fatalf("Error listening on monitor port: %s, %q", hp, err.Error())
		return fmt.Errorf("listening for monitoring on %s: %w", hp, err)
	}
	if scheme == "https" {
		cfg := o.TLSConfig.Clone()
		cfg.ClientAuth = tls.NoClientCert // browsers and scrapers rarely hold client certs
		l = tls.NewListener(l, cfg)
	}
	h := monitor.NewHandler(s, monitor.HandlerOptions{
		BasePath: o.HTTPBasePath,
		Username: o.HTTPUser,
		Password: o.HTTPPassword,
		Token:    o.HTTPToken,
		Version:  Version,
		// The dashboard's sampler and streams end with the listener.
		Dashboard: !o.HTTPNoDashboard,
	})
	srv := &http.Server{
		Handler:           h,
		ReadHeaderTimeout: 10 * time.Second,
		MaxHeaderBytes:    1 << 20,
		// net/http's own complaints (bad TLS handshakes, broken clients)
		// go to the debug log, not to stderr.
		ErrorLog: log.New(debugWriter{s.log}, "", 0),
	}
	s.mon.mu.Lock()
	s.mon.http = &httpMonitor{listener: l, srv: srv, handler: h}
	s.mon.mu.Unlock()
	logger.Notice(s.log, logger.Record{Msg: "Starting monitor", Text: "Starting %s monitor on %s",
		Fields: []logger.Field{logger.F("scheme", scheme), logger.F("url", hostPortURL(scheme, l.Addr(), o.httpHost()))}})
	s.goroutine(func() {
		if err := srv.Serve(l); err != nil && !errors.Is(err, http.ErrServerClosed) {
			s.log.Errorf("Monitoring listener stopped: %v", err)
		}
	})
	return nil
}

// stopMonitoring closes the monitoring listener and its connections.
func (s *Server) stopMonitoring() {
	s.mon.mu.Lock()
	m := s.mon.http
	s.mon.mu.Unlock()
	if m != nil {
		m.srv.Close()
		m.handler.Close()
	}
}

// hostPortURL renders scheme://host:port with the configured host, or
// the bound address when the host is a wildcard.
func hostPortURL(scheme string, a net.Addr, host string) string {
	port := addrPort(a)
	if host == "" || host == "0.0.0.0" || host == "::" {
		return fmt.Sprintf("%s://%s", scheme, net.JoinHostPort("0.0.0.0", strconv.Itoa(port)))
	}
	return fmt.Sprintf("%s://%s", scheme, net.JoinHostPort(host, strconv.Itoa(port)))
}

// debugWriter turns lines written by the standard log package into debug
// log lines.
type debugWriter struct {
	l interface{ Debugf(string, ...any) }
}

func (w debugWriter) Write(p []byte) (int, error) {
	w.l.Debugf("Monitoring: %s", strings.TrimRight(string(p), "\n"))
	return len(p), nil
}
