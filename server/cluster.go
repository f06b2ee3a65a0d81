package server

import (
	"context"
	"fmt"
	"net"
	"slices"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/natsd/natsd/auth"
	"github.com/natsd/natsd/logger"
)

// Clustering: servers form a full mesh of route connections (route.go).
// This file holds the cluster-wide state of a server: the listener, the
// registered routes, the local interest that is propagated to them, and
// the client URLs of the whole cluster.
//
// Locks: s.mu guards the route maps; cluster.imu guards the interest table
// and the list of routes interest is sent to. The order is
//
//	Server.mu → cluster.imu → client.mu → the sublist's lock
//
// and cluster.urlsMu is only held to recompute and announce client URLs
// (it takes s.mu and client locks inside).

// clusterState is the cluster part of a Server.
type clusterState struct {
	enabled bool // a cluster port is configured; fixed at New

	ctx    context.Context // cancelled at shutdown: ends dials and solicit loops
	cancel context.CancelFunc

	routeAuth atomic.Pointer[auth.Authenticator] // checks incoming routes' CONNECT
	perms     routePerms                         // cluster.permissions; fixed at New

	// Under Server.mu.
	listener   net.Listener
	addr       net.Addr              // the bound cluster address, kept after close
	routes     map[uint64]*client    // every route connection, registered or not
	remotes    map[string]*client    // registered primary routes by remote server id
	conns      map[routeSlot]*client // every registered route by slot
	implicit   map[string]bool       // remote ids an implicit solicit loop is working on
	announced  map[string]bool       // remote ids whose route was logged as created
	configured map[string]*solicitor

	ldmWatch sync.Once // watchPeerLameDuck, once a nats-server peer joins

	// Accounts pinned to routes of their own (the system account and
	// cluster.accounts); fixed at New.
	pinned     map[string]bool
	pinnedList []string

	imu      sync.Mutex
	interest interestTable // local interest, propagated to every route
	targets  []*client     // registered routes interest goes to

	urlsMu      sync.Mutex
	connectURLs atomic.Pointer[[]string] // every cluster node's client URLs
	sawPeerURLs bool                     // a peer's client URLs were ever listed; under urlsMu
	wsURLs      atomic.Pointer[[]string] // every cluster node's WebSocket URLs
	sawPeerWS   bool                     // a peer's WebSocket URLs were ever listed; under urlsMu

	slowRoutes  atomic.Uint64
	staleRoutes atomic.Uint64
}

// solicitor is a running loop that keeps a configured route connected.
type solicitor struct {
	url    string
	host   string // host:port dialed
	cancel context.CancelFunc
}

func (s *Server) initCluster(o *Options) error {
	cl := &s.cluster
	cl.enabled = o.Cluster.enabled()
	cl.ctx, cl.cancel = context.WithCancel(context.Background())
	cl.routes = make(map[uint64]*client)
	cl.remotes = make(map[string]*client)
	cl.conns = make(map[routeSlot]*client)
	cl.pinned = make(map[string]bool)
	cl.implicit = make(map[string]bool)
	cl.announced = make(map[string]bool)
	cl.configured = make(map[string]*solicitor)
	cl.interest.m = make(map[interestKey]int32)
	if o.Cluster.poolSize() > 0 {
		for _, a := range append([]string{s.SystemAccount()}, o.Cluster.Accounts...) {
			if !cl.pinned[a] {
				cl.pinned[a] = true
				cl.pinnedList = append(cl.pinnedList, a)
			}
		}
	}
	var err error
	if cl.perms, err = compileRoutePerms(o.Cluster.Permissions); err != nil {
		return err
	}
	return s.setRouteAuth(o)
}

// setRouteAuth compiles the cluster authorization (at start and reload).
func (s *Server) setRouteAuth(o *Options) error {
	a, err := auth.New(&auth.Config{Username: o.Cluster.Username, Password: o.Cluster.Password})
	if err != nil {
		return fmt.Errorf("cluster authorization: %w", err)
	}
	s.cluster.routeAuth.Store(a)
	return nil
}

// startCluster opens the route listener and starts soliciting the
// configured routes.
func (s *Server) startCluster() error {
	if !s.cluster.enabled {
		return nil
	}
	o := s.getOpts()
	port := o.Cluster.Port
	if port == RandomPort {
		port = 0
	}
	hp := net.JoinHostPort(o.Cluster.Host, strconv.Itoa(port))
	l, err := net.Listen("tcp", hp)
	if err != nil {
		s.log.Fatalf("Error listening on router port: %s, %q", hp, err.Error())
		return fmt.Errorf("listening for routes on %s: %w", hp, err)
	}
	s.mu.Lock()
	s.cluster.listener = l
	s.cluster.addr = l.Addr()
	s.mu.Unlock()
	if o.Cluster.Name != "" {
		logger.Notice(s.log, logger.Record{Msg: "Cluster name", Text: "Cluster name is %s", Fields: []logger.Field{logger.F("cluster", o.Cluster.Name)}})
	}
	logger.Notice(s.log, logger.Record{Msg: "Listening for route connections", Text: "Listening for route connections on %s",
		Fields: []logger.Field{logger.F("addr", l.Addr().String())}})
	s.updateConnectURLs()
	if o.Cluster.TLSConfig != nil {
		s.log.Noticef("TLS required for route connections")
	}
	s.goroutine(func() { s.acceptConns(l, "route", s.acceptRoute) })
	for _, u := range o.Cluster.Routes {
		s.startSolicitor(u)
	}
	return nil
}

// shutdownCluster closes the listener and every route; solicit loops and
// dials end through the cancelled context.
func (s *Server) shutdownCluster() {
	if s.cluster.cancel != nil {
		s.cluster.cancel()
	}
	s.mu.Lock()
	l := s.cluster.listener
	s.cluster.listener = nil
	routes := make([]*client, 0, len(s.cluster.routes))
	for _, r := range s.cluster.routes {
		routes = append(routes, r)
	}
	s.mu.Unlock()
	if l != nil {
		l.Close()
	}
	for _, r := range routes {
		r.closeConnection(ServerShutdown, true)
	}
}

// ClusterAddr is the route listener's address, nil without a cluster.
func (s *Server) ClusterAddr() net.Addr {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.cluster.addr
}

// NumRoutes is the number of registered routes (one per remote server).
func (s *Server) NumRoutes() int {
	s.mu.Lock()
	defer s.mu.Unlock()
	return len(s.cluster.remotes)
}

// RemoteServerIDs lists the ids of the servers this one has a route to.
func (s *Server) RemoteServerIDs() []string {
	s.mu.Lock()
	defer s.mu.Unlock()
	ids := make([]string, 0, len(s.cluster.remotes))
	for id := range s.cluster.remotes {
		ids = append(ids, id)
	}
	slices.Sort(ids)
	return ids
}

// NumRemoteSubscriptions is the number of subscriptions routes registered
// here (remote interest), across all routes.
func (s *Server) NumRemoteSubscriptions() int {
	n := 0
	for _, r := range s.registeredRoutes() {
		r.mu.Lock()
		n += len(r.subs)
		r.mu.Unlock()
	}
	return n
}

// NumLocalInterest is the number of distinct (account, subject, queue)
// local clients subscribe to: what this server advertises to its routes.
func (s *Server) NumLocalInterest() int {
	s.cluster.imu.Lock()
	defer s.cluster.imu.Unlock()
	return len(s.cluster.interest.m)
}

// registeredRoutes snapshots the registered route connections (every
// connection of every pool).
func (s *Server) registeredRoutes() []*client {
	s.mu.Lock()
	defer s.mu.Unlock()
	out := make([]*client, 0, len(s.cluster.conns))
	for _, r := range s.cluster.conns {
		out = append(out, r)
	}
	return out
}

// primaryRoutes snapshots the primary route to each server.
func (s *Server) primaryRoutes() []*client {
	s.mu.Lock()
	defer s.mu.Unlock()
	out := make([]*client, 0, len(s.cluster.remotes))
	for _, r := range s.cluster.remotes {
		out = append(out, r)
	}
	return out
}

// routeURL is the URL other servers dial to reach this one: the cluster
// advertise address, else the listen address (an unspecified host is
// replaced by an address of this machine).
func (s *Server) routeURL() string {
	o := s.getOpts()
	if a := o.Cluster.Advertise; a != "" {
		if !strings.Contains(a, "://") {
			a = "nats://" + a
		}
		return a
	}
	s.mu.Lock()
	addr := s.cluster.addr
	s.mu.Unlock()
	if addr == nil {
		return ""
	}
	host := o.Cluster.Host
	if isUnspecified(host) {
		host = firstHostIP()
	}
	return "nats://" + net.JoinHostPort(host, strconv.Itoa(addrPort(addr)))
}

func isUnspecified(host string) bool {
	return host == "" || host == "0.0.0.0" || host == "::" || host == "[::]"
}

// hostIPs lists this machine's non-loopback unicast addresses.
func hostIPs() []string {
	addrs, err := net.InterfaceAddrs()
	if err != nil {
		return nil
	}
	var out []string
	for _, a := range addrs {
		ipn, ok := a.(*net.IPNet)
		if !ok || ipn.IP.IsLoopback() || !ipn.IP.IsGlobalUnicast() {
			continue
		}
		out = append(out, ipn.IP.String())
	}
	return out
}

func firstHostIP() string {
	for _, ip := range hostIPs() {
		if !strings.Contains(ip, ":") {
			return ip
		}
	}
	return "127.0.0.1"
}

// ownWSURLs are the host:port strings WebSocket clients reach this server
// at: websocket.advertise, else the listen address (every interface
// address when listening on all of them); nil without WebSocket.
func (s *Server) ownWSURLs() []string {
	w := s.getOpts().Websocket
	a := s.WebsocketAddr()
	if w.Port == 0 || a == nil {
		return nil
	}
	port := addrPort(a)
	if w.Advertise != "" {
		adv := w.Advertise
		if _, _, err := net.SplitHostPort(adv); err != nil {
			adv = net.JoinHostPort(adv, strconv.Itoa(port))
		}
		return []string{adv}
	}
	if isUnspecified(w.Host) {
		var out []string
		for _, ip := range hostIPs() {
			out = append(out, net.JoinHostPort(ip, strconv.Itoa(port)))
		}
		if len(out) == 0 {
			out = []string{net.JoinHostPort("127.0.0.1", strconv.Itoa(port))}
		}
		return out
	}
	return []string{net.JoinHostPort(w.Host, strconv.Itoa(port))}
}

// ownClientURLs are the host:port strings this server tells clients and
// peers to reach it at: client_advertise, else the listen address (every
// interface address when listening on all of them).
func (s *Server) ownClientURLs() []string {
	o := s.getOpts()
	port := s.clientPort()
	if a := o.ClientAdvertise; a != "" {
		a = strings.TrimPrefix(a, "nats://")
		if _, _, err := net.SplitHostPort(a); err != nil {
			a = net.JoinHostPort(a, strconv.Itoa(port))
		}
		return []string{a}
	}
	if isUnspecified(o.Host) {
		ips := hostIPs()
		if len(ips) == 0 {
			ips = []string{"127.0.0.1"}
		}
		out := make([]string, len(ips))
		for i, ip := range ips {
			out[i] = net.JoinHostPort(ip, strconv.Itoa(port))
		}
		return out
	}
	return []string{net.JoinHostPort(o.Host, strconv.Itoa(port))}
}

// clientConnectURLs is what INFO's connect_urls lists: every cluster
// node's client URLs, nil outside a cluster or with no_advertise.
func (s *Server) clientConnectURLs() []string {
	if p := s.cluster.connectURLs.Load(); p != nil {
		return *p
	}
	return nil
}

// wsConnectURLs is what a WebSocket client's INFO lists in connect_urls:
// every cluster node's WebSocket URLs.
func (s *Server) wsConnectURLs() []string {
	if p := s.cluster.wsURLs.Load(); p != nil {
		return *p
	}
	return nil
}

// updateConnectURLs recomputes the cluster's client URLs and, when they
// changed, sends an asynchronous INFO to the clients that accept one.
//
// Like nats-server, a server lists URLs only once it has learned a peer's,
// and from then on always lists at least its own: when every peer is gone,
// connect_urls is ["<self>"], which tells clients to drop the servers that
// left from their pools (they prune only on a non-empty list).
func (s *Server) updateConnectURLs() {
	s.updateLeafURLs() // the leaf INFO's leafnode_urls change at the same events
	if !s.cluster.enabled {
		return
	}
	s.cluster.urlsMu.Lock()
	defer s.cluster.urlsMu.Unlock()
	var urls, ws []string
	if !s.getOpts().Cluster.NoAdvertise {
		s.mu.Lock()
		for _, r := range s.cluster.remotes {
			if !r.route.ldm {
				urls = append(urls, r.route.connectURLs...)
				ws = append(ws, r.route.wsURLs...)
			}
		}
		s.mu.Unlock()
		s.cluster.sawPeerURLs = s.cluster.sawPeerURLs || len(urls) > 0
		if s.cluster.sawPeerURLs {
			slices.Sort(urls)
			urls = dedupe(append(s.ownClientURLs(), urls...))
		}
		// WebSocket clients get the cluster's WebSocket URLs, the same
		// way (nats-server gossips them as ws_connect_urls).
		s.cluster.sawPeerWS = s.cluster.sawPeerWS || len(ws) > 0
		if s.cluster.sawPeerWS {
			slices.Sort(ws)
			ws = dedupe(append(s.ownWSURLs(), ws...))
		}
	}
	oldURLs, oldWS := s.cluster.connectURLs.Load(), s.cluster.wsURLs.Load()
	if oldURLs != nil && slices.Equal(*oldURLs, urls) && (oldWS == nil && len(ws) == 0 || oldWS != nil && slices.Equal(*oldWS, ws)) {
		return
	}
	s.cluster.connectURLs.Store(&urls)
	s.cluster.wsURLs.Store(&ws)
	if s.isShuttingDown() {
		return
	}
	s.sendAsyncInfo(s.baseInfo())
}

// resendInfo sends the current INFO to the clients that accept one (after
// a reload changed what it says). It holds urlsMu, as updateConnectURLs
// does, so that the two never interleave: otherwise an INFO built before a
// cluster change could reach clients after the one announcing it, and
// leave them with stale connect_urls until the next change.
func (s *Server) resendInfo() {
	s.cluster.urlsMu.Lock()
	defer s.cluster.urlsMu.Unlock()
	info := s.baseInfo()
	if testHookResendInfo != nil {
		testHookResendInfo()
	}
	s.sendAsyncInfo(info)
}

// testHookResendInfo runs between building and sending resendInfo's INFO
// (tests only).
var testHookResendInfo func()

// sendAsyncInfo sends info to every client that accepts an asynchronous
// INFO, completed with each client's own fields: clients such as nats.c
// replace their saved INFO with each one they receive.
func (s *Server) sendAsyncInfo(info serverInfo) {
	for _, c := range s.snapshotClients() {
		if c.flags.Load()&flagAsyncInfo != 0 {
			c.queueInfo(c.asyncInfoLine(info))
		}
	}
}

func (s *Server) isShuttingDown() bool {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.shutdown
}

// dedupe keeps the first occurrence of each string, in order (so this
// server's own URLs stay first).
func dedupe(in []string) []string {
	seen := make(map[string]bool, len(in))
	out := in[:0]
	for _, u := range in {
		if !seen[u] {
			seen[u] = true
			out = append(out, u)
		}
	}
	return out
}

// ---------------------------------------------------------------------------
// Local interest

// interestKey is an (account, subject, queue); queue "" for plain interest.
type interestKey struct{ account, subject, queue string }

// interestTable counts the local subscriptions of each (subject, queue),
// so that a route hears RS+ for the first and RS- after the last, and a
// queue group's weight (its local member count) whenever it changes.
type interestTable struct {
	m map[interestKey]int32
}

// interestOp is what a change of local interest sends to the routes.
type interestOp struct {
	send   bool  // anything to send
	sub    bool  // RS+ (else RS-)
	weight int32 // RS+ weight for a queue group
}

// add counts one more subscription and says what to send.
func (t *interestTable) add(account, subject, queue string) interestOp {
	k := interestKey{account, subject, queue}
	n := t.m[k] + 1
	t.m[k] = n
	if queue == "" {
		return interestOp{send: n == 1, sub: true}
	}
	return interestOp{send: true, sub: true, weight: n}
}

// remove counts one subscription less and says what to send.
func (t *interestTable) remove(account, subject, queue string) interestOp {
	k := interestKey{account, subject, queue}
	n, ok := t.m[k]
	if !ok {
		return interestOp{}
	}
	n--
	if n <= 0 {
		delete(t.m, k)
		return interestOp{send: true}
	}
	t.m[k] = n
	if queue == "" {
		return interestOp{}
	}
	return interestOp{send: true, sub: true, weight: n}
}

// interestEntry is one line of a snapshot.
type interestEntry struct {
	key interestKey
	n   int32
}

func (t *interestTable) snapshot() []interestEntry {
	out := make([]interestEntry, 0, len(t.m))
	for k, n := range t.m {
		out = append(out, interestEntry{k, n})
	}
	return out
}

// appendInterest encodes RS+ or RS- for an (account, subject, queue).
func appendInterest(b []byte, account, subject, queue string, op interestOp) []byte {
	if op.sub {
		b = append(b, "RS+ "...)
	} else {
		b = append(b, "RS- "...)
	}
	if account != "" { // none on a pinned route
		b = append(b, account...)
		b = append(b, ' ')
	}
	b = append(b, subject...)
	if queue != "" {
		b = append(b, ' ')
		b = append(b, queue...)
		if op.sub {
			b = append(b, ' ')
			b = strconv.AppendInt(b, int64(op.weight), 10)
		}
	}
	return append(b, "\r\n"...)
}

// sendInterestLocked queues the interest change on every route; imu is
// held, so every route sees the changes in the order they happened. A
// route still receiving its initial snapshot gets them after it.
func (s *Server) sendInterestLocked(sub *subscription, op interestOp) {
	if !op.send || len(s.cluster.targets) == 0 {
		return
	}
	var buf, pbuf [256]byte
	acc := sub.acc.name
	line := appendInterest(buf[:0], acc, sub.subject, sub.queue, op)
	var pinnedLine []byte // the same without the account, for pinned routes
	h, pinned := fnv32a(acc), s.pinnedAccount(acc)
	for _, r := range s.cluster.targets {
		if !r.route.carries(acc, h, pinned) {
			continue
		}
		line := line
		if r.route.pinned != "" {
			if pinnedLine == nil {
				pinnedLine = appendInterest(pbuf[:0], "", sub.subject, sub.queue, op)
			}
			line = pinnedLine
		}
		if r.route.syncing {
			r.route.syncQueue = append(r.route.syncQueue, line...)
			continue
		}
		r.mu.Lock()
		if !r.closed {
			r.out.Append(line)
		}
		r.mu.Unlock()
		if r.tracing() {
			r.traceOut(strings.TrimSuffix(string(line), "\r\n"))
		}
		r.signalFlush()
	}
}

// Interest snapshots go out in chunks of syncChunk bytes, each queued only
// once the route's pending output is below syncHighWater, so a resync of
// hundreds of thousands of subscriptions neither holds a lock for long nor
// queues megabytes ahead of the messages other clients publish meanwhile.
const (
	syncChunk     = 32 << 10
	syncHighWater = 128 << 10
)

// startInterestSync makes a newly registered route a target of interest
// changes and sends it a snapshot of the local interest. The snapshot is
// taken under imu (a copy of the table, not of the sublist) and written by
// a separate goroutine; changes made meanwhile queue up behind it.
func (s *Server) startInterestSync(r *client) {
	s.cluster.imu.Lock()
	r.mu.Lock()
	closed := r.closed
	r.mu.Unlock()
	if closed {
		s.cluster.imu.Unlock()
		return
	}
	snap := s.cluster.interest.snapshot()
	s.cluster.targets = append(s.cluster.targets, r)
	r.route.syncing = true
	s.cluster.imu.Unlock()
	s.goroutine(func() { s.syncInterest(r, snap) })
}

func (s *Server) syncInterest(r *client, snap []interestEntry) {
	buf := make([]byte, 0, syncChunk+512)
	for i := 0; i < len(snap); {
		buf = buf[:0]
		for ; i < len(snap) && len(buf) < syncChunk; i++ {
			e := snap[i]
			acc := e.key.account
			if !r.route.carries(acc, fnv32a(acc), s.pinnedAccount(acc)) {
				continue
			}
			if r.route.pinned != "" {
				acc = ""
			}
			buf = appendInterest(buf, acc, e.key.subject, e.key.queue, interestOp{send: true, sub: true, weight: e.n})
		}
		if !r.waitOutBelow(syncHighWater) {
			return
		}
		r.mu.Lock()
		if r.closed {
			r.mu.Unlock()
			return
		}
		r.out.Append(buf)
		r.mu.Unlock()
		r.signalFlush()
	}
	s.cluster.imu.Lock()
	r.mu.Lock()
	if !r.closed {
		r.out.Append(r.route.syncQueue)
	}
	r.mu.Unlock()
	r.route.syncQueue = nil
	r.route.syncing = false
	s.cluster.imu.Unlock()
	r.signalFlush()
	if len(snap) > 0 {
		s.log.Debugf("%s - Sent %d interest entries", r.logPrefix(), len(snap))
	}
}

// waitOutBelow waits until the route's pending output is below n bytes.
// It reports false if the route closed or the server is shutting down.
func (r *client) waitOutBelow(n int) bool {
	var t *time.Timer
	defer func() {
		if t != nil {
			t.Stop()
		}
	}()
	for {
		r.mu.Lock()
		pending, closed := r.out.Len(), r.closed
		r.mu.Unlock()
		if closed {
			return false
		}
		if pending < n {
			return true
		}
		// The writer signals drained after each flush; the timer is a
		// safety net against a missed signal.
		if t == nil {
			t = time.NewTimer(50 * time.Millisecond)
		} else {
			t.Reset(50 * time.Millisecond)
		}
		select {
		case <-r.route.drained:
		case <-t.C:
		case <-r.route.done:
			return false
		case <-r.srv.cluster.ctx.Done():
			return false
		}
	}
}

// dropTarget stops sending interest to a closed route.
func (s *Server) dropTarget(r *client) {
	s.cluster.imu.Lock()
	if i := slices.Index(s.cluster.targets, r); i >= 0 {
		s.cluster.targets = slices.Delete(s.cluster.targets, i, i+1)
	}
	r.route.syncQueue = nil
	s.cluster.imu.Unlock()
}

// routesEnterLameDuck tells the peers this server is going away, so that
// they stop listing its client URLs.
func (s *Server) routesEnterLameDuck() {
	if !s.cluster.enabled {
		return
	}
	line := s.routeUpdateLine(true)
	// On every connection of the pools, so that it arrives whichever of
	// them the peer reads first (a peer acts on it once).
	for _, r := range s.registeredRoutes() {
		r.queueRoute(line)
	}
}
