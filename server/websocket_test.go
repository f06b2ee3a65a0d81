package server

import (
	"bufio"
	"bytes"
	"encoding/binary"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"os"
	"path/filepath"
	"runtime"
	"strconv"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/gobwas/ws"
	"github.com/nats-io/nats.go"

	"github.com/natsd/natsd/auth"
)

// wsWait bounds every wait in the WebSocket tests.
const wsWait = 10 * time.Second

// startWSServer starts a server with a plain WebSocket listener on a free
// port; edit adjusts the options first.
func startWSServer(t *testing.T, edit func(o *Options)) *Server {
	t.Helper()
	o := &Options{Websocket: WebsocketOpts{Host: "127.0.0.1", Port: RandomPort, NoTLS: true}}
	if edit != nil {
		edit(o)
	}
	return startTestServer(t, o)
}

// wsConnect connects nats.go over ws:// and closes it when the test ends.
func wsConnect(t *testing.T, s *Server, opts ...nats.Option) *nats.Conn {
	t.Helper()
	nc, err := nats.Connect(s.WebsocketURL(), append([]nats.Option{nats.Timeout(wsWait)}, opts...)...)
	if err != nil {
		t.Fatalf("connecting over websocket: %v", err)
	}
	t.Cleanup(nc.Close)
	return nc
}

func tcpConnect(t *testing.T, s *Server, opts ...nats.Option) *nats.Conn {
	t.Helper()
	nc, err := nats.Connect(s.ClientURL(), append([]nats.Option{nats.Timeout(wsWait)}, opts...)...)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(nc.Close)
	return nc
}

func wsNext(t *testing.T, sub *nats.Subscription) *nats.Msg {
	t.Helper()
	m, err := sub.NextMsg(wsWait)
	if err != nil {
		t.Fatalf("waiting on %s: %v", sub.Subject, err)
	}
	return m
}

// Messages flow both ways between WebSocket and TCP clients, plain and
// compressed, with headers, queue groups, request/reply, no-responders
// and payloads up to max_payload.
func TestWebsocketWithTCPClients(t *testing.T) {
	for _, compress := range []bool{false, true} {
		t.Run(fmt.Sprintf("compression=%v", compress), func(t *testing.T) {
			s := startWSServer(t, func(o *Options) { o.Websocket.Compression = compress })
			ws := wsConnect(t, s, nats.Compression(compress))
			tcp := tcpConnect(t, s)
			if got := wsCompressed(t, s); got != compress {
				t.Fatalf("permessage-deflate negotiated: %v, want %v", got, compress)
			}

			// WS → TCP and TCP → WS.
			tsub, _ := tcp.SubscribeSync("to.tcp")
			wsub, _ := ws.SubscribeSync("to.ws")
			ws.Flush()
			tcp.Flush()
			ws.Publish("to.tcp", []byte("from ws"))
			tcp.Publish("to.ws", []byte("from tcp"))
			if m := wsNext(t, tsub); string(m.Data) != "from ws" {
				t.Fatalf("tcp got %q", m.Data)
			}
			if m := wsNext(t, wsub); string(m.Data) != "from tcp" {
				t.Fatalf("ws got %q", m.Data)
			}

			// Headers.
			hm := nats.NewMsg("to.ws")
			hm.Header.Set("X-Kind", "header")
			hm.Data = []byte("with header")
			tcp.PublishMsg(hm)
			if m := wsNext(t, wsub); m.Header.Get("X-Kind") != "header" || string(m.Data) != "with header" {
				t.Fatalf("ws got header %v data %q", m.Header, m.Data)
			}

			// Request/reply both ways.
			tcp.Subscribe("svc.tcp", func(m *nats.Msg) { m.Respond(append([]byte("tcp:"), m.Data...)) })
			ws.Subscribe("svc.ws", func(m *nats.Msg) { m.Respond(append([]byte("ws:"), m.Data...)) })
			tcp.Flush()
			ws.Flush()
			if r, err := ws.Request("svc.tcp", []byte("q1"), wsWait); err != nil || string(r.Data) != "tcp:q1" {
				t.Fatalf("ws request: %v %v", r, err)
			}
			if r, err := tcp.Request("svc.ws", []byte("q2"), wsWait); err != nil || string(r.Data) != "ws:q2" {
				t.Fatalf("tcp request: %v %v", r, err)
			}

			// No responders.
			if _, err := ws.Request("nobody.home", nil, wsWait); !errors.Is(err, nats.ErrNoResponders) {
				t.Fatalf("request without responders: %v, want no responders", err)
			}

			// Queue group shared by a WS and a TCP member: each message
			// reaches exactly one of them.
			counts := make(chan string, 100)
			ws.QueueSubscribe("work", "q", func(*nats.Msg) { counts <- "ws" })
			tcp.QueueSubscribe("work", "q", func(*nats.Msg) { counts <- "tcp" })
			ws.Flush()
			tcp.Flush()
			for i := 0; i < 40; i++ {
				tcp.Publish("work", nil)
			}
			got := 0
			timeout := time.After(wsWait)
			for got < 40 {
				select {
				case <-counts:
					got++
				case <-timeout:
					t.Fatalf("queue group got %d of 40", got)
				}
			}
			select {
			case extra := <-counts:
				t.Fatalf("a queue message was delivered twice (extra to %s)", extra)
			case <-time.After(50 * time.Millisecond):
			}

			// Payloads up to max_payload, both ways.
			big := bytes.Repeat([]byte("0123456789abcdef"), int(ws.MaxPayload())/16)
			ws.Publish("to.tcp", big)
			if m := wsNext(t, tsub); !bytes.Equal(m.Data, big) {
				t.Fatalf("tcp got %d bytes, want %d", len(m.Data), len(big))
			}
			tcp.Publish("to.ws", big)
			if m := wsNext(t, wsub); !bytes.Equal(m.Data, big) {
				t.Fatalf("ws got %d bytes, want %d", len(m.Data), len(big))
			}
			// One byte more is refused with nats-server's error.
			if err := ws.Publish("to.tcp", append(big, 'x')); !errors.Is(err, nats.ErrMaxPayload) {
				t.Fatalf("publishing past max_payload: %v", err)
			}
		})
	}
}

// A WebSocket client reconnects after the server restarts on the same
// ports, and its subscriptions work again.
func TestWebsocketReconnectAfterRestart(t *testing.T) {
	s := startWSServer(t, nil)
	url := s.WebsocketURL()
	reconnected := make(chan struct{}, 1)
	nc, err := nats.Connect(url, nats.MaxReconnects(-1), nats.ReconnectWait(50*time.Millisecond),
		nats.ReconnectHandler(func(*nats.Conn) { reconnected <- struct{}{} }))
	if err != nil {
		t.Fatal(err)
	}
	defer nc.Close()
	sub, _ := nc.SubscribeSync("after.restart")
	nc.Flush()
	port := s.WebsocketAddr().(interface{ String() string }).String()
	s.Shutdown()

	var s2 *Server
	deadline := time.Now().Add(wsWait)
	for {
		o := &Options{Host: "127.0.0.1", Port: RandomPort, NoLog: true,
			Websocket: WebsocketOpts{Host: "127.0.0.1", Port: portOf(t, port), NoTLS: true}}
		s2, err = New(o)
		if err == nil {
			if err = s2.Start(); err == nil {
				break
			}
		}
		if time.Now().After(deadline) {
			t.Fatalf("restarting on %s: %v", port, err)
		}
		time.Sleep(20 * time.Millisecond)
	}
	defer s2.Shutdown()
	select {
	case <-reconnected:
	case <-time.After(wsWait):
		t.Fatal("no reconnect over websocket")
	}
	pub := tcpConnect(t, s2)
	deadline = time.Now().Add(wsWait)
	for {
		pub.Publish("after.restart", []byte("again"))
		if m, err := sub.NextMsg(100 * time.Millisecond); err == nil {
			if string(m.Data) != "again" {
				t.Fatalf("got %q", m.Data)
			}
			break
		}
		if time.Now().After(deadline) {
			t.Fatal("the resubscribed websocket client got nothing")
		}
	}
}

func portOf(t *testing.T, hostport string) int {
	t.Helper()
	i := strings.LastIndexByte(hostport, ':')
	var p int
	if _, err := fmt.Sscan(hostport[i+1:], &p); err != nil {
		t.Fatal(err)
	}
	return p
}

// /connz shows a WebSocket client with type "websocket", /varz has the
// websocket section, and /metrics counts WebSocket connections.
func TestWebsocketMonitoring(t *testing.T) {
	s := startWSServer(t, func(o *Options) {
		o.HTTPHost, o.HTTPPort = "127.0.0.1", RandomPort
		o.Websocket.Compression = true
		o.Websocket.AllowedOrigins = []string{"http://app.example.com"}
	})
	ws := wsConnect(t, s, nats.Name("browser-ish"))
	tcpConnect(t, s, nats.Name("plain"))
	ws.Flush()
	base := "http://" + s.MonitorAddr().String()

	var connz struct {
		Conns []struct {
			Type string `json:"type"`
			Kind string `json:"kind"`
			Name string `json:"name"`
		} `json:"connections"`
	}
	getJSON(t, base+"/connz", &connz)
	types := map[string]string{}
	for _, c := range connz.Conns {
		types[c.Name] = c.Kind + "/" + c.Type
	}
	if types["browser-ish"] != "Client/websocket" || types["plain"] != "Client/nats" {
		t.Fatalf("connz kinds/types %v", types)
	}

	var varz struct {
		Websocket map[string]any `json:"websocket"`
	}
	getJSON(t, base+"/varz", &varz)
	w := varz.Websocket
	if w["host"] != "127.0.0.1" || w["port"] != float64(addrPort(s.WebsocketAddr())) || w["no_tls"] != true ||
		w["compression"] != true || fmt.Sprint(w["allowed_origins"]) != "[http://app.example.com]" {
		t.Fatalf("varz websocket section %v", w)
	}

	resp, err := http.Get(base + "/metrics")
	if err != nil {
		t.Fatal(err)
	}
	body, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	if !strings.Contains(string(body), "connz_websocket_connections{server_id=\""+s.ID()+"\"} 1\n") {
		t.Fatalf("metrics without one websocket connection:\n%s", grepLines(string(body), "websocket"))
	}
	// Closed WebSocket connections keep their type.
	ws.Close()
	var closed struct {
		Conns []struct {
			Type string `json:"type"`
			Name string `json:"name"`
		} `json:"connections"`
	}
	deadline := time.Now().Add(wsWait)
	for {
		getJSON(t, base+"/connz?state=closed", &closed)
		if len(closed.Conns) == 1 && closed.Conns[0].Type == "websocket" {
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("closed connz %+v", closed)
		}
		time.Sleep(10 * time.Millisecond)
	}
}

func getJSON(t *testing.T, url string, v any) {
	t.Helper()
	resp, err := http.Get(url)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	if err := json.NewDecoder(resp.Body).Decode(v); err != nil {
		t.Fatal(err)
	}
}

func grepLines(s, word string) string {
	var out []string
	for _, l := range strings.Split(s, "\n") {
		if strings.Contains(l, word) {
			out = append(out, l)
		}
	}
	return strings.Join(out, "\n")
}

// The websocket block parses with every key, and bad blocks are refused
// with nats-server's texts.
func TestWebsocketConfig(t *testing.T) {
	dir := t.TempDir()
	write := func(name, text string) string {
		p := filepath.Join(dir, name)
		if err := os.WriteFile(p, []byte(text), 0o644); err != nil {
			t.Fatal(err)
		}
		return p
	}
	good := write("good.conf", `
authorization { users: [ { user: bob, password: pw } ] }
websocket {
  listen: "127.0.0.1:8443"
  advertise: "ws.example.com:443"
  no_tls: true
  same_origin: true
  allowed_origins: ["https://app.example.com"]
  compression: true
  handshake_timeout: "3s"
  token_cookie: "tok"
  no_auth_user: bob
}
`)
	o, err := ProcessConfigFile(good)
	if err != nil {
		t.Fatal(err)
	}
	w := o.Websocket
	if w.Host != "127.0.0.1" || w.Port != 8443 || w.Advertise != "ws.example.com:443" || !w.NoTLS || !w.SameOrigin ||
		len(w.AllowedOrigins) != 1 || !w.Compression || w.HandshakeTimeout != 3*time.Second ||
		w.TokenCookie != "tok" || w.NoAuthUser != "bob" {
		t.Fatalf("parsed %+v", w)
	}
	if _, err := New(o); err != nil {
		t.Fatalf("valid block refused: %v", err)
	}

	own := write("own.conf", "websocket { port: 8080, no_tls: true, authorization { user: u, password: p, timeout: 1.5 } }\n")
	if o, err = ProcessConfigFile(own); err != nil {
		t.Fatal(err)
	}
	if o.Websocket.Username != "u" || o.Websocket.Password != "p" || o.Websocket.AuthTimeout != 1500*time.Millisecond {
		t.Fatalf("parsed %+v", o.Websocket)
	}

	for _, tc := range []struct{ name, text, want string }{
		{"unknown", "websocket {\n  port: 8080\n  no_tls: true\n  compresion: true\n}\n", `unknown.conf:4:3: unknown field "compresion" (did you mean "compression"?)`},
		{"usercookie", "websocket {\n  port: 8080, no_tls: true\n  username_cookie: u\n}\n", `usercookie.conf:3:3: unknown field "username_cookie"`},
		{"wsusers", "websocket {\n  port: 8080, no_tls: true\n  authorization { users: [] }\n}\n", `wsusers.conf:3:19: unknown field "users"`},
	} {
		_, err := ProcessConfigFile(write(tc.name+".conf", tc.text))
		if err == nil || !strings.Contains(err.Error(), tc.want) {
			t.Errorf("%s: error %v, want %q", tc.name, err, tc.want)
		}
	}

	for _, tc := range []struct {
		name string
		w    WebsocketOpts
		o    Options
		want string
	}{
		{"notls", WebsocketOpts{Port: 8080}, Options{}, "websocket requires TLS configuration"},
		{"jwt", WebsocketOpts{Port: 8080, NoTLS: true, JWTCookie: "jwt"}, Options{},
			`trusted operators or trusted keys configuration is required for JWT authentication via cookie "jwt"`},
		{"user+users", WebsocketOpts{Port: 8080, NoTLS: true, Username: "a"}, Options{Users: usersNamed("bob")},
			"websocket authentication username not compatible with presence of users/nkeys"},
		{"token+users", WebsocketOpts{Port: 8080, NoTLS: true, Token: "t"}, Options{Users: usersNamed("bob")},
			"websocket authentication token not compatible with presence of users/nkeys"},
		{"noauth", WebsocketOpts{Port: 8080, NoTLS: true, NoAuthUser: "bob"}, Options{},
			`no_auth_user: "bob" present, but users/nkeys are not defined`},
		{"origin", WebsocketOpts{Port: 8080, NoTLS: true, AllowedOrigins: []string{"::bad"}}, Options{}, "allowed origin"},
	} {
		o := tc.o
		o.Websocket = tc.w
		o.NoLog = true
		if _, err := New(&o); err == nil || !strings.Contains(err.Error(), tc.want) {
			t.Errorf("%s: error %v, want %q", tc.name, err, tc.want)
		}
	}
}

func usersNamed(names ...string) []*auth.User {
	var out []*auth.User
	for _, n := range names {
		out = append(out, &auth.User{Username: n, Password: "pw"})
	}
	return out
}

// wsCompressed reports whether the server's only WebSocket client
// negotiated compression.
func wsCompressed(t *testing.T, s *Server) bool {
	t.Helper()
	for _, c := range s.snapshotClients() {
		if c.ws != nil {
			return c.ws.conn.Compressed()
		}
	}
	t.Fatal("no websocket client")
	return false
}

// wsRawConn upgrades a raw connection to s's WebSocket listener and
// completes CONNECT; it returns the connection and a reader positioned at
// the first frame after PONG's.
func wsRawConn(tb testing.TB, s *Server) (net.Conn, *bufio.Reader) {
	tb.Helper()
	conn, err := net.Dial("tcp", s.WebsocketAddr().String())
	if err != nil {
		tb.Fatal(err)
	}
	tb.Cleanup(func() { conn.Close() })
	conn.SetDeadline(time.Now().Add(30 * time.Second))
	io.WriteString(conn, "GET / HTTP/1.1\r\nHost: x\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n"+
		"Sec-WebSocket-Version: 13\r\nSec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\n\r\n")
	br := bufio.NewReaderSize(conn, 64*1024)
	if resp, err := http.ReadResponse(br, nil); err != nil || resp.StatusCode != 101 {
		tb.Fatalf("upgrade: %v %v", resp, err)
	}
	wsReadPayload(tb, br) // INFO
	wsWriteMasked(tb, conn, []byte("CONNECT {\"verbose\":false}\r\nPING\r\n"))
	if p := wsReadPayload(tb, br); string(p) != "PONG\r\n" {
		tb.Fatalf("handshake: %q", p)
	}
	return conn, br
}

func wsReadPayload(tb testing.TB, br *bufio.Reader) []byte {
	tb.Helper()
	f, err := ws.ReadFrame(br)
	if err != nil {
		tb.Fatal(err)
	}
	return f.Payload
}

func wsWriteMasked(tb testing.TB, conn net.Conn, p []byte) {
	tb.Helper()
	if err := ws.WriteFrame(conn, ws.MaskFrameInPlace(ws.NewBinaryFrame(append([]byte(nil), p...)))); err != nil {
		tb.Fatal(err)
	}
}

// TestWebsocketHotPathAllocations: a WebSocket publisher and WebSocket
// subscribers go through the same allocation-free path as TCP ones; the
// frame adapter adds nothing per message.
func TestWebsocketHotPathAllocations(t *testing.T) {
	if raceEnabled {
		t.Skip("the race detector allocates; run without -race")
	}
	s := startWSServer(t, nil)
	pub, _ := wsRawConn(t, s)
	var subs []*bufio.Reader
	for i := 0; i < 3; i++ {
		sc, sr := wsRawConn(t, s)
		wsWriteMasked(t, sc, []byte("SUB foo 1\r\nPING\r\n"))
		if p := wsReadPayload(t, sr); string(p) != "PONG\r\n" {
			t.Fatalf("sub: %q", p)
		}
		subs = append(subs, sr)
	}
	const batch, size = 1000, 128
	// The publisher's batch as a client sends it: masked frames of 16 KB.
	raw := pubBatch("foo", size, batch)
	var frames []byte
	for len(raw) > 0 {
		n := min(len(raw), 16*1024)
		f, _ := ws.CompileFrame(ws.MaskFrame(ws.NewBinaryFrame(raw[:n])))
		frames = append(frames, f...)
		raw = raw[n:]
	}
	msgLen := len("MSG foo 1 "+strconv.Itoa(size)+"\r\n") + size + 2
	pump := func(rounds int) {
		done := make(chan error, len(subs))
		for _, sr := range subs {
			go func(sr *bufio.Reader) {
				left := int64(msgLen * batch * rounds)
				for left > 0 {
					n, err := wsSkipServerFrame(sr)
					if err != nil {
						done <- err
						return
					}
					left -= n
				}
				done <- nil
			}(sr)
		}
		for i := 0; i < rounds; i++ {
			if _, err := pub.Write(frames); err != nil {
				t.Fatal(err)
			}
		}
		for range subs {
			if err := <-done; err != nil {
				t.Fatal(err)
			}
		}
	}
	pump(20) // warm up buffers and caches
	var before, after runtime.MemStats
	const rounds = 50
	runtime.ReadMemStats(&before)
	pump(rounds)
	runtime.ReadMemStats(&after)
	total := batch * rounds
	allocs := after.Mallocs - before.Mallocs
	// The test's frame readers allocate nothing, so what is counted is the
	// server's (and the runtime's background work): a per-message
	// allocation would show up as >= total.
	if allocs > uint64(total/20) {
		t.Fatalf("%d allocations for %d messages delivered to %d websocket subscribers", allocs, total, len(subs))
	}
	t.Logf("%d allocations for %d messages x %d subscribers", allocs, total, len(subs))
}

// Drain works over WebSocket: pending messages are delivered, then the
// connection closes.
func TestWebsocketDrain(t *testing.T) {
	s := startWSServer(t, nil)
	closed := make(chan struct{})
	ws := wsConnect(t, s, nats.ClosedHandler(func(*nats.Conn) { close(closed) }))
	got := make(chan struct{}, 100)
	ws.Subscribe("drain.me", func(*nats.Msg) { got <- struct{}{} })
	ws.Flush()
	tcp := tcpConnect(t, s)
	for i := 0; i < 50; i++ {
		tcp.Publish("drain.me", nil)
	}
	tcp.Flush()
	if err := ws.Drain(); err != nil {
		t.Fatal(err)
	}
	select {
	case <-closed:
	case <-time.After(wsWait):
		t.Fatal("drain did not close the connection")
	}
	if len(got) != 50 {
		t.Fatalf("%d of 50 messages before the drain finished", len(got))
	}
}

// A reload changes the WebSocket credentials: clients that no longer pass
// are disconnected, new ones need the new password, TCP clients are not
// affected.
func TestWebsocketReloadAuth(t *testing.T) {
	mk := func(pass string) *Options {
		return &Options{Host: "127.0.0.1", Port: RandomPort, NoLog: true,
			Websocket: WebsocketOpts{Host: "127.0.0.1", Port: RandomPort, NoTLS: true, Username: "web", Password: pass}}
	}
	s := startTestServer(t, mk("one"))
	closed := make(chan struct{})
	old := wsConnect(t, s, nats.UserInfo("web", "one"), nats.NoReconnect(),
		nats.ClosedHandler(func(*nats.Conn) { close(closed) }))
	old.Flush()
	tcp := tcpConnect(t, s)
	s.SetConfigLoader(func() (*Options, error) { return mk("two"), nil })
	if err := s.Reload(); err != nil {
		t.Fatal(err)
	}
	select {
	case <-closed:
	case <-time.After(wsWait):
		t.Fatal("a client with the old password stayed connected")
	}
	if _, err := nats.Connect(s.WebsocketURL(), nats.UserInfo("web", "one")); err == nil {
		t.Fatal("the old password still works")
	}
	expectServed(t, s, nats.UserInfo("web", "two"))
	if err := tcp.Flush(); err != nil {
		t.Fatalf("the TCP client was affected: %v", err)
	}

	// The listen address needs a restart.
	moved := mk("two")
	moved.Websocket.Port = 1
	s.SetConfigLoader(func() (*Options, error) { return moved, nil })
	if err := s.Reload(); err == nil || !strings.Contains(err.Error(), "websocket.listen") {
		t.Fatalf("moving the listener on reload: %v", err)
	}
}

// Lame-duck mode stops accepting WebSocket clients too.
func TestWebsocketLameDuck(t *testing.T) {
	s := startWSServer(t, func(o *Options) {
		o.LameDuckDuration, o.LameDuckGracePeriod = time.Second, 500*time.Millisecond
	})
	addr := s.WebsocketAddr().String()
	go s.LameDuckShutdown()
	deadline := time.Now().Add(wsWait)
	for {
		c, err := net.DialTimeout("tcp", addr, time.Second)
		if err != nil {
			break // the listener is closed
		}
		c.Close()
		if time.Now().After(deadline) {
			t.Fatal("the websocket listener stayed open in lame-duck mode")
		}
		time.Sleep(10 * time.Millisecond)
	}
}

// WebSocket clients log as "wid:N" (nats-server's tag), and INFO over
// WebSocket names the WebSocket listener without the cluster's nats://
// client URLs.
func TestWebsocketLogPrefixAndInfo(t *testing.T) {
	l := &secLog{}
	s := secStart(t, &Options{Websocket: WebsocketOpts{Host: "127.0.0.1", Port: RandomPort, NoTLS: true}}, l)
	wsConnect(t, s).Flush()
	l.waitFor(t, "[DBG]", " - wid:", "Client connection created")
	r := wsDialRaw(t, s)
	info := r.line()
	for _, want := range []string{`"host":"127.0.0.1"`, `"port":` + strconv.Itoa(addrPort(s.WebsocketAddr())) + `,`} {
		if !strings.Contains(info, want) {
			t.Fatalf("INFO %s without %s", info, want)
		}
	}
	if strings.Contains(info, "connect_urls") || strings.Contains(info, "tls_required") {
		t.Fatalf("INFO %s", info)
	}
}

// A WebSocket subscriber that stops reading is closed as a slow consumer,
// like a TCP one, and the publisher and other subscribers carry on.
func TestWebsocketSlowConsumer(t *testing.T) {
	s := startWSServer(t, func(o *Options) { o.MaxPending = 2 << 20 })
	stuck, _ := wsRawConn(t, s)
	wsWriteMasked(t, stuck, []byte("SUB flood 1\r\n"))
	good := wsConnect(t, s)
	var n atomic.Int64
	good.Subscribe("flood", func(*nats.Msg) { n.Add(1) })
	good.Flush()
	pub := tcpConnect(t, s)
	payload := bytes.Repeat([]byte("x"), 512)
	const total = 60000
	deadline := time.Now().Add(4 * wsWait)
	for i := 1; i <= total; i++ {
		pub.Publish("flood", payload)
		if i%500 == 0 {
			// Pace the publisher to the reading subscriber, so only the
			// stuck one falls behind.
			for n.Load() < int64(i)-1000 {
				if time.Now().After(deadline) {
					t.Fatalf("the reading websocket subscriber got %d of %d", n.Load(), i)
				}
				time.Sleep(time.Millisecond)
			}
		}
	}
	for n.Load() < total {
		if time.Now().After(deadline) {
			t.Fatalf("the reading websocket subscriber got %d of %d", n.Load(), total)
		}
		time.Sleep(time.Millisecond)
	}
	for s.NumSlowConsumers() == 0 {
		if time.Now().After(deadline) {
			t.Fatal("the stuck websocket subscriber was not cut off")
		}
		time.Sleep(10 * time.Millisecond)
	}
	if s.NumClients() != 2 || s.NumSlowConsumers() != 1 {
		t.Fatalf("%d clients, %d slow consumers; want the publisher and the reading subscriber, one slow consumer",
			s.NumClients(), s.NumSlowConsumers())
	}
}

// wsSkipServerFrame reads past one unmasked server frame without
// allocating (ws.ReadHeader allocates, and this reader runs while
// allocations are counted) and returns its payload length.
func wsSkipServerFrame(r *bufio.Reader) (int64, error) {
	// Peek and Discard: the bytes stay in the reader's buffer, nothing is
	// copied into a slice that would escape.
	hdr, err := r.Peek(2)
	if err != nil {
		return 0, err
	}
	if hdr[1]&0x80 != 0 {
		return 0, fmt.Errorf("server frame is masked")
	}
	n, ext := int64(hdr[1]&0x7f), 0
	switch n {
	case 126:
		ext = 2
	case 127:
		ext = 8
	}
	if ext > 0 {
		if hdr, err = r.Peek(2 + ext); err != nil {
			return 0, err
		}
		if ext == 2 {
			n = int64(binary.BigEndian.Uint16(hdr[2:4]))
		} else {
			n = int64(binary.BigEndian.Uint64(hdr[2:10]))
		}
	}
	if _, err := r.Discard(2 + ext); err != nil {
		return 0, err
	}
	if _, err := r.Discard(int(n)); err != nil {
		return 0, err
	}
	return n, nil
}
