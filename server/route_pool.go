package server

import (
	"net"
	"net/url"
	"strconv"
	"strings"
	"time"

	"github.com/natsd/natsd/logger"
)

// Route pools and registration. Between two servers there are pool_size
// connections (index 0, the primary one, carries gossip and client URLs)
// and one per pinned account. Each connection has a slot; a server keeps
// one registered connection per slot, and when two compete (both servers
// dialed at once) the one already registered stays, as in nats-server,
// unless both ends are natsd, which pick the same one by token so that
// neither closes both.

// routeSlot is a connection's place among the routes to a server.
type routeSlot struct {
	id  string
	idx int    // pool index; -1 when pinned
	acc string // the pinned account
}

func (r *route) slot(id string) routeSlot {
	return routeSlot{id: id, idx: r.poolIdx, acc: r.pinned}
}

func (r *route) primary() bool { return r.pinned == "" && r.poolIdx == 0 }

// poolConns is how many pool connections two servers use: the smaller of
// their pool sizes (a peer that does not pool has one).
func poolConns(mine, theirs int) int {
	return max(min(max(mine, 1), max(theirs, 1)), 1)
}

// fnv32a is the 32-bit FNV-1a hash: an account's traffic uses the pool
// connection of index fnv32a(account) % pool size, as in nats-server.
func fnv32a(s string) uint32 {
	h := uint32(2166136261)
	for i := 0; i < len(s); i++ {
		h ^= uint32(s[i])
		h *= 16777619
	}
	return h
}

// carries reports whether route r carries account acc (whose FNV-1a hash
// is h): its pinned route when there is one, else the pool connection the
// hash picks. pinned tells whether this server pins acc.
func (r *route) carries(acc string, h uint32, pinned bool) bool {
	if r.pinned != "" {
		return r.pinned == acc
	}
	if pinned && r.peerPools {
		return false
	}
	return r.poolSize <= 1 || int(h%uint32(r.poolSize)) == r.poolIdx
}

// pinnedAccount reports whether this server pins acc to a route of its own.
func (s *Server) pinnedAccount(acc string) bool {
	return s.cluster.pinned[acc]
}

// routeKey identifies a route connection for duplicate resolution between
// natsd servers: the server that solicited it and the random token it chose.
type routeKey struct {
	solicitor string
	token     uint64
}

func (c *client) routeKeyLocked(self string) routeKey {
	if c.route.solicited {
		return routeKey{self, c.route.token}
	}
	return routeKey{c.route.remoteID, c.route.token}
}

// keepExisting decides between two natsd routes for the same slot: the one
// solicited by the server with the smaller id stays, and between two
// solicited by the same server, the one with the smaller token. Both
// servers see the same two keys, so they keep the same connection, and
// the loser's solicitor waits for the winner to go instead of redialing.
func keepExisting(existing, incoming routeKey) bool {
	if existing.solicitor != incoming.solicitor {
		return existing.solicitor < incoming.solicitor
	}
	return existing.token <= incoming.token
}

// isNatsdVersion tells a natsd peer by the version in its INFO (natsd's
// carries "natsd", after the nats-server version it follows).
func isNatsdVersion(v string) bool { return strings.Contains(v, "natsd") }

// registerRoute makes c the route of its slot, resolving duplicates.
func (s *Server) registerRoute(c *client, info *routeInfoMsg) error {
	c.mu.Lock()
	id := c.route.remoteID
	key := c.routeKeyLocked(s.id)
	slot := c.route.slot(id)
	c.mu.Unlock()
	primary := c.route.primary()

	s.mu.Lock()
	if s.shutdown {
		s.mu.Unlock()
		return &clientError{reason: ServerShutdown}
	}
	// A route closed meanwhile (registration timer, writer error, slow
	// consumer) has been through routeClosed already: registering it now
	// would leave a dead route in the maps for good. Checked under s.mu,
	// which routeClosed takes after closed is set.
	c.mu.Lock()
	closed := c.closed
	c.mu.Unlock()
	if closed {
		s.mu.Unlock()
		return &clientError{reason: WriteError}
	}
	var loser *client
	natsdPeer := c.route.natsdPeer || isNatsdVersion(info.Version)
	if ex := s.cluster.conns[slot]; ex != nil && ex != c {
		ex.mu.Lock()
		exKey := ex.routeKeyLocked(s.id)
		natsdPeer = natsdPeer || ex.route.natsdPeer
		ex.mu.Unlock()
		if !natsdPeer || keepExisting(exKey, key) {
			s.mu.Unlock()
			s.log.Debugf("%s - Duplicate route to %q, keeping rid:%d", c.logPrefix(), id, ex.cid)
			if !natsdPeer {
				// nats-server closes a duplicate without a word.
				return &clientError{reason: DuplicateRoute}
			}
			return &clientError{text: errDuplicateRoute, reason: DuplicateRoute}
		}
		loser = ex
	}
	c.route.natsdPeer = natsdPeer
	s.cluster.conns[slot] = c
	c.route.registered = true
	var others []*client
	if primary {
		s.cluster.remotes[id] = c
		c.route.connectURLs, c.route.wsURLs = info.ConnectURLs, info.WSURLs
		c.route.leafURLs = info.LeafNodeURLs
		c.route.ldm = info.LameDuckMode
		others = make([]*client, 0, len(s.cluster.remotes))
		for _, r := range s.cluster.remotes {
			if r != c {
				others = append(others, r)
			}
		}
	}
	s.mu.Unlock()

	c.mu.Lock()
	c.route.everRegistered = true
	if c.authTimer != nil {
		c.authTimer.Stop()
	}
	remoteURL := c.route.remoteURL
	c.mu.Unlock()
	if loser != nil {
		s.log.Debugf("%s - Duplicate route to %q, replacing rid:%d", c.logPrefix(), id, loser.cid)
		loser.sendErr(errDuplicateRoute)
		loser.closeConnection(DuplicateRoute, true)
	}
	c.parser.SetLimits(routeMaxControlLine, routeMaxPayload)
	if !primary {
		s.log.Debugf("%s - Registering remote route %q (pool index %d, account %q)", c.logPrefix(), id, c.route.poolIdx, c.route.pinned)
		s.startInterestSync(c)
		return nil
	}
	s.mu.Lock()
	announce := !s.cluster.announced[id]
	s.cluster.announced[id] = true
	s.mu.Unlock()
	if announce {
		logger.Notice(s.log, logger.Record{Conn: c.logPrefix(), Msg: "Route connection created", Text: "Route connection created to %q (%s)",
			Fields: []logger.Field{logger.F("route_name", info.Name), logger.F("route_id", id)}})
	} else {
		s.log.Debugf("%s - Route connection to %q (%s) replaces a duplicate", c.logPrefix(), info.Name, id)
	}

	// Gossip: the other peers hear of the new one and connect to it.
	if remoteURL != "" && len(others) > 0 {
		line := marshalInfo(gossipInfo(info, remoteURL))
		for _, r := range others {
			r.queueRoute(line)
		}
	}
	s.startInterestSync(c)
	s.updateConnectURLs()
	if !natsdPeer {
		s.cluster.ldmWatch.Do(s.watchPeerLameDuck)
	}
	if c.route.solicited {
		s.solicitPool(c, info.PoolSize)
	} else if info.PoolSize > 0 && s.getOpts().Cluster.poolSize() > 0 {
		s.goroutine(func() { s.completePinned(c) })
	}
	return nil
}

// pinnedFillDelay is how long the accepting side of a pool leaves the
// soliciting side to dial the pinned routes before dialing them itself.
var pinnedFillDelay = time.Second

// completePinned dials, for a pool the peer solicited, the pinned routes
// it has not dialed after pinnedFillDelay: nats-server does not always
// dial them for routes it learned through gossip.
func (s *Server) completePinned(primary *client) {
	if !s.waitOrPrimaryGone(primary, pinnedFillDelay) {
		return
	}
	primary.mu.Lock()
	id := primary.route.remoteID
	primary.mu.Unlock()
	for _, acc := range s.cluster.pinnedList {
		s.mu.Lock()
		missing := s.cluster.conns[routeSlot{id: id, idx: -1, acc: acc}] == nil && s.cluster.remotes[id] == primary
		s.mu.Unlock()
		if missing {
			s.log.Debugf("%s - Dialing the pinned route for account %q", primary.logPrefix(), acc)
			s.goroutine(func() { s.solicitSlot(primary, -1, acc) })
		}
	}
}

// gossipInfo is the INFO forwarded to the other peers about a new one.
func gossipInfo(info *routeInfoMsg, remoteURL string) *routeInfoMsg {
	g := *info
	g.IP = "nats-route://" + hostPortOf(remoteURL) + "/"
	g.GossipMode = gossipModeForwarded
	g.PoolIdx, g.RouteAccount = 0, ""
	return &g
}

func hostPortOf(u string) string {
	if p, err := url.Parse(u); err == nil && p.Host != "" {
		return p.Host
	}
	return u
}

// routeUpdateLine is an INFO telling peers about our state (lame duck).
func (s *Server) routeUpdateLine(ldm bool) []byte {
	info := s.ownRouteInfo(ldm)
	return marshalInfo(&info)
}

// routeUpdate applies an INFO a registered route's server sends about
// itself (client URLs, lame duck mode).
func (s *Server) routeUpdate(c *client, info *routeInfoMsg) {
	s.mu.Lock()
	p := s.cluster.remotes[info.ID]
	if p == nil {
		s.mu.Unlock()
		return
	}
	changed := p.route.ldm != info.LameDuckMode || !equalStrings(p.route.connectURLs, info.ConnectURLs) ||
		!equalStrings(p.route.wsURLs, info.WSURLs) || !equalStrings(p.route.leafURLs, info.LeafNodeURLs)
	p.route.ldm = info.LameDuckMode
	p.route.connectURLs, p.route.wsURLs = info.ConnectURLs, info.WSURLs
	p.route.leafURLs = info.LeafNodeURLs
	s.mu.Unlock()
	if info.LameDuckMode && changed {
		logger.Notice(s.log, logger.Record{Conn: c.logPrefix(), Msg: "Route entered lame duck mode", Text: "Route %q entered lame duck mode",
			Fields: []logger.Field{logger.F("route_name", info.Name)}})
	}
	if changed {
		s.updateConnectURLs()
	}
}

func equalStrings(a, b []string) bool {
	if len(a) != len(b) {
		return false
	}
	for i := range a {
		if a[i] != b[i] {
			return false
		}
	}
	return true
}

// gossipReceived connects to a server a peer told us about, unless we
// have (or are making) a route to it.
func (s *Server) gossipReceived(info *routeInfoMsg) {
	if info.ID == "" || info.ID == s.id {
		return
	}
	if my := s.getOpts().Cluster.Name; my != "" && info.Cluster != "" && info.Cluster != my {
		return
	}
	raw := info.IP
	if raw == "" && info.Port > 0 {
		raw = net.JoinHostPort(info.Host, strconv.Itoa(info.Port))
	}
	if raw == "" {
		return
	}
	u, err := ParseRouteURL(raw)
	if err != nil {
		return
	}
	u.Path = ""
	s.mu.Lock()
	known := s.shutdown || s.cluster.remotes[info.ID] != nil || s.cluster.implicit[info.ID]
	for _, sol := range s.cluster.configured {
		if sol.host == u.Host {
			known = true // a configured route dials it already
		}
	}
	if !known {
		s.cluster.implicit[info.ID] = true
	}
	s.mu.Unlock()
	if known {
		return
	}
	s.log.Debugf("Connecting to implicit route %s (%s)", u.Redacted(), info.ID)
	id := info.ID
	s.goroutine(func() {
		defer func() {
			s.mu.Lock()
			delete(s.cluster.implicit, id)
			s.mu.Unlock()
		}()
		s.solicit(s.cluster.ctx, &solicitation{url: u, expectID: id})
	})
}

// solicitPool dials the other connections of the pool to the server a
// solicited primary route reaches: pool indexes 1 and up, and the pinned
// accounts when the peer pools too. Each is kept up while the primary is.
func (s *Server) solicitPool(primary *client, peerPoolSize int) {
	o := s.getOpts()
	if o.Cluster.poolSize() <= 0 {
		return
	}
	n := poolConns(o.Cluster.poolSize(), peerPoolSize)
	for i := 1; i < n; i++ {
		s.goroutine(func() { s.solicitSlot(primary, i, "") })
	}
	if peerPoolSize <= 0 {
		return
	}
	for _, acc := range s.cluster.pinnedList {
		s.goroutine(func() { s.solicitSlot(primary, -1, acc) })
	}
}

// solicitSlot keeps one extra pool connection up while primary is: it
// dials when the slot is free, and waits while a connection (ours or the
// peer's) fills it.
func (s *Server) solicitSlot(primary *client, idx int, acc string) {
	primary.mu.Lock()
	id, u, configured, remoteURL := primary.route.remoteID, primary.route.url, primary.route.configured, primary.route.remoteURL
	primary.mu.Unlock()
	if u == nil {
		// The peer dialed the primary: dial the URL it advertises.
		var err error
		if u, err = ParseRouteURL(remoteURL); err != nil {
			return
		}
	}
	slot := routeSlot{id: id, idx: idx, acc: acc}
	dialer := net.Dialer{Timeout: routeDialTimeout}
	failures := 0
	for {
		s.mu.Lock()
		cur := s.cluster.conns[slot]
		gone := s.cluster.remotes[id] != primary || s.shutdown
		s.mu.Unlock()
		if gone {
			return
		}
		if cur != nil {
			select {
			case <-cur.route.done:
			case <-primary.route.done:
				return
			}
			continue
		}
		conn, err := s.dialRoute(s.cluster.ctx, &dialer, &solicitation{url: u})
		if err != nil {
			failures++
			s.log.Debugf("Error connecting pool route %d %q to %s: %v", idx, acc, u.Redacted(), err)
			if !s.waitOrPrimaryGone(primary, routeBackoff(failures)) {
				return
			}
			continue
		}
		c := s.createRoute(conn, &solicitation{url: u, configured: configured, expectID: id, poolIdx: idx, account: acc})
		if c == nil {
			return
		}
		select {
		case <-c.route.done:
		case <-primary.route.done:
			c.closeConnection(ClientClosed, true)
			return
		}
		c.mu.Lock()
		registered := c.route.everRegistered
		c.mu.Unlock()
		if registered {
			failures = 0
		} else {
			failures++
		}
		if !s.waitOrPrimaryGone(primary, routeBackoff(max(failures, 1))) {
			return
		}
	}
}

// waitOrPrimaryGone waits d; false if the primary route closed first or
// the server is shutting down.
func (s *Server) waitOrPrimaryGone(primary *client, d time.Duration) bool {
	t := time.NewTimer(d)
	defer t.Stop()
	select {
	case <-t.C:
		return true
	case <-primary.route.done:
		return false
	case <-s.cluster.ctx.Done():
		return false
	}
}

// routeClosed undoes a route's registration once it is closed.
func (s *Server) routeClosed(c *client, reason ClosedReason) {
	s.mu.Lock()
	delete(s.cluster.routes, c.cid)
	c.mu.Lock()
	id, name := c.route.remoteID, c.route.remoteName
	slot := c.route.slot(id)
	c.mu.Unlock()
	if id != "" && s.cluster.conns[slot] == c {
		delete(s.cluster.conns, slot)
	}
	registered := id != "" && s.cluster.remotes[id] == c
	if registered {
		delete(s.cluster.remotes, id)
	}
	// A route that lost to a duplicate is not news: the one that won (or
	// is about to) takes over. Otherwise the server is gone.
	dup := reason == DuplicateRoute
	announced := registered && !dup && s.cluster.announced[id]
	if registered && !dup {
		delete(s.cluster.announced, id)
	}
	s.mu.Unlock()
	s.dropTarget(c)
	close(c.route.done)
	switch reason {
	case SlowConsumerPendingBytes, SlowConsumerWriteDeadline:
		s.cluster.slowRoutes.Add(1)
	case StaleConnection:
		s.cluster.staleRoutes.Add(1)
	}
	if announced {
		logger.Notice(s.log, logger.Record{Conn: c.logPrefix(), Msg: "Route connection closed", Text: "Route connection to %q closed: %s",
			Fields: []logger.Field{logger.F("route_name", name), logger.F("reason", reason)}})
	} else {
		s.log.Debugf("%s - Route connection closed: %s", c.logPrefix(), reason)
	}
	if registered && !dup {
		s.updateConnectURLs()
	}
}
