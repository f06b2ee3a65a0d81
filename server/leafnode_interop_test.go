package server

import (
	"bufio"
	"errors"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/nats-io/nats.go"
)

// Interop tests against nats-server, in both roles. They run only when
// NATS_REF_SERVER names a nats-server binary (CI does not need one):
//
//	eval "$(../shared/tools/reference-tools)"; go test ./server -run TestLeafInterop

// refServer is a running nats-server.
type refServer struct {
	cmd        *exec.Cmd
	clientURL  string
	leafURL    string
	logLines   chan string
	listenAddr map[string]string
}

var refListenRE = regexp.MustCompile(`Listening for (client|leafnode) connections on (\S+)`)

// startRef starts nats-server with the config text and waits until it is
// ready. It is killed when the test ends.
func startRef(t *testing.T, config string) *refServer {
	t.Helper()
	bin := os.Getenv("NATS_REF_SERVER")
	if bin == "" {
		t.Skip("NATS_REF_SERVER is not set")
	}
	dir := t.TempDir()
	path := filepath.Join(dir, "ref.conf")
	if err := os.WriteFile(path, []byte(config), 0o644); err != nil {
		t.Fatal(err)
	}
	cmd := exec.Command(bin, "-c", path)
	stderr, err := cmd.StderrPipe()
	if err != nil {
		t.Fatal(err)
	}
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	rs := &refServer{cmd: cmd, listenAddr: map[string]string{}, logLines: make(chan string, 1024)}
	t.Cleanup(func() {
		cmd.Process.Kill()
		cmd.Wait()
	})
	ready := make(chan struct{})
	go func() {
		sc := bufio.NewScanner(stderr)
		readyOnce := false
		for sc.Scan() {
			line := sc.Text()
			if m := refListenRE.FindStringSubmatch(line); m != nil {
				rs.listenAddr[m[1]] = m[2]
			}
			if !readyOnce && strings.Contains(line, "Server is ready") {
				readyOnce = true
				close(ready)
			}
			select {
			case rs.logLines <- line:
			default:
			}
		}
	}()
	select {
	case <-ready:
	case <-time.After(10 * time.Second):
		t.Fatal("nats-server did not start")
	}
	rs.clientURL = "nats://" + rs.listenAddr["client"]
	if a := rs.listenAddr["leafnode"]; a != "" {
		rs.leafURL = "nats://" + a
	}
	return rs
}

func refConnect(t *testing.T, url string) *nats.Conn {
	t.Helper()
	nc, err := nats.Connect(url, nats.MaxReconnects(-1), nats.ReconnectWait(20*time.Millisecond))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(nc.Close)
	return nc
}

// waitDelivers publishes on subject from pub until sub receives one (the
// interest has propagated), draining the rest.
func waitDelivers(t *testing.T, pub *nats.Conn, subject string, sub *nats.Subscription) {
	t.Helper()
	deadline := time.Now().Add(leafWait)
	for time.Now().Before(deadline) {
		pub.Publish(subject, []byte("probe"))
		pub.Flush()
		if _, err := sub.NextMsg(50 * time.Millisecond); err == nil {
			for {
				if _, err := sub.NextMsg(100 * time.Millisecond); err != nil {
					return
				}
			}
		}
	}
	t.Fatalf("no delivery on %s", subject)
}

// crossChecks runs the semantic checks between a client of the hub and a
// client of the leaf, whatever implements each side.
func crossChecks(t *testing.T, hc, lc *nats.Conn) {
	// Leaf → hub, wildcard subscription, headers.
	hsub, _ := hc.SubscribeSync("up.*")
	hc.Flush()
	waitDelivers(t, lc, "up.probe", hsub)
	m := nats.NewMsg("up.x")
	m.Header.Set("K", "v")
	m.Data = []byte("hello")
	lc.PublishMsg(m)
	got := nextMsg(t, hsub)
	if got.Subject != "up.x" || string(got.Data) != "hello" || got.Header.Get("K") != "v" {
		t.Fatalf("leaf→hub: got %s %q %v", got.Subject, got.Data, got.Header)
	}
	// Hub → leaf.
	lsub, _ := lc.SubscribeSync("down.>")
	lc.Flush()
	waitDelivers(t, hc, "down.probe", lsub)
	hc.Publish("down.a.b", []byte("down"))
	if got := nextMsg(t, lsub); string(got.Data) != "down" || got.Subject != "down.a.b" {
		t.Fatalf("hub→leaf: got %s %q", got.Subject, got.Data)
	}
	// Request/reply both ways.
	hs, _ := hc.Subscribe("svc.hub", func(m *nats.Msg) { m.Respond([]byte("hub")) })
	ls, _ := lc.Subscribe("svc.leaf", func(m *nats.Msg) { m.Respond([]byte("leaf")) })
	hc.Flush()
	lc.Flush()
	eventually := func(nc *nats.Conn, subj, want string) {
		deadline := time.Now().Add(leafWait)
		for {
			r, err := nc.Request(subj, nil, 200*time.Millisecond)
			if err == nil && string(r.Data) == want {
				return
			}
			if time.Now().After(deadline) {
				t.Fatalf("request %s: %v %v", subj, r, err)
			}
		}
	}
	eventually(lc, "svc.hub", "hub")
	eventually(hc, "svc.leaf", "leaf")
	hs.Unsubscribe()
	ls.Unsubscribe()
	// No responders from the leaf.
	if _, err := lc.Request("nobody.here", nil, leafWait); !errors.Is(err, nats.ErrNoResponders) {
		t.Fatalf("leaf: want no responders, got %v", err)
	}
	// Queue group across: every message once.
	hq, _ := hc.QueueSubscribeSync("work", "q")
	lq, _ := lc.QueueSubscribeSync("work", "q")
	hc.Flush()
	lc.Flush()
	time.Sleep(200 * time.Millisecond) // interest settles; the counts below are what is asserted
	const n = 50
	for i := 0; i < n; i++ {
		lc.Publish("work", []byte(fmt.Sprint(i)))
		hc.Publish("work", []byte(fmt.Sprint(i)))
	}
	lc.Flush()
	hc.Flush()
	count := func(s *nats.Subscription) int {
		k := 0
		for {
			if _, err := s.NextMsg(300 * time.Millisecond); err != nil {
				return k
			}
			k++
		}
	}
	a, b := count(hq), count(lq)
	if a+b != 2*n {
		t.Fatalf("queue group got %d+%d messages, want %d once each", a, b, 2*n)
	}
	// Local preference: each side's publisher is served by its own member.
	if a != n || b != n {
		t.Errorf("queue local preference: hub member got %d, leaf member %d (want %d each)", a, b, n)
	}
}

// TestLeafInteropNatsdLeafRefHub: natsd as a leaf of a nats-server hub.
func TestLeafInteropNatsdLeafRefHub(t *testing.T) {
	ref := startRef(t, "listen: 127.0.0.1:-1\nserver_name: refhub\nleafnodes { listen: 127.0.0.1:-1 }\n")
	lf := clStart(t, leafOpts("leaf", ref.leafURL))
	waitLeafs(t, lf, 1)
	crossChecks(t, refConnect(t, ref.clientURL), leafConnect(t, lf))
}

// TestLeafInteropRefLeafNatsdHub: a nats-server leaf of a natsd hub.
func TestLeafInteropRefLeafNatsdHub(t *testing.T) {
	if os.Getenv("NATS_REF_SERVER") == "" {
		t.Skip("NATS_REF_SERVER is not set")
	}
	hub := clStart(t, hubOpts("hub"))
	ref := startRef(t, fmt.Sprintf("listen: 127.0.0.1:-1\nserver_name: refleaf\nleafnodes { reconnect: \"100ms\", remotes: [ { url: %q } ] }\n", leafURLOf(hub)))
	waitLeafs(t, hub, 1)
	crossChecks(t, leafConnect(t, hub), refConnect(t, ref.clientURL))
}
