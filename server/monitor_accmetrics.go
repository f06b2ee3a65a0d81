package server

import (
	"sort"
	"sync/atomic"
	"time"

	"github.com/natsd/natsd/monitor"
)

// accountTraffic is what an account's closed connections carried; the
// open ones' counters are added at scrape time, so the totals are
// counters without a shared atomic on the hot path.
type accountTraffic struct {
	inMsgs, inBytes, outMsgs, outBytes atomic.Int64
}

// addClosed adds a closed connection's traffic to its account's.
func (a *Account) addClosed(inMsgs, inBytes, outMsgs, outBytes int64) {
	a.stats.inMsgs.Add(inMsgs)
	a.stats.inBytes.Add(inBytes)
	a.stats.outMsgs.Add(outMsgs)
	a.stats.outBytes.Add(outBytes)
}

var _ monitor.AccountMetricsSource = (*Server)(nil)

// AccountMetrics is every account's totals for /metrics, sorted by name:
// open client connections, subscriptions in its subject index, messages
// and bytes in and out (closed connections included) and the time its
// connections were throttled by publish rate limits.
func (s *Server) AccountMetrics() []monitor.AccountMetrics {
	byAcc := make(map[*Account]*monitor.AccountMetrics)
	s.forEachAccount(func(a *Account) {
		byAcc[a] = &monitor.AccountMetrics{
			Account:       a.name,
			Subscriptions: int(a.sl.Count()),
			InMsgs:        a.stats.inMsgs.Load(),
			InBytes:       a.stats.inBytes.Load(),
			OutMsgs:       a.stats.outMsgs.Load(),
			OutBytes:      a.stats.outBytes.Load(),
			Throttled:     time.Duration(a.throttled.Load()),
		}
	})
	for _, c := range s.snapshotClients() {
		m := byAcc[c.acc.Load()]
		if m == nil {
			continue // an account a reload just removed
		}
		m.Connections++
		m.InMsgs += c.inMsgs.Load()
		m.InBytes += c.inBytes.Load()
		c.mu.Lock()
		m.OutMsgs += c.outMsgs
		m.OutBytes += c.outBytes
		c.mu.Unlock()
	}
	out := make([]monitor.AccountMetrics, 0, len(byAcc))
	for _, m := range byAcc {
		out = append(out, *m)
	}
	sort.Slice(out, func(i, j int) bool { return out[i].Account < out[j].Account })
	return out
}
