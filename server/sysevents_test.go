package server

import (
	"encoding/json"
	"fmt"
	"os"
	"strings"
	"testing"
	"time"

	"github.com/nats-io/nats.go"

	"github.com/natsd/natsd/monitor"
)

const sysAccounts = `
accounts {
  SYS: { users: [ { user: sys, password: sys } ] }
  A: { users: [ { user: a, password: a }, { user: a2, password: a2 } ] }
  B: { users: [ { user: b, password: b } ] }
}
system_account: SYS
`

// sysServer starts one server with sysAccounts.
func sysServer(t *testing.T, extra string) *Server {
	t.Helper()
	return clStart(t, accOpts(t, sysAccounts+extra))
}

// sysCluster starts n nodes with sysAccounts.
func sysCluster(t *testing.T, n int) []*Server {
	t.Helper()
	return clStartCluster(t, n, func(i int, o *Options) {
		f := accOpts(t, sysAccounts)
		o.Accounts, o.Users, o.SystemAccount = f.Accounts, f.Users, f.SystemAccount
	})
}

// sysRequest sends a request and decodes the one answer into v.
func sysReq(t *testing.T, nc *nats.Conn, subject, body string, v any) []byte {
	t.Helper()
	m, err := nc.Request(subject, []byte(body), 5*time.Second)
	if err != nil {
		t.Fatalf("request %s: %v", subject, err)
	}
	if v != nil {
		if err := json.Unmarshal(m.Data, v); err != nil {
			t.Fatalf("%s: %v: %s", subject, err, m.Data)
		}
	}
	return m.Data
}

// sysAnswers collects every answer to a request for a while: how many
// servers answered, and their bodies.
func sysAnswers(t *testing.T, nc *nats.Conn, subject, body string, want int) [][]byte {
	return sysAnswersWithin(t, nc, subject, body, want, 10*time.Second)
}

// sysAnswersWithin is sysAnswers waiting at most within for want answers.
func sysAnswersWithin(t *testing.T, nc *nats.Conn, subject, body string, want int, within time.Duration) [][]byte {
	t.Helper()
	inbox := nats.NewInbox()
	sub, err := nc.SubscribeSync(inbox)
	if err != nil {
		t.Fatal(err)
	}
	defer sub.Unsubscribe()
	if err := nc.PublishRequest(subject, inbox, []byte(body)); err != nil {
		t.Fatal(err)
	}
	var out [][]byte
	deadline := time.Now().Add(within)
	for len(out) < want && time.Now().Before(deadline) {
		m, err := sub.NextMsg(time.Until(deadline))
		if err != nil {
			break
		}
		out = append(out, m.Data)
	}
	// No extra answers: give stragglers a moment.
	if m, err := sub.NextMsg(200 * time.Millisecond); err == nil {
		out = append(out, m.Data)
	}
	return out
}

type sysEnvelope struct {
	Server monitor.ServerInfo      `json:"server"`
	Data   json.RawMessage         `json:"data"`
	Error  *monitor.ServerAPIError `json:"error"`
}

// TestSysAdvisories: connect and disconnect advisories and the account's
// connection counts, in nats-server's layout.
func TestSysAdvisories(t *testing.T) {
	s := sysServer(t, "")
	sys := accConnect(t, s, "sys")
	events, _ := sys.SubscribeSync("$SYS.ACCOUNT.A.>")
	// A's only: the system user's own connect may still be announced
	// (the system loop runs apart from the connection).
	old, _ := sys.SubscribeSync("$SYS.SERVER.ACCOUNT.A.CONNS")
	sys.Flush()

	a := accConnect(t, s, "a", nats.Name("app"))
	a.Publish("foo", []byte("hello"))
	a.Flush()
	a.Close()

	next := func(sub *nats.Subscription) *nats.Msg {
		t.Helper()
		m, err := sub.NextMsg(5 * time.Second)
		if err != nil {
			t.Fatal(err)
		}
		return m
	}
	var subjects []string
	var connect monitor.ConnectEventMsg
	var disconnect monitor.DisconnectEventMsg
	var conns []monitor.AccountNumConns
	for len(subjects) < 4 {
		m := next(events)
		subjects = append(subjects, m.Subject)
		switch {
		case strings.HasSuffix(m.Subject, ".CONNECT"):
			json.Unmarshal(m.Data, &connect)
		case strings.HasSuffix(m.Subject, ".DISCONNECT"):
			json.Unmarshal(m.Data, &disconnect)
		default:
			var c monitor.AccountNumConns
			json.Unmarshal(m.Data, &c)
			conns = append(conns, c)
		}
	}
	want := []string{"$SYS.ACCOUNT.A.SERVER.CONNS", "$SYS.ACCOUNT.A.CONNECT", "$SYS.ACCOUNT.A.SERVER.CONNS", "$SYS.ACCOUNT.A.DISCONNECT"}
	if fmt.Sprint(subjects) != fmt.Sprint(want) {
		t.Fatalf("subjects %v, want %v", subjects, want)
	}
	if connect.Type != monitor.ConnectEventType || connect.Server.ID != s.ID() || connect.Client.Account != "A" ||
		connect.Client.User != "a" || connect.Client.Name != "app" || connect.Client.Kind != "Client" || connect.ID == "" {
		t.Fatalf("connect: %+v %+v", connect, connect.Client)
	}
	if disconnect.Type != monitor.DisconnectEventType || disconnect.Reason != "Client Closed" ||
		disconnect.Sent.Msgs != 1 || disconnect.Sent.Bytes != 5 || disconnect.Client.Stop == nil {
		t.Fatalf("disconnect: %+v", disconnect)
	}
	if disconnect.Server.Seq <= connect.Server.Seq {
		t.Fatalf("seq not increasing: %d then %d", connect.Server.Seq, disconnect.Server.Seq)
	}
	if conns[0].Conns != 1 || conns[1].Conns != 0 || conns[1].Received.Msgs != 1 || conns[0].Type != monitor.AccountNumConnsType {
		t.Fatalf("account conns: %+v", conns)
	}
	// The older subject carries the same events.
	for i := 0; i < 2; i++ {
		if m := next(old); m.Subject != "$SYS.SERVER.ACCOUNT.A.CONNS" {
			t.Fatalf("old conns subject %q", m.Subject)
		}
	}

	// The exact bytes of a connect advisory: field order as nats-server's.
	a = accConnect(t, s, "a2")
	raw := next(events).Data // CONNS
	if !strings.HasPrefix(string(raw), `{"type":"io.nats.server.advisory.v1.account_connections","id":"`) ||
		!strings.Contains(string(raw), `,"acc":"A","name":"A","conns":1,"leafnodes":0,"total_conns":1,"num_subscriptions":4,"sent":{"msgs":0,"bytes":0,"gateways":{"msgs":0,"bytes":0},"routes":{"msgs":0,"bytes":0},"leafs":{"msgs":0,"bytes":0}},`) {
		t.Fatalf("account conns bytes: %s", raw)
	}
	raw = next(events).Data
	if !strings.Contains(string(raw), fmt.Sprintf(`"server":{"name":%q,"host":"127.0.0.1","id":%q,"ver":%q,"feature_flags":{"js_ack_fc_v2":false,"js_api_reply_v2":false,"js_raft_delete_range":true,"js_snapshot_sources":false},"jetstream":false,"flags":0,"seq":`, s.Name(), s.ID(), Version)) ||
		!strings.HasSuffix(string(raw), `"acc":"A","user":"a2","lang":"go","ver":"`+nats.Version+`","name_tag":"A","kind":"Client","client_type":"nats"}}`) {
		t.Fatalf("connect bytes: %s", raw)
	}
	a.Close()
}

// TestSysStatsz: the periodic STATSZ and the answer to PING.
func TestSysStatsz(t *testing.T) {
	s := sysServer(t, "")
	sys := accConnect(t, s, "sys")
	sub, _ := sys.SubscribeSync("$SYS.SERVER.*.STATSZ")
	m, err := sub.NextMsg(5 * time.Second)
	if err != nil {
		t.Fatal(err)
	}
	if m.Subject != "$SYS.SERVER."+s.ID()+".STATSZ" {
		t.Fatalf("subject %q", m.Subject)
	}
	var st monitor.ServerStatsMsg
	if err := json.Unmarshal(m.Data, &st); err != nil {
		t.Fatal(err)
	}
	if st.Server.Name != s.Name() || st.Stats.Connections != 1 || st.Stats.ActiveServers != 1 || st.Stats.Cores == 0 || st.Stats.Start.IsZero() {
		t.Fatalf("statsz: %s", m.Data)
	}
	for _, subj := range []string{"$SYS.REQ.SERVER.PING", "$SYS.REQ.SERVER.PING.STATSZ", "$SYS.REQ.SERVER." + s.ID() + ".STATSZ"} {
		var st monitor.ServerStatsMsg
		raw := sysReq(t, sys, subj, "", &st)
		if st.Server.ID != s.ID() || st.Stats.Connections != 1 || !strings.Contains(string(raw), `"statsz":{"start":`) {
			t.Fatalf("%s: %s", subj, raw)
		}
	}
}

// TestSysCluster: a PING reaches every node of a 3-node cluster and each
// answers once; a node's own subject reaches it from anywhere; the
// advisories of a client on another node arrive.
func TestSysCluster(t *testing.T) {
	servers := sysCluster(t, 3)
	sys := accConnect(t, servers[0], "sys")
	// Wait for the system interest of every node to reach n1: a PING
	// sent before then is not answered by all, so each try is short.
	clWaitFor(t, 2*clusterWait, "every node answering PING", func() bool {
		return len(sysAnswersWithin(t, sys, "$SYS.REQ.SERVER.PING", "", 3, time.Second)) == 3
	})
	for _, subj := range []string{"$SYS.REQ.SERVER.PING", "$SYS.REQ.SERVER.PING.VARZ", "$SYS.REQ.SERVER.PING.CONNZ", "$SYS.REQ.SERVER.PING.IDZ", "$SYS.REQ.SERVER.PING.HEALTHZ"} {
		got := sysAnswers(t, sys, subj, "", 3)
		if len(got) != 3 {
			t.Fatalf("%s: %d answers", subj, len(got))
		}
		names := map[string]bool{}
		for _, b := range got {
			var env struct {
				Server monitor.ServerInfo `json:"server"`
				Name   string             `json:"name"`
			}
			json.Unmarshal(b, &env)
			names[env.Server.Name+env.Name] = true
			if env.Server.Name != "" && env.Server.Cluster != "test" {
				t.Fatalf("%s: cluster %q", subj, env.Server.Cluster)
			}
		}
		if !names["n1"] || !names["n2"] || !names["n3"] {
			t.Fatalf("%s: answers from %v", subj, names)
		}
	}
	// Filtered to one node.
	if got := sysAnswers(t, sys, "$SYS.REQ.SERVER.PING.VARZ", `{"server_name":"n2","exact_match":true}`, 1); len(got) != 1 {
		t.Fatalf("filtered PING: %d answers", len(got))
	}
	// A node by id, from n1.
	var env sysEnvelope
	sysReq(t, sys, "$SYS.REQ.SERVER."+servers[2].ID()+".VARZ", "", &env)
	if env.Server.Name != "n3" {
		t.Fatalf("n3 by id: %+v", env.Server)
	}
	// STATSZ counts the other servers and lists the routes.
	var st monitor.ServerStatsMsg
	sysReq(t, sys, "$SYS.REQ.SERVER."+servers[1].ID()+".STATSZ", "", &st)
	if st.Stats.ActiveServers != 3 || len(st.Stats.Routes) == 0 {
		t.Fatalf("n2 statsz: %+v", st.Stats)
	}
	// Advisories of clients on other nodes reach n1's subscriber.
	events, _ := sys.SubscribeSync("$SYS.ACCOUNT.A.CONNECT")
	sys.Flush()
	clWaitFor(t, clusterWait, "advisory interest on n3", func() bool {
		return servers[2].lookupAccount("SYS").sl.HasInterest([]byte("$SYS.ACCOUNT.A.CONNECT"))
	})
	accConnect(t, servers[2], "a")
	m, err := events.NextMsg(5 * time.Second)
	if err != nil {
		t.Fatal(err)
	}
	var ev monitor.ConnectEventMsg
	json.Unmarshal(m.Data, &ev)
	if ev.Server.Name != "n3" || ev.Client.Account != "A" {
		t.Fatalf("remote connect: %s", m.Data)
	}
	// Account CONNS: only n3 has A's client.
	if got := sysAnswers(t, sys, "$SYS.REQ.ACCOUNT.A.CONNS", "", 1); len(got) != 1 || !strings.Contains(string(got[0]), `"name":"n3"`) {
		t.Fatalf("account CONNS across the cluster: %q", got)
	}
}

// TestSysJetStream: with JetStream on, the server info says so and STATSZ
// carries its usage, without the store directory (as nats-server's).
func TestSysJetStream(t *testing.T) {
	dir := t.TempDir()
	o := accOpts(t, strings.Replace(sysAccounts, "A: { users", "A: { jetstream: enabled, users", 1)+
		fmt.Sprintf("jetstream { store_dir: %q }\n", dir))
	s := clStart(t, o)
	sys := accConnect(t, s, "sys")
	var st monitor.ServerStatsMsg
	raw := sysReq(t, sys, "$SYS.REQ.SERVER.PING", "", &st)
	if !st.Server.JetStream || st.Server.Flags != 7 || st.Stats.JetStream == nil || st.Stats.JetStream.Config == nil ||
		st.Stats.JetStream.Stats.Accounts != 1 || strings.Contains(string(raw), "store_dir") {
		t.Fatalf("statsz with JetStream: %s", raw)
	}
	var env sysEnvelope
	sysReq(t, sys, "$SYS.REQ.SERVER.PING.JSZ", `{"accounts":true}`, &env)
	if !strings.Contains(string(env.Data), `"account_details":[{"name":"A"`) {
		t.Fatalf("JSZ: %s", env.Data)
	}
}

// TestSysReload: an account added on reload gets its own system services,
// a removed one loses them.
func TestSysReload(t *testing.T) {
	o := accOpts(t, sysAccounts)
	s := clStart(t, o)
	accB := s.lookupAccount("B")
	if n := accB.sl.Count(); n != 4 {
		t.Fatalf("B's system service subscriptions: %d", n)
	}
	text := "listen: 127.0.0.1:-1\n" + strings.Replace(sysAccounts, "B: { users: [ { user: b, password: b } ] }", "C: { users: [ { user: c, password: c } ] }", 1)
	if err := os.WriteFile(o.ConfigFile, []byte(text), 0o600); err != nil {
		t.Fatal(err)
	}
	if err := s.Reload(); err != nil {
		t.Fatal(err)
	}
	if n := accB.sl.Count(); n != 0 {
		t.Fatalf("removed account B keeps %d subscriptions", n)
	}
	c := accConnect(t, s, "c")
	var env sysEnvelope
	sysReq(t, c, "$SYS.REQ.USER.INFO", "", &env)
	if string(env.Data) != `{"user":"c","account":"C","account_name":"C"}` {
		t.Fatalf("USER.INFO from C: %s", env.Data)
	}
}

// TestSysAuthError: a client that fails to authenticate is announced on
// $SYS.SERVER.<id>.CLIENT.AUTH.ERR and as a disconnect from $G, with no
// connection count.
func TestSysAuthError(t *testing.T) {
	s := sysServer(t, "")
	sys := accConnect(t, s, "sys")
	sub, _ := sys.SubscribeSync("$SYS.>")
	sys.Flush()
	if _, err := nats.Connect(s.ClientURL(), nats.UserInfo("a", "wrong")); err == nil {
		t.Fatal("bad password accepted")
	}
	var subjects []string
	var ev monitor.DisconnectEventMsg
	for len(subjects) < 2 {
		m, err := sub.NextMsg(5 * time.Second)
		if err != nil {
			t.Fatalf("after %v: %v", subjects, err)
		}
		if strings.HasSuffix(m.Subject, ".STATSZ") || strings.HasPrefix(m.Subject, "$SYS.ACCOUNT.SYS.") {
			continue // the periodic statistics, the sys user's own events
		}
		subjects = append(subjects, m.Subject)
		json.Unmarshal(m.Data, &ev)
		if ev.Type != monitor.DisconnectEventType || ev.Reason != "Authentication Failure" || ev.Client.Account != "$G" || ev.Client.User != "a" {
			t.Fatalf("%s: %s", m.Subject, m.Data)
		}
	}
	if want := fmt.Sprint([]string{"$SYS.SERVER." + s.ID() + ".CLIENT.AUTH.ERR", "$SYS.ACCOUNT.$G.DISCONNECT"}); fmt.Sprint(subjects) != want {
		t.Fatalf("subjects %v, want %v", subjects, want)
	}
}
