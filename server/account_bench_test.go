package server

import (
	"bufio"
	"io"
	"runtime"
	"testing"
	"time"

	"github.com/nats-io/nats.go"
)

// TestAccountHotPathAllocations: a client in a configured account (with
// other accounts and imports around) delivers without allocating, like
// one in $G (TestHotPathAllocations).
func TestAccountHotPathAllocations(t *testing.T) {
	if raceEnabled {
		t.Skip("the race detector allocates; run without -race")
	}
	s := startTestServer(t, accOpts(t, accImports))
	pub, pubR := rawConn(t, s, `{"verbose":false,"user":"a","pass":"a"}`)
	var subs []*bufio.Reader
	for i := 0; i < 3; i++ {
		sc, sr := rawConn(t, s, `{"verbose":false,"user":"a","pass":"a"}`)
		io.WriteString(sc, "SUB foo 1\r\nPING\r\n")
		if l, _ := sr.ReadString('\n'); l != "PONG\r\n" {
			t.Fatalf("sub: %q", l)
		}
		subs = append(subs, sr)
	}
	const batch, size = 1000, 128
	msgs := pubBatch("foo", size, batch)
	pumpPubSub(t, pub, pubR, subs, msgs, batch, 20, size)
	var before, after runtime.MemStats
	const rounds = 50
	runtime.ReadMemStats(&before)
	pumpPubSub(t, pub, pubR, subs, msgs, batch, rounds, size)
	runtime.ReadMemStats(&after)
	total := batch * rounds
	if allocs := after.Mallocs - before.Mallocs; allocs > uint64(total/20) {
		t.Fatalf("%d allocations for %d messages", allocs, total)
	}
}

// benchRequests times synchronous requests from req to subject.
func benchRequests(b *testing.B, req *nats.Conn, subject string) {
	b.Helper()
	payload := make([]byte, 64)
	if _, err := req.Request(subject, payload, 5*time.Second); err != nil {
		b.Fatal(err)
	}
	b.ReportAllocs()
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		if _, err := req.Request(subject, payload, 5*time.Second); err != nil {
			b.Fatal(err)
		}
	}
}

// BenchmarkRequestReplyLocal is the baseline for
// BenchmarkServiceImportRoundTrip: the same round trip within one account.
func BenchmarkRequestReplyLocal(b *testing.B) {
	s := startTestServer(b, accOpts(b, accImports))
	a := accConnect(b, s, "a")
	a.Subscribe("svc.echo", func(m *nats.Msg) { m.Respond(m.Data) })
	a.Flush()
	benchRequests(b, accConnect(b, s, "a"), "svc.echo")
}

// BenchmarkServiceImportRoundTrip: a request from B through a service
// import to A's responder and the response back (two reply mappings'
// worth of work per request: made up, looked up, forgotten).
func BenchmarkServiceImportRoundTrip(b *testing.B) {
	s := startTestServer(b, accOpts(b, accImports))
	a := accConnect(b, s, "a")
	a.Subscribe("svc.echo", func(m *nats.Msg) { m.Respond(m.Data) })
	a.Flush()
	benchRequests(b, accConnect(b, s, "b"), "svc.echo")
	b.StopTimer()
	if n := s.lookupAccount("A").replies(s).size(); n != 0 {
		b.Fatalf("%d reply mappings left after %d requests", n, b.N)
	}
}

// TestAccountStreamImportAllocations: a message delivered through a
// stream import with a prefix allocates nothing either.
func TestAccountStreamImportAllocations(t *testing.T) {
	if raceEnabled {
		t.Skip("the race detector allocates; run without -race")
	}
	s := startTestServer(t, accOpts(t, accImports))
	pub, _ := rawConn(t, s, `{"verbose":false,"user":"a","pass":"a"}`)
	sc, sr := rawConn(t, s, `{"verbose":false,"user":"b","pass":"b"}`)
	io.WriteString(sc, "SUB fromA.pub.x 1\r\nPING\r\n")
	if l, _ := sr.ReadString('\n'); l != "PONG\r\n" {
		t.Fatalf("sub: %q", l)
	}
	const batch, size = 1000, 128
	msgs := pubBatch("pub.x", size, batch)
	msgLen := int64(len("MSG fromA.pub.x 1 128\r\n") + size + 2)
	pump := func(rounds int) {
		done := make(chan error, 1)
		go func() {
			_, err := io.CopyN(io.Discard, sr, msgLen*int64(batch*rounds))
			done <- err
		}()
		for i := 0; i < rounds; i++ {
			if _, err := pub.Write(msgs); err != nil {
				t.Fatal(err)
			}
		}
		if err := <-done; err != nil {
			t.Fatal(err)
		}
	}
	pump(20)
	var before, after runtime.MemStats
	const rounds = 50
	runtime.ReadMemStats(&before)
	pump(rounds)
	runtime.ReadMemStats(&after)
	total := batch * rounds
	if allocs := after.Mallocs - before.Mallocs; allocs > uint64(total/20) {
		t.Fatalf("%d allocations for %d imported messages", allocs, total)
	}
}

// BenchmarkStreamImport128: a 128-byte message published in A and
// delivered in B through a prefixed stream import.
func BenchmarkStreamImport128(b *testing.B) {
	s := startTestServer(b, accOpts(b, accImports))
	pub, pubR := rawConn(b, s, `{"verbose":false,"user":"a","pass":"a"}`)
	sc, sr := rawConn(b, s, `{"verbose":false,"user":"b","pass":"b"}`)
	io.WriteString(sc, "SUB fromA.pub.x 1\r\nPING\r\n")
	if l, _ := sr.ReadString('\n'); l != "PONG\r\n" {
		b.Fatalf("sub: %q", l)
	}
	const batch, size = 1000, 128
	msgs := pubBatch("pub.x", size, batch)
	msgLen := int64(len("MSG fromA.pub.x 1 128\r\n") + size + 2)
	rounds := b.N/batch + 1
	b.SetBytes(size)
	b.ReportAllocs()
	b.ResetTimer()
	done := make(chan error, 1)
	go func() {
		_, err := io.CopyN(io.Discard, sr, msgLen*int64(batch*rounds))
		done <- err
	}()
	for i := 0; i < rounds; i++ {
		pub.Write(msgs)
	}
	if err := <-done; err != nil {
		b.Fatal(err)
	}
	_ = pubR
}

// TestMappingAllocations: a published message that a mapping (here a
// weighted one) sends elsewhere is delivered without allocating.
func TestMappingAllocations(t *testing.T) {
	if raceEnabled {
		t.Skip("the race detector allocates; run without -race")
	}
	s := startTestServer(t, accOpts(t, `mappings { foo: [ {destination: bar, weight: 50%}, {destination: baz, weight: 50%} ] }`))
	pub, pubR := rawConn(t, s, `{"verbose":false}`)
	sc, sr := rawConn(t, s, `{"verbose":false}`)
	io.WriteString(sc, "SUB bar 1\r\nSUB baz 2\r\nPING\r\n")
	if l, _ := sr.ReadString('\n'); l != "PONG\r\n" {
		t.Fatalf("sub: %q", l)
	}
	const batch, size = 1000, 128
	msgs := pubBatch("foo", size, batch)
	subs := []*bufio.Reader{sr} // "MSG bar 1 128" is as long as "MSG foo 1 128"
	pumpPubSub(t, pub, pubR, subs, msgs, batch, 20, size)
	var before, after runtime.MemStats
	const rounds = 50
	runtime.ReadMemStats(&before)
	pumpPubSub(t, pub, pubR, subs, msgs, batch, rounds, size)
	runtime.ReadMemStats(&after)
	total := batch * rounds
	if allocs := after.Mallocs - before.Mallocs; allocs > uint64(total/20) {
		t.Fatalf("%d allocations for %d mapped messages", allocs, total)
	}
}

// BenchmarkWeightedMapping128: a 128-byte message through a 90/10
// weighted mapping.
func BenchmarkWeightedMapping128(b *testing.B) {
	s := startTestServer(b, accOpts(b, `mappings { foo: [ {destination: bar, weight: 90%}, {destination: baz, weight: 10%} ] }`))
	pub, pubR := rawConn(b, s, `{"verbose":false}`)
	sc, sr := rawConn(b, s, `{"verbose":false}`)
	io.WriteString(sc, "SUB bar 1\r\nSUB baz 2\r\nPING\r\n")
	if l, _ := sr.ReadString('\n'); l != "PONG\r\n" {
		b.Fatalf("sub: %q", l)
	}
	const batch, size = 1000, 128
	msgs := pubBatch("foo", size, batch)
	b.SetBytes(size)
	b.ReportAllocs()
	b.ResetTimer()
	pumpPubSub(b, pub, pubR, []*bufio.Reader{sr}, msgs, batch, b.N/batch+1, size)
}
