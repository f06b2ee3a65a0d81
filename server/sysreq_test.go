package server

import (
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/nats-io/nats.go"

	"github.com/natsd/natsd/monitor"
)

// The $SYS.REQ request API (sysreq.go, sysreq_handlers.go) and /accstatz.
// Helpers (sysServer, sysReq, sysEnvelope, ...) are in sysevents_test.go.

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
		check("LEAFZ", `{"subscriptions":true}`, `"leafnodes":0`)
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
	sysReq(t, sys, "$SYS.REQ.ACCOUNT.A.LEAFZ", "", &env)
	if !strings.Contains(string(env.Data), `"leafnodes":0`) {
		t.Fatalf("account LEAFZ: %s", env.Data)
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

// TestSysAccountJSZ: $SYS.REQ.ACCOUNT.<acc>.JSZ answers the account's
// /jsz account detail (its streams with {"streams":true}), and
// nats-server's errors for an account without JetStream or unknown.
func TestSysAccountJSZ(t *testing.T) {
	dir := t.TempDir()
	o := accOpts(t, strings.Replace(sysAccounts, "A: { users", "A: { jetstream: enabled, users", 1)+
		fmt.Sprintf("jetstream { store_dir: %q }\n", dir))
	s := clStart(t, o)
	sys := accConnect(t, s, "sys")
	js, err := accConnect(t, s, "a").JetStream()
	opMust(t, err)
	_, err = js.AddStream(&nats.StreamConfig{Name: "S", Subjects: []string{"s"}})
	opMust(t, err)

	var env sysEnvelope
	sysReq(t, sys, "$SYS.REQ.ACCOUNT.A.JSZ", "", &env)
	if env.Error != nil || !strings.HasPrefix(string(env.Data), `{"name":"A","id":"A","memory":0,"storage":0,"reserved_memory":18446744073709551615`) ||
		strings.Contains(string(env.Data), "stream_detail") {
		t.Fatalf("JSZ of A: %s", env.Data)
	}
	env = sysEnvelope{}
	sysReq(t, sys, "$SYS.REQ.ACCOUNT.A.JSZ", `{"streams":true}`, &env)
	if !strings.Contains(string(env.Data), `"stream_detail":[{"name":"S"`) {
		t.Fatalf("JSZ of A with streams: %s", env.Data)
	}
	for acc, want := range map[string]string{
		"B":    `"data":null,"error":{"code":500,"description":"account \"B\" not jetstream enabled"}}`,
		"NOPE": `"data":null,"error":{"code":500,"description":"account \"NOPE\" not found"}}`,
	} {
		if raw := sysReq(t, sys, "$SYS.REQ.ACCOUNT."+acc+".JSZ", "", nil); !strings.HasSuffix(string(raw), want) {
			t.Fatalf("JSZ of %s: %s", acc, raw)
		}
	}
	// A server without JetStream says so, for any account.
	plain := accConnect(t, sysServer(t, ""), "sys")
	if raw := sysReq(t, plain, "$SYS.REQ.ACCOUNT.A.JSZ", "", nil); !strings.HasSuffix(string(raw), `"data":null,"error":{"code":500,"description":"jetstream not enabled"}}`) {
		t.Fatalf("JSZ without JetStream: %s", raw)
	}
}
