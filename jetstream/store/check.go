package store

import "fmt"

// check verifies the core's invariants. size recomputes a live slot's
// accounted size from what the implementation holds.
func (c *core[P]) check(size func(uint64, *slot[P]) uint64) error {
	if c.msgs == 0 {
		if len(c.slots) != 0 || c.base != c.last+1 {
			return fmt.Errorf("empty store: %d slots, base %d, last %d", len(c.slots), c.base, c.last)
		}
	} else {
		if c.slots[0].sid == 0 {
			return fmt.Errorf("first slot (seq %d) is not live", c.base)
		}
		if c.base+uint64(len(c.slots))-1 > c.last {
			return fmt.Errorf("slots reach %d past last %d", c.base+uint64(len(c.slots))-1, c.last)
		}
	}
	type tally struct{ n, first, last uint64 }
	per := make(map[uint32]*tally)
	var msgs, bytes uint64
	for i := range c.slots {
		s := &c.slots[i]
		if s.sid == 0 {
			continue
		}
		seq := c.base + uint64(i)
		if int(s.sid) > len(c.subjs) || c.subjs[s.sid-1].name == "" {
			return fmt.Errorf("seq %d: subject id %d is free", seq, s.sid)
		}
		if got := size(seq, s); got != uint64(s.size) {
			return fmt.Errorf("seq %d: size %d, recomputed %d", seq, s.size, got)
		}
		msgs++
		bytes += uint64(s.size)
		t := per[s.sid]
		if t == nil {
			t = &tally{first: seq}
			per[s.sid] = t
		}
		t.n++
		t.last = seq
	}
	if msgs != c.msgs || bytes != c.bytes {
		return fmt.Errorf("counted %d msgs %d bytes, state says %d msgs %d bytes", msgs, bytes, c.msgs, c.bytes)
	}
	if len(per) != len(c.subjIDs) {
		return fmt.Errorf("%d subjects hold messages, index has %d", len(per), len(c.subjIDs))
	}
	for name, id := range c.subjIDs {
		ss := &c.subjs[id-1]
		t := per[id]
		if ss.name != name || t == nil {
			return fmt.Errorf("subject %q: id %d names %q or holds nothing", name, id, ss.name)
		}
		if ss.msgs != t.n {
			return fmt.Errorf("subject %q: %d msgs, counted %d", name, ss.msgs, t.n)
		}
		if ss.first > t.first || (!ss.firstStale && ss.first != t.first) {
			return fmt.Errorf("subject %q: first %d (stale %v), real %d", name, ss.first, ss.firstStale, t.first)
		}
		if ss.last < t.last || (!ss.lastStale && ss.last != t.last) {
			return fmt.Errorf("subject %q: last %d (stale %v), real %d", name, ss.last, ss.lastStale, t.last)
		}
	}
	for _, id := range c.free {
		if c.subjs[id].name != "" {
			return fmt.Errorf("free subject id %d names %q", id+1, c.subjs[id].name)
		}
	}
	if len(c.free)+len(c.subjIDs) != len(c.subjs) {
		return fmt.Errorf("%d free + %d used subject ids, %d allocated", len(c.free), len(c.subjIDs), len(c.subjs))
	}
	for seq := range c.never {
		if c.live(seq) == nil {
			return fmt.Errorf("never-expire seq %d holds no message", seq)
		}
	}
	return nil
}
