package sublist

import (
	"cmp"
	"fmt"
	"slices"
	"strings"
	"testing"
)

// entry is one stored subscription, as the brute-force oracle sees it.
type entry struct {
	subject, queue string
	v              int
}

// canon renders a result in a canonical, comparable form: plain sorted,
// groups sorted by name with sorted members.
func canon(r *Result[int]) string {
	var b strings.Builder
	p := slices.Clone(r.Plain)
	slices.Sort(p)
	fmt.Fprintf(&b, "plain=%v", p)
	qs := slices.Clone(r.Queues)
	slices.SortFunc(qs, func(a, b QueueGroup[int]) int { return cmp.Compare(a.Name, b.Name) })
	for _, q := range qs {
		m := slices.Clone(q.Members)
		slices.Sort(m)
		fmt.Fprintf(&b, " %s=%v", q.Name, m)
	}
	return b.String()
}

// oracle computes the expected result by applying SubjectMatches to every
// stored subscription.
func oracle(entries []entry, literal string) string {
	r := &Result[int]{}
	for _, e := range entries {
		if !SubjectMatches(e.subject, literal) {
			continue
		}
		if e.queue == "" {
			r.Plain = append(r.Plain, e.v)
			continue
		}
		i := slices.IndexFunc(r.Queues, func(g QueueGroup[int]) bool { return g.Name == e.queue })
		if i < 0 {
			r.Queues = append(r.Queues, QueueGroup[int]{Name: e.queue})
			i = len(r.Queues) - 1
		}
		r.Queues[i].Members = append(r.Queues[i].Members, e.v)
	}
	return canon(r)
}

// checkNoEmptyGroups asserts result invariants the server relies on.
func checkResult(t testing.TB, subj string, r *Result[int]) {
	t.Helper()
	if r == nil {
		t.Fatalf("Match(%q) returned nil", subj)
	}
	seen := map[string]bool{}
	for _, q := range r.Queues {
		if len(q.Members) == 0 {
			t.Fatalf("Match(%q): empty queue group %q", subj, q.Name)
		}
		if seen[q.Name] {
			t.Fatalf("Match(%q): queue group %q listed twice", subj, q.Name)
		}
		seen[q.Name] = true
	}
}

// countNodes walks the trie and counts its nodes, independently of the
// s.nodes bookkeeping.
func countNodes[T comparable](l *level[T]) int {
	if l == nil {
		return 0
	}
	n := 0
	visit := func(nd *node[T]) {
		n++
		n += countNodes(nd.next)
	}
	for _, nd := range l.nodes {
		visit(nd)
	}
	if l.pwc != nil {
		visit(l.pwc)
	}
	if l.fwc != nil {
		visit(l.fwc)
	}
	return n
}

func mustInsert(t testing.TB, s *Sublist[int], subj, q string, v int) {
	t.Helper()
	if err := s.Insert(subj, q, v); err != nil {
		t.Fatalf("Insert(%q, %q, %d): %v", subj, q, v, err)
	}
}

func mustRemove(t testing.TB, s *Sublist[int], subj, q string, v int) {
	t.Helper()
	if err := s.Remove(subj, q, v); err != nil {
		t.Fatalf("Remove(%q, %q, %d): %v", subj, q, v, err)
	}
}

// forBoth runs f with the cache enabled and disabled.
func forBoth(t *testing.T, f func(t *testing.T, s *Sublist[int])) {
	for _, c := range []bool{true, false} {
		t.Run(fmt.Sprintf("cache=%v", c), func(t *testing.T) { f(t, New[int](c)) })
	}
}
