package server

import (
	"net/url"
	"os"
	"testing"
	"time"

	"github.com/nats-io/nats.go"
)

// Helpers of the leaf node tests: natsd hubs and leaves on 127.0.0.1 with
// random ports, nats.go clients, and polls with deadlines.

const leafWait = 20 * time.Second // what must happen; generous for a loaded machine

// hubOpts are the options of a hub accepting leaf nodes.
func hubOpts(name string) *Options {
	return &Options{
		ServerName: name,
		Host:       "127.0.0.1",
		Port:       RandomPort,
		NoLog:      os.Getenv("NATSD_TEST_LOG") == "",
		Debug:      os.Getenv("NATSD_TEST_LOG") == "debug",
		Trace:      os.Getenv("NATSD_TEST_LOG") == "trace",
		LeafNode:   LeafNodeOpts{Host: "127.0.0.1", Port: RandomPort},
	}
}

// leafOpts are the options of a leaf server with one remote per URL.
func leafOpts(name string, urls ...string) *Options {
	o := &Options{
		ServerName: name,
		Host:       "127.0.0.1",
		Port:       RandomPort,
		NoLog:      os.Getenv("NATSD_TEST_LOG") == "",
		Debug:      os.Getenv("NATSD_TEST_LOG") == "debug",
		Trace:      os.Getenv("NATSD_TEST_LOG") == "trace",
		LeafNode:   LeafNodeOpts{ReconnectInterval: 50 * time.Millisecond},
	}
	for _, s := range urls {
		u, err := url.Parse(s)
		if err != nil {
			panic(err)
		}
		o.LeafNode.Remotes = append(o.LeafNode.Remotes, &RemoteLeafOpts{URLs: []*url.URL{u}})
	}
	return o
}

// leafURL is the URL leaves dial to reach hub.
func leafURLOf(hub *Server) string { return "nats://" + hub.LeafAddr().String() }

// waitLeafs waits until s has n registered leaf connections.
func waitLeafs(tb testing.TB, s *Server, n int) {
	tb.Helper()
	clWaitFor(tb, leafWait, "leaf connections", func() bool { return s.NumLeafNodes() == n })
}

// leafConnect connects a nats.go client to s.
func leafConnect(tb testing.TB, s *Server, opts ...nats.Option) *nats.Conn {
	tb.Helper()
	nc, err := nats.Connect(s.ClientURL(), append([]nats.Option{nats.Timeout(10 * time.Second), nats.MaxReconnects(-1), nats.ReconnectWait(20 * time.Millisecond)}, opts...)...)
	if err != nil {
		tb.Fatal(err)
	}
	tb.Cleanup(nc.Close)
	return nc
}

// waitInterest waits until publishing on subject from s reaches somebody:
// s's index has a subscriber for it.
func waitInterest(tb testing.TB, s *Server, account, subject string) {
	tb.Helper()
	clWaitFor(tb, leafWait, "interest in "+subject, func() bool {
		acc := s.lookupAccount(account)
		return acc != nil && acc.sl.HasInterest([]byte(subject))
	})
}

// waitNoInterest waits until s's index has no subscriber for subject.
func waitNoInterest(tb testing.TB, s *Server, account, subject string) {
	tb.Helper()
	clWaitFor(tb, leafWait, "no interest in "+subject, func() bool {
		acc := s.lookupAccount(account)
		return acc != nil && !acc.sl.HasInterest([]byte(subject))
	})
}

// nextMsg reads one message or fails.
func nextMsg(tb testing.TB, sub *nats.Subscription) *nats.Msg {
	tb.Helper()
	m, err := sub.NextMsg(leafWait)
	if err != nil {
		tb.Fatalf("no message on %s: %v", sub.Subject, err)
	}
	return m
}

// noMsg checks that nothing more arrives once a flush round trip through
// the servers is done (the caller flushed the publisher).
func noMsg(tb testing.TB, sub *nats.Subscription, within time.Duration) {
	tb.Helper()
	if m, err := sub.NextMsg(within); err == nil {
		tb.Fatalf("unexpected message on %s: %q", m.Subject, m.Data)
	}
}
