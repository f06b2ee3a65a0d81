//go:build refserver

package test

// With -tags refserver the tests run against the reference nats-server
// binary (NATS_REF_SERVER, see /work/shared/tools/reference-tools) instead
// of natsd. This is how the expectations in these tests were checked.

import (
	"encoding/json"
	"fmt"
	"io"
	"net"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"syscall"
	"testing"
	"time"
)

// referenceOnlyInfoKeys are the INFO fields nats-server sends last
// (natsd sends them too: see natsd_server_test.go).
var referenceOnlyInfoKeys = []string{"api_lvl", "xkey"}

type refServer struct {
	t        testing.TB
	cmd      *exec.Cmd
	port     int
	mport    int
	baseSubs uint32
	done     chan struct{}
}

func freePort(t testing.TB) int {
	t.Helper()
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer l.Close()
	return l.Addr().(*net.TCPAddr).Port
}

func startServerOnce(t testing.TB, o *srvOpts) *refServer {
	t.Helper()
	bin := os.Getenv("NATS_REF_SERVER")
	if bin == "" {
		bin = "/root/.cache/natsd-tools/bin/nats-server"
	}
	rs := &refServer{t: t, port: freePort(t), mport: freePort(t), done: make(chan struct{})}
	var b strings.Builder
	fmt.Fprintf(&b, "listen: 127.0.0.1:%d\nhttp: 127.0.0.1:%d\n", rs.port, rs.mport)
	if o.MaxPayload != 0 {
		fmt.Fprintf(&b, "max_payload: %d\n", o.MaxPayload)
	}
	if o.MaxControlLine != 0 {
		fmt.Fprintf(&b, "max_control_line: %d\n", o.MaxControlLine)
	}
	if o.MaxConnections != 0 {
		fmt.Fprintf(&b, "max_connections: %d\n", o.MaxConnections)
	}
	if o.MaxSubscriptions != 0 {
		fmt.Fprintf(&b, "max_subscriptions: %d\n", o.MaxSubscriptions)
	}
	if o.MaxPending != 0 {
		fmt.Fprintf(&b, "max_pending: %d\n", o.MaxPending)
	}
	if o.WriteDeadline != 0 {
		fmt.Fprintf(&b, "write_deadline: %q\n", o.WriteDeadline.String())
	}
	if o.PingInterval != 0 {
		fmt.Fprintf(&b, "ping_interval: %q\n", o.PingInterval.String())
	}
	if o.MaxPingsOut != 0 {
		fmt.Fprintf(&b, "ping_max: %d\n", o.MaxPingsOut)
	}
	if o.Username != "" || o.Authorization != "" || o.AuthTimeout != 0 {
		b.WriteString("authorization {\n")
		if o.Username != "" {
			fmt.Fprintf(&b, "  user: %q\n  password: %q\n", o.Username, o.Password)
		}
		if o.Authorization != "" {
			fmt.Fprintf(&b, "  token: %q\n", o.Authorization)
		}
		if o.AuthTimeout != 0 {
			fmt.Fprintf(&b, "  timeout: %v\n", o.AuthTimeout.Seconds())
		}
		b.WriteString("}\n")
	}
	conf := filepath.Join(t.TempDir(), "ref.conf")
	if err := os.WriteFile(conf, []byte(b.String()), 0o644); err != nil {
		t.Fatal(err)
	}
	cmd := exec.Command(bin, "-c", conf)
	if os.Getenv("REF_LOG") != "" {
		cmd.Stderr = os.Stderr
	}
	if err := cmd.Start(); err != nil {
		t.Fatalf("start reference: %v", err)
	}
	rs.cmd = cmd
	go func() { cmd.Wait(); close(rs.done) }()
	up := func() bool {
		c, err := net.Dial("tcp", rs.Addr().String())
		if err != nil {
			return false
		}
		c.Close()
		_, err = rs.get("/varz")
		return err == nil
	}
	deadline := time.Now().Add(4 * waitTimeout)
	for !up() {
		select {
		case <-rs.done: // e.g. a port was taken meanwhile: caller retries
			return nil
		default:
		}
		if time.Now().After(deadline) {
			rs.Shutdown()
			t.Fatalf("reference server did not come up")
		}
		time.Sleep(5 * time.Millisecond)
	}
	// The system account has its own subscriptions; count only clients'.
	waitFor(t, waitTimeout, "reference server has no clients", func() bool { return rs.NumClients() == 0 })
	rs.baseSubs = rs.rawSubs()
	return rs
}

func startServer(t testing.TB, o *srvOpts) testServer {
	t.Helper()
	for i := 0; i < 5; i++ {
		if rs := startServerOnce(t, o); rs != nil {
			return rs
		}
	}
	t.Fatalf("reference server keeps exiting at startup (set REF_LOG=1 to see why)")
	return nil
}

func (rs *refServer) get(path string) (map[string]any, error) {
	cl := http.Client{Timeout: readTimeout}
	resp, err := cl.Get(fmt.Sprintf("http://127.0.0.1:%d%s", rs.mport, path))
	if err != nil {
		return nil, err
	}
	defer resp.Body.Close()
	body, err := io.ReadAll(resp.Body)
	if err != nil {
		return nil, err
	}
	var m map[string]any
	return m, json.Unmarshal(body, &m)
}

func (rs *refServer) Addr() net.Addr {
	return &net.TCPAddr{IP: net.IPv4(127, 0, 0, 1), Port: rs.port}
}

func (rs *refServer) ClientURL() string { return fmt.Sprintf("nats://127.0.0.1:%d", rs.port) }

func (rs *refServer) NumClients() int {
	m, err := rs.get("/varz")
	if err != nil {
		return -1
	}
	n, _ := m["connections"].(float64)
	return int(n)
}

func (rs *refServer) rawSubs() uint32 {
	m, err := rs.get("/subsz")
	if err != nil {
		return 1 << 31
	}
	n, _ := m["num_subscriptions"].(float64)
	return uint32(n)
}

func (rs *refServer) NumSubscriptions() uint32 { return rs.rawSubs() - rs.baseSubs }

func (rs *refServer) Shutdown() {
	select {
	case <-rs.done:
		return
	default:
	}
	rs.cmd.Process.Signal(syscall.SIGTERM)
	select {
	case <-rs.done:
	case <-time.After(waitTimeout):
		rs.cmd.Process.Kill()
		<-rs.done
	}
}
