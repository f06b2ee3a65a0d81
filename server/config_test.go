package server

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"
)

func TestProcessConfigFileFull(t *testing.T) {
	o, err := ProcessConfigFile("testdata/full.conf")
	if err != nil {
		t.Fatal(err)
	}
	checks := []struct {
		name      string
		got, want any
	}{
		{"server_name", o.ServerName, "edge-1"},
		{"listen host", o.Host, "127.0.0.1"},
		{"listen port", o.Port, 4333},
		{"http host", o.HTTPHost, "127.0.0.1"},
		{"http port", o.HTTPPort, 8333},
		{"max_payload", o.MaxPayload, int32(2 << 20)},
		{"max_pending", o.MaxPending, int64(128 << 20)},
		{"max_control_line", o.MaxControlLine, int32(2048)},
		{"max_connections", o.MaxConnections, 1000},
		{"max_subscriptions", o.MaxSubscriptions, 500},
		{"ping_interval", o.PingInterval, 30 * time.Second},
		{"ping_max", o.MaxPingsOut, 3},
		{"write_deadline", o.WriteDeadline, 5 * time.Second},
		{"logtime", o.Logtime, true},
		{"logfile_size_limit", o.LogSizeLimit, int64(10 << 20)},
		{"pid_file", o.PidFile, "/tmp/natsd-test.pid"},
		{"lame_duck_duration", o.LameDuckDuration, time.Minute},
		{"lame_duck_grace_period", o.LameDuckGracePeriod, 5 * time.Second},
		{"auth timeout", o.AuthTimeout, 500 * time.Millisecond},
		{"users", len(o.Users), 2},
		{"no_auth_user", o.NoAuthUser, "bob"},
	}
	for _, c := range checks {
		if c.got != c.want {
			t.Errorf("%s = %v, want %v", c.name, c.got, c.want)
		}
	}
	if len(o.Users) == 2 {
		a := o.Users[0]
		if a.Username != "alice" || a.Password != "s3cret" || a.Permissions == nil ||
			a.Permissions.Publish == nil || len(a.Permissions.Publish.Deny) != 1 ||
			a.Permissions.Subscribe == nil || a.Permissions.Subscribe.Allow[0] != "replies.>" {
			t.Errorf("alice = %+v", a)
		}
		if !strings.HasPrefix(o.Users[1].Password, "$2a$11$") {
			t.Errorf("bob's bcrypt hash = %q", o.Users[1].Password)
		}
	}
	if o.DefaultPermissions == nil || o.DefaultPermissions.Publish.Allow[0] != "public.>" {
		t.Errorf("default_permissions = %+v", o.DefaultPermissions)
	}
}

func TestProcessConfigFileErrors(t *testing.T) {
	tests := []struct {
		file string
		want []string
	}{
		{"testdata/unknown.conf", []string{"unknown.conf:2:1", `unknown field "max_payloda"`, `did you mean "max_payload"`}},
		{"testdata/badvalue.conf", []string{"badvalue.conf:2:", "soon"}},
		{"testdata/unsupported.conf", []string{"unsupported.conf:2:1", `"gateway" is not supported`}},
		{"testdata/missing.conf", []string{"missing.conf"}},
	}
	for _, tt := range tests {
		_, err := ProcessConfigFile(tt.file)
		if err == nil {
			t.Errorf("%s: no error", tt.file)
			continue
		}
		for _, w := range tt.want {
			if !strings.Contains(err.Error(), w) {
				t.Errorf("%s: error %q lacks %q", tt.file, err, w)
			}
		}
	}
}

// http_dashboard turns the monitoring port's dashboard off (it is on by
// default); a value that is not a boolean is an error with its position.
func TestConfigHTTPDashboard(t *testing.T) {
	dir := t.TempDir()
	for text, off := range map[string]bool{"http_port: 8222\n": false, "http_dashboard: false\n": true, "http_dashboard: true\n": false} {
		path := filepath.Join(dir, "d.conf")
		os.WriteFile(path, []byte(text), 0o644)
		o, err := ProcessConfigFile(path)
		if err != nil || o.HTTPNoDashboard != off {
			t.Errorf("%q: %v, off %v", text, err, o != nil && o.HTTPNoDashboard)
		}
	}
	path := filepath.Join(dir, "bad.conf")
	os.WriteFile(path, []byte("port: 4222\nhttp_dashboard: \"sometimes\"\n"), 0o644)
	if _, err := ProcessConfigFile(path); err == nil || !strings.Contains(err.Error(), "bad.conf:2:") || !strings.Contains(err.Error(), "http_dashboard") {
		t.Errorf("bad value: %v", err)
	}
}

func TestConfigRelationsAreValidated(t *testing.T) {
	path := filepath.Join(t.TempDir(), "rel.conf")
	os.WriteFile(path, []byte("max_payload: 10MB\nmax_pending: 1MB\n"), 0o644)
	o, err := ProcessConfigFile(path)
	if err != nil {
		t.Fatal(err)
	}
	_, err = New(o)
	if err == nil || !strings.Contains(err.Error(), "max_payload") || !strings.Contains(err.Error(), "max_pending") {
		t.Fatalf("expected a max_payload/max_pending error, got %v", err)
	}
}

// TestConfigUnterminatedBlockNamesEndOfFile: a block left open points at
// its opening brace and names the line where the file ended.
func TestConfigUnterminatedBlockNamesEndOfFile(t *testing.T) {
	path := filepath.Join(t.TempDir(), "natsd.conf")
	os.WriteFile(path, []byte("port: 4222\nauthorization {\n  user: a\n  password: b\n"), 0o644)
	_, err := ProcessConfigFile(path)
	want := "natsd.conf:2:15: unterminated map: no '}' closes this '{' (reached end of file at line 4)"
	if err == nil || !strings.HasSuffix(err.Error(), want) {
		t.Fatalf("got %v, want an error ending in %q", err, want)
	}
}
