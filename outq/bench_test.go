package outq

import (
	"bytes"
	"testing"
	"time"
)

// benchAppend queues b.N frames of size bytes, written out every batch
// frames as a writer would, and checks the steady state allocates nothing.
func benchAppend(b *testing.B, size, batch int) {
	var q Queue
	frame := bytes.Repeat([]byte("x"), size)
	views := make([][]byte, 0, 64)
	b.SetBytes(int64(size))
	b.ReportAllocs()
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		q.Append(frame)
		if (i+1)%batch == 0 {
			views = q.Peek(views[:0], 64)
			n := 0
			for _, v := range views {
				n += len(v)
			}
			q.Consume(n)
		}
	}
}

func BenchmarkAppend128(b *testing.B)         { benchAppend(b, 128, 100) }
func BenchmarkAppend1K(b *testing.B)          { benchAppend(b, 1024, 100) }
func BenchmarkAppend64K(b *testing.B)         { benchAppend(b, 64<<10, 4) }
func BenchmarkAppendOnePerFlush(b *testing.B) { benchAppend(b, 128, 1) }

// BenchmarkReserveCommit encodes a small frame straight into the queue.
func BenchmarkReserveCommit(b *testing.B) {
	var q Queue
	payload := bytes.Repeat([]byte("x"), 128)
	b.SetBytes(128)
	b.ReportAllocs()
	for i := 0; i < b.N; i++ {
		if buf := q.Reserve(160); buf != nil {
			buf = append(buf, "MSG foo 1 128\r\n"...)
			buf = append(buf, payload...)
			q.Commit(append(buf, "\r\n"...))
		} else {
			q.AppendString("MSG foo 1 128\r\n")
			q.Append(payload)
			q.AppendString("\r\n")
		}
		if q.Len() > 1<<20 {
			q.Consume(q.Len())
		}
	}
}

// BenchmarkBacklog64MiB fills a 64 MiB backlog: the cost per appended
// frame stays flat however much is queued (no growth copies).
func BenchmarkBacklog64MiB(b *testing.B) {
	frame := bytes.Repeat([]byte("x"), 1024)
	b.SetBytes(64 << 20)
	b.ReportAllocs()
	for i := 0; i < b.N; i++ {
		var q Queue
		for q.Len() < 64<<20 {
			q.Append(frame)
		}
		q.Reset()
	}
}

// The worst single append while a 64 MiB backlog builds up, which is what
// a publisher's other subscribers wait for: with chunks, at most one new
// chunk; with one contiguous buffer (what natsd had before), a copy of
// the whole backlog each time it doubles. Reported as max-µs/append.
func BenchmarkWorstAppendChunked(b *testing.B) {
	frame := bytes.Repeat([]byte("x"), 1024)
	var worst time.Duration
	for i := 0; i < b.N; i++ {
		var q Queue
		for q.Len() < 64<<20 {
			t0 := time.Now()
			q.Append(frame)
			worst = max(worst, time.Since(t0))
		}
		q.Reset()
	}
	b.ReportMetric(float64(worst.Microseconds()), "max-µs/append")
}

func BenchmarkWorstAppendContiguous(b *testing.B) {
	frame := bytes.Repeat([]byte("x"), 1024)
	var worst time.Duration
	for i := 0; i < b.N; i++ {
		var out []byte
		for len(out) < 64<<20 {
			t0 := time.Now()
			if cap(out)-len(out) < len(frame) {
				grown := make([]byte, len(out), 2*cap(out)+len(frame))
				copy(grown, out)
				out = grown
			}
			out = append(out, frame...)
			worst = max(worst, time.Since(t0))
		}
	}
	b.ReportMetric(float64(worst.Microseconds()), "max-µs/append")
}
