//go:build !refserver

package test

import (
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// TestNatsCLIConsumersKVObj drives natscli's consumer, kv and obj
// commands against natsd, as TestNatsCLIStreams does for streams.
func TestNatsCLIConsumersKVObj(t *testing.T) {
	cli := natsCLI(t)
	s := startJetStreamServer(t)
	nats := natsRunner(t, cli, s.ClientURL())
	nats("stream", "add", "O", "--subjects", "o.>", "--defaults")
	for _, m := range []string{"m1", "m2", "m3"} {
		nats("pub", "o.a", m)
	}
	nats("consumer", "add", "O", "C", "--pull", "--defaults")
	out := nats("consumer", "next", "O", "C", "--count", "2")
	if !strings.Contains(out, "m1") || !strings.Contains(out, "m2") || strings.Count(out, "Acknowledged message") != 2 {
		t.Fatalf("consumer next: %s", out)
	}
	var ci struct {
		Config struct {
			Metadata map[string]string `json:"metadata"`
		} `json:"config"`
		AckFloor struct {
			Stream uint64 `json:"stream_seq"`
		} `json:"ack_floor"`
		NumPending uint64 `json:"num_pending"`
	}
	if err := json.Unmarshal([]byte(nats("consumer", "info", "O", "C", "--json")), &ci); err != nil {
		t.Fatal(err)
	}
	if ci.AckFloor.Stream != 2 || ci.NumPending != 1 || ci.Config.Metadata["_nats.req.level"] != "0" {
		t.Fatalf("consumer info: %+v", ci)
	}
	if out := nats("consumer", "ls", "O", "--names"); strings.TrimSpace(out) != "C" {
		t.Fatalf("consumer ls: %q", out)
	}
	nats("consumer", "rm", "O", "C", "-f")

	nats("kv", "add", "B", "--history", "5")
	nats("kv", "put", "B", "k", "v1")
	nats("kv", "put", "B", "k", "v2")
	if out := nats("kv", "get", "B", "k", "--raw"); strings.TrimSpace(out) != "v2" {
		t.Fatalf("kv get: %q", out)
	}
	if out := nats("kv", "history", "B", "k"); !strings.Contains(out, "v1") || !strings.Contains(out, "v2") {
		t.Fatalf("kv history: %s", out)
	}
	if out := nats("kv", "ls", "B"); strings.TrimSpace(out) != "k" {
		t.Fatalf("kv ls: %q", out)
	}
	nats("kv", "del", "B", "k", "-f")
	if out := nats("kv", "ls", "B"); strings.Contains(out, "k\n") && !strings.Contains(out, "No keys") {
		t.Fatalf("kv ls after del: %q", out)
	}

	dir := t.TempDir()
	src := filepath.Join(dir, "file.txt")
	os.WriteFile(src, []byte("hello object\n"), 0o600)
	nats("obj", "add", "OB")
	nats("obj", "put", "OB", src, "--name", "file.txt")
	if out := nats("obj", "ls", "OB"); !strings.Contains(out, "file.txt") {
		t.Fatalf("obj ls: %s", out)
	}
	dst := filepath.Join(dir, "out.txt")
	nats("obj", "get", "OB", "file.txt", "-O", dst)
	if b, _ := os.ReadFile(dst); string(b) != "hello object\n" {
		t.Fatalf("obj get: %q", b)
	}
	if out := nats("obj", "info", "OB", "file.txt"); !strings.Contains(out, "Size: 13 B") {
		t.Fatalf("obj info: %s", out)
	}
	nats("obj", "rm", "OB", "file.txt", "-f")
}
