package server

import (
	"bufio"
	"bytes"
	"io"
	"net"
	"runtime"
	"strconv"
	"testing"
	"time"
)

func startTestServer(tb testing.TB, o *Options) *Server {
	tb.Helper()
	if o == nil {
		o = &Options{}
	}
	o.Host, o.Port, o.NoLog = "127.0.0.1", RandomPort, true
	s, err := New(o)
	if err != nil {
		tb.Fatal(err)
	}
	if err := s.Start(); err != nil {
		tb.Fatal(err)
	}
	tb.Cleanup(s.Shutdown)
	return s
}

// rawConn dials s and completes the CONNECT handshake.
func rawConn(tb testing.TB, s *Server, connect string) (net.Conn, *bufio.Reader) {
	tb.Helper()
	conn, err := net.Dial("tcp", s.Addr().String())
	if err != nil {
		tb.Fatal(err)
	}
	tb.Cleanup(func() { conn.Close() })
	conn.SetDeadline(time.Now().Add(30 * time.Second))
	br := bufio.NewReaderSize(conn, 64*1024)
	if _, err := br.ReadString('\n'); err != nil { // INFO
		tb.Fatal(err)
	}
	if _, err := io.WriteString(conn, "CONNECT "+connect+"\r\nPING\r\n"); err != nil {
		tb.Fatal(err)
	}
	if l, err := br.ReadString('\n'); err != nil || l != "PONG\r\n" {
		tb.Fatalf("handshake: %q %v", l, err)
	}
	return conn, br
}

// pubBatch builds n PUBs of a size-byte payload on subject.
func pubBatch(subject string, size, n int) []byte {
	payload := bytes.Repeat([]byte("x"), size)
	var b []byte
	for i := 0; i < n; i++ {
		b = append(b, "PUB "+subject+" "+strconv.Itoa(size)+"\r\n"...)
		b = append(b, payload...)
		b = append(b, "\r\n"...)
	}
	return b
}

// pumpPubSub sends rounds batches of batch messages from pub and reads
// every delivered message on each subscriber.
func pumpPubSub(tb testing.TB, pub net.Conn, pubR *bufio.Reader, subs []*bufio.Reader, msgs []byte, batch, rounds, size int) {
	msgLen := len("MSG foo 1 "+strconv.Itoa(size)+"\r\n") + size + 2
	done := make(chan error, len(subs))
	for _, sr := range subs {
		go func(sr *bufio.Reader) {
			_, err := io.CopyN(io.Discard, sr, int64(msgLen*batch*rounds))
			done <- err
		}(sr)
	}
	for i := 0; i < rounds; i++ {
		if _, err := pub.Write(msgs); err != nil {
			tb.Fatal(err)
		}
	}
	for range subs {
		if err := <-done; err != nil {
			tb.Fatal(err)
		}
	}
}

// TestHotPathAllocations checks that delivering a message allocates
// nothing in steady state: the whole server, publisher to subscriber.
func TestHotPathAllocations(t *testing.T) {
	if raceEnabled {
		t.Skip("the race detector allocates; run without -race")
	}
	s := startTestServer(t, nil)
	pub, pubR := rawConn(t, s, `{"verbose":false}`)
	var subs []*bufio.Reader
	for i := 0; i < 3; i++ {
		sc, sr := rawConn(t, s, `{"verbose":false}`)
		io.WriteString(sc, "SUB foo 1\r\nPING\r\n")
		if l, _ := sr.ReadString('\n'); l != "PONG\r\n" {
			t.Fatalf("sub: %q", l)
		}
		subs = append(subs, sr)
	}
	const batch, size = 1000, 128
	msgs := pubBatch("foo", size, batch)
	pumpPubSub(t, pub, pubR, subs, msgs, batch, 20, size) // warm up buffers and caches

	var before, after runtime.MemStats
	const rounds = 50
	runtime.ReadMemStats(&before)
	pumpPubSub(t, pub, pubR, subs, msgs, batch, rounds, size)
	runtime.ReadMemStats(&after)
	total := batch * rounds
	allocs := after.Mallocs - before.Mallocs
	// The test's own readers and the runtime allocate a little; a per-message
	// allocation anywhere in the server would show up as >= total.
	if allocs > uint64(total/20) {
		t.Fatalf("%d allocations for %d messages delivered to %d subscribers", allocs, total, len(subs))
	}
	t.Logf("%d allocations for %d messages x %d subscribers", allocs, total, len(subs))
}

func benchmarkPubSub(b *testing.B, nsubs, size int) {
	// A batch of 1000 64 KiB messages is as large as the default
	// max_pending: a subscriber scheduled out for a moment on a busy
	// machine would be cut off, and the benchmark is about throughput.
	s := startTestServer(b, &Options{MaxPending: 1 << 30})
	pub, pubR := rawConn(b, s, `{"verbose":false}`)
	var subs []*bufio.Reader
	for i := 0; i < nsubs; i++ {
		sc, sr := rawConn(b, s, `{"verbose":false}`)
		io.WriteString(sc, "SUB foo 1\r\nPING\r\n")
		if l, _ := sr.ReadString('\n'); l != "PONG\r\n" {
			b.Fatalf("sub: %q", l)
		}
		subs = append(subs, sr)
	}
	const batch = 1000
	msgs := pubBatch("foo", size, batch)
	b.SetBytes(int64(size))
	b.ReportAllocs()
	b.ResetTimer()
	rounds := b.N/batch + 1
	pumpPubSub(b, pub, pubR, subs, msgs, batch, rounds, size)
}

func BenchmarkPubNoSub16(b *testing.B) {
	s := startTestServer(b, nil)
	pub, pubR := rawConn(b, s, `{"verbose":false}`)
	const batch = 1000
	msgs := pubBatch("foo", 16, batch)
	b.SetBytes(16)
	b.ReportAllocs()
	b.ResetTimer()
	for i := 0; i < b.N/batch+1; i++ {
		pub.Write(msgs)
	}
	io.WriteString(pub, "PING\r\n")
	if l, err := pubR.ReadString('\n'); err != nil || l != "PONG\r\n" {
		b.Fatalf("%q %v", l, err)
	}
}

func BenchmarkPubSub128(b *testing.B)   { benchmarkPubSub(b, 1, 128) }
func BenchmarkFanout4x128(b *testing.B) { benchmarkPubSub(b, 4, 128) }
func BenchmarkPubSub64K(b *testing.B)   { benchmarkPubSub(b, 1, 64*1024) }
