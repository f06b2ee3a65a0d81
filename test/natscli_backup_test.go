//go:build !refserver

package test

import (
	"encoding/json"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
)

// TestNatsCLIBackupRestore: natscli's backup and restore (v0.5.0, the
// NATSARC1 archive of nats-server 2.15) round-trip a stream with its
// config, messages, headers and deleted sequences.
func TestNatsCLIBackupRestore(t *testing.T) {
	cli := natsCLI(t)
	s := startJetStreamServer(t)
	nats := natsRunner(t, cli, s.ClientURL())
	nats("stream", "add", "ORDERS", "--subjects", "orders.>", "--defaults", "--max-msgs-per-subject", "100", "--description", "kept orders")
	for _, m := range []string{"one", "two", "three", "four"} {
		nats("pub", "orders.new", m, "-H", "X-Kind:"+m)
	}
	nats("stream", "rmm", "ORDERS", "2", "-f")
	type info struct {
		Config struct {
			Description       string `json:"description"`
			MaxMsgsPerSubject int64  `json:"max_msgs_per_subject"`
		} `json:"config"`
		State struct {
			Msgs       uint64 `json:"messages"`
			LastSeq    uint64 `json:"last_seq"`
			NumDeleted int    `json:"num_deleted"`
		} `json:"state"`
	}
	var before, after info
	if err := json.Unmarshal([]byte(nats("stream", "info", "ORDERS", "--json")), &before); err != nil {
		t.Fatal(err)
	}
	dir := filepath.Join(t.TempDir(), "orders-backup")
	nats("backup", "stream", "ORDERS", dir)
	if _, err := os.Stat(filepath.Join(dir, "stream.arc.s2")); err != nil {
		t.Fatalf("backup: %v", err)
	}
	nats("stream", "rm", "ORDERS", "-f")
	nats("backup", "restore", "stream", dir)
	if err := json.Unmarshal([]byte(nats("stream", "info", "ORDERS", "--json")), &after); err != nil {
		t.Fatal(err)
	}
	if after != before || after.State.Msgs != 3 || after.State.NumDeleted != 1 || after.Config.Description != "kept orders" {
		t.Fatalf("restored %+v, before %+v", after, before)
	}
	if out := nats("stream", "get", "ORDERS", "3"); !strings.Contains(out, "three") || !strings.Contains(out, "X-Kind: three") {
		t.Fatalf("stream get: %s", out)
	}
	// Restoring over an existing stream is refused.
	cmd := exec.Command(cli, "--server", s.ClientURL(), "--no-context", "--timeout", "20s", "backup", "restore", "stream", dir)
	home := t.TempDir()
	cmd.Env = append(os.Environ(), "HOME="+home, "XDG_CONFIG_HOME="+home)
	if out, err := cmd.CombinedOutput(); err == nil || !strings.Contains(string(out), "already exist") {
		t.Fatalf("restore over an existing stream: %v %s", err, out)
	}
}
