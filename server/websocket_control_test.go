package server

import (
	"bytes"
	crand "crypto/rand"
	"testing"
	"time"

	"github.com/gobwas/ws"
	"github.com/nats-io/nats.go"
)

// TestWebsocketPongAfterIdle: a WebSocket ping from a client whose
// connection has had no output for longer than write_deadline is still
// answered. The reader writes the pong itself, so it must not inherit the
// writer's last (expired) deadline: a pong refused on that deadline broke
// the connection for good.
func TestWebsocketPongAfterIdle(t *testing.T) {
	const deadline = 20 * time.Millisecond
	s := startWSServer(t, func(o *Options) { o.WriteDeadline = deadline })
	r := wsDialRaw(t, s)
	r.login(`{"verbose":false}`)
	// Ping for several write deadlines: every ping gets its pong.
	for start := time.Now(); time.Since(start) < 10*deadline; {
		r.conn.SetDeadline(time.Now().Add(wsWait))
		r.frame(true, ws.OpPing, []byte("hi"), true)
		f, err := ws.ReadFrame(r.br)
		if err != nil {
			t.Fatalf("after %v: no pong: %v", time.Since(start), err)
		}
		if f.Header.OpCode != ws.OpPong || string(f.Payload) != "hi" {
			t.Fatalf("got op %v %q, want a pong", f.Header.OpCode, f.Payload)
		}
	}
	// And the connection still carries the protocol.
	r.send("PING\r\n")
	if l := r.line(); l != "PONG\r\n" {
		t.Fatalf("got %q, want PONG", l)
	}
}

// TestWebsocketCompressedLargeMessage: with permessage-deflate, a message
// that does not compress (random bytes) and so stays larger than the
// compressor's kept buffer arrives whole: the compressed batch used to be
// released before it was written, leaving an empty frame and a lost
// message.
func TestWebsocketCompressedLargeMessage(t *testing.T) {
	s := startWSServer(t, func(o *Options) { o.Websocket.Compression = true })
	sub := wsConnect(t, s, nats.Compression(true))
	if !wsCompressed(t, s) {
		t.Fatal("compression not negotiated")
	}
	ss, err := sub.SubscribeSync("big")
	if err != nil {
		t.Fatal(err)
	}
	if err := sub.Flush(); err != nil {
		t.Fatal(err)
	}
	pub := tcpConnect(t, s)
	for _, size := range []int{100, 300 << 10} {
		want := make([]byte, size)
		crand.Read(want)
		if err := pub.Publish("big", want); err != nil {
			t.Fatal(err)
		}
		m, err := ss.NextMsg(wsWait)
		if err != nil {
			t.Fatalf("%d bytes: %v", size, err)
		}
		if !bytes.Equal(m.Data, want) {
			t.Fatalf("%d bytes: got %d bytes, different", size, len(m.Data))
		}
	}
}
