package sublist

import "testing"

func TestValidSubject(t *testing.T) {
	tests := []struct {
		subj           string
		valid, literal bool
	}{
		{"foo", true, true},
		{"foo.bar.baz", true, true},
		{"a", true, true},
		{"*", true, false},
		{">", true, false},
		{"foo.*", true, false},
		{"*.bar", true, false},
		{"foo.*.baz", true, false},
		{"foo.>", true, false},
		{"*.>", true, false},
		{"*.*.*", true, false},
		{"foo*", true, true},     // literal token
		{"foo.bar*", true, true}, // literal token
		{"a>", true, true},       // literal token
		{"foo.>bar", true, true}, // literal token
		{"foo.**", true, true},   // literal token
		{"foo.>>", true, true},   // literal token
		{">.foo*", false, false}, // '>' not last
		{"foo.a>.b", true, true}, // '>' inside a token is literal
		{"$SYS.REQ", true, true}, // '$' is ordinary
		{"_INBOX.x", true, true}, // '_' is ordinary
		{"ünï.cødé", true, true}, // non-ASCII bytes are ordinary
		{"foo-bar.b:z", true, true},
		{"", false, false},
		{".", false, false},
		{"..", false, false},
		{".foo", false, false},
		{"foo.", false, false},
		{"foo..bar", false, false},
		{"foo.>.bar", false, false},
		{">.>", false, false},
		{">.foo", false, false},
		{"foo bar", false, false},
		{"foo\tbar", false, false},
		{"foo\rbar", false, false},
		{"foo\nbar", false, false},
		{" foo", false, false},
		{"foo ", false, false},
		{"foo. .bar", false, false},
		{"foo.* ", false, false},
	}
	for _, tc := range tests {
		if got := ValidSubject(tc.subj); got != tc.valid {
			t.Errorf("ValidSubject(%q) = %v, want %v", tc.subj, got, tc.valid)
		}
		if got := ValidSubjectBytes([]byte(tc.subj)); got != tc.valid {
			t.Errorf("ValidSubjectBytes(%q) = %v, want %v", tc.subj, got, tc.valid)
		}
		if got := ValidLiteralSubject(tc.subj); got != tc.literal {
			t.Errorf("ValidLiteralSubject(%q) = %v, want %v", tc.subj, got, tc.literal)
		}
		if got := ValidLiteralSubjectBytes([]byte(tc.subj)); got != tc.literal {
			t.Errorf("ValidLiteralSubjectBytes(%q) = %v, want %v", tc.subj, got, tc.literal)
		}
	}
}

func TestValidQueueName(t *testing.T) {
	tests := []struct {
		q     string
		valid bool
	}{
		{"q", true},
		{"workers", true},
		{"a.b", true},
		{"*", true},
		{">", true},
		{"", false},
		{" ", false},
		{"a b", false},
		{"a\tb", false},
		{"a\r", false},
		{"\nb", false},
	}
	for _, tc := range tests {
		if got := ValidQueueName(tc.q); got != tc.valid {
			t.Errorf("ValidQueueName(%q) = %v, want %v", tc.q, got, tc.valid)
		}
	}
}

func TestSubjectMatches(t *testing.T) {
	tests := []struct {
		pattern, literal string
		want             bool
	}{
		{"foo", "foo", true},
		{"foo", "bar", false},
		{"foo", "foo.bar", false},
		{"foo.bar", "foo", false},
		{"foo.bar", "foo.bar", true},
		{"*", "foo", true},
		{"*", "foo.bar", false},
		{">", "foo", true},
		{">", "foo.bar.baz", true},
		{"foo.>", "foo", false},
		{"foo.>", "foo.bar", true},
		{"foo.>", "foo.bar.baz", true},
		{"foo.*", "foo.bar", true},
		{"foo.*", "foo.bar.baz", false},
		{"foo.*.baz", "foo.bar.baz", true},
		{"foo.*.baz", "foo.bar.bax", false},
		{"*.bar", "foo.bar", true},
		{"*.*", "foo.bar", true},
		{"*.>", "foo", false},
		{"*.>", "foo.bar", true},
		{"foo*", "foo*", true},
		{"foo*", "foox", false},
		{"foo.*", "foo.*", true},          // a published "*" is a literal token
		{"foo.>", "foo.>", true},          // likewise '>'
		{"foo.bar", "foo.*", false},       // and does not act as a wildcard
		{"foo.>.bar", "foo.x.bar", false}, // invalid pattern
		{"foo", "", false},
		{"foo.*", "foo.", false},
		{"*.foo", ".foo", false},
		{"foo.*.bar", "foo..bar", false},
	}
	for _, tc := range tests {
		if got := SubjectMatches(tc.pattern, tc.literal); got != tc.want {
			t.Errorf("SubjectMatches(%q, %q) = %v, want %v", tc.pattern, tc.literal, got, tc.want)
		}
	}
}

func TestSubjectIsSubset(t *testing.T) {
	tests := []struct {
		sub, super string
		want       bool
	}{
		{"foo", "foo", true},
		{"foo", "bar", false},
		{"foo", "*", true},
		{"foo", ">", true},
		{"foo.bar", ">", true},
		{"foo.bar", "foo.>", true},
		{"foo.bar", "foo.*", true},
		{"foo.bar", "*.bar", true},
		{"foo.bar", "*.baz", false},
		{"foo.*", "foo.*", true},
		{"foo.*", "foo.>", true},
		{"foo.*", "*.*", true},
		{"foo.*", "foo.bar", false},
		{"foo.>", "foo.>", true},
		{"foo.>", "foo.*", false},
		{"foo.>", ">", true},
		{"foo.>", "*.>", true},
		{"*.>", "foo.>", false},
		{">", ">", true},
		{">", "*", false},
		{"*", ">", true},
		{"*", "foo", false},
		{"foo", "foo.>", false},
		{"foo.bar", "foo", false},
		{"foo", "foo.bar", false},
		{"foo*", "*", true},
		{"foo*", "foo*", true},
		{"*", "foo*", false},
		{"foo..bar", ">", false},
		{"foo", "foo.>.bar", false},
	}
	for _, tc := range tests {
		if got := SubjectIsSubset(tc.sub, tc.super); got != tc.want {
			t.Errorf("SubjectIsSubset(%q, %q) = %v, want %v", tc.sub, tc.super, got, tc.want)
		}
	}
}

// FuzzValidators checks that the validators never panic, that the string
// and []byte variants agree, and that their results are consistent with
// each other.
func FuzzValidators(f *testing.F) {
	for _, s := range []string{"", "foo", "foo.bar", "*", ">", "foo.>", "foo.>.bar", "a..b", "foo*", " x", ".", "a.*.>"} {
		f.Add(s, "foo.bar")
	}
	f.Fuzz(func(t *testing.T, a, b string) {
		v, lit := ValidSubject(a), ValidLiteralSubject(a)
		if v != ValidSubjectBytes([]byte(a)) || lit != ValidLiteralSubjectBytes([]byte(a)) {
			t.Fatalf("string/bytes validators disagree on %q", a)
		}
		if lit && !v {
			t.Fatalf("%q literal but not valid", a)
		}
		ValidQueueName(a)
		m := SubjectMatches(a, b)
		if m && !v {
			t.Fatalf("invalid pattern %q matched %q", a, b)
		}
		if lit && ValidLiteralSubject(b) && m != (a == b) {
			t.Fatalf("literal %q vs %q: matches=%v", a, b, m)
		}
		sub := SubjectIsSubset(a, b)
		if v && !SubjectIsSubset(a, a) {
			t.Fatalf("%q not a subset of itself", a)
		}
		if sub && ValidLiteralSubject(a) && !SubjectMatches(b, a) {
			t.Fatalf("%q subset of %q but not matched by it", a, b)
		}
		if sub && ValidLiteralSubject(a) && SubjectIsSubset(b, a) && a != b {
			t.Fatalf("distinct %q, %q are subsets of each other", a, b)
		}
	})
}

func TestSubjectsOverlap(t *testing.T) {
	for _, c := range []struct {
		a, b string
		want bool
	}{
		{"a.*.c", "a.b.*", true}, {"q.b", "q.>", true}, {"d.x", "d.x", true}, {"a.b", "a.c", false},
		{"a", "a.b", false}, {"a.>", "a", false}, {"*", "a.b", false}, {">", "a.b.c", true},
		{"$JS.>", "$JS.API.>", true}, {"$JS.API.STREAM.INFO.*", "$JS.API.>", true}, {"$JS.ACK.>", "$JS.API.>", false},
		{"a.*", "a.b", true}, {"*.b", "a.*", true}, {">", "x", true}, {"a.*", "a.b.c", false},
	} {
		if got := SubjectsOverlap(c.a, c.b); got != c.want {
			t.Errorf("SubjectsOverlap(%q, %q) = %v", c.a, c.b, got)
		}
		if got := SubjectsOverlap(c.b, c.a); got != c.want {
			t.Errorf("SubjectsOverlap(%q, %q) = %v", c.b, c.a, got)
		}
	}
}
