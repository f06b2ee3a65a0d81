package server

import (
	"bytes"
	"fmt"
	"io"
	"math/rand"
	"net"
	"strconv"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/nats-io/nats.go"

	"github.com/natsd/natsd/outq"
)

// Tests of the outbound path: the chunked queue (package outq) inside real
// connections.

// testPayload is n bytes that tell their message and position apart.
func testPayload(i, n int) []byte {
	b := make([]byte, n)
	for j := range b {
		b[j] = byte('a' + (i+j)%26)
	}
	return b
}

// outSizes are payload sizes around and across chunk boundaries.
func outSizes() []int {
	sizes := []int{0, 1, 100, outq.ChunkSize - 20, outq.ChunkSize, outq.ChunkSize + 1, 3*outq.ChunkSize + 7, 1 << 20}
	r := rand.New(rand.NewSource(1))
	for i := 0; i < 60; i++ {
		sizes = append(sizes, r.Intn(100<<10))
	}
	return sizes
}

// TestOutboundFramesAcrossChunks: messages of every size, split over chunk
// boundaries anywhere, arrive byte for byte as MSG frames on a raw socket.
func TestOutboundFramesAcrossChunks(t *testing.T) {
	s := startTestServer(t, nil)
	pub, _ := rawConn(t, s, `{"verbose":false}`)
	sub, sr := rawConn(t, s, `{"verbose":false}`)
	io.WriteString(sub, "SUB out.x 7\r\nPING\r\n")
	if l, _ := sr.ReadString('\n'); l != "PONG\r\n" {
		t.Fatalf("sub: %q", l)
	}
	sizes := outSizes()
	var in, want bytes.Buffer
	for i, n := range sizes {
		p := testPayload(i, n)
		fmt.Fprintf(&in, "PUB out.x %d\r\n", n)
		in.Write(p)
		in.WriteString("\r\n")
		fmt.Fprintf(&want, "MSG out.x 7 %d\r\n", n)
		want.Write(p)
		want.WriteString("\r\n")
	}
	go pub.Write(in.Bytes())
	got := make([]byte, want.Len())
	if _, err := io.ReadFull(sr, got); err != nil {
		t.Fatal(err)
	}
	if !bytes.Equal(got, want.Bytes()) {
		i := 0
		for i < len(got) && got[i] == want.Bytes()[i] {
			i++
		}
		t.Fatalf("output differs at byte %d of %d", i, len(got))
	}
}

// TestOutboundOverTLS: a TLS connection has no vectored write, so the
// chunks go out one Write each; the messages must arrive intact.
func TestOutboundOverTLS(t *testing.T) {
	e := newTLSEnv(t)
	s := secStart(t, e.opts(t, false), nil)
	nc, _ := secNats(t, s, nats.Secure(e.client(t, "", "", false)))
	sub, err := nc.SubscribeSync("tls.big")
	if err != nil {
		t.Fatal(err)
	}
	nc.Flush()
	// First a burst of a few KiB, flushed at once: it spans the small
	// first chunk and the next, which go out gathered in one record.
	sizes := []int{1000, 1000, 1000, 1000, 1000}
	sizes = append(sizes, outSizes()...)
	for i, n := range sizes {
		nc.Publish("tls.big", testPayload(i, n))
	}
	for i, n := range sizes {
		m, err := sub.NextMsg(secWait)
		if err != nil {
			t.Fatalf("message %d: %v", i, err)
		}
		if !bytes.Equal(m.Data, testPayload(i, n)) {
			t.Fatalf("message %d (%d bytes) differs", i, n)
		}
	}
}

// serverClients returns the server's client connections.
func serverClients(s *Server) []*client {
	s.mu.Lock()
	defer s.mu.Unlock()
	out := make([]*client, 0, len(s.clients))
	for _, c := range s.clients {
		out = append(out, c)
	}
	return out
}

// TestIdleConnectionHoldsNoChunk: once a connection's writer has gone idle,
// its pending output holds no chunk and no chunk list.
func TestIdleConnectionHoldsNoChunk(t *testing.T) {
	s := startTestServer(t, nil)
	pub, _ := rawConn(t, s, `{"verbose":false}`)
	sub, sr := rawConn(t, s, `{"verbose":false}`)
	io.WriteString(sub, "SUB idle.x 1\r\nPING\r\n")
	if l, _ := sr.ReadString('\n'); l != "PONG\r\n" {
		t.Fatalf("sub: %q", l)
	}
	io.WriteString(pub, string(pubBatch("idle.x", 40000, 10))) // several chunks each
	want := 10 * (len("MSG idle.x 1 40000\r\n") + 40000 + 2)
	if _, err := io.CopyN(io.Discard, sr, int64(want)); err != nil {
		t.Fatal(err)
	}
	secEventually(t, func() bool {
		for _, c := range serverClients(s) {
			c.mu.Lock()
			held := c.out.Chunks() != 0 || c.out.Len() != 0 || !c.out.Released()
			c.mu.Unlock()
			if held || c.writerOn.Load() {
				return false
			}
		}
		return true
	}, "every writer to go idle and hold no chunk")
}

// TestSlowConsumerBacklogCutOff: a subscriber that never reads is cut off
// at max_pending with the backlog scan in the log line, while a healthy
// subscriber of the same publisher gets every message, in order.
func TestSlowConsumerBacklogCutOff(t *testing.T) {
	l := &secLog{}
	s := secStart(t, &Options{MaxPending: 2 << 20}, l)

	// The slow subscriber: a tiny receive buffer, and it never reads.
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
	io.WriteString(slow, "CONNECT {\"verbose\":false}\r\nSUB cut.> 1\r\n")

	nc, _ := secNats(t, s)
	sub, err := nc.SubscribeSync("cut.>")
	if err != nil {
		t.Fatal(err)
	}
	sub.SetPendingLimits(-1, -1)
	nc.Flush()
	secEventually(t, func() bool { return s.NumSubscriptions() >= 2 }, "both subscriptions")

	// The publisher goes in batches, each awaited by the healthy
	// subscriber, so that only the slow one falls behind.
	pubc, _ := secNats(t, s)
	const batches, batch, size = 40, 64, 8 << 10 // 20 MiB: ten times max_pending
	for i := 0; i < batches*batch; i++ {
		pubc.Publish("cut."+strconv.Itoa(i%3), testPayload(i, size))
		if (i+1)%batch > 0 {
			continue
		}
		pubc.Flush()
		for j := i + 1 - batch; j <= i; j++ {
			m, err := sub.NextMsg(secWait)
			if err != nil {
				t.Fatalf("healthy subscriber, message %d: %v", j, err)
			}
			if !bytes.Equal(m.Data, testPayload(j, size)) {
				t.Fatalf("healthy subscriber, message %d differs", j)
			}
		}
	}
	line := l.waitFor(t, "Slow Consumer Detected: MaxPending of 2097152 Exceeded", "largest backlog:")
	for _, subj := range []string{`"cut.0"`, `"cut.1"`, `"cut.2"`} {
		if !strings.Contains(line, subj) {
			t.Fatalf("backlog scan misses %s: %s", subj, line)
		}
	}
	secEventually(t, func() bool { return s.Varz().SlowConsumers == 1 }, "slow_consumers 1")
}

// TestSlowConsumerWriteDeadline: a subscriber whose socket stops taking
// data is cut off after write_deadline even with a backlog far below
// max_pending; the deadline covers the whole round of vectored writes.
func TestSlowConsumerWriteDeadline(t *testing.T) {
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
	io.WriteString(slow, "CONNECT {\"verbose\":false}\r\nSUB wd.x 1\r\n")
	secEventually(t, func() bool { return s.NumSubscriptions() == 1 }, "the subscription")
	pubc, _ := secNats(t, s)
	for i := 0; i < 200; i++ {
		pubc.Publish("wd.x", testPayload(i, 16<<10))
	}
	pubc.Flush()
	l.waitFor(t, "Slow Consumer Detected: WriteDeadline of 200ms exceeded")
}
