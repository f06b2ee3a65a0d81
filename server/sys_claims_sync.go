package server

import (
	"strconv"
	"strings"
	"sync"
	"time"
)

// Resolvers share account JWTs across a cluster over the system account:
//
//   - a cache or full resolver that does not know the account of a
//     connecting user asks the cluster ($SYS.REQ.ACCOUNT.<id>.CLAIMS.LOOKUP)
//     and keeps the first answer that verifies;
//   - a full resolver asks the cluster for all its JWTs
//     ($SYS.REQ.CLAIMS.PACK) once its routes are up and then every
//     interval, and keeps those it lacks or that are newer than its own,
//     so a member that was down when an update was pushed catches up.
//
// Live updates need nothing more: the update subscriptions are
// propagated, so an update pushed to any member reaches them all.

// Defaults of the resolver's timeout and interval, as nats-server's.
const (
	defaultResolverInterval = 2 * time.Minute
)

// request publishes a request in the system account and collects the
// replies until timeout (or, with first, until one arrives).
func (cs *claimsService) request(s *Server, subject string, body []byte, timeout time.Duration, first bool) [][]byte {
	inbox := "_INBOX." + s.id[len(s.id)-8:] + ".claims." + strconv.FormatUint(cs.seq.Add(1), 36)
	var mu sync.Mutex
	var out [][]byte
	got := make(chan struct{}, 1)
	sub, err := cs.ic.subscribe(inbox, "", func(_ *client, _ *subscription, _, _ []byte, hdrLen int, msg []byte) bool {
		if hdrLen > 0 && hdrLen <= len(msg) {
			msg = msg[hdrLen:]
		}
		mu.Lock()
		out = append(out, append([]byte(nil), msg...))
		mu.Unlock()
		select {
		case got <- struct{}{}:
		default:
		}
		return true
	})
	if err != nil {
		return nil
	}
	defer cs.ic.unsubscribe(sub)
	cs.ic.publish([]byte(subject), []byte(inbox), 0, body)
	deadline := time.NewTimer(timeout)
	defer deadline.Stop()
	for {
		select {
		case <-got:
			if first {
				mu.Lock()
				defer mu.Unlock()
				return out
			}
		case <-deadline.C:
			mu.Lock()
			defer mu.Unlock()
			return out
		case <-s.quit:
			return nil
		}
	}
}

// lookupTimeout is the resolver's timeout.
func (s *Server) lookupTimeout() time.Duration {
	if t := s.getOpts().Resolver.Timeout; t > 0 {
		return t
	}
	return defaultLookupTimeout
}

// fetchAccountJWT asks the cluster for the JWT of account pub (cache and
// full resolvers), applies the answer and reports whether it did.
func (s *Server) fetchAccountJWT(pub string) bool {
	op := s.op
	if op == nil || op.claims == nil || op.store == nil || s.NumRoutes() == 0 {
		return false
	}
	for _, msg := range op.claims.request(s, "$SYS.REQ.ACCOUNT."+pub+".CLAIMS.LOOKUP", nil, s.lookupTimeout(), true) {
		if len(msg) == 0 {
			continue
		}
		if _, err := s.updateAccountJWT(pub, string(msg)); err == nil {
			s.log.Debugf("Account [%s] fetched from the cluster", pub)
			return true
		}
	}
	return false
}

// syncFullResolver pulls the cluster's JWTs once routes are up and then
// every interval (full resolver only).
func (s *Server) syncFullResolver() {
	interval := s.getOpts().Resolver.Interval
	if interval <= 0 {
		interval = defaultResolverInterval
	}
	wait := 100 * time.Millisecond
	synced := false
	for {
		select {
		case <-s.quit:
			return
		case <-time.After(wait):
		}
		if s.NumRoutes() == 0 {
			wait = 100 * time.Millisecond
			synced = false
			continue
		}
		if !synced {
			// Give the routes a moment to exchange interest.
			select {
			case <-s.quit:
				return
			case <-time.After(200 * time.Millisecond):
			}
		}
		s.pullPack()
		synced = true
		wait = interval
	}
}

// pullPack applies the JWTs the other members answer PACK with.
func (s *Server) pullPack() {
	for _, msg := range s.op.claims.request(s, claimsPackSubj, nil, s.lookupTimeout(), false) {
		pub, token, ok := strings.Cut(string(msg), "|")
		if !ok || pub == "" {
			continue
		}
		if cur := s.op.lookup(pub); cur != nil && cur.JWT == token {
			continue
		}
		if _, err := s.updateAccountJWT(pub, token); err != nil {
			s.log.Debugf("Account [%s] from the cluster refused: %v", pub, err)
		}
	}
}
