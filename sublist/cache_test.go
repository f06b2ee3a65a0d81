package sublist

import (
	"fmt"
	"testing"
)

// TestCacheOverlappingWildcards interleaves matches (filling the cache)
// with inserts and removes of overlapping wildcard subscriptions and
// checks every answer against the oracle.
func TestCacheOverlappingWildcards(t *testing.T) {
	subs := []entry{
		{"a.b.c", "", 1}, {"a.*.c", "", 2}, {"a.>", "", 3}, {">", "", 4},
		{"*.b.*", "q", 5}, {"a.b.*", "q", 6}, {"*.*.c", "r", 7}, {"a.b", "", 8},
		{"*", "", 9}, {"a.b.c", "q", 10},
	}
	literals := []string{"a", "b", "a.b", "a.x", "a.b.c", "a.x.c", "a.b.d", "x.b.c", "a.b.c.d"}
	s := New[int](true)
	var stored []entry
	check := func(step string) {
		t.Helper()
		for _, l := range literals {
			for round := 0; round < 2; round++ {
				got := s.MatchString(l)
				checkResult(t, l, got)
				if want := oracle(stored, l); canon(got) != want {
					t.Fatalf("%s: Match(%q) = %s, want %s", step, l, canon(got), want)
				}
			}
		}
	}
	check("empty")
	for _, e := range subs {
		mustInsert(t, s, e.subject, e.queue, e.v)
		stored = append(stored, e)
		check("insert " + e.subject)
	}
	for i := len(subs) - 1; i >= 0; i -= 2 { // remove every other, then the rest
		e := subs[i]
		mustRemove(t, s, e.subject, e.queue, e.v)
		stored = removeEntry(stored, e)
		check("remove " + e.subject)
	}
	for i := len(subs) - 2; i >= 0; i -= 2 {
		e := subs[i]
		mustRemove(t, s, e.subject, e.queue, e.v)
		stored = removeEntry(stored, e)
		check("remove " + e.subject)
	}
	if st := s.Stats(); st.NumSubs != 0 {
		t.Fatalf("NumSubs = %d after removing all", st.NumSubs)
	}
}

func removeEntry(es []entry, e entry) []entry {
	for i, x := range es {
		if x == e {
			return append(es[:i:i], es[i+1:]...)
		}
	}
	return es
}

func TestCacheBounded(t *testing.T) {
	s := New[int](true)
	mustInsert(t, s, ">", "", 1)
	for i := 0; i < 10*cacheSize; i++ {
		s.MatchString(fmt.Sprintf("subj.%d", i))
	}
	st := s.Stats()
	if st.NumCache == 0 || st.NumCache > cacheSize {
		t.Fatalf("NumCache = %d, want 1..%d", st.NumCache, cacheSize)
	}
	if st.MaxFanout != 1 || st.AvgFanout != 1 {
		t.Fatalf("fanout max=%d avg=%v, want 1/1", st.MaxFanout, st.AvgFanout)
	}
	// The one literal insert only drops its own entry; a wildcard one
	// drops everything it matches.
	mustInsert(t, s, "subj.5", "", 2)
	mustInsert(t, s, "subj.*", "", 3)
	if n := s.Stats().NumCache; n != 0 {
		t.Fatalf("NumCache = %d after wildcard insert, want 0", n)
	}
}

func TestCacheKeepsHotEntries(t *testing.T) {
	// A stream of one-shot subjects must not flush a subject that is hit
	// in between (CLOCK eviction).
	s := New[int](true)
	mustInsert(t, s, ">", "", 1)
	s.MatchString("hot")
	for i := 0; i < 20*cacheSize; i++ {
		s.MatchString("hot")
		s.MatchString(fmt.Sprintf("_INBOX.%d", i))
	}
	hits, misses := s.ctr.load()
	// hot: 1 miss and 20*cacheSize hits; inbox subjects always miss.
	if hits < 20*cacheSize || misses > 20*cacheSize+1 {
		t.Fatalf("hits=%d misses=%d: hot subject evicted", hits, misses)
	}
}

func TestCacheDisabled(t *testing.T) {
	s := New[int](false)
	mustInsert(t, s, "foo", "", 1)
	for i := 0; i < 10; i++ {
		s.MatchString("foo")
	}
	st := s.Stats()
	if st.NumCache != 0 || st.CacheHitRate != 0 || st.NumMatches != 10 {
		t.Fatalf("stats with cache disabled: %+v", st)
	}
}

func TestCacheStaleFillRejected(t *testing.T) {
	// A result computed at an old generation must not be cached.
	s := New[int](true)
	mustInsert(t, s, "foo", "", 1)
	gen := s.Generation()
	stale := s.cache
	mustInsert(t, s, "foo", "", 2)
	stale.put(stale.hash("foo"), "foo", &Result[int]{Plain: []int{1}}, gen, &s.gen)
	if got := canon(s.MatchString("foo")); got != "plain=[1 2]" {
		t.Fatalf("stale fill was cached: %s", got)
	}
}

func TestCacheHitNoAlloc(t *testing.T) {
	s := New[*int](true)
	v1, v2 := new(int), new(int)
	if err := s.Insert("foo.bar", "", v1); err != nil {
		t.Fatal(err)
	}
	if err := s.Insert("foo.*", "q", v2); err != nil {
		t.Fatal(err)
	}
	subj := []byte("foo.bar")
	s.Match(subj) // fill
	allocs := testing.AllocsPerRun(1000, func() {
		if r := s.Match(subj); len(r.Plain) != 1 {
			t.Fatal("bad result")
		}
		if !s.HasInterest(subj) {
			t.Fatal("no interest")
		}
	})
	if allocs != 0 {
		t.Fatalf("cache-hit Match allocates %v times per op", allocs)
	}
	if st := s.Stats(); st.CacheHitRate < 0.99 {
		t.Fatalf("hit rate %v", st.CacheHitRate)
	}
}

func TestMissNoAllocWhenEmpty(t *testing.T) {
	// Without cache, a match that finds nothing must not allocate either
	// (the token array stays on the stack).
	s := New[int](false)
	mustInsert(t, s, "foo.bar", "", 1)
	subj := []byte("foo.baz.qux")
	allocs := testing.AllocsPerRun(1000, func() {
		s.Match(subj)
		s.HasInterest(subj)
	})
	if allocs != 0 {
		t.Fatalf("empty uncached Match allocates %v times per op", allocs)
	}
}

func TestMissSingleAlloc(t *testing.T) {
	// A small uncached result is one allocation: the builder lives on the
	// stack and the result shares its allocation with its Plain array.
	s := New[*int](false)
	for i := 0; i < resultInline; i++ {
		if err := s.Insert([]string{"foo.bar", "foo.*", "*.bar", ">"}[i], "", new(int)); err != nil {
			t.Fatal(err)
		}
	}
	subj := []byte("foo.bar")
	allocs := testing.AllocsPerRun(1000, func() {
		if r := s.Match(subj); len(r.Plain) != resultInline {
			t.Fatalf("got %d subscribers", len(r.Plain))
		}
	})
	if allocs != 1 {
		t.Fatalf("uncached Match allocates %v times per op, want 1", allocs)
	}
}
