package conf

import (
	"reflect"
	"testing"
	"time"
)

func TestAsDuration(t *testing.T) {
	tests := []struct {
		val  string
		want time.Duration
		err  string
	}{
		{"2s", 2 * time.Second, ""},
		{"1m30s", 90 * time.Second, ""},
		{`"1m"`, time.Minute, ""},
		{"500ms", 500 * time.Millisecond, ""},
		{"10us", 10 * time.Microsecond, ""},
		{"5", 5 * time.Second, ""},
		{"0", 0, ""},
		{"1m", 1000000 * time.Second, ""}, // the size suffix, as in nats-server
		{"2x", 0, `test.conf:1:4: expected a duration, got "2x"`},
		{"1d", 0, `test.conf:1:4: expected a duration, got "1d"`},
		{"1.5", 0, "test.conf:1:4: expected a duration, got float 1.5"},
		{"true", 0, "test.conf:1:4: expected a duration, got boolean true"},
		{"[1s]", 0, "test.conf:1:4: expected a duration, got an array"},
		{"1e", 0, "test.conf:1:4: duration of 1000000000000000000 seconds is out of range"},
	}
	for _, tt := range tests {
		t.Run(tt.val, func(t *testing.T) {
			v, _ := mustParse(t, "d: "+tt.val).Get("d")
			got, err := v.AsDuration()
			if tt.err != "" {
				if err == nil || err.Error() != tt.err {
					t.Fatalf("got %v, %v; want error %q", got, err, tt.err)
				}
				if _, ok := err.(*Error); !ok {
					t.Fatalf("error is %T, want *Error", err)
				}
				return
			}
			if err != nil || got != tt.want {
				t.Fatalf("got %v, %v; want %v", got, err, tt.want)
			}
		})
	}
}

func TestAsHelpers(t *testing.T) {
	cfg := mustParse(t, `
s: hello
q: "4222"
i: 1KB
f: 0.5
b: on
t: 2026-11-28T01:02:03Z
a: [x, "y"]
bad: [x, 2]
mp { k: v }
`)
	get := func(k string) *Value {
		v, ok := cfg.Get(k)
		if !ok {
			t.Fatalf("missing %s", k)
		}
		return v
	}
	if s, err := get("s").AsString(); err != nil || s != "hello" {
		t.Errorf("AsString = %q, %v", s, err)
	}
	if i, err := get("i").AsInt(); err != nil || i != 1024 {
		t.Errorf("AsInt = %d, %v", i, err)
	}
	if f, err := get("f").AsFloat(); err != nil || f != 0.5 {
		t.Errorf("AsFloat = %v, %v", f, err)
	}
	if f, err := get("i").AsFloat(); err != nil || f != 1024 {
		t.Errorf("AsFloat(int) = %v, %v", f, err)
	}
	if b, err := get("b").AsBool(); err != nil || !b {
		t.Errorf("AsBool = %v, %v", b, err)
	}
	if tm, err := get("t").AsTime(); err != nil || !tm.Equal(time.Date(2026, 11, 28, 1, 2, 3, 0, time.UTC)) {
		t.Errorf("AsTime = %v, %v", tm, err)
	}
	if ss, err := get("a").AsStringSlice(); err != nil || !reflect.DeepEqual(ss, []string{"x", "y"}) {
		t.Errorf("AsStringSlice = %v, %v", ss, err)
	}
	if ss, err := get("s").AsStringSlice(); err != nil || !reflect.DeepEqual(ss, []string{"hello"}) {
		t.Errorf("AsStringSlice(string) = %v, %v", ss, err)
	}
	if mp, err := get("mp").AsMap(); err != nil || mp.Len() != 1 {
		t.Errorf("AsMap = %v, %v", mp, err)
	}
	if arr, err := get("a").AsArray(); err != nil || len(arr) != 2 {
		t.Errorf("AsArray = %v, %v", arr, err)
	}

	errs := []struct {
		err  error
		want string
	}{
		{second(get("q").AsInt()), `test.conf:3:4: expected an integer, got "4222"`},
		{second(get("i").AsString()), "test.conf:4:4: expected a string, got integer 1024"},
		{second(get("s").AsBool()), `test.conf:2:4: expected a boolean, got "hello"`},
		{second(get("b").AsFloat()), "test.conf:6:4: expected a number, got boolean true"},
		{second(get("s").AsTime()), `test.conf:2:4: expected a datetime, got "hello"`},
		{second(get("s").AsMap()), `test.conf:2:4: expected a map, got "hello"`},
		{second(get("mp").AsArray()), "test.conf:10:4: expected an array, got a map"},
		{second(get("bad").AsStringSlice()), "test.conf:9:10: expected a string, got integer 2"},
		{second(get("mp").AsStringSlice()), "test.conf:10:4: expected a string or an array of strings, got a map"},
		{get("i").Errorf("max_payload too large"), "test.conf:4:4: max_payload too large"},
	}
	for _, e := range errs {
		if e.err == nil || e.err.Error() != e.want {
			t.Errorf("got %v, want %q", e.err, e.want)
		}
	}

	var missing *Value
	if _, err := missing.AsInt(); err == nil || err.Error() != "<input>: expected an integer, got nothing" {
		t.Errorf("nil value: %v", err)
	}
}

func second[T any](_ T, err error) error { return err }

func TestDidYouMean(t *testing.T) {
	known := []string{"port", "host", "max_payload", "max_pending", "cluster", "authorization", "write_deadline"}
	tests := []struct{ in, want string }{
		{"prot", "port"},
		{"PORT", "port"},
		{"max_paylod", "max_payload"},
		{"max_pendin", "max_pending"},
		{"clusterr", "cluster"},
		{"autorization", "authorization"},
		{"write_dedline", "write_deadline"},
		{"hots", "host"},
		{"completely_different", ""},
		{"xy", ""}, // too short to be a typo of anything
		{"", ""},
	}
	for _, tt := range tests {
		if got := DidYouMean(tt.in, known); got != tt.want {
			t.Errorf("DidYouMean(%q) = %q, want %q", tt.in, got, tt.want)
		}
	}
}

func TestEditDistance(t *testing.T) {
	tests := []struct {
		a, b string
		want int
	}{
		{"", "", 0}, {"a", "", 1}, {"kitten", "sitting", 3}, {"été", "ete", 2}, {"abc", "abc", 0}, {"ab", "ba", 2},
	}
	for _, tt := range tests {
		if got := editDistance(tt.a, tt.b, 10); got != tt.want {
			t.Errorf("editDistance(%q, %q) = %d, want %d", tt.a, tt.b, got, tt.want)
		}
	}
	if got := editDistance("aaaaaaaa", "bbbbbbbb", 3); got != 3 {
		t.Errorf("limit not applied: %d", got)
	}
}
