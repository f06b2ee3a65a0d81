package outq

import (
	"bytes"
	"testing"
)

// FuzzQueue drives a queue with operations decoded from the input (append
// n bytes, reserve and commit, write part of what Peek shows) and checks
// that exactly the appended bytes come out, in order.
func FuzzQueue(f *testing.F) {
	f.Add([]byte{0, 10, 3, 5, 1, 200, 3, 255})
	f.Add([]byte{1, 255, 1, 255, 1, 255, 3, 1, 3, 128, 2, 7})
	f.Add(bytes.Repeat([]byte{1, 250, 3, 100}, 40))
	f.Fuzz(func(t *testing.T, ops []byte) {
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
		for i := 0; i+1 < len(ops); i += 2 {
			op, arg := ops[i]%4, int(ops[i+1])
			switch op {
			case 0: // a small append
				p := gen(arg)
				q.Append(p)
				want = append(want, p...)
			case 1: // a large append: arg * 512 bytes, up to ~4 chunks
				p := gen(arg * 512)
				q.AppendString(string(p))
				want = append(want, p...)
			case 2: // an encode into reserved room, maybe underestimated
				p := gen(arg)
				if b := q.Reserve(arg / 2); b != nil {
					q.Commit(append(b, p...))
				} else {
					q.Append(p)
				}
				want = append(want, p...)
			case 3: // a partial write of arg/255 of what one Peek shows
				views := q.Peek(nil, 1+arg%3)
				total := 0
				for _, v := range views {
					total += len(v)
				}
				n := total * arg / 255
				for _, v := range views {
					k := min(n, len(v))
					got = append(got, v[:k]...)
					q.Consume(k)
					n -= k
				}
			}
			if q.Len() != len(want)-len(got) {
				t.Fatalf("len %d, want %d", q.Len(), len(want)-len(got))
			}
		}
		for q.Len() > 0 {
			v := q.Peek(nil, 1)[0]
			got = append(got, v...)
			q.Consume(len(v))
		}
		if !bytes.Equal(got, want) {
			t.Fatalf("delivered %d bytes, appended %d: differ", len(got), len(want))
		}
		if q.Chunks() != 0 {
			t.Fatalf("drained queue holds %d chunks", q.Chunks())
		}
	})
}
