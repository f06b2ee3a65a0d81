package main

import (
	"os"
	"path/filepath"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/nats-io/nats.go"
)

func writeConfig(t *testing.T, path, body string) {
	t.Helper()
	if err := os.WriteFile(path, []byte(body), 0o644); err != nil {
		t.Fatal(err)
	}
}

// TestProcessReload changes the users of a running server with SIGHUP: a
// client whose user was removed is disconnected, the new user gets in, and
// a broken file leaves the running configuration alone.
func TestProcessReload(t *testing.T) {
	if testing.Short() {
		t.Skip("builds the binary")
	}
	bin := buildBinary(t)
	dir := t.TempDir()
	cfg := filepath.Join(dir, "natsd.conf")
	writeConfig(t, cfg, `
listen: "127.0.0.1:-1"
authorization { users = [ { user: alice, password: one } ] }
`)
	cmd, url, lines := startProcess(t, bin, "-c", cfg)
	hostport := strings.TrimPrefix(url, "nats://")

	closed := make(chan struct{})
	alice, err := nats.Connect("nats://alice:one@"+hostport, nats.NoReconnect(), nats.Timeout(10*time.Second),
		nats.ClosedHandler(func(*nats.Conn) { close(closed) }))
	if err != nil {
		t.Fatal(err)
	}
	defer alice.Close()
	if _, err := nats.Connect("nats://bob:two@"+hostport, nats.NoReconnect()); err == nil {
		t.Fatal("bob got in before the reload")
	}

	// A broken file: the reload fails and alice keeps working.
	writeConfig(t, cfg, "listen: \"127.0.0.1:-1\"\nauthorization { users = [ { user: bob, password: two } ]\n")
	cmd.Process.Signal(syscall.SIGHUP)
	waitLine(t, lines, "Failed to reload server configuration")
	if err := alice.Flush(); err != nil {
		t.Fatalf("alice after a failed reload: %v", err)
	}

	// A file that changes the port is refused as a whole.
	writeConfig(t, cfg, "listen: \"127.0.0.1:1\"\nauthorization { users = [ { user: bob, password: two } ] }\n")
	cmd.Process.Signal(syscall.SIGHUP)
	waitLine(t, lines, "config reload not supported for: port")
	if err := alice.Flush(); err != nil {
		t.Fatalf("alice after a refused reload: %v", err)
	}

	writeConfig(t, cfg, `
listen: "127.0.0.1:-1"
debug: true
authorization { users = [ { user: bob, password: two } ] }
`)
	cmd.Process.Signal(syscall.SIGHUP)
	waitLine(t, lines, "after reload: closing")
	waitLine(t, lines, "Reloaded server configuration")
	select {
	case <-closed:
	case <-time.After(15 * time.Second):
		t.Fatal("alice was not disconnected after her user was removed")
	}
	bob, err := nats.Connect("nats://bob:two@"+hostport, nats.NoReconnect(), nats.Timeout(10*time.Second))
	if err != nil {
		t.Fatalf("bob after the reload: %v", err)
	}
	bob.Close()
	waitLine(t, lines, "[DBG]") // debug logging switched on
}

// waitLine waits for a log line containing want.
func waitLine(t *testing.T, lines <-chan string, want string) {
	t.Helper()
	timeout := time.After(10 * time.Second)
	for {
		select {
		case l, ok := <-lines:
			if !ok {
				t.Fatalf("log ended before %q", want)
			}
			if strings.Contains(l, want) {
				return
			}
		case <-timeout:
			t.Fatalf("no log line with %q", want)
		}
	}
}
