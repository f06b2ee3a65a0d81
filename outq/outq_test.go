package outq

import (
	"bytes"
	"math/rand"
	"strconv"
	"testing"
)

// drain writes everything pending, as a writer would, max slices at a time,
// and returns it.
func drain(q *Queue, max int) []byte {
	var out []byte
	for q.Len() > 0 {
		for _, b := range q.Peek(nil, max) {
			out = append(out, b...)
			q.Consume(len(b))
		}
	}
	return out
}

func TestEmptyQueueHoldsNothing(t *testing.T) {
	var q Queue
	if q.Len() != 0 || q.Chunks() != 0 || len(q.Peek(nil, 10)) != 0 {
		t.Fatalf("zero queue: len %d chunks %d", q.Len(), q.Chunks())
	}
	q.AppendString("PING\r\n")
	if q.Len() != 6 || q.Chunks() != 1 {
		t.Fatalf("after append: len %d chunks %d", q.Len(), q.Chunks())
	}
	q.Consume(6)
	if q.Len() != 0 || q.Chunks() != 0 {
		t.Fatalf("written queue keeps %d chunks", q.Chunks())
	}
	q.Trim()
	if !q.Released() {
		t.Fatal("Trim kept the chunk list")
	}
}

func TestAppendSpansChunks(t *testing.T) {
	var q Queue
	big := bytes.Repeat([]byte("0123456789"), ChunkSize/4) // 2.5 chunks
	q.AppendString("MSG a 1 ")
	q.Append(big)
	q.AppendString("\r\n")
	if want := 8 + len(big) + 2; q.Len() != want {
		t.Fatalf("len %d, want %d", q.Len(), want)
	}
	// A small first chunk, then full ones.
	if q.Chunks() != 4 {
		t.Fatalf("%d chunks for %d bytes", q.Chunks(), q.Len())
	}
	views := q.Peek(nil, 10)
	if len(views) != 4 || len(views[0]) != SmallSize || len(views[1]) != ChunkSize || len(views[2]) != ChunkSize {
		t.Fatalf("views %d: %d %d %d", len(views), len(views[0]), len(views[1]), len(views[2]))
	}
	got := drain(&q, 2)
	want := append(append([]byte("MSG a 1 "), big...), "\r\n"...)
	if !bytes.Equal(got, want) {
		t.Fatal("bytes differ")
	}
}

// Appending never moves what is queued: a view taken before more appends
// still shows the same bytes, and cannot be appended to.
func TestPeekViewsAreStable(t *testing.T) {
	var q Queue
	q.AppendString("hello ")
	v := q.Peek(nil, 1)[0]
	if cap(v) != len(v) {
		t.Fatalf("view has spare capacity %d", cap(v)-len(v))
	}
	for i := 0; i < 10000; i++ {
		q.AppendString("world ")
	}
	if string(v) != "hello " {
		t.Fatalf("view changed to %q", v)
	}
	q.Consume(3)
	if got := string(q.Peek(nil, 1)[0][:3]); got != "lo " {
		t.Fatalf("after partial consume: %q", got)
	}
}

func TestReserveCommit(t *testing.T) {
	var q Queue
	b := q.Reserve(16)
	if b == nil || len(b) != 0 {
		t.Fatalf("reserve on an empty queue: %v", b)
	}
	q.Commit(append(b, "MSG x 1 0\r\n\r\n"...))
	if q.Len() != 13 {
		t.Fatalf("len %d", q.Len())
	}
	if cap(q.bufs[0]) != SmallSize {
		t.Fatalf("first chunk of %d bytes for a small frame", cap(q.bufs[0]))
	}
	// An underestimate that outgrows the chunk is copied, not lost.
	q.Append(bytes.Repeat([]byte("y"), SmallSize+ChunkSize-13-4))
	b = q.Reserve(4)
	if b == nil {
		t.Fatal("reserve of the last 4 bytes failed")
	}
	q.Commit(append(b, "abcdefgh"...)) // 8 > the 4 left: reallocated
	if q.Reserve(1) != nil && q.Chunks() == 2 {
		t.Fatal("reserve past the chunk's end")
	}
	got := drain(&q, 10)
	if want := 13 + SmallSize + ChunkSize - 17 + 8; len(got) != want || string(got[len(got)-8:]) != "abcdefgh" {
		t.Fatalf("got %d bytes ending %q", len(got), got[len(got)-8:])
	}
	if q.Reserve(ChunkSize+1) != nil {
		t.Fatal("reserved more than a chunk")
	}
	if q.Chunks() != 0 {
		t.Fatal("a failed reserve took a chunk")
	}
}

func TestCopyFront(t *testing.T) {
	var q Queue
	var want []byte
	for i := 0; i < 5000; i++ {
		s := "MSG s." + strconv.Itoa(i) + " 1 3\r\nabc\r\n"
		q.AppendString(s)
		want = append(want, s...)
	}
	q.Consume(100)
	want = want[100:]
	for _, n := range []int{0, 1, 1000, ChunkSize, len(want), len(want) + 5} {
		got := q.CopyFront(nil, n)
		if !bytes.Equal(got, want[:min(n, len(want))]) {
			t.Fatalf("CopyFront(%d): %d bytes, differ", n, len(got))
		}
	}
}

func TestResetReleasesEverything(t *testing.T) {
	var q Queue
	q.Append(make([]byte, 100*ChunkSize))
	q.Consume(ChunkSize / 2)
	q.Reset()
	if q.Len() != 0 || q.Chunks() != 0 || q.bufs != nil || q.head != 0 {
		t.Fatalf("after reset: %+v", q)
	}
	q.AppendString("again")
	if got := drain(&q, 1); string(got) != "again" {
		t.Fatalf("after reset: %q", got)
	}
}

// TestInterleavings is the property test: any interleaving of appends
// (plain, reserved, of any size) and partial writes (any number of slices,
// any prefix of them) delivers exactly the appended bytes, in order, and a
// drained queue holds no chunk.
func TestInterleavings(t *testing.T) {
	for seed := int64(0); seed < 100; seed++ {
		runOps(t, rand.New(rand.NewSource(seed)), 200)
	}
}

func runOps(t testing.TB, r *rand.Rand, ops int) {
	var q Queue
	var want, got []byte
	next := byte(0)
	gen := func(n int) []byte {
		b := make([]byte, n)
		for i := range b {
			b[i] = next
			next++
		}
		return b
	}
	size := func() int {
		switch r.Intn(4) {
		case 0:
			return r.Intn(16)
		case 1:
			return r.Intn(2000)
		case 2:
			return ChunkSize - 8 + r.Intn(16)
		default:
			return r.Intn(3 * ChunkSize)
		}
	}
	for i := 0; i < ops; i++ {
		switch r.Intn(5) {
		case 0:
			p := gen(size())
			q.Append(p)
			want = append(want, p...)
		case 1:
			p := gen(size())
			q.AppendString(string(p))
			want = append(want, p...)
		case 2:
			p := gen(r.Intn(200))
			if b := q.Reserve(len(p) - r.Intn(4)); b != nil { // sometimes an underestimate
				q.Commit(append(b, p...))
			} else {
				q.Append(p)
			}
			want = append(want, p...)
		default:
			// A partial write: some slices, then part of what they hold.
			views := q.Peek(nil, 1+r.Intn(4))
			before := len(got)
			total := 0
			for _, v := range views {
				total += len(v)
			}
			n := 0
			if total > 0 {
				n = r.Intn(total + 1)
			}
			for _, v := range views {
				k := min(n, len(v))
				got = append(got, v[:k]...)
				n -= k
				if n == 0 {
					break
				}
			}
			q.Consume(len(got) - before)
		}
		if q.Len() != len(want)-len(got) {
			t.Fatalf("op %d: len %d, want %d", i, q.Len(), len(want)-len(got))
		}
	}
	got = append(got, drain(&q, 3)...)
	if !bytes.Equal(got, want) {
		t.Fatalf("delivered %d bytes, appended %d: differ", len(got), len(want))
	}
	if q.Chunks() != 0 {
		t.Fatalf("drained queue holds %d chunks", q.Chunks())
	}
}
