package auth

import "time"

// Responses tracks, for one connection of a user with allow_responses,
// the reply subjects of the messages delivered to it, and grants the
// publishes to them that the permission allows. Like Cache it belongs to
// one connection and takes no locks: the server must serialize Record
// (delivery side) and Allow (publish side), e.g. under the connection's
// lock. A nil *Responses records nothing and allows nothing.
//
// The tracker is bounded by MaxTrackedResponses entries: when full,
// expired and used-up entries are pruned and, if that is not enough, a
// quarter of the entries (arbitrary ones) are forgotten, so a service
// flooded with requests it never answers cannot grow without limit.
type Responses struct {
	max int
	ttl time.Duration
	m   map[string]*respEntry
}

type respEntry struct {
	left     int
	deadline time.Time // zero: no expiry
}

// MaxTrackedResponses bounds the number of reply subjects a Responses
// remembers.
const MaxTrackedResponses = 16384

// NewResponses returns a tracker for a connection of this user, or nil
// when the user has no allow_responses permission.
func (c *Checker) NewResponses() *Responses {
	if c == nil || c.resp == nil {
		return nil
	}
	return &Responses{max: c.resp.MaxMsgs, ttl: c.resp.Expires}
}

// Record notes that a message with reply subject reply was delivered to
// the connection at now: publishing to reply becomes allowed MaxMsgs
// times until now+Expires. Recording a reply subject again renews it.
// Renewing does not allocate.
func (r *Responses) Record(reply []byte, now time.Time) {
	if r == nil || len(reply) == 0 {
		return
	}
	var deadline time.Time
	if r.ttl > 0 {
		deadline = now.Add(r.ttl)
	}
	if e, ok := r.m[string(reply)]; ok {
		e.left, e.deadline = r.max, deadline
		return
	}
	if r.m == nil {
		r.m = make(map[string]*respEntry)
	} else if len(r.m) >= MaxTrackedResponses {
		r.Prune(now)
		if len(r.m) >= MaxTrackedResponses {
			prune(r.m)
		}
	}
	r.m[string(reply)] = &respEntry{left: r.max, deadline: deadline}
}

// Allow reports whether a publish to subject at now is a permitted
// response, and if so consumes one of its allowed messages. Call it
// only after the Checker refused the publish: a publish the permissions
// allow anyway does not consume anything. It does not allocate.
func (r *Responses) Allow(subject []byte, now time.Time) bool {
	if r == nil {
		return false
	}
	e, ok := r.m[string(subject)]
	if !ok {
		return false
	}
	if !e.deadline.IsZero() && now.After(e.deadline) {
		delete(r.m, string(subject))
		return false
	}
	e.left--
	if e.left <= 0 {
		delete(r.m, string(subject))
	}
	return true
}

// Prune forgets the entries that expired before now. The server may call
// it from time to time; Record calls it when the tracker is full.
func (r *Responses) Prune(now time.Time) {
	if r == nil {
		return
	}
	for k, e := range r.m {
		if e.left <= 0 || (!e.deadline.IsZero() && now.After(e.deadline)) {
			delete(r.m, k)
		}
	}
}

// Len returns the number of reply subjects currently tracked.
func (r *Responses) Len() int {
	if r == nil {
		return 0
	}
	return len(r.m)
}
