//go:build !refserver

package test

import (
	"context"
	"encoding/json"
	"errors"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/natsd/natsd/server"
)

// TestNatsJS runs the official JavaScript client (nats.js v2, from the npm
// registry) against natsd: publish/subscribe with a wildcard, headers,
// request/reply, the no-responders status and drain. It needs node and npm;
// without them, or when the registry cannot be reached, it is skipped.
func TestNatsJS(t *testing.T) {
	if testing.Short() {
		t.Skip("installs nats.js from the npm registry")
	}
	for _, tool := range []string{"node", "npm"} {
		if _, err := exec.LookPath(tool); err != nil {
			t.Skipf("%s not installed", tool)
		}
	}
	dir := t.TempDir()
	for _, f := range []string{"package.json", "client.mjs"} {
		b, err := os.ReadFile(filepath.Join("testdata", "natsjs", f))
		if err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(filepath.Join(dir, f), b, 0o644); err != nil {
			t.Fatal(err)
		}
	}
	ctx, cancel := context.WithTimeout(context.Background(), 3*time.Minute)
	defer cancel()
	install := exec.CommandContext(ctx, "npm", "install", "--no-audit", "--no-fund", "--silent")
	install.Dir = dir
	if out, err := install.CombinedOutput(); err != nil {
		if errors.Is(ctx.Err(), context.DeadlineExceeded) || strings.Contains(string(out), "ENOTFOUND") ||
			strings.Contains(string(out), "EAI_AGAIN") || strings.Contains(string(out), "ECONNREFUSED") {
			t.Skipf("npm registry not reachable: %v\n%s", err, out)
		}
		t.Fatalf("npm install: %v\n%s", err, out)
	}

	s, err := server.New(&server.Options{Host: "127.0.0.1", Port: -1, NoLog: true})
	if err != nil {
		t.Fatal(err)
	}
	if err := s.Start(); err != nil {
		t.Fatal(err)
	}
	defer s.Shutdown()

	run := exec.CommandContext(ctx, "node", "client.mjs", s.ClientURL())
	run.Dir = dir
	out, err := run.CombinedOutput()
	if err != nil {
		t.Fatalf("node client.mjs: %v\n%s", err, out)
	}
	var res struct {
		Got          []string `json:"got"`
		Reply        string   `json:"reply"`
		NoResponders string   `json:"noResponders"`
		Server       string   `json:"server"`
	}
	lines := strings.Split(strings.TrimSpace(string(out)), "\n")
	if err := json.Unmarshal([]byte(lines[len(lines)-1]), &res); err != nil {
		t.Fatalf("client output %q: %v", out, err)
	}
	if strings.Join(res.Got, ",") != "js.a=one,js.b=two h=1" {
		t.Errorf("messages %v", res.Got)
	}
	if res.Reply != "pong" {
		t.Errorf("reply %q", res.Reply)
	}
	if res.NoResponders != "503" {
		t.Errorf("no-responders error code %q, want 503", res.NoResponders)
	}
	if res.Server != server.Version {
		t.Errorf("server version seen by the client %q", res.Server)
	}
}
