package server

import (
	"bufio"
	"fmt"
	"io"
	"net"
	"strings"
	"testing"
	"time"
)

// clFakePeer dials s's route port and registers as server id, speaking the
// route protocol by hand; it returns the connection once the interest it
// announces is in place.
func clFakePeer(t *testing.T, s *Server, id string, interest ...string) (net.Conn, *bufio.Reader) {
	t.Helper()
	conn, err := net.Dial("tcp", s.ClusterAddr().String())
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { conn.Close() })
	fmt.Fprintf(conn, "CONNECT {\"name\":%q,\"cluster\":\"test\"}\r\n", id)
	fmt.Fprintf(conn, "INFO {\"server_id\":%q,\"server_name\":\"fake\",\"cluster\":\"test\",\"host\":\"127.0.0.1\",\"port\":1}\r\n", id)
	for _, subj := range interest {
		fmt.Fprintf(conn, "RS+ $G %s\r\n", subj)
	}
	br := bufio.NewReaderSize(conn, 1<<20)
	clWaitFor(t, clusterWait, "fake peer registered", func() bool {
		return s.routeTo(id) != nil && s.NumRemoteSubscriptions() == len(interest)
	})
	return conn, br
}

// TestClusterRouteSlowPeer: a route is not cut off for a pause shorter than
// its (stretched) write deadline, even with a backlog far above a client's
// max_pending; a peer that stops reading for longer is cut off, logged
// and counted.
func TestClusterRouteSlowPeer(t *testing.T) {
	o := clOpts("a")
	o.MaxPending = 1 << 20 // a client would be cut off at 1 MiB
	// Routes get 3 s: well above the 800 ms pause below even when the
	// test goroutine wakes late on a loaded machine (1.2 s was close).
	o.WriteDeadline = time.Second
	s, log := clStartLogged(t, o)
	payload := strings.Repeat("x", 1000)
	publish := func(n int) {
		pc, pr := rawConn(t, s, `{"verbose":false}`)
		var b strings.Builder
		for i := 0; i < n; i++ {
			fmt.Fprintf(&b, "PUB slow %d\r\n%s\r\n", len(payload), payload)
		}
		b.WriteString("PING\r\n")
		io.WriteString(pc, b.String())
		if l, err := pr.ReadString('\n'); err != nil || l != "PONG\r\n" {
			t.Fatalf("publisher: %q %v", l, err)
		}
	}

	t.Run("pause", func(t *testing.T) {
		conn, br := clFakePeer(t, s, "NFAKE1", "slow")
		// Drain what the server sent so far (its INFOs) up to a PONG.
		fmt.Fprintf(conn, "PING\r\n")
		for {
			l, err := br.ReadString('\n')
			if err != nil {
				t.Fatal(err)
			}
			if l == "PONG\r\n" {
				break
			}
		}
		// 8 MB while the peer reads nothing for 800 ms.
		const n = 8000
		publish(n)
		time.Sleep(800 * time.Millisecond) // the peer's pause
		conn.SetReadDeadline(time.Now().Add(20 * time.Second))
		got := 0
		for got < n {
			l, err := br.ReadString('\n')
			if err != nil {
				t.Fatalf("after %d messages: %v", got, err)
			}
			if strings.HasPrefix(l, "RMSG $G slow 1000") {
				if _, err := io.CopyN(io.Discard, br, 1002); err != nil {
					t.Fatal(err)
				}
				got++
			}
		}
		if s.routeTo("NFAKE1") == nil {
			t.Fatal("route dropped after a pause")
		}
		conn.Close()
		clWaitFor(t, clusterWait, "fake peer gone", func() bool { return s.NumRoutes() == 0 })
	})

	t.Run("stalled", func(t *testing.T) {
		clFakePeer(t, s, "NFAKE2", "slow")
		// The peer never reads: once the socket buffers are full, a write
		// makes no progress for the deadline and the route is cut off.
		clWaitFor(t, 30*time.Second, "stalled route cut off", func() bool {
			if s.routeTo("NFAKE2") == nil {
				return true
			}
			publish(2000)
			return false
		})
		if v := s.Varz(); v.SlowConsumersStats.Routes != 1 || v.SlowConsumers < 1 {
			t.Fatalf("slow consumer stats: %+v (total %d)", v.SlowConsumersStats, v.SlowConsumers)
		}
		clWaitFor(t, clusterWait, "logged", func() bool { return log.count("Slow Consumer Detected") == 1 })
	})
}
