//go:build !refserver

package test

import (
	"context"
	"os"
	"os/exec"
	"strings"
	"testing"
	"time"

	"github.com/natsd/natsd/server"
)

// natsCLI is the natscli binary the tests drive ($NATS_CLI, installed by
// scripts/test.sh). Without it the test is skipped, unless
// NATSD_REQUIRE_NATSCLI is set (scripts/test.sh sets it, so CI never
// skips silently).
func natsCLI(t *testing.T) string {
	t.Helper()
	cli := os.Getenv("NATS_CLI")
	if cli == "" {
		if os.Getenv("NATSD_REQUIRE_NATSCLI") != "" {
			t.Fatal("NATS_CLI is not set but NATSD_REQUIRE_NATSCLI is")
		}
		t.Skip("NATS_CLI not set (scripts/test.sh installs natscli)")
	}
	return cli
}

// startJetStreamServer starts an in-process natsd with JetStream on a
// temporary store, shut down when the test ends.
func startJetStreamServer(t *testing.T) *server.Server {
	t.Helper()
	s, err := server.New(&server.Options{Host: "127.0.0.1", Port: -1, NoLog: true,
		JetStream: server.JetStreamOpts{Enabled: true, StoreDir: t.TempDir()}})
	if err != nil {
		t.Fatal(err)
	}
	if err := s.Start(); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(s.Shutdown)
	return s
}

// natsRunner runs natscli against url with a home directory of its own
// (no saved contexts), failing the test when a command fails; it returns
// the command's combined output.
func natsRunner(t *testing.T, cli, url string) func(args ...string) string {
	home := t.TempDir()
	return func(args ...string) string {
		t.Helper()
		ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
		defer cancel()
		// natscli waits 5 s for an answer by default; a loaded machine
		// can take longer (none of these commands waits on purpose).
		cmd := exec.CommandContext(ctx, cli, append([]string{"--server", url, "--no-context", "--timeout", "20s"}, args...)...)
		cmd.Env = append(os.Environ(), "HOME="+home, "XDG_CONFIG_HOME="+home)
		out, err := cmd.CombinedOutput()
		if err != nil {
			t.Fatalf("nats %s: %v\n%s", strings.Join(args, " "), err, out)
		}
		return string(out)
	}
}
