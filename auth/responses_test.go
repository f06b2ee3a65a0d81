package auth

import (
	"strconv"
	"testing"
	"time"
)

func TestResponses(t *testing.T) {
	t0 := time.Unix(1000, 0)
	// Reference: max 0 means 1; a second publish is refused.
	c := mustCompile(t, &Permissions{Subscribe: &SubjectPermission{Allow: []string{"req.>"}}, Response: &ResponsePermission{}})
	r := c.NewResponses()
	if r == nil {
		t.Fatal("NewResponses = nil")
	}
	if r.Allow([]byte("_INBOX.1"), t0) {
		t.Fatal("reply allowed before any request")
	}
	r.Record([]byte("_INBOX.1"), t0)
	if !r.Allow([]byte("_INBOX.1"), t0) || r.Allow([]byte("_INBOX.1"), t0) {
		t.Fatal("max 1: exactly one reply")
	}
	// A new request with the same reply subject renews the allowance.
	r.Record([]byte("_INBOX.R"), t0)
	if !r.Allow([]byte("_INBOX.R"), t0) {
		t.Fatal("first reply")
	}
	r.Record([]byte("_INBOX.R"), t0)
	if !r.Allow([]byte("_INBOX.R"), t0) {
		t.Fatal("renewed reply")
	}
	// No expiry by default.
	r.Record([]byte("_INBOX.L"), t0)
	if !r.Allow([]byte("_INBOX.L"), t0.Add(1000*time.Hour)) {
		t.Fatal("default: no time limit")
	}
	if r.Len() != 0 {
		t.Fatalf("used-up entries kept: %d", r.Len())
	}

	// Reference: max 2, expires 1s: two replies at 0.7s fine, none at 1.35s.
	c = mustCompile(t, &Permissions{Response: &ResponsePermission{MaxMsgs: 2, Expires: time.Second}})
	r = c.NewResponses()
	r.Record([]byte("a"), t0)
	if !r.Allow([]byte("a"), t0) || !r.Allow([]byte("a"), t0.Add(700*time.Millisecond)) || r.Allow([]byte("a"), t0) {
		t.Fatal("max 2")
	}
	r.Record([]byte("e"), t0)
	if r.Allow([]byte("e"), t0.Add(1350*time.Millisecond)) {
		t.Fatal("expired reply allowed")
	}
	r.Record([]byte("p1"), t0)
	r.Record([]byte("p2"), t0.Add(time.Second))
	r.Prune(t0.Add(1500 * time.Millisecond))
	if r.Len() != 1 || !r.Allow([]byte("p2"), t0.Add(1500*time.Millisecond)) {
		t.Fatal("Prune")
	}

	var nilR *Responses
	nilR.Record([]byte("x"), t0)
	nilR.Prune(t0)
	if nilR.Allow([]byte("x"), t0) || nilR.Len() != 0 {
		t.Fatal("nil Responses allows nothing")
	}
	if mustCompile(t, pubPerm([]string{"x"}, nil)).NewResponses() != nil {
		t.Fatal("no allow_responses: NewResponses must be nil")
	}
	r.Record(nil, t0) // ignored
}

func TestResponsesBounded(t *testing.T) {
	t0 := time.Unix(1000, 0)
	c := mustCompile(t, &Permissions{Response: &ResponsePermission{Expires: time.Second}})
	r := c.NewResponses()
	for i := range 3 * MaxTrackedResponses {
		now := t0.Add(time.Duration(i) * time.Millisecond)
		r.Record([]byte("_INBOX."+strconv.Itoa(i)), now)
		if r.Len() > MaxTrackedResponses {
			t.Fatalf("tracker grew to %d", r.Len())
		}
	}
	// The most recent one survives pruning of expired entries.
	last := "_INBOX." + strconv.Itoa(3*MaxTrackedResponses-1)
	if !r.Allow([]byte(last), t0.Add(time.Duration(3*MaxTrackedResponses)*time.Millisecond)) {
		t.Fatal("latest reply lost")
	}
	// Without expiry, eviction kicks in instead.
	r = mustCompile(t, &Permissions{Response: &ResponsePermission{}}).NewResponses()
	for i := range 2 * MaxTrackedResponses {
		r.Record([]byte(strconv.Itoa(i)), t0)
	}
	if r.Len() > MaxTrackedResponses {
		t.Fatalf("tracker grew to %d", r.Len())
	}
}

func TestResponsesAllocs(t *testing.T) {
	if raceEnabled {
		t.Skip("allocation counts are meaningless under -race")
	}
	t0 := time.Unix(1000, 0)
	r := mustCompile(t, &Permissions{Response: &ResponsePermission{MaxMsgs: 1 << 30}}).NewResponses()
	reply := []byte("_INBOX.abcdef.1")
	r.Record(reply, t0)
	if n := testing.AllocsPerRun(1000, func() {
		r.Record(reply, t0)
		if !r.Allow(reply, t0) {
			t.Fatal("refused")
		}
	}); n != 0 {
		t.Fatalf("renew+allow allocates %v times", n)
	}
}
