package server

import (
	"encoding/json"
	"runtime"
	"sync/atomic"
	"time"

	"github.com/nats-io/nuid"

	"github.com/natsd/natsd/accounts"
	"github.com/natsd/natsd/monitor"
)

// The system account's events: every server publishes, in its system
// account, advisories when a client connects or disconnects
// ($SYS.ACCOUNT.<account>.CONNECT / .DISCONNECT), the account's new
// connection count ($SYS.ACCOUNT.<account>.SERVER.CONNS and
// $SYS.SERVER.ACCOUNT.<account>.CONNS) and, periodically, its statistics
// ($SYS.SERVER.<id>.STATSZ). It also answers the $SYS.REQ request API
// (sysreq.go). Everything goes through one internal client of the
// system account (internal.go) and one goroutine, the system loop:
//
//   - A connection only hands the loop a closure (sysState.queue) when it
//     completes CONNECT or closes; nothing on the message path knows
//     about the system account.
//   - The loop builds and publishes each message in order, numbering
//     them (ServerInfo.seq) as nats-server does.
//   - A request's callback runs inside the requester's delivery, so it
//     only copies the request and queues it; the loop answers.
//
// The queue is bounded: when it is full (the loop is far behind), events
// are dropped rather than slowing clients down.

// System event subjects (fmt patterns on the account or server id).
const (
	sysConnectSubj       = "$SYS.ACCOUNT.%s.CONNECT"
	sysDisconnectSubj    = "$SYS.ACCOUNT.%s.DISCONNECT"
	sysAccConnsSubj      = "$SYS.ACCOUNT.%s.SERVER.CONNS"
	sysAccConnsOldSubj   = "$SYS.SERVER.ACCOUNT.%s.CONNS"
	sysServerStatsSubj   = "$SYS.SERVER.%s.STATSZ"
	sysAuthErrorSubj     = "$SYS.SERVER.%s.CLIENT.AUTH.ERR"
	sysQueueLen          = 8192
	sysStatszMinInterval = 250 * time.Millisecond
	sysStatszMaxInterval = 10 * time.Second
)

// sysState is the running system services of a server.
type sysState struct {
	acc   *Account
	ic    *internalClient
	seq   atomic.Uint64
	queue chan func()
	// dropped counts events lost to a full queue.
	dropped atomic.Uint64
}

// startSystem starts the system services in the system account: the
// request API's subscriptions and the system loop. Called once by Start.
//
// They run only when the configuration names a system account
// (system_account, or an account called $SYS in the accounts block):
// without one nobody can log into the system account to read them (the
// default $SYS has no users), and a server without them keeps no
// subscriptions of its own, so its interest, /subsz and the routes carry
// only what clients asked for.
func (s *Server) startSystem() {
	o := s.getOpts()
	if o.SystemAccount == "" && !definedIn(o.Accounts, accounts.DefaultSystem) {
		return
	}
	acc := s.lookupAccount(s.SystemAccount())
	if acc == nil {
		return
	}
	sys := &sysState{acc: acc, ic: s.newInternalClient(acc), queue: make(chan func(), sysQueueLen)}
	s.sys.Store(sys)
	s.subscribeSysRequests(sys)
	s.accountSysServices(nil)
	s.goroutine(func() { s.sysLoop(sys) })
}

// sysLoop runs the system account's work in order until shutdown, and
// sends STATSZ at growing intervals (250ms doubling up to 10s, as
// nats-server's cadence looks from outside).
func (s *Server) sysLoop(sys *sysState) {
	interval := sysStatszMinInterval
	t := time.NewTimer(interval)
	defer t.Stop()
	defer sys.ic.close()
	for {
		select {
		case <-s.quit:
			return
		case f := <-sys.queue:
			f()
		case <-t.C:
			s.sendStatsz(fmtSubj(sysServerStatsSubj, s.id), "")
			interval = min(2*interval, sysStatszMaxInterval)
			t.Reset(interval)
		}
	}
}

// sysQueue hands f to the system loop; it never blocks.
func (s *Server) sysQueue(f func()) {
	sys := s.sys.Load()
	if sys == nil {
		return
	}
	select {
	case sys.queue <- f:
	default:
		if sys.dropped.Add(1) == 1 {
			s.log.Warnf("System account event queue is full: dropping events")
		}
	}
}

// sysPublish marshals v and publishes it in the system account. Called
// from the system loop only.
func (s *Server) sysPublish(subject, reply string, v any) {
	sys := s.sys.Load()
	if sys == nil {
		return
	}
	b, err := json.Marshal(v)
	if err != nil {
		s.log.Errorf("Encoding a system event for %s: %v", subject, err)
		return
	}
	sys.ic.publish([]byte(subject), []byte(reply), 0, b)
}

// sysPublishVia publishes an answer with ic (nil: the system client), in
// ic's account. Called from the system loop only.
func (s *Server) sysPublishVia(ic *internalClient, subject string, v any) {
	if ic == nil {
		s.sysPublish(subject, "", v)
		return
	}
	b, err := json.Marshal(v)
	if err != nil {
		s.log.Errorf("Encoding a system answer for %s: %v", subject, err)
		return
	}
	ic.publish([]byte(subject), nil, 0, b)
}

func fmtSubj(pattern, token string) string {
	// One %s: cheaper and clearer than fmt for a hot-ish path.
	for i := 0; i+1 < len(pattern); i++ {
		if pattern[i] == '%' && pattern[i+1] == 's' {
			return pattern[:i] + token + pattern[i+2:]
		}
	}
	return pattern
}

// serverInfo describes this server for the next message the system
// client sends, numbering it.
func (s *Server) serverInfo() *monitor.ServerInfo {
	o := s.getOpts()
	si := &monitor.ServerInfo{
		Name:         s.name,
		Host:         o.Host,
		ID:           s.id,
		Version:      Version,
		FeatureFlags: monitor.DefaultFeatureFlags,
		Time:         time.Now().UTC(),
	}
	if s.cluster.enabled {
		si.Cluster = o.Cluster.Name
	}
	if s.js.Load() != nil {
		// nats-server sets these three flag bits whenever JetStream runs.
		si.JetStream, si.Flags = true, 7
	}
	if sys := s.sys.Load(); sys != nil {
		si.Seq = sys.seq.Add(1)
	}
	return si
}

// statsz gathers the server's statistics.
func (s *Server) statsz() monitor.ServerStats {
	v := s.Varz()
	st := monitor.ServerStats{
		Start:               v.Start,
		Mem:                 v.Mem,
		Cores:               v.Cores,
		CPU:                 v.CPU,
		Connections:         v.Connections,
		TotalConnections:    v.TotalConnections,
		NumSubs:             v.Subscriptions,
		Sent:                monitor.MsgBytes{Msgs: v.OutMsgs, Bytes: v.OutBytes},
		SentToClients:       monitor.MsgBytes{Msgs: v.OutClientMsgs, Bytes: v.OutClientBytes},
		Received:            monitor.MsgBytes{Msgs: v.InMsgs, Bytes: v.InBytes},
		ReceivedFromClients: monitor.MsgBytes{Msgs: v.InClientMsgs, Bytes: v.InClientBytes},
		SlowConsumers:       v.SlowConsumers,
		ActiveServers:       1 + s.NumRoutes(),
		MaxProcs:            runtime.GOMAXPROCS(0),
	}
	// The system account counts as active (its services are), and so
	// does every other account with a client connected.
	sysName := s.SystemAccount()
	st.ActiveAccounts = 1
	s.mu.Lock()
	for _, a := range s.accounts.Load().byName {
		if a.name != sysName && a.nconns > 0 {
			st.ActiveAccounts++
		}
	}
	s.mu.Unlock()
	for _, r := range s.registeredRoutes() {
		rs := &monitor.RouteStat{ID: r.cid, Received: monitor.MsgBytes{Msgs: r.inMsgs.Load(), Bytes: r.inBytes.Load()}}
		r.mu.Lock()
		rs.Name = r.route.remoteName
		rs.Sent = monitor.MsgBytes{Msgs: r.outMsgs, Bytes: r.outBytes}
		rs.Pending = r.out.Len()
		r.mu.Unlock()
		st.Routes = append(st.Routes, rs)
	}
	if js := s.js.Load(); js != nil {
		stats := js.stats()
		cfg := js.configVarz()
		cfg.StoreDir = "" // STATSZ leaves the directory out, unlike /varz
		st.JetStream = &monitor.JetStreamStatz{Config: cfg, Stats: &stats}
	}
	return st
}

// sendStatsz publishes the server's statistics on subject (STATSZ or a
// request's reply subject).
func (s *Server) sendStatsz(subject, reply string) {
	s.sysPublish(subject, reply, &monitor.ServerStatsMsg{Server: s.serverInfo(), Stats: s.statsz()})
}

// clientInfo describes c for an advisory; stop is set for a disconnect.
func (c *client) clientInfo(stop *time.Time) *monitor.ClientInfo {
	start := c.start.UTC()
	ci := &monitor.ClientInfo{Start: &start, Host: c.host, ID: c.cid, Kind: "Client", ClientType: c.connType()}
	if acc := c.acc.Load(); acc != nil {
		ci.Account, ci.NameTag = acc.name, acc.name
	}
	c.mu.Lock()
	ci.User = c.mon.user
	ci.Name, ci.Lang, ci.Version = c.mon.name, c.mon.lang, c.mon.version
	if stop != nil {
		ci.RTT = int64(c.mon.rtt)
	}
	c.mu.Unlock()
	if stop != nil {
		t := stop.UTC()
		ci.Stop = &t
	}
	return ci
}

// sysClientConnected announces a client that completed its first CONNECT.
func (s *Server) sysClientConnected(c *client) {
	if s.sys.Load() == nil {
		return
	}
	now := time.Now().UTC()
	acc := c.acc.Load()
	ci := c.clientInfo(nil)
	n := acc.connCount(s) // now: the loop may run after later changes
	s.sysQueue(func() {
		s.sendAccountConns(acc, n)
		if subj := fmtSubj(sysConnectSubj, acc.name); s.sysInterest(subj) {
			s.sysPublish(subj, "", &monitor.ConnectEventMsg{
				Type: monitor.ConnectEventType, ID: nuid.Next(), Time: now, Server: s.serverInfo(), Client: ci})
		}
	})
}

// sysClientClosed announces a client connection that closed after CONNECT,
// with what it sent and received over its life. One that failed to
// authenticate (not counted in its account) is announced on
// $SYS.SERVER.<id>.CLIENT.AUTH.ERR too, first, and without a connection
// count.
func (s *Server) sysClientClosed(c *client, reason ClosedReason, counted bool, outMsgs, outBytes int64) {
	if s.sys.Load() == nil {
		return
	}
	now := time.Now().UTC()
	acc := c.acc.Load()
	ev := &monitor.DisconnectEventMsg{
		Type:     monitor.DisconnectEventType,
		ID:       nuid.Next(),
		Time:     now,
		Client:   c.clientInfo(&now),
		Sent:     monitor.MsgBytes{Msgs: c.inMsgs.Load(), Bytes: c.inBytes.Load()},
		Received: monitor.MsgBytes{Msgs: outMsgs, Bytes: outBytes},
		Reason:   reason.String(),
	}
	n := acc.connCount(s)
	authErr := !counted
	s.sysQueue(func() {
		if authErr {
			if subj := fmtSubj(sysAuthErrorSubj, s.id); s.sysInterest(subj) {
				ev.Server = s.serverInfo()
				s.sysPublish(subj, "", ev)
			}
		} else {
			s.sendAccountConns(acc, n)
		}
		if subj := fmtSubj(sysDisconnectSubj, acc.name); s.sysInterest(subj) {
			ev.Server = s.serverInfo()
			s.sysPublish(subj, "", ev)
		}
	})
}

// accountStat is acc's connection count and traffic on this server: its
// live connections' counters plus those of its closed ones.
func (s *Server) accountStat(acc *Account) *monitor.AccountStat {
	st := &monitor.AccountStat{Account: acc.name, Name: acc.name, NumSubs: acc.sl.Count()}
	st.Received.Msgs, st.Received.Bytes = acc.stats.inMsgs.Load(), acc.stats.inBytes.Load()
	st.Sent.Msgs, st.Sent.Bytes = acc.stats.outMsgs.Load(), acc.stats.outBytes.Load()
	st.SlowConsumers = int64(acc.slowConsumers.Load())
	for _, c := range s.snapshotClients() {
		if c.acc.Load() != acc {
			continue
		}
		st.Received.Msgs += c.inMsgs.Load()
		st.Received.Bytes += c.inBytes.Load()
		c.mu.Lock()
		st.Sent.Msgs += c.outMsgs
		st.Sent.Bytes += c.outBytes
		c.mu.Unlock()
	}
	st.Conns = acc.connCount(s)
	st.TotalConns = st.Conns
	return st
}

// accountConnsMsg is acc's AccountNumConns event.
func (s *Server) accountConnsMsg(acc *Account) *monitor.AccountNumConns {
	now := time.Now().UTC()
	return &monitor.AccountNumConns{Type: monitor.AccountNumConnsType, ID: nuid.Next(), Time: now,
		Server: s.serverInfo(), AccountStat: *s.accountStat(acc)}
}

// sendAccountConns publishes acc's connection count (conns, as counted
// when it changed) on both subjects nats-server uses, the newer first.
func (s *Server) sendAccountConns(acc *Account, conns int) {
	subj, old := fmtSubj(sysAccConnsSubj, acc.name), fmtSubj(sysAccConnsOldSubj, acc.name)
	toNew, toOld := s.sysInterest(subj), s.sysInterest(old)
	if !toNew && !toOld {
		return // summing the account's traffic costs a pass over its clients
	}
	m := s.accountConnsMsg(acc)
	m.Conns, m.TotalConns = conns, conns
	if toNew {
		s.sysPublish(subj, "", m)
	}
	if toOld {
		m.Server = s.serverInfo()
		s.sysPublish(old, "", m)
	}
}

// sysInterest reports whether anyone (here or, through a route, on
// another server) listens on subject in the system account: events
// nobody listens to are not built.
func (s *Server) sysInterest(subject string) bool {
	sys := s.sys.Load()
	return sys != nil && sys.acc.sl.HasInterest([]byte(subject))
}
