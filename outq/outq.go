// Package outq is a connection's pending output: a FIFO of bytes kept in
// fixed-size chunks that come from a shared pool.
//
// A contiguous output buffer has to grow by copying: a subscriber that
// falls behind makes whoever appends to it copy the whole backlog (tens of
// MiB) while holding the subscriber's lock, which stalls the publisher and
// through it every other subscriber. Chunks remove that: appending copies
// only the new bytes and takes at most one new chunk per ChunkSize bytes;
// what is queued never moves. The writer hands the chunks to the kernel in
// one vectored write (Peek) and gives them back as they are written
// (Consume). An empty queue holds no chunk, so an idle connection costs
// nothing here.
//
// Concurrency: a Queue is not safe for concurrent use, and its owner
// guards it with a lock. The one exception is the pattern this package
// exists for: the slices Peek returns may be read without the lock while
// others append, because appends only write past them and nothing reuses a
// chunk before Consume has dropped it. So the writer takes the lock to
// Peek, writes unlocked, and takes the lock again to Consume what it wrote.
//
// The package is pure: no goroutines, no I/O.
package outq

import "sync"

// ChunkSize is the size of a chunk: large enough that a vectored write of
// a few chunks fills a socket buffer, and at most two TLS records.
const ChunkSize = 32 << 10

// SmallSize is the size of the first chunk of a queue that starts with a
// small append: most flushes of a quiet connection (an INFO, a PONG, a few
// messages) fit in it, so thousands of connections with a little output
// pending at once (a reconnect storm) touch a page each, not a chunk each.
// Once it is full, the queue goes on with full chunks.
const SmallSize = 2 << 10

// keepOnReset is how many chunks Reset gives back to the pool; a large
// backlog's other chunks are left to the garbage collector, so the memory
// of a slow consumer that was cut off goes back to the runtime (the pool
// would keep it until the next two collections).
const keepOnReset = 16

type (
	chunk      = [ChunkSize]byte
	smallChunk = [SmallSize]byte
)

var (
	pool      = sync.Pool{New: func() any { return new(chunk) }}
	smallPool = sync.Pool{New: func() any { return new(smallChunk) }}
)

// getChunk returns an empty chunk: a small one if n bytes fit in it.
func getChunk(n int) []byte {
	if n <= SmallSize {
		return smallPool.Get().(*smallChunk)[:0]
	}
	return pool.Get().(*chunk)[:0]
}

// putChunk returns a chunk (every slice in a Queue starts at one) to its
// pool.
func putChunk(b []byte) {
	if cap(b) == SmallSize {
		smallPool.Put((*smallChunk)(b[:SmallSize]))
	} else {
		pool.Put((*chunk)(b[:ChunkSize]))
	}
}

// Queue is a FIFO of bytes. The zero value is an empty queue, ready to use.
// It holds no chunk while empty; Trim also drops its (small) list.
type Queue struct {
	// bufs are the chunks, oldest first; each one's length is how much of
	// it is filled, and only the last one has room left.
	bufs [][]byte
	// one is the list's storage while it holds a single chunk, the usual
	// case of a connection's output: so a queue trimmed after every
	// flush (Trim) takes its list back without an allocation. A Queue
	// must therefore not be copied.
	one  [1][]byte
	head int // bytes of bufs[0] already consumed
	n    int // pending bytes
}

// list returns the chunk list, empty, for a queue about to take its first
// chunk: the one kept, or the queue's own one-chunk storage.
func (q *Queue) list() [][]byte {
	if q.bufs == nil {
		return q.one[:0]
	}
	return q.bufs
}

// Len returns the number of pending bytes.
func (q *Queue) Len() int { return q.n }

// Chunks returns the number of chunks held.
func (q *Queue) Chunks() int { return len(q.bufs) }

// Released reports that the queue holds nothing at all: no chunk, and no
// chunk list beyond its own one-chunk storage (see Trim).
func (q *Queue) Released() bool { return q.bufs == nil }

// Append queues a copy of p.
func (q *Queue) Append(p []byte) {
	for len(p) > 0 {
		c := copy(q.room(len(p)), p)
		q.filled(c)
		p = p[c:]
	}
}

// AppendString queues a copy of s. (Not generic with Append: the compiler
// cannot see that a generic body keeps nothing of its argument, so
// callers' stack buffers would move to the heap.)
func (q *Queue) AppendString(s string) {
	for len(s) > 0 {
		c := copy(q.room(len(s)), s)
		q.filled(c)
		s = s[c:]
	}
}

// room returns the free end of the last chunk, taking a new chunk if the
// last one is full (or there is none): a small one for a small first
// append of n bytes, else a full one.
func (q *Queue) room(n int) []byte {
	k := len(q.bufs)
	if k == 0 {
		q.bufs = append(q.list(), getChunk(n))
		k++
	} else if last := q.bufs[k-1]; len(last) == cap(last) {
		q.bufs = append(q.bufs, getChunk(ChunkSize))
		k++
	}
	last := q.bufs[k-1]
	return last[len(last):cap(last)]
}

// filled records that c bytes were copied into room().
func (q *Queue) filled(c int) {
	k := len(q.bufs) - 1
	q.bufs[k] = q.bufs[k][:len(q.bufs[k])+c]
	q.n += c
}

// Reserve returns the free end of the last chunk as an empty slice with
// room for n bytes, or nil if it has less (then use Append). A queue
// without chunks takes one when n fits in it. Append to the slice and hand
// the result to Commit, with nothing else touching q in between: this
// encodes a small frame straight into the queue.
func (q *Queue) Reserve(n int) []byte {
	k := len(q.bufs)
	if k == 0 {
		if n > ChunkSize {
			return nil
		}
		q.bufs = append(q.list(), getChunk(n))
		k = 1
	}
	last := q.bufs[k-1]
	if cap(last)-len(last) < n {
		return nil
	}
	return last[len(last):len(last):cap(last)]
}

// Commit queues b, the slice Reserve returned with bytes appended to it.
// If the appends outgrew the reserved room (b was reallocated), b is
// copied in instead, so an underestimate costs a copy, never bytes.
func (q *Queue) Commit(b []byte) {
	k := len(q.bufs)
	if len(b) == 0 || k == 0 {
		if q.n == 0 {
			q.empty() // a reserve on an empty queue, nothing committed
		}
		return
	}
	last := q.bufs[k-1]
	if cap(b) != cap(last)-len(last) || &last[:len(last)+1][len(last)] != &b[0] {
		q.Append(b)
		return
	}
	q.bufs[k-1] = last[:len(last)+len(b)]
	q.n += len(b)
}

// Peek appends to dst the pending bytes, oldest first, as at most max
// slices (one per chunk), and returns it. The slices do not change until
// Consume drops them, whatever is appended meanwhile; they cannot be
// appended to.
func (q *Queue) Peek(dst [][]byte, max int) [][]byte {
	off := q.head
	for _, b := range q.bufs {
		if max <= 0 {
			break
		}
		if len(b) > off {
			dst = append(dst, b[off:len(b):len(b)])
			max--
		}
		off = 0
	}
	return dst
}

// Consume drops the first n pending bytes (n <= Len); chunks wholly
// consumed go back to the pool.
func (q *Queue) Consume(n int) {
	if n <= 0 {
		return
	}
	if n > q.n {
		n = q.n
	}
	q.n -= n
	drop := 0
	for drop < len(q.bufs) {
		avail := len(q.bufs[drop]) - q.head
		if n < avail {
			q.head += n
			break
		}
		n -= avail
		putChunk(q.bufs[drop])
		q.bufs[drop] = nil
		drop++
		q.head = 0
	}
	if drop > 0 {
		rest := copy(q.bufs, q.bufs[drop:])
		clear(q.bufs[rest:])
		q.bufs = q.bufs[:rest]
	}
	if q.n == 0 {
		// Every chunk is written; the last may have been only partly
		// filled. Keep none.
		q.empty()
	}
}

// empty gives back every chunk of a queue with nothing pending, keeping
// the list for reuse.
func (q *Queue) empty() {
	for i, b := range q.bufs {
		putChunk(b)
		q.bufs[i] = nil
	}
	q.bufs = q.bufs[:0]
	q.head = 0
}

// CopyFront appends to dst the first n pending bytes (or all if fewer)
// and returns it.
func (q *Queue) CopyFront(dst []byte, n int) []byte {
	off := q.head
	for _, b := range q.bufs {
		if n <= 0 {
			break
		}
		b = b[off:]
		off = 0
		if len(b) > n {
			b = b[:n]
		}
		dst = append(dst, b...)
		n -= len(b)
	}
	return dst
}

// Reset drops everything pending. A few chunks go back to the pool, the
// rest to the garbage collector, and the list is released too. The caller
// must not write from slices Peek returned afterwards.
func (q *Queue) Reset() {
	for i, b := range q.bufs {
		if i < keepOnReset {
			putChunk(b)
		}
	}
	*q = Queue{}
}

// Trim releases the chunk list of an empty queue, for a connection going
// idle: while busy, the list is reused from one batch to the next.
func (q *Queue) Trim() {
	if q.n == 0 {
		q.Reset()
	}
}
