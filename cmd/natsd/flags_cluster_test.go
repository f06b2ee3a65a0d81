package main

import (
	"io"
	"os"
	"path/filepath"
	"testing"
)

func TestClusterFlags(t *testing.T) {
	cmd, err := parseFlags([]string{"--cluster", "nats://127.0.0.1:6333", "--routes", "nats://a:6222, nats-route://u:p@b:6222",
		"--cluster_name", "prod", "--cluster_advertise", "10.0.0.1:6333", "--no_advertise", "--connect_retries", "4"}, io.Discard)
	if err != nil {
		t.Fatal(err)
	}
	c := cmd.opts.Cluster
	if c.Host != "127.0.0.1" || c.Port != 6333 || len(c.Routes) != 2 || c.Routes[1].User.Username() != "u" ||
		c.Name != "prod" || c.Advertise != "10.0.0.1:6333" || !c.NoAdvertise || c.ConnectRetries != 4 {
		t.Fatalf("cluster options: %+v", c)
	}
	// --cluster_listen is an alias; credentials in it authorize routes.
	cmd, err = parseFlags([]string{"--cluster_listen", "nats://ru:rp@0.0.0.0:7222"}, io.Discard)
	if err != nil || cmd.opts.Cluster.Port != 7222 || cmd.opts.Cluster.Username != "ru" || cmd.opts.Cluster.Password != "rp" {
		t.Fatalf("--cluster_listen: %+v %v", cmd.opts.Cluster, err)
	}
	for _, bad := range [][]string{{"--cluster", "http://x:1"}, {"--routes", "nats://nohost"}} {
		if _, err := parseFlags(bad, io.Discard); err == nil {
			t.Errorf("%v accepted", bad)
		}
	}
}

// Flags override the file's cluster block, the rest of it stays.
func TestClusterFlagsOverrideFile(t *testing.T) {
	path := filepath.Join(t.TempDir(), "c.conf")
	os.WriteFile(path, []byte("cluster { name: file, listen: 127.0.0.1:6222, routes: [nats://x:6222] }\n"), 0o644)
	cmd, err := parseFlags([]string{"-c", path, "--cluster_name", "flag"}, io.Discard)
	if err != nil {
		t.Fatal(err)
	}
	c := cmd.opts.Cluster
	if c.Name != "flag" || c.Port != 6222 || len(c.Routes) != 1 || c.Routes[0].Host != "x:6222" {
		t.Fatalf("%+v", c)
	}
}
