package server

import (
	"bytes"

	"github.com/natsd/natsd/sublist"
)

// A consumer delivers a stored message to its deliver subject (or a pull
// request's reply subject), but the subscriber must see it under the
// message's own subject. On this server that is simple: the MSG line
// carries the stored subject and the subscriber's sid. A route can not
// match the stored subject against the deliver subject's interest, so
// nats-server (v2.15.2, recorded on the wire) sends such a message as
//
//	RMSG <account> <deliver subject> <ack reply>@<stored subject> <size>
//
// and the receiving server splits the reply at the '@' and delivers the
// message to its local subscribers of the deliver subject under the
// stored subject, with the ack reply. natsd does both sides, so a push
// consumer's subscriber (or a pull requester) may sit on any server of
// the cluster, natsd or nats-server alike. Leaf nodes still get the
// message under the stored subject (not covered here).

// jsAckPrefix starts every reply that carries a stored subject after '@'.
var jsAckPrefix = []byte(ackSubjectPrefix)

// deliverAs delivers msg, published to target in acc (r is target's
// match), as if it had been published on subject: local subscribers see
// subject, routes get target with reply@subject. scratch holds the routed
// reply between calls (the caller's, so nothing is allocated per message
// once it has grown). Otherwise it is deliverAll. It reports whether
// anyone got the message.
func (c *client) deliverAs(acc *Account, r *sublist.Result[*subscription], target, subject, reply []byte, hdrLen int, msg []byte, scratch *[]byte) bool {
	delivered, base := c.deliverLocalCollect(r, subject, reply, hdrLen, msg)
	if c.nrt == base {
		return delivered
	}
	for i := base; i < c.nrt; i++ {
		t := &c.rtargets[i]
		var sent bool
		if t.rc.kind == kindLeaf || bytes.Equal(target, subject) {
			sent = c.sendRMsg(t.rc, acc.name, t.queues, subject, reply, hdrLen, msg)
		} else {
			rr := append(append(append((*scratch)[:0], reply...), '@'), subject...)
			*scratch = rr
			sent = c.sendRMsg(t.rc, acc.name, t.queues, target, rr, hdrLen, msg)
		}
		if sent {
			delivered = true
		}
		t.rc = nil
	}
	c.nrt = base
	return delivered
}

// splitRoutedReply undoes deliverAs on the receiving side: a routed
// JetStream delivery's reply "<ack reply>@<stored subject>" becomes the
// subject and reply the local subscribers see. Any other message is left
// as it is.
//
// Both the stored subject and the stream and consumer names may hold '@',
// but an ack reply has at least ackReplyDots dots, none of them in a name,
// and its tokens after those are numbers: so the split is at the first '@'
// after that many dots.
func splitRoutedReply(subject, reply []byte) ([]byte, []byte) {
	if !bytes.HasPrefix(reply, jsAckPrefix) {
		return subject, reply
	}
	from, dots := 0, 0
	for dots < ackReplyDots {
		i := bytes.IndexByte(reply[from:], '.')
		if i < 0 {
			return subject, reply
		}
		from += i + 1
		dots++
	}
	if i := bytes.IndexByte(reply[from:], '@'); i >= 0 && from+i+1 < len(reply) {
		i += from
		return reply[i+1:], reply[:i]
	}
	return subject, reply
}

// ackReplyDots is how many dots the shortest ack reply has:
// $JS.ACK.<stream>.<consumer>.<delivered>.<sseq>.<cseq>.<ts>.<pending>.
const ackReplyDots = 8
