package server

import (
	"bufio"
	"io"
	"net"
	"runtime"
	"strings"
	"testing"
	"time"
)

// rawLeaf dials the hub's leaf port and reads its INFO.
func rawLeaf(t *testing.T, hub *Server) (net.Conn, *bufio.Reader) {
	t.Helper()
	conn, err := net.Dial("tcp", hub.LeafAddr().String())
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { conn.Close() })
	conn.SetDeadline(time.Now().Add(5 * time.Second))
	br := bufio.NewReader(conn)
	line, err := br.ReadString('\n')
	if err != nil || !strings.HasPrefix(line, "INFO {") || !strings.Contains(line, `"auth_required":true`) {
		t.Fatalf("INFO: %q %v", line, err)
	}
	return conn, br
}

// readUntilClosed returns what the hub sends until it closes.
func readUntilClosed(br *bufio.Reader) string {
	b, _ := io.ReadAll(br)
	return string(b)
}

// TestLeafBadInput: malformed leaf protocol gets the connection closed
// (with nats-server's -ERR where it sends one); the hub keeps serving its
// clients and its good leaf, and leaks nothing.
func TestLeafBadInput(t *testing.T) {
	hub := clStart(t, hubOpts("hub"))
	lf := clStart(t, leafOpts("leaf", leafURLOf(hub)))
	waitLeafs(t, hub, 1)
	before := runtime.NumGoroutine()
	for _, c := range []struct{ name, in, want string }{
		{"LS+ before CONNECT", "LS+ foo\r\n", "-ERR 'Authorization Violation'"},
		{"LMSG before CONNECT", "LMSG foo 1\r\nx\r\n", "-ERR 'Authorization Violation'"},
		{"client op", "CONNECT {\"name\":\"x\",\"server_id\":\"NX\"}\r\nPUB foo 1\r\nx\r\n", "-ERR 'Unknown Protocol Operation'"},
		{"bad JSON", "CONNECT {bad\r\n", ""},
		{"bad LS+ weight", "CONNECT {\"name\":\"x\",\"server_id\":\"NX\"}\r\nLS+ foo q x\r\n", ""},
		{"bad LMSG size", "CONNECT {\"name\":\"x\",\"server_id\":\"NX\"}\r\nLMSG foo x\r\n", ""},
		{"payload over max", "CONNECT {\"name\":\"x\",\"server_id\":\"NX\"}\r\nLMSG foo 99999999\r\n", "-ERR 'Maximum Payload Violation'"},
		{"own loop subject", "CONNECT {\"name\":\"x\",\"server_id\":\"NX\"}\r\nLS+ " + hub.leafs.lds + "\r\n", "-ERR 'Loop detected for leafnode account=\"$G\""},
	} {
		t.Run(c.name, func(t *testing.T) {
			conn, br := rawLeaf(t, hub)
			io.WriteString(conn, c.in)
			got := readUntilClosed(br)
			if c.want != "" && !strings.Contains(got, c.want) {
				t.Fatalf("got %q, want %q", got, c.want)
			}
		})
	}
	// The hub still serves its good leaf.
	hc, lc := leafConnect(t, hub), leafConnect(t, lf)
	sub, _ := hc.SubscribeSync("still")
	hc.Flush()
	waitInterest(t, lf, "$G", "still")
	lc.Publish("still", []byte("ok"))
	nextMsg(t, sub)
	if hub.NumLeafNodes() != 1 {
		t.Fatalf("hub has %d leaves", hub.NumLeafNodes())
	}
	clWaitFor(t, leafWait, "the bad connections' goroutines to end", func() bool { return runtime.NumGoroutine() <= before+8 })
}
