package server

import (
	"cmp"
	"slices"

	"github.com/natsd/natsd/auth"
)

// Per-user connection limits (natsd only: nats-server limits connections
// per server and per account, never per user). A user's max_connections
// (auth.Limits.MaxConnections) counts the connections authenticated as
// that user (username or nkey), whatever their account; the connection
// past the limit is refused at CONNECT with the error a connection past
// the server's max_connections gets, and the user's other connections
// and everyone else carry on.

// countUser counts c against its user's max_connections, or refuses it.
// A later CONNECT naming another user moves the count. Called with
// Server.mu held, after the account was bound.
func (s *Server) countUser(c *client, id *auth.Identity) error {
	if c.userKey == id.Name {
		return nil
	}
	if id.Name != "" {
		if lim := id.Limits.MaxConnections; lim > 0 && s.userConns[id.Name] >= lim {
			s.log.Errorf("%s - User %q: maximum connections (%d) exceeded", c.logPrefix(), id.Name, lim)
			return &clientError{text: errMaxConnections, reason: MaxConnectionsExceeded}
		}
	}
	s.uncountUser(c)
	if id.Name != "" {
		if s.userConns == nil {
			s.userConns = make(map[string]int)
		}
		s.userConns[id.Name]++
		c.userKey = id.Name
	}
	return nil
}

// uncountUser drops c from its user's count. Called with Server.mu held.
func (s *Server) uncountUser(c *client) {
	if c.userKey == "" {
		return
	}
	if n := s.userConns[c.userKey] - 1; n > 0 {
		s.userConns[c.userKey] = n
	} else {
		delete(s.userConns, c.userKey)
	}
	c.userKey = ""
}

// enforceUserConnLimits closes, after a reload lowered a user's
// max_connections, that user's newest connections beyond it.
func (s *Server) enforceUserConnLimits() {
	byUser := make(map[string][]*client)
	limit := make(map[string]int)
	s.mu.Lock()
	for _, c := range s.clients {
		if c.userKey == "" {
			continue
		}
		id := c.identity.Load()
		if id == nil || id.Name != c.userKey {
			continue
		}
		if lim := id.Limits.MaxConnections; lim > 0 && s.userConns[c.userKey] > lim {
			byUser[c.userKey] = append(byUser[c.userKey], c)
			limit[c.userKey] = lim
		}
	}
	s.mu.Unlock()
	for user, cs := range byUser {
		slices.SortFunc(cs, func(x, y *client) int { return cmp.Compare(y.cid, x.cid) })
		for _, c := range cs[:max(len(cs)-limit[user], 0)] {
			s.log.Errorf("%s - User %q: maximum connections (%d) exceeded after reload: closing", c.logPrefix(), user, limit[user])
			c.sendErrAndClose(errMaxConnections, MaxConnectionsExceeded)
		}
	}
}
