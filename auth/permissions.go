package auth

import (
	"fmt"
	"strings"
	"time"
)

// SubjectPermission is an allow/deny pair of subject lists. An empty
// Allow means "allow all" unless Deny matches (with one exception, see
// Permissions). Entries may use the wildcards "*" and ">".
//
// For subscribe permissions an entry may also be "subject queue" (one
// or more blanks in between): a queue permission, which concerns queue
// subscriptions with a matching queue group only. The queue part may use
// wildcards too ("foo.> workers.*"). Publish entries take no queue.
type SubjectPermission struct {
	Allow, Deny []string
}

// ResponsePermission is allow_responses: a connection that received a
// message with a reply subject may publish to that reply subject, even
// if its publish permissions say otherwise, at most MaxMsgs times (<= 0
// means the default, 1) and for Expires after the delivery (<= 0 means
// no time limit). A later delivery with the same reply subject renews
// the allowance.
type ResponsePermission struct {
	MaxMsgs int
	Expires time.Duration
}

// DefaultResponseMaxMsgs is the MaxMsgs used when a ResponsePermission
// leaves it unset, as nats-server does.
const DefaultResponseMaxMsgs = 1

// Permissions is the authorization of a user. A nil Publish or Subscribe
// leaves that direction unrestricted, except that a non-nil Response
// with no publish Allow list denies every publish that is not a
// response: nats-server turns allow_responses into "may only answer"
// unless publish allow entries are given.
type Permissions struct {
	Publish   *SubjectPermission
	Subscribe *SubjectPermission
	Response  *ResponsePermission
}

// PermissionError describes an invalid permission entry. Its text uses
// nats-server's wording: `subject "foo..bar" is not a valid subject` or
// `queue "q.." is not a valid queue`.
type PermissionError struct {
	Kind  string // "subject" or "queue"
	Value string
}

func (e *PermissionError) Error() string {
	return fmt.Sprintf("%s %q is not a valid %s", e.Kind, e.Value, e.Kind)
}

// parsePub validates a publish entry: a single valid subject.
func parsePub(s string) (entry, error) {
	if !validPattern(s) {
		return entry{}, &PermissionError{"subject", s}
	}
	return entry{subject: s}, nil
}

// parseSub validates a subscribe entry: a valid subject, or a valid
// subject and a queue separated by blanks. Queue names are validated
// like subjects, as the reference does ("q.." and ">.x" are refused).
func parseSub(s string) (entry, error) {
	if validPattern(s) {
		return entry{subject: s}, nil
	}
	f := strings.Fields(s)
	if len(f) != 2 || s != strings.TrimSpace(s) {
		return entry{}, &PermissionError{"subject", s}
	}
	if !validPattern(f[0]) {
		return entry{}, &PermissionError{"subject", f[0]}
	}
	if !validPattern(f[1]) {
		return entry{}, &PermissionError{"queue", f[1]}
	}
	return entry{subject: f[0], queue: f[1]}, nil
}

// compileList builds the pattern set of a list, or nil for an empty one.
func compileList(list []string, parse func(string) (entry, error)) (*patternSet, error) {
	if len(list) == 0 {
		return nil, nil
	}
	s := &patternSet{}
	for _, item := range list {
		e, err := parse(item)
		if err != nil {
			return nil, err
		}
		s.add(e)
	}
	return s, nil
}

// clone returns a deep copy of p (nil for nil), so that a Checker never
// shares slices with the configuration it was compiled from.
func (p *Permissions) clone() *Permissions {
	if p == nil {
		return nil
	}
	sp := func(s *SubjectPermission) *SubjectPermission {
		if s == nil {
			return nil
		}
		return &SubjectPermission{
			Allow: append([]string(nil), s.Allow...),
			Deny:  append([]string(nil), s.Deny...),
		}
	}
	c := &Permissions{Publish: sp(p.Publish), Subscribe: sp(p.Subscribe)}
	if p.Response != nil {
		r := *p.Response
		c.Response = &r
	}
	return c
}
