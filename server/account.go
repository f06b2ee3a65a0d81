package server

import (
	"cmp"
	"reflect"
	"slices"
	"sync"
	"sync/atomic"
	"time"

	"github.com/natsd/natsd/accounts"
	"github.com/natsd/natsd/sublist"
	"github.com/natsd/natsd/transform"
)

// Accounts: every connection belongs to one account, and an account owns
// its own subject index, so a message published in one account only ever
// matches subscriptions of that account (imports, which cross accounts on
// purpose, are subscriptions of internal clients: see internal.go and
// imports.go). Without an accounts block every connection is in the
// global account "$G", exactly as before accounts existed.
//
// A client's account is fixed at CONNECT: the user it authenticates as
// names it. A reload that moves the user to another account, or removes
// the account, disconnects the client instead of moving it.

// Account is a running account. Its name and subject index never change;
// its configuration (exports, imports, limits) is replaced whole on
// reload.
type Account struct {
	name string
	sl   *sublist.Sublist[*subscription]
	// spec is the configuration in force (nil for an account the
	// configuration does not define, such as $G or a default $SYS).
	spec atomic.Pointer[accounts.Account]
	// nconns counts the account's client connections, for
	// limits.max_connections; guarded by Server.mu.
	nconns int
	// removed is set when a reload dropped the account; updated is when
	// its configuration was last set (unix nanoseconds, for /accountz).
	removed atomic.Bool
	updated atomic.Int64
	// imp is the internal client of the account's imports (imports.go),
	// replaced on reload; expClient subscribes for the stream imports
	// other accounts make of this one; rtab maps the reply subjects of
	// requests made to this account's services through imports.
	imp atomic.Pointer[importState]
	// mappings are the account's subject mappings (nil: none), replaced
	// on reload; the global account's are the top-level ones.
	mappings  atomic.Pointer[[]*transform.Mapping]
	expClient atomic.Pointer[internalClient]
	// sysImp answers the account's own system requests (sysreq.go).
	sysImp atomic.Pointer[internalClient]
	rtab   atomic.Pointer[replyTable]
	rtabMu sync.Mutex
	// rate are the account's publish rate buckets (nil: none), replaced on
	// reload when the rates change (pubrate.go); throttled is the time its
	// connections waited for them, and stats what its closed connections
	// carried (for /metrics).
	rate      atomic.Pointer[rateLimiters]
	throttled atomic.Int64
	stats     accountTraffic
	// slowConsumers counts the account's connections closed as slow
	// consumers: for the system account's account statistics.
	slowConsumers atomic.Uint64
}

// Name is the account's name.
func (a *Account) Name() string { return a.name }

func newAccount(name string, cache bool) *Account {
	a := &Account{name: name, sl: sublist.New[*subscription](cache)}
	a.updated.Store(time.Now().UnixNano())
	return a
}

// limits returns the account's limits (zero: none).
func (a *Account) limits() accounts.Limits {
	if sp := a.spec.Load(); sp != nil {
		return sp.Limits
	}
	return accounts.Limits{}
}

// accountSet is the set of accounts in force, replaced whole on reload
// (readers load it once per lookup, without a lock).
type accountSet struct {
	byName map[string]*Account
	system *Account
}

// lookupAccount returns the running account name ("" is the global one),
// or nil when there is none by that name.
func (s *Server) lookupAccount(name string) *Account {
	if name == "" || name == accounts.Global {
		return s.gacc
	}
	return s.accounts.Load().byName[name]
}

// SystemAccount is the system account's name.
func (s *Server) SystemAccount() string { return s.accounts.Load().system.name }

// AccountNames lists the running accounts' names.
func (s *Server) AccountNames() []string {
	set := s.accounts.Load()
	out := make([]string, 0, len(set.byName))
	for n := range set.byName {
		out = append(out, n)
	}
	return out
}

// buildAccounts makes the account set for o, reusing the running accounts
// of prev by name (their subject indexes carry the live subscriptions).
// $G always exists, and so does the system account: system_account, or
// "$SYS" when unset (as nats-server creates it).
func (s *Server) buildAccounts(o *Options, prev *accountSet) *accountSet {
	specs := o.Accounts
	if s.op != nil {
		specs = s.jwtAccountSpecs() // operator mode: o.Accounts is empty
	}
	set := &accountSet{byName: make(map[string]*Account, len(specs)+2)}
	get := func(name string) *Account {
		if a := set.byName[name]; a != nil {
			return a
		}
		var a *Account
		if prev != nil {
			a = prev.byName[name]
		}
		if a == nil {
			a = newAccount(name, !o.DisableSublistCache)
		}
		set.byName[name] = a
		return a
	}
	set.byName[accounts.Global] = s.gacc
	s.gacc.setMappings(o.Mappings)
	for _, spec := range specs {
		a := get(spec.Name)
		a.setMappings(spec.Mappings)
		if old := a.spec.Swap(spec); old != nil && !reflect.DeepEqual(old, spec) {
			a.updated.Store(time.Now().UnixNano())
		}
		a.setAccountRate()
	}
	sys := o.SystemAccount
	if sys == "" {
		sys = accounts.DefaultSystem
	}
	set.system = get(sys)
	for name, a := range set.byName {
		if a != s.gacc && !definedIn(specs, name) {
			a.spec.Store(nil)
			a.setMappings(nil)
			a.setAccountRate()
		}
	}
	if prev != nil {
		for name, a := range prev.byName {
			if set.byName[name] == nil {
				a.removed.Store(true)
			}
		}
	}
	return set
}

// forEachAccount calls f for every running account.
func (s *Server) forEachAccount(f func(*Account)) {
	for _, a := range s.accounts.Load().byName {
		f(a)
	}
}

func definedIn(specs []*accounts.Account, name string) bool {
	for _, a := range specs {
		if a.Name == name {
			return true
		}
	}
	return false
}

// addSublistStats sums two indexes' statistics (rates weighted by matches
// and by subscriptions, maxima kept).
func addSublistStats(a, b sublist.Stats) sublist.Stats {
	out := sublist.Stats{
		NumSubs:    a.NumSubs + b.NumSubs,
		NumCache:   a.NumCache + b.NumCache,
		NumInserts: a.NumInserts + b.NumInserts,
		NumRemoves: a.NumRemoves + b.NumRemoves,
		NumMatches: a.NumMatches + b.NumMatches,
		MaxFanout:  max(a.MaxFanout, b.MaxFanout),
	}
	if out.NumMatches > 0 {
		out.CacheHitRate = (a.CacheHitRate*float64(a.NumMatches) + b.CacheHitRate*float64(b.NumMatches)) / float64(out.NumMatches)
	}
	if n := a.NumCache + b.NumCache; n > 0 {
		out.AvgFanout = (a.AvgFanout*float64(a.NumCache) + b.AvgFanout*float64(b.NumCache)) / float64(n)
	}
	return out
}

// minLimit is the tighter of two limits where 0 means none.
func minLimit[T int | int32](a, b T) T {
	switch {
	case a <= 0:
		return b
	case b <= 0:
		return a
	}
	return min(a, b)
}

// maxSubs is the client's subscription limit: the server's
// max_subscriptions or its account's, whichever is tighter (0: none).
func (c *client) maxSubs() int {
	n := minLimit(c.srv.getOpts().MaxSubscriptions, c.acc.Load().limits().MaxSubscriptions)
	if id := c.identity.Load(); id != nil {
		n = minLimit(n, id.MaxSubscriptions) // a user JWT's own limit
	}
	return n
}

// maxPayload is the client's payload limit: the server's max_payload or
// its account's, whichever is tighter.
func (c *client) maxPayload() int32 {
	n := minLimit(c.srv.getOpts().MaxPayload, c.acc.Load().limits().MaxPayload)
	if id := c.identity.Load(); id != nil {
		n = minLimit(n, id.MaxPayload) // a user JWT's own limit
	}
	return n
}

// enforceAccountConnLimits closes, after a reload lowered an account's
// max_connections, the connections beyond it (the newest first).
func (s *Server) enforceAccountConnLimits() {
	byAcc := make(map[*Account][]*client)
	s.mu.Lock()
	for _, c := range s.clients {
		if c.accCounted {
			a := c.acc.Load()
			if lim := a.limits().MaxConnections; lim > 0 && a.nconns > lim {
				byAcc[a] = append(byAcc[a], c)
			}
		}
	}
	s.mu.Unlock()
	for a, cs := range byAcc {
		slices.SortFunc(cs, func(x, y *client) int { return cmp.Compare(y.cid, x.cid) })
		over := len(cs) - a.limits().MaxConnections
		for _, c := range cs[:max(over, 0)] {
			s.log.Errorf("%s - %s", c.logPrefix(), errMaxAccountConnections)
			c.sendErrAndClose(errMaxAccountConnections, MaxAccountConnectionsExceeded)
		}
	}
}

// connCount is the number of the account's client connections.
func (a *Account) connCount(s *Server) int {
	s.mu.Lock()
	defer s.mu.Unlock()
	return a.nconns
}
