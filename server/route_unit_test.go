package server

import (
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/natsd/natsd/parser"
)

func TestInterestTableRefcount(t *testing.T) {
	tab := interestTable{m: make(map[interestKey]int32)}
	type step struct {
		add        bool
		subject, q string
		want       string // the line sent, "" for none
	}
	for i, st := range []step{
		{true, "foo", "", "RS+ A foo"},
		{true, "foo", "", ""}, // second local sub: peers already know
		{true, "foo.*", "", "RS+ A foo.*"},
		{true, "foo", "q", "RS+ A foo q 1"},
		{true, "foo", "q", "RS+ A foo q 2"}, // weight follows the member count
		{false, "foo", "", ""},
		{false, "foo", "q", "RS+ A foo q 1"},
		{false, "foo", "", "RS- A foo"}, // the last one goes
		{false, "foo", "q", "RS- A foo q"},
		{false, "foo", "q", ""}, // not there: nothing
		{false, "foo.*", "", "RS- A foo.*"},
	} {
		var op interestOp
		if st.add {
			op = tab.add("A", st.subject, st.q)
		} else {
			op = tab.remove("A", st.subject, st.q)
		}
		got := ""
		if op.send {
			got = strings.TrimSuffix(string(appendInterest(nil, "A", st.subject, st.q, op)), "\r\n")
		}
		if got != st.want {
			t.Fatalf("step %d (%+v): sent %q, want %q", i, st, got, st.want)
		}
	}
	if len(tab.m) != 0 {
		t.Fatalf("table not empty: %v", tab.m)
	}
	// The same subject in two accounts is two entries.
	if op := tab.add("A", "x", ""); !op.send {
		t.Fatal("first in A not sent")
	}
	if op := tab.add("B", "x", ""); !op.send {
		t.Fatal("first in B not sent")
	}
}

func TestKeepExistingRoute(t *testing.T) {
	a, b := "NA", "NB" // a < b
	for _, c := range []struct {
		existing, incoming routeKey
		keep               bool
	}{
		// Solicited by the smaller id wins, whichever arrived first.
		{routeKey{a, 9}, routeKey{b, 1}, true},
		{routeKey{b, 1}, routeKey{a, 9}, false},
		// Same solicitor: the smaller token wins.
		{routeKey{a, 1}, routeKey{a, 2}, true},
		{routeKey{a, 2}, routeKey{a, 1}, false},
		{routeKey{b, 5}, routeKey{b, 5}, true},
	} {
		if got := keepExisting(c.existing, c.incoming); got != c.keep {
			t.Errorf("keepExisting(%v, %v) = %v", c.existing, c.incoming, got)
		}
		// Both servers reach the same verdict: the one kept is the same
		// connection whatever the order they saw them in.
		if c.existing != c.incoming {
			kept := c.incoming
			if c.keep {
				kept = c.existing
			}
			other := keepExisting(c.incoming, c.existing)
			kept2 := c.existing
			if other {
				kept2 = c.incoming
			}
			if kept != kept2 {
				t.Errorf("order matters for %v / %v", c.existing, c.incoming)
			}
		}
	}
}

func TestAppendRMsgParses(t *testing.T) {
	for _, c := range []struct {
		queues []string
		reply  string
		hdr    int
		msg    string
	}{
		{nil, "", 0, "hello"},
		{[]string{"q1"}, "", 0, ""},
		{[]string{"q1", "q2"}, "_INBOX.x", 0, "hi"},
		{nil, "r", 12, "NATS/1.0\r\n\r\nhi"},
		{[]string{"q"}, "", 12, "NATS/1.0\r\n\r\n"},
		{[]string{"q"}, "r", 12, "NATS/1.0\r\n\r\nxyz"},
	} {
		line := appendRMsg(nil, "ACC", []byte("foo.bar"), c.queues, []byte(c.reply), c.hdr, []byte(c.msg))
		p := parser.New(0, 0)
		p.SetRouteMode(true)
		h := &rmsgCatcher{}
		if err := p.Parse(line, h); err != nil {
			t.Fatalf("%q: %v", line, err)
		}
		var a parser.RMsgArgs
		if !parser.ParseRMsgArgs(h.args, &a) || string(a.Subject) != "foo.bar" || string(a.Account) != "ACC" || string(a.Reply) != c.reply ||
			a.NumQueues != len(c.queues) || h.hdr != c.hdr || h.msg != c.msg {
			t.Fatalf("%q: decoded %+v hdr %d msg %q", line, a, h.hdr, h.msg)
		}
		for _, q := range c.queues {
			if got := string(a.NextQueue()); got != q {
				t.Fatalf("%q: queue %q, want %q", line, got, q)
			}
		}
	}
}

type rmsgCatcher struct {
	client // for the other Handler methods (never called here)
	args   []byte
	hdr    int
	msg    string
}

func (r *rmsgCatcher) ProcessRMsg(args []byte, hdr int, msg []byte) error {
	r.args, r.hdr, r.msg = append([]byte(nil), args...), hdr, string(msg)
	return nil
}

// TestAppendRMsgFormat pins the wire format to what nats-server sends
// (read off a reference server by a raw route connection).
func TestAppendRMsgFormat(t *testing.T) {
	for _, c := range []struct {
		queues []string
		reply  string
		hdr    int
		msg    string
		want   string
	}{
		{nil, "", 0, "x", "RMSG A bar 1\r\nx\r\n"},
		{nil, "rr", 18, "NATS/1.0\r\nK: V\r\n\r\nx", "HMSG A bar rr 18 19\r\nNATS/1.0\r\nK: V\r\n\r\nx\r\n"},
		{[]string{"grp"}, "r2", 0, "y", "RMSG A bar + r2 grp 1\r\ny\r\n"},
		{[]string{"grp"}, "", 18, "NATS/1.0\r\nK: V\r\n\r\ny", "HMSG A bar | grp 18 19\r\nNATS/1.0\r\nK: V\r\n\r\ny\r\n"},
	} {
		if got := string(appendRMsg(nil, "A", []byte("bar"), c.queues, []byte(c.reply), c.hdr, []byte(c.msg))); got != c.want {
			t.Errorf("got %q, want %q", got, c.want)
		}
	}
}

func TestRouteBackoff(t *testing.T) {
	for n := 1; n < 100; n++ {
		d := routeBackoff(n)
		ceil := min(routeRetryMin<<min(n-1, 20), routeRetryMax)
		if d < ceil/2 || d > ceil {
			t.Fatalf("attempt %d: %v outside [%v, %v]", n, d, ceil/2, ceil)
		}
	}
}

func TestClusterConfigFile(t *testing.T) {
	path := filepath.Join(t.TempDir(), "c.conf")
	os.WriteFile(path, []byte(`
port: 4222
cluster {
  name: prod
  listen: 127.0.0.1:6333
  advertise: "10.0.0.1:6333"
  no_advertise: true
  connect_retries: 5
  authorization { user: ruser, password: rpass, timeout: 0.5 }
  routes: [ nats://ruser:rpass@10.0.0.2:6222, nats-route://seed.example:6222 ]
  pool_size: 5
  accounts: [ A, B ]
  compression: s2_auto
}
accounts { A: {}, B: {} }
`), 0o644)
	o, err := ProcessConfigFile(path)
	if err != nil {
		t.Fatal(err)
	}
	c := o.Cluster
	if c.Name != "prod" || c.Host != "127.0.0.1" || c.Port != 6333 || c.Advertise != "10.0.0.1:6333" ||
		!c.NoAdvertise || c.ConnectRetries != 5 || c.Username != "ruser" || c.Password != "rpass" ||
		c.AuthTimeout != 500*time.Millisecond || len(c.Routes) != 2 ||
		c.Routes[0].Host != "10.0.0.2:6222" || c.Routes[0].User.Username() != "ruser" || c.Routes[1].Host != "seed.example:6222" ||
		c.PoolSize != 5 || len(c.Accounts) != 2 || c.Accounts[1] != "B" || c.Compression != "s2_auto" {
		t.Fatalf("cluster options: %+v", c)
	}
	if _, err := New(o); err != nil {
		t.Fatal(err)
	}

	for _, bad := range []struct{ conf, want string }{
		{"cluster { listen: 127.0.0.1:6222, tls: {} }", `missing 'cert_file' in TLS configuration`},
		{"cluster { listen: 127.0.0.1:6222, compression: s2_fastest }", `unsupported compression mode "s2_fastest"`},
		{"cluster { listen: 127.0.0.1:6222, compression: { mode: s2_auto, rtt_thresholds: [50ms, 10ms] } }", `should be in ascending order`},
		{"cluster { listen: 127.0.0.1:6222, compression: { mode: s2_auto, rtt_thresholds: [\"-5ms\"] } }", `requires at least one RTT threshold`},
		{"cluster { listen: 127.0.0.1:6222, compression: { mode: s2_auto, rtt_thresholds: [abc] } }", `invalid duration`},
		{"cluster { listen: 127.0.0.1:6222, compression: { mode: s2_auto, level: 3 } }", `unknown field "level"`},
		{"cluster { listen: 127.0.0.1:6222, compression: { mode: s2_bogus } }", `unsupported compression mode "s2_bogus"`},
		{"cluster { listen: 127.0.0.1:6222, pool_size: -2 }", `pool_size -2`},
		{"cluster { listen: 127.0.0.1:6222, accounts: [ \"a b\" ] }", `bad account name`},
		{"cluster { listen: 127.0.0.1:6222, permissions: { imports: foo } }", `unknown field "imports" in cluster permissions (did you mean "import"?)`},
		{"cluster { listen: 127.0.0.1:6222, permissions: { export: \"foo..bar\" } }", `subject "foo..bar" is not a valid subject`},
		{"cluster { lisen: 127.0.0.1:6222 }", `did you mean "listen"`},
		{"cluster { routes: [ \"http://x:1\" ] }", "scheme"},
		{"cluster { routes: [ \"nats://x\" ] }", "host:port"},
	} {
		os.WriteFile(path, []byte(bad.conf), 0o644)
		_, err := ProcessConfigFile(path)
		if err == nil || !strings.Contains(err.Error(), bad.want) {
			t.Errorf("%s: error %v, want %q", bad.conf, err, bad.want)
		}
	}
}

// TestClusterCompressionBlock: the map form of cluster.compression.
func TestClusterCompressionBlock(t *testing.T) {
	path := filepath.Join(t.TempDir(), "c.conf")
	for _, tc := range []struct {
		conf string
		mode string
		rtts []time.Duration
	}{
		{"{ mode: s2_auto, rtt_thresholds: [5ms, 20ms, 1s] }", "s2_auto", []time.Duration{5 * time.Millisecond, 20 * time.Millisecond, time.Second}},
		{"{ rtt_thresholds: [5ms] }", "s2_auto", []time.Duration{5 * time.Millisecond}},
		{"{ mode: s2_fast, rtt_thresholds: [5ms] }", "s2_fast", nil},
		{"{ mode: s2_auto, rtt_thresholds: [0s, 5ms] }", "s2_auto", []time.Duration{5 * time.Millisecond}},
		{"{ mode: s2_auto }", "s2_auto", nil},
		{"{}", "", nil},
		{"false", "off", nil},
		{"S2_Better", "s2_better", nil},
	} {
		os.WriteFile(path, []byte("cluster { listen: 127.0.0.1:6222, compression: "+tc.conf+" }"), 0o644)
		o, err := ProcessConfigFile(path)
		if err != nil {
			t.Fatalf("%s: %v", tc.conf, err)
		}
		if o.Cluster.Compression != tc.mode || !slices.Equal(o.Cluster.CompressionRTT, tc.rtts) {
			t.Errorf("%s: mode %q rtts %v, want %q %v", tc.conf, o.Cluster.Compression, o.Cluster.CompressionRTT, tc.mode, tc.rtts)
		}
	}
}

func TestParseClusterFlagsHelpers(t *testing.T) {
	o := &Options{}
	if err := ParseClusterListen(o, "nats://u:p@127.0.0.1:6222"); err != nil {
		t.Fatal(err)
	}
	if o.Cluster.Host != "127.0.0.1" || o.Cluster.Port != 6222 || o.Cluster.Username != "u" || o.Cluster.Password != "p" {
		t.Fatalf("%+v", o.Cluster)
	}
	rs, err := ParseRoutes("nats://a:1, nats-route://b:2,c:3")
	if err != nil || len(rs) != 3 || rs[2].Host != "c:3" {
		t.Fatalf("%v %v", rs, err)
	}
	if _, err := ParseRoutes("nats://a"); err == nil {
		t.Fatal("route without port accepted")
	}
}
