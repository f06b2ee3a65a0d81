package store

import (
	"sync"
)

// memMsg is what the memory store keeps per message.
type memMsg struct {
	buf  []byte // headers then payload
	hlen uint32
	ttl  int64
}

// memStore is the memory Store: a core with the bytes in the slots. It
// does no I/O.
type memStore struct {
	mu     sync.Mutex
	c      core[memMsg]
	closed bool
}

// NewMemStore returns an empty memory store.
func NewMemStore(cfg Config) Store { return newMemStore(cfg, memSize) }

// newMemStore is a memory store with another byte accounting: tests compare
// it with a file store byte for byte.
func newMemStore(cfg Config, size sizer) *memStore {
	ms := &memStore{}
	ms.c.init(cfg, size)
	return ms
}

func (ms *memStore) StoreMsg(subj string, hdr, msg []byte, ts, ttl int64) (uint64, error) {
	ms.mu.Lock()
	defer ms.mu.Unlock()
	if ms.closed {
		return 0, ErrStoreClosed
	}
	if err := ms.c.admit(subj, hdr, msg, ttl, true); err != nil {
		return 0, err
	}
	seq := ms.c.last + 1
	ms.put(subj, hdr, msg, seq, ts, ttl)
	return seq, nil
}

func (ms *memStore) StoreRawMsg(subj string, hdr, msg []byte, seq uint64, ts, ttl int64) error {
	ms.mu.Lock()
	defer ms.mu.Unlock()
	if ms.closed {
		return ErrStoreClosed
	}
	if seq <= ms.c.last {
		return ErrSequenceMismatch
	}
	if err := ms.c.admit(subj, hdr, msg, ttl, false); err != nil {
		return err
	}
	ms.put(subj, hdr, msg, seq, ts, ttl)
	return nil
}

func (ms *memStore) put(subj string, hdr, msg []byte, seq uint64, ts, ttl int64) {
	buf := make([]byte, len(hdr)+len(msg))
	copy(buf, hdr)
	copy(buf[len(hdr):], msg)
	sl := ms.c.add(seq, subj, ms.c.size(len(subj), len(hdr), len(msg)), ts, ttl)
	sl.p = memMsg{buf: buf, hlen: uint32(len(hdr)), ttl: ttl}
	ms.c.enforce(subj)
}

func (ms *memStore) SkipMsgs(seq, num uint64) error {
	ms.mu.Lock()
	defer ms.mu.Unlock()
	if ms.closed {
		return ErrStoreClosed
	}
	return ms.c.skip(seq, num)
}

func (ms *memStore) load(seq uint64, sm *StoreMsg) (*StoreMsg, error) {
	sl := ms.c.live(seq)
	if sl == nil {
		if seq > ms.c.last {
			return nil, ErrStoreEOF
		}
		return nil, ErrMsgNotFound
	}
	if sm == nil {
		sm = new(StoreMsg)
	}
	m := &sl.p
	sm.fill(ms.c.subj(sl).name, m.buf[:m.hlen], m.buf[m.hlen:], seq, sl.ts, m.ttl)
	return sm, nil
}

func (ms *memStore) LoadMsg(seq uint64, sm *StoreMsg) (*StoreMsg, error) {
	ms.mu.Lock()
	defer ms.mu.Unlock()
	if ms.closed {
		return nil, ErrStoreClosed
	}
	return ms.load(seq, sm)
}

func (ms *memStore) LoadLastMsg(filter string, sm *StoreMsg) (*StoreMsg, error) {
	ms.mu.Lock()
	defer ms.mu.Unlock()
	if ms.closed {
		return nil, ErrStoreClosed
	}
	seq, ok := ms.c.lastMatch(newFilter(filter))
	if !ok {
		return nil, ErrMsgNotFound
	}
	return ms.load(seq, sm)
}

func (ms *memStore) LoadNextMsg(filter string, start uint64, sm *StoreMsg) (*StoreMsg, error) {
	ms.mu.Lock()
	defer ms.mu.Unlock()
	if ms.closed {
		return nil, ErrStoreClosed
	}
	seq, ok := ms.c.nextMatch(newFilter(filter), start)
	if !ok {
		return nil, ErrStoreEOF
	}
	return ms.load(seq, sm)
}

func (ms *memStore) RemoveMsg(seq uint64) (bool, error) { return ms.removeMsg(seq, false) }
func (ms *memStore) EraseMsg(seq uint64) (bool, error)  { return ms.removeMsg(seq, true) }

func (ms *memStore) removeMsg(seq uint64, erase bool) (bool, error) {
	ms.mu.Lock()
	defer ms.mu.Unlock()
	if ms.closed {
		return false, ErrStoreClosed
	}
	if erase {
		if sl := ms.c.live(seq); sl != nil {
			clear(sl.p.buf)
		}
	}
	return ms.c.remove(seq, erase), nil
}

// mutate runs fn under the lock unless the store is closed.
func (ms *memStore) mutate(fn func() error) error {
	ms.mu.Lock()
	defer ms.mu.Unlock()
	if ms.closed {
		return ErrStoreClosed
	}
	return fn()
}

func (ms *memStore) Purge() (n uint64, err error) {
	err = ms.mutate(func() error { n = ms.c.purgeAll(); return nil })
	return n, err
}

func (ms *memStore) PurgeEx(subject string, seq, keep uint64) (n uint64, err error) {
	err = ms.mutate(func() error { n = ms.c.purgeEx(subject, seq, keep); return nil })
	return n, err
}

func (ms *memStore) Compact(seq uint64) (n uint64, err error) {
	err = ms.mutate(func() error { n = ms.c.compact(seq); return nil })
	return n, err
}

func (ms *memStore) Truncate(seq uint64) error {
	return ms.mutate(func() error { return ms.c.truncate(seq) })
}

func (ms *memStore) ExpireOld(now int64, fn func(uint64, string)) (n uint64) {
	_ = ms.mutate(func() error { n = ms.c.expire(now, fn); return nil })
	return n
}

func (ms *memStore) ExpireOldMsgs(now int64, fn func(*StoreMsg)) (n uint64) {
	var sm StoreMsg
	_ = ms.mutate(func() error {
		n = ms.c.expire(now, func(seq uint64, _ string) {
			if m, err := ms.load(seq, &sm); err == nil {
				fn(m)
			}
		})
		return nil
	})
	return n
}

func (ms *memStore) NextExpiry() int64 {
	ms.mu.Lock()
	defer ms.mu.Unlock()
	return ms.c.nextExpiry()
}

func (ms *memStore) State() State {
	ms.mu.Lock()
	defer ms.mu.Unlock()
	return ms.c.state()
}

func (ms *memStore) FastState(st *State) {
	ms.mu.Lock()
	defer ms.mu.Unlock()
	ms.c.fastState(st)
}

func (ms *memStore) FilteredState(seq uint64, filter string) SimpleState {
	ms.mu.Lock()
	defer ms.mu.Unlock()
	return ms.c.filteredState(seq, newFilter(filter))
}

func (ms *memStore) SubjectsTotals(filter string) map[string]uint64 {
	ms.mu.Lock()
	defer ms.mu.Unlock()
	return ms.c.subjectsTotals(filter)
}

func (ms *memStore) MultiLastSeqs(filters []string, maxSeq uint64, maxAllowed int) ([]uint64, error) {
	ms.mu.Lock()
	defer ms.mu.Unlock()
	return ms.c.multiLastSeqs(filters, maxSeq, maxAllowed)
}

func (ms *memStore) NumPending(start uint64, filter string, lastPer bool) (uint64, uint64) {
	ms.mu.Lock()
	defer ms.mu.Unlock()
	return ms.c.numPending(start, filter, lastPer)
}

func (ms *memStore) UpdateConfig(cfg Config) error {
	return ms.mutate(func() error {
		ms.c.cfg = cfg
		ms.c.enforce("")
		return nil
	})
}

func (ms *memStore) Config() Config {
	ms.mu.Lock()
	defer ms.mu.Unlock()
	return ms.c.cfg
}

func (ms *memStore) Sync() error { return nil }

// Flush is a no-op: a memory store has nothing to write.
func (ms *memStore) Flush() error { return nil }

func (ms *memStore) Check() error {
	ms.mu.Lock()
	defer ms.mu.Unlock()
	return ms.c.check(func(_ uint64, s *slot[memMsg]) uint64 {
		return ms.c.size(len(ms.c.subj(s).name), int(s.p.hlen), len(s.p.buf)-int(s.p.hlen))
	})
}

func (ms *memStore) Stop() error {
	ms.mu.Lock()
	defer ms.mu.Unlock()
	ms.closed = true
	return nil
}

func (ms *memStore) Delete() error {
	ms.mu.Lock()
	defer ms.mu.Unlock()
	ms.closed = true
	ms.c.slots.reset()
	return nil
}
