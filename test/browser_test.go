//go:build !refserver

package test

import (
	"bufio"
	"context"
	"net/http"
	"net/http/httptest"
	"os"
	"os/exec"
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

// The official JavaScript clients, installed (and nats-core bundled for
// the browser) by scripts/ensure-browser-deps.sh.
var (
	natsWSFile   = filepath.Join("browser", "node_modules", "nats.ws", "esm", "nats.js")
	natsCoreFile = filepath.Join("browser", "build", "nats-core.js")
)

// requireFile skips the test when path is missing, or fails it in CI
// (CI=true), where scripts/test.sh must have installed it.
func requireFile(t *testing.T, path, installer string) {
	t.Helper()
	if _, err := os.Stat(path); err != nil {
		if os.Getenv("CI") == "true" {
			t.Fatalf("%s is missing (%s installs it): %v", path, installer, err)
		}
		t.Skipf("%s is missing; run %s", path, installer)
	}
}

// startBrowserServer starts natsd with a WebSocket listener that only
// accepts browsers from origin, and a TCP client that answers go.echo.
func startBrowserServer(t *testing.T, origin string) (*server.Server, *nats.Conn) {
	t.Helper()
	s, err := server.New(&server.Options{
		Host: "127.0.0.1", Port: -1, NoLog: true,
		Websocket: server.WebsocketOpts{
			Host: "127.0.0.1", Port: -1, NoTLS: true, Compression: true,
			AllowedOrigins: []string{origin},
		},
	})
	if err != nil {
		t.Fatal(err)
	}
	if err := s.Start(); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(s.Shutdown)
	nc, err := nats.Connect(s.ClientURL())
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(nc.Close)
	nc.Subscribe("go.echo", func(m *nats.Msg) { m.Respond([]byte("pong from Go: " + string(m.Data))) })
	nc.Flush()
	return s, nc
}

// TestBrowserWebsocket loads each official client (nats.ws, and
// @nats-io/nats-core's wsconnect) into headless Chromium from a local
// page: the page subscribes and renders what it receives, asks a Go
// service for a reply, and publishes with a header. Go publishes and
// checks the DOM, and keeps a screenshot in test/browser/artifacts/. The
// page's origin is the only one allowed, so the browser's Origin header is
// checked on the way, and a page from another origin is refused.
func TestBrowserWebsocket(t *testing.T) {
	requireFile(t, chromiumPath, "scripts/ensure-chromium.sh")
	requireFile(t, natsWSFile, "scripts/ensure-browser-deps.sh")
	requireFile(t, natsCoreFile, "scripts/ensure-browser-deps.sh")

	mux := http.NewServeMux()
	mux.HandleFunc("/", func(w http.ResponseWriter, r *http.Request) {
		http.ServeFile(w, r, filepath.Join("browser", "index.html"))
	})
	for path, file := range map[string]string{"/nats.js": natsWSFile, "/nats-core.js": natsCoreFile} {
		mux.HandleFunc(path, func(w http.ResponseWriter, r *http.Request) {
			w.Header().Set("Content-Type", "text/javascript")
			http.ServeFile(w, r, file)
		})
	}
	page := httptest.NewServer(mux)
	defer page.Close()
	s, nc := startBrowserServer(t, page.URL)

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
	ctx, cancelTimeout := context.WithTimeout(ctx, 90*time.Second)
	defer cancelTimeout()

	for _, client := range []string{"nats.ws", "nats-core"} {
		t.Run(client, func(t *testing.T) {
			fromBrowser, _ := nc.SubscribeSync("from.browser")
			defer fromBrowser.Unsubscribe()
			nc.Flush()
			if err := chromedp.Do(ctx, chromedp.Navigate(page.URL+"/?client="+client+"&ws="+s.WebsocketURL())); err != nil {
				t.Fatalf("loading the page: %v", err)
			}
			pollPage(t, ctx, `document.getElementById("status").textContent == "ready" || document.getElementById("status").textContent.startsWith("error")`)
			status, err := chromedp.Run(ctx, chromedp.Text("#status"))
			if err != nil || status != "ready" {
				t.Fatalf("page status %q (%v)", status, err)
			}

			// The browser's message with a header reached Go.
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
			pollPage(t, ctx, `document.querySelectorAll("#msgs li").length >= 3`)
			items, err := chromedp.Run(ctx, chromedp.Evaluate[[]string](`Array.from(document.querySelectorAll("#msgs li")).map(li => li.textContent)`))
			if err != nil {
				t.Fatal(err)
			}
			want := []string{"browser.news.a first go", "browser.news.b second go", "browser.news.c third go"}
			if strings.Join(items, "|") != strings.Join(want, "|") {
				t.Fatalf("rendered %q, want %q", items, want)
			}
			if reply, err := chromedp.Run(ctx, chromedp.Text("#reply")); err != nil || reply != "pong from Go: ping from the browser" {
				t.Fatalf("reply %q (%v)", reply, err)
			}

			png, err := chromedp.Run(ctx, chromedp.FullScreenshot(100))
			if err != nil {
				t.Fatalf("screenshot: %v", err)
			}
			dir := filepath.Join("browser", "artifacts")
			if err := os.MkdirAll(dir, 0o755); err != nil {
				t.Fatal(err)
			}
			shot := filepath.Join(dir, "websocket-"+client+".png")
			if err := os.WriteFile(shot, png, 0o644); err != nil {
				t.Fatal(err)
			}
			t.Logf("screenshot: %s", shot)

			// Leaving the page closes its connection.
			if err := chromedp.Do(ctx, chromedp.Navigate("about:blank")); err != nil {
				t.Fatal(err)
			}
			waitFor(t, waitTimeout, "the page's connection to close after it was left", func() bool { return s.NumClients() == 1 })
		})
	}

	// A page from a foreign origin is refused before the upgrade: it
	// never becomes a client.
	other := httptest.NewServer(mux)
	defer other.Close()
	totalBefore := s.Varz().TotalConnections
	if err := chromedp.Do(ctx, chromedp.Navigate(other.URL+"/?client=nats.ws&ws="+s.WebsocketURL())); err != nil {
		t.Fatal(err)
	}
	pollPage(t, ctx, `document.getElementById("status").textContent.startsWith("error")`)
	if total := s.Varz().TotalConnections; total != totalBefore {
		t.Fatalf("total connections went from %d to %d: the foreign page got in", totalBefore, total)
	}
}

// pollPage waits until the page's predicate is true. A poll that starts
// while a navigation replaces the page's JavaScript context fails with
// "Cannot find context"; it is tried again in the new one.
func pollPage(t *testing.T, ctx context.Context, predicate string) {
	t.Helper()
	for attempt := 0; ; attempt++ {
		_, err := chromedp.Run(ctx, chromedp.Poll[bool](predicate))
		if err == nil {
			return
		}
		if attempt < 20 && strings.Contains(err.Error(), "Cannot find context") {
			time.Sleep(50 * time.Millisecond)
			continue
		}
		t.Fatalf("waiting for %s: %v", predicate, err)
	}
}

// TestNodeNatsCoreWebsocket runs @nats-io/nats-core's wsconnect from Node
// (test/browser/node-client.mjs): request/reply with Go, a message with a
// header to Go, and three messages from Go.
func TestNodeNatsCoreWebsocket(t *testing.T) {
	nodePath, err := exec.LookPath("node")
	if err != nil {
		if os.Getenv("CI") == "true" {
			t.Fatalf("node is missing: %v", err)
		}
		t.Skip("node is missing")
	}
	requireFile(t, filepath.Join("browser", "node_modules", "@nats-io", "nats-core", "lib", "mod.js"), "scripts/ensure-browser-deps.sh")
	s, nc := startBrowserServer(t, "http://127.0.0.1")
	fromNode, _ := nc.SubscribeSync("from.node")
	nc.Flush()

	ctx, cancel := context.WithTimeout(context.Background(), 60*time.Second)
	defer cancel()
	// Node 20 has WebSocket behind a flag; later versions have it on.
	cmd := exec.CommandContext(ctx, nodePath, "--experimental-websocket", "--no-warnings", "node-client.mjs", s.WebsocketURL())
	cmd.Dir = "browser"
	cmd.Stderr = &testWriter{t}
	out, err := cmd.StdoutPipe()
	if err != nil {
		t.Fatal(err)
	}
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	lines := make(chan string, 16)
	go func() {
		sc := bufio.NewScanner(out)
		for sc.Scan() {
			lines <- sc.Text()
		}
		close(lines)
	}()
	next := func() string {
		select {
		case l, ok := <-lines:
			if !ok {
				t.Fatalf("node exited early: %v", cmd.Wait())
			}
			return l
		case <-ctx.Done():
			t.Fatal("node client timed out")
		}
		return ""
	}
	if l := next(); l != "reply pong from Go: ping from node" {
		t.Fatalf("node: %q", l)
	}
	if l := next(); l != "ready" {
		t.Fatalf("node: %q", l)
	}
	m, err := fromNode.NextMsg(5 * time.Second)
	if err != nil || string(m.Data) != "hello from node" || m.Header.Get("X-From") != "node" {
		t.Fatalf("from node: %v %v", m, err)
	}
	for _, text := range []string{"one", "two", "three"} {
		nc.Publish("node."+text, []byte(text))
	}
	for _, text := range []string{"one", "two", "three"} {
		if l := next(); l != "got node."+text+" "+text {
			t.Fatalf("node: %q", l)
		}
	}
	if l := next(); l != "done" {
		t.Fatalf("node: %q", l)
	}
	if err := cmd.Wait(); err != nil {
		t.Fatalf("node: %v", err)
	}
}

// testWriter logs a child process's stderr.
type testWriter struct{ t *testing.T }

func (w *testWriter) Write(p []byte) (int, error) {
	w.t.Logf("node: %s", strings.TrimRight(string(p), "\n"))
	return len(p), nil
}
