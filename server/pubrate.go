package server

import (
	"time"

	"github.com/natsd/natsd/auth"
	"github.com/natsd/natsd/ratelimit"
)

// Publish rate limits (natsd only). A user's max_msgs_per_second and
// max_bytes_per_second bound what all its connections publish together,
// an account's (in its limits) what all the account's connections
// publish together; a connection is held to every limit that applies.
//
// A publisher over its rate is slowed down, never disconnected: each
// message is charged to the token buckets (package ratelimit) before it
// is handled, and when a bucket is in debt the connection's reader stops
// for as long as the debt takes to pay back. It does not read its socket
// meanwhile, so TCP flow control pushes back on the client, and no other
// connection is affected. The time a connection spent waiting shows as
// throttled_ms in /connz and in /metrics.
//
// A connection with no limit pays one nil check per message: the
// client's pubRate pointer is nil.

// rateLimiters are the buckets of one user or one account (nil: no limit
// of that kind), with the limits they were made for.
type rateLimiters struct {
	msgsPerSec, bytesPerSec int64
	msgs, bytes             *ratelimit.Limiter
}

// pubRate is what a rate-limited connection is charged to.
type pubRate struct {
	user, acc *rateLimiters
}

// maxThrottleNap bounds one sleep of a throttled reader, so that it
// notices a close in time.
const maxThrottleNap = 100 * time.Millisecond

// rateEpoch is the origin of the buckets' clock (monotonic).
var rateEpoch = time.Now()

func rateNow() int64 { return int64(time.Since(rateEpoch)) }

// newRateLimiters makes the buckets for the given rates (nil when both
// are 0), or returns prev when it was made for the same ones.
func newRateLimiters(prev *rateLimiters, msgsPerSec, bytesPerSec int64) *rateLimiters {
	if msgsPerSec <= 0 && bytesPerSec <= 0 {
		return nil
	}
	if prev != nil && prev.msgsPerSec == msgsPerSec && prev.bytesPerSec == bytesPerSec {
		return prev
	}
	r := &rateLimiters{msgsPerSec: msgsPerSec, bytesPerSec: bytesPerSec}
	now := rateNow()
	if msgsPerSec > 0 {
		r.msgs = ratelimit.NewLimiter(msgsPerSec, 0, now)
	}
	if bytesPerSec > 0 {
		r.bytes = ratelimit.NewLimiter(bytesPerSec, 0, now)
	}
	return r
}

// take charges one message of size bytes and returns the wait.
func (r *rateLimiters) take(now int64, size int) time.Duration {
	if r == nil {
		return 0
	}
	var wait time.Duration
	if r.msgs != nil {
		wait = r.msgs.Take(now, 1)
	}
	if r.bytes != nil {
		wait = max(wait, r.bytes.Take(now, int64(size)))
	}
	return wait
}

// userRateLimiters returns the buckets id's connections share (nil: the
// user has no rate limit). Buckets survive a reload that keeps the rates.
func (s *Server) userRateLimiters(id *auth.Identity) *rateLimiters {
	if id == nil || id.Name == "" {
		return nil
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	r := newRateLimiters(s.userRates[id.Name], id.Limits.MsgsPerSecond, id.Limits.BytesPerSecond)
	if r == nil {
		delete(s.userRates, id.Name)
		return nil
	}
	if s.userRates == nil {
		s.userRates = make(map[string]*rateLimiters)
	}
	s.userRates[id.Name] = r
	return r
}

// setAccountRate gives a its buckets for its configured rates (on start
// and on reload; buckets are kept when the rates are unchanged).
func (a *Account) setAccountRate() {
	l := a.limits()
	a.rate.Store(newRateLimiters(a.rate.Load(), l.MsgsPerSecond, l.BytesPerSecond))
}

// updatePubRate points the client at the buckets of its user and account,
// at CONNECT and after a reload.
func (c *client) updatePubRate() {
	user := c.srv.userRateLimiters(c.identity.Load())
	var acc *rateLimiters
	if a := c.acc.Load(); a != nil {
		acc = a.rate.Load()
	}
	if user == nil && acc == nil {
		c.pubRate.Store(nil)
		return
	}
	if cur := c.pubRate.Load(); cur != nil && cur.user == user && cur.acc == acc {
		return
	}
	c.pubRate.Store(&pubRate{user: user, acc: acc})
}

// throttle charges one published message and, when a bucket is in debt,
// holds the reader until it is paid back. Output this read batch produced
// so far is flushed first, so subscribers are not kept waiting too.
func (c *client) throttle(pr *pubRate, size int) {
	now := rateNow()
	wait := max(pr.user.take(now, size), pr.acc.take(now, size))
	if wait <= 0 {
		return
	}
	c.flushPending()
	start := time.Now()
	for wait > 0 {
		nap := min(wait, maxThrottleNap)
		time.Sleep(nap)
		wait -= nap
		// Pings the client answered wait unread behind this message: the
		// client is alive, not stale.
		c.recentIn.Store(true)
		c.mu.Lock()
		closed := c.closed
		c.mu.Unlock()
		if closed {
			break
		}
	}
	d := time.Since(start)
	c.throttled.Add(int64(d))
	if a := c.acc.Load(); a != nil {
		a.throttled.Add(int64(d))
	}
}
