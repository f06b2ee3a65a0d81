package logger

import (
	"bytes"
	"errors"
	"fmt"
	"log/slog"
	"strings"
	"sync"
	"testing"
	"time"
)

// banner is a multi-line record with a connection-free listing, the shape
// of the startup banner.
func banner() Record {
	return Record{
		Msg:  "Starting natsd",
		Text: "Starting natsd\n  Version:  %s\n  Name:     %s\nUsing configuration file: %s (sha256:%s)",
		Fields: []Field{F("version", "0.1"), F("name", "n1"),
			F("config", "/etc/natsd.conf"), F("config_sha256", "abc")},
	}
}

// slowConsumer is a one-line record about a connection.
func slowConsumer() Record {
	return Record{
		Conn:   `127.0.0.1:4567 - cid:5 - "v1.41.0:go:orders" - "$G/user:bob"`,
		Msg:    "Slow Consumer Detected: WriteDeadline exceeded",
		Text:   "Slow Consumer Detected: WriteDeadline of %v exceeded with %d pending bytes",
		Fields: []Field{F("write_deadline", 1500*time.Millisecond), F("pending_bytes", 4096)},
	}
}

// TestRecordTextLayout: a record in text is byte for byte what the same
// lines logged one by one with Noticef are.
func TestRecordTextLayout(t *testing.T) {
	var got, want bytes.Buffer
	l, ref := NewText(&got, Options{}), NewText(&want, Options{})

	Notice(l, banner())
	ref.Noticef("Starting natsd")
	ref.Noticef("  Version:  %s", "0.1")
	ref.Noticef("  Name:     %s", "n1")
	ref.Noticef("Using configuration file: %s (sha256:%s)", "/etc/natsd.conf", "abc")

	Error(l, slowConsumer())
	ref.Errorf("%s - Slow Consumer Detected: WriteDeadline of %v exceeded with %d pending bytes",
		`127.0.0.1:4567 - cid:5 - "v1.41.0:go:orders" - "$G/user:bob"`, 1500*time.Millisecond, 4096)

	Warn(l, Record{Msg: "Reloaded server configuration", Text: "Reloaded server configuration: changed %s",
		Fields: []Field{F("changed", List{"debug", "trace"})}})
	ref.Warnf("Reloaded server configuration: changed debug, trace")

	Notice(l, Record{Msg: "JSON-only fields", Fields: []Field{F("k", 1)}})
	ref.Noticef("JSON-only fields")

	Debug(l, Record{Msg: "hidden"})
	l.SetLevels(true, false)
	ref.SetLevels(true, false)
	Debug(l, Record{Msg: "debug %s", Text: "debug %s", Fields: []Field{F("x", "on")}})
	ref.Debugf("debug on")

	if got.String() != want.String() {
		t.Errorf("record text\n%s\nwant\n%s", got.String(), want.String())
	}
	if n := strings.Count(got.String(), "\n"); n != 8 {
		t.Errorf("%d lines", n)
	}
}

type backlog []string

func (b backlog) String() string { return strings.Join(b, "|") }
func (b backlog) LogValue() slog.Value {
	return slog.AnyValue(map[string]int{"entries": len(b)})
}

type reason int

func (reason) String() string { return "Slow Consumer (Write Deadline)" }

// TestRecordJSONFields: a record in JSON is one object with its msg, the
// connection's keys and one key per field, values as a pipeline wants
// them.
func TestRecordJSONFields(t *testing.T) {
	var b bytes.Buffer
	l := NewJSON(&b, Options{Time: true})
	Notice(l, banner())
	Error(l, slowConsumer())
	Notice(l, Record{Msg: "values", Fields: []Field{
		F("list", List{"a", "b"}), F("err", errors.New("boom")), F("reason", reason(3)),
		F("backlog", backlog{"x", "y"}), F("when", time.Date(2026, 1, 2, 3, 4, 5, 0, time.UTC)),
		F("n", 7), F("ok", true),
	}})
	Notice(l, Record{Conn: "not a prefix", Msg: "odd"})
	Debug(l, Record{Msg: "hidden"})
	lines := decodeLines(t, &b)
	if len(lines) != 4 {
		t.Fatalf("%d lines: %v", len(lines), lines)
	}
	want := []map[string]any{
		{"level": "INFO", "msg": "Starting natsd", "version": "0.1", "name": "n1",
			"config": "/etc/natsd.conf", "config_sha256": "abc"},
		{"level": "ERROR", "msg": "Slow Consumer Detected: WriteDeadline exceeded", "cid": 5.0, "kind": "Client",
			"remote": "127.0.0.1:4567", "client_name": "orders", "user": "bob", "account": "$G",
			"write_deadline": "1.5s", "pending_bytes": 4096.0},
		{"msg": "values", "err": "boom", "reason": "Slow Consumer (Write Deadline)", "when": "2026-01-02T03:04:05Z",
			"n": 7.0, "ok": true},
		{"msg": "odd", "conn": "not a prefix"},
	}
	for i, w := range want {
		for k, v := range w {
			if lines[i][k] != v {
				t.Errorf("line %d: %s = %#v, want %#v (%v)", i, k, lines[i][k], v, lines[i])
			}
		}
		if lines[i]["time"] == nil {
			t.Errorf("line %d has no time", i)
		}
	}
	if got := fmt.Sprint(lines[2]["list"]); got != "[a b]" {
		t.Errorf("list = %v", lines[2]["list"])
	}
	if got := fmt.Sprint(lines[2]["backlog"]); got != "map[entries:2]" {
		t.Errorf("backlog = %v", lines[2]["backlog"])
	}
	if n := len(lines[0]); n != 7 { // time, level, msg and four fields
		t.Errorf("banner keys: %v", lines[0])
	}
}

// capture is a Logger that knows nothing of records.
type capture struct {
	mu    sync.Mutex
	lines []string
	debug bool
}

func (c *capture) add(level, format string, v ...any) {
	c.mu.Lock()
	c.lines = append(c.lines, level+" "+fmt.Sprintf(format, v...))
	c.mu.Unlock()
}
func (c *capture) Noticef(f string, v ...any) { c.add("INF", f, v...) }
func (c *capture) Warnf(f string, v ...any)   { c.add("WRN", f, v...) }
func (c *capture) Errorf(f string, v ...any)  { c.add("ERR", f, v...) }
func (c *capture) Fatalf(f string, v ...any)  { c.add("FTL", f, v...) }
func (c *capture) Debugf(f string, v ...any)  { c.add("DBG", f, v...) }
func (c *capture) Tracef(f string, v ...any)  { c.add("TRC", f, v...) }
func (c *capture) DebugEnabled() bool         { return c.debug }
func (c *capture) TraceEnabled() bool         { return false }

// TestRecordPlainLogger: a Logger without LogRecord (syslog, a test's
// capture) gets the text lines one by one.
func TestRecordPlainLogger(t *testing.T) {
	c := &capture{}
	Notice(c, banner())
	Warn(c, slowConsumer())
	Debug(c, Record{Msg: "hidden"})
	c.debug = true
	Debug(c, Record{Msg: "shown"})
	want := []string{
		"INF Starting natsd", "INF   Version:  0.1", "INF   Name:     n1",
		"INF Using configuration file: /etc/natsd.conf (sha256:abc)",
		`WRN 127.0.0.1:4567 - cid:5 - "v1.41.0:go:orders" - "$G/user:bob" - Slow Consumer Detected: WriteDeadline of 1.5s exceeded with 4096 pending bytes`,
		"DBG shown",
	}
	if strings.Join(c.lines, "\n") != strings.Join(want, "\n") {
		t.Errorf("lines\n%s\nwant\n%s", strings.Join(c.lines, "\n"), strings.Join(want, "\n"))
	}
}

// TestRootRecords: Root hands records to the logger in force, filters
// debug records itself, and falls back to lines for syslog-like loggers.
func TestRootRecords(t *testing.T) {
	var b bytes.Buffer
	r, err := NewRoot(Config{Stderr: &b, Format: "json"})
	if err != nil {
		t.Fatal(err)
	}
	Notice(r, banner())
	Debug(r, Record{Msg: "hidden"})
	r.SetLevels(true, false)
	Debug(r, Record{Msg: "shown"})
	lines := decodeLines(t, &b)
	if len(lines) != 2 || lines[0]["config_sha256"] != "abc" || lines[1]["msg"] != "shown" || lines[1]["level"] != "DEBUG" {
		t.Errorf("json root: %v", lines)
	}

	if err := r.Configure(Config{Stderr: &b}); err != nil {
		t.Fatal(err)
	}
	Notice(r, banner())
	if n := strings.Count(b.String(), "[INF] "); n != 4 || !strings.Contains(b.String(), "[INF]   Version:  0.1\n") {
		t.Errorf("text root: %q", b.String())
	}
	b.Reset()

	c := &capture{}
	r.mu.Lock()
	r.cur = c
	r.mu.Unlock()
	Warn(r, slowConsumer())
	if len(c.lines) != 1 || !strings.HasPrefix(c.lines[0], "WRN 127.0.0.1:4567 - cid:5") {
		t.Errorf("plain logger under root: %q", c.lines)
	}
}
