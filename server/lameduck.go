package server

import (
	"time"
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
	// Routes stay up until the final shutdown, so the clients still here
	// keep receiving the cluster's messages; the peers stop advertising
	// this server to their clients.
	s.routesEnterLameDuck()
	clients := s.snapshotClients()
	info := s.lameDuckInfo()
	for _, c := range clients {
		if c.flags.Load()&flagAsyncInfo != 0 {
			c.queueInfo(info)
		}
	}

	grace := s.getOpts().LameDuckGracePeriod
	duration := s.getOpts().LameDuckDuration
	if grace >= duration {
		grace = duration / 2
	}
	s.log.Noticef("Waiting %v before closing %d client connections over %v", grace, len(clients), duration-grace)
	if !s.sleepOrQuit(grace) {
		return
	}
	clients = s.snapshotClients()
	n := len(clients)
	if n > 0 {
		// Spread the closes evenly; close in batches when there are so many
		// clients that one per interval would need sub-millisecond sleeps.
		span := duration - grace
		batch := 1
		if per := span / time.Duration(n); per < time.Millisecond {
			batch = int(time.Millisecond*time.Duration(n)/span) + 1
		}
		interval := span / time.Duration((n+batch-1)/batch)
		for i, c := range clients {
			c.closeConnection(LameDuckMode, true)
			if (i+1)%batch == 0 && i+1 < n {
				if !s.sleepOrQuit(interval) {
					return
				}
			}
		}
	}
	s.Shutdown()
}

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

// lameDuckInfo is the asynchronous INFO telling clients to move on.
func (s *Server) lameDuckInfo() []byte {
	info := s.baseInfo()
	info.LameDuckMode = true
	return clientInfoLine(&info)
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
