//go:build !refserver

package test

import (
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// TestNatsCLIStreams drives natscli (v0.5.0, installed by scripts/test.sh
// into $NATS_CLI) as an operator would: stream add --config, info, ls,
// get, rmm, purge, rm and account info. Without $NATS_CLI it is skipped,
// unless NATSD_REQUIRE_NATSCLI is set (scripts/test.sh sets it, so CI
// never skips it silently).
func TestNatsCLIStreams(t *testing.T) {
	cli := natsCLI(t)
	s := startJetStreamServer(t)
	nats := natsRunner(t, cli, s.ClientURL())
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
