package sublist

import "slices"

// A subset holds the subscribers of one trie node (plain, or one queue
// group). Small sets, by far the common case, are a bare slice: appending
// and scanning a few elements beats any map, and the slice can be copied
// straight into match results. Once a set grows past indexAt an index
// from value to position is added so that unsubscribing from a subject
// with a huge fan-out does not cost O(n) per removal.
type subset[T comparable] struct {
	items []T
	// idx maps each distinct value to the position of one of its
	// occurrences (duplicates are legal, merely discouraged). So
	// len(items) > len(idx) exactly when duplicates are present.
	idx map[T]int
}

const (
	indexAt   = 32 // build the index when a set reaches this size
	unindexAt = 8  // drop it below this size (hysteresis avoids flapping)
)

func (s *subset[T]) len() int { return len(s.items) }

func (s *subset[T]) add(v T) {
	s.items = append(s.items, v)
	if s.idx != nil {
		if _, ok := s.idx[v]; !ok {
			s.idx[v] = len(s.items) - 1
		}
	} else if len(s.items) >= indexAt {
		s.idx = make(map[T]int, len(s.items))
		for i, x := range s.items {
			if _, ok := s.idx[x]; !ok {
				s.idx[x] = i
			}
		}
	}
}

// remove deletes one occurrence of v, reporting whether there was one.
// Order is not preserved (swap with last): match results are unordered.
func (s *subset[T]) remove(v T) bool {
	var p int
	if s.idx != nil {
		var ok bool
		if p, ok = s.idx[v]; !ok {
			return false
		}
	} else if p = slices.Index(s.items, v); p < 0 {
		return false
	}
	last := len(s.items) - 1
	moved := s.items[last]
	s.items[p] = moved
	var zero T
	s.items[last] = zero // let the GC have the handle
	s.items = s.items[:last]

	if s.idx != nil && (p == last || moved != v) {
		// When moved == v, another copy of v now sits at p, where idx
		// already points: nothing to fix. Otherwise v's entry is gone.
		delete(s.idx, v)
		if p != last && s.idx[moved] == last {
			s.idx[moved] = p
		}
		if len(s.items) > len(s.idx) { // duplicates exist: maybe of v
			if j := slices.Index(s.items, v); j >= 0 {
				s.idx[v] = j
			}
		}
	}
	if s.idx != nil && len(s.items) < unindexAt {
		s.idx = nil
	}
	// Give memory back after a mass unsubscribe.
	if c := cap(s.items); c >= 64 && len(s.items) <= c/4 {
		s.items = append(make([]T, 0, c/2), s.items...)
	}
	if len(s.items) == 0 {
		s.items = nil
	}
	return true
}
