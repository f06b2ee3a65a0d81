package server

import (
	"context"
	"crypto/tls"
	"errors"
	"fmt"
	"net"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/nats-io/nuid"

	"github.com/natsd/natsd/auth"
	"github.com/natsd/natsd/logger"
	"github.com/natsd/natsd/parser"
)

// Leaf nodes extend a NATS system over one connection per account: a leaf
// server (the soliciting side, leafnode_solicit.go) connects to a hub (the
// accepting side) and each side tells the other which subjects it wants.
// A leaf connection is a *client of kind kindLeaf bound to one account on
// each side; it shares the reader, the writer and the delivery path with
// clients and routes.
//
// The protocol is nats-server v2's (learned by watching a nats-server hub
// and leaf talk, see the README's "Leaf nodes"):
//
//	hub  → INFO {"server_id","server_name","version","proto","headers","auth_required",
//	             "max_payload","nonce","info_on_connect","leafnode_urls",...}
//	leaf → CONNECT {"version","server_id","name","headers","remote_account",
//	                "user","pass" | "auth_token" | "jwt","sig"}
//	hub  → INFO {..., "connect_info":true, "remote_account"}
//	hub  → INFO {...,"leafnode_urls"} whenever the hub cluster's leaf URLs change (leafnode_urls.go)
//	both → LS+ <subject> [<queue> <weight>]   interest, and LS+ $LDS.<id> (loop detection)
//	       LS- <subject> [<queue>]
//	       LMSG <subject> [+ <reply> <queue>... | | <queue>... | <reply>] <size>
//	       HMSG (the same) <hdr_size> <total_size>
//	       PING, PONG, -ERR
//
// When both sides agree on S2 compression, a short INFO from the leaf
// comes before its CONNECT and the rest is compressed (leafnode_compress.go).
//
// Each side sends the other every subscription of the bound account it
// knows of (its clients', its routes', its other leaf nodes') except the
// connection's own, counted per (subject, queue) so that LS+ goes out for
// the first and LS- after the last; a queue group's LS+ carries its member
// count (the weight) whenever it changes.
//
// A message received from a leaf connection is delivered like a client's,
// to everyone but that connection; the queue groups it lists are served
// here (a local member first). A message received from a route reaches the
// accepted leaf connections too: one hop further, never back.
//
// Loops: each server subscribes, on every leaf connection, to a subject of
// its own ($LDS.<id>). Interest travels along leaf connections, so a
// server that hears of its own $LDS subject is connected to itself through
// a loop, and refuses the connection.

// kindLeaf marks a leaf node connection.
const kindLeaf = kindInternal + 1

// jsAPIPrefix starts the JetStream API subjects.
const jsAPIPrefix = "$JS.API."

// leafLoopPrefix starts the loop detection subjects.
const leafLoopPrefix = "$LDS."

// errLeafLoop is nats-server's error for a loop, with the account.
const errLeafLoopFmt = "Loop detected for leafnode account=%q. Delaying attempt to reconnect for %v"

// errLeafNotConnected answers interest or messages before CONNECT, as
// nats-server does.
var errLeafNotConnected = &clientError{text: errAuthorization, reason: AuthenticationViolation}

// leafLoopDelay is how long a remote that found a loop waits to retry.
const leafLoopDelay = 30 * time.Second

// leaf is what a leaf connection adds to a client.
type leaf struct {
	// Fixed at creation.
	solicited bool
	ws        bool        // accepted over WebSocket (the LEAFNODE_WS connection type)
	remote    *leafRemote // the remote it was solicited for
	done      chan struct{}

	// Reader-owned.
	registered bool
	infoSeen   bool
	// zMode is the agreed compression mode, nil before or without
	// (leafnode_compress.go); atomic, as INFOs may be built elsewhere.
	zMode  atomic.Pointer[string]
	zAwait bool // our compressed output waits for the hub's compressed INFO

	// Guarded by leafState.urls.mu: the INFO answering an accepted
	// leaf's CONNECT went out, later leaf URL changes are announced.
	connectAnswered bool

	// Guarded by client.mu.
	up            bool // registered and not closed (for other goroutines)
	remoteID      string
	remoteName    string
	remoteCluster string
	remoteAccount string
	rtt           time.Duration

	// exportPerms filters what this server sends over the connection:
	// the peer's LS+ it honors (CanSubscribe) and, on a solicited
	// connection, each message (CanPublish). importPerms filters what it
	// takes: each message (CanPublish) and, on a solicited connection,
	// the interest it asks for (CanSubscribe). A remote's deny_exports
	// and deny_imports; an accepted leaf user's permissions (subscribe:
	// what the leaf may receive, publish: what it may send). Fixed before
	// registration; nil when unrestricted.
	exportPerms *auth.Checker
	importPerms *auth.Checker
	exportCache *auth.Cache // used by publishers under client.mu

	// Guarded by leafState.mu: the interest sent on this connection.
	smap map[interestKey]int32
}

// leafState is the leaf node part of a Server.
type leafState struct {
	ctx    context.Context
	cancel context.CancelFunc
	authn  atomic.Pointer[auth.Authenticator] // nil: leaf nodes log in as clients
	lds    string                             // this server's loop detection subject
	active atomic.Bool                        // leaf nodes are configured (interest tracking on)
	urls   leafURLSet                         // the hub cluster's leaf URLs (leafnode_urls.go)

	// Under Server.mu.
	listener net.Listener
	addr     net.Addr
	conns    map[uint64]*client // every leaf connection, registered or not
	remotes  map[*RemoteLeafOpts]*leafRemote

	// mu guards byAcc and each registered leaf's smap: the interest each
	// leaf connection was sent. Order: cluster.imu → leafState.mu →
	// client.mu → the sublist's lock.
	mu    sync.Mutex
	byAcc map[*Account][]*client
}

func (s *Server) initLeafNodes(o *Options) error {
	l := &s.leafs
	l.ctx, l.cancel = context.WithCancel(context.Background())
	l.conns = make(map[uint64]*client)
	l.remotes = make(map[*RemoteLeafOpts]*leafRemote)
	l.byAcc = make(map[*Account][]*client)
	l.lds = leafLoopPrefix + nuid.Next()
	l.active.Store(o.LeafNode.enabled() || len(o.LeafNode.Remotes) > 0)
	return s.setLeafAuth(o)
}

// setLeafAuth compiles the leafnodes authorization (nil: none, leaf nodes
// authenticate against the client users).
func (s *Server) setLeafAuth(o *Options) error {
	ln := &o.LeafNode
	if ln.Username == "" && ln.Token == "" && len(ln.Users) == 0 {
		s.leafs.authn.Store(nil)
		return nil
	}
	cfg := &auth.Config{Username: ln.Username, Password: ln.Password, Token: ln.Token}
	for _, u := range ln.Users {
		cu := *u
		cfg.Users = append(cfg.Users, &cu)
	}
	a, err := auth.New(cfg)
	if err != nil {
		return fmt.Errorf("leafnodes authorization: %w", err)
	}
	s.leafs.authn.Store(a)
	return nil
}

// listenLeafNodes opens the leaf node listener. It runs before the
// routes start: their INFO names the leaf URL (leafnode_urls.go).
func (s *Server) listenLeafNodes() error {
	o := s.getOpts()
	if !o.LeafNode.enabled() {
		return nil
	}
	port := o.LeafNode.Port
	if port == RandomPort {
		port = 0
	}
	hp := net.JoinHostPort(o.LeafNode.Host, strconv.Itoa(port))
	l, err := net.Listen("tcp", hp)
	if err != nil {
		s.log.Fatalf("Error listening on leafnode port: %s, %q", hp, err.Error())
		return fmt.Errorf("listening for leaf nodes on %s: %w", hp, err)
	}
	s.mu.Lock()
	s.leafs.listener, s.leafs.addr = l, l.Addr()
	s.mu.Unlock()
	logger.Notice(s.log, logger.Record{Msg: "Listening for leafnode connections", Text: "Listening for leafnode connections on %s",
		Fields: []logger.Field{logger.F("addr", net.JoinHostPort(o.LeafNode.Host, strconv.Itoa(addrPort(l.Addr()))))}})
	return nil
}

// startLeafNodes accepts leaf nodes on the listener listenLeafNodes
// opened and starts the remotes.
func (s *Server) startLeafNodes() error {
	o := s.getOpts()
	s.mu.Lock()
	l := s.leafs.listener
	s.mu.Unlock()
	if l != nil {
		s.goroutine(func() { s.acceptConns(l, "leafnode", s.acceptLeaf) })
	}
	for _, r := range o.LeafNode.Remotes {
		s.startRemote(r)
	}
	return nil
}

// shutdownLeafNodes closes the listener and every leaf connection.
func (s *Server) shutdownLeafNodes() {
	s.leafs.cancel()
	s.mu.Lock()
	l := s.leafs.listener
	s.leafs.listener = nil
	conns := make([]*client, 0, len(s.leafs.conns))
	for _, c := range s.leafs.conns {
		conns = append(conns, c)
	}
	s.mu.Unlock()
	if l != nil {
		l.Close()
	}
	for _, c := range conns {
		c.closeConnection(ServerShutdown, true)
	}
}

// LeafAddr is the leaf node listener's address, nil when not accepting.
func (s *Server) LeafAddr() net.Addr {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.leafs.addr
}

// NumLeafNodes is the number of registered leaf connections.
func (s *Server) NumLeafNodes() int {
	n := 0
	for _, c := range s.leafConns() {
		if c.leafRegistered() {
			n++
		}
	}
	return n
}

// leafConns snapshots every leaf connection.
func (s *Server) leafConns() []*client {
	s.mu.Lock()
	defer s.mu.Unlock()
	out := make([]*client, 0, len(s.leafs.conns))
	for _, c := range s.leafs.conns {
		out = append(out, c)
	}
	return out
}

// leafRegistered reports whether the handshake completed (under c.mu, for
// readers other than the connection's own reader).
func (c *client) leafRegistered() bool {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.leaf.up && !c.closed
}

// acceptLeaf starts an accepted leaf connection. With leaf TLS, the INFO
// goes out in the clear (it says tls_required) and the TLS handshake
// follows, as with nats-server.
func (s *Server) acceptLeaf(conn net.Conn) {
	c := s.newLeaf(conn, nil)
	if c == nil {
		return
	}
	if s.leafAuthenticator().NeedsNonce() {
		c.nonce = auth.NewNonce()
	}
	o := s.getOpts()
	if cfg := o.LeafNode.TLSConfig; cfg != nil {
		s.goroutine(func() {
			if c.leafTLSServer(cfg, o.LeafNode.TLSTimeout) {
				s.startAcceptedLeaf(c, true)
			}
		})
		return
	}
	s.startAcceptedLeaf(c, false)
}

// acceptLeafWS starts a leaf connection upgraded on the websocket port's
// /leafnode path (leafnode_ws.go); TLS, if any, was the listener's.
func (s *Server) acceptLeafWS(conn net.Conn, tlsInfo *clientTLS) {
	c := s.newLeaf(conn, nil)
	if c == nil {
		return
	}
	if s.leafAuthenticator().NeedsNonce() {
		c.nonce = auth.NewNonce()
	}
	c.tlsInfo = tlsInfo
	c.leaf.ws = true
	s.leafs.active.Store(true) // a websocket port takes leaf nodes without a leafnodes block
	s.startAcceptedLeaf(c, false)
}

// leafTLSServer sends the INFO and runs the server side of the TLS
// handshake; a failure closes the connection.
func (c *client) leafTLSServer(cfg *tls.Config, timeout time.Duration) bool {
	s := c.srv
	raw := c.conn
	raw.SetDeadline(time.Now().Add(timeout))
	tc := tls.Server(raw, cfg)
	_, err := raw.Write(s.leafInfoLine(c, false))
	if err == nil {
		err = tc.HandshakeContext(s.leafs.ctx)
	}
	raw.SetDeadline(time.Time{})
	if err != nil {
		s.log.Errorf("%s - TLS leafnode handshake error: %v", c.logPrefix(), err)
		c.closeConnection(TLSHandshakeError, false)
		return false
	}
	c.mu.Lock()
	c.conn = tc
	c.mu.Unlock()
	st := tc.ConnectionState()
	c.tlsInfo = &clientTLS{version: tlsVersionName(st.Version), cipher: tls.CipherSuiteName(st.CipherSuite)}
	return true
}

// startAcceptedLeaf sends the INFO (unless sent) and starts the reader.
func (s *Server) startAcceptedLeaf(c *client, infoSent bool) {
	o := s.getOpts()
	var info []byte
	if !infoSent {
		info = s.leafInfoLine(c, false) // takes Server.mu: not under c.mu
	}
	c.mu.Lock()
	c.out.Append(info)
	c.authTimer = time.AfterFunc(o.LeafNode.AuthTimeout, c.authTimeout)
	c.zNegotiating = c.leafHubNegotiates()
	c.pingTimer = time.AfterFunc(min(firstPingInterval, o.PingInterval), c.sendPing)
	c.mu.Unlock()
	c.signalFlush()
	s.goroutine(c.readLoop)
}

// newLeaf makes and records a leaf connection; nil at shutdown.
func (s *Server) newLeaf(conn net.Conn, r *leafRemote) *client {
	o := s.getOpts()
	c := &client{
		srv:        s,
		cid:        s.nextCID.Add(1),
		kind:       kindLeaf,
		conn:       conn,
		start:      time.Now(),
		maxPending: max(DefaultRouteMaxPending, o.MaxPending),
		parser:     parser.New(routeMaxControlLine, int(o.MaxPayload)),
		flushCh:    make(chan struct{}, 1),
		subs:       make(map[string]*subscription),
		leaf:       &leaf{solicited: r != nil, remote: r, done: make(chan struct{})},
		opts:       connectOptions{Headers: true},
	}
	c.parser.SetLeafMode()
	c.flags.Store(flagHeaders)
	c.host, c.port = splitHostPort(conn.RemoteAddr())
	c.lastActivity = c.start
	c.setLogPrefix()
	s.mu.Lock()
	if s.shutdown {
		s.mu.Unlock()
		conn.Close()
		return nil
	}
	s.leafs.conns[c.cid] = c
	s.mu.Unlock()
	s.stats.totalConns.Add(1)
	s.log.Debugf("%s - Leafnode connection created", c.logPrefix())
	return c
}

// queueLeaf appends protocol to a leaf connection's output.
func (c *client) queueLeaf(line []byte) {
	c.mu.Lock()
	if c.closed {
		c.mu.Unlock()
		return
	}
	c.out.Append(line)
	c.mu.Unlock()
	c.signalFlush()
}

// leafErr handles -ERR from the peer, which closes the connection after it.
func (c *client) leafErr(arg []byte) error {
	c.srv.log.Errorf("%s - Leafnode error from remote: %s", c.logPrefix(), arg)
	if c.leaf.solicited && strings.Contains(string(arg), "Loop detected") {
		c.leaf.remote.loopDetected()
	}
	return nil
}

// leafProtocolError closes a leaf connection after a parse or handler
// error.
func (c *client) leafProtocolError(err error) {
	var ce *clientError
	if errors.As(err, &ce) {
		if ce.text != "" {
			c.sendErrAndClose(ce.text, ce.reason)
		} else {
			c.closeConnection(ce.reason, true)
		}
		return
	}
	c.peerParseError("Leafnode", err)
}

// leafClosed takes a closed leaf connection off the books.
func (s *Server) leafClosed(c *client, reason ClosedReason) {
	s.leafs.mu.Lock()
	if acc := c.acc.Load(); acc != nil {
		list := s.leafs.byAcc[acc]
		for i, l := range list {
			if l == c {
				list = append(list[:i:i], list[i+1:]...)
				break
			}
		}
		if len(list) == 0 {
			delete(s.leafs.byAcc, acc)
		} else {
			s.leafs.byAcc[acc] = list
		}
	}
	c.leaf.smap = nil
	s.leafs.mu.Unlock()
	s.mu.Lock()
	delete(s.leafs.conns, c.cid)
	s.mu.Unlock()
	s.stats.closedInMsgs.Add(c.inMsgs.Load())
	s.stats.closedInBytes.Add(c.inBytes.Load())
	c.mu.Lock()
	s.stats.closedOutMsgs.Add(c.outMsgs)
	s.stats.closedOutBytes.Add(c.outBytes)
	registered := c.leaf.remoteID != ""
	c.mu.Unlock()
	close(c.leaf.done)
	if registered {
		logger.Notice(s.log, logger.Record{Conn: c.logPrefix(), Msg: "Leafnode connection closed", Text: "Leafnode connection closed: %s",
			Fields: []logger.Field{logger.F("reason", reason.String())}})
	} else {
		s.log.Debugf("%s - Leafnode connection closed: %s", c.logPrefix(), reason)
	}
}
