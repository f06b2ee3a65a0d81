package server

import (
	"bytes"

	"github.com/natsd/natsd/logger"
)

// nats-server announces lame-duck mode to its cluster with a system
// account event, $SYS.SERVER.<server id>.LAMEDUCK, rather than with the
// route INFO natsd sends (which nats-server honors too). natsd listens for
// the event so that, in a mixed cluster, its clients stop being offered a
// nats-server node that is going away, as they are for a natsd one.

// lameDuckEventSubject matches every server's lame-duck event.
const lameDuckEventSubject = "$SYS.SERVER.*.LAMEDUCK"

// watchPeerLameDuck subscribes to the peers' lame-duck events.
func (s *Server) watchPeerLameDuck() {
	acc := s.lookupAccount(s.SystemAccount())
	if acc == nil {
		return
	}
	ic := s.newInternalClient(acc)
	_, err := ic.subscribe(lameDuckEventSubject, "", func(_ *client, _ *subscription, subject, _ []byte, _ int, _ []byte) bool {
		// $SYS.SERVER.<id>.LAMEDUCK
		parts := bytes.Split(subject, []byte("."))
		if len(parts) != 4 {
			return false
		}
		id := string(parts[2])
		// The callback runs inside a delivery: update elsewhere.
		s.goroutine(func() { s.peerEnteredLameDuck(id) })
		return true
	})
	if err != nil {
		s.log.Errorf("Watching the cluster's lame-duck events: %v", err)
	}
}

// peerEnteredLameDuck stops advertising a peer's client URLs.
func (s *Server) peerEnteredLameDuck(id string) {
	s.mu.Lock()
	p := s.cluster.remotes[id]
	changed := p != nil && !p.route.ldm
	if changed {
		p.route.ldm = true
	}
	s.mu.Unlock()
	if !changed {
		return
	}
	p.mu.Lock()
	name := p.route.remoteName
	p.mu.Unlock()
	logger.Notice(s.log, logger.Record{Conn: p.logPrefix(), Msg: "Route entered lame duck mode", Text: "Route %q entered lame duck mode",
		Fields: []logger.Field{logger.F("route_name", name)}})
	s.updateConnectURLs()
}

// refusedReplicas logs why a stream or consumer asking for replicas is
// refused: natsd does not replicate JetStream, and in a cluster with
// nats-server nodes it must never take part in their Raft groups (their
// replication protocol is nats-server's own). The API answers with
// nats-server's "replicas > 1 not supported in non-clustered mode".
func (s *Server) refusedReplicas(what, name string, replicas int) {
	if !s.cluster.enabled {
		return
	}
	mixed := false
	for _, r := range s.primaryRoutes() {
		if !r.route.natsdPeer {
			mixed = true
			break
		}
	}
	text := "JetStream %s %q asks for %d replicas: refused, natsd does not replicate JetStream"
	if mixed {
		text += " (mixed cluster: nats-server nodes replicate with their own Raft protocol, which natsd does not join; its non-replicated streams keep working)"
	}
	logger.Warn(s.log, logger.Record{Msg: "JetStream replicas refused", Text: text,
		Fields: []logger.Field{logger.F("kind", what), logger.F("name", name), logger.F("replicas", replicas), logger.F("mixed_cluster", mixed)}})
}
