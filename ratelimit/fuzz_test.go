package ratelimit

import (
	"testing"
	"time"
)

// FuzzBucket drives a bucket with arbitrary rates, clocks and charges: the
// wait is never negative, never more than the debt's floor allows, and
// the balance never exceeds the burst.
func FuzzBucket(f *testing.F) {
	f.Add(int64(10), int64(0), []byte{1, 2, 3, 200, 0, 7})
	f.Add(int64(MaxRate), int64(1), []byte{255, 255, 0})
	f.Fuzz(func(t *testing.T, rate, burst int64, ops []byte) {
		b := NewBucket(rate, burst, 0)
		now := int64(0)
		for i := 0; i+1 < len(ops); i += 2 {
			now += int64(ops[i]) * int64(time.Millisecond) * 37
			n := int64(ops[i+1]) << (ops[i] % 40)
			w := b.Take(now, n)
			if w < 0 || int64(w) > maxDebt/b.rate+1 {
				t.Fatalf("wait %v out of range (rate %d)", w, b.rate)
			}
			if b.balance > b.burst || b.balance < -maxDebt {
				t.Fatalf("balance %d outside [-%d, %d]", b.balance, maxDebt, b.burst)
			}
		}
	})
}
