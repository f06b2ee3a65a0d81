package store

import (
	"math/rand"
	"testing"
)

// TestSlotList drives the paged slot list and a plain slice with the same
// random operations and compares them.
func TestSlotList(t *testing.T) {
	rng := rand.New(rand.NewSource(7))
	var l slotList[int]
	var model []slot[int]
	next := 0
	for i := 0; i < 200000; i++ {
		switch op := rng.Intn(100); {
		case op < 70:
			next++
			s := slot[int]{ts: int64(next), p: next}
			l.push(s)
			model = append(model, s)
		case op < 85:
			k := rng.Intn(len(model)/4 + 2)
			l.dropFront(k)
			model = model[min(k, len(model)):]
		case op < 97:
			k := len(model) - rng.Intn(len(model)/8+2)
			if k < 0 {
				k = 0
			}
			l.truncate(k)
			model = model[:min(k, len(model))]
		default:
			l.reset()
			model = model[:0]
		}
		if l.len() != len(model) {
			t.Fatalf("op %d: len %d, model %d", i, l.len(), len(model))
		}
		if n := len(model); n > 0 {
			for _, j := range []int{0, n / 2, n - 1, rng.Intn(n)} {
				if *l.at(j) != model[j] {
					t.Fatalf("op %d: slot %d is %+v, model %+v", i, j, *l.at(j), model[j])
				}
			}
		}
	}
	if len(l.pages) > (l.len()+l.off)/slotPage+2 {
		t.Fatalf("%d pages hold %d slots", len(l.pages), l.len())
	}
}
