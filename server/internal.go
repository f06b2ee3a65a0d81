package server

import (
	"strconv"
	"sync/atomic"
	"time"
)

// The internal client: a subscriber and publisher inside an account with
// no connection behind it. Imports are built on it (imports.go), and the
// system account's services and JetStream are meant to be too.
//
// An internal subscription carries a callback instead of a socket: a
// publisher delivering to it calls the callback on its own goroutine,
// with the message's slices valid only during the call (copy what you
// keep). The callback may publish in turn (internalClient.publish or
// deliverIn), but never blocks: it runs inside somebody else's
// delivery loop.

// kindInternal marks a client that has no connection.
const kindInternal = kindRoute + 1

// msgHandler receives a message for an internal subscription. pub is the
// connection delivering it (a client or a route); it reports whether the
// message was delivered anywhere (for no-responders).
type msgHandler func(pub *client, sub *subscription, subject, reply []byte, hdrLen int, msg []byte) bool

// internalClient is a connection-less member of an account.
type internalClient struct {
	c      *client
	nextID atomic.Uint64
}

// newInternalClient makes an internal client in acc. Its subscriptions
// count as local interest (routes hear of them) like a client's.
func (s *Server) newInternalClient(acc *Account) *internalClient {
	c := &client{
		srv:   s,
		cid:   s.nextCID.Add(1),
		kind:  kindInternal,
		start: time.Now(),
		subs:  make(map[string]*subscription),
	}
	c.acc.Store(acc)
	c.connected = true
	return &internalClient{c: c}
}

// subscribe adds an internal subscription on subject (queue "" for a
// plain one) that hands every message to cb.
func (ic *internalClient) subscribe(subject, queue string, cb msgHandler) (*subscription, error) {
	return ic.subscribeOpts(subject, queue, false, cb)
}

// subscribeLocal is subscribe for interest the other servers must not
// hear of: only messages published on this server reach it.
func (ic *internalClient) subscribeLocal(subject string, cb msgHandler) (*subscription, error) {
	return ic.subscribeOpts(subject, "", true, cb)
}

func (ic *internalClient) subscribeOpts(subject, queue string, local bool, cb msgHandler) (*subscription, error) {
	c := ic.c
	sub := &subscription{client: c, acc: c.acc.Load(), subject: subject, queue: queue,
		sid: strconv.FormatUint(ic.nextID.Add(1), 10), cb: cb, local: local}
	c.mu.Lock()
	c.subs[sub.sid] = sub
	c.mu.Unlock()
	if err := c.srv.insertSub(sub); err != nil {
		c.mu.Lock()
		delete(c.subs, sub.sid)
		c.mu.Unlock()
		return nil, err
	}
	return sub, nil
}

// unsubscribe removes an internal subscription.
func (ic *internalClient) unsubscribe(sub *subscription) {
	c := ic.c
	c.mu.Lock()
	_, ok := c.subs[sub.sid]
	delete(c.subs, sub.sid)
	c.mu.Unlock()
	if ok {
		c.srv.removeSub(sub)
	}
}

// close removes every subscription of the internal client.
func (ic *internalClient) close() {
	c := ic.c
	c.mu.Lock()
	subs := make([]*subscription, 0, len(c.subs))
	for _, sub := range c.subs {
		subs = append(subs, sub)
	}
	clear(c.subs)
	c.closed = true
	c.mu.Unlock()
	for _, sub := range subs {
		c.srv.removeSub(sub)
	}
}

// publish sends a message into the internal client's account from a
// goroutine of the server's own (a timer, a service), not from inside a
// delivery: it uses a scratch client of its own, so it is safe to call
// concurrently, and flushes what it queued before returning.
func (ic *internalClient) publish(subject, reply []byte, hdrLen int, msg []byte) bool {
	pub := &client{srv: ic.c.srv, kind: kindInternal}
	pub.acc.Store(ic.c.acc.Load())
	ok := pub.deliverIn(pub.acc.Load(), subject, reply, hdrLen, msg)
	pub.flushPending()
	return ok
}

// deliverIn delivers a message in account acc on behalf of c, which may be
// delivering a message of another account right now (an import crossing
// accounts): it uses the index's shared cache, not c's own, and keeps its
// route targets apart from those of the delivery it is nested in.
func (c *client) deliverIn(acc *Account, subject, reply []byte, hdrLen int, msg []byte) bool {
	return c.deliverAll(acc, acc.sl.Match(subject), subject, reply, hdrLen, msg)
}

// deliverReply is deliverIn for the server's reply to a request (a PubAck,
// a direct get's message). Its subject is unique per request (an inbox
// token), so it is matched without the index's cache, which it would only
// churn (and allocate in), into a result of c's own. A reply delivered
// while another is (a stream storing a reply and answering in turn) falls
// back to deliverIn.
func (c *client) deliverReply(acc *Account, subject []byte, hdrLen int, msg []byte) bool {
	if c.replyBusy {
		return c.deliverIn(acc, subject, nil, hdrLen, msg)
	}
	c.replyBusy = true
	ok := c.deliverAll(acc, acc.sl.MatchInto(subject, &c.replyRes), subject, nil, hdrLen, msg)
	c.replyBusy = false
	return ok
}
