package main

import (
	"bytes"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"
)

func TestHealthcheck(t *testing.T) {
	status := http.StatusOK
	ts := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.URL.Path == "/slow" {
			time.Sleep(500 * time.Millisecond)
		}
		w.WriteHeader(status)
		w.Write([]byte(`{"status":"ok"}`))
	}))
	defer ts.Close()

	var out, errOut bytes.Buffer
	if rc := healthcheck(ts.URL+"/healthz", 10*time.Second, &out, &errOut); rc != 0 || !strings.Contains(out.String(), `"ok"`) {
		t.Errorf("200: rc %d out %q err %q", rc, out.String(), errOut.String())
	}
	status = http.StatusServiceUnavailable
	if rc := healthcheck(ts.URL+"/healthz", 10*time.Second, &out, &errOut); rc != 1 || !strings.Contains(errOut.String(), "503") {
		t.Errorf("503: rc %d err %q", rc, errOut.String())
	}
	status = http.StatusOK
	if rc := healthcheck(ts.URL+"/slow", 100*time.Millisecond, &out, &errOut); rc != 1 {
		t.Errorf("timeout: rc %d", rc)
	}
	if rc := healthcheck("http://127.0.0.1:1/healthz", 10*time.Second, &out, &errOut); rc != 1 {
		t.Errorf("refused: rc %d", rc)
	}
}

// TestHealthcheckFlag runs --healthcheck through the command line.
func TestHealthcheckFlag(t *testing.T) {
	ts := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Write([]byte(`{"status":"ok"}`))
	}))
	defer ts.Close()
	var out, errOut bytes.Buffer
	if rc := run([]string{"--healthcheck", ts.URL}, &out, &errOut); rc != 0 {
		t.Errorf("rc %d: %s", rc, errOut.String())
	}
	if rc := run([]string{"--healthcheck", "http://127.0.0.1:1/"}, &out, &errOut); rc != 1 {
		t.Errorf("rc %d", rc)
	}
}
