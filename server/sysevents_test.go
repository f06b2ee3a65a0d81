package server

import (
	"encoding/json"
	"fmt"
	"io"
	"net/http"
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
	deadline := time.Now().Add(5 * time.Second)
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
	old, _ := sys.SubscribeSync("$SYS.SERVER.ACCOUNT.*.CONNS")
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

// TestSysRequests: every request subject answers with the monitoring
// endpoint's document in the envelope.
func TestSysRequests(t *testing.T) {
	s := sysServer(t, "")
	sys := accConnect(t, s, "sys")
	a := accConnect(t, s, "a")
	a.SubscribeSync("a.sub")
	a.Flush()
	id := s.ID()
	for _, prefix := range []string{"$SYS.REQ.SERVER.PING.", "$SYS.REQ.SERVER." + id + "."} {
		check := func(suffix, body string, want ...string) {
			t.Helper()
			var env sysEnvelope
			raw := sysReq(t, sys, prefix+suffix, body, &env)
			if env.Server.ID != id || env.Error != nil || env.Server.Seq == 0 {
				t.Fatalf("%s%s: %s", prefix, suffix, raw)
			}
			for _, w := range want {
				if !strings.Contains(string(env.Data), w) {
					t.Fatalf("%s%s: no %s in %s", prefix, suffix, w, env.Data)
				}
			}
		}
		check("VARZ", "", `"server_id":"`+id+`"`, `"system_account":"SYS"`, `"connections":2`)
		check("CONNZ", "", `"num_connections":2`)
		check("CONNZ", `{"subscriptions":true,"acc":"A","auth":true}`, `"num_connections":1`, `"subscriptions_list":["a.sub"]`, `"authorized_user":"a"`)
		check("SUBSZ", `{"subscriptions":true,"account":"A"}`, `"subject":"a.sub"`)
		check("ROUTEZ", "", `"num_routes":0`)
		check("HEALTHZ", "", `{"status":"ok","status_code":200}`)
		check("ACCOUNTZ", "", `"accounts":["$G","A","B","SYS"]`)
		check("ACCOUNTZ", `{"account":"A"}`, `"account_name":"A"`, `"client_connections":1`)
		check("JSZ", "", `"disabled":true`)
		var idz monitor.Idz
		sysReq(t, sys, prefix+"IDZ", "", &idz)
		if idz.ID != id || idz.Name != s.Name() || idz.Host != "127.0.0.1" {
			t.Fatalf("IDZ: %+v", idz)
		}
	}
	// A body that is not JSON is a 400, in nats-server's words.
	var env sysEnvelope
	sysReq(t, sys, "$SYS.REQ.SERVER.PING.CONNZ", "notjson", &env)
	if env.Error == nil || env.Error.Code != 400 || !strings.Contains(env.Error.Description, "invalid character") || env.Data != nil {
		t.Fatalf("bad body: %+v", env)
	}
	env = sysEnvelope{}
	sysReq(t, sys, "$SYS.REQ.SERVER.PING.CONNZ", `{"sort":"bogus"}`, &env)
	if env.Error == nil || env.Error.Description != "invalid sorting option: bogus" {
		t.Fatalf("bad sort: %+v", env)
	}

	// Account requests.
	env = sysEnvelope{}
	sysReq(t, sys, "$SYS.REQ.ACCOUNT.A.CONNZ", `{"auth":true}`, &env)
	var cz monitor.Connz
	json.Unmarshal(env.Data, &cz)
	if cz.NumConns != 1 || len(cz.Conns) != 1 || cz.Conns[0].Account != "A" {
		t.Fatalf("account CONNZ: %s", env.Data)
	}
	env = sysEnvelope{}
	sysReq(t, sys, "$SYS.REQ.ACCOUNT.A.SUBSZ", "", &env)
	// The account's own system services are listed, as nats-server's
	// system imports are.
	if !strings.Contains(string(env.Data), `{"account":"A","account_tag":"A","subject":"a.sub","sid":"1"`) ||
		!strings.Contains(string(env.Data), `{"account":"A","account_tag":"A","subject":"$SYS.REQ.USER.INFO"`) {
		t.Fatalf("account SUBSZ: %s", env.Data)
	}
	env = sysEnvelope{}
	sysReq(t, sys, "$SYS.REQ.ACCOUNT.A.INFO", "", &env)
	var ai monitor.AccountInfo
	json.Unmarshal(env.Data, &ai)
	if ai.AccountName != "A" || ai.ClientCnt != 1 {
		t.Fatalf("account INFO: %s", env.Data)
	}
	// Unknown accounts, answered as nats-server answers.
	raw := sysReq(t, sys, "$SYS.REQ.ACCOUNT.NOPE.INFO", "", nil)
	if !strings.HasSuffix(string(raw), `,"data":null,"error":{"code":500,"description":"Account NOPE does not exist"}}`) {
		t.Fatalf("INFO of an unknown account: %s", raw)
	}
	raw = sysReq(t, sys, "$SYS.REQ.ACCOUNT.NOPE.CONNZ", "", nil)
	if !strings.Contains(string(raw), `"data":{"server_id":"","now":`) || !strings.HasSuffix(string(raw), `"num_connections":0,"total":0,"offset":0,"limit":1024,"connections":null}}`) {
		t.Fatalf("CONNZ of an unknown account: %s", raw)
	}
	var nc monitor.AccountNumConns
	sysReq(t, sys, "$SYS.REQ.ACCOUNT.A.CONNS", "", &nc)
	if nc.Account != "A" || nc.Conns != 1 || nc.Type != monitor.AccountNumConnsType {
		t.Fatalf("account CONNS: %+v", nc)
	}
	// An account without connections here: no answer.
	if _, err := sys.Request("$SYS.REQ.ACCOUNT.B.CONNS", nil, 300*time.Millisecond); err == nil {
		t.Fatal("CONNS answered for an account without connections")
	}
	for _, subj := range []string{"$SYS.REQ.ACCOUNT.A.STATZ", "$SYS.REQ.ACCOUNT.PING.STATZ"} {
		env = sysEnvelope{}
		sysReq(t, sys, subj, `{"accounts":["A"]}`, &env)
		var st monitor.AccountStatz
		json.Unmarshal(env.Data, &st)
		if len(st.Accounts) != 1 || st.Accounts[0].Account != "A" || st.Accounts[0].Conns != 1 {
			t.Fatalf("%s: %s", subj, env.Data)
		}
	}
	// USER.INFO names the requester.
	env = sysEnvelope{}
	sysReq(t, sys, "$SYS.REQ.USER.INFO", "", &env)
	if string(env.Data) != `{"user":"sys","account":"SYS","account_name":"SYS"}` {
		t.Fatalf("USER.INFO: %s", env.Data)
	}
	// Any account's users may ask who they are, and list their own
	// account's connections and statistics.
	env = sysEnvelope{}
	sysReq(t, a, "$SYS.REQ.USER.INFO", "", &env)
	if string(env.Data) != `{"user":"a","account":"A","account_name":"A"}` {
		t.Fatalf("USER.INFO from A: %s", env.Data)
	}
	for _, subj := range []string{"$SYS.REQ.SERVER.PING.CONNZ", "$SYS.REQ.ACCOUNT.PING.CONNZ"} {
		env = sysEnvelope{}
		sysReq(t, a, subj, `{"auth":true}`, &env)
		cz = monitor.Connz{}
		json.Unmarshal(env.Data, &cz)
		if cz.NumConns != 1 || cz.Conns[0].Account != "A" {
			t.Fatalf("%s from A: %s", subj, env.Data)
		}
	}
	env = sysEnvelope{}
	sysReq(t, a, "$SYS.REQ.ACCOUNT.PING.STATZ", `{"accounts":["SYS"]}`, &env)
	if !strings.Contains(string(env.Data), `"account_statz":[{"acc":"A",`) {
		t.Fatalf("STATZ from A: %s", env.Data)
	}
	// Filters: a PING naming another server is not answered.
	if _, err := sys.Request("$SYS.REQ.SERVER.PING.VARZ", []byte(`{"server_name":"nope"}`), 300*time.Millisecond); err == nil {
		t.Fatal("a filtered-out server answered")
	}
	sysReq(t, sys, "$SYS.REQ.SERVER.PING.VARZ", fmt.Sprintf(`{"server_name":%q,"exact_match":true}`, s.Name()), nil)
	// An unknown suffix stays silent; the server keeps serving.
	if _, err := sys.Request("$SYS.REQ.SERVER.PING.NOPE", nil, 300*time.Millisecond); err == nil {
		t.Fatal("unknown request answered")
	}
	sysReq(t, sys, "$SYS.REQ.SERVER.PING", "", nil)
	// Other accounts cannot reach the system account's subjects.
	if _, err := a.Request("$SYS.REQ.SERVER.PING", nil, 300*time.Millisecond); err == nil {
		t.Fatal("account A reached the system services")
	}
}

// TestSysCluster: a PING reaches every node of a 3-node cluster and each
// answers once; a node's own subject reaches it from anywhere; the
// advisories of a client on another node arrive.
func TestSysCluster(t *testing.T) {
	servers := sysCluster(t, 3)
	sys := accConnect(t, servers[0], "sys")
	// Wait for the system interest of every node to reach n1.
	clWaitFor(t, clusterWait, "every node answering PING", func() bool {
		return len(sysAnswers(t, sys, "$SYS.REQ.SERVER.PING", "", 3)) == 3
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

// TestAccStatz: the /accstatz endpoint.
func TestAccStatz(t *testing.T) {
	s := sysServer(t, "http: 127.0.0.1:-1\n")
	a := accConnect(t, s, "a")
	a.Publish("x", []byte("12345"))
	a.Flush()
	get := func(q string) *monitor.AccountStatz {
		t.Helper()
		resp, err := http.Get("http://" + s.MonitorAddr().String() + "/accstatz" + q)
		if err != nil {
			t.Fatal(err)
		}
		defer resp.Body.Close()
		b, _ := io.ReadAll(resp.Body)
		if resp.StatusCode != 200 {
			t.Fatalf("/accstatz%s: %d %s", q, resp.StatusCode, b)
		}
		var st monitor.AccountStatz
		if err := json.Unmarshal(b, &st); err != nil {
			t.Fatal(err)
		}
		return &st
	}
	st := get("")
	if len(st.Accounts) != 1 || st.Accounts[0].Account != "A" || st.Accounts[0].Received.Msgs != 1 || st.Accounts[0].Received.Bytes != 5 {
		t.Fatalf("/accstatz: %+v", st.Accounts)
	}
	var names []string
	for _, a := range get("?unused=1").Accounts {
		names = append(names, a.Account)
	}
	if fmt.Sprint(names) != "[$G SYS A B]" {
		t.Fatalf("/accstatz?unused=1: %v", names)
	}
	resp, err := http.Get("http://" + s.MonitorAddr().String() + "/accstatz?unused=x")
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if resp.StatusCode != 400 {
		t.Fatalf("bad unused: %d", resp.StatusCode)
	}
	// Closed connections still count.
	a.Close()
	clWaitFor(t, clusterWait, "A's connection gone", func() bool { return s.lookupAccount("A").connCount(s) == 0 })
	for _, as := range get("?unused=1").Accounts {
		if as.Account == "A" && (as.Received.Msgs != 1 || as.Conns != 0) {
			t.Fatalf("A after close: %+v", as)
		}
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

// TestSysKick: $SYS.REQ.SERVER.<id>.KICK disconnects a client ("Kicked");
// an unknown one is a 500; PING.KICK kicks nobody.
func TestSysKick(t *testing.T) {
	s := sysServer(t, "")
	sys := accConnect(t, s, "sys")
	a := accConnect(t, s, "a", nats.NoReconnect())
	var cz monitor.Connz
	var env sysEnvelope
	sysReq(t, sys, "$SYS.REQ.ACCOUNT.A.CONNZ", "", &env)
	json.Unmarshal(env.Data, &cz)
	cid := cz.Conns[0].Cid
	if _, err := sys.Request("$SYS.REQ.SERVER.PING.KICK", []byte(fmt.Sprintf(`{"cid":%d}`, cid)), 300*time.Millisecond); err == nil || a.IsClosed() {
		t.Fatalf("PING.KICK: %v, closed %v", err, a.IsClosed())
	}
	raw := sysReq(t, sys, "$SYS.REQ.SERVER."+s.ID()+".KICK", fmt.Sprintf(`{"cid":%d}`, cid), nil)
	// Success: the envelope's server alone, as nats-server answers.
	if !strings.HasPrefix(string(raw), `{"server":{`) || !strings.HasSuffix(string(raw), `Z"}}`) ||
		strings.Contains(string(raw), `"data"`) || strings.Contains(string(raw), `"error"`) {
		t.Fatalf("KICK: %s", raw)
	}
	clWaitFor(t, clusterWait, "kicked client closed", a.IsClosed)
	cz = monitor.Connz{}
	env = sysEnvelope{}
	sysReq(t, sys, "$SYS.REQ.SERVER.PING.CONNZ", `{"state":1,"acc":"A"}`, &env)
	json.Unmarshal(env.Data, &cz)
	if len(cz.Conns) != 1 || cz.Conns[0].Reason != "Kicked" {
		t.Fatalf("closed: %s", env.Data)
	}
	env = sysEnvelope{}
	sysReq(t, sys, "$SYS.REQ.SERVER."+s.ID()+".KICK", `{"cid":999}`, &env)
	if env.Error == nil || env.Error.Code != 500 || env.Error.Description != "no such client or leafnode id" {
		t.Fatalf("KICK of an unknown client: %+v", env)
	}
}

// TestSysRegister: handlers other files register (server suffixes,
// multi-token account suffixes) are answered; a whole subject under the
// suffix tables' prefixes is refused.
func TestSysRegister(t *testing.T) {
	registerServerRequest("NATSDTESTZ", func(r *sysRequest) (any, error) {
		return map[string]bool{"ping": r.ping}, nil
	})
	registerAccountRequest("NATSDTEST.MULTI", func(r *sysRequest) (any, error) {
		return map[string]string{"account": r.account}, nil
	})
	s := sysServer(t, "")
	sys := accConnect(t, s, "sys")
	var env sysEnvelope
	sysReq(t, sys, "$SYS.REQ.SERVER.PING.NATSDTESTZ", "", &env)
	if string(env.Data) != `{"ping":true}` {
		t.Fatalf("PING.NATSDTESTZ: %s", env.Data)
	}
	sysReq(t, sys, "$SYS.REQ.SERVER."+s.ID()+".NATSDTESTZ", "", &env)
	if string(env.Data) != `{"ping":false}` {
		t.Fatalf("<id>.NATSDTESTZ: %s", env.Data)
	}
	sysReq(t, sys, "$SYS.REQ.ACCOUNT.A.NATSDTEST.MULTI", "", &env)
	if string(env.Data) != `{"account":"A"}` {
		t.Fatalf("ACCOUNT.A.NATSDTEST.MULTI: %s", env.Data)
	}
	defer func() {
		if recover() == nil {
			t.Fatal("registerSysSubject accepted a subject of the account table")
		}
	}()
	registerSysSubject("$SYS.REQ.ACCOUNT.*.NATSDTEST", false, nil)
}
