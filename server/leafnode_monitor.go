package server

import (
	"cmp"
	"slices"
	"time"

	"github.com/natsd/natsd/monitor"
)

// Leafz is the /leafz snapshot: one entry per registered leaf connection,
// with its interest when o.Subscriptions.
func (s *Server) Leafz(o *monitor.LeafzOptions) (*monitor.Leafz, error) {
	if o == nil {
		o = &monitor.LeafzOptions{}
	}
	lz := &monitor.Leafz{ID: s.id, Now: time.Now().UTC(), Leafs: []*monitor.LeafInfo{}}
	for _, c := range s.leafConns() {
		if !c.leafRegistered() {
			continue
		}
		acc := c.acc.Load()
		if o.Account != "" && acc.name != o.Account {
			continue
		}
		li := &monitor.LeafInfo{
			ID: c.cid, IsSpoke: c.leaf.solicited, Account: acc.name, IP: c.host, Port: c.port,
			InMsgs: c.inMsgs.Load(), InBytes: c.inBytes.Load(),
		}
		c.mu.Lock()
		li.Name = c.leaf.remoteName
		li.Compression = c.compressionLevel()
		li.OutMsgs, li.OutBytes = c.outMsgs, c.outBytes
		li.NumSubs = uint32(len(c.subs))
		if o.Subscriptions {
			for _, sub := range c.subs {
				li.Subs = append(li.Subs, sub.subject)
			}
		}
		rtt := c.mon.rtt
		c.mu.Unlock()
		slices.Sort(li.Subs)
		if rtt > 0 {
			li.RTT = rtt.String()
		}
		lz.Leafs = append(lz.Leafs, li)
	}
	slices.SortFunc(lz.Leafs, func(a, b *monitor.LeafInfo) int { return cmp.Compare(a.ID, b.ID) })
	lz.NumLeafs = len(lz.Leafs)
	return lz, nil
}

// leafVarz fills /varz's leaf section, its leaf count and the leaf
// connections' share of the traffic totals.
func (s *Server) leafVarz(v *monitor.Varz) {
	o := s.getOpts()
	ln := &o.LeafNode
	lv := monitor.LeafNodeOptsVarz{}
	if ln.enabled() {
		lv.Host = ln.Host
		if a := s.LeafAddr(); a != nil {
			lv.Port = addrPort(a)
		}
		lv.AuthTimeout = ln.AuthTimeout.Seconds()
		lv.TLSTimeout = ln.TLSTimeout.Seconds()
		lv.TLSRequired = ln.TLSConfig != nil
	}
	for _, r := range ln.Remotes {
		rv := monitor.RemoteLeafOptsVarz{LocalAccount: r.LocalAccount}
		if rv.LocalAccount == "" {
			rv.LocalAccount = globalAccount
		}
		for _, u := range r.URLs {
			rv.URLs = append(rv.URLs, u.Host) // without credentials
		}
		if len(r.DenyExports) > 0 || len(r.DenyImports) > 0 {
			rv.Deny = &monitor.DenyRules{Exports: r.DenyExports, Imports: r.DenyImports}
		}
		lv.Remotes = append(lv.Remotes, rv)
	}
	v.LeafNode = lv
	for _, c := range s.leafConns() {
		if !c.leafRegistered() {
			continue
		}
		v.Leafs++
		v.InMsgs += c.inMsgs.Load()
		v.InBytes += c.inBytes.Load()
		c.mu.Lock()
		v.OutMsgs += c.outMsgs
		v.OutBytes += c.outBytes
		c.mu.Unlock()
	}
}

// leafConnInfo is a leaf connection's /connz entry (kind "Leafnode", as
// nats-server lists them).
func (c *client) leafConnInfo() *monitor.ConnInfo {
	ci := c.connInfo()
	ci.Kind, ci.Type = "Leafnode", ""
	c.mu.Lock()
	ci.Name = c.leaf.remoteName
	c.mu.Unlock()
	ci.Version = ""
	return ci
}

// numLeafsIn counts the leaf connections bound to a (/accountz's
// leafnode_connections).
func (s *Server) numLeafsIn(a *Account) int {
	s.leafs.mu.Lock()
	defer s.leafs.mu.Unlock()
	return len(s.leafs.byAcc[a])
}
