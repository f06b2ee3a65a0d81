package test

import (
	"bytes"
	"fmt"
	"math/rand"
	"net"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/nats-io/nats.go"
)

func TestMaxConnections(t *testing.T) {
	t.Parallel()
	opts := defaultOptions()
	opts.MaxConnections = 2
	s := runServer(t, opts)
	c1 := dialRaw(t, s).connect()
	c2 := dialRaw(t, s).connect()
	waitFor(t, waitTimeout, "2 clients", func() bool { return s.NumClients() == 2 })

	// The third connection still gets a full INFO, then the error, then EOF.
	c3 := dialRaw(t, s)
	if m := c3.infoMap(); m["client_id"] == nil {
		t.Errorf("rejected connection's INFO lacks client_id: %s", c3.info)
	}
	c3.expectClose(errMaxConns)
	// Also when it sends something.
	c4 := dialRaw(t, s)
	c4.trySend("CONNECT {\"verbose\":false}\r\nPING\r\n")
	c4.expectClose(errMaxConns)

	// nats.go reports it.
	// (Depending on timing it sees the -ERR or a broken pipe: the server
	// closes right after the -ERR, possibly before the client's CONNECT.)
	if _, err := nats.Connect(s.ClientURL(), nats.NoReconnect(), nats.Timeout(readTimeout)); err == nil {
		t.Fatalf("nats.Connect over the limit succeeded")
	}

	// Existing connections are unaffected, and a freed slot can be reused.
	c1.expectOpen()
	c2.conn.Close()
	waitFor(t, waitTimeout, "slot freed", func() bool { return s.NumClients() == 1 })
	c5 := dialRaw(t, s).connect()
	c5.expectOpen()
}

func TestMaxSubscriptions(t *testing.T) {
	t.Parallel()
	opts := defaultOptions()
	opts.MaxSubscriptions = 3
	s := runServer(t, opts)
	rc := dialRaw(t, s).connect()
	rc.send("SUB a 1\r\nSUB b 2\r\nSUB c 3\r\nSUB d 4\r\n")
	rc.sync(errMaxSubs)
	rc.send("PUB d 1\r\nx\r\nPUB c 1\r\ny\r\n")
	rc.sync("MSG c 3 1\r\ny\r\n")
	// Verbose: +OK for the accepted ones, only -ERR for the refused one.
	rv := dialRaw(t, s)
	rv.send("CONNECT {\"verbose\":true}\r\nSUB a 1\r\nSUB b 2\r\nSUB c 3\r\nSUB d 4\r\n")
	rv.sync("+OK\r\n+OK\r\n+OK\r\n+OK\r\n" + errMaxSubs)
}

func TestMaxControlLine(t *testing.T) {
	t.Parallel()
	opts := defaultOptions()
	opts.MaxControlLine = 64
	s := runServer(t, opts)
	subj := func(n int) string { return strings.Repeat("a", n) }
	// The limit is on the argument part (after "PUB "), without CRLF:
	// 62 + len(" 0") = 64 is fine, 65 is not.
	t.Run("at limit", func(t *testing.T) {
		t.Parallel()
		rc := dialRaw(t, s).connect()
		rc.send("SUB " + subj(62) + " 1\r\nPUB " + subj(62) + " 0\r\n\r\n")
		rc.sync("MSG " + subj(62) + " 1 0\r\n\r\n")
	})
	t.Run("leading whitespace not counted", func(t *testing.T) {
		t.Parallel()
		rc := dialRaw(t, s).connect()
		rc.send("SUB     " + subj(62) + " 1\r\n")
		rc.sync("")
	})
	t.Run("over limit with CRLF", func(t *testing.T) {
		t.Parallel()
		rc := dialRaw(t, s).connect()
		rc.send("PUB " + subj(63) + " 0\r\n\r\n")
		rc.expectClose(errControlLine)
	})
	t.Run("over limit without CRLF", func(t *testing.T) {
		t.Parallel()
		rc := dialRaw(t, s).connect()
		rc.send("PUB " + subj(63) + " 0")
		rc.expectClose(errControlLine)
	})
	t.Run("at limit without CRLF stays open", func(t *testing.T) {
		t.Parallel()
		rc := dialRaw(t, s).connect()
		b62 := strings.Repeat("b", 62)
		rc.send("SUB " + b62 + " 1\r\n")
		rc.send("PUB " + b62 + " 0")
		rc.send("\r\n\r\n")
		rc.sync("MSG " + b62 + " 1 0\r\n\r\n")
	})
	t.Run("over limit split across writes", func(t *testing.T) {
		t.Parallel()
		rc := dialRaw(t, s).connect()
		rc.send("PUB " + subj(40))
		rc.send(subj(40) + " 0\r\n\r\n")
		rc.expectClose(errControlLine)
	})
	t.Run("SUB over limit", func(t *testing.T) {
		t.Parallel()
		rc := dialRaw(t, s).connect()
		rc.send("SUB " + subj(63) + " 1\r\n")
		rc.expectClose(errControlLine)
	})
	t.Run("UNSUB over limit", func(t *testing.T) {
		t.Parallel()
		rc := dialRaw(t, s).connect()
		rc.send("UNSUB 1 " + strings.Repeat("1", 70) + "\r\n")
		rc.expectClose(errControlLine)
	})
	t.Run("CONNECT over limit", func(t *testing.T) {
		t.Parallel()
		rc := dialRaw(t, s)
		rc.send("CONNECT {\"verbose\":false,\"name\":\"" + subj(60) + "\"}\r\n")
		rc.expectClose(errControlLine)
	})
	t.Run("before CONNECT", func(t *testing.T) {
		t.Parallel()
		rc := dialRaw(t, s)
		rc.send("PUB " + subj(70) + " " + subj(70))
		rc.expectClose(errControlLine)
	})
	t.Run("PING arguments not limited", func(t *testing.T) {
		t.Parallel()
		rc := dialRaw(t, s).connect()
		rc.send("PING " + subj(200) + "\r\n")
		rc.sync("PONG\r\n")
	})
}

func TestMaxControlLineDefault(t *testing.T) {
	t.Parallel()
	s := runServer(t, nil)
	subj := func(n int) string { return strings.Repeat("a", n) }
	rc := dialRaw(t, s).connect()
	rc.send("PUB " + subj(4094) + " 0\r\n\r\n") // argument of 4096 bytes
	rc.sync("")
	rc.send("PUB " + subj(4095) + " 0\r\n\r\n")
	rc.expectClose(errControlLine)
	rc2 := dialRaw(t, s).connect()
	rc2.send("PUB " + subj(5000) + " 2")
	rc2.expectClose(errControlLine)
}

func TestMaxPayload(t *testing.T) {
	t.Parallel()
	opts := defaultOptions()
	opts.MaxPayload = 100
	s := runServer(t, opts)
	rc := dialRaw(t, s)
	if m := rc.infoMap(); m["max_payload"] != 100.0 {
		t.Fatalf("INFO max_payload %v", m["max_payload"])
	}
	rc.connect()
	p := strings.Repeat("p", 100)
	rc.send("SUB mp 1\r\nPUB mp 100\r\n" + p + "\r\n")
	rc.sync("MSG mp 1 100\r\n" + p + "\r\n")
	rc.send("PUB mp 101\r\n")
	rc.expectClose(errMaxPayload)

	// HPUB: the total size counts.
	rh := dialRaw(t, s).connectWith(`{"verbose":false,"headers":true}`)
	rh.send("HPUB mp 50 101\r\n")
	rh.expectClose(errMaxPayload)
}

func TestAuthTimeout(t *testing.T) {
	t.Parallel()
	opts := defaultOptions()
	opts.Username, opts.Password = "u", "p"
	opts.AuthTimeout = 300 * time.Millisecond
	s := runServer(t, opts)
	check := func(t *testing.T, rc *rawClient, start time.Time) {
		t.Helper()
		rc.expectClose(errAuthTimeout) // within closeTimeout
		// Not before the timeout (a busy machine can only make it later).
		if d := time.Since(start); d < 250*time.Millisecond {
			t.Fatalf("closed after %v, want about 300ms", d)
		}
	}
	t.Run("silent client", func(t *testing.T) {
		t.Parallel()
		start := time.Now()
		check(t, dialRaw(t, s), start)
	})
	t.Run("partial CONNECT", func(t *testing.T) {
		t.Parallel()
		start := time.Now()
		rc := dialRaw(t, s)
		rc.send("CONNECT {\"user\":\"u\",")
		check(t, rc, start)
	})
	t.Run("half-open: never reads INFO", func(t *testing.T) {
		t.Parallel()
		start := time.Now()
		rc := dialRawNoInfo(t, s)
		got, closed := rc.readUntilClose(closeTimeout)
		if !closed || !strings.HasPrefix(got, "INFO ") || !strings.HasSuffix(got, " \r\n"+errAuthTimeout) {
			t.Fatalf("closed=%v got %q", closed, got)
		}
		if d := time.Since(start); d < 250*time.Millisecond {
			t.Fatalf("closed after %v", d)
		}
	})
	t.Run("authenticated in time", func(t *testing.T) {
		t.Parallel()
		rc := dialRaw(t, s)
		rc.send("CONNECT {\"user\":\"u\",\"pass\":\"p\",\"verbose\":false}\r\n")
		rc.sync("")
		// Well past the auth timeout the connection is still fine.
		time.Sleep(2 * opts.AuthTimeout)
		rc.sync("")
	})
	waitFor(t, waitTimeout, "silent clients dropped", func() bool { return s.NumClients() <= 1 })
}

// Without auth there is no auth timeout: an idle client that never sends
// CONNECT stays connected.
func TestNoAuthTimeoutWithoutAuth(t *testing.T) {
	t.Parallel()
	opts := defaultOptions()
	opts.AuthTimeout = 100 * time.Millisecond
	s := runServer(t, opts)
	rc := dialRaw(t, s)
	time.Sleep(400 * time.Millisecond)
	rc.send("PING\r\n")
	rc.expect("PONG\r\n")
}

func TestStaleConnection(t *testing.T) {
	t.Parallel()
	opts := defaultOptions()
	opts.PingInterval = 50 * time.Millisecond
	opts.MaxPingsOut = 2
	s := runServer(t, opts)

	t.Run("never PONGs", func(t *testing.T) {
		t.Parallel()
		rc := dialRaw(t, s).connect()
		start := time.Now()
		rc.expectClose("PING\r\nPING\r\n" + errStale)
		if d := time.Since(start); d < 100*time.Millisecond {
			t.Fatalf("stale after only %v", d)
		}
	})
	t.Run("never CONNECTs", func(t *testing.T) {
		t.Parallel()
		rc := dialRaw(t, s)
		rc.expectClose("PING\r\nPING\r\n" + errStale)
	})
	// Clients that answer get a server of their own that allows more
	// PINGs out (a window of a second rather than 100 ms), so that a test
	// goroutine held up on a loaded machine is not mistaken for a dead
	// client; each still runs longer than the window.
	live := defaultOptions()
	live.PingInterval = 100 * time.Millisecond
	live.MaxPingsOut = 10
	window := time.Duration(live.MaxPingsOut) * live.PingInterval
	ls := runServer(t, live)
	t.Run("answers PINGs", func(t *testing.T) {
		t.Parallel()
		rc := dialRaw(t, ls).connect()
		for i := 0; i < 2*live.MaxPingsOut; i++ {
			rc.expect("PING\r\n")
			rc.send("PONG\r\n")
		}
		// Still alive: our own PING gets its PONG (server PINGs may interleave).
		rc.send("PING\r\n")
		for {
			line := rc.readLine()
			if line == "PONG\r\n" {
				break
			}
			if line != "PING\r\n" {
				t.Fatalf("unexpected %q", line)
			}
			rc.send("PONG\r\n")
		}
	})
	t.Run("nats.go client survives", func(t *testing.T) {
		t.Parallel()
		nc := natsConnect(t, ls)
		sub, _ := nc.SubscribeSync("alive")
		time.Sleep(2 * window)
		nc.Publish("alive", []byte("yes"))
		if m := nextMsg(t, sub); string(m.Data) != "yes" {
			t.Fatalf("got %q", m.Data)
		}
		if !nc.IsConnected() {
			t.Fatal("disconnected")
		}
	})
}

// A client slow to send its CONNECT gets no PING meanwhile (with the
// default ping interval): the early first ping counts from the CONNECT,
// as in nats-server. A PING there broke nats.go's handshake on a loaded
// machine ("expected 'PONG', got 'PING'").
func TestNoEarlyPingBeforeConnect(t *testing.T) {
	t.Parallel()
	s := runServer(t, nil)
	rc := dialRaw(t, s)
	if got, closed := rc.readUntilClose(2500 * time.Millisecond); got != "" || closed {
		t.Fatalf("before CONNECT: got %q (closed %v)", got, closed)
	}
	rc.connect()
}

// A subscriber that never reads is cut off; a healthy subscriber and the
// publisher are not slowed down for long.
func TestSlowConsumer(t *testing.T) {
	t.Parallel()
	opts := defaultOptions()
	opts.MaxPending = 1024 * 1024
	opts.MaxPayload = 4096
	opts.WriteDeadline = 500 * time.Millisecond
	s := runServer(t, opts)

	// Raw subscriber with a tiny receive buffer that never reads.
	slow := dialRaw(t, s)
	slow.conn.(*net.TCPConn).SetReadBuffer(4096)
	slow.connect()
	slow.send("SUB sc 1\r\n")
	slow.sync("")

	healthy := natsConnect(t, s)
	var got atomic.Int64
	hs, _ := healthy.Subscribe("sc", func(*nats.Msg) { got.Add(1) })
	hs.SetPendingLimits(-1, -1)
	flush(t, healthy)
	pub := natsConnect(t, s)

	const n, size = 40000, 256
	payload := bytes.Repeat([]byte("x"), size)
	start := time.Now()
	for i := 0; i < n; i++ {
		if err := pub.Publish("sc", payload); err != nil {
			t.Fatalf("publish %d: %v", i, err)
		}
		if i%200 == 199 {
			if err := pub.FlushTimeout(waitTimeout); err != nil {
				t.Fatalf("publisher stalled at %d: %v", i, err)
			}
			// A healthy subscriber keeps up: stay within ~100 KB of it, well
			// under max_pending, so that only the slow one is cut off even
			// when the race detector slows the client down.
			want := int64(i + 1 - 400)
			waitFor(t, waitTimeout, "healthy subscriber keeping up", func() bool { return got.Load() >= want })
		}
	}
	flush(t, pub)
	// (How long the whole run takes is not checked: on a loaded machine
	// it says nothing. Each flush above bounds how long the publisher
	// can be held up, the slow consumer included.)
	deadline := time.Now().Add(20 * time.Second)
	for got.Load() != n {
		if time.Now().After(deadline) {
			t.Fatalf("healthy subscriber got %d of %d after %v (connected %v, last error %v; publisher connected %v; server clients %d)",
				got.Load(), n, time.Since(start).Round(time.Millisecond), healthy.IsConnected(), healthy.LastError(), pub.IsConnected(), s.NumClients())
		}
		time.Sleep(5 * time.Millisecond)
	}
	waitFor(t, waitTimeout, "slow consumer disconnected", func() bool { return s.NumClients() == 2 })
	if !healthy.IsConnected() || !pub.IsConnected() {
		t.Fatal("healthy clients were disconnected")
	}
	// The slow consumer's stream just stops: nats-server sends no -ERR.
	// (nats-server may leave our end without a FIN; then the next write
	// gets a reset and no PONG.)
	data, closed := slow.readUntilClose(time.Second)
	if !closed {
		slow.trySend("PING\r\n")
		more, c := slow.readUntilClose(closeTimeout)
		if strings.Contains(more, "PONG") {
			t.Fatalf("slow consumer still served: %q", trunc(more))
		}
		data, closed = data+more, c
	}
	if !closed {
		t.Fatalf("slow consumer still connected after reading %d bytes", len(data))
	}
	if strings.Contains(data, "-ERR") {
		t.Errorf("slow consumer got an -ERR: ...%q", data[strings.Index(data, "-ERR"):])
	}
	// What it got is whole messages, the last one maybe cut short, and
	// nothing else. It may be nothing at all: a server whose writer had
	// not run yet when max_pending was crossed (a loaded machine) drops
	// the backlog unsent, as nats-server does.
	frame := "MSG sc 1 256\r\n" + string(payload) + "\r\n"
	if want := strings.Repeat(frame, len(data)/len(frame)+1); !strings.HasPrefix(want, data) {
		i := 0
		for i < len(data) && data[i] == want[i] {
			i++
		}
		t.Errorf("slow consumer stream differs from whole messages at byte %d of %d: %q", i, len(data), trunc(data[i:min(len(data), i+40)]))
	}
}

func TestSubscriptionFloodThenDisconnect(t *testing.T) {
	t.Parallel()
	// Tens of thousands of subscriptions under the race detector, on a
	// loaded machine, take seconds to add and remove (up to 13 s seen
	// for the whole test): the waits are bounded by floodWait, not by
	// the helpers' one-reply timeouts, and nothing waits longer than it
	// must.
	const floodWait = 60 * time.Second
	s := runServer(t, nil)
	rc := dialRaw(t, s).connect()
	var b strings.Builder
	for i := 0; i < 20000; i++ {
		fmt.Fprintf(&b, "SUB flood.%d.* %d\r\n", i, i)
	}
	rc.send(b.String())
	waitFor(t, floodWait, "20000 subscriptions", func() bool { return s.NumSubscriptions() == 20000 })
	rc.sync("")
	rc.conn.Close()
	waitFor(t, floodWait, "subscriptions removed", func() bool { return s.NumSubscriptions() == 0 })
	waitFor(t, floodWait, "client removed", func() bool { return s.NumClients() == 0 })

	// Same with nats.go and queue subscriptions, closed abruptly mid-stream.
	nc := natsConnect(t, s)
	for i := 0; i < 2000; i++ {
		nc.QueueSubscribeSync(fmt.Sprintf("q.%d", i), "g")
	}
	if err := nc.FlushTimeout(floodWait); err != nil {
		t.Fatal(err)
	}
	waitFor(t, floodWait, "2000 subscriptions", func() bool { return s.NumSubscriptions() == 2000 })
	nc.Close()
	waitFor(t, floodWait, "subscriptions removed", func() bool { return s.NumSubscriptions() == 0 })
}

// Random garbage must never take the server down.
func TestGarbageInput(t *testing.T) {
	t.Parallel()
	s := runServer(t, nil)
	rng := rand.New(rand.NewSource(42))
	tokens := []string{"PUB ", "SUB ", "UNSUB ", "HPUB ", "MSG ", "CONNECT ", "PING", "PONG", "INFO ",
		"+OK", "-ERR", "\r\n", "\r", "\n", " ", "\t", "{", "}", "\"", "1", "0", "-1", "99999999999999999999",
		"foo", ".", "*", ">", "\x00", "\xff"}
	for round := 0; round < 200; round++ {
		rc := dialRaw(t, s)
		var b strings.Builder
		if round%2 == 0 {
			b.WriteString(cQuiet)
		}
		for b.Len() < 300 {
			if rng.Intn(3) == 0 {
				b.WriteByte(byte(rng.Intn(256)))
			} else {
				b.WriteString(tokens[rng.Intn(len(tokens))])
			}
		}
		rc.trySend(b.String())
		rc.conn.Close()
	}
	checkServerWorks(t, s)
	// Pure random bytes, read until the server gives up on us.
	for round := 0; round < 20; round++ {
		rc := dialRaw(t, s)
		buf := make([]byte, 4096)
		rng.Read(buf)
		rc.trySend(string(buf))
		rc.readUntilClose(closeTimeout)
	}
	checkServerWorks(t, s)
	waitFor(t, waitTimeout, "garbage clients gone", func() bool { return s.NumClients() == 0 })
}

// Shutdown closes everything and leaves no goroutine behind. Not parallel:
// it counts goroutines.
func TestShutdownNoGoroutineLeak(t *testing.T) {
	leakCheck := checkNoGoroutineLeak(t)
	opts := defaultOptions()
	opts.WriteDeadline = 200 * time.Millisecond
	opts.MaxPayload = 4096
	opts.MaxPending = 256 * 1024
	s := startServer(t, opts)
	t.Cleanup(s.Shutdown)

	var raws []*rawClient
	// Connected, subscribed client.
	r1 := dialRaw(t, s).connect()
	r1.send("SUB a 1\r\nSUB b q 2\r\n")
	r1.sync("")
	raws = append(raws, r1)
	// Client in the middle of a payload.
	r2 := dialRaw(t, s).connect()
	r2.send("PUB a 100\r\nhalf")
	raws = append(raws, r2)
	// Client that never sent CONNECT.
	raws = append(raws, dialRaw(t, s))
	// Client that never read anything and doesn't read its messages.
	r4 := dialRawNoInfo(t, s)
	r4.send("CONNECT {\"verbose\":false}\r\nSUB a 4\r\n")
	raws = append(raws, r4)
	// nats.go clients.
	nc, err := nats.Connect(s.ClientURL(), nats.NoReconnect())
	if err != nil {
		t.Fatal(err)
	}
	nc.Subscribe("a", func(*nats.Msg) {})
	for i := 0; i < 50; i++ { // 50KB: below MaxPending, r4 is not a slow consumer
		nc.Publish("a", bytes.Repeat([]byte("z"), 1000))
	}
	nc.Flush()
	waitFor(t, waitTimeout, "clients connected", func() bool { return s.NumClients() == 5 })

	done := make(chan struct{})
	go func() { s.Shutdown(); close(done) }()
	select {
	case <-done:
	case <-time.After(waitTimeout):
		t.Fatal("Shutdown hung")
	}
	for i, rc := range raws {
		if _, closed := rc.readUntilClose(closeTimeout); !closed {
			t.Errorf("raw client %d still open after Shutdown", i)
		}
		rc.conn.Close()
	}
	waitFor(t, waitTimeout, "nats.go sees the close", func() bool { return !nc.IsConnected() })
	nc.Close()
	// The listener is gone.
	if c, err := net.DialTimeout("tcp", s.Addr().String(), readTimeout); err == nil {
		c.Close()
		t.Error("listener still accepting after Shutdown")
	}
	s.Shutdown() // idempotent
	leakCheck()
}

// Repeated start/stop with traffic leaves no goroutines behind.
func TestStartStopNoGoroutineLeak(t *testing.T) {
	leakCheck := checkNoGoroutineLeak(t)
	for i := 0; i < 5; i++ {
		s := startServer(t, defaultOptions())
		t.Cleanup(s.Shutdown)
		rc := dialRaw(t, s).connect()
		rc.send("SUB x 1\r\nPUB x 1\r\nx\r\n")
		rc.sync("MSG x 1 1\r\nx\r\n")
		bad := dialRaw(t, s)
		bad.send("FOO\r\n")
		bad.expectClose(errUnknownOp)
		s.Shutdown()
		rc.readUntilClose(closeTimeout)
		rc.conn.Close()
		bad.conn.Close()
	}
	leakCheck()
}
