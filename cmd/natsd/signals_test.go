package main

import (
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/nats-io/nats.go"
)

// lameDuckSetup starts natsd with the given lame-duck timings and a nats.go
// client; the channels report the client seeing lame-duck mode and being
// closed.
func lameDuckSetup(t *testing.T, grace, duration string) (cmd *exec.Cmd, ldm, closed <-chan struct{}) {
	t.Helper()
	bin := buildBinary(t)
	cmd, url, _ := startProcess(t, bin, "-a", "127.0.0.1", "-p", "-1",
		"--lame_duck_grace_period", grace, "--lame_duck_duration", duration)
	ldmCh := make(chan struct{}, 1)
	closedCh := make(chan struct{})
	nc, err := nats.Connect(url, nats.NoReconnect(), nats.Timeout(10*time.Second),
		nats.LameDuckModeHandler(func(*nats.Conn) { ldmCh <- struct{}{} }),
		nats.ClosedHandler(func(*nats.Conn) { close(closedCh) }))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(nc.Close)
	return cmd, ldmCh, closedCh
}

func TestProcessLameDuck(t *testing.T) {
	if testing.Short() {
		t.Skip("builds the binary")
	}
	cmd, ldm, closed := lameDuckSetup(t, "200ms", "1s")
	start := time.Now()
	if err := cmd.Process.Signal(syscall.SIGUSR2); err != nil {
		t.Fatal(err)
	}
	select {
	case <-ldm:
	case <-time.After(15 * time.Second):
		t.Fatal("client did not see lame-duck mode")
	}
	select {
	case <-closed:
	case <-time.After(15 * time.Second):
		t.Fatal("client was not closed")
	}
	if since := time.Since(start); since < 200*time.Millisecond {
		t.Errorf("client closed after %v, before the grace period", since)
	}
	if code := waitExit(t, cmd); code != 0 {
		t.Fatalf("exit code %d", code)
	}
}

func TestProcessSignalCommandAndLogReopen(t *testing.T) {
	if testing.Short() {
		t.Skip("builds the binary")
	}
	bin := buildBinary(t)
	dir := t.TempDir()
	pidFile := filepath.Join(dir, "natsd.pid")
	logPath := filepath.Join(dir, "natsd.log")
	cmd := startFileLoggedProcess(t, bin, logPath, "-a", "127.0.0.1", "-p", "-1", "-P", pidFile, "-l", logPath)

	rotated := logPath + ".1"
	if err := os.Rename(logPath, rotated); err != nil {
		t.Fatal(err)
	}
	var out, errOut strings.Builder
	if code := run([]string{"--signal", "reopen=" + pidFile}, &out, &errOut); code != 0 {
		t.Fatalf("--signal reopen: %d %s", code, errOut.String())
	}
	waitFor(t, 15*time.Second, func() bool {
		b, err := os.ReadFile(logPath)
		return err == nil && strings.Contains(string(b), "File log re-opened")
	})
	if code := run([]string{"-sl", "quit=" + pidFile}, &out, &errOut); code != 0 {
		t.Fatalf("--signal quit: %d %s", code, errOut.String())
	}
	if code := waitExit(t, cmd); code != 0 {
		t.Fatalf("exit code %d", code)
	}
	if b, _ := os.ReadFile(rotated); !strings.Contains(string(b), "Server is ready") {
		t.Errorf("rotated log lacks the start lines: %q", b)
	}
	if code := run([]string{"--signal", "bogus=1"}, &out, &errOut); code == 0 {
		t.Error("an unknown signal name was accepted")
	}
	if code := run([]string{"--signal", "reload=" + filepath.Join(dir, "missing.pid")}, &out, &errOut); code == 0 {
		t.Error("a missing pid file was accepted")
	}
}

// startFileLoggedProcess starts the binary logging to a file and waits
// until the log says it is ready.
func startFileLoggedProcess(t *testing.T, bin, logPath string, args ...string) *exec.Cmd {
	t.Helper()
	cmd := exec.Command(bin, args...)
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { cmd.Process.Kill(); cmd.Wait() })
	waitFor(t, 20*time.Second, func() bool {
		b, err := os.ReadFile(logPath)
		return err == nil && strings.Contains(string(b), "Server is ready")
	})
	return cmd
}

func waitFor(t *testing.T, d time.Duration, cond func() bool) {
	t.Helper()
	deadline := time.Now().Add(d)
	for !cond() {
		if time.Now().After(deadline) {
			t.Fatal("condition not met in time")
		}
		time.Sleep(10 * time.Millisecond)
	}
}
