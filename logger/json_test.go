package logger

import (
	"bytes"
	"encoding/json"
	"strings"
	"testing"
	"time"
)

func decodeLines(t *testing.T, b *bytes.Buffer) []map[string]any {
	t.Helper()
	var out []map[string]any
	for _, line := range strings.Split(strings.TrimSpace(b.String()), "\n") {
		var m map[string]any
		if err := json.Unmarshal([]byte(line), &m); err != nil {
			t.Fatalf("not JSON: %q: %v", line, err)
		}
		out = append(out, m)
	}
	b.Reset()
	return out
}

func TestJSONLevelsAndKeys(t *testing.T) {
	var b bytes.Buffer
	l := NewJSON(&b, Options{Time: true, UTC: true})
	l.Noticef("Server is %s", "ready")
	l.Warnf("w")
	l.Errorf("e")
	l.Fatalf("f")
	l.Debugf("hidden")
	l.Tracef("hidden")
	l.SetLevels(true, true)
	l.Debugf("d")
	l.Tracef("t")
	lines := decodeLines(t, &b)
	want := []struct{ level, msg string }{
		{"INFO", "Server is ready"}, {"WARN", "w"}, {"ERROR", "e"}, {"FATAL", "f"}, {"DEBUG", "d"}, {"TRACE", "t"},
	}
	if len(lines) != len(want) {
		t.Fatalf("%d lines: %v", len(lines), lines)
	}
	for i, w := range want {
		if lines[i]["level"] != w.level || lines[i]["msg"] != w.msg {
			t.Errorf("line %d: %v, want %v", i, lines[i], w)
		}
		ts, _ := lines[i]["time"].(string)
		tm, err := time.Parse(time.RFC3339Nano, ts)
		if err != nil || !strings.HasSuffix(ts, "Z") || time.Since(tm) > time.Minute {
			t.Errorf("line %d time %q: %v", i, ts, err)
		}
	}

	l = NewJSON(&b, Options{})
	l.Noticef("no time")
	if m := decodeLines(t, &b)[0]; m["time"] != nil || m["msg"] != "no time" {
		t.Errorf("with logtime off: %v", m)
	}
}

func TestJSONConnectionKeys(t *testing.T) {
	var b bytes.Buffer
	l := NewJSON(&b, Options{Trace: true, Debug: true})
	l.Debugf("%s - Client connection created", "127.0.0.1:4567 - cid:5")
	l.Tracef("%s - <<- [%s]", `127.0.0.1:4567 - cid:5`, `CONNECT {"user":"bob","pass":"[REDACTED]"}`)
	l.Tracef("%s - <<- [%s]", `[::1]:4567 - cid:6 - "v1.41.0:go:orders" - "$G/user:bob"`, "PUB orders.new 5")
	l.Tracef("%s - ->> [%s]", `127.0.0.1:4567 - cid:5 - "v1.41.0:go"`, "MSG orders.new 1 5")
	l.Errorf("%s - %s", `127.0.0.1:4567 - cid:5 - "v1.41.0:go" - "$G/user:bob"`, `Publish Violation - Subject "secret.x"`)
	l.Noticef("%s - %s", `127.0.0.1:4567 - cid:5`, `Removed sub "a.b" (sid "1") for User "bob" - not authorized`)
	l.Noticef("%s - rid:3 - something", "10.0.0.1:6222")
	l.Noticef("Listening for client connections on 0.0.0.0:4222")
	l.Noticef("Trapped %q signal - shutting down", "terminated")

	want := []map[string]any{
		{"msg": "Client connection created", "cid": 5.0, "kind": "Client", "remote": "127.0.0.1:4567"},
		{"msg": `<<- [CONNECT {"user":"bob","pass":"[REDACTED]"}]`, "cid": 5.0, "kind": "Client", "remote": "127.0.0.1:4567"},
		{"msg": "<<- [PUB orders.new 5]", "cid": 6.0, "kind": "Client", "remote": "[::1]:4567",
			"client_version": "1.41.0", "client_lang": "go", "client_name": "orders", "account": "$G", "user": "bob", "subject": "orders.new"},
		{"msg": "->> [MSG orders.new 1 5]", "cid": 5.0, "remote": "127.0.0.1:4567", "client_lang": "go", "subject": "orders.new"},
		{"msg": `Publish Violation - Subject "secret.x"`, "level": "ERROR", "user": "bob", "subject": "secret.x"},
		{"msg": `Removed sub "a.b" (sid "1") for User "bob" - not authorized`, "subject": "a.b"},
		{"msg": "something", "cid": 3.0, "kind": "Router", "remote": "10.0.0.1:6222"},
		{"msg": "Listening for client connections on 0.0.0.0:4222", "cid": nil, "remote": nil},
		{"msg": `Trapped "terminated" signal - shutting down`, "cid": nil, "remote": nil},
	}
	lines := decodeLines(t, &b)
	if len(lines) != len(want) {
		t.Fatalf("%d lines", len(lines))
	}
	for i, w := range want {
		for k, v := range w {
			if lines[i][k] != v {
				t.Errorf("line %d: %s = %v, want %v (%v)", i, k, lines[i][k], v, lines[i])
			}
		}
	}
	if strings.Contains(b.String(), "secret") {
		t.Error("leftover output")
	}
}

func TestJSONNoticeLine(t *testing.T) {
	l := NewJSON(&bytes.Buffer{}, Options{Time: true})
	var m map[string]any
	line := l.noticeLine(`Rotated log, backup saved as "x"`)
	if err := json.Unmarshal(line, &m); err != nil || m["level"] != "INFO" || m["msg"] != `Rotated log, backup saved as "x"` || !bytes.HasSuffix(line, []byte("\n")) {
		t.Errorf("%q: %v", line, err)
	}
}
