package sublist

import (
	"errors"
	"fmt"
	"math/rand/v2"
	"slices"
	"sort"
	"strings"
	"sync"
	"testing"
)

func TestInsertRemoveErrors(t *testing.T) {
	s := New[int](true)
	for _, subj := range []string{"", "foo..bar", "foo.>.bar", "foo bar", ".x", "x."} {
		if err := s.Insert(subj, "", 1); !errors.Is(err, ErrInvalidSubject) {
			t.Errorf("Insert(%q) = %v, want ErrInvalidSubject", subj, err)
		}
		if err := s.Remove(subj, "", 1); !errors.Is(err, ErrInvalidSubject) {
			t.Errorf("Remove(%q) = %v, want ErrInvalidSubject", subj, err)
		}
	}
	for _, q := range []string{" ", "a b", "q\n"} {
		if err := s.Insert("foo", q, 1); !errors.Is(err, ErrInvalidQueue) {
			t.Errorf("Insert queue %q = %v, want ErrInvalidQueue", q, err)
		}
	}
	if s.Generation() != 0 || s.Count() != 0 {
		t.Fatalf("failed inserts changed state: gen=%d count=%d", s.Generation(), s.Count())
	}
	mustInsert(t, s, "foo.bar", "q", 1)
	for _, e := range []entry{
		{"foo.bar", "", 1},  // wrong queue
		{"foo.bar", "r", 1}, // unknown queue
		{"foo.bar", "q", 2}, // wrong handle
		{"foo", "q", 1},     // prefix node without subs
		{"foo.bar.baz", "q", 1},
		{"foo.*", "q", 1},
		{"nope", "", 1},
	} {
		if err := s.Remove(e.subject, e.queue, e.v); !errors.Is(err, ErrNotFound) {
			t.Errorf("Remove(%+v) = %v, want ErrNotFound", e, err)
		}
	}
	mustRemove(t, s, "foo.bar", "q", 1)
	if err := s.Remove("foo.bar", "q", 1); !errors.Is(err, ErrNotFound) {
		t.Fatalf("second Remove = %v, want ErrNotFound", err)
	}
}

func TestGenerationCountStats(t *testing.T) {
	s := New[int](true)
	mustInsert(t, s, "a", "", 1)
	mustInsert(t, s, "a.*", "q", 2)
	mustInsert(t, s, "a.>", "", 3)
	// Each change moves the generation twice (see changed).
	if g := s.Generation(); g != 6 {
		t.Fatalf("gen = %d, want 6", g)
	}
	s.Remove("a", "", 99) // not found: no change
	mustRemove(t, s, "a", "", 1)
	if g, c := s.Generation(), s.Count(); g != 8 || c != 2 {
		t.Fatalf("gen=%d count=%d, want 8, 2", g, c)
	}
	s.MatchString("a.b") // miss
	s.MatchString("a.b") // hit
	s.MatchString("a.c") // miss
	s.MatchString("a.c") // hit
	st := s.Stats()
	want := Stats{NumSubs: 2, NumCache: 2, NumInserts: 3, NumRemoves: 1, NumMatches: 4,
		CacheHitRate: 0.5, MaxFanout: 2, AvgFanout: 2}
	if st != want {
		t.Fatalf("Stats = %+v, want %+v", st, want)
	}
}

func TestForEach(t *testing.T) {
	s := New[int](true)
	in := []entry{{"a", "", 1}, {"a.b", "", 2}, {"a.*", "q", 3}, {"a.*", "q", 4}, {"a.>", "r", 5}, {"*", "", 6}, {">", "", 7}, {"a", "", 1}}
	for _, e := range in {
		mustInsert(t, s, e.subject, e.queue, e.v)
	}
	var got []entry
	s.ForEach(func(subject, queue string, v int) { got = append(got, entry{subject, queue, v}) })
	less := func(x []entry) func(i, j int) bool {
		return func(i, j int) bool { return fmt.Sprint(x[i]) < fmt.Sprint(x[j]) }
	}
	sort.Slice(in, less(in))
	sort.Slice(got, less(got))
	if !slices.Equal(in, got) {
		t.Fatalf("ForEach = %v, want %v", got, in)
	}
}

func TestPruning(t *testing.T) {
	s := New[int](true)
	var stored []entry
	r := rand.New(rand.NewPCG(1, 2))
	toks := []string{"a", "b", "c", "*", "d"}
	for i := 0; i < 2000; i++ {
		n := 1 + r.IntN(5)
		subj := ""
		for j := 0; j < n; j++ {
			if j > 0 {
				subj += "."
			}
			subj += toks[r.IntN(len(toks))]
		}
		if r.IntN(4) == 0 {
			subj += ".>"
		}
		q := []string{"", "", "q", "r"}[r.IntN(4)]
		e := entry{subj, q, i}
		mustInsert(t, s, e.subject, e.queue, e.v)
		stored = append(stored, e)
	}
	if got, want := countNodes(s.root), s.nodes; got != want {
		t.Fatalf("countNodes = %d, s.nodes = %d", got, want)
	}
	r.Shuffle(len(stored), func(i, j int) { stored[i], stored[j] = stored[j], stored[i] })
	for i, e := range stored {
		mustRemove(t, s, e.subject, e.queue, e.v)
		if i%100 == 0 {
			if got, want := countNodes(s.root), s.nodes; got != want {
				t.Fatalf("after %d removes: countNodes = %d, s.nodes = %d", i+1, got, want)
			}
		}
	}
	if n := countNodes(s.root); n != 0 || s.nodes != 0 || !s.root.empty() || s.root.nodes != nil {
		t.Fatalf("trie not empty after removing everything: %d nodes (counter %d)", n, s.nodes)
	}
	if s.Count() != 0 {
		t.Fatalf("Count = %d", s.Count())
	}
}

func TestPruneKeepsSharedPrefix(t *testing.T) {
	s := New[int](false)
	mustInsert(t, s, "a.b.c", "", 1)
	mustInsert(t, s, "a", "", 2)
	mustInsert(t, s, "a.x", "", 3)
	mustRemove(t, s, "a.b.c", "", 1)
	if n := countNodes(s.root); n != 2 {
		t.Fatalf("%d nodes, want 2 (a, a.x)", n)
	}
	mustRemove(t, s, "a.x", "", 3)
	if n := countNodes(s.root); n != 1 || s.root.nodes["a"].next != nil {
		t.Fatalf("%d nodes, want only a with no next level", n)
	}
	if got := canon(s.MatchString("a")); got != "plain=[2]" {
		t.Fatalf("a -> %s", got)
	}
}

func TestLargeFanoutRemove(t *testing.T) {
	// Exercises the indexed subset, including duplicates.
	s := New[int](true)
	const n = 5000
	for i := 0; i < n; i++ {
		mustInsert(t, s, "big", "", i)
		mustInsert(t, s, "big", "q", i)
	}
	mustInsert(t, s, "big", "", 7) // duplicate
	mustInsert(t, s, "big", "", 7)
	if got := len(s.MatchString("big").Plain); got != n+2 {
		t.Fatalf("fanout %d, want %d", got, n+2)
	}
	for i := 0; i < n; i += 2 {
		mustRemove(t, s, "big", "", i)
		mustRemove(t, s, "big", "q", i)
	}
	mustRemove(t, s, "big", "", 7)
	mustRemove(t, s, "big", "", 7)
	r := s.MatchString("big")
	if len(r.Plain) != n/2 || len(r.Queues) != 1 || len(r.Queues[0].Members) != n/2 {
		t.Fatalf("after removes: plain %d, queues %v", len(r.Plain), len(r.Queues))
	}
	for _, v := range r.Plain {
		if v%2 == 0 {
			t.Fatalf("removed member %d still present", v)
		}
	}
	for i := 1; i < n; i += 2 {
		mustRemove(t, s, "big", "", i)
		mustRemove(t, s, "big", "q", i)
	}
	if err := s.Remove("big", "", 7); !errors.Is(err, ErrNotFound) {
		t.Fatalf("third remove of duplicate: %v", err)
	}
	if s.Count() != 0 || countNodes(s.root) != 0 {
		t.Fatalf("not empty: count %d nodes %d", s.Count(), countNodes(s.root))
	}
}

func TestSubsetRandom(t *testing.T) {
	// Random adds/removes with many duplicates against a multiset model.
	r := rand.New(rand.NewPCG(3, 4))
	var s subset[int]
	model := map[int]int{}
	total := 0
	for i := 0; i < 200000; i++ {
		v := r.IntN(60)
		if r.IntN(2) == 0 {
			s.add(v)
			model[v]++
			total++
		} else {
			ok := s.remove(v)
			if ok != (model[v] > 0) {
				t.Fatalf("step %d: remove(%d) = %v, model has %d", i, v, ok, model[v])
			}
			if ok {
				model[v]--
				total--
			}
		}
		if s.len() != total {
			t.Fatalf("step %d: len %d, want %d", i, s.len(), total)
		}
		if s.idx != nil {
			for x, p := range s.idx {
				if p >= len(s.items) || s.items[p] != x {
					t.Fatalf("step %d: idx[%d] = %d is stale", i, x, p)
				}
			}
		}
	}
}

// TestConcurrent runs inserts, removes and matches from several goroutines
// (run it under -race), then checks the final state against the oracle.
func TestConcurrent(t *testing.T) {
	for _, cache := range []bool{true, false} {
		t.Run(fmt.Sprintf("cache=%v", cache), func(t *testing.T) {
			s := New[int](cache)
			subjects := []string{"a.b.c", "a.*.c", "a.>", ">", "*.b.*", "a.b", "a.*", "x.y"}
			literals := []string{"a.b.c", "a.x.c", "a.b", "a.x", "x.y", "q.b.r", "a"}
			const writers, readers, ops = 4, 4, 2000
			finals := make([][]entry, writers)
			var wg sync.WaitGroup
			for w := 0; w < writers; w++ {
				wg.Add(1)
				go func(w int) {
					defer wg.Done()
					r := rand.New(rand.NewPCG(uint64(w), 9))
					var mine []entry
					for i := 0; i < ops; i++ {
						if len(mine) > 0 && r.IntN(3) == 0 {
							k := r.IntN(len(mine))
							e := mine[k]
							if err := s.Remove(e.subject, e.queue, e.v); err != nil {
								t.Errorf("Remove(%+v): %v", e, err)
								return
							}
							mine = append(mine[:k], mine[k+1:]...)
							if l := instance(e.subject); contains(s.MatchString(l), e.v) {
								t.Errorf("Match(%q) right after Remove(%+v) still has it", l, e)
								return
							}
							continue
						}
						e := entry{subjects[r.IntN(len(subjects))], []string{"", "q"}[r.IntN(2)], w*ops + i}
						if err := s.Insert(e.subject, e.queue, e.v); err != nil {
							t.Errorf("Insert(%+v): %v", e, err)
							return
						}
						// Read-your-writes despite concurrent cache fills.
						if l := instance(e.subject); !contains(s.MatchString(l), e.v) {
							t.Errorf("Match(%q) right after Insert(%+v) misses it", l, e)
							return
						}
						mine = append(mine, e)
					}
					finals[w] = mine
				}(w)
			}
			for g := 0; g < readers; g++ {
				wg.Add(1)
				go func(g int) {
					defer wg.Done()
					for i := 0; i < ops*2; i++ {
						l := literals[(i+g)%len(literals)]
						before := s.Generation()
						r := s.MatchString(l)
						checkResult(t, l, r)
						s.HasInterest([]byte(l))
						if s.Generation() < before {
							t.Errorf("generation went backwards")
						}
						if i%100 == 0 {
							s.Stats()
						}
					}
				}(g)
			}
			wg.Wait()
			var stored []entry
			for _, f := range finals {
				stored = append(stored, f...)
			}
			if int(s.Count()) != len(stored) {
				t.Fatalf("Count = %d, want %d", s.Count(), len(stored))
			}
			for _, l := range literals {
				for round := 0; round < 2; round++ {
					if got, want := canon(s.MatchString(l)), oracle(stored, l); got != want {
						t.Fatalf("final Match(%q) = %s, want %s", l, got, want)
					}
				}
			}
		})
	}
}

// instance returns a literal subject matched by the subscription subject.
func instance(subject string) string {
	return strings.NewReplacer("*", "x", ">", "x").Replace(subject)
}

func contains(r *Result[int], v int) bool {
	if slices.Contains(r.Plain, v) {
		return true
	}
	for _, g := range r.Queues {
		if slices.Contains(g.Members, v) {
			return true
		}
	}
	return false
}

func TestMatchInto(t *testing.T) {
	s := New[int](true)
	s.Insert("$JS.ACK.S.C.>", "", 1)
	s.Insert("$JS.ACK.*.C.>", "q", 2)
	var dst Result[int]
	r := s.MatchInto([]byte("$JS.ACK.S.C.1.2.3.4.5"), &dst)
	if len(r.Plain) != 1 || r.Plain[0] != 1 || len(r.Queues) != 1 || r.Queues[0].Members[0] != 2 {
		t.Fatalf("got %+v", r)
	}
	if r := s.MatchInto([]byte("$JS.ACK.X.D.1"), &dst); len(r.Plain) != 0 || len(r.Queues) != 0 {
		t.Fatalf("no match: %+v", r)
	}
	s.Insert("$JS.ACK.P.D.>", "", 3)
	subj := []byte("$JS.ACK.P.D.1.2.3.4.6")
	if n := testing.AllocsPerRun(100, func() { s.MatchInto(subj, &dst) }); n != 0 || len(dst.Plain) != 1 {
		t.Fatalf("%v allocations", n)
	}
}
