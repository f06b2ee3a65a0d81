// Package server is natsd's core: it accepts connections, parses their
// protocol, keeps the subject index and delivers messages.
//
// Lock order (never take a lock to the left while holding one to the right):
//
//	consumer.mu → stream.mu → jsAccount.mu → jetStream.mu → Account.rtabMu → Server.mu → cluster.imu → leafState.mu → client.mu → the sublist's internal lock (a leaf)
//
// (cluster.imu guards the local interest propagated to routes; see
// cluster.go. leafState.mu guards the interest sent to leaf nodes; see
// leafnode.go; leafState.urls.mu is only held to recompute and announce
// the leaf URLs, and to answer a leaf's CONNECT, and takes Server.mu and
// client locks inside, see leafnode_urls.go. Account.rtabMu is only held to make an account's reply
// table and its subscription, imports.go; a reply table's own mu is a
// leaf.) Server.mu also guards each Account's connection count.
// Operator mode (operator.go): operatorState.updMu serializes account JWT
// updates and is taken before Server.reloadMu (an update rebuilds the
// account set as a reload does); operatorState.mu and jwtStore.mu are
// leaves. wsState.mu (the WebSocket listener) is taken alone, and a WebSocket
// connection's own locks (package websocket) are leaves below client.mu.
//
// The JetStream locks are jetstream.go's: a stream's lock is held while
// it stores a message or changes its subscriptions, never while it
// delivers; a message store's own lock is a leaf. A consumer delivers
// while holding its own lock (jetstream_consumer.go), never holds two
// consumers' locks, and is reached from a stream only through a channel
// and atomics. jetStream.goMu is a leaf, held only to start a goroutine
// Shutdown waits for.
//
// The system account's services (sysevents.go, sysreq.go) take no lock
// of their own beyond sysHandlers.mu, a leaf held only to read or fill the
// request handler table; their work runs on one goroutine, the system
// loop, which takes the locks any monitoring snapshot takes.
//
// Every connection belongs to an account (account.go), which owns the
// subject index its messages are matched in.
//
// A goroutine never holds two client locks at once: a publisher delivering
// to a subscriber takes only the subscriber's lock, and only briefly.
package server

import (
	"errors"
	"fmt"
	"net"
	"os"
	"strconv"
	"sync"
	"sync/atomic"
	"time"

	"github.com/nats-io/nkeys"

	"github.com/natsd/natsd/accounts"
	"github.com/natsd/natsd/auth"
	"github.com/natsd/natsd/logger"
)

// NatsdVersion is natsd's own version.
const NatsdVersion = "0.1"

// CompatVersion is the nats-server release whose protocol, flags,
// configuration and monitoring natsd follows.
const CompatVersion = "2.15.2"

// Version is what INFO, /varz and routes report: the nats-server version
// natsd is compatible with, tagged with natsd's own. Clients gate features
// on it, so it leads with CompatVersion.
const Version = CompatVersion + "-natsd." + NatsdVersion

// ProtoVersion is the client protocol version (1: async INFO, headers).
const ProtoVersion = 1

// ErrServerClosed is returned by Start after Shutdown.
var ErrServerClosed = errors.New("natsd: server closed")

// Server is one natsd node.
type Server struct {
	// opts is replaced whole on reload, never modified: readers load it
	// once and see a consistent set.
	opts atomic.Pointer[Options]
	log  logger.Logger
	// gacc is the global account ($G), which always exists; accounts is
	// the set of every running account, replaced whole on reload
	// (account.go).
	gacc     *Account
	accounts atomic.Pointer[accountSet]
	id       string
	name     string
	xkeyPub  string // the public half of callout.xkp, sent in INFO
	start    time.Time

	listener   net.Listener
	quit       chan struct{}
	wg         sync.WaitGroup // every goroutine the server starts
	pidWritten atomic.Bool    // Start wrote the pid file (Shutdown removes it)

	mu      sync.Mutex
	clients map[uint64]*client
	// userConns counts the client connections of each user, for a user's
	// max_connections; userRates are the users' publish rate limiters
	// (userlimits.go, pubrate.go). Both are guarded by mu.
	userConns map[string]int
	userRates map[string]*rateLimiters
	shutdown  bool
	lameDuck  bool
	// lastListenAddr remembers the client address once lame-duck mode has
	// closed the listener, so INFO still names the right port.
	lastListenAddr net.Addr

	authn   atomic.Pointer[auth.Authenticator]
	tls     atomic.Pointer[tlsServer] // nil: plain connections (tls_conn.go)
	tlsPoll time.Duration             // how often the certificate files are checked
	optsGen atomic.Uint64             // bumped on reload; readers re-apply limits

	reloadMu    sync.Mutex
	loadConfig  func() (*Options, error)
	reloadHooks []func(*Options)
	nextCID     atomic.Uint64
	cluster     clusterState // routes to the other servers of a cluster (cluster.go)
	leafs       leafState    // leaf node connections, accepted and solicited (leafnode.go)
	stats       serverStats
	mon         monitorState              // monitoring: HTTP listener, closed connections (monitor.go)
	ws          wsState                   // the WebSocket listener (websocket.go)
	js          atomic.Pointer[jetStream] // nil when JetStream is off (jetstream.go)
	sys         atomic.Pointer[sysState]  // the system account's services (sysevents.go)
	op          *operatorState            // operator mode (operator.go); nil otherwise
	callout     calloutState              // auth callout keys (auth_callout.go)

	// jsOff answers "JetStream not enabled" in each account without it
	// (jetstream.go, jetstream_reload.go); changed at start and on reload
	// only, under reloadMu.
	jsOff map[*Account]*internalClient
}

// serverStats are totals that survive the connections they count.
type serverStats struct {
	totalConns   atomic.Uint64
	slowConsumer atomic.Uint64
	staleConns   atomic.Uint64
	// Traffic of closed connections; live ones are summed on demand, so the
	// hot path never touches a shared counter.
	closedInMsgs, closedInBytes   atomic.Int64
	closedOutMsgs, closedOutBytes atomic.Int64
}

// New validates opts and returns a server that is not yet listening.
func New(opts *Options) (*Server, error) {
	o := opts.Clone()
	o.setDefaults()
	if err := o.validate(); err != nil {
		return nil, err
	}
	authn, err := buildAuthenticator(o)
	if err != nil {
		return nil, err
	}
	kp, err := nkeys.CreateServer()
	if err != nil {
		return nil, fmt.Errorf("creating server identity: %w", err)
	}
	pub, err := kp.PublicKey()
	if err != nil {
		return nil, fmt.Errorf("creating server identity: %w", err)
	}
	s := &Server{
		gacc:    newAccount(accounts.Global, !o.DisableSublistCache),
		id:      pub,
		name:    o.ServerName,
		quit:    make(chan struct{}),
		clients: make(map[uint64]*client),
	}
	s.callout.kp = kp
	if s.callout.xkp, err = nkeys.CreateCurveKeys(); err != nil {
		return nil, fmt.Errorf("creating server xkey: %w", err)
	}
	s.xkeyPub, _ = s.callout.xkp.PublicKey() // cannot fail: a fresh curve key
	s.opts.Store(o)
	s.authn.Store(authn)
	if len(o.Operators) > 0 {
		if s.op, err = newOperatorState(o); err != nil {
			return nil, err
		}
	}
	s.accounts.Store(s.buildAccounts(o, nil))
	if err := s.initCluster(o); err != nil {
		return nil, err
	}
	if err := s.initLeafNodes(o); err != nil {
		return nil, err
	}
	// After initCluster: the imports' subscriptions are local interest
	// the routes must hear of.
	s.setupImports(nil, s.accounts.Load())
	if err := s.configureWebsocket(o); err != nil {
		return nil, err
	}
	s.tls.Store(newTLSServer(o))
	s.tlsPoll = tlsWatchInterval
	if s.name == "" {
		s.name = pub
	}
	if o.NoLog {
		s.log = logger.Discard{}
	} else {
		s.log = logger.NewText(os.Stderr, logger.Options{Time: o.Logtime, UTC: o.LogUTC, Debug: o.Debug, Trace: o.Trace})
	}
	return s, nil
}

// getOpts returns the options in force.
func (s *Server) getOpts() *Options { return s.opts.Load() }

// SetLogger replaces the logger; call before Start.
func (s *Server) SetLogger(l logger.Logger) { s.log = l }

// ID is the server's public identity (an nkey), as sent in INFO.
func (s *Server) ID() string { return s.id }

// Name is the server name (defaults to the ID).
func (s *Server) Name() string { return s.name }

// Start binds the client listener and starts accepting. It returns once the
// server is ready, or with the reason it cannot be.
func (s *Server) Start() error {
	s.mu.Lock()
	if s.shutdown {
		s.mu.Unlock()
		return ErrServerClosed
	}
	s.mu.Unlock()
	s.start = time.Now()
	s.logBanner()
	if err := s.startProfiling(); err != nil {
		return s.abortStart(err)
	}
	for _, w := range s.authenticator().Warnings() {
		s.log.Warnf("%s", w)
	}

	if s.getOpts().JetStream.Enabled {
		if err := s.enableJetStream(); err != nil {
			s.log.Fatalf("Can't start JetStream: %v", err)
			return s.abortStart(fmt.Errorf("starting JetStream: %w", err))
		}
		s.answerJetStreamDisabled()
	}

	port := s.getOpts().Port
	if port == RandomPort {
		port = 0
	}
	hp := net.JoinHostPort(s.getOpts().Host, strconv.Itoa(port))
	l, err := net.Listen("tcp", hp)
	if err != nil {
		s.log.Fatalf("Error listening on port: %s, %q", hp, err.Error())
		return s.abortStart(fmt.Errorf("listening on %s: %w", hp, err))
	}
	s.mu.Lock()
	s.listener = l
	s.mu.Unlock()
	if s.getOpts().PidFile != "" {
		if err := os.WriteFile(s.getOpts().PidFile, []byte(strconv.Itoa(os.Getpid())), 0o644); err != nil {
			return s.abortStart(fmt.Errorf("writing pid file %s: %w", s.getOpts().PidFile, err))
		}
		s.pidWritten.Store(true)
	}
	// Name the configured host, as nats-server does: a wildcard listener
	// would otherwise print as [::].
	logger.Notice(s.log, logger.Record{Msg: "Listening for client connections", Text: "Listening for client connections on %s",
		Fields: []logger.Field{logger.F("addr", net.JoinHostPort(s.getOpts().Host, strconv.Itoa(addrPort(l.Addr()))))}})
	if ts := s.tls.Load(); ts != nil && ts.allowNonTLS {
		s.log.Noticef("TLS available for client connections")
	} else if ts != nil {
		s.log.Noticef("TLS required for client connections")
		if ts.first && ts.fallback == 0 {
			s.log.Warnf(`Clients that are not using "TLS Handshake First" option will fail to connect`)
		}
	}
	// The WebSocket listener is up before the routes: their INFO names
	// its URLs (ws_connect_urls).
	if err := s.startWebsocket(); err != nil {
		return s.abortStart(err)
	}
	// So is the leaf node listener: their INFO names its URL.
	if err := s.listenLeafNodes(); err != nil {
		return s.abortStart(err)
	}
	if err := s.startCluster(); err != nil {
		return s.abortStart(err)
	}
	if err := s.startLeafNodes(); err != nil {
		return s.abortStart(err)
	}
	if err := s.startMonitoring(); err != nil {
		return s.abortStart(err)
	}
	s.startSystem()
	s.goroutine(func() { s.acceptConns(l, "client", s.createClient) })
	s.goroutine(func() { s.watchTLSFiles(s.tlsPoll) })
	s.startClaimsServices()
	s.log.Noticef("Server is ready")
	return nil
}

// abortStart releases whatever a failed Start had started (listeners,
// route solicitors, JetStream) by shutting the server down, and returns
// err.
func (s *Server) abortStart(err error) error {
	s.Shutdown()
	return err
}

// goroutine starts f as a tracked goroutine: Shutdown waits for all of them.
func (s *Server) goroutine(f func()) {
	s.wg.Add(1)
	go func() {
		defer s.wg.Done()
		f()
	}()
}

// acceptConns accepts until the listener closes, backing off on temporary
// errors (such as running out of file descriptors) instead of spinning,
// and hands each connection to create. kind names it in the log.
func (s *Server) acceptConns(l net.Listener, kind string, create func(net.Conn)) {
	delay := time.Duration(0)
	for {
		conn, err := l.Accept()
		if err != nil {
			select {
			case <-s.quit:
				return
			default:
			}
			if errors.Is(err, net.ErrClosed) {
				return
			}
			if delay == 0 {
				delay = 5 * time.Millisecond
			} else if delay *= 2; delay > time.Second {
				delay = time.Second
			}
			s.log.Errorf("Temporary %s accept error (%v), sleeping %v", kind, err, delay)
			select {
			case <-time.After(delay):
			case <-s.quit:
				return
			}
			continue
		}
		delay = 0
		create(conn)
	}
}

// Addr is the client listener's address, nil before Start.
func (s *Server) Addr() net.Addr {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.listener == nil {
		return s.lastListenAddr
	}
	return s.listener.Addr()
}

// ClientURL is a nats:// URL clients can dial.
func (s *Server) ClientURL() string {
	a, ok := s.Addr().(*net.TCPAddr)
	if !ok {
		return ""
	}
	host := s.getOpts().Host
	if host == "0.0.0.0" || host == "::" || host == "" {
		host = "127.0.0.1"
	}
	return "nats://" + net.JoinHostPort(host, strconv.Itoa(a.Port))
}

// NumClients is the number of open client connections.
func (s *Server) NumClients() int {
	s.mu.Lock()
	defer s.mu.Unlock()
	return len(s.clients)
}

// NumSubscriptions is the number of subscriptions in the subject indexes
// of all accounts.
func (s *Server) NumSubscriptions() uint32 {
	n := uint32(0)
	s.forEachAccount(func(a *Account) { n += a.sl.Count() })
	return n
}

// NumSlowConsumers is how many connections were closed as slow consumers.
func (s *Server) NumSlowConsumers() uint64 { return s.stats.slowConsumer.Load() }

// Shutdown stops accepting, flushes and closes every connection, and waits
// for every goroutine the server started. It is safe to call more than once.
func (s *Server) Shutdown() {
	s.mu.Lock()
	if s.shutdown {
		s.mu.Unlock()
		s.wg.Wait()
		return
	}
	s.shutdown = true
	s.log.Noticef("Initiating Shutdown...")
	close(s.quit)
	l := s.listener
	clients := make([]*client, 0, len(s.clients))
	for _, c := range s.clients {
		clients = append(clients, c)
	}
	s.mu.Unlock()
	if l != nil {
		l.Close()
	}
	s.stopWebsocket()
	s.stopMonitoring()
	s.stopProfiling()
	for _, c := range clients {
		c.closeConnection(ServerShutdown, true)
	}
	s.shutdownCluster()
	s.shutdownLeafNodes()
	s.shutdownJetStream()
	s.wg.Wait()
	if s.getOpts().PidFile != "" && s.pidWritten.Load() {
		os.Remove(s.getOpts().PidFile)
	}
	s.log.Noticef("Server Exiting..")
}

// addClient registers c, refusing it when the server is full or closing.
func (s *Server) addClient(c *client) (ok bool, full bool) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.shutdown || s.lameDuck {
		return false, false
	}
	if len(s.clients) >= s.getOpts().MaxConnections {
		return false, true
	}
	s.clients[c.cid] = c
	return true, false
}

// removeClient forgets c; counted reports whether it had been counted in
// its account (it had completed CONNECT).
func (s *Server) removeClient(c *client) (counted bool) {
	s.mu.Lock()
	delete(s.clients, c.cid)
	if c.accCounted {
		counted = true
		c.accCounted = false
		c.acc.Load().nconns--
	}
	s.uncountUser(c)
	s.mu.Unlock()
	return counted
}

// Logger is the server's logger.
func (s *Server) Logger() logger.Logger { return s.log }
