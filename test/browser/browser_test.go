//go:build !refserver

// Package browser drives natsd's monitoring dashboard in headless
// Chromium (through chromedp) against a real in-process server with real
// nats.go traffic, and checks what the page shows against the JSON
// endpoints. scripts/ensure-chromium.sh installs the browser; with CI=true
// a missing browser fails the tests, elsewhere it skips them.
package browser

import (
	"context"
	"crypto/tls"
	"encoding/json"
	"fmt"
	"net/http"
	"net/url"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/chromedp/cdproto/emulation"
	"github.com/chromedp/cdproto/fetch"
	"github.com/chromedp/cdproto/network"
	"github.com/chromedp/chromedp"
	"github.com/nats-io/nats.go"

	"github.com/natsd/natsd/server"
)

// waitTimeout bounds every wait for the page; the page updates once a second.
const waitTimeout = 10 * time.Second

// chromiumPath finds the browser, or fails (CI) or skips (elsewhere).
func chromiumPath(t *testing.T) string {
	t.Helper()
	if p := os.Getenv("CHROMIUM"); p != "" {
		return p
	}
	for _, name := range []string{"chromium", "chromium-browser", "google-chrome"} {
		if p, err := exec.LookPath(name); err == nil {
			return p
		}
	}
	if os.Getenv("CI") == "true" {
		t.Fatal("chromium is not installed: scripts/ensure-chromium.sh should have installed it")
	}
	t.Skip("chromium is not installed; run scripts/ensure-chromium.sh to run the browser tests")
	return ""
}

// artifactsDir is where the screenshots go: $NATSD_TEST_ARTIFACTS, or a
// folder in the system's temp directory.
func artifactsDir(t *testing.T) string {
	d := os.Getenv("NATSD_TEST_ARTIFACTS")
	if d == "" {
		d = filepath.Join(os.TempDir(), "natsd-test-artifacts")
	}
	d = filepath.Join(d, "dashboard")
	if err := os.MkdirAll(d, 0o755); err != nil {
		t.Fatal(err)
	}
	return d
}

// natsd is a running server with monitoring on.
type natsd struct {
	*server.Server
	base string // http(s)://127.0.0.1:port/base/
}

func startNatsd(t *testing.T, mod func(*server.Options)) *natsd {
	t.Helper()
	o := &server.Options{
		ServerName: "dash-" + strings.ToLower(strings.NewReplacer("/", "-", "_", "-").Replace(t.Name())),
		Host:       "127.0.0.1", Port: -1,
		HTTPHost: "127.0.0.1", HTTPPort: -1,
		NoLog: true,
	}
	if mod != nil {
		mod(o)
	}
	s, err := server.New(o)
	if err != nil {
		t.Fatal(err)
	}
	if err := s.Start(); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(s.Shutdown)
	scheme := "http"
	if o.HTTPSPort != 0 {
		scheme = "https"
	}
	base := strings.Trim(o.HTTPBasePath, "/")
	if base != "" {
		base += "/"
	}
	return &natsd{Server: s, base: fmt.Sprintf("%s://%s/%s", scheme, s.MonitorAddr(), base)}
}

// connect opens a nats.go connection with a name, closed at the end.
func (n *natsd) connect(t *testing.T, name string) *nats.Conn {
	t.Helper()
	nc, err := nats.Connect(n.ClientURL(), nats.Name(name), nats.MaxReconnects(0))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(nc.Close)
	return nc
}

// getJSON reads an endpoint into v with the given headers.
func (n *natsd) getJSON(t *testing.T, path string, v any, hdr ...string) {
	t.Helper()
	req, _ := http.NewRequest("GET", n.base+path, nil)
	for i := 0; i+1 < len(hdr); i += 2 {
		req.Header.Set(hdr[i], hdr[i+1])
	}
	hc := &http.Client{Timeout: 5 * time.Second, Transport: &http.Transport{TLSClientConfig: &tls.Config{InsecureSkipVerify: true}}}
	res, err := hc.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer res.Body.Close()
	if res.StatusCode != 200 {
		t.Fatalf("GET %s: %d", path, res.StatusCode)
	}
	if err := json.NewDecoder(res.Body).Decode(v); err != nil {
		t.Fatalf("GET %s: %v", path, err)
	}
}

// page is one browser tab on the dashboard. Every request the page makes
// passes through the Fetch domain: those to the server's origin go on,
// any other is failed and recorded.
type page struct {
	t   *testing.T
	ctx context.Context
	n   *natsd

	mu       sync.Mutex
	requests []string
	external []string
}

// openPage starts a browser and loads the dashboard. hdr are extra HTTP
// headers sent with every request (for the auth tests).
func openPage(t *testing.T, n *natsd, hdr map[string]string) *page {
	t.Helper()
	path := chromiumPath(t)
	opts := append(chromedp.DefaultExecAllocatorOptions[:],
		chromedp.ExecPath(path),
		chromedp.Flag("headless", true),
		chromedp.Flag("no-sandbox", true),
		chromedp.Flag("disable-gpu", true),
		chromedp.Flag("disable-quic", true),
		chromedp.Flag("no-first-run", true),
		chromedp.Flag("disable-background-networking", true),
		chromedp.Flag("disable-component-update", true),
		chromedp.Flag("disable-sync", true),
		chromedp.Flag("ignore-certificate-errors", true), // the HTTPS test's self-signed certificate
		chromedp.UserDataDir(t.TempDir()),
		chromedp.WindowSize(1280, 900),
	)
	actx, cancelA := chromedp.NewExecAllocator(context.Background(), opts...)
	ctx, cancelC := chromedp.NewContext(actx)
	tctx, cancelT := context.WithTimeout(ctx, 2*time.Minute)
	t.Cleanup(func() { cancelT(); cancelC(); cancelA() })

	p := &page{t: t, ctx: tctx, n: n}
	origin, _ := url.Parse(n.base)
	paused := chromedp.Events(tctx, fetch.RequestPaused)
	if err := chromedp.Do(tctx, chromedp.Func(func(ctx context.Context, tg *chromedp.Target) error {
		_, err := chromedp.Call(ctx, fetch.Enable, fetch.EnableParams{Patterns: []*fetch.RequestPattern{{URLPattern: "*"}}})
		return err
	})); err != nil {
		t.Fatalf("start browser: %v", err)
	}
	go func() {
		for ev, err := range paused {
			if err != nil {
				return
			}
			u, _ := url.Parse(ev.Request.URL)
			p.mu.Lock()
			p.requests = append(p.requests, ev.Request.URL)
			ok := u != nil && u.Scheme == origin.Scheme && u.Host == origin.Host
			if !ok {
				p.external = append(p.external, ev.Request.URL)
			}
			p.mu.Unlock()
			if ok {
				chromedp.Call(tctx, fetch.ContinueRequest, fetch.ContinueRequestParams{RequestID: ev.RequestID})
			} else {
				chromedp.Call(tctx, fetch.FailRequest, fetch.FailRequestParams{RequestID: ev.RequestID, ErrorReason: network.ErrorReasonBlockedByClient})
			}
		}
	}()
	if len(hdr) > 0 {
		h := network.Headers{}
		for k, v := range hdr {
			h[k] = v
		}
		if _, err := chromedp.Call(tctx, network.Enable, network.EnableParams{}); err != nil {
			t.Fatal(err)
		}
		if _, err := chromedp.Call(tctx, network.SetExtraHTTPHeaders, network.SetExtraHTTPHeadersParams{Headers: h}); err != nil {
			t.Fatal(err)
		}
	}
	if err := chromedp.Do(tctx, chromedp.Navigate(n.base)); err != nil {
		t.Fatalf("navigate: %v", err)
	}
	t.Cleanup(p.checkNoExternal)
	return p
}

// checkNoExternal fails the test if the page asked for anything but the
// server's own origin.
func (p *page) checkNoExternal() {
	p.mu.Lock()
	defer p.mu.Unlock()
	if len(p.external) > 0 {
		p.t.Errorf("the page requested URLs outside the server: %v", p.external)
	}
}

func (p *page) do(steps ...chromedp.Action[chromedp.Void]) {
	p.t.Helper()
	if err := chromedp.Do(p.ctx, steps...); err != nil {
		p.t.Fatal(err)
	}
}

// eval runs a JavaScript expression and decodes its value into v.
func (p *page) eval(expr string, v any) {
	p.t.Helper()
	raw, err := chromedp.Run(p.ctx, chromedp.Evaluate[[]byte](expr))
	if err != nil {
		p.t.Fatalf("eval %s: %v", expr, err)
	}
	if v != nil {
		if err := json.Unmarshal(raw, v); err != nil {
			p.t.Fatalf("eval %s: %v (%s)", expr, err, raw)
		}
	}
}

// text is the trimmed text of the first element matching the CSS selector,
// or "" when there is none.
func (p *page) text(sel string) string {
	var s string
	p.eval(fmt.Sprintf(`(document.querySelector(%q)?.textContent ?? "").trim()`, sel), &s)
	return s
}

// fill empties an input (as the user selecting all and deleting would,
// with an input event) and then types text into it.
func (p *page) fill(sel, text string) {
	p.t.Helper()
	p.eval(fmt.Sprintf(`(() => { const e = document.querySelector(%q); e.value = ""; e.dispatchEvent(new Event("input", {bubbles: true})); return true })()`, sel), nil)
	if text != "" {
		p.do(chromedp.SendKeys(sel, text))
	}
}

// until polls cond until it holds, or fails with what the last call said.
func (p *page) until(timeout time.Duration, what string, cond func() (bool, string)) {
	p.t.Helper()
	deadline := time.Now().Add(timeout)
	for {
		ok, got := cond()
		if ok {
			return
		}
		if time.Now().After(deadline) {
			p.shot("failed-" + strings.ReplaceAll(what, " ", "-"))
			p.t.Fatalf("timed out after %v waiting for %s; last: %s", timeout, what, got)
		}
		time.Sleep(50 * time.Millisecond)
	}
}

// live waits for the page's first tick from the event stream.
func (p *page) live() {
	p.t.Helper()
	p.until(waitTimeout, "the page to go live", func() (bool, string) {
		s := p.text("#live-text")
		return s == "live", s
	})
}

// tab selects a panel by clicking its tab.
func (p *page) tab(id string) {
	p.t.Helper()
	p.do(chromedp.Click("#tab-" + id))
	p.until(waitTimeout, id+" panel shown", func() (bool, string) {
		var hidden bool
		p.eval(fmt.Sprintf(`document.getElementById("panel-%s").hidden`, id), &hidden)
		return !hidden, fmt.Sprint("hidden ", hidden)
	})
}

// shot saves a full-page PNG screenshot under the artifacts folder.
func (p *page) shot(name string) string {
	buf, err := chromedp.Run(p.ctx, chromedp.FullScreenshot(100))
	if err != nil {
		p.t.Logf("screenshot %s: %v", name, err)
		return ""
	}
	f := filepath.Join(artifactsDir(p.t), strings.ReplaceAll(p.t.Name(), "/", "_")+"-"+name+".png")
	if err := os.WriteFile(f, buf, 0o644); err != nil {
		p.t.Logf("screenshot %s: %v", name, err)
		return ""
	}
	p.t.Logf("screenshot: %s", f)
	return f
}

// viewport resizes the page, and dark selects the dark colour scheme.
func (p *page) viewport(w, h int64, dark bool) {
	p.t.Helper()
	mobile := []chromedp.EmulateViewportOption{}
	if w < 600 {
		mobile = append(mobile, chromedp.EmulateMobile)
	}
	p.do(chromedp.EmulateViewport(w, h, mobile...))
	scheme := "light"
	if dark {
		scheme = "dark"
	}
	if _, err := chromedp.Call(p.ctx, emulation.SetEmulatedMedia, emulation.SetEmulatedMediaParams{
		Features: []*emulation.MediaFeature{{Name: "prefers-color-scheme", Value: scheme}},
	}); err != nil {
		p.t.Fatal(err)
	}
}
