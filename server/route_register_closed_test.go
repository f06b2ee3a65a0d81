package server

import (
	"net"
	"testing"
)

// A route closed while its reader is handling the peer's INFO (the
// registration timer firing, the writer failing, a slow-consumer cut-off)
// must not be registered afterwards: routeClosed has already run, so
// nothing would ever remove it from the remotes, and the dead route would
// keep winning duplicate resolution against the peer's new routes.
func TestRouteClosedBeforeRegisterNotKept(t *testing.T) {
	s := clStart(t, clOpts("A"))
	srvSide, peerSide := net.Pipe()
	defer peerSide.Close()
	c := s.createRoute(srvSide, nil)
	if c == nil {
		t.Fatal("createRoute returned nil")
	}
	const peerID = "NPEERSERVERFORTEST"
	c.mu.Lock()
	c.route.remoteID = peerID
	c.mu.Unlock()
	c.route.connectSeen = true

	// The interleaving: the reader has parsed the INFO, then another
	// goroutine closes the route, then the reader registers it.
	c.closeConnection(AuthenticationTimeout, false)
	_ = s.registerRoute(c, &routeInfoMsg{ID: peerID, Name: "peer"})

	s.mu.Lock()
	got := s.cluster.remotes[peerID]
	s.mu.Unlock()
	if got == c {
		t.Fatalf("closed route registered as the route to %s (NumRoutes=%d)", peerID, s.NumRoutes())
	}
}
