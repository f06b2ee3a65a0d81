package store

import (
	"os"
)

// lock takes the store's lock and reports whether it is open. It writes
// the deferred records first (DeferWrites): every call that uses it
// reads or changes the files. lockMem is for the calls that only look at
// memory (and for StoreMsg, which appends to the deferred records).
func (fs *fileStore) lock() bool {
	fs.mu.Lock()
	if fs.closed {
		return false
	}
	_ = fs.wflush() // an error sticks and is reported by Flush
	return true
}

func (fs *fileStore) lockMem() bool {
	fs.mu.Lock()
	return !fs.closed
}

// Flush writes the records DeferWrites kept in memory.
func (fs *fileStore) Flush() error {
	defer fs.mu.Unlock()
	if !fs.lockMem() {
		return ErrStoreClosed
	}
	return fs.wflush()
}

func (fs *fileStore) StoreMsg(subj string, hdr, msg []byte, ts, ttl int64) (uint64, error) {
	defer fs.mu.Unlock()
	if !fs.lockMem() {
		return 0, ErrStoreClosed
	}
	if fs.werr != nil {
		return 0, fs.werr
	}
	if err := fs.c.admit(subj, hdr, msg, ttl, true); err != nil {
		return 0, err
	}
	seq := fs.c.last + 1
	if err := fs.write(subj, hdr, msg, seq, ts, ttl); err != nil {
		return 0, err
	}
	return seq, nil
}

func (fs *fileStore) StoreRawMsg(subj string, hdr, msg []byte, seq uint64, ts, ttl int64) error {
	defer fs.mu.Unlock()
	if !fs.lockMem() {
		return ErrStoreClosed
	}
	if fs.werr != nil {
		return fs.werr
	}
	if seq <= fs.c.last {
		return ErrSequenceMismatch
	}
	if err := fs.c.admit(subj, hdr, msg, ttl, false); err != nil {
		return err
	}
	return fs.write(subj, hdr, msg, seq, ts, ttl)
}

func (fs *fileStore) SkipMsgs(seq, num uint64) error {
	defer fs.mu.Unlock()
	if !fs.lock() {
		return ErrStoreClosed
	}
	if err := fs.c.skip(seq, num); err != nil || num == 0 {
		return err
	}
	if err := fs.rotate(blockHeader{baseSeq: fs.c.last + 1, baseTs: fs.c.lastTs}); err != nil {
		return err
	}
	return fs.flush()
}

func (fs *fileStore) LoadMsg(seq uint64, sm *StoreMsg) (*StoreMsg, error) {
	defer fs.mu.Unlock()
	if !fs.lock() {
		return nil, ErrStoreClosed
	}
	sl := fs.c.live(seq)
	if sl == nil {
		if seq > fs.c.last {
			return nil, ErrStoreEOF
		}
		return nil, ErrMsgNotFound
	}
	return fs.read(seq, sl, sm)
}

func (fs *fileStore) LoadLastMsg(filter string, sm *StoreMsg) (*StoreMsg, error) {
	defer fs.mu.Unlock()
	if !fs.lock() {
		return nil, ErrStoreClosed
	}
	seq, ok := fs.c.lastMatch(newFilter(filter))
	if !ok {
		return nil, ErrMsgNotFound
	}
	return fs.read(seq, fs.c.live(seq), sm)
}

func (fs *fileStore) LoadNextMsg(filter string, start uint64, sm *StoreMsg) (*StoreMsg, error) {
	defer fs.mu.Unlock()
	if !fs.lock() {
		return nil, ErrStoreClosed
	}
	seq, ok := fs.c.nextMatch(newFilter(filter), start)
	if !ok {
		return nil, ErrStoreEOF
	}
	return fs.read(seq, fs.c.live(seq), sm)
}

func (fs *fileStore) RemoveMsg(seq uint64) (bool, error) { return fs.removeMsg(seq, false) }
func (fs *fileStore) EraseMsg(seq uint64) (bool, error)  { return fs.removeMsg(seq, true) }

func (fs *fileStore) removeMsg(seq uint64, erase bool) (bool, error) {
	defer fs.mu.Unlock()
	if !fs.lock() {
		return false, ErrStoreClosed
	}
	ok := fs.c.remove(seq, erase)
	return ok, fs.flush()
}

func (fs *fileStore) Purge() (uint64, error) {
	defer fs.mu.Unlock()
	if !fs.lock() {
		return 0, ErrStoreClosed
	}
	return fs.purge()
}

// purge removes everything: a new block whose floor is the next sequence
// makes it durable in one step, then the old blocks go.
func (fs *fileStore) purge() (uint64, error) {
	n := fs.c.purgeAll()
	next := fs.c.last + 1
	if err := fs.rotate(blockHeader{baseSeq: next, baseTs: fs.c.lastTs, floor: next}); err != nil {
		return n, err
	}
	return n, fs.flush()
}

// compact removes everything below seq. When that empties the store, a new
// block with the floor makes it durable in one step, as for purge; a
// partial compact writes deleted flags only (a crash half way leaves some
// of the messages, in a consistent store), so that frequent compacts do
// not each start a block.
func (fs *fileStore) compact(seq uint64) (uint64, error) {
	past := seq > fs.c.last+1
	n := fs.c.compact(seq)
	if n == 0 && !past {
		return 0, nil
	}
	if fs.c.msgs == 0 {
		if err := fs.rotate(blockHeader{baseSeq: fs.c.last + 1, baseTs: fs.c.lastTs, floor: seq}); err != nil {
			return n, err
		}
	}
	return n, fs.flush()
}

func (fs *fileStore) PurgeEx(subject string, seq, keep uint64) (uint64, error) {
	defer fs.mu.Unlock()
	if !fs.lock() {
		return 0, ErrStoreClosed
	}
	if f := newFilter(subject); f.all {
		switch {
		case seq > 0:
			return fs.compact(seq)
		case keep == 0:
			return fs.purge()
		}
	}
	n := fs.c.purgeEx(subject, seq, keep)
	return n, fs.flush()
}

func (fs *fileStore) Compact(seq uint64) (uint64, error) {
	defer fs.mu.Unlock()
	if !fs.lock() {
		return 0, ErrStoreClosed
	}
	return fs.compact(seq)
}

func (fs *fileStore) Truncate(seq uint64) error {
	defer fs.mu.Unlock()
	if !fs.lock() {
		return ErrStoreClosed
	}
	fs.dropWindows()
	if seq == fs.c.last {
		return nil
	}
	if err := fs.c.truncate(seq); err != nil {
		return err
	}
	// Blocks that start above seq go whole, newest first.
	for len(fs.order) > 0 {
		b := fs.order[len(fs.order)-1]
		if b.hdr.baseSeq <= seq {
			break
		}
		b.f.Close()
		if err := os.Remove(fs.blockPath(b.n)); err != nil {
			return err
		}
		delete(fs.blks, b.n)
		fs.order = fs.order[:len(fs.order)-1]
	}
	fs.active = nil
	// The block holding seq is cut after it.
	if len(fs.order) > 0 {
		b := fs.order[len(fs.order)-1]
		if err := fs.cutAfter(b, seq); err != nil {
			return err
		}
	}
	if _, err := fs.newBlock(blockHeader{baseSeq: seq + 1, baseTs: fs.c.lastTs}); err != nil {
		return err
	}
	return fs.flush()
}

// cutAfter truncates block b before its first record above seq.
func (fs *fileStore) cutAfter(b *fblock, seq uint64) error {
	data := make([]byte, b.size)
	if _, err := b.f.ReadAt(data, 0); err != nil {
		return err
	}
	off, records := int64(blockHeaderSize), 0
	for off < b.size {
		r, err := decodeRecord(data[off:], b.hdr, uint32(off), &fs.dec)
		if err != nil || r.seq > seq {
			break
		}
		off += int64(r.length)
		records++
	}
	if off == b.size {
		return nil
	}
	if err := b.f.Truncate(off); err != nil {
		return err
	}
	b.size, b.records, b.dirty = off, records, true
	return nil
}

func (fs *fileStore) blockPath(n uint32) string {
	return fs.fcfg.Dir + string(os.PathSeparator) + blockName(n)
}

func (fs *fileStore) ExpireOld(now int64, fn func(uint64, string)) uint64 {
	defer fs.mu.Unlock()
	if !fs.lock() {
		return 0
	}
	n := fs.c.expire(now, fn)
	if n > 0 {
		_ = fs.flush()
	}
	return n
}

func (fs *fileStore) ExpireOldMsgs(now int64, fn func(*StoreMsg)) uint64 {
	defer fs.mu.Unlock()
	if !fs.lock() {
		return 0
	}
	var sm StoreMsg
	n := fs.c.expire(now, func(seq uint64, _ string) {
		if sl := fs.c.live(seq); sl != nil {
			if m, err := fs.read(seq, sl, &sm); err == nil {
				fn(m)
			}
		}
	})
	if n > 0 {
		_ = fs.flush()
	}
	return n
}

func (fs *fileStore) NextExpiry() int64 {
	defer fs.mu.Unlock()
	fs.lockMem()
	return fs.c.nextExpiry()
}

func (fs *fileStore) State() State {
	defer fs.mu.Unlock()
	fs.lockMem()
	return fs.c.state()
}

func (fs *fileStore) FastState(st *State) {
	defer fs.mu.Unlock()
	fs.lockMem()
	fs.c.fastState(st)
}

func (fs *fileStore) FilteredState(seq uint64, filter string) SimpleState {
	defer fs.mu.Unlock()
	fs.lockMem()
	return fs.c.filteredState(seq, newFilter(filter))
}

func (fs *fileStore) SubjectsTotals(filter string) map[string]uint64 {
	defer fs.mu.Unlock()
	fs.lockMem()
	return fs.c.subjectsTotals(filter)
}

func (fs *fileStore) MultiLastSeqs(filters []string, maxSeq uint64, maxAllowed int) ([]uint64, error) {
	defer fs.mu.Unlock()
	fs.lock()
	return fs.c.multiLastSeqs(filters, maxSeq, maxAllowed)
}

func (fs *fileStore) NumPending(start uint64, filter string, lastPer bool) (uint64, uint64) {
	defer fs.mu.Unlock()
	fs.lockMem()
	return fs.c.numPending(start, filter, lastPer)
}

func (fs *fileStore) UpdateConfig(cfg Config) error {
	defer fs.mu.Unlock()
	if !fs.lock() {
		return ErrStoreClosed
	}
	fs.c.cfg = cfg
	fs.c.enforce("")
	return fs.flush()
}

func (fs *fileStore) Config() Config {
	defer fs.mu.Unlock()
	fs.lockMem()
	return fs.c.cfg
}

func (fs *fileStore) Sync() error {
	defer fs.mu.Unlock()
	if !fs.lock() {
		return ErrStoreClosed
	}
	return fs.syncLocked()
}

func (fs *fileStore) Stop() error {
	defer fs.mu.Unlock()
	if !fs.lock() {
		return nil
	}
	err := fs.flush()
	if serr := fs.syncLocked(); err == nil {
		err = serr
	}
	fs.closeFiles()
	fs.closed = true
	return err
}

func (fs *fileStore) Delete() error {
	defer fs.mu.Unlock()
	if fs.lock() {
		fs.closeFiles()
		fs.closed = true
	}
	return os.RemoveAll(fs.fcfg.Dir)
}
