package server

import (
	"bufio"
	"bytes"
	"fmt"
	"net"
	"regexp"
	"runtime"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/nats-io/nats.go"

	"github.com/natsd/natsd/logger"
)

// syncBuffer is a log destination the test can read while the server
// writes.
type syncBuffer struct {
	mu sync.Mutex
	b  bytes.Buffer
}

func (b *syncBuffer) Write(p []byte) (int, error) {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.b.Write(p)
}

// lines returns the log so far without the "[pid] " prefix.
func (b *syncBuffer) lines() []string {
	b.mu.Lock()
	defer b.mu.Unlock()
	var out []string
	for _, l := range strings.Split(strings.TrimSuffix(b.b.String(), "\n"), "\n") {
		_, rest, _ := strings.Cut(l, "] ")
		out = append(out, rest)
	}
	return out
}

func (b *syncBuffer) waitFor(t *testing.T, re *regexp.Regexp) string {
	t.Helper()
	deadline := time.Now().Add(10 * time.Second)
	for time.Now().Before(deadline) {
		for _, l := range b.lines() {
			if re.MatchString(l) {
				return l
			}
		}
		time.Sleep(10 * time.Millisecond)
	}
	t.Fatalf("no log line matching %s in\n%s", re, strings.Join(b.lines(), "\n"))
	return ""
}

// TestTextLogLayout: in text mode, the banner and the messages that are
// records in JSON keep nats-server's layout, line for line.
func TestTextLogLayout(t *testing.T) {
	var log syncBuffer
	o := &Options{Host: "127.0.0.1", Port: RandomPort, ServerName: "text-1", MaxPending: 64 << 10, MaxPayload: 32 << 10,
		LameDuckGracePeriod: 100 * time.Millisecond, LameDuckDuration: 300 * time.Millisecond,
		ConfigFile: "/etc/natsd.conf", ConfigDigest: "abc123"}
	o.Cluster.Name = "c1"
	s, err := New(o)
	if err != nil {
		t.Fatal(err)
	}
	s.SetLogger(logger.NewText(&log, logger.Options{}))
	s.SetConfigLoader(func() (*Options, error) {
		n := o.Clone()
		n.MaxConnections, n.PingInterval = 100, time.Minute
		return n, nil
	})
	if err := s.Start(); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(s.Shutdown)
	want := []string{
		"[INF] Starting natsd",
		"[INF]   Version:  " + NatsdVersion,
		"[INF]   Compat:   nats-server " + CompatVersion,
		"[INF]   Go:       " + runtime.Version(),
		"[INF]   Git:      [not set]",
		"[INF]   Cluster:  c1",
		"[INF]   Name:     text-1",
		"[INF]   ID:       " + s.ID(),
		"[INF] Using configuration file: /etc/natsd.conf (sha256:abc123)",
		"[INF] Listening for client connections on " + s.Addr().String(),
	}
	if got := log.lines(); len(got) < len(want) || strings.Join(got[:len(want)], "\n") != strings.Join(want, "\n") {
		t.Errorf("start of the log\n%s\nwant\n%s", strings.Join(got, "\n"), strings.Join(want, "\n"))
	}

	if err := s.Reload(); err != nil {
		t.Fatal(err)
	}
	log.waitFor(t, regexp.MustCompile(`^\[INF\] Reloaded server configuration: changed max_connections, ping_interval$`))

	nc, err := nats.Connect("nats://"+s.Addr().String(), nats.NoReconnect())
	if err != nil {
		t.Fatal(err)
	}
	defer nc.Close()
	sub, err := net.Dial("tcp", s.Addr().String())
	if err != nil {
		t.Fatal(err)
	}
	defer sub.Close()
	fmt.Fprintf(sub, "CONNECT {\"verbose\":false}\r\nSUB slow 1\r\nPING\r\n")
	sub.SetReadDeadline(time.Now().Add(10 * time.Second))
	if l, err := bufio.NewReader(sub).ReadString('\n'); err != nil || !strings.HasPrefix(l, "INFO ") {
		t.Fatalf("subscriber: %q %v", l, err)
	}
	slowRe := regexp.MustCompile(`^\[INF\] 127\.0\.0\.1:\d+ - cid:\d+ - Slow Consumer Detected: MaxPending of 65536 Exceeded \(\d+ pending bytes; largest backlog: "slow" \d+ bytes in \d+ msgs\)$`)
	payload := make([]byte, 32<<10)
	deadline := time.Now().Add(20 * time.Second)
	for found := false; !found && time.Now().Before(deadline); {
		for range 16 {
			nc.Publish("slow", payload)
		}
		nc.Flush()
		for _, l := range log.lines() {
			found = found || slowRe.MatchString(l)
		}
	}
	log.waitFor(t, slowRe)

	go s.LameDuckShutdown()
	log.waitFor(t, regexp.MustCompile(`^\[INF\] Waiting 100ms before closing [12] client connections over 200ms$`))
	select {
	case <-s.quit:
	case <-time.After(10 * time.Second):
		t.Fatal("lame duck did not shut down")
	}
	for _, l := range log.lines() {
		if !strings.HasPrefix(l, "[") {
			t.Errorf("line without a level label: %q", l)
		}
	}
}
