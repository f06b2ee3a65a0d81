//go:build !refserver

package test

import (
	"context"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/chromedp"
	"github.com/nats-io/nats.go"

	"github.com/natsd/natsd/server"
)

// chromiumPath is Debian's Chromium, installed by scripts/ensure-chromium.sh.
const chromiumPath = "/usr/bin/chromium"

// TestBrowserWebsocket loads the official nats.ws client into headless
// Chromium from a local page: the page subscribes and renders what it
// receives, asks a Go service for a reply, and publishes with headers.
// Go publishes and checks the page's DOM, and keeps a screenshot in
// test/browser/artifacts/. The page's origin is the only one allowed, so
// the browser's Origin header is checked on the way.
func TestBrowserWebsocket(t *testing.T) {
	if _, err := os.Stat(chromiumPath); err != nil {
		if os.Getenv("CI") == "true" {
			t.Fatalf("%s is missing (scripts/ensure-chromium.sh installs it): %v", chromiumPath, err)
		}
		t.Skipf("%s is missing; run scripts/ensure-chromium.sh", chromiumPath)
	}
	client := filepath.Join("browser", "node_modules", "nats.ws", "esm", "nats.js")
	if _, err := os.Stat(client); err != nil {
		if os.Getenv("CI") == "true" {
			t.Fatalf("%s is missing (scripts/ensure-browser-deps.sh installs it): %v", client, err)
		}
		t.Skipf("%s is missing; run scripts/ensure-browser-deps.sh", client)
	}

	mux := http.NewServeMux()
	mux.HandleFunc("/", func(w http.ResponseWriter, r *http.Request) {
		http.ServeFile(w, r, filepath.Join("browser", "index.html"))
	})
	mux.HandleFunc("/nats.js", func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "text/javascript")
		http.ServeFile(w, r, client)
	})
	page := httptest.NewServer(mux)
	defer page.Close()

	s, err := server.New(&server.Options{
		Host: "127.0.0.1", Port: -1, NoLog: true,
		Websocket: server.WebsocketOpts{
			Host: "127.0.0.1", Port: -1, NoTLS: true, Compression: true,
			AllowedOrigins: []string{page.URL},
		},
	})
	if err != nil {
		t.Fatal(err)
	}
	if err := s.Start(); err != nil {
		t.Fatal(err)
	}
	defer s.Shutdown()

	nc, err := nats.Connect(s.ClientURL())
	if err != nil {
		t.Fatal(err)
	}
	defer nc.Close()
	nc.Subscribe("go.echo", func(m *nats.Msg) { m.Respond([]byte("pong from Go: " + string(m.Data))) })
	fromBrowser, _ := nc.SubscribeSync("from.browser")
	nc.Flush()

	opts := []chromedp.ExecAllocatorOption{
		chromedp.ExecPath(chromiumPath),
		chromedp.Headless,
		chromedp.NoSandbox,
		chromedp.DisableGPU,
		chromedp.NoFirstRun,
		chromedp.Flag("disable-quic", true),
		chromedp.Flag("disable-background-networking", true),
		chromedp.Flag("disable-component-update", true),
		chromedp.Flag("disable-sync", true),
		// A page kept in the back/forward cache keeps its WebSocket open;
		// the test checks that leaving the page closes the connection.
		chromedp.Flag("disable-features", "BackForwardCache"),
		chromedp.UserDataDir(t.TempDir()),
		chromedp.WindowSize(900, 600),
	}
	actx, cancelAlloc := chromedp.NewExecAllocator(context.Background(), opts...)
	defer cancelAlloc()
	ctx, cancel := chromedp.NewContext(actx)
	defer cancel()
	ctx, cancelTimeout := context.WithTimeout(ctx, 60*time.Second)
	defer cancelTimeout()

	pageURL := page.URL + "/?ws=" + s.WebsocketURL()
	if err := chromedp.Do(ctx,
		chromedp.Navigate(pageURL),
		ignore(chromedp.Poll[bool](`document.getElementById("status").textContent == "ready" || document.getElementById("status").textContent.startsWith("error")`)),
	); err != nil {
		t.Fatalf("loading the page: %v", err)
	}
	status, err := chromedp.Run(ctx, chromedp.Text("#status"))
	if err != nil || status != "ready" {
		t.Fatalf("page status %q (%v)", status, err)
	}

	// The browser's message with headers reached Go.
	m, err := fromBrowser.NextMsg(5 * time.Second)
	if err != nil || string(m.Data) != "hello from the browser" || m.Header.Get("X-From") != "chromium" {
		t.Fatalf("from the browser: %v %v", m, err)
	}

	// Go publishes; the page renders.
	for i, text := range []string{"first", "second", "third"} {
		msg := nats.NewMsg("browser.news." + string(rune('a'+i)))
		msg.Data = []byte(text)
		msg.Header.Set("X-From", "go")
		if err := nc.PublishMsg(msg); err != nil {
			t.Fatal(err)
		}
	}
	nc.Flush()
	if err := chromedp.Do(ctx, ignore(chromedp.Poll[bool](`document.querySelectorAll("#msgs li").length >= 3`))); err != nil {
		t.Fatalf("waiting for the rendered messages: %v", err)
	}
	items, err := chromedp.Run(ctx, chromedp.Evaluate[[]string](`Array.from(document.querySelectorAll("#msgs li")).map(li => li.textContent)`))
	if err != nil {
		t.Fatal(err)
	}
	reply, err := chromedp.Run(ctx, chromedp.Text("#reply"))
	if err != nil {
		t.Fatal(err)
	}
	want := []string{"browser.news.a first go", "browser.news.b second go", "browser.news.c third go"}
	if strings.Join(items, "|") != strings.Join(want, "|") {
		t.Fatalf("rendered %q, want %q", items, want)
	}
	if reply != "pong from Go: ping from the browser" {
		t.Fatalf("reply %q", reply)
	}

	png, err := chromedp.Run(ctx, chromedp.FullScreenshot(100))
	if err != nil {
		t.Fatalf("screenshot: %v", err)
	}
	dir := filepath.Join("browser", "artifacts")
	if err := os.MkdirAll(dir, 0o755); err != nil {
		t.Fatal(err)
	}
	shot := filepath.Join(dir, "websocket.png")
	if err := os.WriteFile(shot, png, 0o644); err != nil {
		t.Fatal(err)
	}
	t.Logf("screenshot: %s", shot)

	// Leaving the page closes its connection.
	if err := chromedp.Do(ctx, chromedp.Navigate("about:blank")); err != nil {
		t.Fatal(err)
	}
	waitFor(t, waitTimeout, "the page's connection to close after it was left", func() bool { return s.NumClients() == 1 })
	totalBefore := s.Varz().TotalConnections

	// A page from a foreign origin is refused before the upgrade: the
	// client never connects.
	other := httptest.NewServer(mux)
	defer other.Close()
	if !strings.HasPrefix(other.URL, "http://127.0.0.1:") || other.URL == page.URL {
		t.Fatalf("second page server %s", other.URL)
	}
	if err := chromedp.Do(ctx,
		chromedp.Navigate(other.URL+"/?ws="+s.WebsocketURL()),
		ignore(chromedp.Poll[bool](`document.getElementById("status").textContent.startsWith("error")`)),
	); err != nil {
		t.Fatalf("a foreign origin's page was not refused: %v", err)
	}
	if total := s.Varz().TotalConnections; total != totalBefore {
		t.Fatalf("total connections went from %d to %d: the foreign page got in", totalBefore, total)
	}
}

// ignore drops an action's value so it can be one of chromedp.Do's steps.
func ignore[T any](a chromedp.Action[T]) chromedp.Action[chromedp.Void] {
	return func(ctx context.Context, t *chromedp.Target) (chromedp.Void, error) {
		_, err := a(ctx, t)
		return chromedp.Void{}, err
	}
}
