package server

import (
	"strconv"
	"sync"
	"sync/atomic"
	"time"

	"github.com/natsd/natsd/accounts"
)

// Imports, built on internal clients (internal.go):
//
//   - A stream import of subject S from account A into account B is a
//     local-only subscription on S in A whose callback publishes the
//     message in B under the mapped subject, as if it had been published
//     there: to B's local subscribers and, over the routes, to B's
//     interest on the other servers (queue groups served once). A message
//     of A that arrives from a route is not imported again: the server it
//     was published on did that. So the routes carry A's messages only
//     where A has subscribers, and B's where B has.
//   - A service import is a local-only subscription in B on the request
//     subject. Its callback delivers the request in A with a reply subject
//     of the server's own (_R_.<server>.<n>), remembered in A's reply
//     table with the requester's real reply subject, so the responder never
//     sees B's inbox. A's one subscription on _R_.<server>.> (propagated,
//     for responders on other servers) sends the response back into B and,
//     for a singleton, forgets the mapping. Mappings not answered within
//     the export's response_threshold are swept.
//
// Imports are rebuilt whole when the configuration is loaded or reloaded.

// DefaultResponseThreshold is how long a service import's reply mapping
// waits for a response when the export sets no response_threshold.
const DefaultResponseThreshold = 2 * time.Minute

// importState is the live part of one account's imports and of the
// replies it owes as an exporter.
type importState struct {
	ic *internalClient
}

// replyTable maps the reply subjects this server made up for requests to
// an exporting account's services back to the requesters.
type replyTable struct {
	mu      sync.Mutex
	m       map[string]*replyEntry
	sub     *subscription // _R_.<server>.> in the exporter
	ic      *internalClient
	sweeper *time.Timer
	sweepAt time.Time // when sweeper fires
}

type replyEntry struct {
	to       *Account
	reply    []byte
	expires  time.Time
	singular bool
	lat      *latencyTrack // a sampled request of a latency-tracked service
}

// replyPrefix is the prefix of the reply subjects this server makes up.
func (s *Server) replyPrefix() string {
	return "_R_." + s.id[len(s.id)-8:] + "."
}

// setupImports (re)builds the imports of every account of set, after
// removing those of prev (the set replaced, nil at start). The reply
// table of an account that is gone is dropped with it.
func (s *Server) setupImports(prev, set *accountSet) {
	var all []*Account
	if prev != nil {
		for _, a := range prev.byName {
			all = append(all, a)
		}
	}
	for _, a := range set.byName {
		all = append(all, a)
	}
	for _, a := range all {
		if old := a.imp.Swap(nil); old != nil {
			old.ic.close()
		}
		if ec := a.expClient.Swap(nil); ec != nil {
			ec.close()
		}
		if a.removed.Load() {
			if rt := a.rtab.Swap(nil); rt != nil {
				rt.ic.close()
			}
		}
	}
	for _, a := range set.byName {
		spec := a.spec.Load()
		if spec == nil || len(spec.Imports) == 0 {
			continue
		}
		st := &importState{ic: s.newInternalClient(a)}
		for _, im := range spec.Imports {
			exp := set.byName[im.Account]
			if exp == nil {
				continue // Validate refuses this
			}
			if im.Service {
				s.addServiceImport(st, a, exp, im)
			} else {
				s.addStreamImport(exp, a, im)
			}
		}
		a.imp.Store(st)
	}
}

// addStreamImport subscribes in the exporter exp for importer to.
func (s *Server) addStreamImport(exp, to *Account, im *accounts.Import) {
	ic := exp.importClient(s)
	from, local := im.Subject, im.Local()
	prefix := im.Prefix
	_, err := ic.subscribeLocal(from, func(pub *client, _ *subscription, subject, reply []byte, hdrLen int, msg []byte) bool {
		if pub.kind == kindRoute || to.removed.Load() {
			return false // imported where it was published
		}
		// The mapped subject goes into the publisher's scratch buffer for
		// this nesting depth (an import may feed another), so mapping
		// does not allocate.
		d := pub.nest
		if d == len(pub.mapBufs) {
			pub.mapBufs = append(pub.mapBufs, make([]byte, 0, 128))
		}
		mapped := subject
		switch {
		case prefix != "":
			mapped = append(append(append(pub.mapBufs[d][:0], prefix...), '.'), subject...)
			pub.mapBufs[d] = mapped[:0]
		case local != from:
			mapped = accounts.AppendMapped(pub.mapBufs[d][:0], from, local, subject)
			pub.mapBufs[d] = mapped[:0]
		}
		pub.nest++
		ok := pub.deliverIn(to, mapped, reply, hdrLen, msg)
		pub.nest--
		return ok
	})
	if err != nil {
		s.log.Errorf("Stream import of %q from %q into %q: %v", from, exp.name, to.name, err)
	}
}

// importClient is the internal client an exporter's stream imports
// subscribe with (one per account, made on first use).
func (a *Account) importClient(s *Server) *internalClient {
	for {
		if ic := a.expClient.Load(); ic != nil {
			return ic
		}
		a.expClient.CompareAndSwap(nil, s.newInternalClient(a))
	}
}

// addServiceImport subscribes in the importer.
func (s *Server) addServiceImport(st *importState, to, exp *Account, im *accounts.Import) {
	local, remote := im.Local(), im.Subject
	e := accounts.FindExport(exp.spec.Load(), im.Subject, true)
	if e == nil {
		return
	}
	threshold := e.ResponseThreshold
	if threshold <= 0 {
		threshold = DefaultResponseThreshold
	}
	singular := e.ResponseType == accounts.Singleton
	lat, share := e.Latency, im.Share
	_, err := st.ic.subscribeLocal(local, func(pub *client, _ *subscription, subject, reply []byte, hdrLen int, msg []byte) bool {
		if pub.kind == kindRoute || exp.removed.Load() {
			return false // the requester's server handles it
		}
		target := subject
		if local != remote {
			target = []byte(accounts.MapSubject(local, remote, string(subject)))
		}
		if len(reply) == 0 {
			return pub.deliverIn(exp, target, nil, hdrLen, msg)
		}
		rt := exp.replies(s)
		lt := sampleLatency(lat, pub, share)
		r := rt.add(s, to, reply, threshold, singular, lt)
		ok := pub.deliverIn(exp, target, []byte(r), hdrLen, msg)
		if !ok {
			rt.remove(r)
		} else if lt != nil {
			lt.delivered.Store(time.Now().UnixNano())
		}
		return ok
	})
	if err != nil {
		s.log.Errorf("Service import of %q from %q into %q: %v", remote, exp.name, to.name, err)
	}
}

// replies returns the exporter's reply table, subscribing to the
// server's reply subjects in it on first use.
func (a *Account) replies(s *Server) *replyTable {
	if rt := a.rtab.Load(); rt != nil {
		return rt
	}
	a.rtabMu.Lock()
	defer a.rtabMu.Unlock()
	if rt := a.rtab.Load(); rt != nil {
		return rt
	}
	rt := &replyTable{m: make(map[string]*replyEntry), ic: s.newInternalClient(a)}
	sub, err := rt.ic.subscribe(s.replyPrefix()+">", "", rt.deliver)
	if err != nil {
		s.log.Errorf("Reply subscription in %q: %v", a.name, err)
	}
	rt.sub = sub
	a.rtab.Store(rt)
	return rt
}

var replySeq atomic.Uint64

// add makes up a reply subject for a request from account to.
func (rt *replyTable) add(s *Server, to *Account, reply []byte, threshold time.Duration, singular bool, lt *latencyTrack) string {
	r := s.replyPrefix() + strconv.FormatUint(replySeq.Add(1), 36)
	e := &replyEntry{to: to, reply: append([]byte(nil), reply...), expires: time.Now().Add(threshold), singular: singular, lat: lt}
	rt.mu.Lock()
	rt.m[r] = e
	if rt.sweeper == nil || e.expires.Before(rt.sweepAt) {
		if rt.sweeper != nil {
			rt.sweeper.Stop()
		}
		rt.sweepAt = e.expires
		rt.sweeper = time.AfterFunc(threshold, rt.sweep)
	}
	rt.mu.Unlock()
	return r
}

func (rt *replyTable) remove(r string) {
	rt.mu.Lock()
	delete(rt.m, r)
	rt.mu.Unlock()
}

// size is the number of pending reply mappings.
func (rt *replyTable) size() int {
	rt.mu.Lock()
	defer rt.mu.Unlock()
	return len(rt.m)
}

// sweep forgets the mappings whose time is up and runs again while any
// are left.
func (rt *replyTable) sweep() {
	now := time.Now()
	rt.mu.Lock()
	defer rt.mu.Unlock()
	next := time.Duration(0)
	for k, e := range rt.m {
		if left := e.expires.Sub(now); left <= 0 {
			delete(rt.m, k)
		} else if next == 0 || left < next {
			next = left
		}
	}
	rt.sweeper = nil
	if next > 0 {
		rt.sweepAt = now.Add(next)
		rt.sweeper = time.AfterFunc(next, rt.sweep)
	}
}

// deliver sends a response back to the requester's account.
func (rt *replyTable) deliver(pub *client, _ *subscription, subject, _ []byte, hdrLen int, msg []byte) bool {
	rt.mu.Lock()
	e := rt.m[string(subject)]
	var lt *latencyTrack
	if e != nil {
		if e.singular {
			delete(rt.m, string(subject))
		}
		lt, e.lat = e.lat, nil // measured on the first response only
	}
	rt.mu.Unlock()
	if e == nil || e.to.removed.Load() {
		return false
	}
	ok := pub.deliverIn(e.to, e.reply, nil, hdrLen, msg)
	if lt != nil {
		lt.report(rt.ic, pub)
	}
	return ok
}
