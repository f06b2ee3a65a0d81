package server

import (
	"bufio"
	"net"
	"strings"
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
