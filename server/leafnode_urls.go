package server

import (
	"net"
	"slices"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
)

// The leaf URLs of a hub cluster. As with nats-server, every node of a hub
// cluster tells the leaf nodes connected to it where they may reach every
// node of the cluster (the leafnode_urls of the leaf INFO), so that a leaf
// fails over to another node when its own dies (leafnode_failover.go).
//
// On the wire (nats-server v2.15.2's protocol):
//   - a node's route INFO carries its own leaf URL in leafnode_urls
//     (leafnodes.advertise, or the listen address, a host IP standing in
//     for an unspecified host), and none with leafnodes.no_advertise or in
//     lame-duck mode; cluster.no_advertise does not change it;
//   - the leaf INFO lists this node's own URL first (unless no_advertise),
//     then those of the peers it has a route to, except peers in lame-duck
//     mode;
//   - when the list changes (a peer joins, leaves or enters lame-duck
//     mode), every leaf connection accepted here whose CONNECT was answered
//     gets an asynchronous INFO: the hub's INFO without the connection's own
//     fields (client_id, nonce, connect_info, remote_account, compression).
//
// urlsMu serializes recomputing and announcing the list with answering a
// leaf's CONNECT, so that a leaf never misses a change: either the answer
// to its CONNECT carries the new list or an asynchronous INFO follows it.
// It is held only here and takes Server.mu and client locks inside.

// leafURLSet is the leaf URL part of leafState.
type leafURLSet struct {
	mu   sync.Mutex
	list atomic.Pointer[[]string] // the cluster's leaf URLs, this server's first; nil until computed
}

// leafURL is the host:port leaf nodes are told to dial: the advertise
// address (with the listen port when it names none, as nats-server does),
// else the listen address, a host IP standing in for an unspecified host;
// "" when this server does not accept leaf nodes.
func (s *Server) leafURL() string {
	o := s.getOpts()
	s.mu.Lock()
	addr := s.leafs.addr
	s.mu.Unlock()
	if a := o.LeafNode.Advertise; a != "" {
		a = strings.TrimPrefix(a, "nats://")
		if _, _, err := net.SplitHostPort(a); err != nil {
			port := DefaultLeafNodePort
			if addr != nil {
				port = addrPort(addr)
			} else if o.LeafNode.Port > 0 {
				port = o.LeafNode.Port
			}
			a = net.JoinHostPort(a, strconv.Itoa(port))
		}
		return a
	}
	if addr == nil {
		return ""
	}
	host := o.LeafNode.Host
	if isUnspecified(host) {
		host = firstHostIP()
	}
	return net.JoinHostPort(host, strconv.Itoa(addrPort(addr)))
}

// ownLeafURLs is what this server announces of itself: in its route INFO,
// and first in the leaf INFO. nil with leafnodes.no_advertise.
func (s *Server) ownLeafURLs() []string {
	if s.getOpts().LeafNode.NoAdvertise {
		return nil
	}
	if u := s.leafURL(); u != "" {
		return []string{u}
	}
	return nil
}

// leafNodeURLs is the leafnode_urls of the leaf INFO: the cluster's leaf
// URLs, this server's first.
func (s *Server) leafNodeURLs() []string {
	if p := s.leafs.urls.list.Load(); p != nil {
		return *p
	}
	return s.ownLeafURLs()
}

// computeLeafURLs is this server's URL, then its peers' (sorted, without
// duplicates), leaving out the peers in lame-duck mode.
func (s *Server) computeLeafURLs() []string {
	var peers []string
	s.mu.Lock()
	for _, r := range s.cluster.remotes {
		if !r.route.ldm {
			peers = append(peers, r.route.leafURLs...)
		}
	}
	s.mu.Unlock()
	slices.Sort(peers)
	return dedupe(append(s.ownLeafURLs(), peers...))
}

// updateLeafURLs recomputes the cluster's leaf URLs and, when they
// changed, sends the accepted leaf connections an asynchronous INFO with
// the new list. It runs wherever the cluster's client URLs are recomputed
// (a route registered, updated or closed, a peer in lame-duck mode).
func (s *Server) updateLeafURLs() {
	u := &s.leafs.urls
	u.mu.Lock()
	defer u.mu.Unlock()
	list := s.computeLeafURLs()
	old := s.leafNodeURLs()
	u.list.Store(&list)
	if slices.Equal(old, list) || s.isShuttingDown() {
		return
	}
	var line []byte
	for _, c := range s.leafConns() {
		if c.leaf.solicited || !c.leaf.connectAnswered {
			continue
		}
		if line == nil {
			line = s.leafAsyncInfoLine(list)
		}
		c.queueLeaf(line)
	}
}

// answerLeafConnect queues the INFO that answers an accepted leaf's
// CONNECT; from then on the connection hears of leaf URL changes.
func (s *Server) answerLeafConnect(c *client) {
	u := &s.leafs.urls
	u.mu.Lock()
	defer u.mu.Unlock()
	c.queueLeaf(s.leafInfoLine(c, true))
	c.leaf.connectAnswered = true
}

// leafAsyncInfoLine is the INFO announcing a new list of leaf URLs.
func (s *Server) leafAsyncInfoLine(urls []string) []byte {
	info := s.leafInfoCommon()
	info.LeafNodeURLs = urls
	return marshalLeafInfo(&info)
}
