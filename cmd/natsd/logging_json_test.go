package main

import (
	"bufio"
	"encoding/json"
	"fmt"
	"net"
	"os/exec"
	"path/filepath"
	"regexp"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	"github.com/nats-io/nats.go"

	"github.com/natsd/natsd/server"
)

// jsonLog collects the log of a natsd running with log_format json.
type jsonLog struct {
	name  string
	mu    sync.Mutex
	lines []string         // every line, as written
	recs  []map[string]any // the lines that parsed
	done  chan struct{}    // closed at the end of the log
}

// startJSONProcess runs the binary and collects its stderr.
func startJSONProcess(t *testing.T, name, bin string, args ...string) (*exec.Cmd, *jsonLog) {
	t.Helper()
	cmd := exec.Command(bin, args...)
	stderr, err := cmd.StderrPipe()
	if err != nil {
		t.Fatal(err)
	}
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { cmd.Process.Kill(); cmd.Wait() })
	l := &jsonLog{name: name, done: make(chan struct{})}
	go func() {
		defer close(l.done)
		sc := bufio.NewScanner(stderr)
		sc.Buffer(make([]byte, 64<<10), 1<<20)
		for sc.Scan() {
			var m map[string]any
			err := json.Unmarshal(sc.Bytes(), &m)
			l.mu.Lock()
			l.lines = append(l.lines, sc.Text())
			if err == nil {
				l.recs = append(l.recs, m)
			}
			l.mu.Unlock()
		}
	}()
	return cmd, l
}

// find returns the first record with msg for which match (if any) holds.
func (l *jsonLog) find(msg string, match func(map[string]any) bool) map[string]any {
	l.mu.Lock()
	defer l.mu.Unlock()
	for _, m := range l.recs {
		if m["msg"] == msg && (match == nil || match(m)) {
			return m
		}
	}
	return nil
}

// await waits for a record with msg for which match (if any) holds.
func (l *jsonLog) await(t *testing.T, msg string, match func(map[string]any) bool) map[string]any {
	t.Helper()
	deadline := time.Now().Add(20 * time.Second)
	for {
		if m := l.find(msg, match); m != nil {
			return m
		}
		select {
		case <-l.done:
			if m := l.find(msg, match); m != nil {
				return m
			}
			t.Fatalf("%s: log ended without %q\n%s", l.name, msg, l.dump())
		case <-time.After(10 * time.Millisecond):
		}
		if time.Now().After(deadline) {
			t.Fatalf("%s: no %q in the log\n%s", l.name, msg, l.dump())
		}
	}
}

func (l *jsonLog) dump() string {
	l.mu.Lock()
	defer l.mu.Unlock()
	return strings.Join(l.lines, "\n")
}

// checkAll checks, once the process is gone, that every line is one JSON
// record with a time, a level and a message, and no message is laid out
// for a text log (leading spaces, several lines).
func (l *jsonLog) checkAll(t *testing.T) {
	t.Helper()
	select {
	case <-l.done:
	case <-time.After(10 * time.Second):
		t.Fatalf("%s: log did not end", l.name)
	}
	l.mu.Lock()
	defer l.mu.Unlock()
	if len(l.lines) == 0 || len(l.recs) != len(l.lines) {
		t.Errorf("%s: %d lines, %d JSON records", l.name, len(l.lines), len(l.recs))
	}
	for i, line := range l.lines {
		var m map[string]any
		if err := json.Unmarshal([]byte(line), &m); err != nil {
			t.Errorf("%s: line %d is not JSON: %q", l.name, i, line)
			continue
		}
		msg, _ := m["msg"].(string)
		if msg == "" || strings.HasPrefix(msg, " ") || strings.Contains(msg, "\n") || m["level"] == nil || m["time"] == nil {
			t.Errorf("%s: line %d: %q", l.name, i, line)
		}
	}
}

// TestProcessJSONLogRecords runs two clustered servers with log_format json
// through startup, a reload that adds a route, a slow consumer and a
// lame-duck shutdown, and checks the named fields of each record.
func TestProcessJSONLogRecords(t *testing.T) {
	if testing.Short() {
		t.Skip("builds the binary")
	}
	bin := buildBinary(t)
	dir := t.TempDir()
	confB := filepath.Join(dir, "b.conf")
	writeConfig(t, confB, `listen: "127.0.0.1:-1"
server_name: B
log_format: json
logtime: true
cluster { name: c1, listen: "127.0.0.1:-1" }
`)
	cmdB, logB := startJSONProcess(t, "B", bin, "-c", confB)
	routeB := logB.await(t, "Listening for route connections", nil)["addr"].(string)

	confA := filepath.Join(dir, "a.conf")
	confTextA := `listen: "127.0.0.1:-1"
http: "127.0.0.1:-1"
server_name: A
log_format: json
logtime: true
max_pending: 64KB
max_payload: 32KB
lame_duck_grace_period: 200ms
lame_duck_duration: 1s
cluster { name: c1, listen: "127.0.0.1:-1" %s}
`
	writeConfig(t, confA, fmt.Sprintf(confTextA, ""))
	cmdA, logA := startJSONProcess(t, "A", bin, "-c", confA)

	// Startup: the banner is one record with named fields.
	logA.await(t, "Server is ready", nil)
	banner := logA.find("Starting natsd", nil)
	want := map[string]any{"level": "INFO", "version": server.NatsdVersion, "compat": server.CompatVersion,
		"name": "A", "cluster": "c1", "config": confA}
	for k, v := range want {
		if banner[k] != v {
			t.Errorf("banner %s = %v, want %v (%v)", k, banner[k], v, banner)
		}
	}
	if id, _ := banner["id"].(string); !regexp.MustCompile(`^N[A-Z0-9]{55}$`).MatchString(id) {
		t.Errorf("banner id %q", id)
	}
	if sum, _ := banner["config_sha256"].(string); !regexp.MustCompile(`^[0-9a-f]{64}$`).MatchString(sum) {
		t.Errorf("banner config_sha256 %q", sum)
	}
	if g, _ := banner["go"].(string); !strings.HasPrefix(g, "go") {
		t.Errorf("banner go %q", g)
	}
	clientAddr, _ := logA.find("Listening for client connections", nil)["addr"].(string)
	if _, port, err := net.SplitHostPort(clientAddr); err != nil || port == "0" {
		t.Fatalf("client addr %q", clientAddr)
	}
	if m := logA.find("Starting monitor", nil); m == nil || m["scheme"] != "http" || !strings.HasPrefix(fmt.Sprint(m["url"]), "http://127.0.0.1:") {
		t.Errorf("monitor record %v", m)
	}
	if m := logA.find("Cluster name", nil); m == nil || m["cluster"] != "c1" {
		t.Errorf("cluster record %v", m)
	}
	if m := logA.find("Listening for route connections", nil); m == nil || !strings.HasPrefix(fmt.Sprint(m["addr"]), "127.0.0.1:") {
		t.Errorf("route listener record %v", m)
	}

	// The client INFO still carries the nats-server compatible version.
	nc, err := nats.Connect("nats://"+clientAddr, nats.NoReconnect(), nats.Timeout(10*time.Second))
	if err != nil {
		t.Fatal(err)
	}
	defer nc.Close()
	if v := nc.ConnectedServerVersion(); v != "2.15.2-natsd.0.1" {
		t.Errorf("INFO version %q", v)
	}

	// A reload that adds a route to B.
	writeConfig(t, confA, fmt.Sprintf(confTextA, fmt.Sprintf(`, routes: ["nats://%s"] `, routeB)))
	cmdA.Process.Signal(syscall.SIGHUP)
	reload := logA.await(t, "Reloaded server configuration", nil)
	if changed, _ := reload["changed"].([]any); len(changed) == 0 || !strings.Contains(fmt.Sprint(changed), "routes") {
		t.Errorf("reload record %v", reload)
	}
	if m := logA.await(t, "Reload: adding route", nil); m["url"] != "nats://"+routeB {
		t.Errorf("adding route record %v", m)
	}
	created := logA.await(t, "Route connection created", nil)
	if created["route_name"] != "B" || created["kind"] != "Router" || created["cid"] == nil || created["remote"] != routeB {
		t.Errorf("route created record on A %v", created)
	}
	if m := logB.await(t, "Route connection created", nil); m["route_name"] != "A" || m["route_id"] != banner["id"] {
		t.Errorf("route created record on B %v", m)
	}

	// A slow consumer: a subscriber that never reads.
	sub, err := net.Dial("tcp", clientAddr)
	if err != nil {
		t.Fatal(err)
	}
	defer sub.Close()
	fmt.Fprintf(sub, "CONNECT {\"verbose\":false}\r\nSUB slow 1\r\nPING\r\n")
	sub.SetReadDeadline(time.Now().Add(10 * time.Second))
	if l, err := bufio.NewReader(sub).ReadString('\n'); err != nil || !strings.HasPrefix(l, "INFO ") {
		t.Fatalf("subscriber: %q %v", l, err)
	}
	payload := make([]byte, 32<<10)
	deadline := time.Now().Add(20 * time.Second)
	var slow map[string]any
	for slow == nil && time.Now().Before(deadline) {
		for range 16 {
			nc.Publish("slow", payload)
		}
		nc.Flush()
		slow = logA.find("Slow Consumer Detected: MaxPending Exceeded", nil)
	}
	if slow == nil {
		t.Fatalf("no slow consumer record\n%s", logA.dump())
	}
	backlog, _ := slow["largest_backlog"].([]any)
	top, _ := func() (map[string]any, bool) {
		if len(backlog) == 0 {
			return nil, false
		}
		m, ok := backlog[0].(map[string]any)
		return m, ok
	}()
	if slow["level"] != "INFO" || slow["kind"] != "Client" || slow["cid"] == nil || slow["max_pending"] != float64(64<<10) ||
		slow["pending_bytes"] == nil || top["subject"] != "slow" || top["bytes"] == nil || top["msgs"] == nil {
		t.Errorf("slow consumer record %v", slow)
	}

	// Lame duck: A tells its clients and B, then exits.
	cmdA.Process.Signal(syscall.SIGUSR2)
	ldm := logA.await(t, "Lame duck grace period", nil)
	if ldm["grace"] != "200ms" || ldm["close_over"] != "800ms" || ldm["clients"] == nil || ldm["clients"].(float64) < 1 {
		t.Errorf("lame duck record %v", ldm)
	}
	if m := logB.await(t, "Route entered lame duck mode", nil); m["route_name"] != "A" || m["kind"] != "Router" {
		t.Errorf("route lame duck record on B %v", m)
	}
	if code := waitExit(t, cmdA); code != 0 {
		t.Errorf("A exit code %d", code)
	}
	if m := logB.await(t, "Route connection closed", nil); m["route_name"] != "A" || m["reason"] == "" || m["reason"] == nil {
		t.Errorf("route closed record on B %v", m)
	}
	cmdB.Process.Signal(syscall.SIGTERM)
	if code := waitExit(t, cmdB); code != 0 {
		t.Errorf("B exit code %d", code)
	}
	logA.checkAll(t)
	logB.checkAll(t)
}
