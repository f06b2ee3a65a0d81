package sublist

import (
	"errors"
	"strings"
	"testing"
)

// fuzzTokens is a small alphabet so that random subjects overlap a lot.
// It includes wildcards, literal tokens containing wildcard characters
// and the empty token (making some subjects invalid).
var fuzzTokens = []string{"a", "b", "c", "*", ">", "a*", ">b", ""}

// opReader decodes a fuzz input into operations.
type opReader struct{ data []byte }

func (r *opReader) next() (byte, bool) {
	if len(r.data) == 0 {
		return 0, false
	}
	b := r.data[0]
	r.data = r.data[1:]
	return b, true
}

func (r *opReader) subject() string {
	n, _ := r.next()
	toks := make([]string, 1+int(n%5))
	for i := range toks {
		b, _ := r.next()
		toks[i] = fuzzTokens[int(b)%len(fuzzTokens)]
	}
	return strings.Join(toks, ".")
}

// FuzzMatch runs random Insert/Remove/Match sequences and compares every
// Match and HasInterest with a brute-force oracle built on SubjectMatches,
// then removes everything and checks the trie is pruned to nothing.
func FuzzMatch(f *testing.F) {
	f.Add([]byte{0, 1, 0, 3, 2, 1, 0, 0}, true)
	f.Add([]byte{0, 2, 0, 3, 4, 1, 2, 1, 0, 0, 2, 2, 0, 1, 2, 1, 2, 0, 1}, false)
	f.Add([]byte{0, 0, 4, 1, 4, 5, 0, 6, 2, 5, 0, 2, 3}, true)
	f.Fuzz(fuzzMatchBody)
}

// fuzzMatchBody is FuzzMatch's body, callable from other tests.
func fuzzMatchBody(t *testing.T, data []byte, cache bool) {
	{
		s := New[int](cache)
		r := &opReader{data}
		var stored []entry
		for v := 0; ; v++ {
			op, ok := r.next()
			if !ok {
				break
			}
			switch op % 4 {
			case 0, 1: // insert (or re-insert an existing entry: duplicate)
				e := entry{r.subject(), "", v}
				if q, _ := r.next(); q%3 != 0 {
					e.queue = string(rune('p' + q%3))
				}
				if op%4 == 1 && len(stored) > 0 {
					e = stored[v%len(stored)]
				}
				err := s.Insert(e.subject, e.queue, e.v)
				if ValidSubject(e.subject) != (err == nil) {
					t.Fatalf("Insert(%q) = %v", e.subject, err)
				}
				if err == nil {
					stored = append(stored, e)
				}
			case 2: // remove
				e := entry{r.subject(), "", v}
				if len(stored) > 0 && op&4 == 0 {
					e = stored[v%len(stored)]
				}
				err := s.Remove(e.subject, e.queue, e.v)
				n := len(stored)
				stored = removeEntry(stored, e)
				if (n != len(stored)) != (err == nil) {
					t.Fatalf("Remove(%+v) = %v", e, err)
				}
				if err != nil && ValidSubject(e.subject) && !errors.Is(err, ErrNotFound) {
					t.Fatalf("Remove(%+v) = %v, want ErrNotFound", e, err)
				}
			case 3: // match
				l := r.subject()
				got := s.Match([]byte(l))
				checkResult(t, l, got)
				want := oracle(stored, l)
				if canon(got) != want {
					t.Fatalf("Match(%q) = %s, want %s (stored %v)", l, canon(got), want, stored)
				}
				if hi := s.HasInterest([]byte(l)); hi != (want != "plain=[]") {
					t.Fatalf("HasInterest(%q) = %v, oracle %s", l, hi, want)
				}
			}
			if int(s.Count()) != len(stored) {
				t.Fatalf("Count = %d, want %d", s.Count(), len(stored))
			}
		}
		for _, e := range stored {
			if err := s.Remove(e.subject, e.queue, e.v); err != nil {
				t.Fatalf("final Remove(%+v): %v", e, err)
			}
		}
		if n := countNodes(s.root); n != 0 || s.nodes != 0 {
			t.Fatalf("trie not pruned: %d nodes (counter %d)", n, s.nodes)
		}
	}
}
