package server

import (
	"net"
	"strconv"
	"testing"
)

// TestStartFailureReleasesEverything: when the listener that starts last
// (monitoring's) cannot bind, Start fails and releases everything it had
// started: the client, WebSocket and cluster listeners are free again,
// solicited routes stop and no goroutine is left.
func TestStartFailureReleasesEverything(t *testing.T) {
	peer := clStart(t, clOpts("peer"))
	busy, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer busy.Close()
	check := clGoroutines(t)

	o := clOpts("n1", clRouteURL(peer))
	o.Port = clFreePort(t)
	o.Cluster.Port = clFreePort(t)
	o.HTTPHost, o.HTTPPort = "127.0.0.1", busy.Addr().(*net.TCPAddr).Port
	o.Websocket.Host, o.Websocket.Port, o.Websocket.NoTLS = "127.0.0.1", clFreePort(t), true
	s, err := New(o)
	if err != nil {
		t.Fatal(err)
	}
	if err := s.Start(); err == nil {
		s.Shutdown()
		t.Fatal("Start succeeded with the monitoring port taken")
	}
	for _, p := range []int{o.Port, o.Cluster.Port, o.Websocket.Port} {
		l, err := net.Listen("tcp", net.JoinHostPort("127.0.0.1", strconv.Itoa(p)))
		if err != nil {
			t.Errorf("port %d still taken after the failed start: %v", p, err)
			continue
		}
		l.Close()
	}
	// No route to the peer survives (nor keeps being retried).
	clWaitFor(t, clusterWait, "the peer to lose the route", func() bool { return peer.NumRoutes() == 0 })
	check()
	s.Shutdown() // harmless after the failed start
}

// TestStartFailureClusterPort: a cluster port that cannot be bound fails
// Start with the client and WebSocket listeners released.
func TestStartFailureClusterPort(t *testing.T) {
	busy, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer busy.Close()
	check := clGoroutines(t)
	o := clOpts("n1")
	o.Port = clFreePort(t)
	o.Cluster.Port = busy.Addr().(*net.TCPAddr).Port
	o.Websocket.Host, o.Websocket.Port, o.Websocket.NoTLS = "127.0.0.1", clFreePort(t), true
	s, err := New(o)
	if err != nil {
		t.Fatal(err)
	}
	if err := s.Start(); err == nil {
		s.Shutdown()
		t.Fatal("Start succeeded with the cluster port taken")
	}
	for _, p := range []int{o.Port, o.Websocket.Port} {
		l, err := net.Listen("tcp", net.JoinHostPort("127.0.0.1", strconv.Itoa(p)))
		if err != nil {
			t.Errorf("port %d still taken after the failed start: %v", p, err)
			continue
		}
		l.Close()
	}
	check()
}
