package conf

import (
	"errors"
	"fmt"
	"io/fs"
	"strings"
	"testing"
)

func TestInclude(t *testing.T) {
	files := memFS{
		"auth.conf":             "user: alice\npassword: secret\n",
		"conf/main.conf":        "include sub/tls.conf\nport: 1",
		"conf/sub/tls.conf":     "include 'more.conf'\ncert: c.pem",
		"conf/sub/more.conf":    "key: k.pem",
		"vars.conf":             "PASS: s3cret",
		"override.conf":         "a: included",
		"/etc/nats/abs.conf":    "abs: true",
		"dir with space/x.conf": "x: 1",
	}
	tests := []struct {
		name string
		src  string
		want m
	}{
		{"double-quoted", `include "auth.conf"`, m{"user": "alice", "password": "secret"}},
		{"single-quoted", `include 'auth.conf'`, m{"user": "alice", "password": "secret"}},
		{"bare", `include auth.conf`, m{"user": "alice", "password": "secret"}},
		{"dot slash", `include ./auth.conf`, m{"user": "alice", "password": "secret"}},
		{"keyword case", `INCLUDE auth.conf`, m{"user": "alice", "password": "secret"}},
		{"into a block", "authorization {\n  include auth.conf\n  timeout: 2\n}",
			m{"authorization": m{"user": "alice", "password": "secret", "timeout": int64(2)}}},
		{"relative to including file", "include conf/main.conf",
			m{"key": "k.pem", "cert": "c.pem", "port": int64(1)}},
		{"variables defined by an include", "include vars.conf\np: $PASS", m{"PASS": "s3cret", "p": "s3cret"}},
		{"include overrides earlier keys", "a: main\ninclude override.conf", m{"a": "included"}},
		{"later keys override include", "include override.conf\na: main", m{"a": "main"}},
		{"separator and comment after", "include auth.conf; a: 1 # c", m{"user": "alice", "password": "secret", "a": int64(1)}},
		{"absolute path", "include /etc/nats/abs.conf", m{"abs": true}},
		{"path with space", `include "dir with space/x.conf"`, m{"x": int64(1)}},
		{"include as an ordinary key", "include: x", m{"include": "x"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, err := testOptions(files, nil).Parse("", tt.src)
			if err != nil {
				t.Fatal(err)
			}
			checkTree(t, tt.src, got, tt.want)
		})
	}
}

func TestIncludePositions(t *testing.T) {
	files := memFS{
		"main.conf":       "port: 1\nauthorization {\n  include auth/users.conf\n}\n",
		"auth/users.conf": "# users\nusers: [\n  {user: a}\n]\n",
	}
	cfg, err := ParseFileWith("main.conf", files.ReadFile)
	if err != nil {
		t.Fatal(err)
	}
	auth, _ := cfg.Get("authorization")
	k, ok := auth.Map.Lookup("users")
	if !ok {
		t.Fatal("users not merged")
	}
	if want := (Pos{"auth/users.conf", 2, 1}); k.Pos != want {
		t.Errorf("users key at %v, want %v", k.Pos, want)
	}
	if want := (Pos{"auth/users.conf", 3, 3}); k.Value.Array[0].Pos != want {
		t.Errorf("users[0] at %v, want %v", k.Value.Array[0].Pos, want)
	}
}

func TestIncludeErrors(t *testing.T) {
	files := memFS{
		"self.conf":     "a: 1\ninclude self.conf",
		"a.conf":        "include b.conf",
		"b.conf":        "x: 1\n  include ./a.conf",
		"bad.conf":      "ok: 1\nport: [1, 2\n",
		"outer.conf":    "s: $OUTER",
		"dir/bad.conf":  "x {\n  y: \"unterminated\n",
		"dir/main.conf": "include bad.conf",
	}
	tests := []struct {
		name, src string
		want      string
	}{
		{"missing file", "a: 1\ninclude nope.conf", "main.conf:2:1: include nope.conf: cannot read nope.conf: file does not exist"},
		{"self", "include self.conf", "self.conf:2:1: include cycle: self.conf -> self.conf"},
		{"cycle", "include a.conf", "b.conf:2:3: include cycle: a.conf -> b.conf -> a.conf"},
		{"including the main file", "include main.conf", "main.conf:1:1: include cycle: main.conf -> main.conf"},
		{"error inside include", "include bad.conf", "bad.conf:2:7: unterminated array: no ']' closes this '['"},
		{"nested error inside include", "include dir/main.conf", "dir/bad.conf:2:6: unterminated string"},
		{"outer variables are not visible", "OUTER: 1\ninclude outer.conf", "outer.conf:1:4: variable $OUTER is not defined"},
		{"no file name", "include\na: 1", "main.conf:1:1: include needs a file name"},
		{"no file name before comment", "include # x", "main.conf:1:1: include needs a file name"},
		{"nothing after separator", "include ;", "main.conf:1:1: include needs a file name"},
		{"junk after path", `include "a.conf" "b"`, `main.conf:1:18: unexpected '"' after value`},
		{"not in arrays", "a: [include x]", "main.conf:1:13: unexpected 'x' after array element"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			fs := memFS{"main.conf": tt.src}
			for k, v := range files {
				fs[k] = v
			}
			_, err := ParseFileWith("main.conf", fs.ReadFile)
			var e *Error
			if !errors.As(err, &e) {
				t.Fatalf("got %v (%T), want *Error", err, err)
			}
			if !strings.Contains(err.Error(), tt.want) {
				t.Errorf("error %q does not contain %q", err, tt.want)
			}
		})
	}
}

func TestIncludeMissingFileIsNotExist(t *testing.T) {
	_, err := testOptions(nil, nil).Parse("main.conf", "include gone.conf")
	if !errors.Is(err, fs.ErrNotExist) {
		t.Errorf("errors.Is(%v, fs.ErrNotExist) = false", err)
	}
}

func TestIncludeDepthLimit(t *testing.T) {
	// A chain of distinct files never cycles; it must still stop.
	files := memFS{}
	for i := range maxIncludeDepth + 5 {
		files[fmt.Sprintf("f%d.conf", i)] = fmt.Sprintf("include f%d.conf", i+1)
	}
	_, err := testOptions(files, nil).Parse("main.conf", "include f0.conf")
	if err == nil || !strings.Contains(err.Error(), "nested too deeply") {
		t.Fatalf("got %v, want a depth error", err)
	}
}

func TestParseFileErrors(t *testing.T) {
	_, err := ParseFileWith("missing.conf", memFS{}.ReadFile)
	if got, want := fmt.Sprint(err), "missing.conf: cannot read configuration file: file does not exist"; got != want {
		t.Errorf("got %q, want %q", got, want)
	}
	if !errors.Is(err, fs.ErrNotExist) {
		t.Error("read errors must wrap the cause")
	}
}
