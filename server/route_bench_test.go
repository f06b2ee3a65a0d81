package server

import (
	"bufio"
	"io"
	"net"
	"runtime"
	"testing"
)

// clHop sets up a route hop: a publisher on node A, nsubs subscribers on
// node B (a queue group when queue is set).
func clHop(tb testing.TB, nsubs int, queue string) (net.Conn, *bufio.Reader, []*bufio.Reader) {
	tb.Helper()
	return clHopCompressed(tb, nsubs, queue, "")
}

// clHopCompressed is clHop with the route compression mode of both nodes.
func clHopCompressed(tb testing.TB, nsubs int, queue, mode string) (net.Conn, *bufio.Reader, []*bufio.Reader) {
	tb.Helper()
	servers := clStartCluster(tb, 2, func(_ int, o *Options) {
		o.Cluster.Compression = mode
		// Nothing paces a publisher to its subscribers; with 64 KiB
		// messages a route's burst can exceed the default 64 MiB backlog
		// of a subscriber that reads a little late.
		o.MaxPending = 512 << 20
	})
	a, b := servers[0], servers[1]
	var subs []*bufio.Reader
	for i := 0; i < nsubs; i++ {
		sc, sr := rawConn(tb, b, `{"verbose":false}`)
		io.WriteString(sc, "SUB foo "+queue+" 1\r\nPING\r\n")
		if l, _ := sr.ReadString('\n'); l != "PONG\r\n" {
			tb.Fatalf("sub: %q", l)
		}
		subs = append(subs, sr)
	}
	clWaitFor(tb, clusterWait, "interest on A", func() bool { return a.NumRemoteSubscriptions() == 1 })
	pub, pubR := rawConn(tb, a, `{"verbose":false}`)
	return pub, pubR, subs
}

// TestRouteHopAllocations: a message crossing a route allocates nothing in
// steady state, neither on the sending server nor on the receiving one.
func TestRouteHopAllocations(t *testing.T) {
	if raceEnabled {
		t.Skip("the race detector allocates; run without -race")
	}
	for _, tc := range []struct{ queue, mode string }{{"", ""}, {"workers", ""}, {"", "s2_fast"}} {
		queue := tc.queue
		// Two plain subscribers, or one queue member (with two, which one
		// gets a message is random and the readers could not tell).
		nsubs := 2
		if queue != "" {
			nsubs = 1
		}
		pub, pubR, want := clHopCompressed(t, nsubs, queue, tc.mode)
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
			t.Fatalf("queue %q compression %q: %d allocations for %d messages across a route", queue, tc.mode, allocs, total)
		}
		t.Logf("queue %q compression %q: %d allocations for %d messages across a route", queue, tc.mode, allocs, total)
	}
}

func benchmarkRouteHop(b *testing.B, size int, queue string) {
	benchmarkRouteHopMode(b, size, queue, "")
}

func benchmarkRouteHopMode(b *testing.B, size int, queue, mode string) {
	pub, pubR, subs := clHopCompressed(b, 1, queue, mode)
	const batch = 1000
	msgs := pubBatch("foo", size, batch)
	b.SetBytes(int64(size))
	b.ReportAllocs()
	b.ResetTimer()
	pumpPubSub(b, pub, pubR, subs, msgs, batch, b.N/batch+1, size)
}

// BenchmarkRouteHop128: publisher on A, subscriber on B, 128-byte
// messages; ns/op and allocs/op are per message (both servers are in
// this process, so their allocations count).
func BenchmarkRouteHop128(b *testing.B)      { benchmarkRouteHop(b, 128, "") }
func BenchmarkRouteHopQueue128(b *testing.B) { benchmarkRouteHop(b, 128, "workers") }
func BenchmarkRouteHop16(b *testing.B)       { benchmarkRouteHop(b, 16, "") }
func BenchmarkRouteHop64K(b *testing.B)      { benchmarkRouteHop(b, 64*1024, "") }

// The same with compressed routes (cluster.compression: s2_fast): the
// cost of compressing every batch on A and decompressing it on B.
func BenchmarkRouteHopS2Fast128(b *testing.B) { benchmarkRouteHopMode(b, 128, "", "s2_fast") }
func BenchmarkRouteHopS2Fast64K(b *testing.B) { benchmarkRouteHopMode(b, 64*1024, "", "s2_fast") }
