//go:build !refserver

package test

import (
	"context"
	"encoding/json"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/natsd/natsd/server"
)

// TestNatsCLIStreams drives natscli (v0.5.0, installed by scripts/test.sh
// into $NATS_CLI) as an operator would: stream add --config, info, ls,
// get, rmm, purge, rm and account info. Without $NATS_CLI it is skipped,
// unless NATSD_REQUIRE_NATSCLI is set (scripts/test.sh sets it, so CI
// never skips it silently).
func TestNatsCLIStreams(t *testing.T) {
	cli := os.Getenv("NATS_CLI")
	if cli == "" {
		if os.Getenv("NATSD_REQUIRE_NATSCLI") != "" {
			t.Fatal("NATS_CLI is not set but NATSD_REQUIRE_NATSCLI is")
		}
		t.Skip("NATS_CLI not set (scripts/test.sh installs natscli)")
	}
	s, err := server.New(&server.Options{Host: "127.0.0.1", Port: -1, NoLog: true,
		JetStream: server.JetStreamOpts{Enabled: true, StoreDir: t.TempDir()}})
	if err != nil {
		t.Fatal(err)
	}
	if err := s.Start(); err != nil {
		t.Fatal(err)
	}
	defer s.Shutdown()
	nats := func(args ...string) string {
		t.Helper()
		ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
		defer cancel()
		cmd := exec.CommandContext(ctx, cli, append([]string{"--server", s.ClientURL(), "--no-context"}, args...)...)
		cmd.Env = append(os.Environ(), "HOME="+t.TempDir(), "XDG_CONFIG_HOME="+t.TempDir())
		out, err := cmd.CombinedOutput()
		if err != nil {
			t.Fatalf("nats %s: %v\n%s", strings.Join(args, " "), err, out)
		}
		return string(out)
	}
	cfg := filepath.Join(t.TempDir(), "orders.json")
	os.WriteFile(cfg, []byte(`{"name":"ORDERS","subjects":["orders.>"],"retention":"limits","max_consumers":-1,
"max_msgs":-1,"max_bytes":-1,"max_age":0,"max_msgs_per_subject":-1,"max_msg_size":-1,"discard":"old",
"storage":"file","num_replicas":1,"duplicate_window":120000000000,"allow_direct":true}`), 0o600)
	if out := nats("stream", "add", "--config", cfg); !strings.Contains(out, "Stream ORDERS was created") {
		t.Fatalf("stream add: %s", out)
	}
	for _, m := range []string{"one", "two", "three"} {
		nats("pub", "orders.new", m)
	}
	var info struct {
		Config struct {
			Name        string `json:"name"`
			AllowDirect bool   `json:"allow_direct"`
		} `json:"config"`
		State struct {
			Msgs    uint64 `json:"messages"`
			LastSeq uint64 `json:"last_seq"`
		} `json:"state"`
	}
	if err := json.Unmarshal([]byte(nats("stream", "info", "ORDERS", "--json")), &info); err != nil {
		t.Fatal(err)
	}
	if info.Config.Name != "ORDERS" || !info.Config.AllowDirect || info.State.Msgs != 3 || info.State.LastSeq != 3 {
		t.Fatalf("stream info: %+v", info)
	}
	if out := nats("stream", "ls", "--names"); strings.TrimSpace(out) != "ORDERS" {
		t.Fatalf("stream ls: %q", out)
	}
	if out := nats("stream", "get", "ORDERS", "2"); !strings.Contains(out, "ORDERS#2") || !strings.Contains(out, "two") {
		t.Fatalf("stream get: %s", out)
	}
	nats("stream", "rmm", "ORDERS", "1", "-f")
	json.Unmarshal([]byte(nats("stream", "info", "ORDERS", "--json")), &info)
	if info.State.Msgs != 2 {
		t.Fatalf("after rmm: %+v", info.State)
	}
	nats("stream", "purge", "ORDERS", "-f")
	json.Unmarshal([]byte(nats("stream", "info", "ORDERS", "--json")), &info)
	if info.State.Msgs != 0 || info.State.LastSeq != 3 {
		t.Fatalf("after purge: %+v", info.State)
	}
	if out := nats("account", "info"); !strings.Contains(out, "JetStream Account Information") || !strings.Contains(out, "Streams: 1") {
		t.Fatalf("account info: %s", out)
	}
	nats("stream", "rm", "ORDERS", "-f")
	if out := nats("stream", "ls"); !strings.Contains(out, "No Streams defined") {
		t.Fatalf("stream ls after rm: %s", out)
	}
}
