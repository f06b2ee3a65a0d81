package monitor

import (
	"cmp"
	"slices"
	"time"
)

// end is when a connection's clock stops: its close time, or now.
func end(ci *ConnInfo, now time.Time) time.Time {
	if ci.Stop != nil {
		return *ci.Stop
	}
	return now
}

// SortConns orders connections by key as nats-server does: cid and start
// ascending, uptime ascending (youngest first), reason alphabetically, and
// every other key descending (the biggest first). Ties keep cid order, so
// the result is deterministic.
func SortConns(conns []*ConnInfo, by SortOpt, now time.Time) {
	var c func(a, b *ConnInfo) int
	switch by {
	case ByStart:
		c = func(a, b *ConnInfo) int { return a.Start.Compare(b.Start) }
	case BySubs:
		c = func(a, b *ConnInfo) int { return cmp.Compare(b.NumSubs, a.NumSubs) }
	case ByPending:
		c = func(a, b *ConnInfo) int { return cmp.Compare(b.Pending, a.Pending) }
	case ByOutMsgs:
		c = func(a, b *ConnInfo) int { return cmp.Compare(b.OutMsgs, a.OutMsgs) }
	case ByInMsgs:
		c = func(a, b *ConnInfo) int { return cmp.Compare(b.InMsgs, a.InMsgs) }
	case ByOutBytes:
		c = func(a, b *ConnInfo) int { return cmp.Compare(b.OutBytes, a.OutBytes) }
	case ByInBytes:
		c = func(a, b *ConnInfo) int { return cmp.Compare(b.InBytes, a.InBytes) }
	case ByLast:
		c = func(a, b *ConnInfo) int { return b.LastActivity.Compare(a.LastActivity) }
	case ByIdle:
		c = func(a, b *ConnInfo) int {
			return cmp.Compare(end(b, now).Sub(b.LastActivity), end(a, now).Sub(a.LastActivity))
		}
	case ByUptime:
		c = func(a, b *ConnInfo) int {
			return cmp.Compare(end(a, now).Sub(a.Start), end(b, now).Sub(b.Start))
		}
	case ByStop:
		c = func(a, b *ConnInfo) int { return end(b, now).Compare(end(a, now)) }
	case ByReason:
		c = func(a, b *ConnInfo) int { return cmp.Compare(a.Reason, b.Reason) }
	case ByRTT:
		c = func(a, b *ConnInfo) int { return cmp.Compare(b.rtt, a.rtt) }
	default:
		c = func(a, b *ConnInfo) int { return 0 }
	}
	slices.SortStableFunc(conns, func(a, b *ConnInfo) int {
		if r := c(a, b); r != 0 {
			return r
		}
		return cmp.Compare(a.Cid, b.Cid)
	})
}

// Page returns items[offset:offset+limit], clamped to the slice; never nil.
func Page[T any](items []T, offset, limit int) []T {
	if offset < 0 {
		offset = 0
	}
	if offset >= len(items) {
		return []T{}
	}
	hi := len(items)
	if limit > 0 && offset+limit < hi {
		hi = offset + limit
	}
	return items[offset:hi]
}

// BuildConnz turns every connection in the asked state into the /connz
// document: it filters by user and cid, sorts, pages, renders uptime and
// idle, and drops the authorization fields unless auth=1 was asked. conns
// must hold only connections in o.State; it is reordered in place. Total
// counts the connections in the state (before the user and cid filters
// narrow the page, as nats-server reports it for cid).
func BuildConnz(id string, now time.Time, conns []*ConnInfo, o *ConnzOptions) *Connz {
	o.Normalize()
	total := len(conns)
	if o.User != "" {
		kept := conns[:0]
		for _, ci := range conns {
			if ci.AuthorizedUser == o.User {
				kept = append(kept, ci)
			}
		}
		conns = kept
		total = len(conns)
	}
	var page []*ConnInfo
	if o.CID > 0 {
		page = []*ConnInfo{}
		for _, ci := range conns {
			if ci.Cid == o.CID {
				page = append(page, ci)
				break
			}
		}
	} else {
		SortConns(conns, o.Sort, now)
		page = Page(conns, o.Offset, o.Limit)
	}
	for _, ci := range page {
		e := end(ci, now)
		ci.Uptime = FormatUptime(e.Sub(ci.Start))
		ci.Idle = FormatUptime(e.Sub(ci.LastActivity))
		if !o.Username {
			ci.AuthorizedUser, ci.Account, ci.NameTag = "", "", ""
		}
	}
	return &Connz{
		ID:       id,
		Now:      now,
		NumConns: len(page),
		Total:    total,
		Offset:   o.Offset,
		Limit:    o.Limit,
		Conns:    page,
	}
}
