package server

import (
	"testing"
	"time"

	"github.com/nats-io/nats.go"

	"github.com/natsd/natsd/auth"
)

// clPermCheck publishes pubSubj on pub and reports whether a subscription
// on subSubj on sub receives it. A marker message on markerSubj, which
// crosses the route in the same direction on the same connection, comes
// after it: once the marker is in, the message would be too.
func clPermCheck(t *testing.T, sub, pub *nats.Conn, subSubj, pubSubj, markerSubj string) bool {
	t.Helper()
	s, err := sub.SubscribeSync(subSubj)
	if err != nil {
		t.Fatal(err)
	}
	defer s.Unsubscribe()
	m, err := sub.SubscribeSync(markerSubj)
	if err != nil {
		t.Fatal(err)
	}
	defer m.Unsubscribe()
	sub.Flush()
	// The marker's interest has crossed (and so has subSubj's, sent
	// before it) once a marker arrives.
	deadline := time.Now().Add(clusterWait)
	for {
		pub.Publish(markerSubj, []byte("probe"))
		pub.Flush()
		if _, err := m.NextMsg(50 * time.Millisecond); err == nil {
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("marker %s never crossed", markerSubj)
		}
	}
	// Drain late probes, then the real test.
	for {
		if _, err := m.NextMsg(100 * time.Millisecond); err != nil {
			break
		}
	}
	for {
		if _, err := s.NextMsg(time.Millisecond); err != nil {
			break
		}
	}
	pub.Publish(pubSubj, []byte("test"))
	pub.Publish(markerSubj, []byte("marker"))
	pub.Flush()
	for {
		mm, err := m.NextMsg(5 * time.Second)
		if err != nil {
			t.Fatalf("marker after %s: %v", pubSubj, err)
		}
		if string(mm.Data) == "marker" {
			break
		}
	}
	for {
		mm, err := s.NextMsg(time.Millisecond)
		if err != nil {
			return false
		}
		if string(mm.Data) == "test" {
			return true
		}
	}
}

// TestRoutePermissions: cluster.permissions on node A (import foo.>,
// export bar.>), as nats-server applies them: A takes messages on foo.>
// only, sends messages on bar.> only, and wildcard interest outside them
// is refused whole (a ">" subscriber on B gets nothing from A).
func TestRoutePermissions(t *testing.T) {
	servers := clStartCluster(t, 2, func(i int, o *Options) {
		if i == 0 {
			o.Cluster.Permissions = &RoutePermissions{
				Import: &auth.SubjectPermission{Allow: []string{"foo.>"}},
				Export: &auth.SubjectPermission{Allow: []string{"bar.>"}},
			}
		}
	})
	a, b := clConnect(t, servers[0]), clConnect(t, servers[1])
	for _, tc := range []struct {
		name                     string
		sub, pub                 *nats.Conn
		subSubj, pubSubj, marker string
		want                     bool
	}{
		{"A imports foo", a, b, "foo.x", "foo.x", "foo.m", true},
		{"A does not import bar", a, b, "bar.x", "bar.x", "foo.m", false},
		{"A exports bar", b, a, "bar.x", "bar.x", "bar.m", true},
		{"A does not export foo", b, a, "foo.x", "foo.x", "bar.m", false},
		{"B's > is not within export", b, a, ">", "bar.x", "bar.m", false},
		{"B's bar.* is", b, a, "bar.*", "bar.x", "bar.m", true},
		{"A's *.x is not within import", a, b, "*.x", "foo.x", "foo.m", false},
		{"A's foo.* is", a, b, "foo.*", "foo.x", "foo.m", true},
	} {
		if got := clPermCheck(t, tc.sub, tc.pub, tc.subSubj, tc.pubSubj, tc.marker); got != tc.want {
			t.Errorf("%s: delivered %v, want %v", tc.name, got, tc.want)
		}
	}
}
