package server

import (
	"io"
	"math/rand/v2"
	"net"
	"sync"
	"sync/atomic"
	"syscall"
	"time"

	"github.com/nats-io/jwt/v2"

	"github.com/natsd/natsd/auth"
	"github.com/natsd/natsd/outq"
	"github.com/natsd/natsd/parser"
	"github.com/natsd/natsd/sublist"
)

// Flags a publisher reads when delivering to this client, so they are
// atomic: they are set once by the client's own reader at CONNECT.
const (
	flagHeaders   uint32 = 1 << iota // the client understands HMSG
	flagNoEcho                       // do not deliver the client's own messages to it
	flagAsyncInfo                    // protocol >= 1: the client accepts INFO at any time
)

// subscription is one SUB of one connection. Delivery only needs its owner,
// whatever kind of connection that is, so routes and internal subscribers
// can own subscriptions too.
type subscription struct {
	client  *client
	acc     *Account // the account whose subject index holds it
	subject string
	queue   string
	sid     string
	// max and delivered implement UNSUB with a maximum; guarded by client.mu.
	max       int
	delivered int
	// checkDelivery: the subscription may match subjects its owner is not
	// allowed to receive, so each delivery is checked; guarded by client.mu.
	checkDelivery bool
	// weight is a route's queue subscription's member count on the remote
	// server (RS+ updates it while publishers read it).
	weight atomic.Int32
	// cb receives the messages of an internal client's subscription
	// (internal.go) instead of a connection; local keeps its interest
	// from the routes.
	cb    msgHandler
	local bool
}

// client is one connection. The reader goroutine owns the fields above mu;
// the fields below mu are shared with publishers and the writer.
type client struct {
	srv   *Server
	cid   uint64
	kind  uint8     // kindClient or kindRoute; fixed at creation
	route *route    // route state, nil for clients (route.go)
	leaf  *leaf     // leaf node state, nil for other connections (leafnode.go)
	ws    *wsClient // WebSocket state, nil for other connections (websocket.go)
	conn  net.Conn
	zin   io.Reader // a compressed route's or leaf's decompressing reader (reader-owned)
	host  string
	port  int
	start time.Time
	// tlsInfo is what the TLS handshake established; nil for a plain
	// connection. Set before the reader and writer start.
	tlsInfo *clientTLS

	flags atomic.Uint32
	// acc is the client's account: $G until CONNECT authenticates it into
	// another (account.go). Routes carry every account and leave it nil.
	acc        atomic.Pointer[Account]
	accCounted bool                          // counted in acc.nconns; guarded by Server.mu
	userKey    string                        // the user counted in Server.userConns; guarded by Server.mu
	identity   atomic.Pointer[auth.Identity] // who CONNECT authenticated; replaced on reload
	permCache  *auth.Cache                   // reader-owned cache of publish checks
	maxPending int64
	prefix     atomic.Value // string: the log line prefix, see setLogPrefix

	// Reader-owned.
	parser    *parser.Parser
	connected bool // CONNECT seen
	// connectInfoDue: send the connect_info INFO after the next PONG.
	connectInfoDue bool
	// recentIn is set by the reader on input and cleared by the ping
	// timer: a client that talks needs no ping.
	recentIn  atomic.Bool
	optsGen   uint64 // the server's optsGen the parser limits come from
	nonce     []byte // sent in INFO when nkey users exist
	opts      connectOptions
	pcache    map[string]*sublist.Result[*subscription]
	pcacheGen uint64
	pcacheSl  *sublist.Sublist[*subscription] // the index pcache is for
	// lastSubj and lastRes are the last subject match returned (through
	// pcache) and its result, checked before pcache; lastRes is nil when
	// there is none or pcache was reset.
	lastSubj []byte
	lastRes  *sublist.Result[*subscription]
	// uniqRes is the result of matching a subject that is unique per
	// message (a JetStream ack), which no cache should keep.
	uniqRes sublist.Result[*subscription]
	// replyRes is deliverReply's result, replyBusy true while it is in use.
	replyRes  sublist.Result[*subscription]
	replyBusy bool
	flushSet  []*client // clients this read batch made output pending for
	// mapBufs[nest] holds the subject a stream import maps a message to
	// while it is delivered (imports.go); nest counts the imports the
	// delivery in progress went through.
	mapBufs [][]byte
	nest    int
	// pubMap holds the subject a mapping gave the message being published
	// (mappings.go); rng picks weighted destinations.
	pubMap []byte
	rng    *rand.Rand
	jsAcks jsAckBatch // PubAcks waiting for their stream's write (jetstream_publish.go)
	// rtargets[:nrt] are the routes the message being delivered goes to
	// (route.go); the slice is reused for every message.
	rtargets []routeTarget
	nrt      int
	inMsgs   atomic.Int64
	inBytes  atomic.Int64
	// batchIn and batchInBytes count the messages of the read batch being
	// parsed, added to inMsgs and inBytes once per batch (addBatchIn):
	// two atomic adds per batch instead of per message.
	batchIn      int64
	batchInBytes int64
	// pubRate is set when a publish rate limit applies (pubrate.go);
	// throttled is the time the reader waited for it, in nanoseconds.
	pubRate   atomic.Pointer[pubRate]
	throttled atomic.Int64

	flushCh  chan struct{} // wakes the writer; capacity 1
	writerOn atomic.Bool   // a writer goroutine is running (see signalFlush)
	// writing is the right to write to the socket, held by the writer
	// goroutine during a flush or by writeInline during its write; kept
	// for good once the connection is done with, so that nobody writes.
	writing atomic.Bool
	writers atomic.Uint32 // writer goroutines started, for tests
	// raw is the socket of a plain TCP client connection, for the
	// non-blocking writes of writeInline (nil: always go to the writer);
	// set before the reader starts. The rest belongs to whoever holds the
	// right to write: the iovecs of writeInline's write, their count, what
	// the kernel took, and the callback (c.writevOnce) bound once.
	raw       syscall.RawConn
	rawWritev func(fd uintptr) bool
	iov       [inlineChunks]syscall.Iovec
	niov      int
	nwritten  int
	// rawr reads the same socket with raw system calls (client_rawio.go);
	// set with raw, used by the reader only.
	rawr *rawReader
	// Writer-owned: the slices of c.out being written, and the same as the
	// net.Buffers a vectored write consumes (a field, so that passing it
	// to the socket does not allocate).
	wbufs   [][]byte
	wvec    net.Buffers
	wgather []byte // for a TLS connection: small pieces gathered into one record

	mu  sync.Mutex
	out outq.Queue // pending output, appended by anyone holding mu
	// outRound is the part of out the writer has started on: what was
	// pending when its current round of writes began (see flushOut).
	// max_pending applies to the rest.
	outRound     int64
	outMsgs      int64
	outBytes     int64
	subs         map[string]*subscription
	closed       bool
	cutOff       bool   // past max_pending: being closed as a slow consumer
	cutPending   int    // its backlog when cut off, for the log line
	cutFront     []byte // the front of that backlog, for the log line's scan
	reason       ClosedReason
	flushOnClose bool
	pingsOut     int
	// creds are the credentials of CONNECT, kept to check the client
	// again when the configuration is reloaded.
	creds         auth.Credentials
	authenticated bool
	// responses tracks replies the client may publish (allow_responses);
	// delCache caches delivery permission checks. Both are used by
	// publishers delivering to this client, under mu.
	responses *auth.Responses
	delCache  *auth.Cache
	pingTimer *time.Timer
	authTimer *time.Timer
	jwtTimer  *time.Timer // operator mode: ends the connection when the user JWT expires
	// calloutID is the identity the auth callout granted (auth_callout.go).
	calloutID atomic.Pointer[auth.Identity]
	// calloutUser is the user JWT an operator-mode callout issued, checked
	// again against its account when that account's JWT changes.
	calloutUser  atomic.Pointer[jwt.UserClaims]
	lastActivity time.Time
	mon          clientMon // what /connz shows beyond the above (monitor.go)
	// z is a route's or leaf connection's compression state once
	// negotiated (compress.go; its writer part writer-owned);
	// zNegotiating holds pings back until the streams are settled.
	z            *zState
	zNegotiating bool
}

// firstPingInterval is when the first ping after CONNECT goes out, so that
// a round trip time is known early (nats-server does the same).
const firstPingInterval = 2 * time.Second

// createClient sets up a new connection and starts its goroutines.
func (s *Server) createClient(conn net.Conn) {
	c := s.newClient(conn, nil)
	if ts := s.tls.Load(); ts != nil {
		// The handshake runs in its own goroutine (tls_conn.go), which
		// then calls startClient.
		s.goroutine(func() { s.tlsHandshake(c, ts) })
		return
	}
	s.startClient(c, false)
}

// newClient makes the client of a new connection; ws is set for a
// WebSocket connection.
func (s *Server) newClient(conn net.Conn, ws *wsClient) *client {
	c := &client{
		ws:         ws,
		srv:        s,
		cid:        s.nextCID.Add(1),
		conn:       conn,
		start:      time.Now(),
		maxPending: s.getOpts().MaxPending,
		parser:     parser.New(int(s.getOpts().MaxControlLine), int(s.getOpts().MaxPayload)),
		flushCh:    make(chan struct{}, 1),
		opts:       connectOptions{Verbose: true, Pedantic: true},
		subs:       make(map[string]*subscription),
	}
	c.host, c.port = splitHostPort(conn.RemoteAddr())
	c.acc.Store(s.gacc)
	if c.authenticator().NeedsNonce() {
		c.nonce = auth.NewNonce()
	}
	c.lastActivity = c.start
	c.setLogPrefix()
	return c
}

// startClient registers c and starts its writer and reader. infoSent says
// the INFO already went out (in plain text, before a TLS handshake).
func (s *Server) startClient(c *client, infoSent bool) {
	conn := c.conn
	ok, full := s.addClient(c)
	if !ok {
		if full {
			s.log.Errorf("%s - cid:%d - maximum connections (%d) exceeded", conn.RemoteAddr(), c.cid, s.getOpts().MaxConnections)
			conn.SetWriteDeadline(time.Now().Add(time.Second))
			if !infoSent {
				conn.Write([]byte(s.infoFor(c)))
			}
			conn.Write([]byte("-ERR '" + errMaxConnections + "'\r\n"))
		}
		conn.Close()
		return
	}
	s.stats.totalConns.Add(1)
	s.log.Debugf("%s - Client connection created", c.logPrefix())

	c.setRawConn()
	c.mu.Lock()
	if !infoSent {
		c.out.Append(s.infoFor(c))
	}
	if c.authRequired() {
		c.authTimer = time.AfterFunc(c.authTimeoutValue(), c.authTimeout)
	}
	// Until CONNECT, pings go at the configured interval; the early first
	// one is armed by the CONNECT (connect.go), as nats-server does.
	c.pingTimer = time.AfterFunc(s.getOpts().PingInterval, c.sendPing)
	c.mu.Unlock()

	s.goroutine(c.readLoop) // which sends the INFO first
}

// closeConnection marks c closed, removes its subscriptions and lets the
// writer finish. With flush the writer first sends what is pending (an
// -ERR, or output at shutdown) within the write deadline; without it the
// socket is closed at once (a slow consumer gets nothing more).
func (c *client) closeConnection(reason ClosedReason, flush bool) {
	c.mu.Lock()
	if c.closed {
		c.mu.Unlock()
		return
	}
	c.closed = true
	c.reason = reason
	c.wsCloseStatus(reason)
	c.flushOnClose = flush
	if c.pingTimer != nil {
		c.pingTimer.Stop()
	}
	if c.authTimer != nil {
		c.authTimer.Stop()
	}
	if c.jwtTimer != nil {
		c.jwtTimer.Stop()
	}
	subs := make([]*subscription, 0, len(c.subs))
	for _, sub := range c.subs {
		subs = append(subs, sub)
	}
	clear(c.subs)
	outMsgs, outBytes := c.outMsgs, c.outBytes
	c.mu.Unlock()

	if !flush {
		c.conn.Close()
	}
	// The writer is woken last, once the connection is off the books, so
	// that a peer which reads the final -ERR finds it gone.
	defer c.signalFlush()
	s := c.srv
	for _, sub := range subs {
		s.removeSub(sub)
	}
	if c.kind == kindRoute {
		s.routeClosed(c, reason)
		return
	}
	if c.kind == kindLeaf {
		s.leafClosed(c, reason)
		return
	}
	s.recordClosed(c, reason, subs)
	counted := s.removeClient(c) // and from its account's count
	s.stats.closedInMsgs.Add(c.inMsgs.Load())
	s.stats.closedInBytes.Add(c.inBytes.Load())
	s.stats.closedOutMsgs.Add(outMsgs)
	s.stats.closedOutBytes.Add(outBytes)
	c.acc.Load().addClosed(c.inMsgs.Load(), c.inBytes.Load(), outMsgs, outBytes)
	if counted || reason == AuthenticationViolation {
		s.sysClientClosed(c, reason, counted, outMsgs, outBytes)
	}
	switch reason {
	case SlowConsumerPendingBytes, SlowConsumerWriteDeadline:
		s.stats.slowConsumer.Add(1)
		c.acc.Load().slowConsumers.Add(1)
	case StaleConnection:
		s.stats.staleConns.Add(1)
	}
	s.log.Debugf("%s - Client connection closed: %s", c.logPrefix(), reason)
}

// sendErr queues "-ERR 'text'" for the client.
func (c *client) sendErr(text string) {
	c.appendErr(text)
	c.signalFlush()
}

// appendErr queues "-ERR 'text'" without waking the writer.
func (c *client) appendErr(text string) {
	if c.tracing() {
		c.traceOut("-ERR '" + text + "'")
	}
	c.mu.Lock()
	c.out.AppendString("-ERR '")
	c.out.AppendString(text)
	c.out.AppendString("'\r\n")
	c.mu.Unlock()
}

// sendErrAndClose tells the peer why and closes the connection.
func (c *client) sendErrAndClose(text string, reason ClosedReason) {
	c.appendErr(text)
	c.closeConnection(reason, true) // wakes the writer
}

func (c *client) authTimeout() {
	c.mu.Lock()
	done := c.closed
	c.mu.Unlock()
	if done {
		return
	}
	c.srv.log.Errorf("%s - Authentication Timeout", c.logPrefix())
	c.sendErrAndClose(errAuthTimeout, AuthenticationTimeout)
}

// sendPing runs from the ping timer: it closes a connection that has not
// answered MaxPingsOut pings, and otherwise sends one more.
func (c *client) sendPing() {
	c.mu.Lock()
	if c.closed {
		c.mu.Unlock()
		return
	}
	if c.zNegotiating {
		// A PING now could reach the peer after it switched to reading
		// a compressed stream: wait until the streams are settled.
		c.pingTimer.Reset(min(firstPingInterval, c.srv.getOpts().PingInterval))
		c.mu.Unlock()
		return
	}
	if c.recentIn.Swap(false) {
		// The client sent something since the last tick: it is alive, so
		// skip this ping (unanswered pings still count, as in nats-server).
		c.pingTimer.Reset(c.srv.getOpts().PingInterval)
		c.mu.Unlock()
		return
	}
	if c.pingsOut+1 > c.srv.getOpts().MaxPingsOut {
		c.mu.Unlock()
		c.srv.log.Debugf("%s - Stale Client Connection - Closing", c.logPrefix())
		c.sendErrAndClose(errStaleConnection, StaleConnection)
		return
	}
	c.pingsOut++
	c.mon.pingSent = time.Now()
	c.out.AppendString("PING\r\n")
	if c.tracing() {
		c.traceOut("PING")
	}
	c.pingTimer.Reset(c.srv.getOpts().PingInterval)
	c.mu.Unlock()
	c.writeInline() // an idle client's ping starts no writer
}
