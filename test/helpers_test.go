// Package test holds black-box tests of natsd: they talk to a running
// server over TCP (raw protocol or nats.go) and compare what comes back
// with what nats-server v2.15.2 sends, byte for byte.
package test

import (
	"bufio"
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net"
	"runtime"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/nats-io/nats.go"
)

// Timeouts used by the helpers. Every read in this package has a deadline,
// so a misbehaving server makes a test fail, never hang. They bound what
// is expected to happen, never what is expected not to, so they are
// generous: the tests of this package run in parallel, under the race
// detector, on machines that may be busy with other work.
const (
	readTimeout  = 5 * time.Second  // one expected reply
	closeTimeout = 5 * time.Second  // server should have closed by then
	waitTimeout  = 10 * time.Second // waitFor conditions
)

// srvOpts mirrors the server.Options fields the tests use, so that the same
// tests can run against the reference nats-server (go test -tags refserver,
// see refserver_test.go) as well as against natsd (natsd_server_test.go).
type srvOpts struct {
	MaxPayload       int32
	MaxControlLine   int32
	MaxConnections   int
	MaxSubscriptions int
	MaxPending       int64
	WriteDeadline    time.Duration
	PingInterval     time.Duration
	MaxPingsOut      int
	AuthTimeout      time.Duration
	Username         string
	Password         string
	Authorization    string
}

// testServer is what the tests need from a running server.
type testServer interface {
	Addr() net.Addr
	ClientURL() string
	NumClients() int
	NumSubscriptions() uint32
	Shutdown()
}

// defaultOptions are the options every test starts from.
func defaultOptions() *srvOpts { return &srvOpts{} }

// runServer starts a server on 127.0.0.1 and a random port with opts (nil =
// defaults) and shuts it down when the test ends.
func runServer(t testing.TB, opts *srvOpts) testServer {
	t.Helper()
	if opts == nil {
		opts = defaultOptions()
	}
	s := startServer(t, opts)
	t.Cleanup(s.Shutdown)
	return s
}

// waitFor polls cond until it is true or timeout passes.
func waitFor(t testing.TB, timeout time.Duration, what string, cond func() bool) {
	t.Helper()
	deadline := time.Now().Add(timeout)
	for {
		if cond() {
			return
		}
		if time.Now().After(deadline) {
			t.Fatalf("timed out after %v waiting for %s", timeout, what)
		}
		time.Sleep(5 * time.Millisecond)
	}
}

// checkNoGoroutineLeak records the goroutine count and returns a function
// that waits for the count to come back down to it (or below).
func checkNoGoroutineLeak(t testing.TB) func() {
	t.Helper()
	base := runtime.NumGoroutine()
	return func() {
		t.Helper()
		deadline := time.Now().Add(waitTimeout)
		for {
			n := runtime.NumGoroutine()
			if n <= base {
				return
			}
			if time.Now().After(deadline) {
				buf := make([]byte, 1<<20)
				buf = buf[:runtime.Stack(buf, true)]
				t.Fatalf("goroutine leak: %d goroutines before, %d after\n%s", base, n, buf)
			}
			time.Sleep(10 * time.Millisecond)
		}
	}
}

// ---------------------------------------------------------------------------
// Raw protocol client

// rawClient is a TCP connection speaking the NATS text protocol by hand.
type rawClient struct {
	t    testing.TB
	conn net.Conn
	br   *bufio.Reader
	info string // the INFO line read on connect, without "INFO " and " \r\n"
	line string // the exact INFO line as received
}

// dialRaw connects to s and reads (and checks the framing of) the INFO line.
func dialRaw(t testing.TB, s testServer) *rawClient {
	t.Helper()
	rc := dialRawNoInfo(t, s)
	line := rc.readLine()
	if !strings.HasPrefix(line, "INFO {") || !strings.HasSuffix(line, "} \r\n") {
		t.Fatalf("bad INFO line %q", line)
	}
	rc.line = line
	rc.info = strings.TrimSuffix(strings.TrimPrefix(line, "INFO "), " \r\n")
	return rc
}

// dialRawNoInfo connects without reading anything.
func dialRawNoInfo(t testing.TB, s testServer) *rawClient {
	t.Helper()
	conn, err := net.DialTimeout("tcp", s.Addr().String(), readTimeout)
	if err != nil {
		t.Fatalf("dial: %v", err)
	}
	t.Cleanup(func() { conn.Close() })
	return &rawClient{t: t, conn: conn, br: bufio.NewReaderSize(conn, 64*1024)}
}

// infoMap decodes the INFO JSON.
func (rc *rawClient) infoMap() map[string]any {
	rc.t.Helper()
	var m map[string]any
	if err := json.Unmarshal([]byte(rc.info), &m); err != nil {
		rc.t.Fatalf("INFO JSON %q: %v", rc.info, err)
	}
	return m
}

// send writes s in one Write.
func (rc *rawClient) send(s string) {
	rc.t.Helper()
	rc.conn.SetWriteDeadline(time.Now().Add(readTimeout))
	if _, err := rc.conn.Write([]byte(s)); err != nil {
		rc.t.Fatalf("write %q: %v", trunc(s), err)
	}
}

// trySend writes s and reports the error (the server may have closed).
func (rc *rawClient) trySend(s string) error {
	rc.conn.SetWriteDeadline(time.Now().Add(readTimeout))
	_, err := rc.conn.Write([]byte(s))
	return err
}

// readLine reads one line ending in '\n' (returned with the line ending).
func (rc *rawClient) readLine() string {
	rc.t.Helper()
	rc.conn.SetReadDeadline(time.Now().Add(readTimeout))
	line, err := rc.br.ReadString('\n')
	if err != nil {
		rc.t.Fatalf("reading line: %v (got %q)", err, line)
	}
	return line
}

// expect reads exactly len(want) bytes and fails unless they equal want.
func (rc *rawClient) expect(want string) {
	rc.t.Helper()
	got, err := rc.readN(len(want), readTimeout)
	if err != nil || got != want {
		rc.t.Fatalf("expected %q\n          got %q (err %v)", trunc(want), trunc(got), err)
	}
}

func (rc *rawClient) readN(n int, timeout time.Duration) (string, error) {
	rc.conn.SetReadDeadline(time.Now().Add(timeout))
	buf := make([]byte, n)
	k, err := io.ReadFull(rc.br, buf)
	return string(buf[:k]), err
}

// sync sends PING and expects want followed by PONG, which proves the server
// sent nothing else before the PONG.
func (rc *rawClient) sync(want string) {
	rc.t.Helper()
	rc.send("PING\r\n")
	rc.expect(want + "PONG\r\n")
}

// connect sends a non-verbose CONNECT and syncs.
func (rc *rawClient) connect() *rawClient {
	rc.t.Helper()
	rc.send("CONNECT {\"verbose\":false,\"pedantic\":false}\r\n")
	rc.sync("")
	return rc
}

// connectWith sends CONNECT with the given JSON and syncs. The JSON must not
// set verbose or protocol 1 (those change what the sync sees).
func (rc *rawClient) connectWith(js string) *rawClient {
	rc.t.Helper()
	rc.send("CONNECT " + js + "\r\n")
	rc.sync("")
	return rc
}

// readUntilClose reads everything until the server closes the connection
// (EOF or reset) or timeout passes. closed tells which happened.
func (rc *rawClient) readUntilClose(timeout time.Duration) (data string, closed bool) {
	var out bytes.Buffer
	deadline := time.Now().Add(timeout)
	buf := make([]byte, 32*1024)
	for {
		rc.conn.SetReadDeadline(deadline)
		n, err := rc.br.Read(buf)
		out.Write(buf[:n])
		if err != nil {
			var ne net.Error
			if errors.As(err, &ne) && ne.Timeout() {
				return out.String(), false
			}
			return out.String(), true // EOF, reset, ...
		}
	}
}

// expectClose reads until the server closes and fails unless exactly want
// arrived first.
func (rc *rawClient) expectClose(want string) {
	rc.t.Helper()
	got, closed := rc.readUntilClose(closeTimeout)
	if got != want {
		rc.t.Fatalf("before close expected %q\n                    got %q", trunc(want), trunc(got))
	}
	if !closed {
		rc.t.Fatalf("connection still open %v after %q", closeTimeout, trunc(want))
	}
}

// expectOpen fails if the server closed the connection: it syncs with PING.
func (rc *rawClient) expectOpen() {
	rc.t.Helper()
	rc.sync("")
}

// isReset tells whether err means the peer reset the connection.
func isReset(err error) bool {
	return errors.Is(err, syscall.ECONNRESET) || errors.Is(err, syscall.EPIPE)
}

func trunc(s string) string {
	if len(s) > 400 {
		return s[:200] + fmt.Sprintf("...(%d bytes)...", len(s)) + s[len(s)-200:]
	}
	return s
}

// ---------------------------------------------------------------------------
// nats.go helpers

// natsConnect connects a nats.go client to s and closes it at test end.
func natsConnect(t testing.TB, s testServer, opts ...nats.Option) *nats.Conn {
	t.Helper()
	opts = append([]nats.Option{nats.Timeout(readTimeout), nats.NoReconnect()}, opts...)
	nc, err := nats.Connect(s.ClientURL(), opts...)
	if err != nil {
		t.Fatalf("nats.Connect: %v", err)
	}
	t.Cleanup(nc.Close)
	return nc
}

// flush flushes nc with a timeout.
func flush(t testing.TB, nc *nats.Conn) {
	t.Helper()
	if err := nc.FlushTimeout(readTimeout); err != nil {
		t.Fatalf("flush: %v", err)
	}
}

// nextMsg waits for the next message on sub.
func nextMsg(t testing.TB, sub *nats.Subscription) *nats.Msg {
	t.Helper()
	m, err := sub.NextMsg(readTimeout)
	if err != nil {
		t.Fatalf("NextMsg on %q: %v", sub.Subject, err)
	}
	return m
}

// expectNoMsg checks sub has no pending message. The caller must have made
// sure (with a flush round trip through the server) that any message would
// already be there.
func expectNoMsg(t testing.TB, sub *nats.Subscription) {
	t.Helper()
	if m, err := sub.NextMsg(50 * time.Millisecond); err == nil {
		t.Fatalf("unexpected message on %q: %q", m.Subject, m.Data)
	}
}
