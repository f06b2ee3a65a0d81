// Package ratelimit is a token bucket for natsd's publish rate limits:
// a pure type with no goroutines and no clock of its own (callers pass
// the time in), so it is tested with a virtual clock.
//
// The bucket lets its balance go into debt: a taker is never refused,
// it is told how long to wait until the debt is paid back. natsd charges
// a message before handling it and, when told to wait, stops reading
// the connection for that long, so a publisher over its rate is slowed
// down, never disconnected, and its average rate is the configured one
// after an initial burst of one second's worth.
package ratelimit

import (
	"sync"
	"time"
)

// Bucket is a token bucket refilled at Rate tokens per second up to Burst
// tokens. Balances are kept in nano-tokens (tokens × 1e9), so a refill
// over any whole number of nanoseconds is exact integer arithmetic. The
// zero Bucket is not usable: make one with NewBucket. A Bucket is not
// safe for concurrent use (see Limiter).
type Bucket struct {
	rate    int64 // tokens per second = nano-tokens per nanosecond
	burst   int64 // capacity in nano-tokens
	balance int64 // nano-tokens; negative while in debt
	last    int64 // time of the last refill, nanoseconds on the caller's clock
}

// MaxRate is the largest rate and burst a Bucket accepts (so that a
// burst in nano-tokens fits an int64 with room to spare).
const MaxRate = 1 << 32

const (
	nano    = int64(time.Second)
	maxDebt = MaxRate * nano
)

// NewBucket returns a full bucket of rate tokens per second and a
// capacity of burst tokens (burst <= 0: one second's worth), as of now
// (nanoseconds on the caller's clock). rate must be in 1..MaxRate; a
// burst is capped at MaxRate.
func NewBucket(rate, burst int64, now int64) *Bucket {
	if rate < 1 {
		rate = 1
	}
	rate = min(rate, MaxRate)
	if burst <= 0 {
		burst = rate
	}
	burst = min(burst, MaxRate)
	return &Bucket{rate: rate, burst: burst * nano, balance: burst * nano, last: now}
}

// Rate is the refill rate in tokens per second.
func (b *Bucket) Rate() int64 { return b.rate }

// refill adds what accrued since the last call, up to the capacity. A
// clock that went backwards adds nothing.
func (b *Bucket) refill(now int64) {
	dt := now - b.last
	if dt <= 0 {
		return
	}
	b.last = now
	missing := b.burst - b.balance
	if missing <= 0 {
		return
	}
	// dt*rate may overflow only when dt exceeds the time to fill up.
	if dt >= (missing+b.rate-1)/b.rate {
		b.balance = b.burst
		return
	}
	b.balance += dt * b.rate
}

// Take charges n tokens at time now and returns how long the taker must
// wait before it may go on: zero while the balance stays non-negative,
// otherwise the time until the refill pays the debt back. A charge is
// never refused, however large (a message bigger than the burst just
// waits longer).
func (b *Bucket) Take(now, n int64) time.Duration {
	b.refill(now)
	if n > 0 {
		// Cap the charge and the debt (MaxRate seconds' worth at the
		// lowest rate) so that nothing overflows, however absurd n is.
		n = min(n, MaxRate)
		if n*nano > b.balance+maxDebt {
			b.balance = -maxDebt
		} else {
			b.balance -= n * nano
		}
	}
	return b.wait()
}

// Wait is how long until the balance is non-negative again, as of the
// last Take (zero when it is).
func (b *Bucket) Wait(now int64) time.Duration {
	b.refill(now)
	return b.wait()
}

func (b *Bucket) wait() time.Duration {
	if b.balance >= 0 {
		return 0
	}
	return time.Duration((-b.balance + b.rate - 1) / b.rate)
}

// Limiter is a Bucket shared by several takers (the connections of one
// user or of one account), behind a mutex.
type Limiter struct {
	mu sync.Mutex
	b  *Bucket
}

// NewLimiter returns a Limiter over NewBucket(rate, burst, now).
func NewLimiter(rate, burst int64, now int64) *Limiter {
	return &Limiter{b: NewBucket(rate, burst, now)}
}

// Take is Bucket.Take under the Limiter's lock.
func (l *Limiter) Take(now, n int64) time.Duration {
	l.mu.Lock()
	d := l.b.Take(now, n)
	l.mu.Unlock()
	return d
}

// Rate is the refill rate in tokens per second.
func (l *Limiter) Rate() int64 { return l.b.rate }
