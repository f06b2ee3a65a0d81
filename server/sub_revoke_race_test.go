package server

import (
	"io"
	"net"
	"strconv"
	"sync"
	"testing"

	"github.com/natsd/natsd/auth"
)

// A SUB racing a reload that revokes its subject must end either refused
// or revoked: never in the subject index while missing from the
// connection's own subscriptions (it would keep receiving, and outlive the
// connection).
func TestSubRacingRevocation(t *testing.T) {
	o := clOpts("A")
	o.Cluster = ClusterOpts{}
	s := clStart(t, o)
	srvSide, peerSide := net.Pipe()
	go io.Copy(io.Discard, peerSide)
	defer peerSide.Close()
	s.createClient(srvSide)
	var c *client
	clWaitFor(t, clusterWait, "client", func() bool {
		s.mu.Lock()
		defer s.mu.Unlock()
		for _, cc := range s.clients {
			c = cc
		}
		return c != nil
	})
	allow, err := auth.Compile(&auth.Permissions{Subscribe: &auth.SubjectPermission{Allow: []string{">"}}})
	if err != nil {
		t.Fatal(err)
	}
	deny, err := auth.Compile(&auth.Permissions{Subscribe: &auth.SubjectPermission{Allow: []string{">"}, Deny: []string{"foo"}}})
	if err != nil {
		t.Fatal(err)
	}
	c.connected = true
	leaked := 0
	for i := 0; i < 20000 && leaked == 0; i++ {
		c.setIdentity(&auth.Identity{Perms: allow})
		sid := strconv.Itoa(i)
		var wg sync.WaitGroup
		wg.Add(2)
		go func() { defer wg.Done(); c.ProcessSub([]byte("foo"), nil, []byte(sid)) }()
		go func() { defer wg.Done(); c.setIdentity(&auth.Identity{Perms: deny}) }()
		wg.Wait()
		c.mu.Lock()
		_, inSubs := c.subs[sid]
		c.mu.Unlock()
		for _, sub := range s.gacc.sl.Match([]byte("foo")).Plain {
			if sub.client == c && sub.sid == sid {
				// In the index after the revocation: whether or not the
				// connection still lists it, it receives what deny forbids.
				leaked++
				t.Logf("iteration %d: sub in index after revocation (in c.subs: %v)", i, inSubs)
			}
		}
		c.mu.Lock()
		sub := c.subs[sid]
		delete(c.subs, sid)
		c.mu.Unlock()
		if sub != nil {
			s.removeSub(sub)
		}
	}
	if leaked > 0 {
		t.Fatalf("a revoked subscription stayed in the subject index (missing from the connection's subs)")
	}
}
