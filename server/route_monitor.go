package server

import (
	"cmp"
	"net/url"
	"slices"
	"time"

	"github.com/natsd/natsd/monitor"
)

// routez is the /routez snapshot: one entry per registered route.
func (s *Server) routez(o *monitor.RoutezOptions) *monitor.Routez {
	if o == nil {
		o = &monitor.RoutezOptions{}
	}
	now := time.Now()
	rz := &monitor.Routez{ID: s.id, Name: s.name, Now: now, Routes: []*monitor.RouteInfo{}}
	for _, r := range s.registeredRoutes() {
		ri := &monitor.RouteInfo{
			Rid:     r.cid,
			IP:      r.host,
			Port:    r.port,
			Start:   r.start,
			Uptime:  monitor.FormatUptime(now.Sub(r.start)),
			InMsgs:  r.inMsgs.Load(),
			InBytes: r.inBytes.Load(),
		}
		var details []monitor.SubDetail
		r.mu.Lock()
		ri.RemoteID, ri.RemoteName = r.route.remoteID, r.route.remoteName
		ri.DidSolicit, ri.IsConfigured = r.route.solicited, r.route.configured
		ri.LastActivity = r.lastActivity
		ri.Pending = r.out.Len()
		ri.OutMsgs, ri.OutBytes = r.outMsgs, r.outBytes
		ri.NumSubs = uint32(len(r.subs))
		ri.Compression = r.compressionLevel()
		rtt := r.mon.rtt
		if o.Subscriptions || o.SubscriptionsDetail {
			details = make([]monitor.SubDetail, 0, len(r.subs))
			for _, sub := range r.subs {
				details = append(details, sub.detailLocked())
			}
		}
		r.mu.Unlock()
		ri.Idle = monitor.FormatUptime(now.Sub(ri.LastActivity))
		if rtt > 0 {
			ri.RTT = monitor.FormatRTT(rtt)
		}
		if len(details) > 0 {
			slices.SortFunc(details, func(a, b monitor.SubDetail) int {
				return cmp.Or(cmp.Compare(a.Subject, b.Subject), cmp.Compare(a.Queue, b.Queue))
			})
			if o.SubscriptionsDetail {
				ri.SubsDetail = details
			} else {
				ri.Subs = make([]string, len(details))
				for i, d := range details {
					ri.Subs[i] = d.Subject
				}
			}
		}
		rz.Routes = append(rz.Routes, ri)
	}
	slices.SortFunc(rz.Routes, func(a, b *monitor.RouteInfo) int { return cmp.Compare(a.Rid, b.Rid) })
	rz.NumRoutes = len(rz.Routes)
	return rz
}

// clusterVarz fills /varz's cluster fields and route counts.
func (s *Server) clusterVarz(v *monitor.Varz) {
	o := s.getOpts()
	routes := s.registeredRoutes()
	v.Routes = len(routes)
	for _, r := range routes {
		v.InMsgs += r.inMsgs.Load()
		v.InBytes += r.inBytes.Load()
		r.mu.Lock()
		v.OutMsgs += r.outMsgs
		v.OutBytes += r.outBytes
		r.mu.Unlock()
	}
	slow, stale := s.cluster.slowRoutes.Load(), s.cluster.staleRoutes.Load()
	v.SlowConsumers += int64(slow)
	v.StaleConnections += int64(stale)
	if v.SlowConsumersStats != nil {
		v.SlowConsumersStats.Routes = slow
	}
	if v.StaleConnectionStats != nil {
		v.StaleConnectionStats.Routes = stale
	}
	v.ClientConnectURLs = s.clientConnectURLs()
	if !s.cluster.enabled {
		return
	}
	v.Cluster = monitor.ClusterOptsVarz{
		Name:        o.Cluster.Name,
		Host:        o.Cluster.Host,
		Port:        o.Cluster.Port,
		AuthTimeout: o.Cluster.AuthTimeout.Seconds(),
	}
	if a := s.ClusterAddr(); a != nil {
		v.Cluster.Port = addrPort(a)
	}
	for _, u := range o.Cluster.Routes {
		v.Cluster.URLs = append(v.Cluster.URLs, redactURL(u))
	}
}

// redactURL is a route URL as host:port, without credentials.
func redactURL(u *url.URL) string { return u.Host }
