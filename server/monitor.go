package server

import (
	"cmp"
	"net"
	"runtime"
	"slices"
	"sync"
	"time"

	"github.com/natsd/natsd/monitor"
	"github.com/natsd/natsd/sublist"
)

// The server is the monitoring endpoints' source of snapshots.
var _ monitor.Source = (*Server)(nil)

// globalAccount is the account every natsd connection is in, as named by
// nats-server's monitoring.
const globalAccount = "$G"

// monitorState is what monitoring adds to a Server.
type monitorState struct {
	mu      sync.Mutex
	http    *httpMonitor
	prof    *profListener // prof_port (profiling.go)
	closed  closedRing
	cpu     cpuSampler
	started time.Time // for the CPU average before the first sample
}

// clientMon is what monitoring keeps per connection. Fields are guarded by
// client.mu, except active, which only the reader touches.
type clientMon struct {
	name, lang, version string
	user                string        // the user (or nkey) the client presented
	rtt                 time.Duration // INFO-to-CONNECT, then PING-to-PONG
	pingSent            time.Time     // when the outstanding server PING went out
	seenOutMsgs         int64         // outMsgs at the writer's last flush
	active              bool          // reader: this batch had a SUB or UNSUB
}

// pong records the round trip of the server's last PING. Called with
// client.mu held.
func (m *clientMon) pong(now time.Time) {
	if !m.pingSent.IsZero() {
		m.rtt = now.Sub(m.pingSent)
		m.pingSent = time.Time{}
	}
}

// recordConnect keeps what /connz shows of CONNECT, estimates the round
// trip from the INFO sent at accept to the CONNECT received (as nats-server
// does), and counts CONNECT as activity. It runs once per connection.
func (c *client) recordConnect(o *connectOptions) {
	now := time.Now()
	c.mu.Lock()
	c.mon.name, c.mon.lang, c.mon.version = o.Name, o.Lang, o.Version
	c.mon.user = o.Username
	if c.mon.user == "" {
		c.mon.user = o.Nkey
	}
	if c.mon.rtt == 0 {
		c.mon.rtt = now.Sub(c.start)
	}
	c.lastActivity = now
	c.mu.Unlock()
}

// noteReadActivity updates the last activity once per read batch that
// carried a PUB, SUB or UNSUB (a PING or PONG alone is not activity, as in
// nats-server). inBefore is inMsgs before the batch was parsed.
func (c *client) noteReadActivity(inBefore int64) {
	if !c.mon.active && c.inMsgs.Load() == inBefore {
		return
	}
	c.mon.active = false
	now := time.Now()
	c.mu.Lock()
	c.lastActivity = now
	c.mu.Unlock()
}

// noteWriteActivity runs in the writer with c.mu held after a flush: if
// messages were delivered since the last flush, that is activity. It costs
// one comparison per flush, and a clock read only when messages went out.
func (c *client) noteWriteActivity() {
	if c.outMsgs != c.mon.seenOutMsgs {
		c.mon.seenOutMsgs = c.outMsgs
		c.lastActivity = time.Now()
	}
}

// MonitorAddr is the monitoring listener's address, nil when monitoring is
// off or the server is not started.
func (s *Server) MonitorAddr() net.Addr {
	s.mon.mu.Lock()
	defer s.mon.mu.Unlock()
	if s.mon.http == nil {
		return nil
	}
	return s.mon.http.listener.Addr()
}

// clientPort is the port clients dial, once the listener is up.
func (s *Server) clientPort() int {
	if a := s.Addr(); a != nil {
		return addrPort(a)
	}
	s.mu.Lock()
	a := s.lastListenAddr
	s.mu.Unlock()
	if a != nil {
		return addrPort(a)
	}
	return s.getOpts().Port
}

// Varz is the /varz snapshot. Traffic totals are the live connections'
// counters plus those of the connections already closed.
func (s *Server) Varz() *monitor.Varz {
	o := s.getOpts()
	now := time.Now()
	v := &monitor.Varz{
		ID:             s.id,
		Name:           s.name,
		Version:        Version,
		Proto:          ProtoVersion,
		GoVersion:      runtime.Version(),
		Host:           o.Host,
		Port:           s.clientPort(),
		AuthRequired:   s.authRequired(),
		MaxConn:        o.MaxConnections,
		MaxSubs:        o.MaxSubscriptions,
		PingInterval:   o.PingInterval,
		MaxPingsOut:    o.MaxPingsOut,
		HTTPHost:       o.httpHost(),
		HTTPPort:       o.HTTPPort,
		HTTPBasePath:   o.HTTPBasePath,
		AuthTimeout:    o.AuthTimeout.Seconds(),
		MaxControlLine: o.MaxControlLine,
		MaxPayload:     int(o.MaxPayload),
		MaxPending:     o.MaxPending,
		TLSTimeout:     o.TLSTimeout.Seconds(),
		TLSRequired:    s.tls.Load() != nil && !s.tls.Load().allowNonTLS,
		TLSVerify:      s.tls.Load() != nil && s.tls.Load().verify,
		WriteDeadline:  o.WriteDeadline,
		Start:          s.start,
		Now:            now,
		Uptime:         monitor.FormatUptime(now.Sub(s.start)),
		Cores:          runtime.NumCPU(),
		MaxProcs:       runtime.GOMAXPROCS(0),
		ConfigLoadTime: s.start,
		HTTPReqStats:   map[string]uint64{},
		Websocket:      s.websocketVarz(o),
	}
	if a := s.MonitorAddr(); a != nil {
		v.HTTPPort = addrPort(a)
	}
	v.Mem, v.CPU = s.mon.cpu.sample(s.start)

	clients := s.snapshotClients()
	v.Connections = len(clients)
	v.InMsgs = s.stats.closedInMsgs.Load()
	v.InBytes = s.stats.closedInBytes.Load()
	v.OutMsgs = s.stats.closedOutMsgs.Load()
	v.OutBytes = s.stats.closedOutBytes.Load()
	for _, c := range clients {
		v.InMsgs += c.inMsgs.Load()
		v.InBytes += c.inBytes.Load()
		c.mu.Lock()
		v.OutMsgs += c.outMsgs
		v.OutBytes += c.outBytes
		c.mu.Unlock()
	}
	v.InClientMsgs, v.InClientBytes = v.InMsgs, v.InBytes
	v.OutClientMsgs, v.OutClientBytes = v.OutMsgs, v.OutBytes
	v.TotalConnections = s.stats.totalConns.Load()
	slow := s.stats.slowConsumer.Load()
	stale := s.stats.staleConns.Load()
	v.SlowConsumers = int64(slow)
	v.StaleConnections = int64(stale)
	v.SlowConsumersStats = &monitor.SlowConsumersStats{Clients: slow}
	v.StaleConnectionStats = &monitor.StaleConnectionStats{Clients: stale}
	v.Subscriptions = s.NumSubscriptions()
	v.SystemAccount = s.SystemAccount()
	s.clusterVarz(v)
	s.leafVarz(v)
	if js := s.js.Load(); js != nil {
		cfg, stats := js.configVarz(), js.stats()
		v.JetStream = monitor.JetStreamVarz{Config: cfg, Stats: &stats}
	}
	return v
}

// connInfo snapshots an open connection under its lock.
func (c *client) connInfo() *monitor.ConnInfo {
	ci := &monitor.ConnInfo{
		Cid:     c.cid,
		Kind:    "Client",
		Type:    c.connType(),
		IP:      c.host,
		Port:    c.port,
		Start:   c.start,
		InMsgs:  c.inMsgs.Load(),
		InBytes: c.inBytes.Load(),
		// natsd only: the time publish rate limits held the reader.
		ThrottledMs: c.throttled.Load() / int64(time.Millisecond),
	}
	if acc := c.acc.Load(); acc != nil {
		ci.NameTag = acc.name
		if acc.name != globalAccount {
			ci.Account = acc.name
		}
	}
	c.mu.Lock()
	ci.LastActivity = c.lastActivity
	ci.Pending = c.out.Len()
	ci.OutMsgs = c.outMsgs
	ci.OutBytes = c.outBytes
	ci.NumSubs = uint32(len(c.subs))
	ci.Name, ci.Lang, ci.Version = c.mon.name, c.mon.lang, c.mon.version
	ci.AuthorizedUser = c.mon.user
	rtt := c.mon.rtt
	c.mu.Unlock()
	ci.SetRTT(rtt)
	if c.tlsInfo != nil {
		ci.TLSVersion, ci.TLSCipher = c.tlsInfo.version, c.tlsInfo.cipher
	}
	return ci
}

// subDetails lists the connection's subscriptions, ordered by sid.
func (c *client) subDetails() []monitor.SubDetail {
	c.mu.Lock()
	out := make([]monitor.SubDetail, 0, len(c.subs))
	for _, sub := range c.subs {
		out = append(out, sub.detailLocked())
	}
	c.mu.Unlock()
	sortSubDetails(out)
	return out
}

// detailLocked describes sub; its client's lock must be held.
func (sub *subscription) detailLocked() monitor.SubDetail {
	return monitor.SubDetail{
		Subject: sub.subject,
		Queue:   sub.queue,
		Sid:     sub.sid,
		Msgs:    int64(sub.delivered),
		Max:     int64(sub.max),
		Cid:     sub.client.cid,
	}
}

// sortSubDetails orders by cid, then sid numerically when sids are numbers.
func sortSubDetails(d []monitor.SubDetail) {
	slices.SortFunc(d, func(a, b monitor.SubDetail) int {
		if r := cmp.Compare(a.Cid, b.Cid); r != 0 {
			return r
		}
		if r := cmp.Compare(len(a.Sid), len(b.Sid)); r != 0 {
			return r
		}
		return cmp.Compare(a.Sid, b.Sid)
	})
}

// fillSubs sets the subscription lists asked for from details.
func fillSubs(ci *monitor.ConnInfo, details []monitor.SubDetail, detail bool) {
	if len(details) == 0 {
		return
	}
	if detail {
		ci.SubsDetail = details
		return
	}
	ci.Subs = make([]string, len(details))
	for i, d := range details {
		ci.Subs[i] = d.Subject
	}
}

// Connz is the /connz snapshot: open connections, recently closed ones, or
// both, sorted and paged as asked.
func (s *Server) Connz(o *monitor.ConnzOptions) (*monitor.Connz, error) {
	if o == nil {
		o = &monitor.ConnzOptions{}
	}
	if err := o.Validate(); err != nil {
		return nil, err
	}
	now := time.Now()
	var infos []*monitor.ConnInfo
	open := make(map[uint64]*client)
	if o.State != monitor.ConnClosed {
		for _, c := range s.snapshotClients() {
			if o.Account != "" && c.acc.Load().name != o.Account {
				continue
			}
			open[c.cid] = c
			infos = append(infos, c.connInfo())
		}
		for _, c := range s.leafConns() {
			if !c.leafRegistered() || (o.Account != "" && c.acc.Load().name != o.Account) {
				continue
			}
			open[c.cid] = c
			infos = append(infos, c.leafConnInfo())
		}
	}
	// Open connections are listed before closed ones are read, so one that
	// closes meanwhile may be in both lists (never in neither): the closed
	// record wins.
	closedSubs := make(map[uint64][]monitor.SubDetail)
	if o.State != monitor.ConnOpen {
		for _, cc := range s.mon.closed.snapshot() {
			if o.Account != "" && cc.account != o.Account {
				continue
			}
			if _, ok := open[cc.info.Cid]; ok {
				delete(open, cc.info.Cid)
				infos = slices.DeleteFunc(infos, func(ci *monitor.ConnInfo) bool { return ci.Cid == cc.info.Cid })
			}
			ci := cc.info // a copy: the page is rendered in place
			infos = append(infos, &ci)
			closedSubs[ci.Cid] = cc.subs
		}
	}
	cz := monitor.BuildConnz(s.id, now, infos, o)
	if o.Subscriptions || o.SubscriptionsDetail {
		for _, ci := range cz.Conns {
			var details []monitor.SubDetail
			if c, ok := open[ci.Cid]; ok {
				details = c.subDetails()
			} else {
				details = slices.Clone(closedSubs[ci.Cid])
			}
			fillSubs(ci, details, o.SubscriptionsDetail)
		}
	}
	return cz, nil
}

// Subsz is the /subsz snapshot: the subject index's statistics and, when
// asked, its subscriptions (only those matching test= if given).
func (s *Server) Subsz(o *monitor.SubszOptions) (*monitor.Subsz, error) {
	if o == nil {
		o = &monitor.SubszOptions{}
	}
	o.Normalize()
	// The statistics are those of one account's index with acc=, else
	// the sum over every account.
	var accs []*Account
	s.forEachAccount(func(a *Account) {
		if o.Account == "" || a.name == o.Account {
			accs = append(accs, a)
		}
	})
	var st sublist.Stats
	for _, a := range accs {
		st = addSublistStats(st, a.sl.Stats())
	}
	sz := &monitor.Subsz{
		ID:  s.id,
		Now: time.Now(),
		SublistStats: monitor.SublistStats{
			NumSubs:      st.NumSubs,
			NumCache:     st.NumCache,
			NumInserts:   st.NumInserts,
			NumRemoves:   st.NumRemoves,
			NumMatches:   st.NumMatches,
			CacheHitRate: st.CacheHitRate,
			MaxFanout:    st.MaxFanout,
			AvgFanout:    st.AvgFanout,
		},
		Offset: o.Offset,
		Limit:  o.Limit,
	}
	if !o.Subscriptions {
		return sz, nil
	}
	// Collect first, then read each subscription under its client's lock:
	// the index's lock is never held while a client lock is taken.
	// test= filters the listing without a lookup, so it moves none of the
	// index's counters.
	var subs []*subscription
	for _, a := range accs {
		a.sl.ForEach(func(subject, _ string, sub *subscription) {
			if o.Test == "" || sublist.SubjectMatches(subject, o.Test) {
				subs = append(subs, sub)
			}
		})
	}
	details := make([]monitor.SubDetail, 0, len(subs))
	for _, sub := range subs {
		sub.client.mu.Lock()
		d := sub.detailLocked()
		sub.client.mu.Unlock()
		d.Account, d.AccountTag = sub.acc.name, sub.acc.name
		details = append(details, d)
	}
	sortSubDetails(details)
	sz.Total = len(details)
	sz.Subs = monitor.Page(details, o.Offset, o.Limit)
	return sz, nil
}

// Routez is the /routez snapshot (route_monitor.go).
func (s *Server) Routez(o *monitor.RoutezOptions) (*monitor.Routez, error) {
	return s.routez(o), nil
}

// Healthz reports ok while the server accepts clients, and unavailable
// (503) before Start has finished, in lame-duck mode and at shutdown.
func (s *Server) Healthz() *monitor.Healthz {
	s.mu.Lock()
	shutdown, ldm, ready := s.shutdown, s.lameDuck, s.listener != nil
	s.mu.Unlock()
	var reason string
	switch {
	case shutdown:
		reason = "server is shutting down"
	case ldm:
		reason = "server is in lame duck mode"
	case !ready:
		reason = "server is not ready for client connections"
	default:
		return &monitor.Healthz{Status: monitor.HealthOK}
	}
	return &monitor.Healthz{Status: monitor.HealthUnavailable, StatusCode: 503, Error: reason}
}

// httpHost is the monitoring bind address: http_host, else the client host.
func (o *Options) httpHost() string {
	if o.HTTPHost != "" {
		return o.HTTPHost
	}
	return o.Host
}
