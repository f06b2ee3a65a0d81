package server

import (
	"bufio"
	"errors"
	"io"
	"net"
	"os"
	"strings"
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
	expect := func(prefix string) {
		t.Helper()
		line, err := br.ReadString('\n')
		if err != nil || !strings.HasPrefix(line, prefix) {
			t.Fatalf("got %q (%v), want %s...", line, err, prefix)
		}
	}
	expect("INFO ")
	conn.Write([]byte(`CONNECT {"verbose":true,"pedantic":false,"protocol":1}` + "\r\nPING\r\n"))
	expect("+OK")
	expect("PONG")
	expect("INFO ") // connect_info
	for i := 0; i < 3; i++ {
		expect("PING")
		conn.Write([]byte("PONG\r\n"))
	}
	c := s.snapshotClients()[0]
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

// TestInlineWriteDeadline: a client that sends PINGs and never reads its
// PONGs fills its socket through the reader's own (raw, client_rawio.go)
// writes, which then wait for room under write_deadline and, past it,
// cut the client off as a slow consumer, as a writer goroutine's would;
// others are still served. Each read batch is a few PINGs, so writeInline
// writes every PONG.
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
