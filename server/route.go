package server

import (
	"encoding/json"
	"errors"
	"math/rand/v2"
	"net"
	"net/url"
	"runtime"
	"strconv"
	"strings"
	"time"

	"github.com/natsd/natsd/auth"
	"github.com/natsd/natsd/logger"
	"github.com/natsd/natsd/parser"
)

// Routes connect servers (natsd, and nats-server 2.10+) into a full
// mesh. A route is a *client of kind kindRoute: it shares the reader, the writer and the subject index
// with client connections. Its subscriptions are the remote server's
// interest; a message received from a route is delivered to local clients
// only, so messages cross at most one route.
//
// The route protocol is nats-server v2's (learned from its traces, see
// the README's "Migrating from nats-server"), so natsd and nats-server
// nodes form one cluster:
//
//	INFO {"server_id","server_name","version","proto","host","port","headers","max_payload",
//	      "cluster","connect_urls","compression","route_pool_size","route_pool_idx","route_account",
//	      "ldm","ip","gossip_mode"}
//	CONNECT {"echo","verbose","pedantic","tls_required","headers","name":<server id>,"cluster",
//	         "user","pass","natsd_token"}
//	PING, PONG, -ERR
//	RS+ <account> <subject> [<queue> <weight>]   interest (weight = local queue members)
//	RS- <account> <subject> [<queue>]            no more interest
//	RMSG <account> <subject> [<reply>] <size>
//	RMSG <account> <subject> + <reply> <queue>... <size>   queue groups the receiver serves
//	RMSG <account> <subject> | <queue>... <size>           the same without a reply
//	HMSG <account> <subject> ... <hdr_size> <total_size>   any of the above, with headers
//
// The accepting side sends its INFO at once. The soliciting side sends
// CONNECT at once and, when the peer's INFO arrives, its own INFO naming
// the connection's place in the pool (route_pool_idx, or route_account for
// a route pinned to one account, whose ops then carry no account), and
// registers the route; the accepting side checks CONNECT (route
// authorization) and registers the route at the INFO that follows. Each
// side then sends its local interest for the accounts the connection
// carries (route_pool.go).
//
// Between two servers there is a pool of connections: pool_size of them
// (index 0 is the primary one, which carries gossip and client URLs) plus
// one per pinned account (the system account and cluster.accounts). An
// account's interest and messages travel on the connection of index
// fnv1a(account) % pool size, as in nats-server, so that they keep their
// order.
//
// Gossip: when a server registers the primary route to a new peer, it
// sends the other peers an INFO describing it ("ip" is its route URL,
// gossip_mode 1), and they connect to it.

// Connection kinds.
const (
	kindClient uint8 = iota
	kindRoute
)

// Route limits. A route carries whatever a peer's clients publish and
// whole interest lists, so its limits are above the client ones; they are
// raised once the route is registered.
const (
	routeMaxControlLine = 1 << 20
	routeMaxPayload     = 64 << 20
	// DefaultRouteMaxPending is a route's outbound budget: a route carries
	// the traffic of many clients and must ride out a peer's pause (a GC,
	// a burst) rather than be cut off like one slow client.
	DefaultRouteMaxPending = 256 << 20
	// routeWriteDeadlineFactor stretches the write deadline for routes;
	// a write that makes progress is never a stall.
	routeWriteDeadlineFactor = 3
)

// errDuplicateRoute tells the peer that the connection lost to another
// route between the same two servers.
const errDuplicateRoute = "Duplicate Route"

// route is what a route connection adds to a client.
type route struct {
	// Fixed at creation.
	solicited  bool
	configured bool
	url        *url.URL // the URL dialed, when solicited
	done       chan struct{}
	drained    chan struct{} // the writer flushed (capacity 1)
	peerGone   chan struct{} // the reader saw the connection end

	// Reader-owned.
	connectSeen bool
	registered  bool

	// Where the connection sits in the pool to its server: set at creation
	// when solicited, from the peer's INFO when accepted, and fixed once
	// registered (read without locks from then on).
	poolIdx   int    // pool index; -1 on a pinned route
	pinned    string // the account of a pinned route, "" when pooled
	poolSize  int    // accounts are spread over this many pool connections
	peerPools bool   // the peer pools its routes (it pins accounts too)
	natsdPeer bool   // the peer is natsd: duplicates are resolved by token

	// Guarded by client.mu: who is on the other side.
	token          uint64 // identifies this connection for duplicate resolution
	remoteID       string
	remoteName     string
	remoteCluster  string
	remoteURL      string // the peer's advertised route URL
	self           bool   // the peer is this server
	everRegistered bool

	// Guarded by Server.mu.
	connectURLs []string // the peer's client URLs
	wsURLs      []string // the peer's WebSocket URLs
	leafURLs    []string // the peer's leaf node URLs (leafnode_urls.go)
	ldm         bool     // the peer is in lame-duck mode

	// Guarded by cluster.imu.
	syncing   bool
	syncQueue []byte

	// Reader-owned: the account of the last route op (routeAccount), and
	// the pinned account's name.
	lastAcc    *Account
	pinnedName []byte

	// Compression (route_compress.go; the state is client.z). zAnswer is
	// the negotiated mode our INFOs name once known, zAwait that our
	// compressed output waits for the peer's compressed INFO
	// (reader-owned).
	zAnswer string
	zAwait  bool
}

// routeInfoMsg is the route INFO, with nats-server's fields in its order.
type routeInfoMsg struct {
	ID           string   `json:"server_id"`
	Name         string   `json:"server_name"`
	Version      string   `json:"version"`
	Proto        int      `json:"proto"`
	Go           string   `json:"go"`
	Host         string   `json:"host"`
	Port         int      `json:"port"`
	Headers      bool     `json:"headers"`
	AuthRequired bool     `json:"auth_required,omitempty"`
	TLSRequired  bool     `json:"tls_required,omitempty"`
	TLSVerify    bool     `json:"tls_verify,omitempty"`
	MaxPayload   int32    `json:"max_payload"`
	IP           string   `json:"ip,omitempty"` // gossip: the route URL of the server described
	Cluster      string   `json:"cluster,omitempty"`
	ConnectURLs  []string `json:"connect_urls,omitempty"`
	WSURLs       []string `json:"ws_connect_urls,omitempty"` // the server's WebSocket URLs
	Compression  string   `json:"compression,omitempty"`
	LameDuckMode bool     `json:"ldm,omitempty"`
	PoolSize     int      `json:"route_pool_size,omitempty"`
	PoolIdx      int      `json:"route_pool_idx,omitempty"`
	RouteAccount string   `json:"route_account,omitempty"`
	GossipMode   int      `json:"gossip_mode,omitempty"`
	LeafNodeURLs []string `json:"leafnode_urls,omitempty"` // the server's leaf URL (leafnode_urls.go)
}

// gossipModeForwarded marks an INFO a server forwards about another one.
const gossipModeForwarded = 1

// routeConnectMsg is the route CONNECT: nats-server's (name is the server
// id), plus natsd's token for duplicate resolution, which nats-server
// ignores.
type routeConnectMsg struct {
	Echo        bool   `json:"echo"`
	Verbose     bool   `json:"verbose"`
	Pedantic    bool   `json:"pedantic"`
	TLSRequired bool   `json:"tls_required"`
	Headers     bool   `json:"headers"`
	Name        string `json:"name"`
	Cluster     string `json:"cluster,omitempty"`
	User        string `json:"user,omitempty"`
	Pass        string `json:"pass,omitempty"`
	Token       uint64 `json:"natsd_token,omitempty"`
}

// createRoute starts a route connection: accepted when sol is nil, else
// solicited through sol. It returns nil if the server is shutting down.
func (s *Server) createRoute(conn net.Conn, sol *solicitation) *client {
	o := s.getOpts()
	c := &client{
		srv:        s,
		cid:        s.nextCID.Add(1),
		kind:       kindRoute,
		conn:       conn,
		start:      time.Now(),
		maxPending: max(DefaultRouteMaxPending, o.MaxPending),
		parser:     parser.New(routeMaxControlLine, int(o.MaxPayload)),
		flushCh:    make(chan struct{}, 1),
		subs:       make(map[string]*subscription),
		route:      &route{done: make(chan struct{}), drained: make(chan struct{}, 1), peerGone: make(chan struct{})},
	}
	c.parser.SetRouteMode(true)
	c.host, c.port = splitHostPort(conn.RemoteAddr())
	c.lastActivity = c.start
	c.connected = true
	if sol != nil {
		c.route.solicited = true
		c.route.configured = sol.configured
		c.route.url = sol.url
		c.route.token = rand.Uint64()>>1 | 1
		c.route.poolIdx, c.route.pinned = sol.poolIdx, sol.account
	}
	c.zNegotiating = o.Cluster.compressionMode() != compressionOff
	c.setLogPrefix()

	s.mu.Lock()
	if s.shutdown {
		s.mu.Unlock()
		conn.Close()
		return nil
	}
	s.cluster.routes[c.cid] = c
	s.mu.Unlock()
	if sol != nil {
		s.log.Debugf("%s - Route connect msg sent", c.logPrefix())
	} else {
		s.log.Debugf("%s - Route connection created", c.logPrefix())
	}

	c.mu.Lock()
	if sol != nil {
		c.out.Append(s.routeConnectLine(sol.url, c.route.token))
	} else {
		c.out.Append(s.routeInfoLine(c, true))
	}
	// Both sides must have registered the route within the auth timeout.
	c.authTimer = time.AfterFunc(o.Cluster.AuthTimeout, c.routeRegisterTimeout)
	c.pingTimer = time.AfterFunc(min(firstPingInterval, o.PingInterval), c.sendPing)
	c.mu.Unlock()

	c.signalFlush() // starts the writer
	s.goroutine(c.readLoop)
	return c
}

// routeConnectLine is the CONNECT of a solicited route. The URL's
// credentials win over the cluster authorization's.
func (s *Server) routeConnectLine(u *url.URL, token uint64) []byte {
	o := s.getOpts()
	m := routeConnectMsg{Echo: true, TLSRequired: o.Cluster.TLSConfig != nil, Headers: true,
		Name: s.id, Cluster: o.Cluster.Name, Token: token, User: o.Cluster.Username, Pass: o.Cluster.Password}
	if u != nil && u.User != nil {
		m.User = u.User.Username()
		m.Pass, _ = u.User.Password()
	}
	b, _ := json.Marshal(&m)
	return append(append([]byte("CONNECT "), b...), "\r\n"...)
}

// routeInfoLine is this server's route INFO on r: the first one, sent at
// once on an accepted route and in answer to the peer's on a solicited one
// (naming the connection's place in the pool). r may be nil.
func (s *Server) routeInfoLine(r *client, withIdx bool) []byte {
	s.mu.Lock()
	ldm := s.lameDuck
	s.mu.Unlock()
	info := s.ownRouteInfo(ldm)
	if r != nil && r.route.solicited {
		info.RouteAccount = r.route.pinned
		if withIdx {
			info.PoolIdx = max(r.route.poolIdx, 0)
		}
	}
	if r != nil && r.route.zAnswer != "" {
		info.Compression = r.route.zAnswer
	}
	return marshalInfo(&info)
}

// ownRouteInfo is this server's route INFO, without pool placement.
func (s *Server) ownRouteInfo(ldm bool) routeInfoMsg {
	o := s.getOpts()
	info := routeInfoMsg{
		ID:           s.id,
		Name:         s.name,
		Version:      Version,
		Proto:        3,
		Go:           runtime.Version(),
		Headers:      true,
		Cluster:      o.Cluster.Name,
		AuthRequired: o.Cluster.Username != "",
		TLSRequired:  o.Cluster.TLSConfig != nil,
		TLSVerify:    o.Cluster.TLSConfig != nil && o.Cluster.TLSVerify,
		MaxPayload:   o.MaxPayload,
		Compression:  o.Cluster.compressionMode(),
		LameDuckMode: ldm,
		PoolSize:     o.Cluster.poolSize(),
	}
	if u, err := url.Parse(s.routeURL()); err == nil {
		info.Host = u.Hostname()
		info.Port, _ = strconv.Atoi(u.Port())
	}
	if !o.Cluster.NoAdvertise && !ldm {
		info.ConnectURLs = s.ownClientURLs()
		info.WSURLs = s.ownWSURLs()
	}
	if !ldm {
		info.LeafNodeURLs = s.ownLeafURLs()
	}
	return info
}

func marshalInfo(info *routeInfoMsg) []byte {
	b, _ := json.Marshal(info)
	return append(append([]byte("INFO "), b...), "\r\n"...)
}

// queueRoute appends protocol to a route's output and wakes its writer.
func (r *client) queueRoute(line []byte) {
	r.mu.Lock()
	if r.closed {
		r.mu.Unlock()
		return
	}
	r.out.Append(line)
	r.mu.Unlock()
	r.signalFlush()
}

// routeRegisterTimeout closes a route that did not complete the handshake.
func (c *client) routeRegisterTimeout() {
	c.mu.Lock()
	done := c.closed
	c.mu.Unlock()
	if done {
		return
	}
	c.srv.log.Errorf("%s - Route registration timeout", c.logPrefix())
	c.closeConnection(AuthenticationTimeout, false)
}

// routeConnect handles the CONNECT of an accepted route: it authorizes the
// peer (our INFO went out at accept).
func (c *client) routeConnect(arg []byte) error {
	s := c.srv
	if c.route.solicited || c.route.connectSeen {
		s.log.Errorf("%s - Unexpected route CONNECT", c.logPrefix())
		return &clientError{reason: ProtocolViolation}
	}
	var m routeConnectMsg
	if err := json.Unmarshal(arg, &m); err != nil {
		s.log.Errorf("%s - Invalid route CONNECT: %v", c.logPrefix(), err)
		return &clientError{reason: ProtocolViolation}
	}
	if _, err := s.cluster.routeAuth.Load().Check(&auth.Credentials{User: m.User, Pass: m.Pass}, nil); err != nil {
		s.log.Errorf("%s - Route authorization failed: %v", c.logPrefix(), err)
		return &clientError{text: errAuthorization, reason: AuthenticationViolation}
	}
	if my := s.getOpts().Cluster.Name; my != "" && m.Cluster != "" && m.Cluster != my {
		logger.Error(s.log, logger.Record{Conn: c.logPrefix(), Msg: "Rejecting route from another cluster", Text: "Rejecting route from cluster %q (this is %q)",
			Fields: []logger.Field{logger.F("route_cluster", m.Cluster), logger.F("cluster", my)}})
		return &clientError{text: "Cluster Name Mismatch", reason: ProtocolViolation}
	}
	if m.Name == "" {
		s.log.Errorf("%s - Route CONNECT without a server id", c.logPrefix())
		return &clientError{reason: ProtocolViolation}
	}
	c.route.connectSeen = true
	c.mu.Lock()
	c.route.remoteID, c.route.token = m.Name, m.Token
	c.route.natsdPeer = m.Token != 0
	c.mu.Unlock()
	if m.Name == s.id {
		// Our own route URL: our INFO, sent at accept, told the
		// soliciting side (ourselves) to stop.
		s.log.Debugf("%s - Route to self, closing", c.logPrefix())
		return &clientError{reason: DuplicateRoute}
	}
	return nil
}

// routeInfo handles a route INFO: the first one registers the route, the
// later ones carry gossip and client URL updates.
func (c *client) routeInfo(arg []byte) error {
	s := c.srv
	var info routeInfoMsg
	if err := json.Unmarshal(arg, &info); err != nil {
		s.log.Errorf("%s - Invalid route INFO: %v", c.logPrefix(), err)
		return &clientError{reason: ProtocolViolation}
	}
	if c.route.registered {
		c.mu.Lock()
		remote := c.route.remoteID
		c.mu.Unlock()
		if info.ID != remote {
			s.gossipReceived(&info)
			return nil
		}
		s.routeUpdate(c, &info)
		return nil
	}
	if !c.route.solicited && !c.route.connectSeen {
		s.log.Errorf("%s - Route INFO before CONNECT", c.logPrefix())
		return &clientError{text: errAuthorization, reason: AuthenticationViolation}
	}
	if info.ID == "" {
		return &clientError{reason: ProtocolViolation}
	}
	c.mu.Lock()
	if !c.route.solicited && c.route.remoteID != info.ID {
		c.mu.Unlock()
		s.log.Errorf("%s - Route INFO names another server than its CONNECT", c.logPrefix())
		return &clientError{reason: ProtocolViolation}
	}
	c.route.remoteID, c.route.remoteName, c.route.remoteCluster = info.ID, info.Name, info.Cluster
	if info.Port > 0 {
		c.route.remoteURL = "nats://" + net.JoinHostPort(info.Host, strconv.Itoa(info.Port))
	}
	if !c.route.solicited {
		c.route.poolIdx, c.route.pinned = info.PoolIdx, info.RouteAccount
	}
	if c.route.pinned != "" {
		c.route.poolIdx = -1
	}
	c.route.peerPools = info.PoolSize > 0
	c.route.poolSize = poolConns(s.getOpts().Cluster.poolSize(), info.PoolSize)
	if info.ID == s.id {
		c.route.self = true
	}
	c.mu.Unlock()
	if info.ID == s.id {
		s.log.Debugf("%s - Route to self, closing", c.logPrefix())
		return &clientError{reason: DuplicateRoute}
	}
	if my := s.getOpts().Cluster.Name; my != "" && info.Cluster != "" && info.Cluster != my {
		logger.Error(s.log, logger.Record{Conn: c.logPrefix(), Msg: "Rejecting route to another cluster", Text: "Rejecting route to cluster %q (this is %q)",
			Fields: []logger.Field{logger.F("route_cluster", info.Cluster), logger.F("cluster", my)}})
		return &clientError{reason: ProtocolViolation}
	}
	if c.route.zAwait {
		// The peer's compressed INFO, which completes the handshake (it
		// alone names a pooled connection's index): it reads our stream
		// now.
		c.route.zAwait = false
		c.releaseHold()
	} else {
		mode := negotiateCompression(s.getOpts().Cluster.compressionMode(), info.Compression)
		c.route.zAnswer = mode
		if c.route.solicited {
			// Our INFO answers the peer's, naming the compression agreed
			// and this connection's place in the pool (when compressing,
			// the pool index only in the compressed INFO, as nats-server
			// does); it goes out before any interest.
			c.queueRoute(s.routeInfoLine(c, mode == compressionOff))
		}
		if mode != compressionOff {
			// The rest is compressed, starting with our INFO again; the
			// route registers at the peer's compressed INFO. The
			// soliciting side holds its stream until that INFO shows the
			// peer reads compressed input.
			s.log.Debugf("%s - Route compression %s", c.logPrefix(), mode)
			c.startCompression(mode, s.getOpts().Cluster.rttThresholds(), c.route.solicited)
			c.queueRoute(s.routeInfoLine(c, true))
			c.route.zAwait = true
			return stopForCompression
		}
		c.endNegotiation()
	}
	if c.route.pinned != "" {
		c.route.pinnedName = []byte(c.route.pinned)
		c.parser.SetPinned(true)
	}
	return s.registerRoute(c, &info)
}

// routeProtocolError closes a route after a parse or handler error.
func (c *client) routeProtocolError(err error) {
	var ce *clientError
	if errors.As(err, &ce) {
		if ce.text != "" {
			c.sendErr(ce.text)
		}
		// Flush: what is queued may tell the peer why (an -ERR, or our
		// INFO to a route to ourselves).
		c.closeConnection(ce.reason, true)
		return
	}
	c.peerParseError("Route", err)
}

// peerParseError closes a route or leaf connection after a parse error,
// with nats-server's -ERR where it sends one; kind names it in the log.
func (c *client) peerParseError(kind string, err error) {
	c.srv.log.Errorf("%s - %s parser ERROR: %v", c.logPrefix(), kind, err)
	switch {
	case errors.Is(err, parser.ErrUnknownOp):
		c.sendErrAndClose(errUnknownOp, ParseError)
	case errors.Is(err, parser.ErrControlLine):
		c.sendErrAndClose(errControlLine, MaxControlLineExceeded)
	case errors.Is(err, parser.ErrMaxPayload):
		c.sendErrAndClose(errMaxPayload, MaxPayloadExceeded)
	default:
		c.closeConnection(ParseError, false)
	}
}

// errRouteNotReady stops a route that sends interest or messages before
// the handshake is complete.
var errRouteNotReady = &clientError{reason: ProtocolViolation}

// ProcessRSub records remote interest: RS+ adds a subscription owned by
// the route, in the named account, or updates its queue weight. Interest
// in an account this server does not have is ignored (nobody here can
// publish in it).
func (c *client) ProcessRSub(account, subject, queue []byte, weight int) error {
	if c.kind == kindLeaf {
		return c.leafSub(subject, queue, weight) // LS+
	}
	if c.kind != kindRoute {
		return parser.ErrUnknownOp
	}
	if c.tracing() {
		var w []byte
		if queue != nil {
			w = strconv.AppendInt(nil, int64(weight), 10)
		}
		c.traceIn("RS+", account, subject, queue, w)
	}
	if !c.route.registered {
		return errRouteNotReady
	}
	if account == nil {
		account = c.route.pinnedName
	}
	if !c.srv.routeExports(subject, queue) {
		// cluster.permissions export: nothing goes out on this interest.
		if c.tracing() {
			c.srv.log.Tracef("%s - Interest in %q refused by the route export permissions", c.logPrefix(), subject)
		}
		return nil
	}
	acc := c.routeAccount(account)
	if acc == nil {
		c.srv.log.Debugf("%s - Interest in unknown account %q ignored", c.logPrefix(), account)
		return nil
	}
	key := routeSubKey(account, subject, queue)
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
	sub := &subscription{client: c, acc: acc, subject: string(subject), queue: string(queue), sid: key}
	sub.weight.Store(int32(weight))
	c.subs[key] = sub
	c.mu.Unlock()
	if err := c.srv.insertSub(sub); err != nil {
		c.mu.Lock()
		delete(c.subs, key)
		c.mu.Unlock()
		c.srv.log.Errorf("%s - Invalid remote interest %q: %v", c.logPrefix(), key, err)
	}
	return nil
}

// ProcessRUnsub removes remote interest.
func (c *client) ProcessRUnsub(account, subject, queue []byte) error {
	if c.kind == kindLeaf {
		return c.leafUnsub(subject, queue) // LS-
	}
	if c.kind != kindRoute {
		return parser.ErrUnknownOp
	}
	if c.tracing() {
		c.traceIn("RS-", account, subject, queue)
	}
	if !c.route.registered {
		return errRouteNotReady
	}
	if account == nil {
		account = c.route.pinnedName
	}
	key := routeSubKey(account, subject, queue)
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

// routeSubKey keys a route's subscriptions (and is their sid in /routez).
func routeSubKey(account, subject, queue []byte) string {
	if len(queue) == 0 {
		return string(account) + " " + string(subject)
	}
	return string(account) + " " + string(subject) + " " + string(queue)
}

// routeAccount finds the account a route op names. The route remembers the
// last one, so a stream of messages in one account costs no map lookup.
func (c *client) routeAccount(name []byte) *Account {
	if a := c.route.lastAcc; a != nil && a.name == string(name) && !a.removed.Load() {
		return a
	}
	a := c.srv.lookupAccount(string(name))
	if a != nil {
		c.route.lastAcc = a
	}
	return a
}

// ProcessRMsg delivers a message from a route to local subscribers of its
// account: every plain subscriber, and one member of each queue group the
// sending server chose this server for.
func (c *client) ProcessRMsg(args []byte, hdrLen int, msg []byte) error {
	if c.kind == kindLeaf {
		return c.processLeafMsg(args, hdrLen, msg) // LMSG
	}
	if c.kind != kindRoute {
		return parser.ErrUnknownOp
	}
	if c.tracing() {
		op := "RMSG"
		if hdrLen > 0 {
			op = "HMSG"
		}
		c.traceIn(op, args, strconv.AppendInt(nil, int64(hdrLen), 10), strconv.AppendInt(nil, int64(len(msg)), 10))
		c.tracePayload("<<-", msg)
	}
	if !c.route.registered {
		return errRouteNotReady
	}
	var a parser.RMsgArgs
	if c.route.pinnedName != nil {
		if !parser.ParsePinnedRMsgArgs(args, &a) {
			return parser.ErrBadArgs
		}
		a.Account = c.route.pinnedName
	} else if !parser.ParseRMsgArgs(args, &a) {
		return parser.ErrBadArgs
	}
	c.inMsgs.Add(1)
	c.inBytes.Add(int64(len(msg)))
	acc := c.routeAccount(a.Account)
	if acc == nil {
		return nil
	}
	subject, reply := splitRoutedReply(a.Subject, a.Reply) // a JetStream delivery
	c.deliverLocal(acc.sl.Match(a.Subject), &a, acc.name, subject, reply, hdrLen, msg)
	return nil
}

// deliverLocalMember delivers to one local (client) member of a queue
// group, chosen at random, trying the others if that one cannot take it.
// It reports whether a member got the message.
func (c *client) deliverLocalMember(members []*subscription, subject, reply []byte, hdrLen int, msg []byte, noEcho bool) bool {
	n := len(members)
	// Start at a random local member. A few random draws find one at once
	// when most members are local (always, outside a cluster); failing
	// that, count them and take the k-th, so the choice stays uniform.
	start := -1
	for try := 0; try < 4; try++ {
		if i := rand.IntN(n); members[i].client.kind == kindClient {
			start = i
			break
		}
	}
	if start < 0 {
		locals := 0
		for _, sub := range members {
			if sub.client.kind == kindClient {
				locals++
			}
		}
		if locals == 0 {
			return false
		}
		k := rand.IntN(locals)
		for i, sub := range members {
			if sub.client.kind == kindClient {
				if k == 0 {
					start = i
					break
				}
				k--
			}
		}
	}
	// Then go round until one takes it.
	for j := 0; j < n; j++ {
		sub := members[(start+j)%n]
		if sub.client.kind != kindClient || (noEcho && sub.client == c) {
			continue
		}
		if c.deliverTo(sub, subject, reply, hdrLen, msg) {
			return true
		}
	}
	return false
}

// routeTarget collects, while one message is delivered, what a route must
// be sent: whether it has plain interest and the queue groups it serves.
// A publisher keeps a slice of them and reuses it for every message.
type routeTarget struct {
	rc     *client
	queues []string
}

// target returns the entry for route rc in c's scratch list, among the
// entries from base on (those of the delivery in progress).
func (c *client) target(base int, rc *client) *routeTarget {
	for i := base; i < c.nrt; i++ {
		if c.rtargets[i].rc == rc {
			return &c.rtargets[i]
		}
	}
	if c.nrt == len(c.rtargets) {
		c.rtargets = append(c.rtargets, routeTarget{})
	}
	t := &c.rtargets[c.nrt]
	c.nrt++
	t.rc = rc
	t.queues = t.queues[:0]
	return t
}

// sendToRoutes writes one RMSG per route collected from base on and
// drops those entries.
func (c *client) sendToRoutes(base int, account string, subject, reply []byte, hdrLen int, msg []byte) bool {
	sent := false
	for i := base; i < c.nrt; i++ {
		t := &c.rtargets[i]
		if c.sendRMsg(t.rc, account, t.queues, subject, reply, hdrLen, msg) {
			sent = true
		}
		t.rc = nil
	}
	c.nrt = base
	return sent
}

// sendRMsg appends one RMSG to a route's output. Like deliverTo it never
// blocks: a route whose backlog passes its (large) budget is cut off.
func (c *client) sendRMsg(r *client, account string, queues []string, subject, reply []byte, hdrLen int, msg []byte) bool {
	if r.kind == kindLeaf {
		return c.sendLMsg(r, queues, subject, reply, hdrLen, msg)
	}
	need := len(account) + len(subject) + len(reply) + len(msg) + 48
	for _, q := range queues {
		need += len(q) + 1
	}
	r.mu.Lock()
	if r.closed || r.cutOff {
		r.mu.Unlock()
		return false
	}
	wasIdle := r.out.Len() == 0
	if r.route.pinned != "" {
		account = "" // a pinned route's messages carry no account
	}
	r.queueRMsg(need, account, subject, queues, reply, hdrLen, msg)
	r.outMsgs++
	r.outBytes += int64(len(msg))
	slow := r.overLimitLocked()
	r.mu.Unlock()
	if r.tracing() {
		line := appendRMsg(nil, account, subject, queues, reply, hdrLen, nil)
		r.traceOut(strings.TrimSuffix(string(line[:len(line)-2]), "\r\n"))
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

// appendRMsg encodes RMSG (HMSG with headers) without allocating, in
// nats-server's format (see the protocol at the top of this file).
func appendRMsg(b []byte, account string, subject []byte, queues []string, reply []byte, hdrLen int, msg []byte) []byte {
	b = appendRMsgHeader(b, account, subject, queues, reply, hdrLen, len(msg))
	b = append(b, msg...)
	return append(b, "\r\n"...)
}

// appendRMsgHeader encodes the RMSG or HMSG line for a size-byte message.
func appendRMsgHeader(b []byte, account string, subject []byte, queues []string, reply []byte, hdrLen, size int) []byte {
	if hdrLen > 0 {
		b = append(b, "HMSG "...)
	} else {
		b = append(b, "RMSG "...)
	}
	if account != "" { // none on a pinned route
		b = append(b, account...)
		b = append(b, ' ')
	}
	b = append(b, subject...)
	b = append(b, ' ')
	if len(queues) > 0 {
		if len(reply) > 0 {
			b = append(b, "+ "...)
			b = append(b, reply...)
		} else {
			b = append(b, '|')
		}
		for _, q := range queues {
			b = append(b, ' ')
			b = append(b, q...)
		}
		b = append(b, ' ')
	} else if len(reply) > 0 {
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

// insertSub adds a subscription to its account's index and, for a local
// subscription (a client's, or an internal one that is not local-only), to
// the interest propagated to routes. For those both happen under
// cluster.imu, so the interest counts always match the index whatever the
// interleaving of concurrent subscribes and removals.
func (s *Server) insertSub(sub *subscription) error {
	c := sub.client
	if sub.propagates() && s.cluster.enabled {
		s.cluster.imu.Lock()
		err := s.insertLeafInterest(sub)
		if err == nil && s.routeImports(sub.subject, sub.queue) {
			s.sendInterestLocked(sub, s.cluster.interest.add(sub.acc.name, sub.subject, sub.queue))
		}
		s.cluster.imu.Unlock()
		if err != nil {
			return err
		}
	} else if err := s.insertLeafInterest(sub); err != nil {
		return err
	}
	c.mu.Lock()
	closed := c.closed
	c.mu.Unlock()
	if closed {
		// The connection was closed while the subscription was being
		// added: closeConnection may have missed it in the index.
		s.removeSub(sub)
	}
	return nil
}

// propagates reports whether the routes hear of the subscription: not of
// a route's, nor of a hub's interest (leafnode.go).
func (sub *subscription) propagates() bool {
	c := sub.client
	return c.kind != kindRoute && !sub.local && (c.kind != kindLeaf || !c.leaf.solicited)
}

// removeSub takes a subscription out of its account's index and out of the
// local interest. Removing the same subscription twice is harmless: only
// the removal that finds it in the index counts.
func (s *Server) removeSub(sub *subscription) {
	if sub.propagates() && s.cluster.enabled {
		s.cluster.imu.Lock()
		if s.removeLeafInterest(sub) && s.routeImports(sub.subject, sub.queue) {
			s.sendInterestLocked(sub, s.cluster.interest.remove(sub.acc.name, sub.subject, sub.queue))
		}
		s.cluster.imu.Unlock()
		return
	}
	s.removeLeafInterest(sub)
}

// routeErr handles -ERR from a route's peer, which closes the route after
// it. A duplicate is routine (debug); anything else is logged as an error
// (wrong route credentials, for one).
func (c *client) routeErr(arg []byte) error {
	if strings.Contains(string(arg), errDuplicateRoute) {
		c.srv.log.Debugf("%s - Remote closes a duplicate route", c.logPrefix())
		return &clientError{reason: DuplicateRoute}
	}
	c.srv.log.Errorf("%s - Route error from remote: %s", c.logPrefix(), arg)
	return nil
}

// routeLingerTime bounds how long a route closed as a duplicate keeps its
// socket open for the peer to read why.
const routeLingerTime = time.Second

// routeLinger runs in the writer before a route's socket is closed. When
// the route was closed as a duplicate, the peer may still be writing to
// it: closing at once would reset the connection and the peer could see a
// write error (and log a lost route) before it reads our -ERR 'Duplicate
// Route'. So the write side is shut first (the peer reads the -ERR, then
// EOF, and closes), and the socket is closed once the peer is gone, after
// routeLingerTime, or at shutdown.
func (c *client) routeLinger() {
	c.mu.Lock()
	dup := c.reason == DuplicateRoute
	c.mu.Unlock()
	// A TLS route's CloseWrite sends close_notify (the TCP write side
	// stays open), which the peer reads as the end of the stream too.
	cw, ok := c.conn.(interface{ CloseWrite() error })
	if !dup || !ok {
		return
	}
	c.conn.SetWriteDeadline(time.Now().Add(routeLingerTime))
	if cw.CloseWrite() != nil {
		return
	}
	t := time.NewTimer(routeLingerTime)
	defer t.Stop()
	select {
	case <-t.C:
	case <-c.route.peerGone:
	case <-c.srv.quit:
	}
}
