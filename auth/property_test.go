package auth

import (
	"math/rand/v2"
	"strings"
	"testing"
)

// textMatch is a naive model of the textual lookup: pattern wildcards
// match any token(s) of s, literal pattern tokens only themselves.
func textMatch(pattern, s string) bool {
	pt, st := strings.Split(pattern, "."), strings.Split(s, ".")
	for i, p := range pt {
		if p == ">" {
			return len(st) > i
		}
		if i >= len(st) || (p != "*" && p != st[i]) {
			return false
		}
	}
	return len(pt) == len(st)
}

// modelSub is a naive model of CanSubscribe over entry lists.
func modelSub(allow, deny []entry, subject, queue string) bool {
	if allow != nil {
		plain, queued, qok := false, false, false
		for _, e := range allow {
			if !textMatch(e.subject, subject) {
				continue
			}
			if e.queue == "" {
				plain = true
			} else {
				queued = true
				qok = qok || (queue != "" && queueMatches(queue, e.queue))
			}
		}
		ok := plain
		if queue != "" && queued {
			ok = qok
		}
		if !ok {
			return false
		}
	}
	for _, e := range deny {
		if textMatch(e.subject, subject) && (e.queue == "" || (queue != "" && queueMatches(queue, e.queue))) {
			return false
		}
	}
	return true
}

var propTokens = []string{"a", "b", "*", ">"}

func randPattern(r *rand.Rand) string {
	n := 1 + r.IntN(3)
	toks := make([]string, n)
	for i := range toks {
		toks[i] = propTokens[r.IntN(len(propTokens))]
		if toks[i] == ">" && i != n-1 {
			toks[i] = "*"
		}
	}
	return strings.Join(toks, ".")
}

func randLiteral(r *rand.Rand) string {
	n := 1 + r.IntN(4)
	toks := make([]string, n)
	for i := range toks {
		toks[i] = propTokens[r.IntN(2)]
	}
	return strings.Join(toks, ".")
}

func randEntries(r *rand.Rand) ([]string, []entry) {
	n := r.IntN(4)
	if n == 0 {
		return nil, nil
	}
	var strs []string
	var es []entry
	for range n {
		e := entry{subject: randPattern(r)}
		if r.IntN(3) == 0 {
			e.queue = []string{"q", "r", "*", ">", "q.*"}[r.IntN(5)]
		}
		es = append(es, e)
		if e.queue != "" {
			strs = append(strs, e.subject+" "+e.queue)
		} else {
			strs = append(strs, e.subject)
		}
	}
	return strs, es
}

// TestPropertyModel checks the trie against the naive model, and that
// SubNeedsDeliveryCheck is never wrong when it answers false.
func TestPropertyModel(t *testing.T) {
	r := rand.New(rand.NewPCG(1, 2))
	queues := []string{"", "q", "r", "q.x", "*"}
	for iter := 0; iter < 3000; iter++ {
		as, ae := randEntries(r)
		ds, de := randEntries(r)
		c := mustCompile(t, subPerm(as, ds))
		if c == nil {
			continue
		}
		cache := c.NewCache()
		for range 20 {
			sub, q := randPattern(r), queues[r.IntN(len(queues))]
			want := modelSub(ae, de, sub, q)
			if got := c.CanSubscribe(sub, q); got != want {
				t.Fatalf("allow %q deny %q: CanSubscribe(%q, %q) = %v, model %v", as, ds, sub, q, got, want)
			}
			if !want {
				continue
			}
			needs := c.SubNeedsDeliveryCheck(sub, q)
			for range 20 {
				m := randLiteral(r)
				if !textMatch(sub, m) {
					continue
				}
				ok := c.CanDeliver(cache, []byte(m), q)
				if ok != modelSub(ae, de, m, q) {
					t.Fatalf("allow %q deny %q: CanDeliver(%q, %q) = %v, model disagrees", as, ds, m, q, ok)
				}
				if !ok && !needs {
					t.Fatalf("allow %q deny %q: SUB %q %q: %q must be withheld but SubNeedsDeliveryCheck is false", as, ds, sub, q, m)
				}
			}
		}
	}
}

func TestSubjectHelpers(t *testing.T) {
	r := rand.New(rand.NewPCG(3, 4))
	for range 20000 {
		a, b := randPattern(r), randPattern(r)
		// Brute force over literals of up to 4 tokens from {a, b}.
		both, aNotB := false, false
		for n := 1; n <= 4; n++ {
			for bits := 0; bits < 1<<n; bits++ {
				toks := make([]string, n)
				for i := range toks {
					toks[i] = propTokens[(bits>>i)&1]
				}
				m := strings.Join(toks, ".")
				ma, mb := textMatch(a, m), textMatch(b, m)
				both = both || (ma && mb)
				aNotB = aNotB || (ma && !mb)
			}
		}
		// ">" reaches beyond 4 tokens: only the subset answer can
		// differ there, when a has ">" and b does not.
		if got := intersect(a, b); got != both {
			t.Fatalf("intersect(%q, %q) = %v, want %v", a, b, got, both)
		}
		if got := subset(a, b); got && aNotB {
			t.Fatalf("subset(%q, %q) = true but a literal of a escapes b", a, b)
		} else if !got && !aNotB && !(strings.HasSuffix(a, ">") && !strings.HasSuffix(b, ">")) {
			t.Fatalf("subset(%q, %q) = false, want true", a, b)
		}
	}
}
