//go:build !refserver

package test

import (
	"context"
	"encoding/json"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/nats-io/nats.go"

	"github.com/natsd/natsd/server"
)

const natscliSysConf = `
server_name: %s
listen: 127.0.0.1:-1
accounts {
  SYS: { users: [ { user: sys, password: sys } ] }
  A: { users: [ { user: a, password: a } ] }
  B: { users: [ { user: b, password: b } ] }
}
system_account: SYS
cluster { name: natscli, listen: 127.0.0.1:-1, routes: [ %s ] }
`

// natscliCluster starts three natsd nodes with a system account, routed
// to the first, and waits for the full mesh.
func natscliCluster(t *testing.T) []*server.Server {
	t.Helper()
	start := func(name, routes string) *server.Server {
		path := filepath.Join(t.TempDir(), name+".conf")
		os.WriteFile(path, []byte(fmt.Sprintf(natscliSysConf, name, routes)), 0o600)
		o, err := server.ProcessConfigFile(path)
		if err != nil {
			t.Fatal(err)
		}
		o.NoLog = true
		s, err := server.New(o)
		if err != nil {
			t.Fatal(err)
		}
		if err := s.Start(); err != nil {
			t.Fatal(err)
		}
		t.Cleanup(s.Shutdown)
		return s
	}
	seed := start("n1", "")
	route := "nats://" + seed.ClusterAddr().String()
	servers := []*server.Server{seed, start("n2", route), start("n3", route)}
	waitFor(t, 10*time.Second, "full mesh", func() bool {
		for _, s := range servers {
			if s.NumRoutes() != 2 {
				return false
			}
		}
		return true
	})
	return servers
}

// TestNatsCLIServerCommands runs natscli as a system-account user against
// a 3-node natsd cluster: server list, info, ping, report connections and
// report accounts show every node and the right connection counts.
// Skipped without $NATS_CLI, unless NATSD_REQUIRE_NATSCLI is set (as
// scripts/test.sh does).
func TestNatsCLIServerCommands(t *testing.T) {
	cli := natsCLI(t)
	servers := natscliCluster(t)
	// Clients: A has 2 on n1 and 1 on n2, B one on n3.
	connect := func(s *server.Server, user string) {
		nc, err := nats.Connect(s.ClientURL(), nats.UserInfo(user, user), nats.Name(user+"-app"), nats.Timeout(readTimeout))
		if err != nil {
			t.Fatal(err)
		}
		t.Cleanup(nc.Close)
		nc.SubscribeSync(user + ".updates")
		nc.Flush()
	}
	connect(servers[0], "a")
	connect(servers[0], "a")
	connect(servers[1], "a")
	connect(servers[2], "b")
	// Every node's system services are reachable from n1 before natscli
	// runs (interest crosses the routes asynchronously).
	sys, err := nats.Connect(servers[0].ClientURL(), nats.UserInfo("sys", "sys"), nats.Timeout(readTimeout))
	if err != nil {
		t.Fatal(err)
	}
	defer sys.Close()
	waitFor(t, 2*waitTimeout, "three PING answers", func() bool {
		inbox := nats.NewInbox()
		sub, _ := sys.SubscribeSync(inbox)
		defer sub.Unsubscribe()
		sys.PublishRequest("$SYS.REQ.SERVER.PING", inbox, nil)
		for i := 0; i < 3; i++ {
			if _, err := sub.NextMsg(time.Second); err != nil {
				return false
			}
		}
		return true
	})
	sys.Close()

	nats := func(args ...string) string {
		t.Helper()
		ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
		defer cancel()
		cmd := exec.CommandContext(ctx, cli, append([]string{"--server", servers[0].ClientURL(), "--user", "sys", "--password", "sys", "--no-context", "--timeout", "20s"}, args...)...)
		cmd.Env = append(os.Environ(), "HOME="+t.TempDir(), "XDG_CONFIG_HOME="+t.TempDir())
		out, err := cmd.CombinedOutput()
		if err != nil {
			t.Fatalf("nats %s: %v\n%s", strings.Join(args, " "), err, out)
		}
		return string(out)
	}

	// server list: one entry per node, with its connections.
	var list []struct {
		Server struct {
			Name    string `json:"name"`
			ID      string `json:"id"`
			Cluster string `json:"cluster"`
		} `json:"server"`
		Stats struct {
			Connections   int `json:"connections"`
			ActiveServers int `json:"active_servers"`
			Routes        []struct {
				Name string `json:"name"`
			} `json:"routes"`
		} `json:"statsz"`
	}
	if err := json.Unmarshal([]byte(nats("server", "list", "3", "--json")), &list); err != nil {
		t.Fatal(err)
	}
	conns := map[string]int{}
	for _, e := range list {
		conns[e.Server.Name] = e.Stats.Connections
		if e.Server.Cluster != "natscli" || e.Stats.ActiveServers != 3 || len(e.Stats.Routes) == 0 {
			t.Fatalf("server list entry: %+v", e)
		}
	}
	// n1 also has natscli's own connection.
	if len(list) != 3 || conns["n1"] != 3 || conns["n2"] != 1 || conns["n3"] != 1 {
		t.Fatalf("server list: %v", conns)
	}
	if out := nats("server", "list", "3"); !strings.Contains(out, "n1") || !strings.Contains(out, "n2") || !strings.Contains(out, "n3") ||
		!strings.Contains(out, "natscli") {
		t.Fatalf("server list table:\n%s", out)
	}

	// server info of one node, by name.
	out := nats("server", "info", "n2")
	if !strings.Contains(out, "Server information for n2 ("+servers[1].ID()+")") || !strings.Contains(out, server.Version) {
		t.Fatalf("server info:\n%s", out)
	}

	// server ping: three answers.
	out = nats("server", "ping", "3")
	for _, n := range []string{"n1", "n2", "n3"} {
		if !strings.Contains(out, n+" ") {
			t.Fatalf("server ping: no %s in\n%s", n, out)
		}
	}
	if !strings.Contains(out, "3 replies") {
		t.Fatalf("server ping:\n%s", out)
	}

	// server report connections: every client, with its account and node.
	var report []struct {
		Cid     uint64 `json:"cid"`
		Name    string `json:"name"`
		Account string `json:"account"`
		User    string `json:"authorized_user"`
		Server  struct {
			Name string `json:"name"`
		} `json:"server"`
	}
	if err := json.Unmarshal([]byte(nats("server", "report", "connections", "--json")), &report); err != nil {
		t.Fatal(err)
	}
	perServer := map[string]int{}
	perAccount := map[string]int{}
	for _, c := range report {
		perServer[c.Server.Name]++
		perAccount[c.Account]++
	}
	if len(report) != 5 || perServer["n1"] != 3 || perServer["n2"] != 1 || perServer["n3"] != 1 ||
		perAccount["A"] != 3 || perAccount["B"] != 1 || perAccount["SYS"] != 1 {
		t.Fatalf("report connections: per server %v, per account %v", perServer, perAccount)
	}
	if out := nats("server", "report", "connections"); !strings.Contains(out, "a-app") || !strings.Contains(out, "Connections per server") {
		t.Fatalf("report connections table:\n%s", out)
	}

	// server report accounts: connections and subscriptions per account.
	var accs []struct {
		Account     string `json:"account"`
		Connections int    `json:"connections"`
	}
	if err := json.Unmarshal([]byte(nats("server", "report", "accounts", "--json")), &accs); err != nil {
		t.Fatal(err)
	}
	got := map[string]int{}
	for _, a := range accs {
		got[a.Account] = a.Connections
	}
	if got["A"] != 3 || got["B"] != 1 || got["SYS"] != 1 {
		t.Fatalf("report accounts: %v", got)
	}
	if out := nats("server", "report", "accounts"); !strings.Contains(out, "Accounts Overview") || !strings.Contains(out, "SYS") {
		t.Fatalf("report accounts table:\n%s", out)
	}
}
