//go:build !refserver

package browser

import (
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/tls"
	"crypto/x509"
	"crypto/x509/pkix"
	"encoding/base64"
	"fmt"
	"io"
	"math/big"
	"net"
	"net/http"
	"net/url"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/nats-io/nats.go"

	"github.com/natsd/natsd/monitor"
	"github.com/natsd/natsd/server"
)

// The cluster panel draws this server and its route, with the remote's
// name, and lists the route as /routez does.
func TestDashboardCluster(t *testing.T) {
	a := startNatsd(t, func(o *server.Options) {
		o.ServerName = "node-a"
		o.Cluster = server.ClusterOpts{Name: "demo", Host: "127.0.0.1", Port: -1}
	})
	routeURL, _ := url.Parse("nats://" + a.ClusterAddr().String())
	b := startNatsd(t, func(o *server.Options) {
		o.ServerName = "node-b"
		o.Cluster = server.ClusterOpts{Name: "demo", Host: "127.0.0.1", Port: -1, Routes: []*url.URL{routeURL}}
	})
	deadline := time.Now().Add(waitTimeout)
	for a.NumRoutes() == 0 || b.NumRoutes() == 0 {
		if time.Now().After(deadline) {
			t.Fatal("no route")
		}
		time.Sleep(10 * time.Millisecond)
	}
	// Traffic across the route: a subscriber on b, a publisher on a.
	sub := b.connect(t, "sub-on-b")
	s, _ := sub.SubscribeSync("x.>")
	sub.Flush()
	pub := a.connect(t, "pub-on-a")
	deadline = time.Now().Add(waitTimeout)
	for got := 0; got == 0; got, _, _ = s.Pending() {
		pub.Publish("x.y", []byte("hi"))
		pub.Flush()
		if time.Now().After(deadline) {
			t.Fatal("no message over the route")
		}
		time.Sleep(20 * time.Millisecond)
	}

	p := openPage(t, a, nil)
	p.live()
	p.tab("cluster")
	var rz monitor.Routez
	a.getJSON(t, "routez", &rz)
	// A peer is reached over a pool of route connections: every one of
	// them goes to node-b, and the picture shows node-b once.
	if len(rz.Routes) == 0 {
		t.Fatal("routez: no routes")
	}
	for _, r := range rz.Routes {
		if r.RemoteName != "node-b" {
			t.Fatalf("routez: a route to %q, want node-b", r.RemoteName)
		}
	}
	p.until(waitTimeout, "route row and picture", func() (bool, string) {
		var labels []string
		p.eval(`[...document.querySelectorAll("#cluster-topology .node .label")].map(e => e.textContent)`, &labels)
		row := p.text(fmt.Sprintf(`#route-table tr[data-rid="%d"] td:nth-child(2)`, rz.Routes[0].Rid))
		return row == "node-b" && strings.Join(labels, ",") == "node-b,node-a", row + " " + strings.Join(labels, ",")
	})
	p.shot("cluster")
}

// selfSigned is a certificate for 127.0.0.1, made for the test.
func selfSigned(t *testing.T) *tls.Config {
	t.Helper()
	key, _ := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	tmpl := &x509.Certificate{
		SerialNumber: big.NewInt(1), Subject: pkix.Name{CommonName: "127.0.0.1"},
		NotBefore: time.Now().Add(-time.Hour), NotAfter: time.Now().Add(time.Hour),
		IPAddresses: []net.IP{net.IPv4(127, 0, 0, 1)}, KeyUsage: x509.KeyUsageDigitalSignature,
		ExtKeyUsage: []x509.ExtKeyUsage{x509.ExtKeyUsageServerAuth},
	}
	der, err := x509.CreateCertificate(rand.Reader, tmpl, tmpl, &key.PublicKey, key)
	if err != nil {
		t.Fatal(err)
	}
	return &tls.Config{Certificates: []tls.Certificate{{Certificate: [][]byte{der}, PrivateKey: key}}, MinVersion: tls.VersionTLS12}
}

// The dashboard works behind the monitoring port's basic and bearer auth
// (the browser sends the credentials with every request, the event
// stream included), over HTTPS, and under a base path.
func TestDashboardAuthHTTPSBasePath(t *testing.T) {
	cases := []struct {
		name string
		mod  func(*server.Options)
		hdr  map[string]string
	}{
		{"basic", func(o *server.Options) { o.HTTPUser, o.HTTPPassword = "ops", "s3cret" },
			map[string]string{"Authorization": "Basic " + base64.StdEncoding.EncodeToString([]byte("ops:s3cret"))}},
		{"bearer", func(o *server.Options) { o.HTTPToken = "tok-123" }, map[string]string{"Authorization": "Bearer tok-123"}},
		{"https", func(o *server.Options) { o.TLSConfig, o.HTTPPort, o.HTTPSPort = selfSigned(t), 0, -1 }, nil},
		{"base-path", func(o *server.Options) { o.HTTPBasePath = "/nats/mon" }, nil},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			n := startNatsd(t, tc.mod)
			if tc.hdr != nil {
				// Without the credentials: 401 for the page and the stream.
				for _, path := range []string{"", "dashboard/events", "dashboard/app.js"} {
					res, err := http.Get(n.base + path)
					if err != nil {
						t.Fatal(err)
					}
					res.Body.Close()
					if res.StatusCode != http.StatusUnauthorized {
						t.Errorf("GET /%s without credentials: %d", path, res.StatusCode)
					}
				}
			}
			if tc.name != "https" {
				n.connect(t, "client-"+tc.name)
			}
			p := openPage(t, n, tc.hdr)
			p.live()
			var v monitor.Varz
			n.getJSON(t, "varz", &v, "Authorization", tc.hdr["Authorization"])
			p.until(waitTimeout, "connections as in /varz", func() (bool, string) {
				got := p.text("#ov-connections")
				return digits(got) == int64(v.Connections), got
			})
			var loc string
			p.eval(`location.href`, &loc)
			if !strings.HasPrefix(loc, n.base) {
				t.Errorf("page at %s, want under %s", loc, n.base)
			}
		})
	}
}

// http_dashboard: false serves the plain index of links at the base path,
// and no dashboard files.
func TestDashboardOff(t *testing.T) {
	n := startNatsd(t, func(o *server.Options) { o.HTTPNoDashboard = true })
	get := func(path string) (int, string) {
		res, err := http.Get(n.base + path)
		if err != nil {
			t.Fatal(err)
		}
		defer res.Body.Close()
		b, _ := io.ReadAll(res.Body)
		return res.StatusCode, string(b)
	}
	if code, body := get(""); code != 200 || !strings.Contains(body, `href="/varz"`) || strings.Contains(body, "dashboard/app.js") {
		t.Errorf("index: %d %.300s", code, body)
	}
	for _, path := range []string{"dashboard/app.js", "dashboard/events"} {
		if code, _ := get(path); code != 404 {
			t.Errorf("%s with the dashboard off: %d", path, code)
		}
	}
}

// Screenshots for the README and for looking: a server with a minute of
// varied traffic, at desktop width in light and dark, and at phone width.
// NATSD_DASHBOARD_DOCS=1 also writes docs/dashboard.png.
func TestDashboardScreenshots(t *testing.T) {
	n := startNatsd(t, func(o *server.Options) { o.ServerName = "nats-eu-1" })
	stop := make(chan struct{})
	var wg sync.WaitGroup
	t.Cleanup(func() { close(stop); wg.Wait() })
	names := []string{"orders-api", "billing-worker", "billing-worker", "audit-log", "metrics-agent", "web-gateway"}
	subjects := []string{"orders.>", "billing.*.charge", "billing.*.charge", "audit.>", "metrics.>", "orders.*.new"}
	var conns []*nats.Conn
	for i, name := range names {
		nc := n.connect(t, name)
		if name == "billing-worker" {
			nc.QueueSubscribe(subjects[i], "billing", func(*nats.Msg) {})
		} else {
			nc.Subscribe(subjects[i], func(*nats.Msg) {})
		}
		nc.Flush()
		conns = append(conns, nc)
	}
	// Closed connections with reasons.
	for i := 0; i < 2; i++ {
		nc := n.connect(t, fmt.Sprintf("batch-job-%d", i+1))
		nc.Close()
	}
	wg.Add(1)
	go func() {
		defer wg.Done()
		tk := time.NewTicker(20 * time.Millisecond)
		defer tk.Stop()
		for i := 0; ; i++ {
			select {
			case <-stop:
				return
			case <-tk.C:
			}
			burst := 20 + 15*(1+(i/25)%4)
			for j := 0; j < burst; j++ {
				conns[0].Publish("orders.eu.new", []byte(`{"id":1,"items":["a","b"]}`))
				conns[5].Publish("billing.eu.charge", make([]byte, 512))
				if j%3 == 0 {
					conns[4].Publish("metrics.cpu", []byte("0.42"))
				}
			}
		}
	}()
	p := openPage(t, n, nil)
	p.live()
	// Let the charts gather some history: a few seconds in a test run, a
	// minute when making the README's picture.
	gather := 4 * time.Second
	if os.Getenv("NATSD_DASHBOARD_DOCS") != "" {
		gather = 60 * time.Second
	}
	time.Sleep(gather)
	shots := map[string]string{}
	for _, dark := range []bool{false, true} {
		p.viewport(1280, 800, dark)
		suffix := "light"
		if dark {
			suffix = "dark"
		}
		for _, tab := range []string{"overview", "connections", "subjects", "cluster", "accounts", "jetstream"} {
			p.tab(tab)
			if tab == "connections" {
				p.until(waitTimeout, "rows", func() (bool, string) { return len(p.rows()) > 0, "no rows" })
				// From inside the page: the rows are rebuilt every second.
				p.eval(`document.querySelector("#conn-table tbody tr[data-cid]").click() ?? true`, nil)
				p.until(waitTimeout, "details", func() (bool, string) { return p.text("#conn-subs") != "", "" })
			}
			if tab == "subjects" {
				p.fill("#subject-test", "billing.eu.charge\n")
				p.until(waitTimeout, "search", func() (bool, string) { return p.text("#subject-summary") != "", "" })
			}
			time.Sleep(1200 * time.Millisecond) // a fresh tick: rates filled in
			shots[tab+"-"+suffix] = p.shot(tab + "-" + suffix)
		}
	}
	p.viewport(390, 844, false)
	p.tab("overview")
	time.Sleep(1200 * time.Millisecond)
	p.shot("phone-overview")
	p.tab("connections")
	p.shot("phone-connections")
	if os.Getenv("NATSD_DASHBOARD_DOCS") != "" && shots["overview-light"] != "" {
		b, err := os.ReadFile(shots["overview-light"])
		if err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(filepath.Join("..", "..", "docs", "dashboard.png"), b, 0o644); err != nil {
			t.Fatal(err)
		}
	}
}
