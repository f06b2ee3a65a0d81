package server

import (
	"io"
	"net/http"
	"strings"
	"testing"
	"time"
)

// HTTPS monitoring serves the endpoints with the client TLS certificate.
func TestMonitorHTTPS(t *testing.T) {
	e := newTLSEnv(t)
	o := e.opts(t, false)
	o.HTTPHost, o.HTTPSPort = "127.0.0.1", RandomPort
	s := startTestServer(t, o)
	addr := s.MonitorAddr()
	if addr == nil {
		t.Fatal("no monitoring listener")
	}
	hc := &http.Client{Timeout: 5 * time.Second, Transport: &http.Transport{TLSClientConfig: e.client(t, "", "", false)}}
	resp, err := hc.Get("https://" + addr.String() + "/varz")
	if err != nil {
		t.Fatal(err)
	}
	body, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	if resp.StatusCode != 200 || !strings.Contains(string(body), `"server_id"`) {
		t.Fatalf("GET /varz over https: %d %.200s", resp.StatusCode, body)
	}
	// Plain HTTP on the HTTPS port gets nothing useful.
	if resp, err := (&http.Client{Timeout: 5 * time.Second}).Get("http://" + addr.String() + "/varz"); err == nil {
		resp.Body.Close()
		if resp.StatusCode == 200 {
			t.Fatal("plain HTTP served on the HTTPS port")
		}
	}
}

func TestMonitorHTTPSNeedsTLS(t *testing.T) {
	if _, err := New(&Options{HTTPSPort: 8443}); err == nil || !strings.Contains(err.Error(), "TLS is required") {
		t.Fatalf("https_port without TLS: %v", err)
	}
	e := newTLSEnv(t)
	o := e.opts(t, false)
	o.HTTPPort, o.HTTPSPort = 8222, 8443
	if _, err := New(o); err == nil || !strings.Contains(err.Error(), "both") {
		t.Fatalf("http_port and https_port: %v", err)
	}
}
