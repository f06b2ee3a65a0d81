package conf

import (
	"errors"
	"os"
	"path/filepath"
	"testing"
)

// FuzzParse checks that no input makes the parser panic or run away, that
// failures are always *Error values with a position, and that successful
// results are well-formed trees.
func FuzzParse(f *testing.F) {
	for _, seed := range []string{
		"port: 4222",
		"a { b: [1, 2k, \"x\\ty\", 'r', 1.5, true, 2026-11-28T01:02:03Z, (\nblock\n)] }",
		"N: 1\nc { x: $N, y: [$N] }\nz: $A\nw: $M",
		"include a.conf\ninclude self.conf",
		"include fuzz/x.conf",
		"u: [{a: 1}, {b: [[]]}]; k = v, 'q': \"\\u00e9\"",
		"{\"json\": {\"a\": [1, 2]}}",
		"a: $2a$11$xyz // c\n# c\nb: 1m30s",
	} {
		f.Add(seed)
	}
	for _, fixture := range []string{"testdata/server.conf", "testdata/auth.conf", "testdata/json.conf"} {
		data, err := os.ReadFile(fixture)
		if err != nil {
			f.Fatal(err)
		}
		f.Add(string(data))
	}

	environment := env{"A": "1k", "B": "$A", "L": "[$B, $B]", "M": "{x: $L, y: $L}", "C": "$C", "BAD": "x y"}
	f.Fuzz(func(t *testing.T, data string) {
		files := memFS{
			"a.conf":    "include b.conf\nx: $A",
			"b.conf":    "y: [1, 2]",
			"self.conf": "include self.conf",
		}
		// Any other name reads the input itself, so the fuzzer can build
		// include chains and cycles of its own.
		readFile := func(path string) ([]byte, error) {
			if s, ok := files[filepath.ToSlash(path)]; ok {
				return []byte(s), nil
			}
			return []byte(data), nil
		}
		cfg, err := Options{ReadFile: readFile, LookupEnv: environment.LookupEnv}.Parse("fuzz.conf", data)
		if err != nil {
			var e *Error
			if !errors.As(err, &e) {
				t.Fatalf("error %T is not *Error: %v", err, err)
			}
			if e.Pos.Line < 1 || e.Pos.Col < 1 || e.Msg == "" {
				t.Fatalf("error without a proper position: %#v", e)
			}
			return
		}
		root := &Value{Kind: KindMap, Map: cfg, Pos: Pos{Line: 1, Col: 1}}
		checkWellFormed(t, root, 0)
		size, err := mapWalkSize(cfg, Pos{})
		if err != nil || size > maxWalkSize {
			t.Fatalf("walk size %d over the limit", size)
		}
		if size < 100000 {
			_ = cfg.Interface()
		}
	})
}

func checkWellFormed(t *testing.T, v *Value, depth int) {
	if v == nil {
		t.Fatal("nil value in tree")
	}
	if v.Kind <= KindInvalid || v.Kind > KindArray {
		t.Fatalf("invalid kind %d", v.Kind)
	}
	if v.Pos.Line < 1 || v.Pos.Col < 1 {
		t.Fatalf("value without a position: %#v", v)
	}
	if v.Var != "" && depth > 0 {
		return // shared with the variable's definition, checked there
	}
	// The helpers must never panic, whatever the kind.
	_, _ = v.AsDuration()
	_, _ = v.AsStringSlice()
	_, _ = v.AsFloat()
	switch v.Kind {
	case KindMap:
		for _, k := range v.Map.Keys {
			if k.Pos.Line < 1 {
				t.Fatalf("key %q without a position", k.Name)
			}
			if got, ok := v.Map.Get(k.Name); !ok || got == nil {
				t.Fatalf("key %q not found by Get", k.Name)
			}
			checkWellFormed(t, k.Value, depth+1)
		}
	case KindArray:
		for _, e := range v.Array {
			checkWellFormed(t, e, depth+1)
		}
	}
}
