package server

import (
	"io"
	"net/http"
	"regexp"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/natsd/natsd/logger"
)

// TestProfilingPort: prof_port serves net/http/pprof's endpoints on a port
// of its own, logs it as nats-server does, and is gone after shutdown; a
// reload cannot change it.
func TestProfilingPort(t *testing.T) {
	o, err := readConfText(t, "host: 127.0.0.1\nport: -1\nprof_port: -1\n")
	if err != nil {
		t.Fatal(err)
	}
	if o.ProfPort != RandomPort {
		t.Fatalf("prof_port read as %d", o.ProfPort)
	}
	o.NoLog = false
	var log syncBuffer
	s, err := New(o)
	if err != nil {
		t.Fatal(err)
	}
	s.SetLogger(logger.NewText(&log, logger.Options{}))
	s.SetConfigLoader(func() (*Options, error) {
		n := o.Clone()
		n.ProfPort = 65000
		return n, nil
	})
	if err := s.Start(); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(s.Shutdown)
	a := s.ProfilingAddr()
	if a == nil {
		t.Fatal("no profiling listener")
	}
	line := log.waitFor(t, regexp.MustCompile(`\[INF\] profiling port: \d+$`))
	if !strings.HasSuffix(line, ": "+strconv.Itoa(addrPort(a))) {
		t.Errorf("log line %q does not name port %d", line, addrPort(a))
	}
	base := "http://" + a.String()
	cl := &http.Client{Timeout: 10 * time.Second}
	get := func(path string) (int, string) {
		t.Helper()
		resp, err := cl.Get(base + path)
		if err != nil {
			t.Fatalf("GET %s: %v", path, err)
		}
		defer resp.Body.Close()
		b, _ := io.ReadAll(resp.Body)
		return resp.StatusCode, string(b)
	}
	if code, body := get("/debug/pprof/"); code != 200 || !strings.Contains(body, "goroutine") {
		t.Errorf("/debug/pprof/: %d %.200q", code, body)
	}
	if code, body := get("/debug/pprof/goroutine?debug=1"); code != 200 || !strings.Contains(body, "readLoop") && !strings.Contains(body, "acceptConns") {
		t.Errorf("goroutine profile: %d %.200q", code, body)
	}
	if code, _ := get("/debug/pprof/profile?seconds=1"); code != 200 {
		t.Errorf("CPU profile: %d", code)
	}
	if code, _ := get("/"); code != 404 {
		t.Errorf("/: %d, want 404", code)
	}
	if code, _ := get("/varz"); code != 404 {
		t.Errorf("/varz on the profiling port: %d, want 404", code)
	}

	if err := s.Reload(); err == nil || !strings.Contains(err.Error(), "prof_port") {
		t.Errorf("reload changing prof_port: %v", err)
	}
	s.Shutdown()
	if _, err := cl.Get(base + "/debug/pprof/"); err == nil {
		t.Error("profiling port still served after shutdown")
	}
}

// TestProfilingPortOff: no prof_port, no listener; a bad one is refused at
// start; a port in use fails the start with the address.
func TestProfilingPortOff(t *testing.T) {
	s := startTestServer(t, nil)
	if a := s.ProfilingAddr(); a != nil {
		t.Errorf("profiling listener %v without prof_port", a)
	}
	if _, err := New(&Options{Host: "127.0.0.1", Port: RandomPort, ProfPort: 70000, NoLog: true}); err == nil || !strings.Contains(err.Error(), "prof_port 70000 out of range") {
		t.Errorf("prof_port 70000: %v", err)
	}
	if _, err := readConfText(t, "prof_port: \"x\"\n"); err == nil || !strings.Contains(err.Error(), "prof_port") {
		t.Errorf("prof_port of the wrong type: %v", err)
	}
	busy := s.Addr().(interface{ String() string }).String()
	_, port, _ := strings.Cut(busy, ":")
	p, _ := strconv.Atoi(port)
	s2, err := New(&Options{Host: "127.0.0.1", Port: RandomPort, ProfPort: p, NoLog: true})
	if err != nil {
		t.Fatal(err)
	}
	if err := s2.Start(); err == nil || !strings.Contains(err.Error(), "profiling on 127.0.0.1:"+port) {
		t.Errorf("profiling port in use: %v", err)
		s2.Shutdown()
	}
}
