package outq

import (
	"bytes"
	"testing"
)

// TestSteadyStateAllocations: appending, writing and consuming allocates
// nothing once the pool has chunks, whatever the frame sizes.
func TestSteadyStateAllocations(t *testing.T) {
	if raceEnabled {
		t.Skip("sync.Pool drops entries at random under the race detector")
	}
	var q Queue
	small, big := []byte("MSG a.b 1 5\r\nhello\r\n"), bytes.Repeat([]byte("x"), 80<<10)
	views := make([][]byte, 0, 64)
	round := func() {
		for i := 0; i < 100; i++ {
			q.Append(small)
		}
		if b := q.Reserve(64); b != nil {
			q.Commit(append(b, small...))
		}
		q.Append(big)
		for q.Len() > 0 {
			views = q.Peek(views[:0], 64)
			n := 0
			for _, v := range views {
				n += len(v)
			}
			q.Consume(n / 2)
			q.Consume(n - n/2)
		}
	}
	round()
	if a := testing.AllocsPerRun(200, round); a != 0 {
		t.Fatalf("%v allocations per round", a)
	}
}
