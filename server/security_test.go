package server

import (
	"bufio"
	"encoding/base64"
	"errors"
	"fmt"
	"io"
	"net"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/nats-io/nats.go"
	"github.com/nats-io/nkeys"

	"github.com/natsd/natsd/auth"
	"github.com/natsd/natsd/monitor"
)

// Security tests with real clients (nats.go) and raw TCP where the exact
// bytes matter. The texts are the reference server's (nats-server 2.15),
// checked against it by hand.

const secWait = 10 * time.Second // the longest any single expectation waits

// secLog is a logger that keeps every line, to check what is logged.
type secLog struct {
	mu    sync.Mutex
	lines []string
}

func (l *secLog) add(level, format string, v []any) {
	l.mu.Lock()
	l.lines = append(l.lines, level+" "+fmt.Sprintf(format, v...))
	l.mu.Unlock()
}
func (l *secLog) Noticef(f string, v ...any) { l.add("[INF]", f, v) }
func (l *secLog) Warnf(f string, v ...any)   { l.add("[WRN]", f, v) }
func (l *secLog) Errorf(f string, v ...any)  { l.add("[ERR]", f, v) }
func (l *secLog) Fatalf(f string, v ...any)  { l.add("[FTL]", f, v) }
func (l *secLog) Debugf(f string, v ...any)  { l.add("[DBG]", f, v) }
func (l *secLog) Tracef(f string, v ...any)  { l.add("[TRC]", f, v) }
func (l *secLog) DebugEnabled() bool         { return true }
func (l *secLog) TraceEnabled() bool         { return false }

// text is everything logged so far.
func (l *secLog) text() string {
	l.mu.Lock()
	defer l.mu.Unlock()
	return strings.Join(l.lines, "\n")
}

// waitFor waits until a logged line contains all of parts.
func (l *secLog) waitFor(t *testing.T, parts ...string) string {
	t.Helper()
	var found string
	secEventually(t, func() bool {
		l.mu.Lock()
		defer l.mu.Unlock()
		for _, line := range l.lines {
			ok := true
			for _, p := range parts {
				ok = ok && strings.Contains(line, p)
			}
			if ok {
				found = line
				return true
			}
		}
		return false
	}, "a log line with %q", parts)
	return found
}

// secEventually polls cond until it holds or secWait passes.
func secEventually(t *testing.T, cond func() bool, what string, args ...any) {
	t.Helper()
	deadline := time.Now().Add(secWait)
	for !cond() {
		if time.Now().After(deadline) {
			t.Fatalf("timed out waiting for "+what, args...)
		}
		time.Sleep(5 * time.Millisecond)
	}
}

// secStart starts a server on a random port of 127.0.0.1 logging to l
// (nil: no logging).
func secStart(t *testing.T, o *Options, l *secLog) *Server {
	t.Helper()
	if l == nil {
		return startTestServer(t, o)
	}
	o.Host, o.Port = "127.0.0.1", RandomPort
	s, err := New(o)
	if err != nil {
		t.Fatal(err)
	}
	s.SetLogger(l)
	if err := s.Start(); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(s.Shutdown)
	return s
}

// secRaw is a raw protocol connection; every read has a deadline.
type secRaw struct {
	t    *testing.T
	conn net.Conn
	br   *bufio.Reader
	info string
}

// secDial connects without sending anything and reads the INFO line.
func secDial(t *testing.T, s *Server) *secRaw {
	t.Helper()
	conn, err := net.DialTimeout("tcp", s.Addr().String(), secWait)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { conn.Close() })
	r := &secRaw{t: t, conn: conn, br: bufio.NewReader(conn)}
	r.info = r.line()
	if !strings.HasPrefix(r.info, "INFO {") {
		t.Fatalf("first line %q, want INFO", r.info)
	}
	return r
}

// secLogin dials and sends CONNECT with the given JSON, then checks the
// server answers the PING that follows.
func secLogin(t *testing.T, s *Server, connect string) *secRaw {
	t.Helper()
	r := secDial(t, s)
	r.send("CONNECT " + connect + "\r\nPING\r\n")
	if !strings.Contains(connect, `"verbose":false`) {
		r.expect("+OK") // verbose is on unless the client turns it off
	}
	r.expect("PONG")
	return r
}

func (r *secRaw) send(b string) {
	r.t.Helper()
	r.conn.SetWriteDeadline(time.Now().Add(secWait))
	if _, err := io.WriteString(r.conn, b); err != nil {
		r.t.Fatalf("write: %v", err)
	}
}

// line reads one protocol line without its CRLF.
func (r *secRaw) line() string {
	r.t.Helper()
	r.conn.SetReadDeadline(time.Now().Add(secWait))
	l, err := r.br.ReadString('\n')
	if err != nil {
		r.t.Fatalf("read: %v (got %q)", err, l)
	}
	return strings.TrimSuffix(l, "\r\n")
}

// next reads the next line that is not an asynchronous INFO.
func (r *secRaw) next() string {
	r.t.Helper()
	for {
		if l := r.line(); !strings.HasPrefix(l, "INFO ") {
			return l
		}
	}
}

// expect reads the next line (skipping INFO) and compares it with want.
func (r *secRaw) expect(want string) {
	r.t.Helper()
	if got := r.next(); got != want {
		r.t.Fatalf("got %q, want %q", got, want)
	}
}

// expectClosed checks that the server closes the connection with nothing
// more to say.
func (r *secRaw) expectClosed() {
	r.t.Helper()
	r.conn.SetReadDeadline(time.Now().Add(secWait))
	rest, err := io.ReadAll(r.br)
	if err != nil {
		r.t.Fatalf("connection not closed: %v (read %q)", err, rest)
	}
	if len(rest) > 0 {
		r.t.Fatalf("unexpected bytes before close: %q", rest)
	}
}

// barrier sends PING and returns every MSG line (with its payload) read
// before the PONG: what the server had delivered to this connection.
func (r *secRaw) barrier() []string {
	r.t.Helper()
	r.send("PING\r\n")
	var msgs []string
	for {
		l := r.next()
		switch {
		case l == "PONG":
			return msgs
		case strings.HasPrefix(l, "MSG "):
			msgs = append(msgs, l+" "+r.line())
		default:
			msgs = append(msgs, l)
		}
	}
}

// secNats connects nats.go to s; async errors go to the returned channel.
func secNats(t *testing.T, s *Server, opts ...nats.Option) (*nats.Conn, <-chan error) {
	t.Helper()
	nc, errs, err := secNatsTry(s, opts...)
	if err != nil {
		t.Fatalf("connect: %v", err)
	}
	t.Cleanup(nc.Close)
	return nc, errs
}

func secNatsTry(s *Server, opts ...nats.Option) (*nats.Conn, <-chan error, error) {
	errs := make(chan error, 64)
	opts = append([]nats.Option{
		nats.NoReconnect(), nats.Timeout(secWait),
		nats.ErrorHandler(func(_ *nats.Conn, _ *nats.Subscription, err error) {
			select {
			case errs <- err:
			default:
			}
		}),
	}, opts...)
	nc, err := nats.Connect(s.ClientURL(), opts...)
	return nc, errs, err
}

// secExpectErr waits for an async error containing want.
func secExpectErr(t *testing.T, errs <-chan error, want string) {
	t.Helper()
	select {
	case err := <-errs:
		if !strings.Contains(err.Error(), want) {
			t.Fatalf("async error %q, want %q", err, want)
		}
	case <-time.After(secWait):
		t.Fatalf("no async error %q", want)
	}
}

// secRefused checks that nats.go cannot connect with opts.
func secRefused(t *testing.T, s *Server, opts ...nats.Option) {
	t.Helper()
	nc, _, err := secNatsTry(s, opts...)
	if err == nil {
		nc.Close()
		t.Fatal("connected, want Authorization Violation")
	}
	if !errors.Is(err, nats.ErrAuthorization) && !strings.Contains(err.Error(), "Authorization Violation") {
		t.Fatalf("connect error %v, want Authorization Violation", err)
	}
}

// secClosedReasons returns the reasons of the closed connections.
func secClosedReasons(t *testing.T, s *Server) []string {
	t.Helper()
	cz, err := s.Connz(&monitor.ConnzOptions{State: monitor.ConnClosed})
	if err != nil {
		t.Fatal(err)
	}
	var out []string
	for _, c := range cz.Conns {
		out = append(out, c.Reason)
	}
	return out
}

func TestSecWrongPassword(t *testing.T) {
	l := &secLog{}
	s := secStart(t, &Options{Users: []*auth.User{{Username: "alice", Password: "s3cret"}}}, l)

	r := secDial(t, s)
	if !strings.Contains(r.info, `"auth_required":true`) {
		t.Fatalf("INFO without auth_required: %s", r.info)
	}
	r.send(`CONNECT {"user":"alice","pass":"wrong","verbose":false}` + "\r\nPING\r\n")
	r.expect("-ERR 'Authorization Violation'")
	r.expectClosed()

	// The failure is logged with the client's address, never the password.
	line := l.waitFor(t, `authentication error - User "alice"`)
	if !strings.HasPrefix(line, "[ERR] 127.0.0.1:") {
		t.Fatalf("log line %q lacks the client address", line)
	}
	if strings.Contains(l.text(), "wrong") || strings.Contains(l.text(), "s3cret") {
		t.Fatalf("a password was logged:\n%s", l.text())
	}
	// Counted among the closed connections, with the reference's reason.
	secEventually(t, func() bool {
		rs := secClosedReasons(t, s)
		return len(rs) == 1 && rs[0] == "Authentication Failure"
	}, "a closed connection with reason Authentication Failure")

	secRefused(t, s, nats.UserInfo("alice", "wrong"))
	secRefused(t, s, nats.UserInfo("bob", "s3cret"))
	secRefused(t, s) // no credentials at all

	// A client that does not send CONNECT first is refused at once.
	r = secDial(t, s)
	r.send("SUB foo 1\r\n")
	r.expect("-ERR 'Authorization Violation'")
	r.expectClosed()

	nc, _ := secNats(t, s, nats.UserInfo("alice", "s3cret"))
	if err := nc.Flush(); err != nil {
		t.Fatal(err)
	}
}

func TestSecPlaintextWarning(t *testing.T) {
	l := &secLog{}
	secStart(t, &Options{Username: "u", Password: "p"}, l)
	l.waitFor(t, "[WRN] "+auth.PlaintextPasswordWarning)
}

func TestSecBcryptPassword(t *testing.T) {
	hash, err := auth.HashPassword("correct horse", 4) // low cost: fast test
	if err != nil {
		t.Fatal(err)
	}
	l := &secLog{}
	s := secStart(t, &Options{Users: []*auth.User{{Username: "bob", Password: hash}}}, l)
	nc, _ := secNats(t, s, nats.UserInfo("bob", "correct horse"))
	if err := nc.Flush(); err != nil {
		t.Fatal(err)
	}
	secRefused(t, s, nats.UserInfo("bob", "battery staple"))
	// The hash itself is not a password.
	secRefused(t, s, nats.UserInfo("bob", hash))
	if strings.Contains(l.text(), auth.PlaintextPasswordWarning) {
		t.Fatal("bcrypt password reported as plain text")
	}
}

func TestSecToken(t *testing.T) {
	s := secStart(t, &Options{Authorization: "tok3n"}, nil)
	nc, _ := secNats(t, s, nats.Token("tok3n"))
	if err := nc.Flush(); err != nil {
		t.Fatal(err)
	}
	secRefused(t, s, nats.Token("tok3"))
	secRefused(t, s, nats.Token("tok3nn"))
	secRefused(t, s)
	// With a token, user and password count for nothing.
	secRefused(t, s, nats.UserInfo("tok3n", "tok3n"))

	r := secDial(t, s)
	r.send(`CONNECT {"auth_token":"nope"}` + "\r\n")
	r.expect("-ERR 'Authorization Violation'")
	r.expectClosed()
}

func TestSecNkeys(t *testing.T) {
	user, _ := nkeys.CreateUser()
	pub, _ := user.PublicKey()
	stranger, _ := nkeys.CreateUser()
	strangerPub, _ := stranger.PublicKey()
	l := &secLog{}
	s := secStart(t, &Options{Users: []*auth.User{{Nkey: pub}, {Username: "plain", Password: "pw"}}}, l)

	// The INFO carries a nonce for the client to sign.
	r := secDial(t, s)
	if !strings.Contains(r.info, `"nonce":"`) {
		t.Fatalf("INFO without nonce: %s", r.info)
	}

	nc, _ := secNats(t, s, nats.Nkey(pub, user.Sign))
	if err := nc.Flush(); err != nil {
		t.Fatal(err)
	}
	// Unknown nkey: a valid key pair the server does not know.
	secRefused(t, s, nats.Nkey(strangerPub, stranger.Sign))
	l.waitFor(t, `authentication error - Nkey "`+strangerPub+`"`)
	// Bad signature: the right public key, signed with another seed.
	secRefused(t, s, nats.Nkey(pub, stranger.Sign))
	// No signature at all, and a signature that is not base64.
	for _, connect := range []string{
		`{"nkey":"` + pub + `"}`,
		`{"nkey":"` + pub + `","sig":"!!not-base64!!"}`,
		`{"nkey":"` + pub + `","sig":""}`,
	} {
		r := secDial(t, s)
		r.send("CONNECT " + connect + "\r\nPING\r\n")
		r.expect("-ERR 'Authorization Violation'")
		r.expectClosed()
	}
	// A signature of another connection's nonce does not replay.
	r1 := secDial(t, s)
	nonce := between(r.info, `"nonce":"`, `"`)
	sig, _ := user.Sign([]byte(nonce))
	r1.send(fmt.Sprintf(`CONNECT {"nkey":%q,"sig":%q}`+"\r\nPING\r\n", pub, encodeSig(sig)))
	r1.expect("-ERR 'Authorization Violation'")
	r1.expectClosed()
	// The user/password users still work beside nkeys.
	nc2, _ := secNats(t, s, nats.UserInfo("plain", "pw"))
	if err := nc2.Flush(); err != nil {
		t.Fatal(err)
	}
}

func TestSecNoAuthUser(t *testing.T) {
	s := secStart(t, &Options{
		Users: []*auth.User{
			{Username: "guest", Password: "g", Permissions: &auth.Permissions{Publish: &auth.SubjectPermission{Allow: []string{"public.>"}}}},
			{Username: "admin", Password: "a"},
		},
		NoAuthUser: "guest",
	}, nil)
	r := secDial(t, s)
	if strings.Contains(r.info, "auth_required") {
		t.Fatalf("INFO says auth_required with a no_auth_user: %s", r.info)
	}
	// No credentials: the guest, with the guest's permissions.
	r.send(`CONNECT {"verbose":false}` + "\r\nPUB public.x 1\r\nx\r\nPUB admin.x 1\r\nx\r\nPING\r\n")
	r.expect(`-ERR 'Permissions Violation for Publish to "admin.x"'`)
	r.expect("PONG")

	nc, errs := secNats(t, s)
	nc.Publish("admin.y", nil)
	secExpectErr(t, errs, `Permissions Violation for Publish to "admin.y"`)
	// Credentials given are checked: wrong ones do not fall back to guest.
	secRefused(t, s, nats.UserInfo("admin", "wrong"))
	secRefused(t, s, nats.UserInfo("nobody", ""))
	admin, errs := secNats(t, s, nats.UserInfo("admin", "a"))
	admin.Publish("admin.y", nil)
	if err := admin.Flush(); err != nil {
		t.Fatal(err)
	}
	select {
	case err := <-errs:
		t.Fatalf("admin got %v", err)
	default:
	}
}

func TestSecAuthTimeout(t *testing.T) {
	l := &secLog{}
	s := secStart(t, &Options{Authorization: "t", AuthTimeout: 200 * time.Millisecond}, l)
	// A client that authenticated in time is not affected by the timer.
	ok := secLogin(t, s, `{"auth_token":"t","verbose":false}`)

	start := time.Now()
	r := secDial(t, s)
	r.expect("-ERR 'Authentication Timeout'")
	r.expectClosed()
	if d := time.Since(start); d < 150*time.Millisecond {
		t.Fatalf("closed after %v, before the 200ms auth timeout", d)
	}
	// A client that sent only part of a CONNECT is timed out too.
	r = secDial(t, s)
	r.send(`CONNECT {"auth_tok`)
	r.expect("-ERR 'Authentication Timeout'")
	r.expectClosed()

	ok.send("PING\r\n")
	ok.expect("PONG")
	secEventually(t, func() bool {
		n := 0
		for _, reason := range secClosedReasons(t, s) {
			if reason == "Authentication Timeout" {
				n++
			}
		}
		return n == 2
	}, "two connections closed with Authentication Timeout")
}

// between returns the text of s between the first from and the next to.
func between(s, from, to string) string {
	_, rest, _ := strings.Cut(s, from)
	v, _, _ := strings.Cut(rest, to)
	return v
}

// encodeSig encodes a nonce signature as nats.go sends it.
func encodeSig(sig []byte) string { return base64.RawURLEncoding.EncodeToString(sig) }
