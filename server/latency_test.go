package server

import (
	"encoding/json"
	"strings"
	"testing"
	"time"

	"github.com/nats-io/jwt/v2"
	"github.com/nats-io/nats.go"
)

// latencyMsg decodes a latency message, failing on anything else.
func latencyMsg(t *testing.T, sub *nats.Subscription) (map[string]any, *serviceLatency) {
	t.Helper()
	m, err := sub.NextMsg(5 * time.Second)
	if err != nil {
		t.Fatalf("no latency message: %v", err)
	}
	var raw map[string]any
	var sl serviceLatency
	opMust(t, json.Unmarshal(m.Data, &raw))
	opMust(t, json.Unmarshal(m.Data, &sl))
	if sl.Type != serviceLatencyType || sl.Status != 200 || sl.ID == "" {
		t.Fatalf("latency message %s", m.Data)
	}
	if sl.Total != sl.Service+sl.System+time.Duration(sl.Requestor.RTT)+time.Duration(sl.Responder.RTT) {
		t.Fatalf("total is not service + system + the round trips: %s", m.Data)
	}
	if sl.Service <= 0 || sl.Start.IsZero() {
		t.Fatalf("latency message %s", m.Data)
	}
	return raw, &sl
}

// TestServiceLatency: a service export with latency publishes, for each
// request made through an import, nats-server's service_latency message
// on the results subject in the exporting account; the requestor is
// described in full only when the import shares, and by account and
// round trip otherwise. Requests to exports without latency publish
// nothing.
func TestServiceLatency(t *testing.T) {
	o := accOpts(t, `accounts {
  A: { users: [{user: a, password: a}], exports: [
    {service: "svc", latency: { sampling: 100%, subject: "lat" }},
    {service: "svc2", latency: { sampling: 100, results: "lat2" }},
    {service: "plain"} ] }
  B: { users: [{user: b, password: b}], imports: [
    {service: {account: A, subject: "svc"}, share: true},
    {service: {account: A, subject: "svc2"}},
    {service: {account: A, subject: "plain"}} ] }
}
`)
	s := opStartOpts(t, o)
	a := clConnect(t, s, nats.UserInfo("a", "a"), nats.Name("responder"))
	b := clConnect(t, s, nats.UserInfo("b", "b"), nats.Name("requestor"))
	for _, subj := range []string{"svc", "svc2", "plain"} {
		a.Subscribe(subj, func(m *nats.Msg) { m.Respond([]byte("ok")) })
	}
	lat, _ := a.SubscribeSync("lat")
	lat2, _ := a.SubscribeSync("lat2")
	opMust(t, a.Flush())

	_, err := b.Request("svc", []byte("hi"), 5*time.Second)
	opMust(t, err)
	raw, sl := latencyMsg(t, lat)
	if sl.Requestor.Account != "B" || sl.Requestor.Name != "requestor" || sl.Requestor.User != "b" || sl.Requestor.Server != s.ID() || sl.Requestor.Kind != "Client" {
		t.Fatalf("shared requestor %+v", sl.Requestor)
	}
	if sl.Responder.Account != "A" || sl.Responder.Name != "responder" || sl.Responder.Lang != "go" {
		t.Fatalf("responder %+v", sl.Responder)
	}
	for _, k := range []string{"type", "id", "timestamp", "status", "requestor", "responder", "start", "service", "system", "total"} {
		if _, ok := raw[k]; !ok {
			t.Fatalf("no %q in %v", k, raw)
		}
	}

	_, err = b.Request("svc2", []byte("hi"), 5*time.Second)
	opMust(t, err)
	raw, sl = latencyMsg(t, lat2)
	if req := raw["requestor"].(map[string]any); req["acc"] != "B" || len(req) > 2 || sl.Requestor.Name != "" {
		t.Fatalf("requestor of an import that does not share: %v", req)
	}

	_, err = b.Request("plain", []byte("hi"), 5*time.Second)
	opMust(t, err)
	opMust(t, b.Flush())
	opMust(t, a.Flush())
	n1, _, _ := lat.Pending()
	n2, _, _ := lat2.Pending()
	if n1+n2 != 0 {
		t.Fatalf("%d more latency messages, want none for an export without latency", n1+n2)
	}
}

// TestServiceLatencyConfigErrors: a latency without subject or with a bad
// sampling is refused with its position.
func TestServiceLatencyConfigErrors(t *testing.T) {
	for text, want := range map[string]string{
		`latency: { sampling: 50 }`:                 "Latency subject required, but missing",
		`latency: { sampling: 0, subject: "l" }`:    "latency sampling 0% is not between 1% and 100%",
		`latency: { sampling: "x%", subject: "l" }`: `latency sampling "x%" is not a percentage`,
		`latency: { subject: "l.*" }`:               `latency subject "l.*" is not a valid literal subject`,
		`latency: { subject: "l", bogus: 1 }`:       `unknown field "bogus" in latency`,
	} {
		_, err := readConfText(t, `accounts { A: { exports: [ {service: "svc", `+text+`} ] } }`)
		if err == nil || !strings.Contains(err.Error(), want) || !strings.Contains(err.Error(), "natsd.conf:1:") {
			t.Errorf("%s: %v, want %q", text, err, want)
		}
	}
}

// TestServiceLatencyOperator: the account JWT's export latency (sampling,
// results) and the import's share work as in the configuration.
func TestServiceLatencyOperator(t *testing.T) {
	e := newOpEnv(t)
	exp := e.account("EXP", func(ac *jwt.AccountClaims) {
		ac.Exports.Add(&jwt.Export{Subject: "svc", Type: jwt.Service,
			Latency: &jwt.ServiceLatency{Sampling: 100, Results: "lat"}})
	})
	imp := e.account("IMP", func(ac *jwt.AccountClaims) {
		ac.Imports.Add(&jwt.Import{Account: exp.pub, Subject: "svc", Type: jwt.Service, Share: true})
	})
	s := e.start("", "")
	a := clConnect(t, s, exp.user(nil))
	b := clConnect(t, s, imp.user(func(uc *jwt.UserClaims) { uc.Name = "req" }), nats.Name("requestor"))
	a.Subscribe("svc", func(m *nats.Msg) { m.Respond([]byte("ok")) })
	lat, _ := a.SubscribeSync("lat")
	opMust(t, a.Flush())
	_, err := b.Request("svc", []byte("hi"), 5*time.Second)
	opMust(t, err)
	_, sl := latencyMsg(t, lat)
	if sl.Requestor.Account != imp.pub || sl.Requestor.Name != "requestor" || sl.Responder.Account != exp.pub {
		t.Fatalf("requestor %+v responder %+v", sl.Requestor, sl.Responder)
	}
}
