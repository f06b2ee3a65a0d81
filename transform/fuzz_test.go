package transform

import (
	"testing"

	"github.com/natsd/natsd/sublist"
)

// FuzzTransform compiles arbitrary source/destination pairs and applies
// them to arbitrary subjects: nothing may panic, a non-matching subject is
// ErrNoMatch, and a matching one leaves the buffer's prefix alone. (Append
// does not validate the subject: the server only maps subjects its parser
// accepted.)
func FuzzTransform(f *testing.F) {
	for _, tc := range applyTests {
		f.Add(tc.src, tc.dest, tc.subject)
	}
	for _, tc := range errorTests {
		f.Add(tc.src, tc.dest, "foo.bar")
	}
	f.Fuzz(func(t *testing.T, src, dest, subject string) {
		for _, strict := range []bool{false, true} {
			tr, err := compile(src, dest, strict)
			if err != nil {
				if tr != nil {
					t.Fatalf("transform and error")
				}
				_ = err.Error()
				continue
			}
			got, err := tr.Append([]byte("x"), []byte(subject), fixedRand(3))
			if !sublist.ValidLiteralSubject(subject) {
				continue // the server never maps a subject it did not accept
			}
			match := sublist.SubjectMatches(src, subject)
			if match != (err == nil) {
				t.Fatalf("%q -> %q on %q: match %v, err %v", src, dest, subject, match, err)
			}
			if len(got) == 0 || got[0] != 'x' {
				t.Fatalf("prefix lost: %q", got)
			}
			if tr.Match([]byte(subject)) != match {
				t.Fatalf("Match disagrees")
			}
		}
		m, err := NewMapping(src, []Destination{{Subject: dest, Weight: 40}, {Subject: dest + ".w", Weight: 30, Cluster: "c"}})
		if err == nil {
			_, _ = m.Append(nil, []byte(subject), "c", fixedRand(17))
			_, _ = m.Append(nil, []byte(subject), "", fixedRand(17))
		}
	})
}
