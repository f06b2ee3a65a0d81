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

// TestTrimmedQueueReusesItsList: a queue trimmed after each flush (a
// connection answering one request at a time) takes its chunk list back
// without allocating, and holds none while empty.
func TestTrimmedQueueReusesItsList(t *testing.T) {
	if raceEnabled {
		t.Skip("sync.Pool drops entries at random under the race detector")
	}
	var q Queue
	msg := []byte("MSG _INBOX.x 1 5\r\nhello\r\n")
	views := make([][]byte, 0, 4)
	round := func() {
		q.Append(msg)
		views = q.Peek(views[:0], 4)
		q.Consume(len(views[0]))
		q.Trim()
		if !q.Released() {
			t.Fatal("an empty trimmed queue still holds a list")
		}
	}
	round()
	if a := testing.AllocsPerRun(200, round); a != 0 {
		t.Fatalf("%v allocations per append-write-trim round", a)
	}
}
