package server

import (
	"bytes"
	"crypto/rand"
	"fmt"
	"io"
	"net"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/nats-io/nats.go"
)

// leafCompressionOf is what s's /leafz shows for its only leaf connection.
func leafCompressionOf(s *Server) string {
	lz, _ := s.Leafz(nil)
	if len(lz.Leafs) != 1 {
		return fmt.Sprintf("%d leafs", len(lz.Leafs))
	}
	return lz.Leafs[0].Compression
}

// levelIs reports whether a /leafz compression is the wanted one.
func levelIs(got, want string) bool {
	if want == "auto" {
		switch got {
		case "s2_uncompressed", "s2_fast", "s2_better", "s2_best":
			return true
		}
		return false
	}
	return got == want
}

// compressedLeafPair starts a natsd hub and a natsd leaf with the given
// modes ("" = the default), the leaf dialing through a counting proxy.
func compressedLeafPair(t *testing.T, hubMode, leafMode string) (hub, lf *Server, px *countingProxy) {
	t.Helper()
	ho := hubOpts("hub")
	ho.LeafNode.Compression = hubMode
	hub = clStart(t, ho)
	px = startCountingProxy(t, hub.LeafAddr().String())
	lo := leafOpts("leaf", "nats://"+px.addr)
	lo.LeafNode.Remotes[0].Compression = leafMode
	lf = clStart(t, lo)
	waitLeafs(t, hub, 1)
	waitLeafs(t, lf, 1)
	return hub, lf, px
}

// TestLeafCompressionModes: a natsd hub and a natsd leaf with each pair
// of modes agree as nats-server does (each /leafz shows the level its
// side writes), and messages, headers, payloads up to max_payload and
// request/reply cross both ways.
func TestLeafCompressionModes(t *testing.T) {
	for _, tc := range []struct {
		hub, leaf         string
		wantHub, wantLeaf string
	}{
		{"", "", "auto", "auto"}, // both s2_auto by default (levelIs)
		{"s2_fast", "accept", "s2_fast", "s2_fast"},
		{"accept", "s2_best", "s2_best", "s2_best"},
		{"s2_better", "s2_fast", "s2_better", "s2_fast"},
		{"accept", "s2_auto", "s2_fast", "auto"},
		{"s2_auto", "accept", "auto", "s2_fast"},
		{"off", "s2_fast", "off", "off"},
		{"s2_fast", "off", "off", "off"},
		{"accept", "accept", "off", "off"},
	} {
		t.Run(tc.hub+"-"+tc.leaf, func(t *testing.T) {
			hub, lf, _ := compressedLeafPair(t, tc.hub, tc.leaf)
			if got := leafCompressionOf(hub); !levelIs(got, tc.wantHub) {
				t.Errorf("hub /leafz compression %q, want %q", got, tc.wantHub)
			}
			if got := leafCompressionOf(lf); !levelIs(got, tc.wantLeaf) {
				t.Errorf("leaf /leafz compression %q, want %q", got, tc.wantLeaf)
			}
			leafTrafficChecks(t, leafConnect(t, hub), leafConnect(t, lf), int(hub.getOpts().MaxPayload))
		})
	}
}

// leafTrafficChecks sends messages with headers, payloads of every size
// up to maxPayload (random and compressible) and requests both ways
// between a client of the hub and a client of the leaf.
func leafTrafficChecks(t *testing.T, hc, lc *nats.Conn, maxPayload int) {
	t.Helper()
	random := make([]byte, maxPayload)
	rand.Read(random)
	text := bytes.Repeat([]byte("compressible text "), maxPayload/18+1)[:maxPayload]
	for _, dir := range []struct {
		name     string
		pub, sub *nats.Conn
	}{{"leaf→hub", lc, hc}, {"hub→leaf", hc, lc}} {
		sub, _ := dir.sub.SubscribeSync("z.>")
		dir.sub.Flush()
		waitDelivers(t, dir.pub, "z.probe", sub)
		var sizes []int
		for _, n := range []int{0, 1, 100, 4096, 70000, 300000} {
			if n < maxPayload-200 {
				sizes = append(sizes, n)
			}
		}
		sizes = append(sizes, maxPayload-200) // the headers take the rest
		for i, n := range sizes {
			src := random
			if i%2 == 1 {
				src = text
			}
			m := nats.NewMsg(fmt.Sprintf("z.%d", i))
			m.Header.Set("Size", fmt.Sprint(n))
			m.Data = src[:n]
			if err := dir.pub.PublishMsg(m); err != nil {
				t.Fatalf("%s: publish %d bytes: %v", dir.name, n, err)
			}
		}
		dir.pub.Flush()
		for i, n := range sizes {
			src := random
			if i%2 == 1 {
				src = text
			}
			got := nextMsg(t, sub)
			if got.Subject != fmt.Sprintf("z.%d", i) || got.Header.Get("Size") != fmt.Sprint(n) || !bytes.Equal(got.Data, src[:n]) {
				t.Fatalf("%s: message %d: got %s, %d bytes, header %v", dir.name, i, got.Subject, len(got.Data), got.Header)
			}
		}
		// A burst of the largest messages: the writer batches them, and
		// no batch may become a message the peer refuses (a nats-server
		// leaf over WebSocket takes messages up to its max_payload).
		big := random[:maxPayload-200]
		for i := 0; i < 4; i++ {
			dir.pub.Publish("z.burst", big)
		}
		dir.pub.Flush()
		for i := 0; i < 4; i++ {
			if got := nextMsg(t, sub); got.Subject != "z.burst" || !bytes.Equal(got.Data, big) {
				t.Fatalf("%s: burst message %d: got %s, %d bytes", dir.name, i, got.Subject, len(got.Data))
			}
		}
		sub.Unsubscribe()

		rs, _ := dir.sub.Subscribe("svc", func(m *nats.Msg) { m.Respond(append([]byte("re:"), m.Data...)) })
		dir.sub.Flush()
		deadline := time.Now().Add(leafWait)
		for {
			r, err := dir.pub.Request("svc", []byte("x"), 200*time.Millisecond)
			if err == nil && string(r.Data) == "re:x" {
				break
			}
			if time.Now().After(deadline) {
				t.Fatalf("%s: request: %v %v", dir.name, r, err)
			}
		}
		rs.Unsubscribe()
	}
}

// TestLeafCompressionOnTheWire: with s2_best both ways, a compressible
// payload crosses the leaf connection in far fewer bytes than it has; with
// off, in more. The proxy between the two counts the bytes.
func TestLeafCompressionOnTheWire(t *testing.T) {
	const size = 512 << 10
	payload := bytes.Repeat([]byte("abcdefgh"), size/8)
	for _, tc := range []struct {
		mode       string
		compressed bool
	}{{"s2_best", true}, {"off", false}} {
		t.Run(tc.mode, func(t *testing.T) {
			hub, lf, px := compressedLeafPair(t, tc.mode, tc.mode)
			hc, lc := leafConnect(t, hub), leafConnect(t, lf)
			sub, _ := hc.SubscribeSync("big")
			hc.Flush()
			waitInterest(t, lf, "$G", "big")
			before := px.up.Load()
			lc.Publish("big", payload)
			lc.Flush()
			if m := nextMsg(t, sub); !bytes.Equal(m.Data, payload) {
				t.Fatalf("got %d bytes", len(m.Data))
			}
			sent := px.up.Load() - before
			if tc.compressed && sent > size/10 {
				t.Fatalf("%d bytes on the wire for a %d byte compressible payload", sent, size)
			}
			if !tc.compressed && sent < size {
				t.Fatalf("%d bytes on the wire for a %d byte payload, uncompressed", sent, size)
			}
		})
	}
}

// TestLeafCompressionAutoFollowsRTT: with s2_auto and thresholds below
// any real RTT, the level moves to s2_best on both sides once pings have
// measured the RTT, and traffic keeps flowing across the level change.
func TestLeafCompressionAutoFollowsRTT(t *testing.T) {
	th := []time.Duration{time.Nanosecond, 2 * time.Nanosecond, 3 * time.Nanosecond}
	ho := hubOpts("hub")
	ho.LeafNode.Compression, ho.LeafNode.CompressionRTT = "s2_auto", th
	ho.PingInterval, ho.MaxPingsOut = 50*time.Millisecond, 1<<20
	hub := clStart(t, ho)
	lo := leafOpts("leaf", leafURLOf(hub))
	lo.LeafNode.Remotes[0].Compression, lo.LeafNode.Remotes[0].CompressionRTT = "s2_auto", th
	lo.PingInterval, lo.MaxPingsOut = 50*time.Millisecond, 1<<20
	lf := clStart(t, lo)
	waitLeafs(t, hub, 1)
	waitLeafs(t, lf, 1)
	for _, s := range []*Server{hub, lf} {
		clWaitFor(t, leafWait, s.name+" at s2_best", func() bool { return leafCompressionOf(s) == "s2_best" })
	}
	leafTrafficChecks(t, leafConnect(t, hub), leafConnect(t, lf), 64<<10)
}

// TestLeafCompressionGarbage: a leaf that agrees on compression and then
// sends bytes that are not an S2 stream is cut off; the hub goes on
// serving its other leaf.
func TestLeafCompressionGarbage(t *testing.T) {
	hub, lf, _ := compressedLeafPair(t, "s2_fast", "")
	conn, err := net.Dial("tcp", hub.LeafAddr().String())
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Close()
	info, err := readInfoLine(conn, leafWait)
	if err != nil || !bytes.Contains(info, []byte(`"compression":"s2_fast"`)) {
		t.Fatalf("hub INFO %q (%v)", info, err)
	}
	fmt.Fprintf(conn, "INFO {\"compression\":\"s2_fast\"}\r\nthis is not an S2 stream\r\n")
	conn.SetReadDeadline(time.Now().Add(leafWait))
	if _, err := io.Copy(io.Discard, conn); err != nil {
		t.Fatalf("the hub did not close the connection: %v", err)
	}
	waitLeafs(t, hub, 1)
	leafTrafficChecks(t, leafConnect(t, hub), leafConnect(t, lf), 4096)
}

// countingProxy forwards TCP connections to a target, counting the bytes
// each way.
type countingProxy struct {
	addr     string
	up, down atomic.Int64 // dialer → target, target → dialer
}

func startCountingProxy(t *testing.T, target string) *countingProxy {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	px := &countingProxy{addr: ln.Addr().String()}
	var wg sync.WaitGroup
	var mu sync.Mutex
	var conns []net.Conn
	t.Cleanup(func() {
		ln.Close()
		mu.Lock()
		for _, c := range conns {
			c.Close()
		}
		mu.Unlock()
		wg.Wait()
	})
	wg.Add(1)
	go func() {
		defer wg.Done()
		for {
			c, err := ln.Accept()
			if err != nil {
				return
			}
			u, err := net.Dial("tcp", target)
			if err != nil {
				c.Close()
				continue
			}
			mu.Lock()
			conns = append(conns, c, u)
			mu.Unlock()
			pipe := func(dst, src net.Conn, n *atomic.Int64) {
				defer wg.Done()
				buf := make([]byte, 32<<10)
				for {
					k, err := src.Read(buf)
					if k > 0 {
						n.Add(int64(k))
						if _, werr := dst.Write(buf[:k]); werr != nil {
							break
						}
					}
					if err != nil {
						break
					}
				}
				dst.Close()
				src.Close()
			}
			wg.Add(2)
			go pipe(u, c, &px.up)
			go pipe(c, u, &px.down)
		}
	}()
	return px
}

// TestLeafCompressionConfig: the compression keys of the leafnodes block
// and of a remote, and nats-server's texts for bad values, with the
// position.
func TestLeafCompressionConfig(t *testing.T) {
	for _, tc := range []struct {
		value    string
		mode     string
		rtt      []time.Duration
		errorHas string
	}{
		{value: `s2_fast`, mode: "s2_fast"},
		{value: `accept`, mode: "accept"},
		{value: `off`, mode: "off"},
		{value: `disabled`, mode: "off"},
		{value: `false`, mode: "off"},
		{value: `true`, mode: "s2_auto"},
		{value: `on`, mode: "s2_auto"},
		{value: `enabled`, mode: "s2_auto"},
		{value: `{ mode: s2_auto, rtt_thresholds: [5ms, 20ms] }`, mode: "s2_auto", rtt: []time.Duration{5 * time.Millisecond, 20 * time.Millisecond}},
		{value: `{ rtt_thresholds: [5ms] }`, mode: "s2_auto", rtt: []time.Duration{5 * time.Millisecond}},
		{value: `{ mode: s2_best }`, mode: "s2_best"},
		{value: `s2_fastest`, errorHas: `unsupported compression mode "s2_fastest"`},
		{value: `{ mode: bogus }`, errorHas: `unsupported compression mode "bogus"`},
		{value: `{ mode: s2_auto, rtt_thresholds: [50ms, 10ms] }`, errorHas: `RTT threshold values [50ms 10ms] should be in ascending order`},
		{value: `{ mode: s2_auto, rtt_thresholds: [0ms] }`, errorHas: `compression mode "s2_auto" requires at least one RTT threshold`},
		{value: `{ mode: s2_auto, rtt_thresholds: [abc] }`, errorHas: `time: invalid duration "abc"`},
		{value: `{ mode: s2_fast, level: 3 }`, errorHas: `unknown field "level"`},
		{value: `123`, errorHas: `field "compression" should be a boolean or a structure, got int64`},
	} {
		for _, where := range []string{"hub", "remote"} {
			var text string
			if where == "hub" {
				text = "leafnodes {\n  listen: 127.0.0.1:-1\n  compression: " + tc.value + "\n}\n"
			} else {
				text = "leafnodes {\n  remotes: [ { url: \"nats://127.0.0.1:7422\"\n    compression: " + tc.value + " } ]\n}\n"
			}
			o, err := parseConfigText(t, text)
			if tc.errorHas != "" {
				if err == nil || !strings.Contains(err.Error(), tc.errorHas) || !strings.Contains(err.Error(), ":3:") {
					t.Errorf("%s %s: error %v, want line 3 and %q", where, tc.value, err, tc.errorHas)
				}
				continue
			}
			if err != nil {
				t.Errorf("%s %s: %v", where, tc.value, err)
				continue
			}
			mode, rtt := o.LeafNode.Compression, o.LeafNode.CompressionRTT
			if where == "remote" {
				mode, rtt = o.LeafNode.Remotes[0].Compression, o.LeafNode.Remotes[0].CompressionRTT
			}
			if mode != tc.mode || fmt.Sprint(rtt) != fmt.Sprint(tc.rtt) {
				t.Errorf("%s %s: mode %q rtt %v, want %q %v", where, tc.value, mode, rtt, tc.mode, tc.rtt)
			}
		}
	}
}

// parseConfigText reads config text from a file, as natsd -c does.
func parseConfigText(t *testing.T, text string) (*Options, error) {
	t.Helper()
	path := filepath.Join(t.TempDir(), "z.conf")
	if err := os.WriteFile(path, []byte(text), 0o644); err != nil {
		t.Fatal(err)
	}
	return ProcessConfigFile(path)
}

// TestLeafCompressionReload: a reload changes the hub's compression (its
// leaf connections reconnect and agree again) and a remote's (that remote
// reconnects), with traffic flowing after each.
func TestLeafCompressionReload(t *testing.T) {
	dir := t.TempDir()
	hubPath, leafPath := filepath.Join(dir, "hub.conf"), filepath.Join(dir, "leaf.conf")
	writeHub := func(mode string) {
		os.WriteFile(hubPath, []byte("listen: 127.0.0.1:-1\nserver_name: hub\nleafnodes { listen: 127.0.0.1:-1, compression: "+mode+" }\n"), 0o600)
	}
	writeHub("s2_fast")
	ho, err := ProcessConfigFile(hubPath)
	if err != nil {
		t.Fatal(err)
	}
	ho.NoLog = os.Getenv("NATSD_TEST_LOG") == ""
	hub := clStart(t, ho)
	writeLeaf := func(mode string) {
		os.WriteFile(leafPath, []byte(fmt.Sprintf("listen: 127.0.0.1:-1\nserver_name: leaf\nleafnodes { reconnect: \"50ms\", remotes: [ { url: %q, compression: %s } ] }\n",
			leafURLOf(hub), mode)), 0o600)
	}
	writeLeaf("accept")
	lo, err := ProcessConfigFile(leafPath)
	if err != nil {
		t.Fatal(err)
	}
	lo.NoLog = ho.NoLog
	lf := clStart(t, lo)
	waitLeafs(t, hub, 1)
	want := func(h, l string) {
		t.Helper()
		clWaitFor(t, leafWait, "hub "+h+", leaf "+l, func() bool { return leafCompressionOf(hub) == h && leafCompressionOf(lf) == l })
		leafTrafficChecks(t, leafConnect(t, hub), leafConnect(t, lf), 4096)
	}
	want("s2_fast", "s2_fast")

	writeHub("s2_best")
	if err := hub.Reload(); err != nil {
		t.Fatal(err)
	}
	want("s2_best", "s2_best")

	writeHub("off")
	if err := hub.Reload(); err != nil {
		t.Fatal(err)
	}
	want("off", "off")

	writeHub("accept")
	if err := hub.Reload(); err != nil {
		t.Fatal(err)
	}
	writeLeaf("s2_better")
	if err := lf.Reload(); err != nil {
		t.Fatal(err)
	}
	want("s2_better", "s2_better")
}
