package server

import (
	"sync"
	"time"

	"github.com/natsd/natsd/monitor"
)

// DefaultMaxClosedClients is how many closed connections /connz remembers,
// as in nats-server.
const DefaultMaxClosedClients = 10000

// closedConn is a closed connection as /connz lists it.
type closedConn struct {
	info    monitor.ConnInfo
	account string // for /connz?acc=
	subs    []monitor.SubDetail
}

// closedRing keeps the most recently closed connections, oldest first
// overwritten. The buffer is allocated on the first close.
type closedRing struct {
	mu    sync.Mutex
	buf   []*closedConn
	next  int
	count int
}

func (r *closedRing) add(cc *closedConn, max int) {
	if max <= 0 {
		return
	}
	r.mu.Lock()
	if r.buf == nil {
		r.buf = make([]*closedConn, max)
	}
	r.buf[r.next] = cc
	r.next = (r.next + 1) % len(r.buf)
	if r.count < len(r.buf) {
		r.count++
	}
	r.mu.Unlock()
}

// snapshot returns the kept connections, oldest first. The records are
// never modified after they are added, so sharing them is safe.
func (r *closedRing) snapshot() []*closedConn {
	r.mu.Lock()
	defer r.mu.Unlock()
	out := make([]*closedConn, 0, r.count)
	start := (r.next - r.count + len(r.buf)) % max(len(r.buf), 1)
	for i := 0; i < r.count; i++ {
		out = append(out, r.buf[(start+i)%len(r.buf)])
	}
	return out
}

// recordClosed remembers c for /connz?state=closed. It runs once, from
// closeConnection, after c is marked closed; subs are the subscriptions
// it had and outMsgs/outBytes its final counters.
func (s *Server) recordClosed(c *client, reason ClosedReason, subs []*subscription) {
	max := s.getOpts().MaxClosedClients
	if max <= 0 {
		return
	}
	now := time.Now()
	ci := c.connInfo()
	ci.Stop = &now
	ci.Reason = reason.String()
	ci.NameTag = "" // nats-server shows no account tag once closed
	cc := &closedConn{info: *ci, account: c.acc.Load().name}
	if len(subs) > 0 {
		c.mu.Lock()
		cc.subs = make([]monitor.SubDetail, 0, len(subs))
		for _, sub := range subs {
			cc.subs = append(cc.subs, sub.detailLocked())
		}
		c.mu.Unlock()
		sortSubDetails(cc.subs)
	}
	cc.info.NumSubs = uint32(len(subs))
	s.mon.closed.add(cc, max)
}
