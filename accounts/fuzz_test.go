package accounts

import (
	"testing"

	"github.com/natsd/natsd/sublist"
)

// FuzzMapSubject: for valid patterns with the same wildcards and a literal
// matched by from, the mapped subject is matched by to; nothing panics
// whatever the input.
func FuzzMapSubject(f *testing.F) {
	f.Add("a.*.>", "z.*.y.>", "a.1.2.3")
	f.Add("foo", "bar", "foo")
	f.Add("*.*", "x.*.*", "a.b")
	f.Add(">", "p.>", "a.b.c")
	f.Fuzz(func(t *testing.T, from, to, lit string) {
		got := AppendMapped(nil, from, to, []byte(lit))
		if !sublist.ValidSubject(from) || !sublist.ValidSubject(to) || !sublist.ValidLiteralSubject(lit) ||
			!sublist.SubjectMatches(from, lit) || wildcards(from) != wildcards(to) || len(wildcards(to)) > maxCaptures {
			return
		}
		if !sublist.SubjectMatches(to, string(got)) {
			t.Fatalf("MapSubject(%q, %q, %q) = %q, not matched by %q", from, to, lit, got, to)
		}
	})
}
