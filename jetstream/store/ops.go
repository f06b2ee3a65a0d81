package store

import (
	"container/heap"
	"slices"
	"sort"
)

// enforce removes the oldest messages until the limits hold. subj, when
// not empty, limits the per-subject pass to that subject (the one just
// stored); otherwise every subject is checked.
func (c *core[P]) enforce(subj string) {
	if lim := c.cfg.MaxMsgsPerSubject; lim > 0 {
		check := func(id uint32) {
			for c.subjs[id-1].msgs > uint64(lim) {
				c.remove(c.subjFirst(id), false)
			}
		}
		if subj != "" {
			if id, ok := c.subjIDs[subj]; ok {
				check(id)
			}
		} else {
			for i := range c.subjs {
				if c.subjs[i].msgs > uint64(lim) {
					check(uint32(i + 1))
				}
			}
		}
	}
	if lim := c.cfg.MaxMsgs; lim > 0 {
		for c.msgs > uint64(lim) {
			c.remove(c.base, false)
		}
	}
	if lim := c.cfg.MaxBytes; lim > 0 {
		for c.bytes > uint64(lim) {
			c.remove(c.base, false)
		}
	}
}

// purgeAll removes every message.
func (c *core[P]) purgeAll() uint64 {
	n := c.msgs
	for c.msgs > 0 {
		c.remove(c.base, false)
	}
	return n
}

// purgeEx implements Store.PurgeEx.
func (c *core[P]) purgeEx(subject string, seq, keep uint64) uint64 {
	f := newFilter(subject)
	if f.all {
		switch {
		case seq > 0:
			return c.compact(seq)
		case keep > 0:
			if keep >= c.msgs {
				return 0
			}
			var n uint64
			for c.msgs > keep {
				c.remove(c.base, false)
				n++
			}
			return n
		}
		return c.purgeAll()
	}
	if c.msgs == 0 {
		return 0
	}
	from, to := c.base, c.last
	if seq > 0 {
		if seq <= from {
			return 0
		}
		to = min(to, seq-1)
	}
	var want uint32
	if f.literal {
		id, ok := c.subjIDs[f.subj]
		if !ok {
			return 0
		}
		want = id
		from = max(from, c.subjFirst(id))
		to = min(to, c.subjLast(id))
	}
	// keep counts the matching messages as a whole (not per subject), as
	// nats-server does; ascending order removes the oldest first.
	limit := ^uint64(0)
	if keep > 0 {
		total := c.filteredState(0, f).Msgs
		if total <= keep {
			return 0
		}
		limit = total - keep
	}
	var n uint64
	m := c.newMatcher(f)
	for q := from; q <= to && n < limit; q++ {
		if q < c.base { // a removal moved the front past q
			q = c.base - 1
			continue
		}
		s := c.slotAt(q)
		if s == nil {
			break
		}
		sid := s.sid
		if sid == 0 || (want != 0 && sid != want) || (want == 0 && !c.matches(&m, sid)) {
			continue
		}
		c.remove(q, false)
		n++
	}
	return n
}

// compact removes every message below seq. Past the end it empties the
// store and moves the next sequence to seq.
func (c *core[P]) compact(seq uint64) uint64 {
	if seq == 0 {
		return 0
	}
	var n uint64
	for c.msgs > 0 && c.base < seq {
		c.remove(c.base, false)
		n++
	}
	if seq > c.last+1 {
		c.last = seq - 1
		c.base = seq
	} else if c.msgs == 0 {
		c.base = c.last + 1
	}
	return n
}

// truncate removes every message above seq and makes seq the last one.
func (c *core[P]) truncate(seq uint64) error {
	if seq > c.last {
		return ErrInvalidSequence
	}
	if seq == c.last {
		return nil
	}
	// The last time becomes that of the last message left, if any: deleted
	// slots carry no time a reopened file store would know.
	lastTs := c.lastTs
	for q := seq; q >= c.base && c.msgs > 0; q-- {
		if s := c.live(q); s != nil {
			lastTs = s.ts
			break
		}
	}
	for q := c.last; q > seq && c.msgs > 0; q-- {
		c.remove(q, false)
	}
	if end := seq - c.base + 1; c.msgs > 0 && uint64(c.slots.len()) > end {
		c.slots.truncate(int(end))
	}
	c.last, c.lastTs = seq, lastTs
	if c.msgs == 0 {
		c.slots.reset()
		c.base = seq + 1
	}
	// A sequence above seq may be stored again: forget its old TTL.
	h := c.ttls[:0]
	for _, e := range c.ttls {
		if e.seq <= seq {
			h = append(h, e)
		}
	}
	c.ttls = h
	heap.Init(&c.ttls)
	return nil
}

// skip moves the last sequence to seq+num-1 (seq must be last+1).
func (c *core[P]) skip(seq, num uint64) error {
	if seq != c.last+1 {
		return ErrSequenceMismatch
	}
	if num == 0 {
		return nil
	}
	c.last = seq + num - 1
	if c.msgs == 0 {
		c.base = c.last + 1
	}
	return nil
}

// expire removes expired messages: TTLs first, then MaxAge.
func (c *core[P]) expire(now int64, fn func(uint64, string)) uint64 {
	var n uint64
	rm := func(seq uint64) {
		sl := c.live(seq)
		if sl == nil {
			return
		}
		if fn != nil {
			// Before the removal, so that the store can still load it.
			fn(seq, c.subj(sl).name)
		}
		c.remove(seq, false)
		n++
	}
	for len(c.ttls) > 0 && c.ttls[0].exp <= now {
		e := heap.Pop(&c.ttls).(ttlEntry)
		rm(e.seq)
	}
	if c.cfg.MaxAge > 0 {
		cutoff := now - int64(c.cfg.MaxAge)
		for q := c.base; q <= c.last && c.msgs > 0; q++ {
			if q < c.base { // a removal moved the front past q
				q = c.base - 1
				continue
			}
			s := c.slotAt(q)
			if s == nil {
				break
			}
			if s.sid == 0 {
				continue
			}
			if s.ts > cutoff {
				break
			}
			if _, ok := c.never[q]; ok {
				continue
			}
			rm(q)
		}
	}
	return n
}

// nextExpiry is the earliest time expire would remove a message.
func (c *core[P]) nextExpiry() int64 {
	var next int64
	for len(c.ttls) > 0 && c.live(c.ttls[0].seq) == nil {
		heap.Pop(&c.ttls)
	}
	if len(c.ttls) > 0 {
		next = c.ttls[0].exp
	}
	if c.cfg.MaxAge > 0 {
		for q := c.base; q <= c.last; q++ {
			s := c.slotAt(q)
			if s == nil {
				break
			}
			if _, ok := c.never[q]; s.sid == 0 || ok {
				continue
			}
			if t := s.ts + int64(c.cfg.MaxAge); next == 0 || t < next {
				next = t
			}
			break
		}
	}
	return next
}

// fastState fills st without the deleted list.
func (c *core[P]) fastState(st *State) {
	*st = State{Msgs: c.msgs, Bytes: c.bytes, LastSeq: c.last, LastTime: c.lastTs,
		NumSubjects: uint64(len(c.subjIDs))}
	st.FirstSeq = c.base
	if c.msgs == 0 {
		st.FirstSeq = c.last + 1
	} else {
		st.FirstTime = c.slots.at(0).ts
		st.NumDeleted = c.last - c.base + 1 - c.msgs
	}
}

// state is fastState plus the deleted list.
func (c *core[P]) state() State {
	var st State
	c.fastState(&st)
	if st.NumDeleted > 0 {
		st.Deleted = make([]uint64, 0, st.NumDeleted)
		for q := c.base; q <= c.last; q++ {
			if c.live(q) == nil {
				st.Deleted = append(st.Deleted, q)
			}
		}
	}
	return st
}

// subjectsTotals counts messages per subject matching filter.
func (c *core[P]) subjectsTotals(filter string) map[string]uint64 {
	f := newFilter(filter)
	out := make(map[string]uint64)
	for i := range c.subjs {
		if ss := &c.subjs[i]; ss.msgs > 0 && f.match(ss.name) {
			out[ss.name] = ss.msgs
		}
	}
	return out
}

// numPending implements Store.NumPending.
func (c *core[P]) numPending(start uint64, filter string, lastPer bool) (uint64, uint64) {
	f := newFilter(filter)
	if !lastPer {
		return c.filteredState(start, f).Msgs, c.last
	}
	var n uint64
	for i := range c.subjs {
		if ss := &c.subjs[i]; ss.msgs > 0 && f.match(ss.name) && c.subjLast(uint32(i+1)) >= start {
			n++
		}
	}
	return n, c.last
}

// multiLastSeqs implements Store.MultiLastSeqs.
func (c *core[P]) multiLastSeqs(filters []string, maxSeq uint64, maxAllowed int) ([]uint64, error) {
	fs := make([]filter, 0, max(1, len(filters)))
	for _, f := range filters {
		fs = append(fs, newFilter(f))
	}
	if len(fs) == 0 {
		fs = append(fs, newFilter(""))
	}
	match := func(name string) bool {
		for i := range fs {
			if fs[i].match(name) {
				return true
			}
		}
		return false
	}
	if maxSeq == 0 || maxSeq > c.last {
		maxSeq = c.last
	}
	var out []uint64
	if maxSeq == c.last {
		for i := range c.subjs {
			if c.subjs[i].msgs > 0 && match(c.subjs[i].name) {
				out = append(out, c.subjLast(uint32(i+1)))
			}
		}
	} else {
		// Below the end: walk back from maxSeq; the first message seen of
		// each subject is its last one there.
		wanted := 0
		for i := range c.subjs {
			if c.subjs[i].msgs > 0 && match(c.subjs[i].name) {
				wanted++
			}
		}
		seen := make(map[uint32]bool, wanted)
		for q := maxSeq; q >= c.base && len(seen) < wanted && c.msgs > 0; q-- {
			s := c.live(q)
			if s == nil || seen[s.sid] || !match(c.subjs[s.sid-1].name) {
				continue
			}
			seen[s.sid] = true
			out = append(out, q)
		}
	}
	if maxAllowed > 0 && len(out) > maxAllowed {
		return nil, ErrTooManyResults
	}
	slices.Sort(out)
	return out, nil
}

// subjectNames returns the live subjects, sorted (for checks and tests).
func (c *core[P]) subjectNames() []string {
	out := make([]string, 0, len(c.subjIDs))
	for name := range c.subjIDs {
		out = append(out, name)
	}
	sort.Strings(out)
	return out
}
