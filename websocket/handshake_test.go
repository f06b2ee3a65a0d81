package websocket

import (
	"bufio"
	"errors"
	"net"
	"net/http"
	"strings"
	"testing"
	"time"
)

// upgrade runs Upgrade on a loopback connection with req as the client's
// bytes and returns the response's status line, headers and the error.
func upgrade(t *testing.T, u *Upgrader, req string) (*http.Response, error) {
	t.Helper()
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer l.Close()
	errc := make(chan error, 1)
	go func() {
		nc, err := l.Accept()
		if err != nil {
			errc <- err
			return
		}
		nc.SetDeadline(time.Now().Add(2 * time.Second))
		c, _, err := u.Upgrade(nc, false)
		if err == nil {
			c.Close()
		} else {
			nc.Close()
		}
		errc <- err
	}()
	cc, err := net.Dial("tcp", l.Addr().String())
	if err != nil {
		t.Fatal(err)
	}
	defer cc.Close()
	cc.SetDeadline(time.Now().Add(5 * time.Second))
	cc.Write([]byte(req))
	resp, rerr := http.ReadResponse(bufio.NewReader(cc), nil)
	uerr := <-errc
	if rerr != nil {
		return nil, uerr
	}
	return resp, uerr
}

const goodKey = "dGhlIHNhbXBsZSBub25jZQ=="

func request(method, path string, headers ...string) string {
	return method + " " + path + " HTTP/1.1\r\n" + strings.Join(headers, "\r\n") + "\r\n\r\n"
}

var baseHeaders = []string{"Host: 127.0.0.1:8080", "Upgrade: websocket", "Connection: keep-alive, Upgrade",
	"Sec-WebSocket-Version: 13", "Sec-WebSocket-Key: " + goodKey}

func with(extra ...string) []string { return append(append([]string(nil), baseHeaders...), extra...) }

func without(name string) []string {
	var out []string
	for _, h := range baseHeaders {
		if !strings.HasPrefix(h, name+":") {
			out = append(out, h)
		}
	}
	return out
}

func replace(name, value string) []string { return append(without(name), name+": "+value) }

// Upgrade requests get 101 or nats-server's HTTP error; origin checks
// answer 403.
func TestUpgradeChecks(t *testing.T) {
	plain, _ := NewUpgrader(Config{})
	same, _ := NewUpgrader(Config{SameOrigin: true})
	listed, _ := NewUpgrader(Config{AllowedOrigins: []string{"https://app.example.com", "http://127.0.0.1:8080"}})
	deflate, _ := NewUpgrader(Config{Compression: true})
	for _, tc := range []struct {
		name   string
		u      *Upgrader
		req    string
		status int
		ext    string
	}{
		{"good", plain, request("GET", "/", baseHeaders...), 101, ""},
		{"any path", plain, request("GET", "/some/path?x=1", baseHeaders...), 101, ""},
		{"post", plain, request("POST", "/", baseHeaders...), 405, ""},
		{"no upgrade", plain, request("GET", "/", without("Upgrade")...), 400, ""},
		{"upgrade to something else", plain, request("GET", "/", replace("Upgrade", "h2c")...), 400, ""},
		{"no connection upgrade", plain, request("GET", "/", replace("Connection", "keep-alive")...), 400, ""},
		{"no key", plain, request("GET", "/", without("Sec-WebSocket-Key")...), 400, ""},
		{"short key", plain, request("GET", "/", replace("Sec-WebSocket-Key", "abc")...), 400, ""},
		{"version 12", plain, request("GET", "/", replace("Sec-WebSocket-Version", "12")...), 400, ""},
		{"no version", plain, request("GET", "/", without("Sec-WebSocket-Version")...), 400, ""},
		{"no host", plain, request("GET", "/", without("Host")...), 400, ""},
		{"garbage", plain, "HELLO THERE\r\n\r\n", 400, ""},
		{"same origin", same, request("GET", "/", with("Origin: http://127.0.0.1:8080")...), 101, ""},
		{"same origin, no origin header", same, request("GET", "/", baseHeaders...), 101, ""},
		{"other port", same, request("GET", "/", with("Origin: http://127.0.0.1:9090")...), 403, ""},
		{"other scheme", same, request("GET", "/", with("Origin: https://127.0.0.1:8080")...), 403, ""},
		{"other host", same, request("GET", "/", with("Origin: http://evil.example.com:8080")...), 403, ""},
		{"bad origin", same, request("GET", "/", with("Origin: bad")...), 403, ""},
		{"listed origin", listed, request("GET", "/", with("Origin: https://app.example.com")...), 101, ""},
		{"listed origin, explicit default port", listed, request("GET", "/", with("Origin: https://app.example.com:443")...), 101, ""},
		{"unlisted origin", listed, request("GET", "/", with("Origin: https://evil.example.com")...), 403, ""},
		{"deflate offered", deflate, request("GET", "/", with("Sec-WebSocket-Extensions: permessage-deflate; client_max_window_bits")...), 101,
			"permessage-deflate; server_no_context_takeover; client_no_context_takeover"},
		{"deflate not offered", deflate, request("GET", "/", baseHeaders...), 101, ""},
		{"deflate not allowed", plain, request("GET", "/", with("Sec-WebSocket-Extensions: permessage-deflate")...), 101, ""},
	} {
		t.Run(tc.name, func(t *testing.T) {
			resp, err := upgrade(t, tc.u, tc.req)
			if resp == nil {
				t.Fatalf("no response (%v)", err)
			}
			if resp.StatusCode != tc.status {
				t.Fatalf("status %d, want %d (%v)", resp.StatusCode, tc.status, err)
			}
			if tc.status == 101 {
				if err != nil || resp.Header.Get("Sec-WebSocket-Accept") != "s3pPLMBiTxaQ9kYGzzhZRbK+xOo=" {
					t.Fatalf("err %v, headers %v", err, resp.Header)
				}
				if got := resp.Header.Get("Sec-WebSocket-Extensions"); got != tc.ext {
					t.Fatalf("extensions %q, want %q", got, tc.ext)
				}
				return
			}
			if err == nil {
				t.Fatal("a refused upgrade returned no error")
			}
			if tc.status != 400 || tc.name != "garbage" {
				if resp.Header.Get("Sec-Websocket-Version") != "13" || resp.Header.Get("X-Content-Type-Options") != "nosniff" {
					t.Fatalf("error headers %v", resp.Header)
				}
			}
		})
	}
}

// An oversized request gets 431; a request that never ends runs into the
// caller's deadline without an answer.
func TestUpgradeLimits(t *testing.T) {
	u, _ := NewUpgrader(Config{})
	huge := request("GET", "/", with("X-Big: "+strings.Repeat("a", MaxRequestSize))...)
	resp, err := upgrade(t, u, huge)
	if resp == nil || resp.StatusCode != 431 || err == nil {
		t.Fatalf("oversized request: %v %v", resp, err)
	}

	l, _ := net.Listen("tcp", "127.0.0.1:0")
	defer l.Close()
	errc := make(chan error, 1)
	go func() {
		nc, _ := l.Accept()
		nc.SetDeadline(time.Now().Add(200 * time.Millisecond))
		_, _, err := u.Upgrade(nc, false)
		nc.Close()
		errc <- err
	}()
	cc, _ := net.Dial("tcp", l.Addr().String())
	defer cc.Close()
	cc.Write([]byte("GET / HTTP/1.1\r\nHost: x\r\n")) // and nothing more
	select {
	case err := <-errc:
		var ue *UpgradeError
		var ne net.Error
		if err == nil || !(errorsAs(err, &ue) && ue.Status == 0 && errorsAs(err, &ne) && ne.Timeout()) {
			t.Fatalf("slow request: %v, want a timeout", err)
		}
	case <-time.After(5 * time.Second):
		t.Fatal("a slow request was not cut off by the deadline")
	}
}

func errorsAs(err error, target any) bool { return errors.As(err, target) }
