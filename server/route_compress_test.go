package server

import (
	"bufio"
	"bytes"
	"fmt"
	"io"
	"net"
	"strings"
	"testing"
	"time"

	"github.com/klauspost/compress/s2"
	"github.com/nats-io/nats.go"
)

func TestNegotiateCompression(t *testing.T) {
	for _, tc := range []struct{ mine, theirs, want string }{
		{"off", "s2_fast", "off"},
		{"s2_fast", "off", "off"},
		{"s2_fast", "", "off"}, // a server that does not compress
		{"accept", "accept", "off"},
		{"accept", "s2_better", "s2_better"},
		{"s2_best", "accept", "s2_best"},
		{"s2_best", "s2_fast", "s2_best"}, // each side its own level
		{"accept", "s2_auto", "s2_fast"},
	} {
		if got := negotiateCompression(tc.mine, tc.theirs); got != tc.want {
			t.Errorf("negotiate(%s, %s) = %s, want %s", tc.mine, tc.theirs, got, tc.want)
		}
	}
}

func TestLevelForRTT(t *testing.T) {
	ms := time.Millisecond
	for _, tc := range []struct {
		rtt  time.Duration
		th   []time.Duration
		want string
	}{
		{0, defaultRTTThresholds, "s2_uncompressed"},
		{9 * ms, defaultRTTThresholds, "s2_uncompressed"},
		{10 * ms, defaultRTTThresholds, "s2_fast"},
		{60 * ms, defaultRTTThresholds, "s2_better"},
		{time.Second, defaultRTTThresholds, "s2_best"},
		{5 * ms, []time.Duration{time.Microsecond}, "s2_fast"},
		{5 * ms, []time.Duration{ms, 2 * ms, 3 * ms, 4 * ms}, "s2_best"},
	} {
		if got := levelForRTT(tc.rtt, tc.th); got != tc.want {
			t.Errorf("levelForRTT(%v, %v) = %s, want %s", tc.rtt, tc.th, got, tc.want)
		}
	}
}

// TestRouteZLevelChange: a level change mid-stream starts a new S2
// writer; the reader reads one stream through it.
func TestRouteZLevelChange(t *testing.T) {
	z := &zState{}
	var want bytes.Buffer
	for i, level := range []string{"s2_uncompressed", "s2_fast", "s2_best", "s2_better", "s2_fast"} {
		chunk := []byte(strings.Repeat(fmt.Sprintf("RMSG $G foo.%d 5\r\nhello\r\n", i), 100))
		want.Write(chunk)
		if _, err := z.compress([][]byte{chunk[:7], chunk[7:]}, level); err != nil {
			t.Fatal(err)
		}
	}
	got, err := io.ReadAll(s2.NewReader(bytes.NewReader(z.sink.Bytes())))
	if err != nil || !bytes.Equal(got, want.Bytes()) {
		t.Fatalf("decoded %d bytes (err %v), want %d", len(got), err, want.Len())
	}
}

// TestRouteCompressionModes: two natsd nodes with each pair of modes form
// a cluster, agree as nats-server does (/routez shows the level each side
// writes), and pass messages of every size both ways.
func TestRouteCompressionModes(t *testing.T) {
	for _, tc := range []struct {
		a, b         string // seed's mode, joiner's mode
		wantA, wantB string
	}{
		{"s2_fast", "s2_fast", "s2_fast", "s2_fast"},
		{"accept", "s2_better", "s2_better", "s2_better"},
		{"s2_best", "accept", "s2_best", "s2_best"},
		{"s2_best", "s2_fast", "s2_best", "s2_fast"},
		{"accept", "", "off", "off"},
		{"off", "s2_fast", "off", "off"},
		{"s2_auto", "s2_fast", "s2_uncompressed", "s2_fast"},
	} {
		t.Run(tc.a+"-"+tc.b, func(t *testing.T) {
			servers := clStartCluster(t, 2, func(i int, o *Options) {
				o.Cluster.Compression = tc.a
				if i == 1 {
					o.Cluster.Compression = tc.b
				}
			})
			for i, want := range []string{tc.wantA, tc.wantB} {
				clWaitFor(t, clusterWait, "pool", func() bool {
					return len(servers[i].routez(nil).Routes) == clConnsPerPeer
				})
				for _, r := range servers[i].routez(nil).Routes {
					if r.Compression != want {
						t.Fatalf("n%d route %d compression %q, want %q", i+1, r.Rid, r.Compression, want)
					}
				}
			}
			clCheckTraffic(t, servers[0], servers[1])
			clCheckTraffic(t, servers[1], servers[0])
		})
	}
}

// clCheckTraffic publishes messages of growing size (compressible and
// not) on from, each received once on to.
func clCheckTraffic(t *testing.T, from, to *Server) {
	t.Helper()
	sub := clConnect(t, to)
	pub := clConnect(t, from)
	s, err := sub.SubscribeSync("z.>")
	if err != nil {
		t.Fatal(err)
	}
	sub.Flush()
	clWaitFor(t, clusterWait, "interest", func() bool {
		return from.NumRemoteSubscriptions() >= 1
	})
	var sizes []int
	for n := 0; n <= 1<<20-1024; n = n*4 + 1 {
		sizes = append(sizes, n)
	}
	payload := make([]byte, 1<<20)
	for i := range payload {
		payload[i] = byte(i * 7919 >> 3) // not very compressible
	}
	for i, n := range sizes {
		m := nats.NewMsg(fmt.Sprintf("z.%d", i))
		m.Data = payload[:n]
		if i%2 == 1 {
			m.Header.Set("k", strings.Repeat("v", i))
		}
		if err := pub.PublishMsg(m); err != nil {
			t.Fatal(err)
		}
	}
	pub.Flush()
	for i, n := range sizes {
		m, err := s.NextMsg(5 * time.Second)
		if err != nil {
			t.Fatalf("message %d (%d bytes): %v", i, n, err)
		}
		if m.Subject != fmt.Sprintf("z.%d", i) || !bytes.Equal(m.Data, payload[:n]) {
			t.Fatalf("message %d: subject %s, %d bytes", i, m.Subject, len(m.Data))
		}
	}
	s.Unsubscribe()
}

// TestRouteCompressionAutoFollowsRTT: with s2_auto and thresholds below
// any real RTT, the level moves to s2_best once pings have measured the
// RTT, and traffic keeps flowing across the level change.
func TestRouteCompressionAutoFollowsRTT(t *testing.T) {
	servers := clStartCluster(t, 2, func(i int, o *Options) {
		o.Cluster.Compression = "s2_auto"
		o.Cluster.CompressionRTT = []time.Duration{time.Nanosecond, 2 * time.Nanosecond, 3 * time.Nanosecond}
		o.PingInterval = 50 * time.Millisecond
		// The fast pings measure the routes' RTT; they must not close a
		// test client that is slow to answer under load as stale (seen
		// with -race at load ~15: the subscriber reconnected and missed
		// a message).
		o.MaxPingsOut = 1 << 20
	})
	clCheckTraffic(t, servers[0], servers[1])
	for i, s := range servers {
		clWaitFor(t, clusterWait, fmt.Sprintf("n%d at s2_best", i+1), func() bool {
			rs := s.routez(nil).Routes
			for _, r := range rs {
				if r.Compression != "s2_best" {
					return false
				}
			}
			return len(rs) == clConnsPerPeer
		})
	}
	clCheckTraffic(t, servers[1], servers[0])
}

// TestRouteCompressionOverTLS: a compressed route over route TLS (the S2
// stream inside the TLS stream) carries traffic both ways.
func TestRouteCompressionOverTLS(t *testing.T) {
	e := newTLSEnv(t)
	servers := clStartCluster(t, 2, func(i int, o *Options) {
		routeTLS(t, o, e, e.ca, fmt.Sprintf("route%d", i+1), e.ca.file)
		o.Cluster.Compression = "s2_better"
	})
	for _, s := range servers {
		clWaitFor(t, clusterWait, "pool", func() bool { return len(s.routez(nil).Routes) == clConnsPerPeer })
		for _, r := range s.routez(nil).Routes {
			if r.Compression != "s2_better" {
				t.Fatalf("route %d compression %q", r.Rid, r.Compression)
			}
		}
	}
	clCheckTraffic(t, servers[0], servers[1])
	clCheckTraffic(t, servers[1], servers[0])
}

// TestRouteCompressionGarbage: a peer that negotiates compression and then
// sends bytes that are not an S2 stream is cut off; the server keeps
// serving, and its other routes are unaffected.
func TestRouteCompressionGarbage(t *testing.T) {
	servers := clStartCluster(t, 2, func(_ int, o *Options) { o.Cluster.Compression = "s2_fast" })
	conn, err := net.Dial("tcp", servers[0].ClusterAddr().String())
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Close()
	conn.SetDeadline(time.Now().Add(clusterWait))
	br := bufio.NewReader(conn)
	if l, err := br.ReadString('\n'); err != nil || !strings.HasPrefix(l, "INFO ") {
		t.Fatalf("no INFO: %q %v", l, err)
	}
	fmt.Fprintf(conn, "CONNECT {\"name\":\"NBOGUS\",\"cluster\":\"test\",\"headers\":true}\r\n"+
		"INFO {\"server_id\":\"NBOGUS\",\"cluster\":\"test\",\"host\":\"127.0.0.1\",\"port\":1,\"compression\":\"s2_fast\"}\r\n"+
		"RS+ $G foo\r\nthis is not S2\r\n")
	// The server answers with its compressed stream, then closes.
	if _, err := io.Copy(io.Discard, br); err != nil {
		t.Fatalf("the connection was not closed: %v", err)
	}
	clCheckTraffic(t, servers[0], servers[1])
}
