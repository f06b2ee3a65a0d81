package server

import (
	"fmt"
	"strconv"
	"strings"

	"github.com/natsd/natsd/auth"
	"github.com/natsd/natsd/logger"
)

// Interest over leaf connections (see leafnode.go): what each connection
// is told (registerLeaf's snapshot, then every change through
// leafInterestLocked, both under leafState.mu), and what the peer asks for
// (LS+ and LS-, subscriptions owned by the connection).

// registerLeaf makes a leaf connection a target of interest and sends it
// the account's interest.
func (s *Server) registerLeaf(c *client) {
	c.leaf.registered = true
	acc := c.acc.Load()
	s.leafs.mu.Lock()
	c.mu.Lock()
	if c.closed {
		c.mu.Unlock()
		s.leafs.mu.Unlock()
		return
	}
	c.leaf.up = true
	c.mu.Unlock()
	s.leafs.byAcc[acc] = append(s.leafs.byAcc[acc], c)
	c.leaf.smap = make(map[interestKey]int32)
	var buf []byte
	acc.sl.ForEach(func(subject, queue string, sub *subscription) {
		if sub.client == c || !c.leafSendsInterest(sub) {
			return
		}
		k := interestKey{subject: subject, queue: queue}
		c.leaf.smap[k]++
	})
	for k, n := range c.leaf.smap {
		buf = appendLeafInterest(buf, k.subject, k.queue, true, n)
	}
	buf = appendLeafInterest(buf, s.leafs.lds, "", true, 0)
	c.mu.Lock()
	c.out.Append(buf)
	c.mu.Unlock()
	s.leafs.mu.Unlock()
	c.signalFlush()
	logger.Notice(s.log, logger.Record{Conn: c.logPrefix(), Msg: "Leafnode connection created", Text: "Leafnode connection created for account: %s",
		Fields: []logger.Field{logger.F("account", acc.name)}})
	if c.leaf.solicited {
		c.leaf.remote.connected(c)
	}
}

// leafSendsInterest reports whether sub is interest to tell the leaf
// connection c of: not a subscription of another solicited connection
// to a hub's (a leaf does not relay one hub's interest to another), not a
// route's when c is a connection to a hub (a leaf server tells its hub of
// its own clients and accepted leaf nodes only, as nats-server does: the
// other members of its cluster speak for themselves over their own leaf
// connections, else the hub would send each message to every one of them
// and they would pass it on to each other), not this server's JetStream
// API, and not denied by c's import filter.
func (c *client) leafSendsInterest(sub *subscription) bool {
	if c.leaf.solicited && (sub.client.kind == kindRoute || sub.client.kind == kindLeaf && sub.client.leaf.solicited) {
		return false
	}
	if sub.client.kind == kindLeaf && c.sameLeafCluster(sub.client) {
		return false // it has that interest over its own route
	}
	if sub.client.kind == kindInternal && strings.HasPrefix(sub.subject, jsAPIPrefix) {
		// Each side's JetStream answers its own clients: a request must
		// not get answers from both (natsd has no JetStream domains).
		return false
	}
	if p := c.leaf.importPerms; p != nil && c.leaf.solicited && !p.CanSubscribe(sub.subject, sub.queue) {
		return false // deny_imports: do not ask the hub for it
	}
	return true
}

// sameLeafCluster reports whether the leaf connections c and o come from
// servers of one cluster (by the cluster name of their CONNECT, as
// nats-server does): such servers reach each other over their routes, so
// neither interest nor messages go from one to the other through here.
func (c *client) sameLeafCluster(o *client) bool {
	return c != o && c.kind == kindLeaf && o.kind == kindLeaf && !c.leaf.solicited && !o.leaf.solicited &&
		c.leaf.remoteCluster != "" && c.leaf.remoteCluster == o.leaf.remoteCluster
}

// leafInterestLocked tells the leaf connections of sub's account that sub
// was added or removed; leafState.mu is held.
func (s *Server) leafInterestLocked(sub *subscription, add bool) {
	leafs := s.leafs.byAcc[sub.acc]
	if len(leafs) == 0 {
		return
	}
	var buf [256]byte
	k := interestKey{subject: sub.subject, queue: sub.queue}
	for _, l := range leafs {
		if l == sub.client || !l.leafSendsInterest(sub) {
			continue
		}
		n := l.leaf.smap[k]
		var line []byte
		if add {
			n++
			l.leaf.smap[k] = n
			if n == 1 || sub.queue != "" {
				line = appendLeafInterest(buf[:0], sub.subject, sub.queue, true, n)
			}
		} else {
			if n == 0 {
				continue
			}
			n--
			if n == 0 {
				delete(l.leaf.smap, k)
				line = appendLeafInterest(buf[:0], sub.subject, sub.queue, false, 0)
			} else {
				l.leaf.smap[k] = n
				if sub.queue != "" {
					line = appendLeafInterest(buf[:0], sub.subject, sub.queue, true, n)
				}
			}
		}
		if line == nil {
			continue
		}
		l.mu.Lock()
		if !l.closed {
			l.out.Append(line)
		}
		l.mu.Unlock()
		if l.tracing() {
			l.traceOut(strings.TrimSuffix(string(line), "\r\n"))
		}
		l.signalFlush()
	}
}

// appendLeafInterest encodes LS+ or LS-.
func appendLeafInterest(b []byte, subject, queue string, sub bool, weight int32) []byte {
	if sub {
		b = append(b, "LS+ "...)
	} else {
		b = append(b, "LS- "...)
	}
	b = append(b, subject...)
	if queue != "" {
		b = append(b, ' ')
		b = append(b, queue...)
		if sub {
			b = append(b, ' ')
			b = strconv.AppendInt(b, int64(max(weight, 1)), 10)
		}
	}
	return append(b, "\r\n"...)
}

// leafSub handles LS+: the peer's interest, owned by the connection.
func (c *client) leafSub(subject, queue []byte, weight int) error {
	s := c.srv
	if c.tracing() {
		var w []byte
		if queue != nil {
			w = strconv.AppendInt(nil, int64(weight), 10)
		}
		c.traceIn("LS+", subject, queue, w)
	}
	if !c.leaf.registered {
		return errLeafNotConnected
	}
	if string(subject) == s.leafs.lds {
		acc := c.acc.Load().name
		s.log.Errorf("%s - Loop detected for leafnode account=%q", c.logPrefix(), acc)
		if c.leaf.solicited {
			c.leaf.remote.loopDetected()
		}
		return &clientError{text: fmt.Sprintf(errLeafLoopFmt, acc, leafLoopDelay), reason: ProtocolViolation}
	}
	// What the peer asks for is what this server would send it: the
	// export filter applies.
	if p := c.leaf.exportPerms; p != nil && !p.CanSubscribe(string(subject), string(queue)) {
		if !c.leaf.solicited {
			s.log.Errorf("%s - %s", c.logPrefix(), auth.SubViolationLog(string(subject), string(queue), subject))
		}
		return nil
	}
	key := string(subject)
	if len(queue) > 0 {
		key += " " + string(queue)
	}
	c.mu.Lock()
	if c.closed {
		c.mu.Unlock()
		return nil
	}
	if sub, ok := c.subs[key]; ok {
		sub.weight.Store(int32(weight))
		c.mu.Unlock()
		return nil
	}
	sub := &subscription{client: c, acc: c.acc.Load(), subject: string(subject), queue: string(queue), sid: key}
	sub.weight.Store(int32(weight))
	c.subs[key] = sub
	c.mu.Unlock()
	if err := s.insertSub(sub); err != nil {
		c.mu.Lock()
		delete(c.subs, key)
		c.mu.Unlock()
		s.log.Errorf("%s - Invalid leafnode interest %q: %v", c.logPrefix(), key, err)
	}
	return nil
}

// leafUnsub handles LS-.
func (c *client) leafUnsub(subject, queue []byte) error {
	if c.tracing() {
		c.traceIn("LS-", subject, queue)
	}
	if !c.leaf.registered {
		return errLeafNotConnected
	}
	key := string(subject)
	if len(queue) > 0 {
		key += " " + string(queue)
	}
	c.mu.Lock()
	sub, ok := c.subs[key]
	if ok {
		delete(c.subs, key)
	}
	c.mu.Unlock()
	if ok {
		c.srv.removeSub(sub)
	}
	return nil
}

// insertLeafInterest adds sub to its account's index and, while leaf
// nodes are configured, tells the account's leaf connections, both under
// leafState.mu so that a connection's snapshot and the changes after it
// never disagree.
func (s *Server) insertLeafInterest(sub *subscription) error {
	sl := sub.acc.sl
	if !s.leafs.active.Load() {
		return sl.Insert(sub.subject, sub.queue, sub)
	}
	s.leafs.mu.Lock()
	err := sl.Insert(sub.subject, sub.queue, sub)
	if err == nil {
		s.leafInterestLocked(sub, true)
	}
	s.leafs.mu.Unlock()
	return err
}

// removeLeafInterest takes sub out of its account's index and tells the
// leaf connections. It reports whether sub was in the index.
func (s *Server) removeLeafInterest(sub *subscription) bool {
	sl := sub.acc.sl
	if !s.leafs.active.Load() {
		return sl.Remove(sub.subject, sub.queue, sub) == nil
	}
	s.leafs.mu.Lock()
	ok := sl.Remove(sub.subject, sub.queue, sub) == nil
	if ok {
		s.leafInterestLocked(sub, false)
	}
	s.leafs.mu.Unlock()
	return ok
}
