package conf

import (
	"testing"
)

func TestVariables(t *testing.T) {
	tests := []struct {
		name string
		src  string
		env  env
		want m
	}{
		{"top level", "N: foo\ns: $N", nil, m{"N": "foo", "s": "foo"}},
		{"typed", "N: 1k\ns: $N", nil, m{"N": int64(1000), "s": int64(1000)}},
		{"enclosing block", "N: foo\nc { s: $N }", nil, m{"N": "foo", "c": m{"s": "foo"}}},
		{"inner shadows outer", "N: outer\nc { N: inner, s: $N }\nt: $N", nil,
			m{"N": "outer", "c": m{"N": "inner", "s": "inner"}, "t": "outer"}},
		{"array element", "N: x\na: [$N, y]", nil, m{"N": "x", "a": a{"x", "y"}}},
		{"map in array sees enclosing block", "P: pw\nusers: [{user: a, password: $P}]", nil,
			m{"P": "pw", "users": a{m{"user": "a", "password": "pw"}}}},
		{"map value", "M { a: 1 }\nc: $M", nil, m{"M": m{"a": int64(1)}, "c": m{"a": int64(1)}}},
		{"array value", "A: [1, 2]\nc: $A", nil, m{"A": a{int64(1), int64(2)}, "c": a{int64(1), int64(2)}}},
		{"chained", "A: 1\nB: $A\nc: $B", nil, m{"A": int64(1), "B": int64(1), "c": int64(1)}},
		{"latest definition", "N: a\nN: b\ns: $N", nil, m{"N": "b", "s": "b"}},
		{"terminated by comma", "N: x\na: $N, b: 1", nil, m{"N": "x", "a": "x", "b": int64(1)}},
		{"terminated by brace", "N: x\nc {a: $N}", nil, m{"N": "x", "c": m{"a": "x"}}},
		{"dash in name", "N-x: y\na: $N-x", nil, m{"N-x": "y", "a": "y"}},
		{"not in quotes", `N: x` + "\n" + `a: "$N"`, nil, m{"N": "x", "a": "$N"}},

		{"environment", "a: $HOST", env{"HOST": "h1"}, m{"a": "h1"}},
		{"environment is parsed", "a: $PORT", env{"PORT": "4222"}, m{"a": int64(4222)}},
		{"environment size", "a: $MAX", env{"MAX": "1MB"}, m{"a": int64(1 << 20)}},
		{"environment array", "a: $TAGS", env{"TAGS": "[x, y]"}, m{"a": a{"x", "y"}}},
		{"environment map", "a: $M", env{"M": "{b: 1}"}, m{"a": m{"b": int64(1)}}},
		{"environment quoted", "a: $Q", env{"Q": `"x y"`}, m{"a": "x y"}},
		{"environment comment", "a: $C", env{"C": "x # note"}, m{"a": "x"}},
		{"environment empty", "a: $E", env{"E": ""}, m{"a": ""}},
		{"environment chain", "a: $A", env{"A": "$B", "B": "deep"}, m{"a": "deep"}},
		{"config before environment", "HOST: cfg\na: $HOST", env{"HOST": "env"}, m{"HOST": "cfg", "a": "cfg"}},
		{"environment used twice", "a: $L\nb: $L", env{"L": "[1]"}, m{"a": a{int64(1)}, "b": a{int64(1)}}},
		{"variables are case-sensitive", "n: cfg\na: $N", env{"N": "env"}, m{"n": "cfg", "a": "env"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, err := testOptions(nil, tt.env).Parse("test.conf", tt.src)
			if err != nil {
				t.Fatal(err)
			}
			checkTree(t, tt.src, got, tt.want)
		})
	}
}

func TestVariableMetadata(t *testing.T) {
	cfg, err := testOptions(nil, env{"E": "[1, 2]"}).Parse("test.conf", "N: 5\nU: 6\nc {\n  a: $N\n  b: $E\n}")
	if err != nil {
		t.Fatal(err)
	}
	n, _ := cfg.Lookup("N")
	u, _ := cfg.Lookup("U")
	if !n.Used || u.Used {
		t.Errorf("Used flags: N=%v (want true), U=%v (want false)", n.Used, u.Used)
	}
	c, _ := cfg.Get("c")
	av, _ := c.Map.Get("a")
	if av.Var != "N" || av.Raw != "$N" || av.Pos != (Pos{"test.conf", 4, 6}) {
		t.Errorf("a: Var=%q Raw=%q Pos=%v", av.Var, av.Raw, av.Pos)
	}
	// Values from the environment point at the reference, elements too.
	bv, _ := c.Map.Get("b")
	want := Pos{"test.conf", 5, 6}
	if bv.Pos != want || bv.Array[1].Pos != want {
		t.Errorf("env value positions: %v, %v; want %v", bv.Pos, bv.Array[1].Pos, want)
	}
}

func TestVariableErrors(t *testing.T) {
	tests := []struct {
		name, src string
		env       env
		want      string
	}{
		{"undefined", "a: 1\nb: $NOPE", nil, "test.conf:2:4: variable $NOPE is not defined"},
		{"defined later", "b: $N\nN: 1", nil, "test.conf:1:4: variable $N is not defined"},
		{"defined in a sibling block", "c { N: 1 }\nb: $N", nil, "test.conf:2:4: variable $N"},
		{"self reference", "N: $N", nil, "test.conf:1:4: variable $N is not defined"},
		{"empty name", "a: $", nil, "test.conf:1:4: '$' must be followed by a variable name"},
		{"braces are not syntax", "N: 1\na: ${N}", nil, "test.conf:2:4: the ${...} form is not supported: write the variable as $N"},
		{"bad environment value", "a: 1\nb: $E", env{"E": "x y"}, `test.conf:2:4: environment variable E="x y" is not a valid value: unexpected 'y' after value`},
		{"environment cycle", "b: $A", env{"A": "$B", "B": "$A"}, "test.conf:1:4: environment variables refer to each other in a cycle: A -> B -> A"},
		{"environment undefined inner", "b: $A", env{"A": "$B"}, "test.conf:1:4: variable $B, used by environment variable A, is not defined in the environment"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got := parseErr(t, testOptions(nil, tt.env), "test.conf", tt.src)
			if !containsAll(got, tt.want) {
				t.Errorf("error %q does not contain %q", got, tt.want)
			}
		})
	}
}
