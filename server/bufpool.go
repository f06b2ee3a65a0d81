package server

import (
	"math/bits"
	"sync"
)

// Output buffers above maxKeptBuffer are not kept by an idle connection;
// they go back to size-class pools instead, so a connection streaming large
// messages reuses them rather than allocating one per flush, and the
// memory returns to the runtime once the burst is over (sync.Pool drops
// unused entries across garbage collections).
const (
	minPooledShift = 17 // 128 KiB
	maxPooledShift = 26 // 64 MiB
)

var outPools [maxPooledShift - minPooledShift + 1]sync.Pool

// poolClass returns the size class of a buffer of capacity n, or -1.
func poolClass(n int) int {
	if n < 1<<minPooledShift {
		return -1
	}
	shift := bits.Len(uint(n)) - 1 // floor(log2 n)
	if shift > maxPooledShift {
		return -1
	}
	return shift - minPooledShift
}

// getBuffer returns an empty buffer with room for at least n bytes.
func getBuffer(n int) []byte {
	shift := bits.Len(uint(n - 1)) // ceil(log2 n)
	if shift < minPooledShift {
		return make([]byte, 0, n)
	}
	if shift > maxPooledShift {
		return make([]byte, 0, n)
	}
	if p, ok := outPools[shift-minPooledShift].Get().(*[]byte); ok {
		return (*p)[:0]
	}
	return make([]byte, 0, 1<<shift)
}

// putBuffer offers a large buffer back for reuse.
func putBuffer(b []byte) {
	if c := poolClass(cap(b)); c >= 0 {
		b = b[:0]
		outPools[c].Put(&b)
	}
}

// reserveOut makes room for n more bytes in c.out, taking a bigger
// buffer from the pools when it must grow past the kept size. c.mu is held.
func (c *client) reserveOut(n int) []byte {
	out := c.out
	if cap(out)-len(out) >= n {
		return out
	}
	need := len(out) + n
	if need <= maxKeptBuffer {
		grown := make([]byte, len(out), max(need, 2*cap(out)))
		copy(grown, out)
		return grown
	}
	grown := getBuffer(max(need, 2*cap(out)))[:len(out)]
	copy(grown, out)
	putBuffer(out)
	return grown
}
