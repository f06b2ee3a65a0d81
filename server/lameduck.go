package server

import (
	"math/rand/v2"
	"time"

	"github.com/natsd/natsd/logger"
)

// LameDuckShutdown puts the server in lame-duck mode and then shuts it
// down: it stops accepting, tells connected clients (with an INFO carrying
// "ldm": true) so that they can move elsewhere, waits the grace period, then
// closes the clients gradually over LameDuckDuration so that they do not all
// reconnect to the rest of the cluster at once. It returns when the server
// is shut down.
func (s *Server) LameDuckShutdown() {
	s.mu.Lock()
	if s.shutdown || s.lameDuck {
		s.mu.Unlock()
		return
	}
	s.lameDuck = true
	l := s.listener
	if l != nil {
		s.lastListenAddr = l.Addr()
	}
	s.listener = nil
	s.mu.Unlock()

	s.log.Noticef("Entering lame duck mode, stop accepting new clients")
	if l != nil {
		l.Close()
	}
	s.stopWebsocket()
	// Routes stay up until the final shutdown, so the clients still here
	// keep receiving the cluster's messages; the peers stop advertising
	// this server to their clients.
	s.routesEnterLameDuck()
	clients := s.snapshotClients()
	info := s.baseInfo() // without this server's URL from now on
	info.LameDuckMode = true
	for _, c := range clients {
		if c.flags.Load()&flagAsyncInfo != 0 {
			c.queueInfo(c.asyncInfoLine(info))
		}
	}

	grace := s.getOpts().LameDuckGracePeriod
	duration := s.getOpts().LameDuckDuration
	if grace >= duration {
		grace = duration / 2
	}
	logger.Notice(s.log, logger.Record{Msg: "Lame duck grace period", Text: "Waiting %v before closing %d client connections over %v",
		Fields: []logger.Field{logger.F("grace", grace), logger.F("clients", len(clients)), logger.F("close_over", duration-grace)}})
	if !s.sleepOrQuit(grace) {
		return
	}
	clients = s.snapshotClients()
	n := len(clients)
	if n > 0 {
		batch, interval := lameDuckPace(n, duration-grace)
		for i, c := range clients {
			c.closeConnection(LameDuckMode, true)
			if (i+1)%batch == 0 && i+1 < n {
				// A random wait between half the interval and the whole
				// one, as nats-server does, so that the reconnects the
				// closes cause do not come in lockstep.
				if !s.sleepOrQuit(interval/2 + rand.N(interval/2+1)) {
					return
				}
			}
		}
	}
	s.Shutdown()
}

// lameDuckPace spreads n closes over span: close batch clients, wait
// interval, and so on, with no wait after the last batch. One client at a
// time, evenly, but never more than lameDuckMaxInterval apart, so that a
// handful of clients is drained in seconds rather than over the whole
// span (as with nats-server); in batches when one close per
// lameDuckMinInterval does not fit, so that the drain always ends within
// span.
func lameDuckPace(n int, span time.Duration) (batch int, interval time.Duration) {
	if n <= 0 {
		return 1, 0
	}
	span = max(span, lameDuckMinInterval)
	batch = 1
	if span/time.Duration(n) < lameDuckMinInterval {
		// Fewest batches of equal size whose waits fit in span.
		slots := int(span / lameDuckMinInterval)
		batch = (n + slots - 1) / slots
	}
	interval = min(span/time.Duration((n+batch-1)/batch), lameDuckMaxInterval)
	return batch, interval
}

// Bounds of the wait between two lame-duck closes: waiting longer than a
// second only keeps clients on a server that is going away; waiting less
// than a millisecond is not worth a timer.
const (
	lameDuckMaxInterval = time.Second
	lameDuckMinInterval = time.Millisecond
)

// sleepOrQuit waits d; it reports false if the server shut down meanwhile.
func (s *Server) sleepOrQuit(d time.Duration) bool {
	t := time.NewTimer(d)
	defer t.Stop()
	select {
	case <-t.C:
		return true
	case <-s.quit:
		return false
	}
}

// InLameDuckMode reports whether lame-duck mode has started.
func (s *Server) InLameDuckMode() bool {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.lameDuck
}

func (s *Server) snapshotClients() []*client {
	s.mu.Lock()
	defer s.mu.Unlock()
	out := make([]*client, 0, len(s.clients))
	for _, c := range s.clients {
		out = append(out, c)
	}
	return out
}

// queueInfo sends an asynchronous INFO line.
func (c *client) queueInfo(line []byte) {
	c.mu.Lock()
	if c.closed {
		c.mu.Unlock()
		return
	}
	c.out.Append(line)
	c.mu.Unlock()
	c.signalFlush()
}
