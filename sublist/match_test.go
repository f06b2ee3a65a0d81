package sublist

import "testing"

func TestMatchTable(t *testing.T) {
	type q = QueueGroup[int]
	tests := []struct {
		name    string
		inserts []entry
		removes []entry
		subject string
		want    Result[int]
	}{
		{name: "empty", subject: "foo", want: Result[int]{}},
		{name: "literal", inserts: []entry{{"foo", "", 1}}, subject: "foo",
			want: Result[int]{Plain: []int{1}}},
		{name: "literal miss", inserts: []entry{{"foo", "", 1}}, subject: "bar"},
		{name: "literal deeper miss", inserts: []entry{{"foo", "", 1}}, subject: "foo.bar"},
		{name: "literal shallower miss", inserts: []entry{{"foo.bar", "", 1}}, subject: "foo"},
		{name: "multi-token literal", inserts: []entry{{"foo.bar.baz", "", 1}, {"foo.bar", "", 2}},
			subject: "foo.bar.baz", want: Result[int]{Plain: []int{1}}},
		{name: "pwc", inserts: []entry{{"foo.*", "", 1}}, subject: "foo.bar",
			want: Result[int]{Plain: []int{1}}},
		{name: "pwc needs a token", inserts: []entry{{"foo.*", "", 1}}, subject: "foo"},
		{name: "pwc one token only", inserts: []entry{{"foo.*", "", 1}}, subject: "foo.bar.baz"},
		{name: "pwc first", inserts: []entry{{"*.bar", "", 1}}, subject: "foo.bar",
			want: Result[int]{Plain: []int{1}}},
		{name: "pwc middle", inserts: []entry{{"a.*.c", "", 1}}, subject: "a.b.c",
			want: Result[int]{Plain: []int{1}}},
		{name: "pwc alone", inserts: []entry{{"*", "", 1}}, subject: "x",
			want: Result[int]{Plain: []int{1}}},
		{name: "fwc", inserts: []entry{{"foo.>", "", 1}}, subject: "foo.bar.baz",
			want: Result[int]{Plain: []int{1}}},
		{name: "fwc needs a token", inserts: []entry{{"foo.>", "", 1}}, subject: "foo"},
		{name: "fwc alone", inserts: []entry{{">", "", 1}}, subject: "a.b.c.d",
			want: Result[int]{Plain: []int{1}}},
		{name: "mixed", inserts: []entry{
			{"a.b.c", "", 1}, {"a.*.c", "", 2}, {"a.>", "", 3}, {">", "", 4},
			{"*.b.*", "", 5}, {"a.b", "", 6}, {"*.*.*.*", "", 7}, {"a.*.>", "", 8},
		}, subject: "a.b.c", want: Result[int]{Plain: []int{1, 2, 3, 4, 5, 8}}},
		{name: "literal star token", inserts: []entry{{"foo*", "", 1}, {"*", "", 2}},
			subject: "foox", want: Result[int]{Plain: []int{2}}},
		{name: "published wildcard char is literal", inserts: []entry{
			{"foo.bar", "", 1}, {"foo.*", "", 2}, {"foo.>", "", 3},
		}, subject: "foo.*", want: Result[int]{Plain: []int{2, 3}}},
		{name: "invalid publish subject", inserts: []entry{{">", "", 1}}, subject: "foo..bar"},
		{name: "empty publish subject", inserts: []entry{{">", "", 1}}, subject: ""},
		{name: "trailing dot", inserts: []entry{{">", "", 1}, {"foo.*", "", 2}}, subject: "foo."},
		{name: "queue group", inserts: []entry{{"foo", "q", 1}, {"foo", "q", 2}, {"foo", "", 3}},
			subject: "foo", want: Result[int]{Plain: []int{3}, Queues: []q{{"q", []int{1, 2}}}}},
		{name: "multiple queue groups", inserts: []entry{
			{"foo", "q1", 1}, {"foo", "q2", 2}, {"foo", "q1", 3}, {"foo.*", "q3", 4},
		}, subject: "foo.x", want: Result[int]{Queues: []q{{"q3", []int{4}}}}},
		{name: "queue group merged across subjects", inserts: []entry{
			{"foo.bar", "q", 1}, {"foo.*", "q", 2}, {"foo.>", "q", 3}, {"foo.*", "r", 4},
		}, subject: "foo.bar", want: Result[int]{Queues: []q{{"q", []int{1, 2, 3}}, {"r", []int{4}}}}},
		{name: "duplicates", inserts: []entry{{"foo", "", 1}, {"foo", "", 1}, {"foo", "q", 2}, {"foo", "q", 2}},
			subject: "foo", want: Result[int]{Plain: []int{1, 1}, Queues: []q{{"q", []int{2, 2}}}}},
		{name: "duplicate removed once", inserts: []entry{{"foo", "", 1}, {"foo", "", 1}},
			removes: []entry{{"foo", "", 1}}, subject: "foo", want: Result[int]{Plain: []int{1}}},
		{name: "same handle on two subjects", inserts: []entry{{"foo", "", 1}, {"*", "", 1}},
			subject: "foo", want: Result[int]{Plain: []int{1, 1}}},
		{name: "removal", inserts: []entry{{"foo", "", 1}, {"foo", "", 2}, {"foo.*", "", 3}, {"*.bar", "", 4}},
			removes: []entry{{"foo", "", 1}, {"*.bar", "", 4}}, subject: "foo", want: Result[int]{Plain: []int{2}}},
		{name: "removal of queue member", inserts: []entry{{"foo", "q", 1}, {"foo", "q", 2}, {"foo", "r", 3}},
			removes: []entry{{"foo", "q", 1}, {"foo", "r", 3}}, subject: "foo",
			want: Result[int]{Queues: []q{{"q", []int{2}}}}},
		{name: "remove all", inserts: []entry{{"a.>", "", 1}, {"a.b", "q", 2}},
			removes: []entry{{"a.>", "", 1}, {"a.b", "q", 2}}, subject: "a.b"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			forBoth(t, func(t *testing.T, s *Sublist[int]) {
				var stored []entry
				for _, e := range tc.inserts {
					mustInsert(t, s, e.subject, e.queue, e.v)
					stored = append(stored, e)
				}
				// Match once before the removes so that a stale cache
				// entry would show up below.
				s.MatchString(tc.subject)
				for _, e := range tc.removes {
					mustRemove(t, s, e.subject, e.queue, e.v)
					for i, x := range stored {
						if x == e {
							stored = append(stored[:i], stored[i+1:]...)
							break
						}
					}
				}
				want := tc.want
				for round := 0; round < 2; round++ { // miss, then hit
					got := s.Match([]byte(tc.subject))
					checkResult(t, tc.subject, got)
					if canon(got) != canon(&want) {
						t.Fatalf("round %d: Match(%q) = %s, want %s", round, tc.subject, canon(got), canon(&want))
					}
					if o := oracle(stored, tc.subject); o != canon(got) {
						t.Fatalf("round %d: Match(%q) = %s, oracle %s", round, tc.subject, canon(got), o)
					}
					hasAny := len(want.Plain) > 0 || len(want.Queues) > 0
					if hi := s.HasInterest([]byte(tc.subject)); hi != hasAny {
						t.Fatalf("HasInterest(%q) = %v, want %v", tc.subject, hi, hasAny)
					}
				}
			})
		})
	}
}

func TestMatchEmptyResultShared(t *testing.T) {
	forBoth(t, func(t *testing.T, s *Sublist[int]) {
		a, b := s.MatchString("nothing"), s.MatchString("foo..bar")
		if a == nil || a != b || len(a.Plain) != 0 || len(a.Queues) != 0 {
			t.Fatalf("empty results not a shared empty value: %p %p", a, b)
		}
	})
}

func TestMatchResultIsolated(t *testing.T) {
	// A result handed out must not change when the trie changes later.
	forBoth(t, func(t *testing.T, s *Sublist[int]) {
		mustInsert(t, s, "foo", "", 1)
		mustInsert(t, s, "foo", "q", 2)
		r := s.MatchString("foo")
		before := canon(r)
		mustInsert(t, s, "foo", "", 3)
		mustInsert(t, s, "foo", "q", 4)
		mustRemove(t, s, "foo", "", 1)
		if canon(r) != before {
			t.Fatalf("result changed after trie update: %s -> %s", before, canon(r))
		}
		if got, want := canon(s.MatchString("foo")), "plain=[3] q=[2 4]"; got != want {
			t.Fatalf("after update: %s, want %s", got, want)
		}
	})
}

func TestMatchDeepSubject(t *testing.T) {
	// More tokens than the stack array holds.
	forBoth(t, func(t *testing.T, s *Sublist[int]) {
		deep := "t"
		for i := 0; i < 3*maxStackTokens; i++ {
			deep += ".t"
		}
		mustInsert(t, s, deep, "", 1)
		mustInsert(t, s, "t.>", "", 2)
		if got := canon(s.MatchString(deep)); got != "plain=[1 2]" {
			t.Fatalf("deep match = %s", got)
		}
		mustRemove(t, s, deep, "", 1)
		mustRemove(t, s, "t.>", "", 2)
		if n := countNodes(s.root); n != 0 {
			t.Fatalf("%d nodes left", n)
		}
	})
}

func TestMatchBytesReuse(t *testing.T) {
	// The caller may reuse its buffer after Match: the cache must have
	// copied the key.
	s := New[int](true)
	mustInsert(t, s, "foo", "", 1)
	buf := []byte("foo")
	s.Match(buf)
	copy(buf, "bar")
	if got := canon(s.MatchString("foo")); got != "plain=[1]" {
		t.Fatalf("after buffer reuse: foo -> %s", got)
	}
	if got := canon(s.Match(buf)); got != "plain=[]" {
		t.Fatalf("after buffer reuse: bar -> %s", got)
	}
}
