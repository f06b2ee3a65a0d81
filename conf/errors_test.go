package conf

import (
	"fmt"
	"testing"
)

// Every syntax error names file:line:col of the construct at fault.
func TestSyntaxErrors(t *testing.T) {
	tests := []struct {
		name, src, want string
	}{
		{"unterminated double-quoted string", "a: 1\nb: \"abc\n", `test.conf:2:4: unterminated string: missing closing "`},
		{"unterminated single-quoted string", "b: 'abc", `test.conf:1:4: unterminated string: missing closing '`},
		{"unterminated quoted key", `"abc: 1`, `test.conf:1:1: unterminated quoted key: missing closing "`},
		{"unterminated map", "a {\n  b: 1\n", "test.conf:1:3: unterminated map: no '}' closes this '{' (reached end of file at line 2)"},
		{"unterminated map without final newline", "port: 4222\nauthorization {\n  user: a\n  password: b", "test.conf:2:15: unterminated map: no '}' closes this '{' (reached end of file at line 4)"},
		{"unterminated map then blank lines", "a {\n  b: 1\n\n\n", "test.conf:1:3: unterminated map: no '}' closes this '{' (reached end of file at line 4)"},
		{"unterminated nested map", "a {\n  b {\n    c: 1\n}\n", "test.conf:1:3: unterminated map: no '}' closes this '{' (reached end of file at line 4)"},
		{"unterminated array", "a: [\n  1,\n  2\n", "test.conf:1:4: unterminated array: no ']' closes this '[' (reached end of file at line 3)"},
		{"unterminated block string", "a: (\nline\n", "test.conf:1:4: unterminated block string"},
		{"block string closed on its own line only", "a: (x)", "test.conf:1:4: unterminated block string"},
		{"key without value at end", "a: 1\nb", `test.conf:2:1: key "b" has no value`},
		{"key without value before next key", "a\nb: 1", `test.conf:1:1: key "a" has no value`},
		{"key without value before next key with equals", "a\nb = 1", `test.conf:1:1: key "a" has no value`},
		{"colon without value", "a:\nb: 1", `test.conf:1:1: key "a" has no value`},
		{"colon then comment", "a: # nothing", `test.conf:1:1: key "a" has no value`},
		{"key without value in map", "c {\n  a\n}", `test.conf:2:3: key "a" has no value`},
		{"key without value before brace", "c { a: }", `test.conf:1:5: key "a" has no value`},
		{"two values", "a: 1 2", "test.conf:1:6: unexpected '2' after value: expected a newline, ',' or ';'"},
		{"two values with spaces", "a: x y", "test.conf:1:6: unexpected 'y' after value"},
		{"two pairs on a line", "c { a: 1 b: 2 }", "test.conf:1:10: unexpected 'b' after value"},
		{"junk after quoted", `a: "x"y`, "test.conf:1:7: unexpected 'y' after value"},
		{"junk after map", "a {b: 1}x", "test.conf:1:9: unexpected 'x' after value"},
		{"junk after array", "a: [1]x", "test.conf:1:7: unexpected 'x' after value"},
		{"stray bracket", "a: 1\n]", "test.conf:2:1: unexpected ']': expected a key"},
		{"stray bracket after value", "a: x]", "test.conf:1:5: unexpected ']' after value"},
		{"array at top level", "[1]", "test.conf:1:1: unexpected '[': expected a key"},
		{"leading separator", ": 1", "test.conf:1:1: unexpected ':': a key is missing before it"},
		{"double separator", "a: 1;;", "test.conf:1:6: unexpected ';': expected a key"},
		{"comma then separator", "a: 1,;", "test.conf:1:6: unexpected ';': expected a key"},
		{"lone slash", "/a: 1", "test.conf:1:1: unexpected '/': comments start with '#' or '//'"},
		{"array double comma", "a: [1,,2]", "test.conf:1:7: unexpected ',': expected a value"},
		{"array leading comma", "a: [,1]", "test.conf:1:5: unexpected ',': expected a value"},
		{"array comma on next line", "a: [1\n,2]", "test.conf:2:1: unexpected ','"},
		{"array missing comma", "a: [1 2]", "test.conf:1:7: unexpected '2' after array element: expected ',', ']' or a newline"},
		{"array semicolon", "a: [1;2]", "test.conf:1:6: unexpected ';' after array element"},
		{"array closed by brace", "c { a: [1 }", "test.conf:1:11: unexpected '}' after array element"},
		{"map closed by bracket", "a: [ {b: 1] ]", "test.conf:1:11: unexpected ']' after value"},
		{"map in map needs key", "c { {} }", "test.conf:1:5: unexpected '{': expected a key"},
		{"invalid escape", `a: "x\qy"`, `test.conf:1:6: invalid escape 'q'`},
		{"invalid escape on later line", "a: \"x\n  \\q\"", `test.conf:2:3: invalid escape 'q'`},
		{"invalid escape in bare value", `a: C:\data`, `test.conf:1:6: invalid escape 'd'`},
		{"short hex escape", `a: "\x4"`, `test.conf:1:5: expected two hexadecimal digits after \x`},
		{"short unicode escape", `a: "\u12"`, `test.conf:1:5: expected four hexadecimal digits after \u`},
		{"trailing backslash", `a: x\`, `test.conf:1:5: a '\' must be followed by an escape character`},
		{"lone dash", "a: -", `test.conf:1:4: invalid number "-": expected a digit after '-'`},
		{"dash word", "a: -x", `test.conf:1:4: invalid number "-x"`},
		{"leading dot float", "a: .5", `test.conf:1:4: invalid number ".5": a float must start with a digit`},
		{"trailing dot", "a: 1.", `test.conf:1:4: invalid number "1.": a float needs a digit after the '.'`},
		{"float with unit", "a: 1.5GB", `test.conf:1:4: invalid number "1.5GB"`},
		{"negative with letters", "a: -5s", `test.conf:1:4: invalid number "-5s"`},
		{"integer overflow", "a: 9223372036854775808", "test.conf:1:4: integer 9223372036854775808 is out of range"},
		{"size overflow", "a: 10e", "test.conf:1:4: size 10e is out of range"},
		{"size overflow binary", "a: 8eb", "test.conf:1:4: size 8eb is out of range"},
		{"partial date", "a: 2026-11-28", `test.conf:1:4: invalid datetime "2026-11-28": dates must be in full Zulu form`},
		{"date with offset", "a: 2026-11-28T01:02:03+01:00", `test.conf:1:4: invalid datetime`},
		{"date out of range", "a: 2026-13-28T01:02:03Z", `test.conf:1:4: invalid datetime "2026-13-28T01:02:03Z": month out of range`},
		{"digits and dash", "a: 1-2", `test.conf:1:4: invalid datetime "1-2"`},
		{"nul byte", "a: 1\nb: x\x00y", "test.conf:2:5: invalid NUL byte"},
		{"error column counts runes", "été: \"x", `test.conf:1:6: unterminated string`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got := parseErr(t, testOptions(nil, nil), "test.conf", tt.src)
			if !containsAll(got, tt.want) {
				t.Errorf("error %q does not contain %q", got, tt.want)
			}
		})
	}
}

func TestErrorWithoutFileName(t *testing.T) {
	_, err := Options{LookupEnv: env{}.LookupEnv}.Parse("", "a: [")
	if got, want := err.Error(), "<input>:1:4: unterminated array: no ']' closes this '[' (reached end of file at line 1)"; got != want {
		t.Errorf("got %q, want %q", got, want)
	}
}

func TestNestingLimit(t *testing.T) {
	deep := "a: "
	for range maxNesting + 1 {
		deep += "["
	}
	got := parseErr(t, testOptions(nil, nil), "test.conf", deep)
	if !containsAll(got, "nested too deeply") {
		t.Errorf("got %q", got)
	}
	ok := "a: "
	for range maxNesting {
		ok += "["
	}
	for range maxNesting {
		ok += "]"
	}
	mustParse(t, ok)
}

// Variables share values, so a few lines can describe a huge tree; the
// parser refuses trees consumers could not walk.
func TestExpansionLimit(t *testing.T) {
	src := "a0: [x, x]\n"
	for i := 1; i < 40; i++ {
		src += fmt.Sprintf("a%d: [$a%d, $a%d]\n", i, i-1, i-1)
	}
	got := parseErr(t, testOptions(nil, nil), "test.conf", src)
	if !containsAll(got, "test.conf:", "expands to more than") {
		t.Errorf("got %q", got)
	}
	// The same through maps, and spread over many top-level keys.
	src = "m0 { a: x, b: x }\n"
	for i := 1; i < 25; i++ {
		src += fmt.Sprintf("m%d { a: $m%d, b: $m%d }\n", i, i-1, i-1)
	}
	for i := range 20 {
		src += fmt.Sprintf("k%d: $m22\n", i)
	}
	got = parseErr(t, testOptions(nil, nil), "test.conf", src)
	if !containsAll(got, "expands to more than") {
		t.Errorf("got %q", got)
	}
	// Moderate sharing stays fine.
	mustParse(t, "a: [1, 2]\nb: [$a, $a]\nc: [$b, $b]")
}
