package main

import (
	"syscall"
	"testing"
	"time"
)

// TestProcessStopDuringLameDuck sends SIGTERM right after SIGUSR2, as the
// kubelet does after a preStop hook running --signal ldm: the clients
// still get the grace period, then the server shuts down without waiting
// for the rest of lame_duck_duration. A second SIGUSR2 changes nothing.
func TestProcessStopDuringLameDuck(t *testing.T) {
	if testing.Short() {
		t.Skip("builds the binary")
	}
	cmd, ldm, closed := lameDuckSetup(t, "1s", "1m")
	start := time.Now()
	cmd.Process.Signal(syscall.SIGUSR2)
	select {
	case <-ldm:
	case <-time.After(15 * time.Second):
		t.Fatal("client did not see lame-duck mode")
	}
	cmd.Process.Signal(syscall.SIGUSR2)
	cmd.Process.Signal(syscall.SIGTERM)
	if code := waitExit(t, cmd); code != 0 {
		t.Fatalf("exit code %d", code)
	}
	if d := time.Since(start); d < 900*time.Millisecond || d > 20*time.Second {
		t.Errorf("exited %v after lame-duck mode started, want about the 1s grace period", d)
	}
	select {
	case <-closed:
	case <-time.After(15 * time.Second):
		t.Fatal("client not closed")
	}
}
