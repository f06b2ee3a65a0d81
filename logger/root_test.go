package logger

import (
	"bytes"
	"encoding/json"
	"errors"
	"path/filepath"
	"regexp"
	"strings"
	"sync"
	"testing"
	"time"
)

func TestRootLevelsAndFormats(t *testing.T) {
	var b bytes.Buffer
	r, err := NewRoot(Config{Stderr: &b})
	if err != nil {
		t.Fatal(err)
	}
	r.Debugf("hidden")
	r.Tracef("hidden")
	r.Noticef("plain")
	if r.DebugEnabled() || r.TraceEnabled() {
		t.Error("levels on by default")
	}
	r.SetLevels(true, false)
	r.Debugf("debug")
	r.Tracef("hidden")
	if got := b.String(); !regexp.MustCompile(`^\[\d+\] \[INF\] plain\n\[\d+\] \[DBG\] debug\n$`).MatchString(got) {
		t.Errorf("text output %q", got)
	}
	b.Reset()

	if err := r.Configure(Config{Stderr: &b, Format: "json", Trace: true}); err != nil {
		t.Fatal(err)
	}
	if r.DebugEnabled() || !r.TraceEnabled() {
		t.Error("Configure did not set the levels")
	}
	r.Tracef("%s - <<- [PING]", "127.0.0.1:1 - cid:1")
	var m map[string]any
	if err := json.Unmarshal(b.Bytes(), &m); err != nil || m["level"] != "TRACE" || m["cid"] != 1.0 {
		t.Errorf("json output %q: %v", b.String(), err)
	}

	if err := r.Configure(Config{Stderr: &b, Format: "xml"}); err == nil {
		t.Error("accepted format xml")
	}
	if r.Config().Format != "json" {
		t.Error("a failed Configure changed the logger")
	}
	if err := r.Reopen(); !errors.Is(err, ErrNoLogFile) {
		t.Errorf("Reopen without a file: %v", err)
	}
}

func TestRootFileSwitchAndRotation(t *testing.T) {
	dir := t.TempDir()
	a, c := filepath.Join(dir, "a.log"), filepath.Join(dir, "c.log")
	r, err := NewRoot(Config{File: a, Time: true})
	if err != nil {
		t.Fatal(err)
	}
	defer r.Close()
	r.Noticef("to a")
	// A file that cannot be opened leaves the logger as it was.
	if err := r.Configure(Config{File: filepath.Join(dir, "no", "b.log")}); err == nil {
		t.Fatal("opened a file in a missing directory")
	}
	r.Noticef("still a")
	// Rotation notices are written in the logger's format.
	if err := r.Configure(Config{File: c, SizeLimit: 200, MaxFiles: 2, Time: true, UTC: true}); err != nil {
		t.Fatal(err)
	}
	for i := 0; i < 10; i++ {
		r.Noticef("line %d %s", i, strings.Repeat("x", 40))
	}
	if got := readFile(t, a); !strings.Contains(got, "[INF] to a\n") || !strings.Contains(got, "[INF] still a\n") {
		t.Errorf("a.log: %q", got)
	}
	if b := Backups(c); len(b) != 1 {
		t.Errorf("backups of c.log: %v", b)
	}
	cur := readFile(t, c)
	if !regexp.MustCompile(`^\[\d+\] \d{4}/\d\d/\d\d \d\d:\d\d:\d\d\.\d{6} \[INF\] Rotated log, backup saved as "`).MatchString(cur) {
		t.Errorf("c.log starts %q", cur)
	}
	if err := r.Reopen(); err != nil {
		t.Errorf("Reopen: %v", err)
	}
	// Back to stderr: the file is closed.
	var b bytes.Buffer
	if err := r.Configure(Config{Stderr: &b}); err != nil {
		t.Fatal(err)
	}
	r.Noticef("to stderr")
	if !strings.HasSuffix(b.String(), "[INF] to stderr\n") {
		t.Errorf("stderr %q", b.String())
	}
}

// TestRootConcurrentConfigure logs from several goroutines while the
// configuration changes (run with -race).
func TestRootConcurrentConfigure(t *testing.T) {
	dir := t.TempDir()
	r, err := NewRoot(Config{File: filepath.Join(dir, "a.log"), Debug: true, Trace: true})
	if err != nil {
		t.Fatal(err)
	}
	defer r.Close()
	var wg sync.WaitGroup
	stop := make(chan struct{})
	for i := 0; i < 4; i++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for {
				select {
				case <-stop:
					return
				default:
					r.Tracef("%s - <<- [PUB a 1]", "127.0.0.1:1 - cid:1")
					r.Noticef("n")
				}
			}
		}()
	}
	deadline := time.Now().Add(200 * time.Millisecond)
	for i := 0; time.Now().Before(deadline); i++ {
		c := Config{File: filepath.Join(dir, "a.log"), SizeLimit: 4096, MaxFiles: 3, Debug: true, Trace: true, Time: i%2 == 0}
		if i%3 == 0 {
			c.Format = "json"
		}
		if i%5 == 0 {
			c.File = filepath.Join(dir, "b.log")
		}
		if err := r.Configure(c); err != nil {
			t.Fatal(err)
		}
		r.SetLevels(true, i%2 == 0)
	}
	close(stop)
	wg.Wait()
}
