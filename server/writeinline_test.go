package server

import (
	"bufio"
	"errors"
	"io"
	"net"
	"os"
	"strconv"
	"strings"
	"sync/atomic"
	"syscall"
	"testing"
	"time"
)

// TestIdleClientStartsNoWriter: a client that does its handshake and
// answers the server's pings gets everything (INFO, PONG, the connect INFO,
// PINGs) without a writer goroutine ever starting for it; a client with
// more output than writeInline takes gets a writer, and all of its output.
func TestIdleClientStartsNoWriter(t *testing.T) {
	s := startTestServer(t, &Options{PingInterval: 30 * time.Millisecond, MaxPingsOut: 100})
	conn, err := net.Dial("tcp", s.Addr().String())
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Close()
	conn.SetDeadline(time.Now().Add(10 * time.Second))
	br := bufio.NewReader(conn)
	// The 30 ms pings can come anywhere (before the CONNECT is read, on
	// a loaded machine): answered, they are skipped unless awaited.
	expect := func(prefix string) {
		t.Helper()
		for {
			line, err := br.ReadString('\n')
			if err == nil && line == "PING\r\n" && prefix != "PING" {
				conn.Write([]byte("PONG\r\n"))
				continue
			}
			if err != nil || !strings.HasPrefix(line, prefix) {
				t.Fatalf("got %q (%v), want %s...", line, err, prefix)
			}
			return
		}
	}
	expect("INFO ")
	conn.Write([]byte(`CONNECT {"verbose":true,"pedantic":false,"protocol":1}` + "\r\nPING\r\n"))
	expect("+OK")
	expect("PONG")
	expect("INFO ") // connect_info
	c := s.snapshotClients()[0]
	// A ping that came while the reader was writing the handshake's
	// answers (a stalled machine) rightly went to a writer: count from
	// here, where the ping timer alone has output for the client.
	c.writers.Store(0)
	for i := 0; i < 3; i++ {
		expect("PING")
		conn.Write([]byte("PONG\r\n"))
	}
	if n := c.writers.Load(); n != 0 {
		t.Fatalf("%d writer goroutines started for an idle client", n)
	}

	// 5000 bytes for itself: more than writeInline writes.
	payload := strings.Repeat("x", 5000)
	conn.Write([]byte("SUB me 1\r\nPUB me 5000\r\n" + payload + "\r\n"))
	for {
		line, err := br.ReadString('\n')
		if err != nil {
			t.Fatal(err)
		}
		if strings.HasPrefix(line, "MSG me 1 5000") {
			break
		}
	}
	body, err := br.ReadString('\n')
	if err != nil || body != payload+"\r\n" {
		t.Fatalf("payload: %d bytes, %v", len(body), err)
	}
	if c.writers.Load() == 0 {
		t.Fatal("no writer for a large output")
	}
}

// TestRequestReplyWritesInline: in a request-reply exchange each message
// is written by the reader that delivered it (the requester's reader
// writes the request to the responder, the responder's reader the reply
// to the requester), so neither connection ever needs a writer goroutine.
func TestRequestReplyWritesInline(t *testing.T) {
	s := startTestServer(t, &Options{PingInterval: time.Hour})
	resp, respR := rawConn(t, s, `{"verbose":false,"pedantic":false}`)
	req, reqR := rawConn(t, s, `{"verbose":false,"pedantic":false}`)
	if _, err := resp.Write([]byte("SUB svc 1\r\nPING\r\n")); err != nil {
		t.Fatal(err)
	}
	if l, err := respR.ReadString('\n'); err != nil || l != "PONG\r\n" {
		t.Fatalf("responder: %q %v", l, err)
	}
	if _, err := req.Write([]byte("SUB _INBOX.r 1\r\nPING\r\n")); err != nil {
		t.Fatal(err)
	}
	if l, err := reqR.ReadString('\n'); err != nil || l != "PONG\r\n" {
		t.Fatalf("requester: %q %v", l, err)
	}
	for i := 0; i < 200; i++ {
		body := strconv.Itoa(i)
		if _, err := req.Write([]byte("PUB svc _INBOX.r " + strconv.Itoa(len(body)) + "\r\n" + body + "\r\n")); err != nil {
			t.Fatal(err)
		}
		want := "MSG svc 1 _INBOX.r " + strconv.Itoa(len(body)) + "\r\n"
		if l, err := respR.ReadString('\n'); err != nil || l != want {
			t.Fatalf("request %d: %q %v, want %q", i, l, err, want)
		}
		if l, err := respR.ReadString('\n'); err != nil || l != body+"\r\n" {
			t.Fatalf("request %d body: %q %v", i, l, err)
		}
		if _, err := resp.Write([]byte("PUB _INBOX.r " + strconv.Itoa(len(body)+1) + "\r\nr" + body + "\r\n")); err != nil {
			t.Fatal(err)
		}
		want = "MSG _INBOX.r 1 " + strconv.Itoa(len(body)+1) + "\r\n"
		if l, err := reqR.ReadString('\n'); err != nil || l != want {
			t.Fatalf("reply %d: %q %v, want %q", i, l, err, want)
		}
		if l, err := reqR.ReadString('\n'); err != nil || l != "r"+body+"\r\n" {
			t.Fatalf("reply %d body: %q %v", i, l, err)
		}
	}
	for _, c := range s.snapshotClients() {
		if n := c.writers.Load(); n != 0 {
			t.Errorf("cid %d: %d writer goroutines started for request-reply traffic", c.cid, n)
		}
	}
}

// TestInlineWriteSkipsStalledSubscriber: small messages, which readers
// write inline, to a subscriber that stopped reading never hold up the
// publisher: once the stalled socket is full the rest waits for its writer
// goroutine, a healthy subscriber gets every message, and the stalled one
// is cut off at max_pending.
func TestInlineWriteSkipsStalledSubscriber(t *testing.T) {
	l := &secLog{}
	s := secStart(t, &Options{MaxPending: 256 << 10, MaxPayload: 64 << 10, WriteDeadline: time.Minute}, l)
	d := net.Dialer{Control: func(_, _ string, rc syscall.RawConn) error {
		return rc.Control(func(fd uintptr) {
			syscall.SetsockoptInt(int(fd), syscall.SOL_SOCKET, syscall.SO_RCVBUF, 4096)
		})
	}}
	stalled, err := d.Dial("tcp", s.Addr().String())
	if err != nil {
		t.Fatal(err)
	}
	defer stalled.Close()
	io.WriteString(stalled, "CONNECT {\"verbose\":false}\r\nSUB small 1\r\n")
	healthy, healthyR := rawConn(t, s, `{"verbose":false,"pedantic":false}`)
	io.WriteString(healthy, "SUB small 1\r\nPING\r\n")
	if l, err := healthyR.ReadString('\n'); err != nil || l != "PONG\r\n" {
		t.Fatalf("healthy: %q %v", l, err)
	}
	secEventually(t, func() bool { return s.NumSubscriptions() >= 2 }, "both subscriptions")

	pub, pubR := rawConn(t, s, `{"verbose":false,"pedantic":false}`)
	const n, size = 80000, 100 // 9.6 MB of MSGs: more than the kernel buffers and max_pending
	payload := strings.Repeat("p", size)
	msg := "MSG small 1 " + strconv.Itoa(size) + "\r\n" + payload + "\r\n"
	got := make(chan error, 1)
	var read countingWriter
	go func() {
		_, err := io.CopyN(&read, healthyR, int64(n*len(msg)))
		got <- err
	}()
	for i := 0; i < n; i++ {
		// One message per write, flushed now and then: many small read
		// batches, each written inline where the socket allows.
		if _, err := io.WriteString(pub, "PUB small "+strconv.Itoa(size)+"\r\n"+payload+"\r\n"); err != nil {
			t.Fatal(err)
		}
		if i%1000 == 999 {
			io.WriteString(pub, "PING\r\n")
			if l, err := pubR.ReadString('\n'); err != nil || l != "PONG\r\n" {
				t.Fatalf("publisher held up at message %d: %q %v", i, l, err)
			}
			// The healthy subscriber keeps up (a loaded machine could
			// leave it 256 KiB behind, and it would rightly be cut off
			// too): at most 1000 messages, ~120 KB, are ever pending.
			want := int64((i + 1) * len(msg))
			secEventually(t, func() bool { return read.n.Load() >= want }, "the healthy subscriber to keep up")
		}
	}
	select {
	case err := <-got:
		if err != nil {
			t.Fatalf("healthy subscriber: %v", err)
		}
	case <-time.After(secWait):
		t.Fatal("healthy subscriber did not get every message")
	}
	l.waitFor(t, "Slow Consumer Detected: MaxPending of 262144 Exceeded")
}

// TestRepeatedSubjectSeesNewInterest: a publisher repeating one subject
// (served from its last-match memo) sees a subscription made meanwhile,
// and its removal.
func TestRepeatedSubjectSeesNewInterest(t *testing.T) {
	s := startTestServer(t, nil)
	pub, pubR := rawConn(t, s, `{"verbose":false,"pedantic":false}`)
	sync := func() {
		t.Helper()
		io.WriteString(pub, "PING\r\n")
		if l, err := pubR.ReadString('\n'); err != nil || l != "PONG\r\n" {
			t.Fatalf("publisher: %q %v", l, err)
		}
	}
	io.WriteString(pub, strings.Repeat("PUB same 1\r\na\r\n", 10))
	sync()
	sub, subR := rawConn(t, s, `{"verbose":false,"pedantic":false}`)
	io.WriteString(sub, "SUB same 1\r\nPING\r\n")
	if l, err := subR.ReadString('\n'); err != nil || l != "PONG\r\n" {
		t.Fatalf("subscriber: %q %v", l, err)
	}
	io.WriteString(pub, "PUB same 1\r\nb\r\n")
	sync()
	if l, err := subR.ReadString('\n'); err != nil || l != "MSG same 1 1\r\n" {
		t.Fatalf("after SUB: %q %v", l, err)
	}
	if l, err := subR.ReadString('\n'); err != nil || l != "b\r\n" {
		t.Fatalf("after SUB, payload: %q %v", l, err)
	}
	io.WriteString(sub, "UNSUB 1\r\nPING\r\n")
	if l, err := subR.ReadString('\n'); err != nil || l != "PONG\r\n" {
		t.Fatalf("subscriber: %q %v", l, err)
	}
	io.WriteString(pub, "PUB same 1\r\nc\r\n")
	sync()
	io.WriteString(sub, "PING\r\n")
	if l, err := subR.ReadString('\n'); err != nil || l != "PONG\r\n" {
		t.Fatalf("after UNSUB the subscriber got %q (%v), want only PONG", l, err)
	}
}

// TestInlineWriteDeadline: a client that sends PINGs and never reads its
// PONGs fills its socket through the reader's own non-blocking writes
// (writeInline); what the socket no longer takes goes to the writer
// goroutine, which waits for room under write_deadline and, past it, cuts
// the client off as a slow consumer; others are still served.
func TestInlineWriteDeadline(t *testing.T) {
	l := &secLog{}
	s := secStart(t, &Options{WriteDeadline: 200 * time.Millisecond}, l)
	d := net.Dialer{Control: func(_, _ string, rc syscall.RawConn) error {
		return rc.Control(func(fd uintptr) {
			syscall.SetsockoptInt(int(fd), syscall.SOL_SOCKET, syscall.SO_RCVBUF, 4096)
		})
	}}
	slow, err := d.Dial("tcp", s.Addr().String())
	if err != nil {
		t.Fatal(err)
	}
	defer slow.Close()
	if _, err := io.WriteString(slow, "CONNECT {\"verbose\":false}\r\n"); err != nil {
		t.Fatal(err)
	}
	secEventually(t, func() bool { return len(s.snapshotClients()) == 1 }, "the client")
	c := s.snapshotClients()[0]
	// A small send buffer on the server's side too, so that little
	// fills it.
	if err := c.conn.(*net.TCPConn).SetWriteBuffer(4096); err != nil {
		t.Fatal(err)
	}
	pings := []byte(strings.Repeat("PING\r\n", 20))
	done := make(chan struct{})
	go func() {
		defer close(done)
		end := time.Now().Add(10 * time.Second)
		for time.Now().Before(end) {
			slow.SetWriteDeadline(time.Now().Add(time.Second))
			_, err := slow.Write(pings)
			if err != nil && !errors.Is(err, os.ErrDeadlineExceeded) {
				return // cut off
			}
			time.Sleep(100 * time.Microsecond) // one small read batch at a time
		}
	}()
	l.waitFor(t, "Slow Consumer Detected: WriteDeadline of 200ms exceeded")
	slow.Close()
	<-done
	nc, _ := secNats(t, s)
	if err := nc.Flush(); err != nil {
		t.Fatalf("another client after the cut-off: %v", err)
	}
}

// TestInlineWriteAfterWriterDeadline: the deadline a writer goroutine set
// for its last round has long passed when the connection's next small
// output comes, yet that output is still written inline (the raw write
// must not fail on the stale deadline and hand every later reply to a
// writer goroutine).
func TestInlineWriteAfterWriterDeadline(t *testing.T) {
	s := startTestServer(t, &Options{PingInterval: time.Hour, WriteDeadline: 50 * time.Millisecond})
	conn, br := rawConn(t, s, `{"verbose":false,"pedantic":false}`)
	c := s.snapshotClients()[0]
	// 5000 bytes for itself: more than writeInline writes, so a writer
	// goroutine writes them under a write deadline.
	payload := strings.Repeat("x", 5000)
	conn.Write([]byte("SUB me 1\r\nPUB me 5000\r\n" + payload + "\r\n"))
	for {
		line, err := br.ReadString('\n')
		if err != nil {
			t.Fatal(err)
		}
		if line == payload+"\r\n" {
			break
		}
	}
	if c.writers.Load() == 0 {
		t.Fatal("no writer for a large output")
	}
	// Wait out the writer (and with it its deadline).
	secEventually(t, func() bool { return !c.writerOn.Load() }, "the writer to exit")
	started := c.writers.Load()
	for i := 0; i < 5; i++ {
		conn.Write([]byte("PING\r\n"))
		if l, err := br.ReadString('\n'); err != nil || l != "PONG\r\n" {
			t.Fatalf("PONG %d: %q %v", i, l, err)
		}
	}
	if n := c.writers.Load() - started; n != 0 {
		t.Fatalf("%d writer goroutines started for PONGs after the writer's deadline passed", n)
	}
}

// countingWriter counts and discards what is written to it.
type countingWriter struct{ n atomic.Int64 }

func (w *countingWriter) Write(p []byte) (int, error) {
	w.n.Add(int64(len(p)))
	return len(p), nil
}
