package server

import (
	"bufio"
	"io"
	"net"
	"runtime"
	"testing"
)

// leafHop sets up a leaf hop: a publisher on the leaf, nsubs subscribers
// on the hub (a queue group when queue is set).
func leafHop(tb testing.TB, nsubs int, queue string) (net.Conn, *bufio.Reader, []*bufio.Reader) {
	tb.Helper()
	ho := hubOpts("hub")
	ho.MaxPending = 512 << 20
	hub := clStart(tb, ho)
	lo := leafOpts("leaf", leafURLOf(hub))
	lo.MaxPending = 512 << 20
	lf := clStart(tb, lo)
	waitLeafs(tb, lf, 1)
	var subs []*bufio.Reader
	for i := 0; i < nsubs; i++ {
		sc, sr := rawConn(tb, hub, `{"verbose":false}`)
		io.WriteString(sc, "SUB foo "+queue+" 1\r\nPING\r\n")
		if l, _ := sr.ReadString('\n'); l != "PONG\r\n" {
			tb.Fatalf("sub: %q", l)
		}
		subs = append(subs, sr)
	}
	waitInterest(tb, lf, "$G", "foo")
	pub, pubR := rawConn(tb, lf, `{"verbose":false}`)
	return pub, pubR, subs
}

// TestLeafHopAllocations: a message crossing a leaf connection allocates
// nothing in steady state, on the leaf or on the hub.
func TestLeafHopAllocations(t *testing.T) {
	if raceEnabled {
		t.Skip("the race detector allocates; run without -race")
	}
	for _, queue := range []string{"", "workers"} {
		nsubs := 2
		if queue != "" {
			nsubs = 1
		}
		pub, pubR, want := leafHop(t, nsubs, queue)
		const batch, size = 1000, 128
		msgs := pubBatch("foo", size, batch)
		pumpPubSub(t, pub, pubR, want, msgs, batch, 20, size) // warm up
		var before, after runtime.MemStats
		const rounds = 50
		runtime.ReadMemStats(&before)
		pumpPubSub(t, pub, pubR, want, msgs, batch, rounds, size)
		runtime.ReadMemStats(&after)
		total := batch * rounds
		allocs := after.Mallocs - before.Mallocs
		if allocs > uint64(total/20) {
			t.Fatalf("queue %q: %d allocations for %d messages across a leaf connection", queue, allocs, total)
		}
		t.Logf("queue %q: %d allocations for %d messages across a leaf connection", queue, allocs, total)
	}
}

func benchmarkLeafHop(b *testing.B, size int, queue string) {
	pub, pubR, subs := leafHop(b, 1, queue)
	const batch = 1000
	msgs := pubBatch("foo", size, batch)
	b.SetBytes(int64(size))
	b.ReportAllocs()
	b.ResetTimer()
	pumpPubSub(b, pub, pubR, subs, msgs, batch, b.N/batch+1, size)
}

// BenchmarkLeafHop128: publisher on the leaf, subscriber on the hub,
// 128-byte messages; ns/op and allocs/op are per message.
func BenchmarkLeafHop128(b *testing.B)      { benchmarkLeafHop(b, 128, "") }
func BenchmarkLeafHopQueue128(b *testing.B) { benchmarkLeafHop(b, 128, "workers") }
