package test

import (
	"fmt"
	"math/rand"
	"strings"
	"testing"
	"time"
)

// sendSplit writes in as two writes split at i. Go sets TCP_NODELAY, so the
// two parts normally reach the server as separate reads.
func (rc *rawClient) sendSplit(in string, i int) {
	rc.t.Helper()
	rc.send(in[:i])
	rc.send(in[i:])
}

// forEachSplit runs f for every split point 1..len(in)-1 of in.
func forEachSplit(in string, f func(i int)) {
	for i := 1; i < len(in); i++ {
		f(i)
	}
}

func TestSplitConnect(t *testing.T) {
	t.Parallel()
	s := runServer(t, nil)
	in := "CONNECT {\"verbose\":false,\"pedantic\":false,\"headers\":true,\"name\":\"split\"}\r\n"
	forEachSplit(in, func(i int) {
		rc := dialRaw(t, s)
		rc.sendSplit(in, i)
		rc.sync("")
		// headers:true took effect: HPUB is accepted.
		rc.send("SUB h 1\r\nHPUB h 12 12\r\nNATS/1.0\r\n\r\n\r\n")
		rc.sync("HMSG h 1 12 12\r\nNATS/1.0\r\n\r\n\r\n")
		rc.conn.Close()
	})
	// Verbose CONNECT split: the +OK comes once, after the whole line.
	in = "CONNECT {\"verbose\":true}\r\n"
	rc := dialRaw(t, s)
	forEachSplit(in, func(i int) {
		rc.sendSplit(in, i)
		rc.expect("+OK\r\n")
	})
	rc.sync("")
}

func TestSplitPub(t *testing.T) {
	t.Parallel()
	s := runServer(t, nil)
	rc := dialRaw(t, s).connect()
	rc.send("SUB foo 1\r\n")
	for _, in := range []string{
		"PUB foo 5\r\nhello\r\n",
		"PUB foo reply 5\r\nhello\r\n",
		"PUB foo 0\r\n\r\n",
		"pub foo\treply  10\r\nhello\r\nyou\r\n",
	} {
		want := "MSG foo 1 5\r\nhello\r\n"
		switch {
		case strings.Contains(in, "reply 5"):
			want = "MSG foo 1 reply 5\r\nhello\r\n"
		case strings.Contains(in, " 0\r\n"):
			want = "MSG foo 1 0\r\n\r\n"
		case strings.Contains(in, "  10"):
			want = "MSG foo 1 reply 10\r\nhello\r\nyou\r\n"
		}
		forEachSplit(in, func(i int) {
			rc.sendSplit(in, i)
			rc.sync(want)
		})
	}
}

func TestSplitHPub(t *testing.T) {
	t.Parallel()
	s := runServer(t, nil)
	rc := dialRaw(t, s).connectWith(`{"verbose":false,"headers":true}`)
	rc.send("SUB foo 1\r\n")
	cases := map[string]string{
		"HPUB foo 18 23\r\nNATS/1.0\r\nA: b\r\n\r\nhello\r\n":       "HMSG foo 1 18 23\r\nNATS/1.0\r\nA: b\r\n\r\nhello\r\n",
		"HPUB foo reply 18 23\r\nNATS/1.0\r\nA: b\r\n\r\nhello\r\n": "HMSG foo 1 reply 18 23\r\nNATS/1.0\r\nA: b\r\n\r\nhello\r\n",
		"HPUB foo 12 12\r\nNATS/1.0\r\n\r\n\r\n":                    "HMSG foo 1 12 12\r\nNATS/1.0\r\n\r\n\r\n",
	}
	for in, want := range cases {
		forEachSplit(in, func(i int) {
			rc.sendSplit(in, i)
			rc.sync(want)
		})
	}
	// A non-header subscriber gets the same HPUB as a plain MSG.
	plain := dialRaw(t, s).connect()
	plain.send("SUB foo 2\r\n")
	plain.sync("")
	in := "HPUB foo r 18 23\r\nNATS/1.0\r\nA: b\r\n\r\nhello\r\n"
	forEachSplit(in, func(i int) {
		rc.sendSplit(in, i)
		rc.sync("HMSG foo 1 r 18 23\r\nNATS/1.0\r\nA: b\r\n\r\nhello\r\n")
		plain.sync("MSG foo 2 r 5\r\nhello\r\n")
	})
}

func TestSplitSubQueue(t *testing.T) {
	t.Parallel()
	s := runServer(t, nil)
	rc := dialRaw(t, s).connect()
	pub := dialRaw(t, s).connect()
	for n := 0; n < 2; n++ {
		template := "SUB sq.%04d grp %04d\r\n"
		if n == 1 {
			template = "SUB sq.%04d %04d\r\n" // plain
		}
		probe := fmt.Sprintf(template, 0, 0)
		forEachSplit(probe, func(i int) {
			id := n*1000 + i
			in := fmt.Sprintf(template, id, id)
			rc.sendSplit(in, i)
			rc.sync("")
			pub.send(fmt.Sprintf("PUB sq.%04d 1\r\nx\r\n", id))
			pub.sync("")
			// The sid is echoed exactly as sent (an opaque string): "0001", not "1".
			rc.sync(fmt.Sprintf("MSG sq.%04d %04d 1\r\nx\r\n", id, id))
		})
	}
	waitFor(t, waitTimeout, "subscriptions registered", func() bool { return s.NumSubscriptions() > 0 })
}

func TestSplitUnsubMax(t *testing.T) {
	t.Parallel()
	s := runServer(t, nil)
	rc := dialRaw(t, s).connect()
	probe := fmt.Sprintf("UNSUB %04d 2\r\n", 0)
	forEachSplit(probe, func(i int) {
		rc.send(fmt.Sprintf("SUB u.%04d %04d\r\n", i, i))
		rc.sendSplit(fmt.Sprintf("UNSUB %04d 2\r\n", i), i)
		rc.send(strings.Repeat(fmt.Sprintf("PUB u.%04d 1\r\nx\r\n", i), 3))
		rc.sync(strings.Repeat(fmt.Sprintf("MSG u.%04d %04d 1\r\nx\r\n", i, i), 2))
	})
	// Plain UNSUB split.
	probe = fmt.Sprintf("UNSUB %04d\r\n", 0)
	forEachSplit(probe, func(i int) {
		id := 100 + i
		rc.send(fmt.Sprintf("SUB v.%04d %04d\r\n", id, id))
		rc.sendSplit(fmt.Sprintf("UNSUB %04d\r\n", id), i)
		rc.send(fmt.Sprintf("PUB v.%04d 1\r\nx\r\n", id))
		rc.sync("")
	})
	waitFor(t, waitTimeout, "all subs removed", func() bool { return s.NumSubscriptions() == 0 })
}

func TestSplitPingPong(t *testing.T) {
	t.Parallel()
	s := runServer(t, nil)
	rc := dialRaw(t, s).connect()
	for _, in := range []string{"PING\r\n", "ping\r\n", "PING\n"} {
		forEachSplit(in, func(i int) {
			rc.sendSplit(in, i)
			rc.expect("PONG\r\n")
		})
	}
	forEachSplit("PONG\r\n", func(i int) {
		rc.sendSplit("PONG\r\n", i)
		rc.sync("")
	})
}

// Byte-at-a-time writes of a whole session.
func TestSplitEveryByte(t *testing.T) {
	t.Parallel()
	s := runServer(t, nil)
	rc := dialRaw(t, s)
	session := "CONNECT {\"verbose\":false,\"headers\":true}\r\n" +
		"SUB foo 1\r\nSUB foo q 2\r\n" +
		"PUB foo r 5\r\nhello\r\n" +
		"HPUB foo 18 23\r\nNATS/1.0\r\nA: b\r\n\r\nhello\r\n" +
		"UNSUB 2 1\r\nPUB foo 2\r\nhi\r\n" +
		"UNSUB 1\r\nPUB foo 2\r\nno\r\nPONG\r\nPING\r\n"
	for i := 0; i < len(session); i++ {
		rc.send(session[i : i+1])
	}
	rc.expect("MSG foo 1 r 5\r\nhello\r\nMSG foo 2 r 5\r\nhello\r\n" +
		"HMSG foo 1 18 23\r\nNATS/1.0\r\nA: b\r\n\r\nhello\r\nHMSG foo 2 18 23\r\nNATS/1.0\r\nA: b\r\n\r\nhello\r\n" +
		"MSG foo 1 2\r\nhi\r\nPONG\r\n")
	rc.sync("")
}

// A large payload arriving in random-size chunks.
func TestSplitLargePayloadRandomChunks(t *testing.T) {
	t.Parallel()
	s := runServer(t, nil)
	rc := dialRaw(t, s).connect()
	rc.send("SUB big 1\r\n")
	rng := rand.New(rand.NewSource(1))
	payload := make([]byte, 300*1024)
	for i := range payload {
		payload[i] = byte('a' + rng.Intn(26))
	}
	in := fmt.Sprintf("PUB big %d\r\n%s\r\n", len(payload), payload)
	for round := 0; round < 3; round++ {
		for off := 0; off < len(in); {
			n := 1 + rng.Intn(70000)
			if off+n > len(in) {
				n = len(in) - off
			}
			rc.send(in[off : off+n])
			off += n
		}
		rc.sync(fmt.Sprintf("MSG big 1 %d\r\n%s\r\n", len(payload), payload))
	}
}

// Thousands of PUBs in a single write are all delivered, in order.
func TestPipelinedPubs(t *testing.T) {
	t.Parallel()
	s := runServer(t, nil)
	sub := dialRaw(t, s).connect()
	sub.send("SUB p.* 1\r\n")
	sub.sync("")
	pub := dialRaw(t, s).connect()
	pub.send("SUB p.* 7\r\n")
	const n = 5000
	var in, wantSub, wantPub strings.Builder
	for i := 0; i < n; i++ {
		fmt.Fprintf(&in, "PUB p.%d %d\r\n%d\r\n", i%10, len(fmt.Sprint(i)), i)
		fmt.Fprintf(&wantSub, "MSG p.%d 1 %d\r\n%d\r\n", i%10, len(fmt.Sprint(i)), i)
		fmt.Fprintf(&wantPub, "MSG p.%d 7 %d\r\n%d\r\n", i%10, len(fmt.Sprint(i)), i)
	}
	in.WriteString("PING\r\n")
	done := make(chan struct{})
	go func() {
		defer close(done)
		pub.conn.SetWriteDeadline(time.Now().Add(waitTimeout))
		pub.conn.Write([]byte(in.String())) // may block until we read below
	}()
	pub.expect(wantPub.String() + "PONG\r\n")
	<-done
	sub.sync(wantSub.String())

	// Pipelined SUB/UNSUB/PUB mix in one write.
	var mix strings.Builder
	var want strings.Builder
	for i := 0; i < 1000; i++ {
		fmt.Fprintf(&mix, "SUB m.%d %d\r\nPUB m.%d 1\r\nx\r\nUNSUB %d\r\nPUB m.%d 1\r\ny\r\n", i, 100+i, i, 100+i, i)
		fmt.Fprintf(&want, "MSG m.%d %d 1\r\nx\r\n", i, 100+i)
	}
	pub.send(mix.String())
	pub.sync(want.String())
	waitFor(t, waitTimeout, "pipelined subs removed", func() bool { return s.NumSubscriptions() == 2 })
}
