package store

import (
	"container/heap"
	"math"
	"strings"
	"time"
)

// slot is the in-memory record of one sequence. P is what the
// implementation keeps per message: the bytes for the memory store, the
// location for the file store.
type slot[P any] struct {
	ts   int64
	sid  uint32 // subject id + 1; 0 means no message at this sequence
	size uint32 // accounted size of the message (core.size)
	p    P
}

// subjState is what the store knows about one subject. first and last are
// exact unless marked stale, in which case they are bounds (first <= the
// real first, last >= the real last) that a scan tightens on demand.
type subjState struct {
	name       string
	msgs       uint64
	first      uint64
	last       uint64
	firstStale bool
	lastStale  bool
}

// core is the bookkeeping both stores share: which sequences hold a
// message, per-subject state, limits and expiry. It does no I/O; the file
// store learns of each removal through onRemove.
type core[P any] struct {
	cfg    Config
	base   uint64 // sequence of slots[0]; the first sequence when not empty
	last   uint64
	lastTs int64
	slots  slotList[P] // [base, base+len); slot 0 is live when len > 0
	msgs   uint64
	bytes  uint64

	subjIDs map[string]uint32 // name -> id+1
	subjs   []subjState       // by id; name "" when free
	free    []uint32          // free ids

	memo memo // subject match memo for scans

	ttls  ttlHeap             // per-message TTL expiries
	never map[uint64]struct{} // messages exempt from MaxAge

	// size is the store's accounting of a message's bytes.
	size sizer

	// onRemove is called for each removed message, after the bookkeeping,
	// with erase set for EraseMsg. It must not keep s, which points to
	// removed: a slot of the core's own rather than a copy on the heap per
	// removal (a KV put removes the key's previous value).
	onRemove func(seq uint64, s *slot[P], erase bool)
	removed  slot[P]
}

func (c *core[P]) init(cfg Config, size sizer) {
	c.cfg, c.size = cfg, size
	c.subjIDs = make(map[string]uint32)
	c.never = make(map[uint64]struct{})
	first := cfg.FirstSeq
	if first == 0 {
		first = 1
	}
	c.base, c.last = first, first-1
}

func (c *core[P]) empty() bool { return c.msgs == 0 }

// slotAt returns the slot of seq, nil if outside the window.
func (c *core[P]) slotAt(seq uint64) *slot[P] {
	if seq < c.base || seq-c.base >= uint64(c.slots.len()) {
		return nil
	}
	return c.slots.at(int(seq - c.base))
}

// live returns the slot of seq if it holds a message.
func (c *core[P]) live(seq uint64) *slot[P] {
	if s := c.slotAt(seq); s != nil && s.sid != 0 {
		return s
	}
	return nil
}

func (c *core[P]) subj(sl *slot[P]) *subjState { return &c.subjs[sl.sid-1] }

// admit checks a new message against the limits that refuse messages.
func (c *core[P]) admit(subj string, hdr, msg []byte, ttl int64, discardNew bool) error {
	if !validStoreSubject(subj) {
		return ErrBadSubject
	}
	if c.cfg.MaxMsgSize > 0 && len(hdr)+len(msg) > int(c.cfg.MaxMsgSize) {
		return ErrMsgTooLarge
	}
	if ttl != 0 && !c.cfg.AllowMsgTTL {
		return ErrMsgTTLDisabled
	}
	size := c.size(len(subj), len(hdr), len(msg))
	if size > maxRecordSize-256 { // a record recovery would refuse
		return ErrMsgTooLarge
	}
	if c.cfg.MaxBytes > 0 && size > uint64(c.cfg.MaxBytes) {
		return ErrMaxBytes
	}
	if !discardNew || c.cfg.Discard != DiscardNew {
		return nil
	}
	if c.cfg.MaxMsgs > 0 && c.msgs+1 > uint64(c.cfg.MaxMsgs) {
		return ErrMaxMsgs
	}
	if c.cfg.MaxBytes > 0 && c.bytes+size > uint64(c.cfg.MaxBytes) {
		return ErrMaxBytes
	}
	if c.cfg.DiscardNewPerSubject && c.cfg.MaxMsgsPerSubject > 0 {
		if id, ok := c.subjIDs[subj]; ok && c.subjs[id-1].msgs >= uint64(c.cfg.MaxMsgsPerSubject) {
			return ErrMaxMsgsPerSubject
		}
	}
	return nil
}

// add records a message at seq (> last) and returns its slot, which the
// caller fills with its payload.
func (c *core[P]) add(seq uint64, subj string, size uint64, ts, ttl int64) *slot[P] {
	if c.msgs == 0 {
		c.slots.reset()
		c.base = seq
	}
	for c.base+uint64(c.slots.len()) < seq {
		c.slots.push(slot[P]{}) // a gap: deleted sequences
	}
	id, ok := c.subjIDs[subj]
	if !ok {
		// The caller's string may be a view of its buffer (the server
		// passes the subject without copying it): keep a copy.
		subj = strings.Clone(subj)
		if n := len(c.free); n > 0 {
			id = c.free[n-1] + 1
			c.free = c.free[:n-1]
			c.subjs[id-1] = subjState{name: subj}
		} else {
			c.subjs = append(c.subjs, subjState{name: subj})
			id = uint32(len(c.subjs))
		}
		c.subjIDs[subj] = id
	}
	ss := &c.subjs[id-1]
	if ss.msgs == 0 {
		ss.first, ss.firstStale = seq, false
	}
	ss.msgs++
	ss.last, ss.lastStale = seq, false
	c.slots.push(slot[P]{ts: ts, sid: id, size: uint32(size)})
	c.msgs++
	c.bytes += size
	c.last, c.lastTs = seq, ts
	switch {
	case ttl > 0:
		exp := int64(math.MaxInt64) // a TTL past the year 2262 never ends
		if ttl <= (math.MaxInt64-ts)/int64(time.Second) {
			exp = ts + ttl*int64(time.Second)
		}
		heap.Push(&c.ttls, ttlEntry{exp: exp, seq: seq})
	case ttl == TTLNever:
		c.never[seq] = struct{}{}
	}
	return c.slots.at(c.slots.len() - 1)
}

// remove takes the message at seq out of the index.
func (c *core[P]) remove(seq uint64, erase bool) bool {
	sl := c.live(seq)
	if sl == nil {
		return false
	}
	ss := c.subj(sl)
	ss.msgs--
	if ss.msgs == 0 {
		delete(c.subjIDs, ss.name)
		c.free = append(c.free, sl.sid-1)
		*ss = subjState{}
	} else {
		if seq == ss.first {
			ss.first, ss.firstStale = seq+1, true
		}
		if seq == ss.last {
			ss.last, ss.lastStale = seq-1, true
		}
	}
	c.msgs--
	c.bytes -= uint64(sl.size)
	delete(c.never, seq)
	c.removed = *sl
	sl.sid = 0
	var zero P
	sl.p = zero
	if c.onRemove != nil {
		c.onRemove(seq, &c.removed, erase)
	}
	c.trimFront()
	return true
}

// trimFront drops leading empty slots so that slots[0] is live.
func (c *core[P]) trimFront() {
	if c.msgs == 0 {
		c.slots.reset()
		c.base = c.last + 1
		return
	}
	i := 0
	for i < c.slots.len() && c.slots.at(i).sid == 0 {
		i++
	}
	if i > 0 {
		c.slots.dropFront(i)
		c.base += uint64(i)
	}
}

// subjFirst returns the exact first sequence of a subject.
func (c *core[P]) subjFirst(id uint32) uint64 {
	ss := &c.subjs[id-1]
	if ss.firstStale {
		for seq := max(ss.first, c.base); seq <= ss.last; seq++ {
			if s := c.slotAt(seq); s != nil && s.sid == id {
				ss.first = seq
				break
			}
		}
		ss.firstStale = false
	}
	return ss.first
}

// subjLast returns the exact last sequence of a subject.
func (c *core[P]) subjLast(id uint32) uint64 {
	ss := &c.subjs[id-1]
	if ss.lastStale {
		for seq := ss.last; seq >= c.base && seq >= ss.first; seq-- {
			if s := c.slotAt(seq); s != nil && s.sid == id {
				ss.last = seq
				break
			}
		}
		ss.lastStale = false
	}
	return ss.last
}

// matcher answers "does subject id match the filter" with a memo, so a scan
// over many messages matches each subject once. The memo lives in the core
// (callers hold the store's lock) and a generation number clears it in
// O(1), so a scan allocates nothing.
type matcher struct {
	f   filter
	gen uint32
}

// memo is the core's match memo: gen[id] == current generation means
// val[id] holds the answer for subject id.
type memo struct {
	cur uint32
	gen []uint32
	val []bool
}

func (c *core[P]) newMatcher(f filter) matcher {
	c.memo.cur++
	if c.memo.cur == 0 { // wrapped: old generations could look current
		clear(c.memo.gen)
		c.memo.cur = 1
	}
	return matcher{f: f, gen: c.memo.cur}
}

func (c *core[P]) matches(m *matcher, sid uint32) bool {
	if m.f.all {
		return true
	}
	i := int(sid - 1)
	if i < len(c.memo.gen) && c.memo.gen[i] == m.gen {
		return c.memo.val[i]
	}
	if n := len(c.subjs); len(c.memo.gen) < n {
		c.memo.gen = append(c.memo.gen, make([]uint32, n-len(c.memo.gen))...)
		c.memo.val = append(c.memo.val, make([]bool, n-len(c.memo.val))...)
	}
	v := m.f.match(c.subjs[i].name)
	c.memo.gen[i], c.memo.val[i] = m.gen, v
	return v
}

// nextMatch returns the first live sequence >= start matching f.
func (c *core[P]) nextMatch(f filter, start uint64) (uint64, bool) {
	if c.msgs == 0 {
		return 0, false
	}
	start = max(start, c.base)
	end := c.last
	var want uint32
	if f.literal {
		id, ok := c.subjIDs[f.subj]
		if !ok {
			return 0, false
		}
		want = id
		start = max(start, c.subjFirst(id))
		end = c.subjLast(id)
	}
	m := c.newMatcher(f)
	for seq := start; seq <= end; seq++ {
		s := c.slotAt(seq)
		if s == nil {
			break
		}
		if s.sid == 0 || (want != 0 && s.sid != want) {
			continue
		}
		if want != 0 || c.matches(&m, s.sid) {
			return seq, true
		}
	}
	return 0, false
}

// lastMatch returns the last live sequence matching f.
func (c *core[P]) lastMatch(f filter) (uint64, bool) {
	if c.msgs == 0 {
		return 0, false
	}
	switch {
	case f.all:
		for seq := c.last; seq >= c.base; seq-- {
			if c.live(seq) != nil {
				return seq, true
			}
		}
		return 0, false
	case f.literal:
		id, ok := c.subjIDs[f.subj]
		if !ok {
			return 0, false
		}
		return c.subjLast(id), true
	}
	var best uint64
	for i := range c.subjs {
		if c.subjs[i].msgs > 0 && f.match(c.subjs[i].name) {
			best = max(best, c.subjLast(uint32(i+1)))
		}
	}
	return best, best != 0
}

// filteredState counts the live messages >= seq matching f.
func (c *core[P]) filteredState(seq uint64, f filter) SimpleState {
	var st SimpleState
	if c.msgs == 0 {
		return st
	}
	seq = max(seq, c.base)
	if seq > c.last {
		return st
	}
	// Whole subjects at or after seq count without a scan; only a subject
	// straddling seq needs one.
	add := func(first, last, n uint64) {
		if st.Msgs == 0 || first < st.First {
			st.First = first
		}
		st.Last = max(st.Last, last)
		st.Msgs += n
	}
	each := func(id uint32) {
		ss := &c.subjs[id-1]
		last := c.subjLast(id)
		if last < seq {
			return
		}
		if first := c.subjFirst(id); first >= seq {
			add(first, last, ss.msgs)
			return
		}
		n, first := uint64(0), uint64(0)
		for q := seq; q <= last; q++ {
			if s := c.slotAt(q); s != nil && s.sid == id {
				if n == 0 {
					first = q
				}
				n++
			}
		}
		add(first, last, n)
	}
	switch {
	case f.literal:
		if id, ok := c.subjIDs[f.subj]; ok {
			each(id)
		}
		return st
	case f.all && seq == c.base:
		last, _ := c.lastMatch(f)
		return SimpleState{Msgs: c.msgs, First: c.base, Last: last}
	}
	// Few subjects: per subject; else one scan of the sequences.
	if uint64(len(c.subjIDs)) < (c.last-seq+1)/8 && !f.all {
		for i := range c.subjs {
			if c.subjs[i].msgs > 0 && f.match(c.subjs[i].name) {
				each(uint32(i + 1))
			}
		}
		return st
	}
	m := c.newMatcher(f)
	for q := seq; q <= c.last; q++ {
		s := c.slotAt(q)
		if s == nil {
			break
		}
		if s.sid != 0 && c.matches(&m, s.sid) {
			add(q, q, 1)
		}
	}
	return st
}

// ttlEntry is one message's TTL expiry.
type ttlEntry struct {
	exp int64
	seq uint64
}

// ttlHeap is a min-heap of expiries, ties broken by sequence so that the
// order (and so every store's state) is deterministic.
type ttlHeap []ttlEntry

func (h ttlHeap) Len() int { return len(h) }
func (h ttlHeap) Less(i, j int) bool {
	if h[i].exp != h[j].exp {
		return h[i].exp < h[j].exp
	}
	return h[i].seq < h[j].seq
}
func (h ttlHeap) Swap(i, j int) { h[i], h[j] = h[j], h[i] }
func (h *ttlHeap) Push(x any)   { *h = append(*h, x.(ttlEntry)) }
func (h *ttlHeap) Pop() any {
	old := *h
	e := old[len(old)-1]
	*h = old[:len(old)-1]
	return e
}
