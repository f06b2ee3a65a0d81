package server

import (
	"strconv"
	"time"

	"github.com/natsd/natsd/auth"
	"github.com/natsd/natsd/logger"
	"github.com/natsd/natsd/parser"
	"github.com/natsd/natsd/sublist"
)

// maxClientCache bounds each connection's private cache of match results.
const maxClientCache = 128

// ProcessPub handles PUB.
func (c *client) ProcessPub(subject, reply, payload []byte) error {
	if c.tracing() {
		c.traceIn("PUB", subject, reply, strconv.AppendInt(nil, int64(len(payload)), 10))
		c.tracePayload("<<-", payload)
	}
	return c.processInbound(subject, reply, 0, payload)
}

// ProcessHPub handles HPUB; a client that did not announce headers may not
// send them.
func (c *client) ProcessHPub(subject, reply []byte, hdrLen int, msg []byte) error {
	if c.tracing() {
		c.traceIn("HPUB", subject, reply, strconv.AppendInt(nil, int64(hdrLen), 10), strconv.AppendInt(nil, int64(len(msg)), 10))
		c.tracePayload("<<-", msg)
	}
	if c.flags.Load()&flagHeaders == 0 {
		// nats-server closes without a word.
		c.srv.log.Errorf("%s - message headers not supported", c.logPrefix())
		return &clientError{reason: ProtocolViolation}
	}
	return c.processInbound(subject, reply, hdrLen, msg)
}

func (c *client) processInbound(subject, reply []byte, hdrLen int, msg []byte) error {
	if err := c.requireConnect(); err != nil {
		return err
	}
	if pr := c.pubRate.Load(); pr != nil {
		c.throttle(pr, len(msg))
	}
	c.batchIn++
	c.batchInBytes += int64(len(msg))
	if c.opts.Pedantic && !sublist.ValidLiteralSubjectBytes(subject) {
		// nats-server reports the subject but still delivers the message.
		c.sendErrNow(errInvalidPubSubject)
	}
	if perms := c.perms(); perms.PublishRestricted() && !c.canPublish(perms, subject) {
		c.srv.log.Errorf("%s - %s", c.logPrefix(), auth.PubViolationLog(subject))
		c.sendErrNow(auth.PubViolation(subject))
		return nil
	}
	c.sendOK()
	acc := c.acc.Load()
	published := subject
	if mp := acc.mappings.Load(); mp != nil {
		// Subject mappings apply where a message is published (after the
		// permission check, on the subject the client sent), never again
		// on the servers it is routed to.
		subject = c.mapSubject(*mp, subject)
	}
	delivered := c.deliverAll(acc, c.match(subject), subject, reply, hdrLen, msg)
	if !delivered && len(reply) > 0 && c.opts.NoResponders && c.flags.Load()&flagHeaders != 0 {
		c.sendNoResponders(published, reply)
	}
	return nil
}

// ackSubjectPrefix starts JetStream's ack subjects (jsc.AckPrefix).
const ackSubjectPrefix = "$JS.ACK."

// kvPrefix and directGetPrefix start the subjects of KV puts and gets
// ($KV.<bucket>.<key>, $JS.API.DIRECT.GET.<stream>.<subject>): one per key.
const (
	kvPrefix        = "$KV."
	directGetPrefix = "$JS.API.DIRECT.GET."
)

// match returns the subscribers for subject through the connection's own
// cache, which needs no lock: it is valid while the index's generation is
// unchanged. Ack subjects, and KV keys, bypass it.
func (c *client) match(subject []byte) *sublist.Result[*subscription] {
	sl := c.acc.Load().sl
	if len(subject) > 0 && subject[0] == '$' && // all three start so
		(hasPrefix(subject, ackSubjectPrefix) || hasPrefix(subject, kvPrefix) || hasPrefix(subject, directGetPrefix)) {
		// Every ack has a subject of its own, and a bucket has as many
		// as it has keys, more than the cache holds as soon as a client
		// works on many: caching them would only churn the caches (and
		// allocate per message).
		return sl.MatchInto(subject, &c.uniqRes)
	}
	gen := sl.Generation()
	if gen != c.pcacheGen || sl != c.pcacheSl || c.pcache == nil {
		if c.pcache == nil {
			c.pcache = make(map[string]*sublist.Result[*subscription])
		} else {
			clear(c.pcache)
		}
		c.pcacheGen, c.pcacheSl = gen, sl
		c.lastRes = nil
	} else if c.lastRes != nil && string(subject) == string(c.lastSubj) {
		// The same subject as the previous message (a publisher's stream
		// of one subject): a comparison instead of hashing it.
		return c.lastRes
	} else if r, ok := c.pcache[string(subject)]; ok {
		c.setLastMatch(subject, r)
		return r
	}
	r := sl.Match(subject)
	if len(c.pcache) >= maxClientCache {
		clear(c.pcache)
	}
	c.pcache[string(subject)] = r
	c.setLastMatch(subject, r)
	return r
}

// setLastMatch remembers the last subject match returned and its result,
// valid as long as pcache is.
func (c *client) setLastMatch(subject []byte, r *sublist.Result[*subscription]) {
	if len(subject) > maxLastSubject {
		c.lastRes = nil
		return
	}
	c.lastSubj = append(c.lastSubj[:0], subject...)
	c.lastRes = r
}

// maxLastSubject bounds the subject setLastMatch copies, and so the
// buffer a connection keeps for it.
const maxLastSubject = 256

func hasPrefix(subject []byte, prefix string) bool {
	return len(subject) > len(prefix) && string(subject[:len(prefix)]) == prefix
}

// deliverAll sends a message published in account acc to every plain
// subscriber and to one member of each queue group. Subscriptions owned by
// routes (remote interest) are not written to one by one: each route gets
// one RMSG, listing the queue groups it must serve. A queue group is
// served locally when it has a local member; a route is picked (weighted
// by its member count) only when it has none. Internal subscriptions get
// the message through their callback, which may deliver into another
// account: the route targets collected from c.nrt on are this call's own.
// It reports whether anyone got it.
func (c *client) deliverAll(acc *Account, r *sublist.Result[*subscription], subject, reply []byte, hdrLen int, msg []byte) bool {
	delivered, base := c.deliverLocalCollect(r, subject, reply, hdrLen, msg)
	if c.nrt > base && c.sendToRoutes(base, acc.name, subject, reply, hdrLen, msg) {
		delivered = true
	}
	return delivered
}

// deliverLocalCollect is the local part of deliverAll (and of deliverAs):
// it writes the message to the local plain subscribers and one local
// member of each queue group, and collects the routes and leaf
// connections to send it to as route targets from base on (c.rtargets
// [base:c.nrt]), for the caller to send and reset.
func (c *client) deliverLocalCollect(r *sublist.Result[*subscription], subject, reply []byte, hdrLen int, msg []byte) (delivered bool, base int) {
	noEcho := c.flags.Load()&flagNoEcho != 0
	base = c.nrt
	for _, sub := range r.Plain {
		switch sub.client.kind {
		case kindRoute, kindLeaf:
			c.target(base, sub.client)
			continue
		case kindInternal:
			if sub.cb(c, sub, subject, reply, hdrLen, msg) {
				delivered = true
			}
			continue
		}
		if noEcho && sub.client == c {
			continue
		}
		if c.deliverTo(sub, subject, reply, hdrLen, msg) {
			delivered = true
		}
	}
	for i := range r.Queues {
		g := &r.Queues[i]
		if c.deliverLocalMember(g.Members, subject, reply, hdrLen, msg, noEcho) {
			delivered = true
			continue
		}
		if rs := pickRemoteMember(g.Members, c); rs != nil {
			t := c.target(base, rs.client)
			t.queues = append(t.queues, g.Name)
		}
	}
	return delivered, base
}

// deliverLocal delivers a message that came from a route to this server's
// subscribers only: every plain one, and one member of each queue group
// the sending server listed in queues.
func (c *client) deliverLocal(r *sublist.Result[*subscription], queues *parser.RMsgArgs, account string, subject, reply []byte, hdrLen int, msg []byte) bool {
	delivered := false
	base := c.nrt
	for _, sub := range r.Plain {
		switch sub.client.kind {
		case kindClient:
			if c.deliverTo(sub, subject, reply, hdrLen, msg) {
				delivered = true
			}
		case kindInternal:
			if sub.cb(c, sub, subject, reply, hdrLen, msg) {
				delivered = true
			}
		case kindLeaf:
			// Accepted leaf nodes are this server's to serve; a hub
			// this server is a leaf of is not (the route's server has
			// its own connection to it, or none).
			if !sub.client.leaf.solicited {
				c.target(base, sub.client)
			}
		}
	}
	for i := 0; i < queues.NumQueues; i++ {
		q := queues.NextQueue()
		for j := range r.Queues {
			g := &r.Queues[j]
			if g.Name == string(q) {
				if c.deliverLocalMember(g.Members, subject, reply, hdrLen, msg, false) {
					delivered = true
				} else if ls := pickLeafMember(g.Members); ls != nil {
					t := c.target(base, ls.client)
					t.queues = append(t.queues, g.Name)
				}
				break
			}
		}
	}
	if c.nrt > base && c.sendToRoutes(base, account, subject, reply, hdrLen, msg) {
		delivered = true
	}
	return delivered
}

// deliverTo appends one MSG or HMSG to the subscriber's output. It never
// blocks on the subscriber's socket: a subscriber whose backlog passes
// max_pending is cut off as a slow consumer, and the publisher carries on.
func (c *client) deliverTo(sub *subscription, subject, reply []byte, hdrLen int, msg []byte) bool {
	r := sub.client
	r.mu.Lock()
	if r.closed || r.cutOff {
		r.mu.Unlock()
		return false
	}
	if sub.max > 0 && sub.delivered >= sub.max {
		r.mu.Unlock()
		return false
	}
	if sub.checkDelivery && !r.perms().CanDeliver(r.delCacheLocked(), subject, sub.queue) {
		r.mu.Unlock()
		return false
	}
	sub.delivered++
	last := sub.delivered == sub.max
	if r.responses != nil && len(reply) > 0 {
		r.responses.Record(reply, time.Now())
	}
	if hdrLen > 0 && r.flags.Load()&flagHeaders == 0 {
		msg = msg[hdrLen:]
		hdrLen = 0
	}
	wasIdle := r.out.Len() == 0
	r.queueMsg(subject, sub.sid, reply, hdrLen, msg)
	if r.tracing() {
		r.traceDelivery(subject, sub.sid, reply, hdrLen, msg)
	}
	r.outMsgs++
	r.outBytes += int64(len(msg))
	slow := r.overLimitLocked()
	r.mu.Unlock()

	if slow {
		r.slowConsumer()
		return true
	}
	if last {
		r.removeSubAfterMax(sub)
	}
	if wasIdle {
		c.markFlush(r)
	}
	return true
}

// canPublish checks a restricted publish: the allow/deny lists, then the
// replies allow_responses grants.
func (c *client) canPublish(perms *auth.Checker, subject []byte) bool {
	if c.permCache == nil {
		c.permCache = perms.NewCache()
	}
	if perms.CanPublish(c.permCache, subject) {
		return true
	}
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.responses.Allow(subject, time.Now())
}

// delCacheLocked returns the delivery-check cache; c.mu is held.
func (c *client) delCacheLocked() *auth.Cache {
	if c.delCache == nil {
		c.delCache = c.perms().NewCache()
	}
	return c.delCache
}

// appendMsg encodes MSG/HMSG without allocating.
func appendMsg(b, subject []byte, sid string, reply []byte, hdrLen int, msg []byte) []byte {
	b = appendMsgHeader(b, subject, sid, reply, hdrLen, len(msg))
	b = append(b, msg...)
	return append(b, "\r\n"...)
}

// appendMsgHeader encodes the MSG/HMSG line for a size-byte payload.
func appendMsgHeader(b, subject []byte, sid string, reply []byte, hdrLen, size int) []byte {
	if hdrLen > 0 {
		b = append(b, "HMSG "...)
	} else {
		b = append(b, "MSG "...)
	}
	b = append(b, subject...)
	b = append(b, ' ')
	b = append(b, sid...)
	b = append(b, ' ')
	if len(reply) > 0 {
		b = append(b, reply...)
		b = append(b, ' ')
	}
	if hdrLen > 0 {
		b = strconv.AppendInt(b, int64(hdrLen), 10)
		b = append(b, ' ')
	}
	b = strconv.AppendInt(b, int64(size), 10)
	return append(b, "\r\n"...)
}

// slowConsumer cuts off a connection whose output backlog passed the limit.
// The log line names the client, the limit it hit, its pending bytes and
// the subjects with the largest backlog, so an operator can act on it.
//
// Only the publisher that crossed the limit gets here (see overLimitLocked);
// the others stop delivering to r at once. The backlog scan looks at the
// oldest backlogScanMax bytes only, so its cost is bounded whatever the
// limit.
func (r *client) slowConsumer() {
	// The front of the backlog was copied when the limit was crossed
	// (overLimitLocked); it is scanned here, without the lock.
	r.mu.Lock()
	pending, limit, front := r.cutPending, r.maxPending, r.cutFront
	r.cutFront = nil
	r.mu.Unlock()
	top := topBacklog(front, 3)
	logger.Notice(r.srv.log, logger.Record{Conn: r.logPrefix(), Msg: "Slow Consumer Detected: MaxPending Exceeded",
		Text:   "Slow Consumer Detected: MaxPending of %d Exceeded (%d pending bytes; largest backlog: %s)",
		Fields: []logger.Field{logger.F("max_pending", limit), logger.F("pending_bytes", pending), logger.F("largest_backlog", backlogList(top))}})
	r.closeConnection(SlowConsumerPendingBytes, false)
}

// backlogScanMax bounds the part of a slow consumer's backlog that is
// scanned for the subjects it is falling behind on.
const backlogScanMax = 1 << 20

// overLimitLocked reports, once, that r's backlog passed max_pending: the
// caller then cuts r off, and every other publisher skips r from now on.
// The backlog is what was queued after the writer's current round began
// (the round itself is being written). r.mu is held.
func (r *client) overLimitLocked() bool {
	if r.cutOff || int64(r.out.Len())-r.outRound <= r.maxPending {
		return false
	}
	r.cutOff = true
	// The backlog the log line reports is taken now: by the time the
	// caller gets to slowConsumer, r's writer may have drained it (once,
	// on a busy machine, the line said 0 pending bytes and no backlog).
	// Nothing is appended to r any more; its writer may still consume
	// chunks, under this lock.
	r.cutPending = r.out.Len()
	r.cutFront = r.out.CopyFront(make([]byte, 0, min(r.cutPending, backlogScanMax)), backlogScanMax)
	return true
}

// sendNoResponders answers a request nobody listens to with a 503 status
// message on the requester's own subscription to the reply subject. It is
// rare, so building the header may allocate.
func (c *client) sendNoResponders(subject, reply []byte) {
	r := c.match(reply)
	for _, sub := range r.Plain {
		if sub.client != c {
			continue
		}
		hdr := make([]byte, 0, 64)
		hdr = append(hdr, "NATS/1.0 503\r\nNats-Subject: "...)
		hdr = append(hdr, subject...)
		hdr = append(hdr, "\r\n\r\n"...)
		c.mu.Lock()
		wasIdle := c.out.Len() == 0
		c.queueMsg(reply, sub.sid, nil, len(hdr), hdr)
		c.mu.Unlock()
		if wasIdle {
			c.markFlush(c)
		}
		return
	}
}
