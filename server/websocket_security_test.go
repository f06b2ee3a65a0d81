package server

import (
	"bufio"
	"bytes"
	"crypto/tls"
	"crypto/x509/pkix"
	"encoding/binary"
	"errors"
	"io"
	"net"
	"net/http"
	"os"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/gobwas/ws"
	"github.com/nats-io/nats.go"

	"github.com/natsd/natsd/auth"
)

// wsRaw is a hand-driven WebSocket client for protocol edge cases.
type wsRaw struct {
	t    *testing.T
	conn net.Conn
	br   *bufio.Reader
	resp *http.Response
	data bytes.Buffer // payload of data frames not yet consumed
}

// wsDialRaw sends an upgrade request with extra header lines and reads
// the response.
func wsDialRaw(t *testing.T, s *Server, extra ...string) *wsRaw {
	t.Helper()
	conn, err := net.DialTimeout("tcp", s.WebsocketAddr().String(), wsWait)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { conn.Close() })
	conn.SetDeadline(time.Now().Add(wsWait))
	req := "GET / HTTP/1.1\r\nHost: " + s.WebsocketAddr().String() + "\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n" +
		"Sec-WebSocket-Version: 13\r\nSec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\n"
	for _, h := range extra {
		req += h + "\r\n"
	}
	conn.Write([]byte(req + "\r\n"))
	r := &wsRaw{t: t, conn: conn, br: bufio.NewReader(conn)}
	r.resp, err = http.ReadResponse(r.br, nil)
	if err != nil {
		t.Fatalf("reading the upgrade response: %v", err)
	}
	return r
}

// send writes s as one masked binary frame.
func (r *wsRaw) send(s string) {
	r.frame(true, ws.OpBinary, []byte(s), true)
}

func (r *wsRaw) frame(fin bool, op ws.OpCode, p []byte, masked bool) {
	f := ws.NewFrame(op, fin, append([]byte(nil), p...))
	if masked {
		f = ws.MaskFrameInPlace(f)
	}
	if err := ws.WriteFrame(r.conn, f); err != nil {
		r.t.Fatalf("writing a frame: %v", err)
	}
}

// line returns the next protocol line from the server's data frames; a
// close frame fails the test.
func (r *wsRaw) line() string {
	r.t.Helper()
	for {
		if i := bytes.IndexByte(r.data.Bytes(), '\n'); i >= 0 {
			return string(r.data.Next(i + 1))
		}
		f, err := ws.ReadFrame(r.br)
		if err != nil {
			r.t.Fatalf("reading a frame: %v", err)
		}
		if f.Header.Masked {
			r.t.Fatal("a server frame is masked")
		}
		if f.Header.OpCode == ws.OpClose {
			r.t.Fatalf("closed with %q while waiting for a line", f.Payload)
		}
		if f.Header.OpCode == ws.OpBinary {
			r.data.Write(f.Payload)
		}
	}
}

// closed reads until the close frame and returns its code and reason,
// then expects the connection to end.
func (r *wsRaw) closed() (uint16, string, string) {
	r.t.Helper()
	for {
		f, err := ws.ReadFrame(r.br)
		if err != nil {
			r.t.Fatalf("no close frame: %v (data %q)", err, r.data.String())
		}
		if f.Header.OpCode == ws.OpBinary {
			r.data.Write(f.Payload)
			continue
		}
		if f.Header.OpCode == ws.OpClose {
			if _, err := r.br.ReadByte(); err == nil {
				r.t.Fatal("data after the close frame")
			}
			if len(f.Payload) < 2 {
				return 0, "", r.data.String()
			}
			return binary.BigEndian.Uint16(f.Payload), string(f.Payload[2:]), r.data.String()
		}
	}
}

// login connects the raw client with connect and checks it is served.
func (r *wsRaw) login(connect string) {
	r.t.Helper()
	if r.resp.StatusCode != 101 {
		r.t.Fatalf("upgrade refused: %s", r.resp.Status)
	}
	if info := r.line(); !strings.HasPrefix(info, "INFO {") {
		r.t.Fatalf("first line %q", info)
	}
	r.send("CONNECT " + connect + "\r\nPING\r\n")
	if l := r.line(); l != "PONG\r\n" {
		r.t.Fatalf("after CONNECT: %q", l)
	}
}

// expectServed checks that the server still serves a nats.go client over
// WebSocket.
func expectServed(t *testing.T, s *Server, opts ...nats.Option) {
	t.Helper()
	nc := wsConnect(t, s, opts...)
	if _, err := nc.Request("nobody", nil, wsWait); !errors.Is(err, nats.ErrNoResponders) {
		t.Fatalf("a good client is not served: %v", err)
	}
	nc.Close()
}

// A foreign Origin gets 403 before the upgrade; clients without one, or
// from the same origin, are served.
func TestWebsocketOriginRefused(t *testing.T) {
	s := startWSServer(t, func(o *Options) { o.Websocket.SameOrigin = true })
	r := wsDialRaw(t, s, "Origin: http://evil.example.com")
	if r.resp.StatusCode != http.StatusForbidden {
		t.Fatalf("foreign origin: %s", r.resp.Status)
	}
	body, _ := io.ReadAll(r.resp.Body)
	if string(body) != "Forbidden\n" {
		t.Fatalf("body %q", body)
	}
	if _, err := r.br.ReadByte(); err == nil {
		t.Fatal("the refused connection stays open")
	}
	wsDialRaw(t, s, "Origin: http://"+s.WebsocketAddr().String()).login(`{"verbose":false}`)
	expectServed(t, s)

	s = startWSServer(t, func(o *Options) { o.Websocket.AllowedOrigins = []string{"https://app.example.com"} })
	if r := wsDialRaw(t, s, "Origin: https://other.example.com"); r.resp.StatusCode != http.StatusForbidden {
		t.Fatalf("unlisted origin: %s", r.resp.Status)
	}
	wsDialRaw(t, s, "Origin: https://app.example.com").login(`{"verbose":false}`)
}

// Bad upgrade requests get their HTTP error and are closed; a client that
// never finishes its request is cut off at handshake_timeout. Nobody else
// notices.
func TestWebsocketBadUpgrades(t *testing.T) {
	// The good clients' handshakes must finish within it on a loaded
	// machine; the slow one is cut off well within wsWait.
	s := startWSServer(t, func(o *Options) { o.Websocket.HandshakeTimeout = 2 * time.Second })
	good := wsConnect(t, s)
	sub, _ := good.SubscribeSync("still.here")
	good.Flush()
	addr := s.WebsocketAddr().String()
	for _, tc := range []struct {
		req    string
		status string
	}{
		{"POST / HTTP/1.1\r\nHost: x\r\nUpgrade: websocket\r\nConnection: Upgrade\r\nSec-WebSocket-Version: 13\r\nSec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\n\r\n", "405 Method Not Allowed"},
		{"GET / HTTP/1.1\r\nHost: x\r\n\r\n", "400 Bad Request"},
		{"GET / HTTP/1.1\r\nHost: x\r\nUpgrade: websocket\r\nConnection: Upgrade\r\nSec-WebSocket-Version: 13\r\nSec-WebSocket-Key: abc\r\n\r\n", "400 Bad Request"},
		{"GET / HTTP/1.1\r\nHost: x\r\nUpgrade: websocket\r\nConnection: Upgrade\r\nSec-WebSocket-Version: 8\r\nSec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\n\r\n", "400 Bad Request"},
		{"NOT HTTP AT ALL\r\n\r\n", "400 Bad Request"},
		{"GET / HTTP/1.1\r\nHost: x\r\nX-Big: " + strings.Repeat("a", 100*1024) + "\r\n\r\n", "431 Request Header Fields Too Large"},
	} {
		conn, err := net.Dial("tcp", addr)
		if err != nil {
			t.Fatal(err)
		}
		conn.SetDeadline(time.Now().Add(wsWait))
		conn.Write([]byte(tc.req))
		all, _ := io.ReadAll(conn) // the server closes after answering
		conn.Close()
		if !strings.HasPrefix(string(all), "HTTP/1.1 "+tc.status+"\r\n") {
			t.Errorf("request %.40q: got %.80q, want %s", tc.req, all, tc.status)
		}
	}

	// Slowloris: headers trickle in and never end.
	conn, err := net.Dial("tcp", addr)
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Close()
	conn.SetDeadline(time.Now().Add(wsWait))
	start := time.Now()
	conn.Write([]byte("GET / HTTP/1.1\r\nHost: x\r\n"))
	for i := 0; ; i++ {
		if _, err := conn.Write([]byte("X-Slow: 1\r\n")); err != nil {
			break
		}
		var one [1]byte
		conn.SetReadDeadline(time.Now().Add(50 * time.Millisecond))
		if _, err := conn.Read(one[:]); err != nil && !isTimeout(err) {
			break // closed by the server
		}
		if time.Since(start) > wsWait {
			t.Fatal("a slow handshake was not cut off")
		}
	}
	if s.NumClients() != 1 {
		t.Fatalf("%d clients, want only the good one", s.NumClients())
	}
	tcpConnect(t, s).Publish("still.here", []byte("ok"))
	if m := wsNext(t, sub); string(m.Data) != "ok" {
		t.Fatalf("good client got %q", m.Data)
	}
}

// Frames breaking RFC 6455 close that connection with the right code;
// other clients go on.
func TestWebsocketBadFrames(t *testing.T) {
	s := startWSServer(t, nil)
	good := wsConnect(t, s)
	sub, _ := good.SubscribeSync("still.here")
	good.Flush()
	for _, tc := range []struct {
		name string
		send func(r *wsRaw)
		code uint16
	}{
		{"unmasked", func(r *wsRaw) { r.frame(true, ws.OpBinary, []byte("PING\r\n"), false) }, 1002},
		{"bad opcode", func(r *wsRaw) { r.frame(true, ws.OpCode(5), []byte("x"), true) }, 1002},
		{"oversized control", func(r *wsRaw) { r.frame(true, ws.OpPing, bytes.Repeat([]byte("p"), 126), true) }, 1002},
		{"fragmented control", func(r *wsRaw) { r.frame(false, ws.OpPing, []byte("p"), true) }, 1002},
		{"stray continuation", func(r *wsRaw) { r.frame(true, ws.OpContinuation, []byte("x"), true) }, 1002},
		{"compressed without deflate", func(r *wsRaw) {
			f := ws.MaskFrameInPlace(ws.Frame{Header: ws.Header{Fin: true, Rsv: 4, OpCode: ws.OpBinary, Length: 1}, Payload: []byte{0}})
			ws.WriteFrame(r.conn, f)
		}, 1002},
		{"invalid close code", func(r *wsRaw) { r.frame(true, ws.OpClose, []byte{0x03, 0xed}, true) }, 1002},           // 1005
		{"close reason not utf-8", func(r *wsRaw) { r.frame(true, ws.OpClose, []byte{0x03, 0xe8, 0xff}, true) }, 1007}, // 1000
		{"normal close", func(r *wsRaw) { r.frame(true, ws.OpClose, []byte{0x03, 0xe8}, true) }, 1000},
	} {
		t.Run(tc.name, func(t *testing.T) {
			r := wsDialRaw(t, s)
			r.login(`{"verbose":false}`)
			tc.send(r)
			if code, reason, _ := r.closed(); code != tc.code {
				t.Fatalf("closed with %d %q, want %d", code, reason, tc.code)
			}
		})
	}
	// Pings are answered with the same payload.
	r := wsDialRaw(t, s)
	r.login(`{"verbose":false}`)
	r.frame(true, ws.OpPing, []byte("hello?"), true)
	f, err := ws.ReadFrame(r.br)
	if err != nil || f.Header.OpCode != ws.OpPong || string(f.Payload) != "hello?" {
		t.Fatalf("ping answered with %+v %q %v", f.Header, f.Payload, err)
	}

	tcpConnect(t, s).Publish("still.here", []byte("ok"))
	if m := wsNext(t, sub); string(m.Data) != "ok" {
		t.Fatalf("good client got %q", m.Data)
	}
}

// Authentication over WebSocket: the block's own user, the server's users
// with the block's no_auth_user, the token cookie, and the auth timeout
// (which closes with 1008 after the -ERR, as nats-server does).
func TestWebsocketAuth(t *testing.T) {
	t.Run("own user", func(t *testing.T) {
		s := startWSServer(t, func(o *Options) {
			o.Websocket.Username, o.Websocket.Password = "wsuser", "wspass"
		})
		// (The -ERR text itself is checked with a raw client below; a
		// client's write racing the close may see a reset instead.)
		if _, err := nats.Connect(s.WebsocketURL()); err == nil {
			t.Fatal("a client without credentials was accepted")
		}
		if _, err := nats.Connect(s.WebsocketURL(), nats.UserInfo("wsuser", "bad")); err == nil {
			t.Fatal("a wrong password was accepted")
		}
		expectServed(t, s, nats.UserInfo("wsuser", "wspass"))
		tcpConnect(t, s) // the TCP port keeps the server's (absent) auth
		r := wsDialRaw(t, s)
		if info := r.line(); !strings.Contains(info, `"auth_required":true`) || !strings.Contains(info, `"port":`+strconv.Itoa(addrPort(s.WebsocketAddr()))) {
			t.Fatalf("INFO %s", info)
		}
	})
	t.Run("no_auth_user", func(t *testing.T) {
		s := startWSServer(t, func(o *Options) {
			o.Users = usersNamed("bob", "carol")
			o.Users[0].Permissions = &auth.Permissions{Publish: &auth.SubjectPermission{Allow: []string{"bob.>"}}}
			o.Websocket.NoAuthUser = "bob"
		})
		errs := make(chan error, 1)
		nc := wsConnect(t, s, nats.ErrorHandler(func(_ *nats.Conn, _ *nats.Subscription, err error) { errs <- err }))
		nc.Publish("carol.x", nil)
		select {
		case err := <-errs:
			if !strings.Contains(err.Error(), `Permissions Violation for Publish to "carol.x"`) {
				t.Fatalf("error %v", err)
			}
		case <-time.After(wsWait):
			t.Fatal("bob's permissions do not apply to the no_auth_user client")
		}
		if _, err := nats.Connect(s.ClientURL()); err == nil {
			t.Fatal("the TCP port took a client without credentials")
		}
		expectServed(t, s, nats.UserInfo("carol", "pw"))
	})
	t.Run("token cookie", func(t *testing.T) {
		s := startWSServer(t, func(o *Options) {
			o.Authorization = "s3cr3t"
			o.Websocket.TokenCookie = "nats_token"
		})
		wsDialRaw(t, s, "Cookie: other=1; nats_token=s3cr3t").login(`{"verbose":false}`)
		r := wsDialRaw(t, s, "Cookie: nats_token=wrong")
		r.line()
		r.send("CONNECT {\"verbose\":false}\r\nPING\r\n")
		if l := r.line(); l != "-ERR 'Authorization Violation'\r\n" {
			t.Fatalf("wrong cookie: %q", l)
		}
		if code, _, _ := r.closed(); code != 1008 {
			t.Fatalf("close code %d, want 1008", code)
		}
	})
	t.Run("auth timeout", func(t *testing.T) {
		s := startWSServer(t, func(o *Options) {
			o.Websocket.Username, o.Websocket.Password = "u", "p"
			o.Websocket.AuthTimeout = 200 * time.Millisecond
		})
		r := wsDialRaw(t, s)
		r.line()
		code, reason, data := r.closed()
		if data != "-ERR 'Authentication Timeout'\r\n" || code != 1008 || reason != "Authentication Timeout" {
			t.Fatalf("got %q, close %d %q", data, code, reason)
		}
	})
}

// wss:// uses the block's certificate; INFO does not ask for TLS inside
// the protocol.
func TestWebsocketTLS(t *testing.T) {
	e := newTLSEnv(t)
	cfg := e.opts(t, false).TLSConfig
	s := startWSServer(t, func(o *Options) {
		o.Websocket.NoTLS = false
		o.Websocket.TLSConfig = cfg
		o.Websocket.TLSCert, o.Websocket.TLSKey = e.serverCert, e.serverKey
	})
	if !strings.HasPrefix(s.WebsocketURL(), "wss://") {
		t.Fatalf("url %s", s.WebsocketURL())
	}
	nc := wsConnect(t, s, nats.Secure(e.client(t, "", "", false)))
	sub, _ := nc.SubscribeSync("secure")
	nc.Flush()
	tcpConnect(t, s).Publish("secure", []byte("over wss"))
	if m := wsNext(t, sub); string(m.Data) != "over wss" {
		t.Fatalf("got %q", m.Data)
	}
	// A plain ws:// client is not served.
	conn, err := net.Dial("tcp", s.WebsocketAddr().String())
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Close()
	conn.SetDeadline(time.Now().Add(wsWait))
	conn.Write([]byte("GET / HTTP/1.1\r\nHost: x\r\nUpgrade: websocket\r\nConnection: Upgrade\r\nSec-WebSocket-Version: 13\r\nSec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\n\r\n"))
	all, _ := io.ReadAll(conn)
	if bytes.Contains(all, []byte("101 Switching")) {
		t.Fatal("a plain client was upgraded on the wss port")
	}
	// The INFO over wss.
	tc := tls.Client(mustDial(t, s.WebsocketAddr().String()), e.client(t, "", "", false))
	tc.SetDeadline(time.Now().Add(wsWait))
	tc.Write([]byte("GET / HTTP/1.1\r\nHost: x\r\nUpgrade: websocket\r\nConnection: Upgrade\r\nSec-WebSocket-Version: 13\r\nSec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\n\r\n"))
	br := bufio.NewReader(tc)
	if resp, err := http.ReadResponse(br, nil); err != nil || resp.StatusCode != 101 {
		t.Fatalf("wss upgrade: %v %v", resp, err)
	}
	f, err := ws.ReadFrame(br)
	if err != nil || !bytes.HasPrefix(f.Payload, []byte("INFO {")) || bytes.Contains(f.Payload, []byte("tls_required")) {
		t.Fatalf("INFO over wss: %q %v", f.Payload, err)
	}
}

func mustDial(t *testing.T, addr string) net.Conn {
	t.Helper()
	c, err := net.Dial("tcp", addr)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { c.Close() })
	return c
}

// The wss certificate is reloaded when its files change on disk, as the
// client port's is.
func TestWebsocketTLSRotationOnDisk(t *testing.T) {
	saved := tlsWatchInterval
	tlsWatchInterval = 10 * time.Millisecond
	t.Cleanup(func() { tlsWatchInterval = saved })
	e := newTLSEnv(t)
	l := &secLog{}
	s := secStart(t, &Options{Websocket: WebsocketOpts{Host: "127.0.0.1", Port: RandomPort,
		TLSConfig: e.opts(t, false).TLSConfig, TLSCert: e.serverCert, TLSKey: e.serverKey}}, l)
	serverCN := func() string {
		t.Helper()
		tc := tls.Client(mustDial(t, s.WebsocketAddr().String()), e.client(t, "", "", false))
		tc.SetDeadline(time.Now().Add(wsWait))
		if err := tc.Handshake(); err != nil {
			t.Fatal(err)
		}
		return tc.ConnectionState().PeerCertificates[0].Subject.CommonName
	}
	if cn := serverCN(); cn != "server-a" {
		t.Fatalf("serving %q", cn)
	}
	nc := wsConnect(t, s, nats.Secure(e.client(t, "", "", false)))
	dir := t.TempDir()
	cert, key := e.ca.issue(t, dir, "next", tlsLeaf{subject: pkix.Name{CommonName: "server-b"}, server: true})
	at := time.Now().Add(time.Minute)
	for src, dst := range map[string]string{cert: e.serverCert, key: e.serverKey} {
		b, _ := os.ReadFile(src)
		if err := os.WriteFile(dst, b, 0o600); err != nil {
			t.Fatal(err)
		}
		os.Chtimes(dst, at, at)
	}
	l.waitFor(t, "[INF] Reloaded TLS certificate "+e.serverCert, "CN=server-b")
	if cn := serverCN(); cn != "server-b" {
		t.Fatalf("after rotation serving %q", cn)
	}
	if err := nc.Flush(); err != nil {
		t.Fatalf("established connection after rotation: %v", err)
	}
}
