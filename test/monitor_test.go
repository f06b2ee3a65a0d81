//go:build !refserver

package test

// Black-box tests of the monitoring endpoints: a natsd server in-process
// with its HTTP port on, nats.go and raw-protocol traffic, and the JSON
// read back over HTTP, with exact counter values.

import (
	"bufio"
	"encoding/json"
	"fmt"
	"io"
	"net"
	"net/http"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/nats-io/nats.go"
	"github.com/prometheus/common/expfmt"
	"github.com/prometheus/common/model"

	"github.com/natsd/natsd/monitor"
	"github.com/natsd/natsd/server"
)

// monServer is a running server with monitoring on and its base URL.
type monServer struct {
	*server.Server
	url string // http://host:port[/base]
}

// monStart starts natsd with monitoring on a random port. edit may adjust
// the options first.
func monStart(t *testing.T, edit func(*server.Options)) *monServer {
	t.Helper()
	o := &server.Options{Host: "127.0.0.1", Port: -1, HTTPHost: "127.0.0.1", HTTPPort: -1, NoLog: true}
	if edit != nil {
		edit(o)
	}
	s, err := server.New(o)
	if err != nil {
		t.Fatal(err)
	}
	if err := s.Start(); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(s.Shutdown)
	a := s.MonitorAddr()
	if a == nil {
		t.Fatal("no monitoring address")
	}
	return &monServer{Server: s, url: "http://" + a.String() + monitor.NormalizeBasePath(o.HTTPBasePath)}
}

// monGet fetches path and returns the status and body.
func monGet(t *testing.T, url string) (int, string) {
	t.Helper()
	res, err := http.Get(url)
	if err != nil {
		t.Fatal(err)
	}
	defer res.Body.Close()
	b, err := io.ReadAll(res.Body)
	if err != nil {
		t.Fatal(err)
	}
	return res.StatusCode, string(b)
}

// monJSON fetches path, requires 200 and decodes the body into a T.
func monJSON[T any](t *testing.T, url string) T {
	t.Helper()
	code, body := monGet(t, url)
	if code != http.StatusOK {
		t.Fatalf("GET %s: %d %s", url, code, body)
	}
	var v T
	if err := json.Unmarshal([]byte(body), &v); err != nil {
		t.Fatalf("GET %s: %v\n%s", url, err, body)
	}
	return v
}

func (m *monServer) varz(t *testing.T) *monitor.Varz {
	t.Helper()
	v := monJSON[monitor.Varz](t, m.url+"/varz")
	return &v
}

func (m *monServer) connz(t *testing.T, query string) *monitor.Connz {
	t.Helper()
	c := monJSON[monitor.Connz](t, m.url+"/connz?"+query)
	return &c
}

func (m *monServer) subsz(t *testing.T, query string) *monitor.Subsz {
	t.Helper()
	s := monJSON[monitor.Subsz](t, m.url+"/subsz?"+query)
	return &s
}

// monConnect connects nats.go with a connection name.
func monConnect(t *testing.T, m *monServer, name string, extra ...nats.Option) *nats.Conn {
	t.Helper()
	opts := append([]nats.Option{nats.Name(name), nats.NoReconnect(), nats.Timeout(readTimeout)}, extra...)
	nc, err := nats.Connect(m.ClientURL(), opts...)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(nc.Close)
	return nc
}

// monWait polls cond for up to 5s.
func monWait(t *testing.T, what string, cond func() bool) {
	t.Helper()
	deadline := time.Now().Add(5 * time.Second)
	for !cond() {
		if time.Now().After(deadline) {
			t.Fatalf("timed out waiting for %s", what)
		}
		time.Sleep(5 * time.Millisecond)
	}
}

// monKeys returns the top-level keys of a JSON object in document order.
func monKeys(t *testing.T, body string) []string {
	t.Helper()
	dec := json.NewDecoder(strings.NewReader(body))
	if _, err := dec.Token(); err != nil {
		t.Fatal(err)
	}
	var keys []string
	for dec.More() {
		tok, err := dec.Token()
		if err != nil {
			t.Fatal(err)
		}
		keys = append(keys, tok.(string))
		var skip json.RawMessage
		if err := dec.Decode(&skip); err != nil {
			t.Fatal(err)
		}
	}
	return keys
}

// monConnByName finds a connection by name.
func monConnByName(t *testing.T, cz *monitor.Connz, name string) *monitor.ConnInfo {
	t.Helper()
	for _, c := range cz.Conns {
		if c.Name == name {
			return c
		}
	}
	t.Fatalf("no connection named %q", name)
	return nil
}

func monNames(cz *monitor.Connz) string {
	var n []string
	for _, c := range cz.Conns {
		n = append(n, c.Name)
	}
	return strings.Join(n, ",")
}

// monTraffic: a and b subscribe to foo (b also to foo.* and a queue sub on
// bar), p publishes 10 messages of 5 bytes to foo and 3 of 2 bytes to bar.
// It returns when the subscribers have everything.
func monTraffic(t *testing.T, m *monServer) (a, b, p *nats.Conn) {
	t.Helper()
	var got atomic.Int64
	count := func(*nats.Msg) { got.Add(1) }
	a = monConnect(t, m, "a")
	a.Subscribe("foo", count)
	a.Flush()
	time.Sleep(10 * time.Millisecond)
	b = monConnect(t, m, "b")
	b.Subscribe("foo", count)
	b.Subscribe("foo.*", count)
	b.QueueSubscribe("bar", "q", count)
	b.Flush()
	time.Sleep(10 * time.Millisecond)
	p = monConnect(t, m, "p")
	for i := 0; i < 10; i++ {
		p.Publish("foo", []byte("hello"))
	}
	for i := 0; i < 3; i++ {
		p.Publish("bar", []byte("xy"))
	}
	p.Flush()
	monWait(t, "deliveries", func() bool { return got.Load() == 23 })
	return a, b, p
}

// The /varz document has nats-server's fields in nats-server's order,
// less feature_flags and disk_io_wait_stats (JetStream, which natsd does
// not have).
var monVarzKeys = []string{
	"server_id", "server_name", "version", "proto", "go", "host", "port",
	"max_connections", "ping_interval", "ping_max", "http_host", "http_port",
	"http_base_path", "https_port", "auth_timeout", "max_control_line",
	"max_payload", "max_pending", "cluster", "gateway", "leaf", "mqtt",
	"websocket", "jetstream", "tls_timeout", "write_deadline", "start", "now",
	"uptime", "mem", "cores", "gomaxprocs", "cpu", "connections",
	"total_connections", "routes", "remotes", "leafnodes", "in_msgs",
	"in_bytes", "in_client_msgs", "in_client_bytes", "out_msgs", "out_bytes",
	"out_client_msgs", "out_client_bytes", "slow_consumers",
	"stale_connections", "stalled_clients", "subscriptions", "http_req_stats",
	"config_load_time", "config_digest", "system_account", "slow_consumer_stats",
	"stale_connection_stats",
}

func TestMonVarz(t *testing.T) {
	m := monStart(t, func(o *server.Options) { o.ServerName = "mon1"; o.MaxSubscriptions = 100 })
	_, _, p := monTraffic(t, m)

	code, body := monGet(t, m.url+"/varz")
	if code != 200 {
		t.Fatalf("varz: %d", code)
	}
	keys := monKeys(t, body)
	want := append([]string(nil), monVarzKeys...)
	// max_subscriptions is shown when set, after max_connections.
	want = append(want[:8], append([]string{"max_subscriptions"}, want[8:]...)...)
	if strings.Join(keys, ",") != strings.Join(want, ",") {
		t.Errorf("varz keys:\n got %v\nwant %v", keys, want)
	}
	for _, empty := range []string{`"cluster": {}`, `"gateway": {}`, `"jetstream": {}`, `"https_port": 0`} {
		if !strings.Contains(body, empty) {
			t.Errorf("varz lacks %s", empty)
		}
	}

	v := m.varz(t)
	mon := m.MonitorAddr().(*net.TCPAddr)
	cli := m.Addr().(*net.TCPAddr)
	for _, c := range []struct {
		name      string
		got, want any
	}{
		{"server_id", v.ID, m.ID()},
		{"server_name", v.Name, "mon1"},
		{"version", v.Version, server.Version},
		{"proto", v.Proto, 1},
		{"host", v.Host, "127.0.0.1"},
		{"port", v.Port, cli.Port},
		{"http_host", v.HTTPHost, "127.0.0.1"},
		{"http_port", v.HTTPPort, mon.Port},
		{"max_connections", v.MaxConn, server.DefaultMaxConnections},
		{"max_subscriptions", v.MaxSubs, 100},
		{"max_payload", v.MaxPayload, server.DefaultMaxPayload},
		{"max_pending", v.MaxPending, int64(server.DefaultMaxPending)},
		{"max_control_line", v.MaxControlLine, int32(4096)},
		{"ping_interval", v.PingInterval, 2 * time.Minute},
		{"ping_max", v.MaxPingsOut, 2},
		{"auth_timeout", v.AuthTimeout, 2.0},
		{"write_deadline", v.WriteDeadline, 10 * time.Second},
		{"connections", v.Connections, 3},
		{"total_connections", v.TotalConnections, uint64(3)},
		{"subscriptions", v.Subscriptions, uint32(4)},
		{"in_msgs", v.InMsgs, int64(13)},
		{"in_bytes", v.InBytes, int64(56)},
		// foo: 10 x (a, b); foo.* gets nothing; bar: 3 x b's queue sub.
		{"out_msgs", v.OutMsgs, int64(23)},
		{"out_bytes", v.OutBytes, int64(106)},
		{"in_client_msgs", v.InClientMsgs, int64(13)},
		{"out_client_bytes", v.OutClientBytes, int64(106)},
		{"slow_consumers", v.SlowConsumers, int64(0)},
		{"routes", v.Routes, 0},
	} {
		if c.got != c.want {
			t.Errorf("varz %s = %v, want %v", c.name, c.got, c.want)
		}
	}
	if v.Mem <= 0 || v.Cores <= 0 || v.MaxProcs <= 0 || v.CPU < 0 {
		t.Errorf("mem %d cores %d gomaxprocs %d cpu %v", v.Mem, v.Cores, v.MaxProcs, v.CPU)
	}
	if v.Start.IsZero() || v.Now.Before(v.Start) || v.Uptime == "" || !v.ConfigLoadTime.Equal(v.Start) {
		t.Errorf("times: start %v now %v uptime %q config_load_time %v", v.Start, v.Now, v.Uptime, v.ConfigLoadTime)
	}
	if v.HTTPReqStats["/varz"] != 2 {
		t.Errorf("http_req_stats %v, want /varz 2", v.HTTPReqStats)
	}

	// A closed connection's traffic stays in the totals.
	p.Close()
	monWait(t, "publisher gone", func() bool { return m.varz(t).Connections == 2 })
	v = m.varz(t)
	if v.InMsgs != 13 || v.InBytes != 56 || v.OutMsgs != 23 || v.OutBytes != 106 || v.TotalConnections != 3 {
		t.Errorf("after close: in %d/%d out %d/%d total %d", v.InMsgs, v.InBytes, v.OutMsgs, v.OutBytes, v.TotalConnections)
	}
}

func TestMonConnz(t *testing.T) {
	m := monStart(t, nil)
	monTraffic(t, m)

	code, body := monGet(t, m.url+"/connz")
	if code != 200 {
		t.Fatal(code)
	}
	if got := strings.Join(monKeys(t, body), ","); got != "server_id,now,num_connections,total,offset,limit,connections" {
		t.Errorf("connz keys %s", got)
	}
	cz := m.connz(t, "")
	if cz.ID != m.ID() || cz.NumConns != 3 || cz.Total != 3 || cz.Offset != 0 || cz.Limit != 1024 {
		t.Fatalf("connz header: %+v", cz)
	}
	if monNames(cz) != "a,b,p" {
		t.Errorf("default order by cid: %s", monNames(cz))
	}
	a, b, p := monConnByName(t, cz, "a"), monConnByName(t, cz, "b"), monConnByName(t, cz, "p")
	for _, c := range []struct {
		name      string
		got, want any
	}{
		{"a out_msgs", a.OutMsgs, int64(10)},
		{"a out_bytes", a.OutBytes, int64(50)},
		{"a in_msgs", a.InMsgs, int64(0)},
		{"a subscriptions", a.NumSubs, uint32(1)},
		{"b out_msgs", b.OutMsgs, int64(13)},
		{"b out_bytes", b.OutBytes, int64(56)},
		{"b subscriptions", b.NumSubs, uint32(3)},
		{"p in_msgs", p.InMsgs, int64(13)},
		{"p in_bytes", p.InBytes, int64(56)},
		{"p out_msgs", p.OutMsgs, int64(0)},
		{"p subscriptions", p.NumSubs, uint32(0)},
		{"kind", a.Kind, "Client"},
		{"type", a.Type, "nats"},
		{"ip", a.IP, "127.0.0.1"},
		{"lang", a.Lang, "go"},
		{"version", a.Version, nats.Version},
		{"pending_bytes", a.Pending, 0},
		{"reason", a.Reason, ""},
	} {
		if c.got != c.want {
			t.Errorf("%s = %v, want %v", c.name, c.got, c.want)
		}
	}
	if a.Port == 0 || a.Start.IsZero() || a.LastActivity.Before(a.Start) || a.RTT == "" || a.Uptime == "" || a.Idle == "" || a.Stop != nil {
		t.Errorf("a: %+v", a)
	}
	if a.Subs != nil || a.SubsDetail != nil || a.AuthorizedUser != "" || a.NameTag != "" {
		t.Errorf("lists and auth fields must be absent unless asked: %+v", a)
	}

	// Every sort key, against the traffic above (ties broken by cid).
	for _, tc := range []struct{ sort, want string }{
		{"cid", "a,b,p"},
		{"start", "a,b,p"},
		{"subs", "b,a,p"},
		{"pending", "a,b,p"},
		{"msgs_to", "b,a,p"},
		{"msgs_from", "p,a,b"},
		{"bytes_to", "b,a,p"},
		{"bytes_from", "p,a,b"},
		{"uptime", "p,b,a"},
	} {
		if got := monNames(m.connz(t, "sort="+tc.sort)); got != tc.want {
			t.Errorf("sort=%s: %s, want %s", tc.sort, got, tc.want)
		}
	}
	// last: most recent activity first; idle: longest idle (oldest) first.
	cz = m.connz(t, "sort=last")
	for i := 1; i < len(cz.Conns); i++ {
		if cz.Conns[i].LastActivity.After(cz.Conns[i-1].LastActivity) {
			t.Errorf("sort=last out of order: %s", monNames(cz))
		}
	}
	cz = m.connz(t, "sort=idle")
	for i := 1; i < len(cz.Conns); i++ {
		if cz.Conns[i].LastActivity.Before(cz.Conns[i-1].LastActivity) {
			t.Errorf("sort=idle out of order: %s", monNames(cz))
		}
	}
	if got := m.connz(t, "sort=rtt"); got.NumConns != 3 {
		t.Errorf("sort=rtt: %d", got.NumConns)
	}
	for _, tc := range []struct{ query, want string }{
		{"sort=bogus", "invalid sorting option: bogus"},
		{"sort=stop", "sort by stop only valid on closed connections"},
		{"sort=reason&state=any", "sort by reason only valid on closed connections"},
		{"state=nope", "Error decoding state for nope"},
		{"limit=x", `Error decoding int for 'limit': strconv.Atoi: parsing "x": invalid syntax`},
		{"cid=x", `Error decoding uint64 for 'cid': strconv.ParseUint: parsing "x": invalid syntax`},
		{"subs=maybe", `Error decoding boolean for 'subs': strconv.ParseBool: parsing "maybe": invalid syntax`},
	} {
		if code, body := monGet(t, m.url+"/connz?"+tc.query); code != 400 || body != tc.want {
			t.Errorf("connz?%s: %d %q, want 400 %q", tc.query, code, body, tc.want)
		}
	}

	// Paging.
	cz = m.connz(t, "limit=2")
	if cz.NumConns != 2 || cz.Total != 3 || cz.Limit != 2 || monNames(cz) != "a,b" {
		t.Errorf("limit=2: %+v %s", cz, monNames(cz))
	}
	cz = m.connz(t, "offset=1&limit=1")
	if cz.NumConns != 1 || cz.Total != 3 || cz.Offset != 1 || monNames(cz) != "b" {
		t.Errorf("offset=1&limit=1: %s", monNames(cz))
	}
	cz = m.connz(t, "offset=10")
	if cz.NumConns != 0 || cz.Total != 3 || cz.Conns == nil {
		t.Errorf("offset past the end: %+v", cz)
	}
	if _, body := monGet(t, m.url+"/connz?offset=10"); !strings.Contains(body, `"connections": []`) {
		t.Errorf("an empty page is []: %s", body)
	}

	// cid.
	cz = m.connz(t, fmt.Sprintf("cid=%d", b.Cid))
	if cz.NumConns != 1 || cz.Limit != 1 || cz.Conns[0].Name != "b" {
		t.Errorf("cid: %+v", cz)
	}
	if cz = m.connz(t, "cid=9999"); cz.NumConns != 0 {
		t.Errorf("unknown cid: %+v", cz)
	}

	// Subscription lists, ordered by sid.
	cz = m.connz(t, "subs=1")
	if got := strings.Join(monConnByName(t, cz, "b").Subs, ","); got != "foo,foo.*,bar" {
		t.Errorf("subs=1: %s", got)
	}
	if monConnByName(t, cz, "p").Subs != nil {
		t.Error("no subscriptions: no list")
	}
	cz = m.connz(t, "subs=detail")
	d := monConnByName(t, cz, "b").SubsDetail
	if len(d) != 3 || d[2].Subject != "bar" || d[2].Queue != "q" || d[2].Sid != "3" || d[2].Cid != b.Cid || d[0].Account != "" {
		t.Errorf("subs=detail: %+v", d)
	}

	// auth=1 shows the account tag (and the user, when there is one).
	cz = m.connz(t, "auth=1")
	if monConnByName(t, cz, "a").NameTag != "$G" {
		t.Errorf("auth=1: %+v", cz.Conns[0])
	}
}

func TestMonConnzUserAndAuth(t *testing.T) {
	m := monStart(t, func(o *server.Options) { o.Username, o.Password = "alice", "pw" })
	monConnect(t, m, "good", nats.UserInfo("alice", "pw"))
	if _, err := nats.Connect(m.ClientURL(), nats.Name("bad"), nats.UserInfo("bob", "nope"), nats.NoReconnect()); err == nil {
		t.Fatal("bad credentials accepted")
	}
	v := m.varz(t)
	if !v.AuthRequired {
		t.Error("varz auth_required")
	}
	cz := m.connz(t, "auth=1&user=alice")
	if cz.NumConns != 1 || cz.Total != 1 || cz.Conns[0].AuthorizedUser != "alice" || cz.Conns[0].Name != "good" {
		t.Errorf("user=alice: %+v", cz)
	}
	if cz = m.connz(t, "user=bob"); cz.NumConns != 0 || cz.Total != 0 {
		t.Errorf("user=bob open: %+v", cz)
	}
	if cz = m.connz(t, "user=alice"); cz.Conns[0].AuthorizedUser != "" {
		t.Error("authorized_user needs auth=1")
	}
	monWait(t, "failed connection recorded", func() bool { return m.connz(t, "state=closed").NumConns == 1 })
	cz = m.connz(t, "state=closed&auth=1")
	c := cz.Conns[0]
	if c.Name != "bad" || c.Reason != "Authentication Failure" || c.AuthorizedUser != "bob" || c.Stop == nil || c.NameTag != "" {
		t.Errorf("failed auth: %+v", c)
	}
}

func TestMonConnzClosed(t *testing.T) {
	m := monStart(t, func(o *server.Options) {
		o.MaxPayload = 512
		o.MaxPending = 4096
		o.MaxClosedClients = 3
	})
	// Client Closed, with its subscriptions and counters kept.
	gone := monConnect(t, m, "gone")
	gone.Subscribe("x.>", func(*nats.Msg) {})
	gone.Publish("nowhere", []byte("12345678"))
	gone.Flush()
	gone.Close()
	monWait(t, "gone closed", func() bool { return m.connz(t, "state=closed").NumConns == 1 })

	// Maximum payload.
	big := dialRawMon(t, m)
	fmt.Fprintf(big, "PUB foo 600\r\n")
	monWait(t, "payload violation", func() bool { return m.connz(t, "state=closed").NumConns == 2 })

	// Slow consumer: a subscriber that never reads while a publisher floods it.
	slow := dialRawMon(t, m)
	fmt.Fprintf(slow, "CONNECT {\"name\":\"slow\",\"verbose\":false}\r\nSUB flood 1\r\nPING\r\n")
	monWait(t, "slow subscribed", func() bool { return m.NumSubscriptions() == 1 })
	pub := monConnect(t, m, "flooder")
	payload := make([]byte, 500)
	monWait(t, "slow consumer", func() bool {
		for i := 0; i < 1000; i++ {
			pub.Publish("flood", payload)
		}
		pub.Flush()
		return m.varz(t).SlowConsumers == 1
	})
	monWait(t, "slow recorded", func() bool { return m.connz(t, "state=closed").Total == 3 })

	cz := m.connz(t, "state=closed&subs=1")
	if cz.NumConns != 3 || cz.Total != 3 {
		t.Fatalf("closed: %+v", cz)
	}
	reasons := map[string]string{}
	for _, c := range cz.Conns {
		reasons[c.Name] = c.Reason
		if c.Stop == nil || c.Stop.Before(c.Start) {
			t.Errorf("%s: stop %v", c.Name, c.Stop)
		}
	}
	if reasons["gone"] != "Client Closed" || reasons["slow"] != "Slow Consumer (Pending Bytes)" || reasons[""] != "Maximum Message Payload Exceeded" {
		t.Errorf("reasons: %v", reasons)
	}
	g := monConnByName(t, cz, "gone")
	if g.InMsgs != 1 || g.InBytes != 8 || g.NumSubs != 1 || strings.Join(g.Subs, ",") != "x.>" {
		t.Errorf("closed connection keeps its counters and subscriptions: %+v", g)
	}
	if v := m.varz(t); v.SlowConsumers != 1 || v.SlowConsumersStats.Clients != 1 {
		t.Errorf("varz slow consumers: %d %+v", v.SlowConsumers, v.SlowConsumersStats)
	}

	// sort=stop: the latest first; sort=reason: alphabetical.
	if got := monNames(m.connz(t, "state=closed&sort=stop")); got != "slow,,gone" {
		t.Errorf("sort=stop: %q", got)
	}
	if got := monNames(m.connz(t, "state=closed&sort=reason")); got != "gone,,slow" {
		t.Errorf("sort=reason: %q", got)
	}
	// state=any lists the open flooder too.
	if cz := m.connz(t, "state=any"); cz.Total != 4 || monNames(cz) != "gone,,slow,flooder" {
		t.Errorf("state=any: %d %q", cz.Total, monNames(cz))
	}

	// The ring keeps the last MaxClosedClients (3): one more close drops "gone".
	pub.Close()
	monWait(t, "ring rotates", func() bool {
		cz := m.connz(t, "state=closed")
		return cz.Total == 3 && cz.Conns[0].Name == ""
	})
	if got := monNames(m.connz(t, "state=closed")); got != ",slow,flooder" {
		t.Errorf("ring: %q", got)
	}
}

// dialRawMon opens a raw protocol connection and reads the INFO line.
func dialRawMon(t *testing.T, m *monServer) net.Conn {
	t.Helper()
	c, err := net.Dial("tcp", m.Addr().String())
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { c.Close() })
	c.SetReadDeadline(time.Now().Add(5 * time.Second))
	if _, err := bufio.NewReader(c).ReadString('\n'); err != nil {
		t.Fatal(err)
	}
	c.SetReadDeadline(time.Time{})
	return c
}

func TestMonActivityAndRTT(t *testing.T) {
	m := monStart(t, nil)
	c := dialRawMon(t, m)
	time.Sleep(60 * time.Millisecond)
	fmt.Fprintf(c, "CONNECT {\"name\":\"raw\",\"verbose\":false}\r\n")
	monWait(t, "connect seen", func() bool {
		cz := m.connz(t, "")
		return cz.NumConns == 1 && cz.Conns[0].Name == "raw"
	})
	ci := m.connz(t, "").Conns[0]
	rtt, err := time.ParseDuration(ci.RTT)
	if err != nil || rtt < 50*time.Millisecond {
		t.Errorf("rtt from INFO to CONNECT: %q %v", ci.RTT, err)
	}
	last := ci.LastActivity
	if last.Sub(ci.Start) < 50*time.Millisecond {
		t.Errorf("CONNECT is activity: start %v last %v", ci.Start, last)
	}

	// PING is not activity; SUB and PUB are.
	time.Sleep(20 * time.Millisecond)
	fmt.Fprintf(c, "PING\r\n")
	time.Sleep(50 * time.Millisecond)
	if got := m.connz(t, "").Conns[0].LastActivity; !got.Equal(last) {
		t.Errorf("PING moved last_activity: %v -> %v", last, got)
	}
	fmt.Fprintf(c, "SUB a 1\r\n")
	monWait(t, "sub activity", func() bool { return m.connz(t, "").Conns[0].LastActivity.After(last) })
	last = m.connz(t, "").Conns[0].LastActivity
	time.Sleep(10 * time.Millisecond)
	fmt.Fprintf(c, "PUB a 2\r\nhi\r\n")
	monWait(t, "pub activity", func() bool {
		ci := m.connz(t, "").Conns[0]
		return ci.LastActivity.After(last) && ci.InMsgs == 1 && ci.OutMsgs == 1
	})
}

func TestMonSubsz(t *testing.T) {
	m := monStart(t, nil)
	monTraffic(t, m)

	code, body := monGet(t, m.url+"/subsz")
	if code != 200 {
		t.Fatal(code)
	}
	wantKeys := "server_id,now,num_subscriptions,num_cache,num_inserts,num_removes,num_matches,cache_hit_rate,max_fanout,avg_fanout,total,offset,limit"
	if got := strings.Join(monKeys(t, body), ","); got != wantKeys {
		t.Errorf("subsz keys %s", got)
	}
	sz := m.subsz(t, "")
	if sz.ID != m.ID() || sz.NumSubs != 4 || sz.NumInserts != 4 || sz.NumRemoves != 0 || sz.Total != 0 || sz.Subs != nil || sz.Limit != 1024 {
		t.Errorf("subsz: %+v", sz)
	}
	matches := sz.NumMatches

	sz = m.subsz(t, "subs=1")
	if sz.Total != 4 || len(sz.Subs) != 4 {
		t.Fatalf("subs=1: %+v", sz)
	}
	for _, d := range sz.Subs {
		if d.Account != "$G" || d.AccountTag != "$G" || d.Subject == "" || d.Sid == "" || d.Cid == 0 {
			t.Errorf("sub detail: %+v", d)
		}
	}
	sz = m.subsz(t, "subs=1&test=foo")
	if sz.Total != 2 || len(sz.Subs) != 2 || sz.Subs[0].Subject != "foo" || sz.Subs[1].Subject != "foo" {
		t.Errorf("test=foo: %+v", sz.Subs)
	}
	sz = m.subsz(t, "subs=1&test=foo.bar")
	if sz.Total != 1 || sz.Subs[0].Subject != "foo.*" {
		t.Errorf("test=foo.bar: %+v", sz.Subs)
	}
	sz = m.subsz(t, "subs=1&test=bar")
	if sz.Total != 1 || sz.Subs[0].Queue != "q" {
		t.Errorf("test=bar: %+v", sz.Subs)
	}
	sz = m.subsz(t, "subs=1&test=nothing.here")
	if sz.Total != 0 || sz.Subs != nil {
		t.Errorf("no match: %+v", sz)
	}
	if sz = m.subsz(t, "test=foo"); sz.Total != 0 || sz.Subs != nil {
		t.Errorf("test without subs lists nothing: %+v", sz)
	}
	sz = m.subsz(t, "subs=1&offset=1&limit=2")
	if sz.Total != 4 || len(sz.Subs) != 2 || sz.Offset != 1 || sz.Limit != 2 {
		t.Errorf("paging: %+v", sz)
	}
	if sz = m.subsz(t, ""); sz.NumMatches != matches {
		t.Errorf("test= must not count as a match: %d -> %d", matches, sz.NumMatches)
	}
	if code, body := monGet(t, m.url+"/subsz?subs=1&test=foo.*"); code != 400 || body != "invalid test subject, must be valid publish subject: foo.*" {
		t.Errorf("wildcard test: %d %q", code, body)
	}
	if code, _ := monGet(t, m.url+"/subscriptionsz?subs=1"); code != 200 {
		t.Errorf("/subscriptionsz: %d", code)
	}
}

func TestMonRoutezHealthzIndexStacks(t *testing.T) {
	m := monStart(t, func(o *server.Options) {
		o.LameDuckGracePeriod = 200 * time.Millisecond
		o.LameDuckDuration = time.Second
	})
	code, body := monGet(t, m.url+"/routez")
	if code != 200 || strings.Join(monKeys(t, body), ",") != "server_id,server_name,now,num_routes,routes" || !strings.Contains(body, `"routes": []`) {
		t.Errorf("routez: %d %s", code, body)
	}
	if code, body := monGet(t, m.url+"/healthz"); code != 200 || body != `{"status":"ok"}` {
		t.Errorf("healthz: %d %s", code, body)
	}
	// The index is the dashboard, which links the endpoints relative to
	// the base path (test/browser checks the plain index with it off).
	if code, body := monGet(t, m.url+"/"); code != 200 || !strings.Contains(body, `href="varz"`) || !strings.Contains(body, `href="metrics"`) {
		t.Errorf("index: %d", code)
	}
	if code, body := monGet(t, m.url+"/stacksz"); code != 200 || !strings.Contains(body, "goroutine") {
		t.Errorf("stacksz: %d", code)
	}
	if code, _ := monGet(t, m.url+"/nope"); code != 404 {
		t.Errorf("unknown endpoint: %d", code)
	}

	// Lame-duck mode: healthz turns 503 while clients are still served.
	monConnect(t, m, "stays")
	done := make(chan struct{})
	go func() { m.LameDuckShutdown(); close(done) }()
	monWait(t, "healthz unavailable", func() bool {
		code, body := monGet(t, m.url+"/healthz")
		return code == 503 && strings.Contains(body, `"status":"unavailable"`) && strings.Contains(body, "lame duck")
	})
	<-done
}

func TestMonMetrics(t *testing.T) {
	m := monStart(t, nil)
	monTraffic(t, m)
	code, body := monGet(t, m.url+"/metrics")
	if code != 200 {
		t.Fatal(code)
	}
	p := expfmt.NewTextParser(model.LegacyValidation)
	fams, err := p.TextToMetricFamilies(strings.NewReader(body))
	if err != nil {
		t.Fatal(err)
	}
	for _, mt := range monitor.Metrics() {
		if _, ok := fams[mt.Name]; !ok {
			t.Errorf("documented metric %s missing", mt.Name)
		}
	}
	val := func(name string) float64 {
		f := fams[name]
		if f == nil {
			t.Fatalf("no %s", name)
		}
		for _, mm := range f.Metric {
			for _, l := range mm.Label {
				if l.GetName() == "server_id" && l.GetValue() != m.ID() {
					t.Errorf("%s server_id %s", name, l.GetValue())
				}
			}
			if mm.Counter != nil {
				return mm.Counter.GetValue()
			}
			return mm.Gauge.GetValue()
		}
		return -1
	}
	for name, want := range map[string]float64{
		"gnatsd_varz_in_msgs":            13,
		"gnatsd_varz_in_bytes":           56,
		"gnatsd_varz_out_msgs":           23,
		"gnatsd_varz_out_bytes":          106,
		"gnatsd_varz_connections":        3,
		"gnatsd_varz_total_connections":  3,
		"gnatsd_varz_subscriptions":      4,
		"gnatsd_connz_num_connections":   3,
		"gnatsd_connz_subscriptions":     4,
		"gnatsd_connz_in_msgs":           13,
		"gnatsd_connz_out_bytes":         106,
		"gnatsd_subsz_num_subscriptions": 4,
		"gnatsd_routez_num_routes":       0,
		"gnatsd_healthz_ok":              1,
	} {
		if got := val(name); got != want {
			t.Errorf("%s = %v, want %v", name, got, want)
		}
	}
	if val("gnatsd_varz_mem") <= 0 {
		t.Error("gnatsd_varz_mem")
	}
	if _, ok := fams["process_resident_memory_bytes"]; !ok {
		t.Error("process collector missing")
	}
}

func TestMonAuthAndBasePath(t *testing.T) {
	m := monStart(t, func(o *server.Options) {
		o.HTTPBasePath = "/nats/"
		o.HTTPUser, o.HTTPPassword = "admin", "pw"
	})
	if !strings.HasSuffix(m.url, "/nats") {
		t.Fatal(m.url)
	}
	if code, _ := monGet(t, m.url+"/varz"); code != 401 {
		t.Errorf("no credentials: %d", code)
	}
	if code, _ := monGet(t, m.url+"/healthz"); code != 200 {
		t.Errorf("healthz is open: %d", code)
	}
	u := strings.Replace(m.url, "http://", "http://admin:pw@", 1)
	code, body := monGet(t, u+"/varz")
	if code != 200 || !strings.Contains(body, `"http_base_path": "/nats/"`) {
		t.Errorf("with credentials: %d", code)
	}
	if code, _ := monGet(t, strings.TrimSuffix(u, "/nats")+"/varz"); code != 404 {
		t.Errorf("outside the base path: %d", code)
	}

	tok := monStart(t, func(o *server.Options) { o.HTTPToken = "s3cr3t" })
	req, _ := http.NewRequest("GET", tok.url+"/connz", nil)
	req.Header.Set("Authorization", "Bearer s3cr3t")
	res, err := http.DefaultClient.Do(req)
	if err != nil || res.StatusCode != 200 {
		t.Errorf("bearer: %v %v", res.StatusCode, err)
	}
	res.Body.Close()
	if code, _ := monGet(t, tok.url+"/connz"); code != 401 {
		t.Errorf("no token: %d", code)
	}
}

func TestMonShutdownClosesListener(t *testing.T) {
	m := monStart(t, nil)
	addr := m.MonitorAddr().String()
	m.Shutdown()
	if c, err := net.DialTimeout("tcp", addr, time.Second); err == nil {
		c.Close()
		t.Error("monitoring port still open after shutdown")
	}
	if s, _ := server.New(&server.Options{Host: "127.0.0.1", Port: -1, NoLog: true}); s.MonitorAddr() != nil {
		t.Error("monitoring is off by default")
	}
}
