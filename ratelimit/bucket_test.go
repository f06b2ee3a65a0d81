package ratelimit

import (
	"math"
	"sync"
	"testing"
	"time"
)

const sec = int64(time.Second)

func TestBucketTable(t *testing.T) {
	type step struct {
		at   int64 // virtual time, ns
		take int64
		want time.Duration
	}
	cases := []struct {
		name        string
		rate, burst int64
		steps       []step
	}{
		{"burst then debt", 10, 0, []step{
			{0, 10, 0},                            // the whole burst
			{0, 1, 100 * time.Millisecond},        // one token in debt: 1/10 s
			{0, 1, 200 * time.Millisecond},        // two
			{sec / 10, 0, 100 * time.Millisecond}, // 100 ms later one is repaid
			{sec / 5, 0, 0},                       // all repaid
		}},
		{"refill capped at burst", 10, 5, []step{
			{0, 5, 0},
			{100 * sec, 5, 0}, // a long pause refills 5, not 1000
			{100 * sec, 1, 100 * time.Millisecond},
		}},
		{"charge bigger than burst", 100, 10, []step{
			{0, 110, time.Second}, // 100 in debt at 100/s
			{sec, 0, 0},
		}},
		{"clock going backwards adds nothing", 10, 0, []step{
			{sec, 10, 0},
			{0, 1, 100 * time.Millisecond},
		}},
		{"rounding up to the nanosecond", 3, 1, []step{
			{0, 2, 333333334 * time.Nanosecond},
		}},
		{"absurd charge is capped", 1, 1, []step{
			{0, math.MaxInt64, time.Duration(maxDebt - sec)}, // MaxRate tokens, less the burst of 1
			{0, math.MaxInt64, time.Duration(maxDebt)},       // the debt's floor
		}},
		{"max rate", MaxRate, MaxRate, []step{
			{0, MaxRate, 0},
			{sec, MaxRate, 0},
			{sec, MaxRate, time.Second},
		}},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			b := NewBucket(tc.rate, tc.burst, 0)
			for i, s := range tc.steps {
				if got := b.Take(s.at, s.take); got != s.want {
					t.Fatalf("step %d (t=%v take %d): wait %v, want %v", i, time.Duration(s.at), s.take, got, s.want)
				}
			}
		})
	}
}

// TestBucketBoundsRate runs a greedy taker on a virtual clock: it takes one
// token, and sleeps whatever it is told. Over any run its count must stay
// within burst + rate × elapsed.
func TestBucketBoundsRate(t *testing.T) {
	for _, rate := range []int64{1, 7, 200, 1000, 123457} {
		b := NewBucket(rate, 0, 0)
		now, n := int64(0), int64(0)
		for now < 10*sec {
			n++
			now += int64(b.Take(now, 1))
			if limit := rate + rate*now/sec + 1; n > limit {
				t.Fatalf("rate %d: %d taken by %v, more than %d", rate, n, time.Duration(now), limit)
			}
		}
		// And it is not slowed below the rate either.
		if want := rate * 10; n < want {
			t.Fatalf("rate %d: only %d taken in 10 s, want at least %d", rate, n, want)
		}
	}
}

func TestBucketInvalidRateClamped(t *testing.T) {
	b := NewBucket(0, -5, 0)
	if b.Rate() != 1 {
		t.Fatalf("rate %d, want 1", b.Rate())
	}
	if b := NewBucket(math.MaxInt64, math.MaxInt64, 0); b.Rate() != MaxRate {
		t.Fatalf("rate %d, want %d", b.Rate(), int64(MaxRate))
	}
}

func TestLimiterConcurrent(t *testing.T) {
	l := NewLimiter(1000, 0, 0)
	var wg sync.WaitGroup
	for g := 0; g < 8; g++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for i := 0; i < 250; i++ {
				l.Take(0, 1)
			}
		}()
	}
	wg.Wait()
	// 2000 taken at t=0 from a 1000-token bucket: 1000 in debt = 1 s.
	if w := l.Take(0, 0); w != time.Second {
		t.Fatalf("wait %v after 2000 takes, want 1s", w)
	}
}

func BenchmarkBucketTake(b *testing.B) {
	bk := NewBucket(1<<30, 0, 0)
	b.ReportAllocs()
	for i := 0; i < b.N; i++ {
		bk.Take(int64(i), 1)
	}
}

func BenchmarkLimiterTake(b *testing.B) {
	l := NewLimiter(1<<30, 0, 0)
	b.ReportAllocs()
	for i := 0; i < b.N; i++ {
		l.Take(int64(i), 1)
	}
}

// TestTakeAllocs: charging a message allocates nothing (it runs once per
// message of a rate-limited connection).
func TestTakeAllocs(t *testing.T) {
	l := NewLimiter(1000, 0, 0)
	now := int64(0)
	if n := testing.AllocsPerRun(1000, func() { now++; l.Take(now, 1) }); n != 0 {
		t.Fatalf("%v allocations per Take", n)
	}
}
