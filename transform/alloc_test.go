package transform

import (
	"math/rand/v2"
	"testing"
)

// TestAllocAppend checks that mapping a message allocates nothing once the
// destination buffer is large enough: the server maps on its hot path.
func TestAllocAppend(t *testing.T) {
	if testing.Short() {
		t.Skip("allocation counts")
	}
	r := rand.New(rand.NewPCG(1, 2))
	cases := []struct{ src, dest, subject string }{
		{"orders.placed", "orders.created", "orders.placed"},
		{"orders.*.*.>", "dash.$2.{{wildcard(1)}}.>", "orders.eu.shop42.line.7"},
		{"orders.*.*", "o.{{partition(16,1,2)}}.{{partition(3)}}", "orders.eu.c-1"},
		{"ids.*", "{{split(1,-)}}.{{split(1,)}}.{{slicefromleft(1,4)}}.{{slicefromright(1,3)}}.{{splitfromleft(1,2)}}.{{splitfromright(1,2)}}.{{left(1,3)}}.{{right(1,3)}}.{{random(4)}}",
			"ids.2f1c-77ab-90de"},
	}
	buf := make([]byte, 0, 512)
	for _, c := range cases {
		tr, err := New(c.src, c.dest)
		if err != nil {
			t.Fatal(err)
		}
		subj := []byte(c.subject)
		if n := testing.AllocsPerRun(100, func() { buf, _ = tr.Append(buf[:0], subj, r) }); n != 0 {
			t.Errorf("%s -> %s: %v allocations per Append", c.src, c.dest, n)
		}
		if n := testing.AllocsPerRun(100, func() { _ = tr.Match(subj) }); n != 0 {
			t.Errorf("%s: %v allocations per Match", c.src, n)
		}
	}
	m, err := NewMapping("svc.*", []Destination{{Subject: "a.$1", Weight: 30, Cluster: "c"}, {Subject: "b.$1", Weight: 50}})
	if err != nil {
		t.Fatal(err)
	}
	subj := []byte("svc.x")
	for _, cl := range []string{"", "c", "other"} {
		if n := testing.AllocsPerRun(100, func() { buf, _ = m.Append(buf[:0], subj, cl, r) }); n != 0 {
			t.Errorf("weighted mapping (cluster %q): %v allocations", cl, n)
		}
		if n := testing.AllocsPerRun(100, func() { buf, _ = m.Append(buf[:0], subj, cl, nil) }); n != 0 {
			t.Errorf("weighted mapping, global rand (cluster %q): %v allocations", cl, n)
		}
	}
}
