package server

import (
	"context"
	"crypto/tls"
	"errors"
	"math/rand/v2"
	"net"
	"net/url"
	"reflect"
	"slices"
	"time"

	"github.com/natsd/natsd/logger"
)

// Soliciting routes: a configured route is dialed until the server shuts
// down (or a reload removes it), reconnecting whenever it drops; an
// implicit route, learned by gossip, is given up after connect_retries
// failed attempts. Retries back off exponentially with jitter, so a
// restarted node is not hit by every peer at the same instant, and the
// host name is dialed afresh every time, so DNS changes (a Kubernetes pod
// moving behind a headless service) are picked up.

// Retry timing; variables so that tests can shorten them.
var (
	routeRetryMin    = 50 * time.Millisecond
	routeRetryMax    = time.Second
	routeDialTimeout = 2 * time.Second
	// implicitRouteFallback is how long the server with the larger id
	// leaves the other to dial before dialing itself.
	implicitRouteFallback = 2 * time.Second
)

// routeErrorEvery is how often (in attempts) a route that keeps failing is
// reported above debug level.
const routeErrorEvery = 60

// solicitation says how a route is dialed.
type solicitation struct {
	url        *url.URL
	configured bool
	expectID   string        // implicit: the server gossip named
	delay      time.Duration // wait before the first attempt
	poolIdx    int           // the connection's pool index (-1 when pinned)
	account    string        // the account of a pinned route
}

// routeBackoff is the wait before retry n (n >= 1): doubling from
// routeRetryMin up to routeRetryMax, then a random point in its upper half.
func routeBackoff(n int) time.Duration {
	d := routeRetryMax
	if n < 30 {
		if e := routeRetryMin << (n - 1); e > 0 && e < d {
			d = e
		}
	}
	return d/2 + rand.N(d/2+1)
}

// startSolicitor starts the loop for a configured route URL.
func (s *Server) startSolicitor(u *url.URL) {
	key := u.String()
	ctx, cancel := context.WithCancel(s.cluster.ctx)
	s.mu.Lock()
	if _, ok := s.cluster.configured[key]; ok || s.shutdown {
		s.mu.Unlock()
		cancel()
		return
	}
	me := &solicitor{url: key, host: u.Host, cancel: cancel}
	s.cluster.configured[key] = me
	// Counted while s.mu is held and shutdown is known to be false, so a
	// concurrent Shutdown's Wait always sees it.
	s.wg.Add(1)
	s.mu.Unlock()
	go func() {
		defer s.wg.Done()
		s.solicit(ctx, &solicitation{url: u, configured: true})
		cancel()
		s.mu.Lock()
		if s.cluster.configured[key] == me {
			delete(s.cluster.configured, key)
		}
		s.mu.Unlock()
	}()
}

// stopSolicitor ends a configured route's loop (reload removed it); the
// loop closes its route.
func (s *Server) stopSolicitor(key string) {
	s.mu.Lock()
	sol := s.cluster.configured[key]
	delete(s.cluster.configured, key)
	s.mu.Unlock()
	if sol != nil {
		sol.cancel()
	}
}

// routeTo returns the registered route to a server, nil if none.
func (s *Server) routeTo(id string) *client {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.cluster.remotes[id]
}

// solicit keeps a route connected as its kind requires.
func (s *Server) solicit(ctx context.Context, sol *solicitation) {
	retries := s.getOpts().Cluster.ConnectRetries
	dialer := net.Dialer{Timeout: routeDialTimeout}
	failures := 0
	wait := sol.delay
	for {
		if wait > 0 && !sleepCtx(ctx, wait) {
			return
		}
		if ctx.Err() != nil {
			return
		}
		if sol.expectID != "" && s.routeTo(sol.expectID) != nil {
			return // the peer connected to us meanwhile
		}
		conn, err := s.dialRoute(ctx, &dialer, sol)
		if err != nil {
			if ctx.Err() != nil {
				return
			}
			failures++
			if (sol.configured || isRouteTLSError(err)) && (failures == 1 || failures%routeErrorEvery == 0) {
				logger.Error(s.log, logger.Record{Msg: "Error trying to connect to route", Text: "Error trying to connect to route (attempt %d): %v",
					Fields: []logger.Field{logger.F("attempt", failures), logger.F("error", err)}})
			} else {
				s.log.Debugf("Error trying to connect to route %s (attempt %d): %v", sol.url.Redacted(), failures, err)
			}
			if !sol.configured && failures > retries {
				s.log.Debugf("Giving up on implicit route %s", sol.url.Redacted())
				return
			}
			wait = routeBackoff(failures)
			continue
		}
		c := s.createRoute(conn, sol)
		if c == nil {
			return
		}
		select {
		case <-c.route.done:
		case <-ctx.Done():
			c.closeConnection(ClientClosed, true)
			return
		}
		c.mu.Lock()
		self, id, registered := c.route.self, c.route.remoteID, c.route.everRegistered
		c.mu.Unlock()
		if self {
			s.log.Debugf("Ignoring route to self %s", sol.url.Redacted())
			return
		}
		if registered {
			failures = 0
		} else {
			failures++
		}
		// A duplicate lost to another route to the same server: wait for
		// that one to go rather than dialing again (no flapping).
		if id != "" {
			if other := s.routeTo(id); other != nil && other != c {
				if !sol.configured {
					return
				}
				select {
				case <-other.route.done:
				case <-ctx.Done():
					return
				}
				failures = 0
			}
		}
		if !sol.configured && failures > retries {
			return
		}
		wait = routeBackoff(max(failures, 1))
	}
}

// routeTLSError is a failed TLS handshake on a solicited route.
type routeTLSError struct{ err error }

func (e *routeTLSError) Error() string { return "TLS handshake error: " + e.err.Error() }
func (e *routeTLSError) Unwrap() error { return e.err }

func isRouteTLSError(err error) bool {
	var te *routeTLSError
	return errors.As(err, &te)
}

// dialRoute dials a route and, with route TLS, runs the client side
// handshake.
func (s *Server) dialRoute(ctx context.Context, dialer *net.Dialer, sol *solicitation) (net.Conn, error) {
	conn, err := dialer.DialContext(ctx, "tcp", sol.url.Host)
	if err != nil {
		return nil, err
	}
	o := s.getOpts()
	cfg := routeClientTLS(o, sol.url.Host)
	if cfg == nil {
		return conn, nil
	}
	tc, err := s.routeTLSHandshake(ctx, tls.Client(conn, cfg), o.Cluster.TLSTimeout)
	if err != nil {
		return nil, &routeTLSError{err}
	}
	return tc, nil
}

// sleepCtx waits d; false if ctx ended first.
func sleepCtx(ctx context.Context, d time.Duration) bool {
	t := time.NewTimer(d)
	defer t.Stop()
	select {
	case <-t.C:
		return true
	case <-ctx.Done():
		return false
	}
}

// clusterDiff compares cluster options for a reload: the route list may
// change while running, and so may the TLS settings as long as route TLS
// stays on (or off): they apply to routes made from then on. Nothing else
// in the block can change.
func clusterDiff(old, cur *ClusterOpts) (changed, refused []string) {
	ov, nv := reflect.ValueOf(old).Elem(), reflect.ValueOf(cur).Elem()
	t := ov.Type()
	if (old.TLSConfig == nil) != (cur.TLSConfig == nil) {
		refused = append(refused, "cluster.tls")
	} else if clusterTLSChanged(old, cur) {
		changed = append(changed, "cluster.tls")
	}
	for i := 0; i < t.NumField(); i++ {
		name := t.Field(i).Name
		if clusterTLSFields[name] {
			continue
		}
		if name == "Routes" {
			if !slices.Equal(routeKeys(old.Routes), routeKeys(cur.Routes)) {
				changed = append(changed, "cluster.routes")
			}
			continue
		}
		if !reflect.DeepEqual(ov.Field(i).Interface(), nv.Field(i).Interface()) {
			refused = append(refused, "cluster."+configName(name))
		}
	}
	return changed, refused
}

// clusterTLSChanged tells whether a reload changes route TLS. A config
// read from files is compared by its settings (each parse builds a new
// *tls.Config); one set in code, by identity.
func clusterTLSChanged(old, cur *ClusterOpts) bool {
	if old.TLSConfig == nil {
		return false
	}
	if old.TLSCert != cur.TLSCert || old.TLSKey != cur.TLSKey || old.TLSCaCert != cur.TLSCaCert ||
		old.TLSVerify != cur.TLSVerify || old.TLSTimeout != cur.TLSTimeout {
		return true
	}
	return old.TLSCert == "" && old.TLSConfig != cur.TLSConfig
}

func routeKeys(us []*url.URL) []string {
	out := make([]string, len(us))
	for i, u := range us {
		out[i] = u.String()
	}
	slices.Sort(out)
	return out
}

// reloadRoutes starts soliciting added routes and drops removed ones
// (closing their connections), as nats-server does on reload.
func (s *Server) reloadRoutes(old, cur *Options) {
	if !s.cluster.enabled {
		return
	}
	oldKeys := routeKeys(old.Cluster.Routes)
	for _, u := range cur.Cluster.Routes {
		if !slices.Contains(oldKeys, u.String()) {
			logger.Notice(s.log, logger.Record{Msg: "Reload: adding route", Text: "Reload: adding route %s", Fields: []logger.Field{logger.F("url", u.Redacted())}})
			s.startSolicitor(u)
		}
	}
	curKeys := routeKeys(cur.Cluster.Routes)
	for _, u := range old.Cluster.Routes {
		if !slices.Contains(curKeys, u.String()) {
			logger.Notice(s.log, logger.Record{Msg: "Reload: removing route", Text: "Reload: removing route %s", Fields: []logger.Field{logger.F("url", u.Redacted())}})
			s.stopSolicitor(u.String())
		}
	}
}
