package conf

import (
	"fmt"
	"testing"
	"time"
)

// a and m keep the expected trees short.
type a = []any
type m = map[string]any

func TestParseSyntax(t *testing.T) {
	tests := []struct {
		name string
		src  string
		want m
	}{
		{"colon", "port: 4222", m{"port": int64(4222)}},
		{"equals", "port = 4222", m{"port": int64(4222)}},
		{"whitespace", "port 4222", m{"port": int64(4222)}},
		{"tab", "port\t4222", m{"port": int64(4222)}},
		{"no space after colon", "port:4222", m{"port": int64(4222)}},
		{"no space after equals", "port=4222", m{"port": int64(4222)}},
		{"empty", "", m{}},
		{"only comments", "# one\n// two\n", m{}},
		{"hash comment at line end", "port: 4222 # client port", m{"port": int64(4222)}},
		{"slash comment at line end", "port: 4222 // client port", m{"port": int64(4222)}},
		{"comment after quoted value", `name: "x"# c`, m{"name": "x"}},
		{"hash inside bare value", "name: a#b", m{"name": "a#b"}},
		{"slashes inside bare value", "url: nats://h:4222//x", m{"url": "nats://h:4222//x"}},
		{"semicolons", "a: 1; b: 2;", m{"a": int64(1), "b": int64(2)}},
		{"commas", "a: 1, b: 2,", m{"a": int64(1), "b": int64(2)}},
		{"blank lines", "\n\n a: 1 \n\n\t b: 2\n\n", m{"a": int64(1), "b": int64(2)}},
		{"crlf", "a: 1\r\nb {\r\n  c: x\r\n}\r\n", m{"a": int64(1), "b": m{"c": "x"}}},
		{"lone cr ends a line", "a: 1\rb: x", m{"a": int64(1), "b": "x"}},
		{"byte order mark", "\uFEFFport: 1", m{"port": int64(1)}},
		{"double-quoted key", `"my key": 1`, m{"my key": int64(1)}},
		{"single-quoted key", `'my key': 1`, m{"my key": int64(1)}},
		{"quoted key is raw", `"a\tb": 1`, m{`a\tb`: int64(1)}},
		{"quoted key then value", `"port"1`, m{"port": int64(1)}},
		{"key keeps its case", "Port: 1", m{"Port": int64(1)}},
		{"key with punctuation", "a.b-c/d#e: 1", m{"a.b-c/d#e": int64(1)}},
		{"last definition wins", "a: 1\na: 2", m{"a": int64(2)}},
		{"value on next line", "name\n  x", m{"name": "x"}},

		{"map", "cluster { port: 6222, name: c1 }", m{"cluster": m{"port": int64(6222), "name": "c1"}}},
		{"map with colon", "cluster: {port: 6222}", m{"cluster": m{"port": int64(6222)}}},
		{"map with equals", "cluster = {port: 6222}", m{"cluster": m{"port": int64(6222)}}},
		{"brace in bare key", "c{d: 1", m{"c{d": int64(1)}}, // as in nats-server
		{"empty map", "c {}", m{"c": m{}}},
		{"multiline map", "c {\n  a: 1\n  b: 2\n}", m{"c": m{"a": int64(1), "b": int64(2)}}},
		{"map semicolons", "c { a=1; b=2; }", m{"c": m{"a": int64(1), "b": int64(2)}}},
		{"map trailing comma", "c {a: 1,}", m{"c": m{"a": int64(1)}}},
		{"allman braces", "c\n{\n  a: 1\n}", m{"c": m{"a": int64(1)}}},
		{"comments in map", "c { # x\n a: 1 // y\n}", m{"c": m{"a": int64(1)}}},
		{"nested maps", "a { b { c { d: 1 } } }", m{"a": m{"b": m{"c": m{"d": int64(1)}}}}},

		{"array", "a: [1, 2, 3]", m{"a": a{int64(1), int64(2), int64(3)}}},
		{"empty array", "a: []", m{"a": a{}}},
		{"array newlines", "a: [\n  x\n  y\n]", m{"a": a{"x", "y"}}},
		{"array trailing comma", "a: [x, y,]", m{"a": a{"x", "y"}}},
		{"array comma and newline", "a: [\n x,\n y,\n]", m{"a": a{"x", "y"}}},
		{"array comments", "a: [ # c\n x // d\n \"y\" ]", m{"a": a{"x", "y"}}},
		{"array without separator", "a [x]", m{"a": a{"x"}}},
		{"integer before bracket", "a: [1,2]", m{"a": a{int64(1), int64(2)}}},
		{"array of maps", "u: [{user: a, pass: b}, {user: c}]", m{"u": a{m{"user": "a", "pass": "b"}, m{"user": "c"}}}},
		{"array of maps newlines", "u: [\n {user: a}\n {user: b}\n]", m{"u": a{m{"user": "a"}, m{"user": "b"}}}},
		{"nested arrays", "a: [[1], [2, [3]]]", m{"a": a{a{int64(1)}, a{int64(2), a{int64(3)}}}}},
		{"mixed array", `a: [x, "y", 'z', 1, 1.5, true]`, m{"a": a{"x", "y", "z", int64(1), 1.5, true}}},
		{"value after array on line", "a: [x], b: 1", m{"a": a{"x"}, "b": int64(1)}},

		{"json document", `{"port": 4222, "c": {"a": [1, "x"]}}`, m{"port": int64(4222), "c": m{"a": a{int64(1), "x"}}}},
		{"stray closing brace at top level", "a: 1 }\n}", m{"a": int64(1)}},
		{"unclosed top-level brace", "{a: 1\n", m{"a": int64(1)}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			checkTree(t, tt.src, mustParse(t, tt.src), tt.want)
		})
	}
}

func TestParseStrings(t *testing.T) {
	tests := []struct {
		src, want string
	}{
		{`s: "hello world"`, "hello world"},
		{`s: "tab\there"`, "tab\there"},
		{`s: "a\nb\rc"`, "a\nb\rc"},
		{`s: "q\"q"`, `q"q`},
		{`s: "back\\slash"`, `back\slash`},
		{`s: "\u00e9t\u00E9"`, "été"},
		{`s: "\x41\xc3\xa9"`, "Aé"},
		{`s: ""`, ""},
		{"s: \"multi\nline\"", "multi\nline"},
		{`s: 'raw \t \n "x"'`, `raw \t \n "x"`},
		{`s: ''`, ""},
		{`s: 'a\'`, `a\`},
		{"s: bare", "bare"},
		{"s: bare   ", "bare"},
		{"s: nats://user:pass@127.0.0.1:4222", "nats://user:pass@127.0.0.1:4222"},
		{"s: /var/lib/nats", "/var/lib/nats"},
		{"s: ./nats.log", "./nats.log"},
		{"s: *.>", "*.>"},
		{"s: a{b", "a{b"},
		{`s: a"b`, `a"b`},
		{"s: ab:cd=ef", "ab:cd=ef"},
		{`s: tab\there`, "tab\there"}, // nats-server processes escapes in bare values
		{`s: \x41`, "A"},
		{"s: été", "été"},
		{"s: (\nline 1\n  line 2\n)", "\nline 1\n  line 2\n"},
		{"s: (\n)", "\n"},
		{"s: (\r\nx\r\n)\r\n", "\r\nx\r\n"},
		{"s: (\nx)\n)", "\nx)\n"},
		{"s: $2a$11$PWIFAL8RsWyGI3jVZtO9Nu8.6jOxzxfZo7c/W0eLk017hjgUKWrhy", "$2a$11$PWIFAL8RsWyGI3jVZtO9Nu8.6jOxzxfZo7c/W0eLk017hjgUKWrhy"},
		{"s: $2b$10$abc", "$2b$10$abc"},
		{"s: x$2a$", "x$2a$"},
		{"s: 'true'", "true"},
		{`s: "42"`, "42"},
		{"s: nil", "nil"},
		{"s: truex", "truex"},
	}
	for _, tt := range tests {
		t.Run(tt.src, func(t *testing.T) {
			v, ok := mustParse(t, tt.src).Get("s")
			if !ok || v.Kind != KindString || v.Str != tt.want {
				t.Fatalf("got %#v, want string %q", v, tt.want)
			}
		})
	}
}

func TestParseScalars(t *testing.T) {
	date := time.Date(2026, 11, 28, 1, 2, 3, 0, time.UTC)
	tests := []struct {
		val  string
		want any
	}{
		{"0", int64(0)},
		{"4222", int64(4222)},
		{"-1", int64(-1)},
		{"007", int64(7)},
		{"9223372036854775807", int64(9223372036854775807)},
		{"-9223372036854775808", int64(-9223372036854775808)},
		{"1.5", 1.5},
		{"-0.25", -0.25},
		{"10.0", 10.0},
		{"true", true}, {"TRUE", true}, {"True", true}, {"yes", true}, {"Yes", true}, {"on", true}, {"ON", true},
		{"false", false}, {"FALSE", false}, {"no", false}, {"NO", false}, {"off", false}, {"Off", false},
		{"2026-11-28T01:02:03Z", date},
		// Durations and other text starting with digits stay strings.
		{"2s", "2s"},
		{"1m30s", "1m30s"},
		{"500ms", "500ms"},
		{"1h", "1h"},
		{"3secret", "3secret"},
		{"1e3", "1e3"},
		{"0x10", "0x10"},
		{"1_000", "1_000"},
		{"+1", "+1"},
		{"1kbx", "1kbx"},
		{"1#c", "1#c"},
		{"1:2", "1:2"},
		{"127.0.0.1", "127.0.0.1"},
		{"127.0.0.1:4222", "127.0.0.1:4222"},
		{"-1.5.3", "-1.5.3"},
		{"10.0.0.0/8", "10.0.0.0/8"},
	}
	for _, tt := range tests {
		t.Run(tt.val, func(t *testing.T) {
			src := "v: " + tt.val
			checkTree(t, src, mustParse(t, src), m{"v": tt.want})
		})
	}
}

func TestParseSizes(t *testing.T) {
	const (
		k  = 1000
		ki = 1024
	)
	tests := []struct {
		val  string
		want int64
	}{
		{"1k", k}, {"1K", k},
		{"1kb", ki}, {"1KB", ki}, {"1Kb", ki}, {"1kB", ki}, {"1ki", ki}, {"1Ki", ki}, {"1KI", ki}, {"1kib", ki}, {"1KiB", ki}, {"1KIB", ki},
		{"2m", 2 * k * k}, {"2M", 2 * k * k},
		{"2mb", 2 * ki * ki}, {"2MB", 2 * ki * ki}, {"2Mi", 2 * ki * ki}, {"2MiB", 2 * ki * ki},
		{"3g", 3 * k * k * k}, {"3G", 3 * k * k * k}, {"3gb", 3 * ki * ki * ki}, {"3GB", 3 * ki * ki * ki}, {"3Gi", 3 * ki * ki * ki}, {"3GiB", 3 * ki * ki * ki},
		{"1t", 1e12}, {"1T", 1e12}, {"1tb", 1 << 40}, {"1TB", 1 << 40}, {"1TiB", 1 << 40},
		{"1p", 1e15}, {"1pb", 1 << 50}, {"1Pi", 1 << 50},
		{"1e", 1e18}, {"1eb", 1 << 60}, {"1Ei", 1 << 60}, {"7eb", 7 << 60}, {"9e", 9e18},
		{"-1k", -k}, {"-2MB", -2 * ki * ki}, {"-8eb", -1 << 63},
		{"0k", 0}, {"64MB", 64 << 20},
	}
	for _, tt := range tests {
		t.Run(tt.val, func(t *testing.T) {
			src := "v: " + tt.val
			checkTree(t, src, mustParse(t, src), m{"v": tt.want})
		})
	}
}

func TestPositions(t *testing.T) {
	src := "# header\nport: 4222\ncluster {\n  name: \"c1\"\n  routes: [\n    nats://a:6222\n  ]\n}\nété: x\n"
	cfg := mustParse(t, src)
	pos := func(line, col int) Pos { return Pos{File: "test.conf", Line: line, Col: col} }
	check := func(what string, got, want Pos) {
		t.Helper()
		if got != want {
			t.Errorf("%s: got %v, want %v", what, got, want)
		}
	}
	k, _ := cfg.Lookup("port")
	check("port key", k.Pos, pos(2, 1))
	check("port value", k.Value.Pos, pos(2, 7))
	c, _ := cfg.Lookup("cluster")
	check("cluster key", c.Pos, pos(3, 1))
	check("cluster map", c.Value.Pos, pos(3, 9))
	n, _ := c.Value.Map.Lookup("name")
	check("name key", n.Pos, pos(4, 3))
	check("name value", n.Value.Pos, pos(4, 9))
	r, _ := c.Value.Map.Get("routes")
	check("routes array", r.Pos, pos(5, 11))
	check("route element", r.Array[0].Pos, pos(6, 5))
	e, _ := cfg.Lookup("été")
	check("unicode key", e.Pos, pos(9, 1))
	check("value after unicode key counts runes", e.Value.Pos, pos(9, 6))
	if got := r.Array[0].Raw; got != "nats://a:6222" {
		t.Errorf("raw = %q", got)
	}
	if got, want := k.Value.Pos.String(), "test.conf:2:7"; got != want {
		t.Errorf("Pos.String() = %q, want %q", got, want)
	}
	if got, want := (Pos{Line: 3, Col: 4}).String(), "<input>:3:4"; got != want {
		t.Errorf("Pos.String() = %q, want %q", got, want)
	}
}

func TestRaw(t *testing.T) {
	cfg := mustParse(t, "a: 1k\nb: \"x\"\nc: [1, 2]\nd { e: 1 }")
	for key, want := range map[string]string{"a": "1k", "b": `"x"`, "c": "[1, 2]", "d": "{ e: 1 }"} {
		v, _ := cfg.Get(key)
		if v.Raw != want {
			t.Errorf("%s: Raw = %q, want %q", key, v.Raw, want)
		}
	}
}

func TestMapLookup(t *testing.T) {
	cfg := mustParse(t, "Max_Payload: 1MB\nport: 1\nPORT: 2\nport: 3\nz: 0")
	if v, ok := cfg.Get("max_payload"); !ok || v.Int != 1<<20 {
		t.Errorf("case-insensitive Get failed: %v %v", v, ok)
	}
	// Exact duplicates keep their slot; case variants are separate keys and
	// Get returns the latest definition.
	var names []string
	for _, k := range cfg.Keys {
		names = append(names, k.Name)
	}
	if got, want := names, []string{"Max_Payload", "port", "PORT", "z"}; !equalStrings(got, want) {
		t.Errorf("keys = %v, want %v", got, want)
	}
	if v, _ := cfg.Get("Port"); v.Int != 3 {
		t.Errorf("Get(Port) = %d, want 3 (latest definition)", v.Int)
	}
	if _, ok := cfg.Get("missing"); ok {
		t.Error("Get(missing) succeeded")
	}
	var nilMap *Map
	if _, ok := nilMap.Get("x"); ok || nilMap.Len() != 0 {
		t.Error("nil map lookups must fail quietly")
	}
	var zero Map
	zero.Set("a", Pos{}, &Value{Kind: KindInt, Int: 1})
	if v, ok := zero.Get("A"); !ok || v.Int != 1 || zero.Len() != 1 {
		t.Error("zero Map is not usable")
	}
}

func equalStrings(a, b []string) bool {
	if len(a) != len(b) {
		return false
	}
	for i := range a {
		if a[i] != b[i] {
			return false
		}
	}
	return true
}

// Maps switch to hash indexes once they grow; lookups must behave the same.
func TestLargeMapLookup(t *testing.T) {
	var src string
	for i := range 3 * indexAbove {
		src += fmt.Sprintf("key%d: %d\n", i, i)
	}
	src += "Key3: 100\nkey3: 101\nKEY5: 102\n"
	cfg := mustParse(t, src)
	if cfg.Len() != 3*indexAbove+2 {
		t.Fatalf("Len = %d", cfg.Len())
	}
	for name, want := range map[string]int64{"KEY0": 0, "key3": 101, "Key3": 101, "key5": 102, "key23": 23} {
		if v, ok := cfg.Get(name); !ok || v.Int != want {
			t.Errorf("Get(%s) = %v, %v; want %d", name, v, ok, want)
		}
	}
	if k, _ := cfg.lookupExact("Key3"); k.Value.Int != 100 {
		t.Errorf("exact Key3 = %d", k.Value.Int)
	}
	if _, ok := cfg.Get("key99"); ok {
		t.Error("Get(key99) succeeded")
	}
}
