package conf

import (
	"errors"
	"reflect"
	"testing"
	"time"
)

// The fixtures under testdata are written in nats-server's documented
// style and were checked to be accepted by nats-server itself.

func parseFixture(t *testing.T, path string) *Map {
	t.Helper()
	opts := Options{LookupEnv: env{"NATSD_SERVER_NAME": "natsd-1"}.LookupEnv}
	cfg, err := opts.ParseFile(path)
	if err != nil {
		t.Fatal(err)
	}
	return cfg
}

// at follows a path of map keys and array indexes from cfg.
func at(t *testing.T, cfg *Map, path ...any) *Value {
	t.Helper()
	v := &Value{Kind: KindMap, Map: cfg}
	for _, step := range path {
		switch s := step.(type) {
		case string:
			next, ok := v.Map.Get(s)
			if !ok {
				t.Fatalf("%v: no key %q", path, s)
			}
			v = next
		case int:
			if v.Kind != KindArray || s >= len(v.Array) {
				t.Fatalf("%v: no element %d", path, s)
			}
			v = v.Array[s]
		}
	}
	return v
}

func TestFixtureServer(t *testing.T) {
	cfg := parseFixture(t, "testdata/server.conf")

	want := map[string]any{
		"server_name":            "natsd-1",
		"listen":                 "0.0.0.0:4222",
		"http_port":              int64(8222),
		"max_payload":            int64(1 << 20),
		"max_pending":            int64(64 << 20),
		"max_control_line":       int64(4096),
		"max_connections":        int64(10000),
		"write_deadline":         "10s",
		"ping_interval":          "2m",
		"ping_max":               int64(3),
		"lame_duck_duration":     "2m30s",
		"lame_duck_grace_period": "10s",
		"debug":                  false,
		"trace":                  false,
		"logtime":                true,
	}
	for k, w := range want {
		if got := at(t, cfg, k).Interface(); !reflect.DeepEqual(got, w) {
			t.Errorf("%s = %#v, want %#v", k, got, w)
		}
	}
	durations := map[string]time.Duration{
		"write_deadline": 10 * time.Second, "ping_interval": 2 * time.Minute,
		"lame_duck_duration": 150 * time.Second, "lame_duck_grace_period": 10 * time.Second,
	}
	for k, w := range durations {
		if d, err := at(t, cfg, k).AsDuration(); err != nil || d != w {
			t.Errorf("%s: %v, %v; want %v", k, d, err, w)
		}
	}

	tls := at(t, cfg, "tls").Map.Interface()
	if !reflect.DeepEqual(tls, map[string]any{
		"cert_file": "./certs/server-cert.pem", "key_file": "./certs/server-key.pem",
		"ca_file": "./certs/ca.pem", "verify": true, "timeout": int64(2),
	}) {
		t.Errorf("tls = %#v", tls)
	}

	cluster := at(t, cfg, "cluster")
	if got := at(t, cluster.Map, "authorization").Map.Interface(); !reflect.DeepEqual(got, map[string]any{
		"user": "route_user", "password": "T0pS3cr3t!", "timeout": 0.5,
	}) {
		t.Errorf("cluster.authorization = %#v", got)
	}
	routes, err := at(t, cluster.Map, "routes").AsStringSlice()
	if err != nil || !reflect.DeepEqual(routes, []string{
		"nats-route://route_user:T0pS3cr3t@10.0.0.2:6222",
		"nats-route://route_user:T0pS3cr3t@10.0.0.3:6222",
	}) {
		t.Errorf("routes = %v, %v", routes, err)
	}
	if got := at(t, cfg, "jetstream", "max_file_store").Int; got != 10<<30 {
		t.Errorf("max_file_store = %d", got)
	}

	// Variables used in the file are flagged; the positions of keys and
	// values are those of the source.
	for _, name := range []string{"ROUTE_USER", "ROUTE_PASS"} {
		if k, _ := cfg.Lookup(name); !k.Used {
			t.Errorf("%s not flagged as used", name)
		}
	}
	if k, _ := cluster.Map.Lookup("ROUTE_TIMEOUT"); !k.Used {
		t.Error("ROUTE_TIMEOUT not flagged as used")
	}
	pw := at(t, cluster.Map, "authorization", "password")
	if pw.Var != "ROUTE_PASS" || pw.Pos != (Pos{"testdata/server.conf", 52, 15}) {
		t.Errorf("password: Var=%q Pos=%v", pw.Var, pw.Pos)
	}
	if p := at(t, cfg, "server_name").Pos; p != (Pos{"testdata/server.conf", 6, 14}) {
		t.Errorf("server_name at %v", p)
	}
}

func TestFixtureIncludedAuth(t *testing.T) {
	cfg := parseFixture(t, "testdata/server.conf")
	auth := at(t, cfg, "authorization")
	if auth.Pos.File != "testdata/auth.conf" || auth.Pos.Line != 2 {
		t.Errorf("authorization comes from %v, want testdata/auth.conf:2", auth.Pos)
	}
	admin := at(t, auth.Map, "users", 0)
	if got := at(t, admin.Map, "password").Str; got != "$2a$11$klt7ux6tgCh9CS8p8coEc.eD3ENlSI.BhNn6Xm7WvWS9J4pgaMB/y" {
		t.Errorf("bcrypt password = %q", got)
	}
	if got := at(t, admin.Map, "permissions").Map.Interface(); !reflect.DeepEqual(got, map[string]any{
		"publish": []any{">"}, "subscribe": []any{">"},
	}) {
		t.Errorf("admin permissions = %#v", got)
	}
	perms := at(t, auth.Map, "users", 1, "permissions")
	if got := perms.Map.Interface(); !reflect.DeepEqual(got, map[string]any{
		"publish":         map[string]any{"allow": []any{"orders.>", "events.*"}, "deny": []any{"orders.secret"}},
		"subscribe":       map[string]any{"allow": "replies.>", "deny": []any{"admin.>"}},
		"allow_responses": true,
	}) {
		t.Errorf("client permissions = %#v", got)
	}
	if got := at(t, auth.Map, "default_permissions", "subscribe").Interface(); !reflect.DeepEqual(got, []any{"PUBLIC.>", "_INBOX.>"}) {
		t.Errorf("default subscribe = %#v", got)
	}
	deny := at(t, perms.Map, "subscribe", "deny", 0)
	if deny.Pos != (Pos{"testdata/auth.conf", 29, 19}) {
		t.Errorf("deny[0] at %v", deny.Pos)
	}
}

func TestFixtureJSON(t *testing.T) {
	cfg := parseFixture(t, "testdata/json.conf")
	if got := at(t, cfg, "authorization", "users", 1, "permissions", "publish", 0).Str; got != "x.>" {
		t.Errorf("got %q", got)
	}
	if got := at(t, cfg, "cluster", "port").Int; got != 6222 {
		t.Errorf("got %d", got)
	}
}

func TestFixtureErrors(t *testing.T) {
	tests := []struct{ path, want string }{
		{"testdata/errors/main.conf", `testdata/errors/sub/users.conf:3:23: unterminated string: missing closing "`},
		{"testdata/cycle/a.conf", "testdata/cycle/b.conf:2:1: include cycle: testdata/cycle/a.conf -> testdata/cycle/b.conf -> testdata/cycle/a.conf"},
	}
	for _, tt := range tests {
		_, err := ParseFile(tt.path)
		var e *Error
		if !errors.As(err, &e) || err.Error() != tt.want {
			t.Errorf("%s: got %v, want %q", tt.path, err, tt.want)
		}
	}
}
