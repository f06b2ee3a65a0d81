package server

import (
	"net"
	"net/url"
	"slices"
)

// Failover to the URLs a hub advertises: each INFO of a hub carries, in
// leafnode_urls, the leaf addresses of its cluster's nodes. A remote adds
// those it was not configured with to the URLs it dials in turn (with the
// configured URL's scheme and user info), so a leaf whose configured hub
// dies reconnects to another node of the hub's cluster, as nats-server
// does. Each INFO replaces the learned list: a node that left the hub
// cluster is dropped once a hub says so. WebSocket remotes learn nothing
// (the advertised addresses are leaf ports, not WebSocket ones).

// learnURLs records the leafnode_urls of an INFO received on a
// connection to u.
func (r *leafRemote) learnURLs(advertised []string, u *url.URL) {
	if u == nil || u.Scheme == "ws" || u.Scheme == "wss" {
		return
	}
	var learned []*url.URL
	for _, hp := range advertised {
		if _, _, err := net.SplitHostPort(hp); err != nil {
			continue
		}
		if slices.ContainsFunc(r.opts.URLs, func(c *url.URL) bool { return c.Host == hp }) ||
			slices.ContainsFunc(learned, func(c *url.URL) bool { return c.Host == hp }) {
			continue
		}
		learned = append(learned, &url.URL{Scheme: u.Scheme, User: u.User, Host: hp})
	}
	r.mu.Lock()
	defer r.mu.Unlock()
	if net.ParseIP(u.Hostname()) == nil && slices.Contains(r.opts.URLs, u) {
		r.tlsName = u.Hostname() // learned URLs are IPs: verify the hub's certificate by the configured name
	}
	if !slices.EqualFunc(learned, r.learned, func(a, b *url.URL) bool { return a.Host == b.Host }) {
		r.learned = learned
		if len(learned) > 0 {
			r.s.log.Debugf("Leafnode remote: hub advertises %d other URL(s) to fail over to", len(learned))
		}
	}
}

// urlsLocked is what the remote dials in turn: its configured URLs, then
// the learned ones. r.mu is held.
func (r *leafRemote) urlsLocked() []*url.URL {
	if len(r.learned) == 0 {
		return r.opts.URLs
	}
	return append(slices.Clip(r.opts.URLs), r.learned...)
}

// tlsServerName is the name the hub's certificate is checked against
// for a connection to u: its host name, or, for an advertised IP, the
// host name of the configured URL.
func (r *leafRemote) tlsServerName(u *url.URL) string {
	h := u.Hostname()
	r.mu.Lock()
	defer r.mu.Unlock()
	if net.ParseIP(h) != nil && r.tlsName != "" && !slices.Contains(r.opts.URLs, u) {
		return r.tlsName
	}
	return h
}
