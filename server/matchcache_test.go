package server

import (
	"io"
	"strings"
	"testing"
	"time"
)

// TestHotPublisherSeesNewSubscribers: a publisher sending nonstop keeps a
// per-connection match cache keyed by the subject index's generation; a
// subscriber added meanwhile must start receiving at once. (A generation
// read between the index change and the invalidation of its shared cache
// once let a stale result stick until the next change.)
func TestHotPublisherSeesNewSubscribers(t *testing.T) {
	s := startTestServer(t, nil)
	pub, _ := rawConn(t, s, `{"verbose":false}`)
	// rawConn's deadline (30 s) is shorter than the 200 rounds can take
	// on a loaded machine: the publisher then stopped, and the next
	// subscriber got nothing.
	pub.SetDeadline(time.Time{})
	stop := make(chan struct{})
	done := make(chan struct{})
	var pubErr error
	go func() {
		defer close(done)
		batch := strings.Repeat("PUB hot 1\r\nx\r\n", 100)
		for {
			select {
			case <-stop:
				return
			default:
			}
			if _, err := io.WriteString(pub, batch); err != nil {
				pubErr = err
				return
			}
		}
	}()
	defer func() { close(stop); <-done }()
	rounds := 200
	if testing.Short() {
		rounds = 50
	}
	for i := 0; i < rounds; i++ {
		nc := clConnect(t, s)
		sub, err := nc.SubscribeSync("hot")
		if err != nil {
			t.Fatal(err)
		}
		nc.Flush()
		if _, err := sub.NextMsg(5 * time.Second); err != nil {
			select {
			case <-done:
				t.Fatalf("round %d: the publisher stopped: %v", i, pubErr)
			default:
			}
			t.Fatalf("round %d: new subscriber got nothing: %v", i, err)
		}
		nc.Close()
	}
}
