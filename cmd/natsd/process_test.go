package main

import (
	"bufio"
	"context"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/nats-io/nats.go"
)

// buildBinary compiles natsd once per test run.
func buildBinary(t *testing.T) string {
	t.Helper()
	bin := filepath.Join(t.TempDir(), "natsd")
	ctx, cancel := context.WithTimeout(context.Background(), 3*time.Minute)
	defer cancel()
	out, err := exec.CommandContext(ctx, "go", "build", "-o", bin, ".").CombinedOutput()
	if err != nil {
		t.Fatalf("go build: %v\n%s", err, out)
	}
	return bin
}

var listenRe = regexp.MustCompile(`Listening for client connections on (\S+)`)

// startProcess runs the binary and waits until it logs that it is ready.
func startProcess(t *testing.T, bin string, args ...string) (*exec.Cmd, string, <-chan string) {
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
	lines := make(chan string, 100)
	addr := make(chan string, 1)
	go func() {
		sc := bufio.NewScanner(stderr)
		for sc.Scan() {
			if m := listenRe.FindStringSubmatch(sc.Text()); m != nil {
				addr <- m[1]
			}
			select {
			case lines <- sc.Text():
			default:
			}
		}
		close(lines)
	}()
	select {
	case a := <-addr:
		return cmd, "nats://" + a, lines
	case <-time.After(20 * time.Second):
		t.Fatal("server did not start")
	}
	return nil, "", nil
}

func waitExit(t *testing.T, cmd *exec.Cmd) int {
	t.Helper()
	done := make(chan error, 1)
	go func() { done <- cmd.Wait() }()
	select {
	case err := <-done:
		if err == nil {
			return 0
		}
		if ee, ok := err.(*exec.ExitError); ok {
			return ee.ExitCode()
		}
		t.Fatalf("wait: %v", err)
	case <-time.After(15 * time.Second):
		t.Fatal("server did not exit")
	}
	return -1
}

func TestProcessServesAndShutsDownOnSignals(t *testing.T) {
	if testing.Short() {
		t.Skip("builds the binary")
	}
	bin := buildBinary(t)
	for _, sig := range []syscall.Signal{syscall.SIGTERM, syscall.SIGINT} {
		t.Run(sig.String(), func(t *testing.T) {
			pidFile := filepath.Join(t.TempDir(), "natsd.pid")
			cmd, url, lines := startProcess(t, bin, "-a", "127.0.0.1", "-p", "-1", "-P", pidFile)

			pid, err := os.ReadFile(pidFile)
			if err != nil || strings.TrimSpace(string(pid)) != strconv.Itoa(cmd.Process.Pid) {
				t.Fatalf("pid file: %q, %v", pid, err)
			}
			nc, err := nats.Connect(url, nats.NoReconnect(), nats.Timeout(10*time.Second))
			if err != nil {
				t.Fatal(err)
			}
			sub, err := nc.SubscribeSync("greet.*")
			if err != nil {
				t.Fatal(err)
			}
			if err := nc.Publish("greet.joe", []byte("hello")); err != nil {
				t.Fatal(err)
			}
			m, err := sub.NextMsg(15 * time.Second)
			if err != nil || string(m.Data) != "hello" {
				t.Fatalf("got %v, %v", m, err)
			}
			closed := make(chan struct{})
			nc.SetClosedHandler(func(*nats.Conn) { close(closed) })

			cmd.Process.Signal(sig)
			if code := waitExit(t, cmd); code != 0 {
				t.Fatalf("exit code %d", code)
			}
			select {
			case <-closed:
			case <-time.After(15 * time.Second):
				t.Fatal("client was not disconnected")
			}
			if _, err := os.Stat(pidFile); !os.IsNotExist(err) {
				t.Fatalf("pid file still there: %v", err)
			}
			var sawReady bool
			for l := range lines {
				if strings.Contains(l, "[INF] Server is ready") {
					sawReady = true
				}
			}
			if !sawReady {
				t.Error("no 'Server is ready' log line")
			}
		})
	}
}
