package server

import (
	"bufio"
	"encoding/json"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"
)

// TestReloadInfoNotStale: a reload that changes max_payload sends clients
// an INFO, and a cluster change at the same moment sends one with new
// connect_urls. The reload's INFO, built before the change, must not
// reach clients after the change's: they would keep stale connect_urls.
// The hook shuts the peer down between building the reload's INFO and
// sending it, and waits (briefly) for the cluster update to go out first,
// which it does unless both hold cluster.urlsMu.
func TestReloadInfoNotStale(t *testing.T) {
	o1 := clOpts("n1")
	n1 := clStart(t, o1)
	n2 := clStart(t, clOpts("n2", clRouteURL(n1)))
	clWaitMesh(t, []*Server{n1, n2})
	clWaitFor(t, clusterWait, "both client URLs", func() bool { return len(n1.clientConnectURLs()) == 2 })

	conn, br := rawConn(t, n1, `{"verbose":false,"protocol":1}`)
	var mu sync.Mutex
	var last struct {
		ConnectURLs []string `json:"connect_urls"`
		MaxPayload  int      `json:"max_payload"`
	}
	go func() {
		r := bufio.NewReader(br)
		for {
			line, err := r.ReadString('\n')
			if err != nil {
				return
			}
			if strings.HasPrefix(line, "INFO ") {
				mu.Lock()
				last.ConnectURLs = nil
				json.Unmarshal([]byte(line[5:]), &last)
				mu.Unlock()
			}
		}
	}()
	conn.SetDeadline(time.Time{})

	testHookResendInfo = func() {
		go n2.Shutdown()
		deadline := time.Now().Add(500 * time.Millisecond)
		for len(n1.clientConnectURLs()) != 1 && time.Now().Before(deadline) {
			time.Sleep(5 * time.Millisecond)
		}
	}
	t.Cleanup(func() { testHookResendInfo = nil })
	after := o1.Clone()
	after.MaxPayload = 512 << 10
	n1.SetConfigLoader(func() (*Options, error) { return after.Clone(), nil })
	if err := n1.Reload(); err != nil {
		t.Fatal(err)
	}
	testHookResendInfo = nil
	clWaitFor(t, clusterWait, "the client's last INFO to be current", func() bool {
		mu.Lock()
		defer mu.Unlock()
		return last.MaxPayload == 512<<10 && slices.Equal(last.ConnectURLs, n1.clientConnectURLs()) && len(last.ConnectURLs) == 1
	})
}
