package auth

// Checker is the compiled, immutable form of Permissions. One Checker is
// shared by all connections of a user (and by all goroutines); the
// per-connection state lives in a Cache and a Responses.
//
// A nil *Checker allows everything, so the server can call its methods
// without testing for "no permissions" first.
type Checker struct {
	perms *Permissions // normalized private copy

	pubAllow, pubDeny *patternSet // nil: no such list
	pubAll            bool        // publishing is not restricted at all
	pubNone           bool        // response-only: no publish allowed by the lists

	subAllow, subDeny *patternSet
	subAll            bool

	resp *ResponsePermission // normalized; nil when allow_responses is off
}

// Compile validates p and builds its Checker. It returns nil (allow
// everything) when p is nil or imposes no restriction at all. Invalid
// entries give a *PermissionError naming the entry.
func Compile(p *Permissions) (*Checker, error) {
	if p == nil {
		return nil, nil
	}
	c := &Checker{perms: p.clone()}
	var err error
	if pp := p.Publish; pp != nil {
		if c.pubAllow, err = compileList(pp.Allow, parsePub); err != nil {
			return nil, err
		}
		if c.pubDeny, err = compileList(pp.Deny, parsePub); err != nil {
			return nil, err
		}
	}
	if sp := p.Subscribe; sp != nil {
		if c.subAllow, err = compileList(sp.Allow, parseSub); err != nil {
			return nil, err
		}
		if c.subDeny, err = compileList(sp.Deny, parseSub); err != nil {
			return nil, err
		}
	}
	if r := p.Response; r != nil {
		n := *r
		if n.MaxMsgs <= 0 {
			n.MaxMsgs = DefaultResponseMaxMsgs
		}
		if n.Expires < 0 {
			n.Expires = 0
		}
		c.resp = &n
		c.perms.Response = &n
		c.pubNone = c.pubAllow == nil
	}
	c.pubAll = c.pubAllow == nil && c.pubDeny == nil && !c.pubNone
	c.subAll = c.subAllow == nil && c.subDeny == nil
	if c.pubAll && c.subAll {
		return nil, nil
	}
	return c, nil
}

// Permissions returns a copy of the permissions c was compiled from,
// with Response defaults filled in (nil for a nil Checker).
func (c *Checker) Permissions() *Permissions {
	if c == nil {
		return nil
	}
	return c.perms.clone()
}

// ResponsePermission returns the normalized allow_responses setting, or
// nil when responses get no special treatment.
func (c *Checker) ResponsePermission() *ResponsePermission {
	if c == nil || c.resp == nil {
		return nil
	}
	r := *c.resp
	return &r
}

// PublishRestricted reports whether CanPublish can ever say no; when it
// is false the server may skip the check altogether.
func (c *Checker) PublishRestricted() bool { return c != nil && !c.pubAll }

// SubscribeRestricted reports whether CanSubscribe can ever say no.
func (c *Checker) SubscribeRestricted() bool { return c != nil && !c.subAll }

// CanPublish reports whether the connection may publish to the literal
// subject: it must match the allow list (when there is one) and must not
// match the deny list. Subjects with empty tokens are refused. A "no"
// may still be overridden by allow_responses: ask the connection's
// Responses next. cache may be nil; with a cache a hit costs one map
// lookup and no allocation.
func (c *Checker) CanPublish(cache *Cache, subject []byte) bool {
	if c == nil || c.pubAll {
		return true
	}
	if cache == nil {
		return c.canPublish(string(subject))
	}
	if cache.owner != c {
		cache.reset(c)
	}
	if v, ok := cache.pub[string(subject)]; ok {
		return v
	}
	s := string(subject)
	v := c.canPublish(s)
	cache.pub = cachePut(cache.pub, s, v)
	return v
}

func (c *Checker) canPublish(s string) bool {
	if c.pubNone || hasEmptyToken(s) {
		return false
	}
	if c.pubAllow != nil && !c.pubAllow.lookup(s, "").plain {
		return false
	}
	return c.pubDeny == nil || !c.pubDeny.lookup(s, "").plain
}

// CanSubscribe is the SUB-time check of subject with queue group queue
// ("" for a plain subscription), following the reference server:
//
//   - The subject is looked up as text in the allow list (when there is
//     one): "foo.*" is admitted by "foo.*", "foo.>" or "*.*" entries but
//     not by "foo.bar"; note that "foo.>" is admitted by "foo.*".
//   - A plain subscription needs a matching plain entry. A queue
//     subscription needs a matching queue entry whose queue pattern
//     admits its group if any queue entry matches the subject, and
//     otherwise a matching plain entry.
//   - It is refused when a plain deny entry matches, or, for a queue
//     subscription, a deny queue entry that admits its group matches.
//
// Messages that such a subscription can receive but the user may not
// (a deny entry overlapping a wildcard, "foo.>" under "foo.*") are
// filtered at delivery: see SubNeedsDeliveryCheck and CanDeliver.
func (c *Checker) CanSubscribe(subject, queue string) bool {
	if c == nil || c.subAll {
		return true
	}
	return c.canSubscribe(subject, queue)
}

func (c *Checker) canSubscribe(subject, queue string) bool {
	if hasEmptyToken(subject) {
		return false
	}
	if c.subAllow != nil {
		r := c.subAllow.lookup(subject, queue)
		ok := r.plain
		if queue != "" && r.queued {
			ok = r.queueOK
		}
		if !ok {
			return false
		}
	}
	if c.subDeny != nil {
		r := c.subDeny.lookup(subject, queue)
		if r.plain || (queue != "" && r.queueOK) {
			return false
		}
	}
	return true
}

// CanDeliver reports whether a message on the literal subject may be
// delivered to a subscription of this user in queue group queue ("" for
// none): exactly when a SUB on that literal subject and queue would be
// allowed. The server needs to call it only for subscriptions for which
// SubNeedsDeliveryCheck returned true. cache may be nil; a hit does not
// allocate.
func (c *Checker) CanDeliver(cache *Cache, subject []byte, queue string) bool {
	if c == nil || c.subAll {
		return true
	}
	if cache == nil {
		return c.canSubscribe(string(subject), queue)
	}
	if cache.owner != c {
		cache.reset(c)
	}
	m := cache.del
	if queue != "" {
		m = cache.qdel[queue]
	}
	if v, ok := m[string(subject)]; ok {
		return v
	}
	s := string(subject)
	v := c.canSubscribe(s, queue)
	if queue == "" {
		cache.del = cachePut(cache.del, s, v)
	} else {
		cache.putQueue(queue, s, v)
	}
	return v
}

// SubNeedsDeliveryCheck reports whether a subscription that passed
// CanSubscribe may match messages the user is not allowed to receive,
// so that each delivery must go through CanDeliver. That is the case
// for a wildcard subscription overlapping a deny entry that applies to
// it, or not contained in the allow entries that admit it (the
// reference accepts "SUB foo.>" under allow "foo.*"). Literal
// subscriptions never need it. The answer errs on the side of true.
func (c *Checker) SubNeedsDeliveryCheck(subject, queue string) bool {
	if c == nil || c.subAll || !validPattern(subject) || isLiteral(subject) {
		return false
	}
	if c.subDeny != nil {
		for _, e := range c.subDeny.items {
			if e.queue != "" && (queue == "" || !queueMatches(queue, e.queue)) {
				continue
			}
			if intersect(subject, e.subject) {
				return true
			}
		}
	}
	if c.subAllow == nil {
		return false
	}
	if queue != "" {
		touched := false
		for _, e := range c.subAllow.items {
			if e.queue == "" {
				continue
			}
			if queueMatches(queue, e.queue) {
				if subset(subject, e.subject) {
					return false
				}
			} else if intersect(subject, e.subject) {
				// Where this entry matches and none of the
				// group's own does, the message is refused.
				touched = true
			}
		}
		if touched {
			return true
		}
	}
	for _, e := range c.subAllow.items {
		if e.queue == "" && subset(subject, e.subject) {
			return false
		}
	}
	return true
}
