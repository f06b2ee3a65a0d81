package server

import (
	"strconv"

	"github.com/natsd/natsd/auth"
	"github.com/natsd/natsd/sublist"
)

// ProcessSub adds a subscription. An invalid subject is refused with an
// -ERR, but the connection stays open, as with nats-server.
func (c *client) ProcessSub(subject, queue, sid []byte) error {
	if c.tracing() {
		c.traceIn("SUB", subject, queue, sid)
	}
	if err := c.requireConnect(); err != nil {
		return err
	}
	subj := string(subject)
	if !sublist.ValidSubject(subj) {
		c.sendErrNow(errInvalidSubject)
		return nil
	}
	q := string(queue)
	if len(queue) > 0 && !sublist.ValidQueueName(q) {
		c.sendErrNow(errInvalidSubject)
		return nil
	}
	perms := c.perms()
	if perms.SubscribeRestricted() && !perms.CanSubscribe(subj, q) {
		c.srv.log.Errorf("%s - %s", c.logPrefix(), auth.SubViolationLog(subj, q, sid))
		c.sendErrNow(auth.SubViolation(subj, q))
		return nil
	}
	c.mu.Lock()
	if c.closed {
		c.mu.Unlock()
		return nil
	}
	if p := c.perms(); p != perms {
		// A reload changed the permissions since the check above: its
		// revocation scan may already have run, so check again here.
		perms = p
		if perms.SubscribeRestricted() && !perms.CanSubscribe(subj, q) {
			c.mu.Unlock()
			c.sendErrNow(auth.SubViolation(subj, q))
			return nil
		}
	}
	if _, dup := c.subs[string(sid)]; dup {
		c.mu.Unlock()
		c.sendOK()
		return nil
	}
	if max := c.maxSubs(); max > 0 && len(c.subs) >= max {
		c.mu.Unlock()
		c.srv.log.Errorf("%s - Maximum Subscriptions Exceeded (%d)", c.logPrefix(), max)
		c.sendErrNow(errMaxSubscriptions)
		return nil
	}
	sub := &subscription{client: c, acc: c.acc.Load(), subject: subj, queue: q, sid: string(sid),
		checkDelivery: perms.SubNeedsDeliveryCheck(subj, q)}
	c.mon.active = true
	c.subs[sub.sid] = sub
	c.mu.Unlock()
	if err := c.srv.insertSub(sub); err != nil {
		c.mu.Lock()
		delete(c.subs, sub.sid)
		c.mu.Unlock()
		c.sendErrNow(errInvalidSubject)
		return nil
	}
	// A revocation (reload) or close may have dropped the subscription
	// between the two steps above, before it was in the index; then it
	// must not stay there.
	c.mu.Lock()
	gone := c.subs[sub.sid] != sub
	c.mu.Unlock()
	if gone {
		c.srv.removeSub(sub)
		return nil
	}
	c.sendOK()
	return nil
}

// ProcessUnsub removes a subscription now, or after max more messages.
func (c *client) ProcessUnsub(sid []byte, max int) error {
	if c.tracing() {
		var m []byte
		if max > 0 {
			m = strconv.AppendInt(nil, int64(max), 10)
		}
		c.traceIn("UNSUB", sid, m)
	}
	if err := c.requireConnect(); err != nil {
		return err
	}
	c.mon.active = true
	c.mu.Lock()
	sub, ok := c.subs[string(sid)]
	if !ok {
		c.mu.Unlock()
		c.sendOK()
		return nil
	}
	if max > 0 && sub.delivered < max {
		sub.max = max
		c.mu.Unlock()
		c.sendOK()
		return nil
	}
	delete(c.subs, sub.sid)
	c.mu.Unlock()
	c.srv.removeSub(sub)
	c.sendOK()
	return nil
}

// removeSubAfterMax drops a subscription that reached its UNSUB maximum.
func (c *client) removeSubAfterMax(sub *subscription) {
	c.mu.Lock()
	if cur, ok := c.subs[sub.sid]; !ok || cur != sub {
		c.mu.Unlock()
		return
	}
	delete(c.subs, sub.sid)
	c.mu.Unlock()
	c.srv.removeSub(sub)
}

// sendErrNow queues an -ERR that leaves the connection open.
func (c *client) sendErrNow(text string) {
	if c.tracing() {
		c.traceOut("-ERR '" + text + "'")
	}
	c.queue("-ERR '" + text + "'\r\n")
}
