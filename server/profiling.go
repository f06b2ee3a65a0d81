package server

import (
	"errors"
	"fmt"
	"log"
	"net"
	"net/http"
	"net/http/pprof"
	"strconv"
	"time"

	"github.com/natsd/natsd/logger"
)

// The profiling listener (prof_port, --profile) serves net/http/pprof's
// /debug/pprof/ endpoints on a port of its own, as nats-server does, so
// `go tool pprof http://host:port/debug/pprof/profile` and `go tool trace`
// work against a running server. It is separate from the monitoring port
// because profiles expose internals and cost CPU while taken: an operator
// opens it deliberately, usually on a loopback address. Nothing else is
// served there (every other path is a 404).

// startProfiling starts the profiling listener when ProfPort is set
// (RandomPort picks a free port). It binds the client host.
func (s *Server) startProfiling() error {
	o := s.getOpts()
	if o.ProfPort == 0 {
		return nil
	}
	port := o.ProfPort
	if port == RandomPort {
		port = 0
	}
	hp := net.JoinHostPort(o.Host, strconv.Itoa(port))
	l, err := net.Listen("tcp", hp)
	if err != nil {
		s.log.Fatalf("Error listening on profiling port: %s, %q", hp, err.Error())
		return fmt.Errorf("listening for profiling on %s: %w", hp, err)
	}
	mux := http.NewServeMux()
	mux.HandleFunc("/debug/pprof/", pprof.Index)
	mux.HandleFunc("/debug/pprof/cmdline", pprof.Cmdline)
	mux.HandleFunc("/debug/pprof/profile", pprof.Profile)
	mux.HandleFunc("/debug/pprof/symbol", pprof.Symbol)
	mux.HandleFunc("/debug/pprof/trace", pprof.Trace)
	srv := &http.Server{
		Handler:           mux,
		ReadHeaderTimeout: 10 * time.Second,
		MaxHeaderBytes:    1 << 20,
		ErrorLog:          log.New(debugWriter{s.log}, "", 0),
	}
	s.mon.mu.Lock()
	s.mon.prof = &profListener{listener: l, srv: srv}
	s.mon.mu.Unlock()
	logger.Notice(s.log, logger.Record{Msg: "profiling port", Text: "profiling port: %d",
		Fields: []logger.Field{logger.F("port", addrPort(l.Addr()))}})
	s.goroutine(func() {
		if err := srv.Serve(l); err != nil && !errors.Is(err, http.ErrServerClosed) {
			s.log.Errorf("Profiling listener stopped: %v", err)
		}
	})
	return nil
}

// profListener is the running profiling listener.
type profListener struct {
	listener net.Listener
	srv      *http.Server
}

// stopProfiling closes the profiling listener and its connections (a
// profile being taken is cut short).
func (s *Server) stopProfiling() {
	s.mon.mu.Lock()
	p := s.mon.prof
	s.mon.mu.Unlock()
	if p != nil {
		p.srv.Close()
	}
}

// ProfilingAddr is the profiling listener's address, or nil when it is
// off.
func (s *Server) ProfilingAddr() net.Addr {
	s.mon.mu.Lock()
	defer s.mon.mu.Unlock()
	if s.mon.prof == nil {
		return nil
	}
	return s.mon.prof.listener.Addr()
}
