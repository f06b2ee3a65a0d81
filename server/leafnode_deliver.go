package server

import (
	"math/rand/v2"
	"strconv"
	"strings"

	"github.com/natsd/natsd/auth"
	"github.com/natsd/natsd/parser"
	"github.com/natsd/natsd/sublist"
)

// Messages over leaf connections (see leafnode.go). A leaf connection
// owns subscriptions like a route does, so a publisher collects it as a
// target (routeTarget) and writes it one LMSG naming the queue groups it
// must serve; sendRMsg hands leaf targets to sendLMsg.

// processLeafMsg delivers an LMSG (or HMSG) from a leaf connection in its
// account: to every plain subscriber but the connection itself (local
// clients, routes, other leaf connections), and to one member of each
// queue group the sender listed, a local member first.
func (c *client) processLeafMsg(args []byte, hdrLen int, msg []byte) error {
	if c.tracing() {
		op := "LMSG"
		if hdrLen > 0 {
			op = "HMSG"
		}
		c.traceIn(op, args, strconv.AppendInt(nil, int64(hdrLen), 10), strconv.AppendInt(nil, int64(len(msg)), 10))
		c.tracePayload("<<-", msg)
	}
	if !c.leaf.registered {
		return errLeafNotConnected
	}
	var a parser.RMsgArgs
	if !parser.ParsePinnedRMsgArgs(args, &a) {
		return parser.ErrBadArgs
	}
	c.inMsgs.Add(1)
	c.inBytes.Add(int64(len(msg)))
	if p := c.leaf.importPerms; p != nil {
		if c.permCache == nil {
			c.permCache = p.NewCache()
		}
		if !p.CanPublish(c.permCache, a.Subject) {
			if !c.leaf.solicited {
				c.srv.log.Errorf("%s - %s", c.logPrefix(), auth.PubViolationLog(a.Subject))
			}
			return nil
		}
	}
	acc := c.acc.Load()
	c.deliverFromLeaf(acc, c.match(a.Subject), &a, hdrLen, msg)
	return nil
}

// deliverFromLeaf is deliverAll for a message that came over the leaf
// connection c: it never goes back to c, nor to routes when c is a
// connection to a hub, and queue groups are served only when the sender
// listed them.
func (c *client) deliverFromLeaf(acc *Account, r *sublist.Result[*subscription], a *parser.RMsgArgs, hdrLen int, msg []byte) bool {
	subject, reply := a.Subject, a.Reply
	delivered := false
	base := c.nrt
	for _, sub := range r.Plain {
		switch sub.client.kind {
		case kindRoute:
			// A hub's message stays on this server, as with nats-server:
			// the hub sends it to each member of this cluster that told
			// it of interest over its own leaf connection.
			if !c.leaf.solicited {
				c.target(base, sub.client)
			}
			continue
		case kindLeaf:
			if sub.client != c && !(c.leaf.solicited && sub.client.leaf.solicited) && !c.sameLeafCluster(sub.client) {
				c.target(base, sub.client)
			}
			continue
		case kindInternal:
			if sub.cb(c, sub, subject, reply, hdrLen, msg) {
				delivered = true
			}
			continue
		}
		if c.deliverTo(sub, subject, reply, hdrLen, msg) {
			delivered = true
		}
	}
	for i := 0; i < a.NumQueues; i++ {
		q := a.NextQueue()
		for j := range r.Queues {
			g := &r.Queues[j]
			if g.Name != string(q) {
				continue
			}
			if c.deliverLocalMember(g.Members, subject, reply, hdrLen, msg, false) {
				delivered = true
			} else if rs := pickRemoteMember(g.Members, c); rs != nil {
				t := c.target(base, rs.client)
				t.queues = append(t.queues, g.Name)
			}
			break
		}
	}
	if c.nrt > base && c.sendToRoutes(base, acc.name, subject, reply, hdrLen, msg) {
		delivered = true
	}
	return delivered
}

// pickRemoteMember chooses the route or leaf connection to serve a queue
// group no local member took, weighted by their member counts; never the
// connection from, where the message came from. nil if none.
func pickRemoteMember(members []*subscription, from *client) *subscription {
	total := int32(0)
	for _, sub := range members {
		if isRemoteMember(sub, from) {
			total += max(sub.weight.Load(), 1)
		}
	}
	if total == 0 {
		return nil
	}
	x := rand.Int32N(total)
	for _, sub := range members {
		if !isRemoteMember(sub, from) {
			continue
		}
		if x -= max(sub.weight.Load(), 1); x < 0 {
			return sub
		}
	}
	return nil
}

// isRemoteMember: sub stands for queue members on another server, and a
// message from from may go there.
func isRemoteMember(sub *subscription, from *client) bool {
	rc := sub.client
	switch rc.kind {
	case kindRoute:
		return from == nil || from.kind != kindRoute && !(from.kind == kindLeaf && from.leaf.solicited)
	case kindLeaf:
		if rc == from {
			return false
		}
		// One hub's messages are not relayed to another hub, nor a leaf
		// server's to another of its cluster.
		return from == nil || from.kind != kindLeaf || !(from.leaf.solicited && rc.leaf.solicited) && !from.sameLeafCluster(rc)
	}
	return false
}

// pickLeafMember chooses, for a message from a route, the accepted leaf
// connection to serve a queue group no local member took.
func pickLeafMember(members []*subscription) *subscription {
	total := int32(0)
	for _, sub := range members {
		if sub.client.kind == kindLeaf && !sub.client.leaf.solicited {
			total += max(sub.weight.Load(), 1)
		}
	}
	if total == 0 {
		return nil
	}
	x := rand.Int32N(total)
	for _, sub := range members {
		if sub.client.kind != kindLeaf || sub.client.leaf.solicited {
			continue
		}
		if x -= max(sub.weight.Load(), 1); x < 0 {
			return sub
		}
	}
	return nil
}

// sendLMsg appends one LMSG (HMSG) to a leaf connection's output. Like
// sendRMsg it never blocks.
func (c *client) sendLMsg(r *client, queues []string, subject, reply []byte, hdrLen int, msg []byte) bool {
	need := len(subject) + len(reply) + len(msg) + frameSlack
	for _, q := range queues {
		need += len(q) + 1
	}
	r.mu.Lock()
	if r.closed || r.cutOff || !r.leaf.up {
		r.mu.Unlock()
		return false
	}
	if p := r.leaf.exportPerms; p != nil {
		if r.leaf.exportCache == nil {
			r.leaf.exportCache = p.NewCache()
		}
		// A remote's deny_exports; an accepted leaf user's subscribe
		// permission (its interest may be wider than what it may get).
		ok := false
		if r.leaf.solicited {
			ok = p.CanPublish(r.leaf.exportCache, subject)
		} else {
			ok = p.CanDeliver(r.leaf.exportCache, subject, "")
		}
		if !ok {
			r.mu.Unlock()
			return false
		}
	}
	wasIdle := r.out.Len() == 0
	r.queueLMsg(need, subject, queues, reply, hdrLen, msg)
	r.outMsgs++
	r.outBytes += int64(len(msg))
	slow := r.overLimitLocked()
	r.mu.Unlock()
	if r.tracing() {
		line := appendLMsgHeader(nil, subject, queues, reply, hdrLen, len(msg))
		r.traceOut(strings.TrimSuffix(string(line), "\r\n"))
	}
	if slow {
		r.slowConsumer()
		return true
	}
	if wasIdle {
		c.markFlush(r)
	}
	return true
}

// appendLMsgHeader encodes the LMSG (HMSG) line: a pinned route's RMSG
// line under the leaf keyword.
func appendLMsgHeader(b []byte, subject []byte, queues []string, reply []byte, hdrLen, size int) []byte {
	start := len(b)
	b = appendRMsgHeader(b, "", subject, queues, reply, hdrLen, size)
	if hdrLen == 0 {
		b[start] = 'L' // RMSG → LMSG
	}
	return b
}

// queueLMsg queues one LMSG for the leaf connection r; r.mu is held.
func (r *client) queueLMsg(need int, subject []byte, queues []string, reply []byte, hdrLen int, msg []byte) {
	if b := r.out.Reserve(need); b != nil {
		f := appendLMsgHeader(b, subject, queues, reply, hdrLen, len(msg))
		f = append(f, msg...)
		r.out.Commit(append(f, "\r\n"...))
		return
	}
	var hb [256]byte
	r.out.Append(appendLMsgHeader(hb[:0], subject, queues, reply, hdrLen, len(msg)))
	r.out.Append(msg)
	r.out.AppendString("\r\n")
}
