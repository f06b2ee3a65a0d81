package server

import (
	"bytes"
	"io"
	"strconv"
	"testing"
	"time"
)

// TestAllowNonTLSPingFirst: on an allow_non_tls port, a plain client whose
// first bytes are a PING (not CONNECT) is taken for a plain client and
// served, including large deliveries that span several output chunks; with
// authorization required it gets nats-server's Authorization Violation.
func TestAllowNonTLSPingFirst(t *testing.T) {
	e := newTLSEnv(t)
	o := e.opts(t, false)
	o.AllowNonTLS = true
	s := startTestServer(t, o)

	r := secDial(t, s)
	r.send("PING\r\n")
	r.expect("PONG")
	r.send("CONNECT {\"verbose\":false}\r\nSUB x 1\r\nPING\r\n")
	r.expect("PONG")
	pub := clConnect(t, s)
	const n, size = 4, 100 << 10
	for i := range n {
		if err := pub.Publish("x", testPayload(i, size)); err != nil {
			t.Fatal(err)
		}
	}
	if err := pub.Flush(); err != nil {
		t.Fatal(err)
	}
	for i := range n {
		if l := r.line(); l != "MSG x 1 "+strconv.Itoa(size) {
			t.Fatalf("message %d: %q", i, l)
		}
		got := make([]byte, size+2)
		r.conn.SetReadDeadline(time.Now().Add(secWait))
		if _, err := io.ReadFull(r.br, got); err != nil {
			t.Fatalf("message %d: %v", i, err)
		}
		if !bytes.Equal(got[:size], testPayload(i, size)) {
			t.Fatalf("message %d differs", i)
		}
	}

	o = e.opts(t, false)
	o.AllowNonTLS = true
	o.Username, o.Password = "u", "p"
	s = startTestServer(t, o)
	r = secDial(t, s)
	r.send("PING\r\n")
	r.expect("-ERR 'Authorization Violation'")
	r.expectClosed()
}
