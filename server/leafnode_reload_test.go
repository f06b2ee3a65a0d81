package server

import (
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// TestLeafReloadRemotes: remotes are added, removed and given new
// credentials by a reload, without a restart.
func TestLeafReloadRemotes(t *testing.T) {
	h1o := hubOpts("h1")
	h1o.LeafNode.Username, h1o.LeafNode.Password = "leaf", "one"
	h1 := clStart(t, h1o)
	h2 := clStart(t, hubOpts("h2"))

	path := filepath.Join(t.TempDir(), "leaf.conf")
	write := func(remotes ...string) {
		t.Helper()
		text := fmt.Sprintf("listen: 127.0.0.1:-1\nserver_name: leaf\nleafnodes {\n  reconnect: \"50ms\"\n  remotes: [ %s ]\n}\n", strings.Join(remotes, ", "))
		if err := os.WriteFile(path, []byte(text), 0o600); err != nil {
			t.Fatal(err)
		}
	}
	remote := func(hub *Server, userinfo string) string {
		return fmt.Sprintf("{ url: %q }", "nats://"+userinfo+hub.LeafAddr().String())
	}
	write(remote(h1, "leaf:one@"))
	o, err := ProcessConfigFile(path)
	if err != nil {
		t.Fatal(err)
	}
	o.NoLog = os.Getenv("NATSD_TEST_LOG") == ""
	lf := clStart(t, o)
	waitLeafs(t, h1, 1)

	// Add a remote to h2.
	write(remote(h1, "leaf:one@"), remote(h2, ""))
	if err := lf.Reload(); err != nil {
		t.Fatal(err)
	}
	waitLeafs(t, h2, 1)
	waitLeafs(t, lf, 2)
	if h1.NumLeafNodes() != 1 {
		t.Fatal("the unchanged remote reconnected")
	}

	// New credentials: h1 changes its password (a restart of h1 would
	// do it too; here the leaf's remote changes and reconnects).
	before, _ := h1.Leafz(nil)
	h1o2 := h1.getOpts().Clone()
	h1o2.LeafNode.Password = "two"
	if err := h1.setLeafAuth(h1o2); err != nil {
		t.Fatal(err)
	}
	write(remote(h1, "leaf:two@"), remote(h2, ""))
	if err := lf.Reload(); err != nil {
		t.Fatal(err)
	}
	clWaitFor(t, leafWait, "reconnect with the new password", func() bool {
		lz, _ := h1.Leafz(nil)
		return len(lz.Leafs) == 1 && lz.Leafs[0].ID != before.Leafs[0].ID && lf.NumLeafNodes() == 2
	})

	// Remove the remote to h1.
	write(remote(h2, ""))
	if err := lf.Reload(); err != nil {
		t.Fatal(err)
	}
	waitLeafs(t, h1, 0)
	waitLeafs(t, lf, 1)
	if h2.NumLeafNodes() != 1 {
		t.Fatal("h2 lost its leaf")
	}

	// Settings that need a restart are refused, naming them.
	os.WriteFile(path, []byte("listen: 127.0.0.1:-1\nserver_name: leaf\nleafnodes { listen: 127.0.0.1:-1, reconnect: \"50ms\" }\n"), 0o600)
	if err := lf.Reload(); err == nil || !strings.Contains(err.Error(), "leafnodes.port") {
		t.Fatalf("reload with a leaf listener: %v", err)
	}
}
