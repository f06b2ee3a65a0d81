package test

import (
	"bytes"
	"errors"
	"fmt"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/nats-io/nats.go"
)

func TestClientConnectInfo(t *testing.T) {
	t.Parallel()
	s := runServer(t, nil)
	nc := natsConnect(t, s)
	if !nc.IsConnected() {
		t.Fatal("not connected")
	}
	if nc.ConnectedServerId() == "" {
		t.Error("empty server id")
	}
	if !nc.HeadersSupported() {
		t.Error("headers not supported")
	}
	if got := nc.MaxPayload(); got != 1048576 {
		t.Errorf("max payload %d", got)
	}
	if _, err := nc.RTT(); err != nil {
		t.Errorf("RTT: %v", err)
	}
	waitFor(t, waitTimeout, "one client", func() bool { return s.NumClients() == 1 })
	nc.Close()
	waitFor(t, waitTimeout, "no clients", func() bool { return s.NumClients() == 0 })
}

func TestClientPubSub(t *testing.T) {
	t.Parallel()
	s := runServer(t, nil)
	nc := natsConnect(t, s)
	sub, err := nc.SubscribeSync("foo")
	if err != nil {
		t.Fatal(err)
	}
	flush(t, nc) // the SUB is registered before anyone publishes
	other := natsConnect(t, s)
	for i := 0; i < 10; i++ {
		if err := other.Publish("foo", []byte(fmt.Sprintf("msg-%d", i))); err != nil {
			t.Fatal(err)
		}
	}
	flush(t, other)
	for i := 0; i < 10; i++ {
		m := nextMsg(t, sub)
		if m.Subject != "foo" || string(m.Data) != fmt.Sprintf("msg-%d", i) {
			t.Fatalf("msg %d: %q %q", i, m.Subject, m.Data)
		}
	}
	// Reply subject carried through.
	if err := other.PublishRequest("foo", "my.reply", []byte("r")); err != nil {
		t.Fatal(err)
	}
	if m := nextMsg(t, sub); m.Reply != "my.reply" || string(m.Data) != "r" {
		t.Fatalf("got reply %q data %q", m.Reply, m.Data)
	}
	// Empty and binary payloads.
	bin := []byte{0, '\r', '\n', 0xff, 'M', 'S', 'G', ' '}
	other.Publish("foo", nil)
	other.Publish("foo", bin)
	flush(t, other)
	if m := nextMsg(t, sub); len(m.Data) != 0 {
		t.Fatalf("empty payload came back as %q", m.Data)
	}
	if m := nextMsg(t, sub); !bytes.Equal(m.Data, bin) {
		t.Fatalf("binary payload came back as %q", m.Data)
	}
	// Unsubscribe stops delivery and drops the server-side sub.
	waitFor(t, waitTimeout, "1 subscription", func() bool { return s.NumSubscriptions() == 1 })
	if err := sub.Unsubscribe(); err != nil {
		t.Fatal(err)
	}
	flush(t, nc)
	waitFor(t, waitTimeout, "0 subscriptions", func() bool { return s.NumSubscriptions() == 0 })
}

func TestClientLargePayload(t *testing.T) {
	t.Parallel()
	s := runServer(t, nil)
	nc := natsConnect(t, s)
	sub, _ := nc.SubscribeSync("big")
	flush(t, nc)
	data := bytes.Repeat([]byte("0123456789abcdef"), 1048576/16)
	if err := nc.Publish("big", data); err != nil {
		t.Fatal(err)
	}
	if m := nextMsg(t, sub); !bytes.Equal(m.Data, data) {
		t.Fatalf("1MB payload mismatch (len %d)", len(m.Data))
	}
}

func TestClientWildcards(t *testing.T) {
	t.Parallel()
	s := runServer(t, nil)
	nc := natsConnect(t, s)
	patterns := []string{"foo.*", "foo.>", ">", "*.bar", "foo.*.baz", "*", "foo.bar"}
	subs := map[string]*nats.Subscription{}
	for _, p := range patterns {
		sub, err := nc.SubscribeSync(p)
		if err != nil {
			t.Fatal(err)
		}
		subs[p] = sub
	}
	flush(t, nc)
	matches := map[string][]string{
		"foo":         {">", "*"},
		"foo.bar":     {"foo.*", "foo.>", ">", "*.bar", "foo.bar"},
		"foo.bar.baz": {"foo.>", ">", "foo.*.baz"},
		"x.bar":       {">", "*.bar"},
		"foo.x.y.z":   {"foo.>", ">"},
		"bar":         {">", "*"},
	}
	pub := natsConnect(t, s)
	for subj := range matches {
		pub.Publish(subj, []byte(subj))
	}
	flush(t, pub)
	flush(t, nc)
	got := map[string][]string{}
	for p, sub := range subs {
		for {
			m, err := sub.NextMsg(50 * time.Millisecond)
			if err != nil {
				break
			}
			got[m.Subject] = append(got[m.Subject], p)
		}
	}
	for subj, want := range matches {
		if len(got[subj]) != len(want) {
			t.Errorf("%s matched %v, want %v", subj, got[subj], want)
			continue
		}
		for _, w := range want {
			found := false
			for _, g := range got[subj] {
				found = found || g == w
			}
			if !found {
				t.Errorf("%s matched %v, want %v", subj, got[subj], want)
			}
		}
	}
	// Invalid subscription subjects are refused client-side or server-side.
	if _, err := nc.SubscribeSync("foo..bar"); err == nil {
		flush(t, nc)
		if nc.LastError() == nil {
			t.Errorf("foo..bar subscription accepted")
		}
	}
}

func TestClientQueueSubscribe(t *testing.T) {
	t.Parallel()
	s := runServer(t, nil)
	const members, n = 4, 1000
	var counts [members]atomic.Int64
	var seen sync.Map
	var dups atomic.Int64
	var plain atomic.Int64
	for i := 0; i < members; i++ {
		nc := natsConnect(t, s)
		i := i
		if _, err := nc.QueueSubscribe("work", "workers", func(m *nats.Msg) {
			counts[i].Add(1)
			if _, loaded := seen.LoadOrStore(string(m.Data), true); loaded {
				dups.Add(1)
			}
		}); err != nil {
			t.Fatal(err)
		}
		flush(t, nc)
	}
	// A second group gets its own copy; a plain subscriber gets everything.
	var other atomic.Int64
	ncOther := natsConnect(t, s)
	ncOther.QueueSubscribe("work", "others", func(*nats.Msg) { other.Add(1) })
	ncOther.Subscribe("work", func(*nats.Msg) { plain.Add(1) })
	flush(t, ncOther)

	pub := natsConnect(t, s)
	for i := 0; i < n; i++ {
		pub.Publish("work", []byte(fmt.Sprint(i)))
	}
	flush(t, pub)
	total := func() int64 {
		var sum int64
		for i := range counts {
			sum += counts[i].Load()
		}
		return sum
	}
	waitFor(t, waitTimeout, "all queue messages", func() bool {
		return total() >= n && plain.Load() >= n && other.Load() >= n
	})
	flush(t, pub)
	if total() != n || dups.Load() != 0 {
		t.Fatalf("queue group got %d messages (%d duplicates), want %d exactly once", total(), dups.Load(), n)
	}
	if plain.Load() != n || other.Load() != n {
		t.Fatalf("plain subscriber got %d, other group %d, want %d", plain.Load(), other.Load(), n)
	}
	// Load is spread: with 1000 messages every member gets some.
	for i := range counts {
		if counts[i].Load() == 0 {
			t.Errorf("member %d got nothing of %d", i, n)
		}
	}
}

func testRequest(t *testing.T, opts ...nats.Option) {
	s := runServer(t, nil)
	responder := natsConnect(t, s)
	responder.Subscribe("svc.echo", func(m *nats.Msg) {
		m.Respond(append([]byte("echo:"), m.Data...))
	})
	flush(t, responder)
	nc := natsConnect(t, s, opts...)
	for i := 0; i < 20; i++ {
		resp, err := nc.Request("svc.echo", []byte(fmt.Sprint(i)), readTimeout)
		if err != nil {
			t.Fatalf("request %d: %v", i, err)
		}
		if string(resp.Data) != fmt.Sprintf("echo:%d", i) {
			t.Fatalf("request %d: got %q", i, resp.Data)
		}
	}
	// Concurrent requests on one connection.
	var wg sync.WaitGroup
	errs := make(chan error, 50)
	for i := 0; i < 50; i++ {
		wg.Add(1)
		go func(i int) {
			defer wg.Done()
			resp, err := nc.Request("svc.echo", []byte(fmt.Sprint(i)), waitTimeout)
			if err == nil && string(resp.Data) != fmt.Sprintf("echo:%d", i) {
				err = fmt.Errorf("request %d got %q", i, resp.Data)
			}
			if err != nil {
				errs <- err
			}
		}(i)
	}
	wg.Wait()
	close(errs)
	for err := range errs {
		t.Error(err)
	}
	// No responders, both styles: fails fast with ErrNoResponders.
	start := time.Now()
	_, err := nc.Request("svc.nobody", []byte("x"), waitTimeout)
	if !errors.Is(err, nats.ErrNoResponders) {
		t.Fatalf("request to nobody: %v, want ErrNoResponders", err)
	}
	if d := time.Since(start); d > readTimeout {
		t.Fatalf("no-responders took %v", d)
	}
}

func TestClientRequestNewStyle(t *testing.T) {
	t.Parallel()
	testRequest(t)
}

func TestClientRequestOldStyle(t *testing.T) {
	t.Parallel()
	testRequest(t, nats.UseOldRequestStyle())
}

func TestClientRequestWithHeaders(t *testing.T) {
	t.Parallel()
	s := runServer(t, nil)
	responder := natsConnect(t, s)
	responder.Subscribe("svc.hdr", func(m *nats.Msg) {
		r := nats.NewMsg(m.Reply)
		r.Header.Set("X-Echo", m.Header.Get("X-In"))
		r.Data = m.Data
		m.RespondMsg(r)
	})
	flush(t, responder)
	nc := natsConnect(t, s)
	req := nats.NewMsg("svc.hdr")
	req.Header.Set("X-In", "v1")
	req.Data = []byte("body")
	resp, err := nc.RequestMsg(req, readTimeout)
	if err != nil {
		t.Fatal(err)
	}
	if resp.Header.Get("X-Echo") != "v1" || string(resp.Data) != "body" {
		t.Fatalf("got header %v data %q", resp.Header, resp.Data)
	}
}

func TestClientHeaders(t *testing.T) {
	t.Parallel()
	s := runServer(t, nil)
	nc := natsConnect(t, s)
	sub, _ := nc.SubscribeSync("hdr")
	flush(t, nc)
	m := nats.NewMsg("hdr")
	m.Header.Set("Single", "one")
	m.Header.Add("Multi", "a")
	m.Header.Add("Multi", "b")
	m.Header.Set("Empty-Payload-Next", "yes")
	m.Data = []byte("payload")
	if err := nc.PublishMsg(m); err != nil {
		t.Fatal(err)
	}
	got := nextMsg(t, sub)
	if got.Header.Get("Single") != "one" || strings.Join(got.Header.Values("Multi"), ",") != "a,b" ||
		string(got.Data) != "payload" {
		t.Fatalf("header round trip: %v %q", got.Header, got.Data)
	}
	// Headers and no payload.
	m2 := nats.NewMsg("hdr")
	m2.Header.Set("Only", "header")
	nc.PublishMsg(m2)
	got = nextMsg(t, sub)
	if got.Header.Get("Only") != "header" || len(got.Data) != 0 {
		t.Fatalf("header-only message: %v %q", got.Header, got.Data)
	}
	// Plain publish after headers: no header.
	nc.Publish("hdr", []byte("plain"))
	got = nextMsg(t, sub)
	if len(got.Header) != 0 || string(got.Data) != "plain" {
		t.Fatalf("plain message: %v %q", got.Header, got.Data)
	}
}

func TestClientNoRespondersDirect(t *testing.T) {
	t.Parallel()
	s := runServer(t, nil)
	nc := natsConnect(t, s)
	_, err := nc.Request("nobody.home", nil, waitTimeout)
	if !errors.Is(err, nats.ErrNoResponders) {
		t.Fatalf("got %v, want ErrNoResponders", err)
	}
	// Once a responder exists, requests work.
	nc.Subscribe("nobody.home", func(m *nats.Msg) { m.Respond([]byte("here")) })
	flush(t, nc)
	resp, err := nc.Request("nobody.home", nil, readTimeout)
	if err != nil || string(resp.Data) != "here" {
		t.Fatalf("got %v %v", resp, err)
	}
}

func TestClientFlush(t *testing.T) {
	t.Parallel()
	s := runServer(t, nil)
	nc := natsConnect(t, s)
	var got atomic.Int64
	sub := natsConnect(t, s)
	sub.Subscribe("f", func(*nats.Msg) { got.Add(1) })
	flush(t, sub)
	for i := 0; i < 10000; i++ {
		nc.Publish("f", []byte("x"))
	}
	flush(t, nc)
	waitFor(t, waitTimeout, "10000 messages", func() bool { return got.Load() == 10000 })
	for i := 0; i < 100; i++ {
		flush(t, nc)
	}
}

func TestClientDrain(t *testing.T) {
	t.Parallel()
	s := runServer(t, nil)
	closed := make(chan struct{})
	nc := natsConnect(t, s, nats.ClosedHandler(func(*nats.Conn) { close(closed) }))
	var got atomic.Int64
	release := make(chan struct{})
	sub, err := nc.Subscribe("d", func(*nats.Msg) {
		<-release // hold the callback so messages queue up client-side
		got.Add(1)
	})
	if err != nil {
		t.Fatal(err)
	}
	flush(t, nc)
	pub := natsConnect(t, s)
	for i := 0; i < 200; i++ {
		pub.Publish("d", []byte("x"))
	}
	flush(t, pub)
	waitFor(t, waitTimeout, "messages pending client-side", func() bool {
		n, _, _ := sub.Pending()
		return n >= 199
	})
	if err := nc.Drain(); err != nil {
		t.Fatal(err)
	}
	close(release)
	select {
	case <-closed:
	case <-time.After(waitTimeout):
		t.Fatal("drain did not close the connection")
	}
	if got.Load() != 200 {
		t.Fatalf("drain processed %d of 200", got.Load())
	}
	waitFor(t, waitTimeout, "server forgot drained client", func() bool {
		return s.NumClients() == 1 && s.NumSubscriptions() == 0
	})

	// Subscription drain keeps the connection.
	nc2 := natsConnect(t, s)
	var got2 atomic.Int64
	sub2, _ := nc2.Subscribe("d2", func(*nats.Msg) { got2.Add(1) })
	flush(t, nc2)
	for i := 0; i < 100; i++ {
		pub.Publish("d2", nil)
	}
	flush(t, pub)
	if err := sub2.Drain(); err != nil {
		t.Fatal(err)
	}
	waitFor(t, waitTimeout, "sub drained", func() bool { return !sub2.IsValid() })
	if got2.Load() != 100 {
		t.Fatalf("sub drain processed %d of 100", got2.Load())
	}
	if !nc2.IsConnected() {
		t.Fatal("subscription drain closed the connection")
	}
	waitFor(t, waitTimeout, "no subscriptions", func() bool { return s.NumSubscriptions() == 0 })
}

func TestClientAutoUnsubscribe(t *testing.T) {
	t.Parallel()
	s := runServer(t, nil)
	nc := natsConnect(t, s)
	sub, _ := nc.SubscribeSync("au")
	if err := sub.AutoUnsubscribe(3); err != nil {
		t.Fatal(err)
	}
	flush(t, nc)
	pub := natsConnect(t, s)
	for i := 0; i < 10; i++ {
		pub.Publish("au", []byte(fmt.Sprint(i)))
	}
	flush(t, pub)
	for i := 0; i < 3; i++ {
		if m := nextMsg(t, sub); string(m.Data) != fmt.Sprint(i) {
			t.Fatalf("got %q", m.Data)
		}
	}
	if _, err := sub.NextMsg(100 * time.Millisecond); err == nil {
		t.Fatal("got a 4th message")
	}
	waitFor(t, waitTimeout, "server removed auto-unsubscribed sub", func() bool { return s.NumSubscriptions() == 0 })
}

func TestClientNoEcho(t *testing.T) {
	t.Parallel()
	s := runServer(t, nil)
	nc := natsConnect(t, s, nats.NoEcho())
	own, _ := nc.SubscribeSync("e")
	ownQ, _ := nc.QueueSubscribeSync("e", "q")
	flush(t, nc)
	other := natsConnect(t, s)
	otherSub, _ := other.SubscribeSync("e")
	flush(t, other)
	nc.Publish("e", []byte("from-noecho"))
	flush(t, nc)
	if m := nextMsg(t, otherSub); string(m.Data) != "from-noecho" {
		t.Fatalf("other got %q", m.Data)
	}
	flush(t, nc)
	expectNoMsg(t, own)
	expectNoMsg(t, ownQ)
	// Messages from others still arrive.
	other.Publish("e", []byte("from-other"))
	flush(t, other)
	if m := nextMsg(t, own); string(m.Data) != "from-other" {
		t.Fatalf("own got %q", m.Data)
	}
	if m := nextMsg(t, ownQ); string(m.Data) != "from-other" {
		t.Fatalf("own queue got %q", m.Data)
	}
}

func TestClientMaxPayload(t *testing.T) {
	t.Parallel()
	opts := defaultOptions()
	opts.MaxPayload = 1024
	s := runServer(t, opts)
	nc := natsConnect(t, s)
	if nc.MaxPayload() != 1024 {
		t.Fatalf("client sees max payload %d", nc.MaxPayload())
	}
	sub, _ := nc.SubscribeSync("mp")
	if err := nc.Publish("mp", make([]byte, 1024)); err != nil {
		t.Fatalf("publish at the limit: %v", err)
	}
	if m := nextMsg(t, sub); len(m.Data) != 1024 {
		t.Fatalf("got %d bytes", len(m.Data))
	}
	if err := nc.Publish("mp", make([]byte, 1025)); !errors.Is(err, nats.ErrMaxPayload) {
		t.Fatalf("publish over the limit: %v, want ErrMaxPayload", err)
	}
	// The connection is still fine.
	flush(t, nc)
	nc.Publish("mp", []byte("ok"))
	if m := nextMsg(t, sub); string(m.Data) != "ok" {
		t.Fatalf("got %q", m.Data)
	}
}

func TestClientAuth(t *testing.T) {
	t.Parallel()
	opts := defaultOptions()
	opts.Username, opts.Password = "u", "p"
	s := runServer(t, opts)
	if _, err := nats.Connect(s.ClientURL(), nats.NoReconnect(), nats.Timeout(readTimeout)); err == nil ||
		!strings.Contains(strings.ToLower(err.Error()), "authorization violation") {
		t.Fatalf("no credentials: %v", err)
	}
	if _, err := nats.Connect(s.ClientURL(), nats.UserInfo("u", "bad"), nats.NoReconnect(), nats.Timeout(readTimeout)); !errors.Is(err, nats.ErrAuthorization) &&
		(err == nil || !strings.Contains(strings.ToLower(err.Error()), "authorization violation")) {
		t.Fatalf("bad password: %v", err)
	}
	nc := natsConnect(t, s, nats.UserInfo("u", "p"))
	flush(t, nc)

	topts := defaultOptions()
	topts.Authorization = "secret-token"
	ts := runServer(t, topts)
	nc2 := natsConnect(t, ts, nats.Token("secret-token"))
	flush(t, nc2)
	if _, err := nats.Connect(ts.ClientURL(), nats.Token("nope"), nats.NoReconnect(), nats.Timeout(readTimeout)); err == nil {
		t.Fatal("bad token accepted")
	}
}

// Many publishers and subscribers at once: every subscriber gets every
// message from every publisher, in per-publisher order.
func TestClientFanInFanOut(t *testing.T) {
	t.Parallel()
	s := runServer(t, nil)
	const pubs, subs, n = 4, 4, 500
	type state struct {
		mu   sync.Mutex
		last map[string]int
		bad  error
		cnt  int
	}
	states := make([]*state, subs)
	for i := range states {
		st := &state{last: map[string]int{}}
		states[i] = st
		nc := natsConnect(t, s)
		nc.Subscribe("fan.>", func(m *nats.Msg) {
			var seq int
			fmt.Sscan(string(m.Data), &seq)
			st.mu.Lock()
			defer st.mu.Unlock()
			if prev, ok := st.last[m.Subject]; ok && seq != prev+1 && st.bad == nil {
				st.bad = fmt.Errorf("%s: %d after %d", m.Subject, seq, prev)
			}
			st.last[m.Subject] = seq
			st.cnt++
		})
		flush(t, nc)
	}
	var wg sync.WaitGroup
	for p := 0; p < pubs; p++ {
		nc := natsConnect(t, s)
		wg.Add(1)
		go func(p int) {
			defer wg.Done()
			for i := 0; i < n; i++ {
				nc.Publish(fmt.Sprintf("fan.%d", p), []byte(fmt.Sprint(i)))
			}
			nc.FlushTimeout(waitTimeout)
		}(p)
	}
	wg.Wait()
	waitFor(t, waitTimeout, "all fan-out messages", func() bool {
		for _, st := range states {
			st.mu.Lock()
			c := st.cnt
			st.mu.Unlock()
			if c < pubs*n {
				return false
			}
		}
		return true
	})
	for i, st := range states {
		st.mu.Lock()
		if st.bad != nil || st.cnt != pubs*n {
			t.Errorf("subscriber %d: count %d, %v", i, st.cnt, st.bad)
		}
		st.mu.Unlock()
	}
}
