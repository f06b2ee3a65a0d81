package server

import (
	"runtime"
	"strconv"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/nats-io/nats.go"
)

// TestLeafChaosHubRestarts: the hub restarts repeatedly while a leaf
// client publishes. The leaf's own subscriber gets every message, in
// order, throughout; each hub incarnation's subscriber gets messages once
// (never twice) once the interest converged; no goroutines leak.
func TestLeafChaosHubRestarts(t *testing.T) {
	before := runtime.NumGoroutine()
	hub := clStart(t, hubOpts("hub"))
	leafPort, clientPort := hub.LeafAddr().String(), hub.Addr().String()
	lf := clStart(t, leafOpts("leaf", "nats://"+leafPort))
	waitLeafs(t, lf, 1)

	lc := leafConnect(t, lf)
	var localMu sync.Mutex
	localNext, localBad := 0, ""
	lc.Subscribe("chaos", func(m *nats.Msg) {
		n, _ := strconv.Atoi(string(m.Data))
		localMu.Lock()
		if n != localNext && localBad == "" {
			localBad = "local subscriber got " + strconv.Itoa(n) + ", want " + strconv.Itoa(localNext)
		}
		localNext = n + 1
		localMu.Unlock()
	})
	lc.Flush()

	stop := make(chan struct{})
	var sent atomic.Int64
	pubDone := make(chan struct{})
	go func() {
		defer close(pubDone)
		for i := 0; ; i++ {
			select {
			case <-stop:
				return
			default:
			}
			lc.Publish("chaos", []byte(strconv.Itoa(i)))
			sent.Store(int64(i + 1))
			if i%100 == 0 {
				time.Sleep(time.Millisecond)
			}
		}
	}()

	for round := 0; round < 5; round++ {
		hc := leafConnect(t, hub)
		seen := map[string]int{}
		var mu sync.Mutex
		hc.Subscribe("chaos", func(m *nats.Msg) {
			mu.Lock()
			seen[string(m.Data)]++
			mu.Unlock()
		})
		hc.Flush()
		waitInterest(t, lf, "$G", "chaos")
		clWaitFor(t, leafWait, "messages on the hub", func() bool {
			mu.Lock()
			defer mu.Unlock()
			return len(seen) > 100
		})
		hc.Close()
		mu.Lock()
		for k, n := range seen {
			if n != 1 {
				t.Fatalf("round %d: hub subscriber got %s %d times", round, k, n)
			}
		}
		mu.Unlock()
		hub.Shutdown()
		clWaitFor(t, leafWait, "the leaf to notice", func() bool { return lf.NumLeafNodes() == 0 })
		o := hubOpts("hub")
		o.Port, o.LeafNode.Port = leafPortOf(t, clientPort), leafPortOf(t, leafPort)
		hub = clStart(t, o)
		waitLeafs(t, lf, 1)
	}
	close(stop)
	<-pubDone
	lc.Flush()
	clWaitFor(t, leafWait, "the local subscriber to catch up", func() bool {
		localMu.Lock()
		defer localMu.Unlock()
		return int64(localNext) == sent.Load()
	})
	localMu.Lock()
	if localBad != "" {
		t.Fatal(localBad)
	}
	localMu.Unlock()
	hub.Shutdown()
	lf.Shutdown()
	lc.Close()
	clWaitFor(t, leafWait, "goroutines to end", func() bool { return runtime.NumGoroutine() <= before+5 })
}
