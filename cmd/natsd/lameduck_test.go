package main

import (
	"syscall"
	"testing"
	"time"

	"github.com/nats-io/nats.go"
)

// TestProcessStopDuringLameDuck sends SIGTERM right after SIGUSR2, as the
// kubelet does after a preStop hook running --signal ldm: the clients
// still get the grace period, then the server shuts down without waiting
// for the rest of lame_duck_duration. A second SIGUSR2 changes nothing.
func TestProcessStopDuringLameDuck(t *testing.T) {
	if testing.Short() {
		t.Skip("builds the binary")
	}
	bin := buildBinary(t)
	cmd, url, _ := startProcess(t, bin, "-a", "127.0.0.1", "-p", "-1",
		"--lame_duck_grace_period", "1s", "--lame_duck_duration", "1m")
	ldm := make(chan struct{}, 1)
	closed := make(chan struct{})
	nc, err := nats.Connect(url, nats.NoReconnect(),
		nats.LameDuckModeHandler(func(*nats.Conn) { ldm <- struct{}{} }),
		nats.ClosedHandler(func(*nats.Conn) { close(closed) }))
	if err != nil {
		t.Fatal(err)
	}
	defer nc.Close()
	start := time.Now()
	cmd.Process.Signal(syscall.SIGUSR2)
	select {
	case <-ldm:
	case <-time.After(5 * time.Second):
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
	case <-time.After(5 * time.Second):
		t.Fatal("client not closed")
	}
}
