package store

import (
	"encoding/binary"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"sort"
	"sync"
)

// FileConfig is what a file store needs beyond the limits.
type FileConfig struct {
	// Dir is the store's own directory; it is created if missing.
	Dir string
	// BlockSize is the size at which a block is closed and a new one
	// started (default 8 MiB, at most 1 GiB).
	BlockSize int64
	// SyncAlways calls fsync after every write. Otherwise records are
	// durable once the caller calls Sync (on its sync interval).
	SyncAlways bool
	// DeferWrites keeps the records StoreMsg appends in memory until
	// Flush (or any other call that reads or changes the files), so that
	// many messages cost one write(2). The caller must Flush before it
	// acknowledges a message; what was not flushed is lost by a crash.
	DeferWrites bool
	// Cipher encrypts new blocks at rest with Key (any length; the AEAD
	// key is derived from it with HKDF-SHA256). Blocks written without
	// encryption stay readable; encrypted blocks need the same key.
	Cipher Cipher
	Key    []byte
}

// Cipher is an at-rest encryption algorithm.
type Cipher int

const (
	// NoCipher stores blocks in the clear.
	NoCipher Cipher = iota
	// AES256GCM encrypts with AES-256 in GCM mode (crypto/cipher).
	AES256GCM
	// ChaCha20Poly1305 encrypts with ChaCha20-Poly1305.
	ChaCha20Poly1305
)

// DefaultBlockSize is the block size when FileConfig.BlockSize is 0.
const DefaultBlockSize = 8 << 20

// Recovery reports what OpenFileStore found.
type Recovery struct {
	Blocks  int       // block files read
	Msgs    uint64    // live messages recovered
	Dropped []Dropped // damaged data dropped, for the server to log
}

// Dropped is one piece of a block that recovery could not use.
type Dropped struct {
	Block  string // file name
	Offset int64  // where the dropped bytes started
	Bytes  int64  // how many bytes were dropped
	Reason string
}

func (d Dropped) String() string {
	return fmt.Sprintf("%s: dropped %d bytes at offset %d: %s", d.Block, d.Bytes, d.Offset, d.Reason)
}

// loc is where a record lives in its block (found by sequence, see
// blockOf) and its flags byte: 8 bytes, so a slot is 24.
type loc struct {
	off   uint32
	flags byte
}

// pendingFlag is a removed record whose deleted flag is not written yet.
type pendingFlag struct {
	blk   uint32
	off   uint32
	flags byte
}

// fblock is one block file.
type fblock struct {
	n       uint32
	f       *os.File
	hdr     blockHeader
	size    int64  // bytes in the file
	records int    // records in the file, deleted ones too
	live    uint64 // live messages
	dirty   bool   // written since the last fsync
}

func blockName(n uint32) string { return fmt.Sprintf("%d.blk", n) }

// fileStore is the file Store: the shared core with record locations in
// the slots, and the block files.
type fileStore struct {
	mu      sync.Mutex
	fcfg    FileConfig
	c       core[loc]
	blks    map[uint32]*fblock
	order   []*fblock // ascending block number
	active  *fblock
	pending []pendingFlag
	enc     encoder
	dec     decoder
	rbuf    []byte // record reads
	// Read windows: pieces of block files read with one pread each, so
	// that a reader walking the stream in order (a consumer catching up)
	// costs one system call per window, not per message, and random
	// gets of a small working set (KV gets of a bucket) cost none once
	// the windows hold it. A record taken from a window is checked like
	// any other (length, checksum, sequence) and read from the file
	// again when that fails; Truncate, the only operation that can put a
	// new record with an old sequence at an old offset, drops them all.
	ra     [raWindows]raWin
	raTick uint64
	dbuf   []byte // decompression
	nextN  uint32 // number of the next block file
	// With DeferWrites: records of the active block not written yet
	// (they start at file offset wbase), and the error that lost some
	// (sticky: every later Flush and StoreMsg fails, see Flush).
	wbuf   []byte
	wbase  int64
	werr   error
	sweep  bool // a block may have become empty: flush looks
	closed bool
}

// OpenFileStore opens (or creates) the file store in fcfg.Dir, recovering
// whatever is there (see the package doc for the rules). cfg's limits are
// enforced on what was recovered; its FirstSeq applies to a new store only.
// What recovery dropped is in the returned Recovery: a damaged block never
// fails the open (a missing or wrong encryption key does).
func OpenFileStore(fcfg FileConfig, cfg Config) (Store, Recovery, error) {
	fs, rec, err := openFileStore(fcfg, cfg)
	if err != nil {
		return nil, rec, err
	}
	return fs, rec, nil
}

func openFileStore(fcfg FileConfig, cfg Config) (*fileStore, Recovery, error) {
	if fcfg.BlockSize <= 0 {
		fcfg.BlockSize = DefaultBlockSize
	}
	fcfg.BlockSize = min(fcfg.BlockSize, maxRecordSize)
	if err := os.MkdirAll(fcfg.Dir, 0o750); err != nil {
		return nil, Recovery{}, err
	}
	fs := &fileStore{fcfg: fcfg, blks: make(map[uint32]*fblock)}
	aead, err := newAEAD(fcfg.Cipher, fcfg.Key)
	if err != nil {
		return nil, Recovery{}, err
	}
	fs.enc.aead, fs.dec.aead = aead, aead
	fs.c.init(cfg, fileSize)
	fs.c.onRemove = fs.removed
	rec, err := fs.recover()
	if err != nil {
		fs.closeFiles()
		return nil, rec, err
	}
	return fs, rec, nil
}

// removed is the core's removal hook: count it against the block and
// queue the flag write (or erase now).
func (fs *fileStore) removed(seq uint64, s *slot[loc], erase bool) {
	b := fs.blockOf(seq)
	if b == nil {
		return
	}
	b.live--
	fs.sweep = true
	if erase {
		fs.eraseRecord(b, s.p.off)
		return
	}
	fs.pending = append(fs.pending, pendingFlag{blk: b.n, off: s.p.off, flags: s.p.flags})
}

// blockOf returns the block holding seq: the last one whose base sequence
// is at or below it. Base sequences strictly increase from block to block
// and every record of a block lies below the next block's base (recovery
// refuses a block that breaks this), so that is the only candidate.
func (fs *fileStore) blockOf(seq uint64) *fblock {
	i := sort.Search(len(fs.order), func(i int) bool { return fs.order[i].hdr.baseSeq > seq })
	if i == 0 {
		return nil
	}
	return fs.order[i-1]
}

// flush writes the queued deleted flags and removes blocks left empty.
// Errors here leave a removal not yet on disk, which recovery would undo;
// the in-memory state stays right, so they are returned but not fatal.
func (fs *fileStore) flush() error {
	if len(fs.pending) == 0 && !fs.sweep {
		return nil // the common case: a store that removed nothing
	}
	fs.sweep = false
	var first error
	for _, l := range fs.pending {
		b := fs.blks[l.blk]
		if b == nil || (b.live == 0 && b != fs.active) || int64(l.off) >= b.size {
			continue
		}
		if b == fs.active && len(fs.wbuf) > 0 && int64(l.off) >= fs.wbase {
			// Not written yet: mark it in the buffer (the checksum
			// leaves the flag out).
			fs.wbuf[int64(l.off)-fs.wbase+4] = l.flags | flDeleted
			continue
		}
		if _, err := b.f.WriteAt(flagBytes[l.flags|flDeleted][:], int64(l.off)+4); err != nil && first == nil {
			first = err
		}
		b.dirty = true
	}
	fs.pending = fs.pending[:0]
	kept := fs.order[:0]
	for _, b := range fs.order {
		if b.live == 0 && b != fs.active {
			b.f.Close()
			if err := os.Remove(filepath.Join(fs.fcfg.Dir, blockName(b.n))); err != nil && first == nil {
				first = err
			}
			delete(fs.blks, b.n)
			continue
		}
		kept = append(kept, b)
	}
	clear(fs.order[len(kept):])
	fs.order = kept
	if fs.fcfg.SyncAlways {
		if err := fs.syncLocked(); err != nil && first == nil {
			first = err
		}
	}
	return first
}

// eraseRecord rewrites a record with its content zeroed, in one write.
func (fs *fileStore) eraseRecord(b *fblock, off uint32) {
	hdr := make([]byte, 4)
	if _, err := b.f.ReadAt(hdr, int64(off)); err != nil {
		return
	}
	n := int(binary.LittleEndian.Uint32(hdr))
	buf := make([]byte, n)
	if _, err := b.f.ReadAt(buf, int64(off)); err != nil {
		return
	}
	r, err := decodeRecord(buf, b.hdr, off, &fs.dec)
	if err != nil {
		return
	}
	// Zero subject and body and keep the field lengths, so the record
	// still parses; an erased body is never decoded.
	buf[4] = r.flags | flRemoved
	clear(buf[r.subjOff : n-4])
	binary.LittleEndian.PutUint32(buf[n-4:], recordCRC(buf))
	b.f.WriteAt(buf, int64(off))
	b.dirty = true
}

// newBlock creates the next block file and makes it the active one.
func (fs *fileStore) newBlock(h blockHeader) (*fblock, error) {
	if fs.enc.aead != nil {
		h.encrypted = true
		h.salt = randUint64()
		copy(h.check[:], keyCheck(fs.enc.aead, h))
	}
	n := fs.nextN
	name := filepath.Join(fs.fcfg.Dir, blockName(n))
	f, err := os.OpenFile(name, os.O_RDWR|os.O_CREATE|os.O_EXCL, 0o640)
	if err != nil {
		return nil, err
	}
	if _, err := f.Write(h.encode()); err != nil {
		f.Close()
		os.Remove(name)
		return nil, err
	}
	fs.nextN++
	b := &fblock{n: n, f: f, hdr: h, size: blockHeaderSize, dirty: true}
	fs.blks[n] = b
	fs.order = append(fs.order, b)
	fs.active = b
	fs.sweep = true // the block that was active may hold nothing now
	if fs.fcfg.SyncAlways {
		if err := f.Sync(); err != nil {
			return b, err
		}
		if err := syncDir(fs.fcfg.Dir); err != nil {
			return b, err
		}
	}
	return b, nil
}

// rotate starts a new active block with header h, or rewrites the active
// block's header when it holds no record yet.
func (fs *fileStore) rotate(h blockHeader) error {
	if b := fs.active; b != nil && b.records == 0 {
		h.floor = max(h.floor, b.hdr.floor)
		h.encrypted, h.salt, h.check = b.hdr.encrypted, b.hdr.salt, b.hdr.check
		if _, err := b.f.WriteAt(h.encode(), 0); err != nil {
			return err
		}
		b.hdr, b.dirty = h, true
		fs.sweep = true // so that flush syncs it with SyncAlways
		return nil
	}
	_, err := fs.newBlock(h)
	return err
}

func syncDir(dir string) error {
	d, err := os.Open(dir)
	if err != nil {
		return err
	}
	defer d.Close()
	return d.Sync()
}

// write appends one message record and indexes it.
func (fs *fileStore) write(subj string, hdr, msg []byte, seq uint64, ts, ttl int64) error {
	b := fs.active
	compress := fs.c.cfg.Compression == S2Compression
	rec := fs.enc.encode(b.hdr, uint32(b.size), seq, ts, subj, hdr, msg, ttl, compress)
	switch {
	case b.records > 0 && b.size+int64(len(rec)) > fs.fcfg.BlockSize:
		if err := fs.wflush(); err != nil {
			return err
		}
		nb, err := fs.newBlock(blockHeader{baseSeq: seq, baseTs: ts})
		if err != nil {
			return err
		}
		b = nb
		rec = fs.enc.encode(b.hdr, uint32(b.size), seq, ts, subj, hdr, msg, ttl, compress)
	case b.records == 0 && b.hdr.baseTs == 0 && ts != 0:
		h := b.hdr
		h.baseTs = ts
		if err := fs.wflush(); err != nil {
			return err
		}
		if err := fs.rotate(h); err != nil {
			return err
		}
		rec = fs.enc.encode(b.hdr, uint32(b.size), seq, ts, subj, hdr, msg, ttl, compress)
	}
	off := b.size
	if fs.fcfg.DeferWrites {
		if len(fs.wbuf) == 0 {
			fs.wbase = off
		}
		fs.wbuf = append(fs.wbuf, rec...)
	} else if _, err := b.f.WriteAt(rec, off); err != nil {
		_ = b.f.Truncate(off) // drop a partial record
		fs.dropWindows()      // which a window may hold
		return err
	}
	b.size += int64(len(rec))
	b.records++
	b.live++
	b.dirty = true
	sl := fs.c.add(seq, subj, fs.c.size(len(subj), len(hdr), len(msg)), ts, ttl)
	sl.p = loc{off: uint32(off), flags: rec[4]}
	if fs.fcfg.SyncAlways && !fs.fcfg.DeferWrites {
		if err := b.f.Sync(); err != nil {
			return err
		}
		b.dirty = false
	}
	fs.c.enforce(subj)
	_ = fs.flush() // the message is stored; a failed flag write only delays a removal
	return nil
}

// read loads the record of a live slot into sm.
func (fs *fileStore) read(seq uint64, sl *slot[loc], sm *StoreMsg) (*StoreMsg, error) {
	b := fs.blockOf(seq)
	if b == nil {
		return nil, ErrMsgNotFound
	}
	want := int(sl.size) + 48
	if sm, ok := fs.readAhead(seq, b, sl, want, sm); ok {
		return sm, nil
	}
	if cap(fs.rbuf) < want {
		fs.rbuf = make([]byte, want)
	}
	buf := fs.rbuf[:want]
	n, err := b.f.ReadAt(buf, int64(sl.p.off))
	if err != nil && !(errors.Is(err, io.EOF) && n >= minRecordSize) {
		return nil, err
	}
	buf = buf[:n]
	if l := int(binary.LittleEndian.Uint32(buf)); l > n && l <= maxRecordSize {
		fs.rbuf = make([]byte, l)
		if _, err := b.f.ReadAt(fs.rbuf, int64(sl.p.off)); err != nil {
			return nil, err
		}
		buf = fs.rbuf
	}
	r, err := decodeRecord(buf, b.hdr, sl.p.off, &fs.dec)
	if err != nil || r.seq != seq {
		return nil, fmt.Errorf("store: record of seq %d in %s at %d is damaged", seq, blockName(b.n), sl.p.off)
	}
	hdr, msg, dbuf, err := r.decodeBody(fs.dbuf)
	fs.dbuf = dbuf
	if err != nil {
		return nil, err
	}
	if sm == nil {
		sm = new(StoreMsg)
	}
	sm.fill(fs.c.subj(sl).name, hdr, msg, seq, r.ts, r.ttl)
	return sm, nil
}

// raWindow is the stride of the read windows: a window read for a random
// load starts at a multiple of it and holds a quarter more, so that any
// record of up to raWindow/4 bytes starting in the stride is whole in it.
// A store keeps at most raWindows (allocated as needed: a reader in order
// uses one; only random reads fill more, up to 640 KiB).
const (
	raWindow  = 64 << 10
	raRead    = raWindow + raWindow/4
	raWindows = 8
)

// raWin is one read window: buf holds block blk's file from offset off.
type raWin struct {
	blk  *fblock
	off  uint32
	buf  []byte
	used uint64 // fs.raTick of the last hit, for LRU replacement
}

// holds reports whether w holds at least the start of the record at off.
func (w *raWin) holds(b *fblock, off uint32) bool {
	return w.blk == b && off >= w.off && int(off-w.off)+minRecordSize <= len(w.buf)
}

// dropWindows forgets every read window's content (buffers are kept).
func (fs *fileStore) dropWindows() {
	for i := range fs.ra {
		fs.ra[i].blk = nil
	}
}

// window returns a read window holding the whole record at off (whose
// length its first bytes give), reading one when none does: from off when
// the record continues where a window ends (a reader in order), else from
// off rounded down to raWindow, so random reads of the same region share
// a window and windows do not overlap much. The least recently used window is replaced.
func (fs *fileStore) window(b *fblock, off uint32) *raWin {
	fs.raTick++
	var victim *raWin
	for i := range fs.ra {
		w := &fs.ra[i]
		if w.holds(b, off) && int(binary.LittleEndian.Uint32(w.buf[off-w.off:])) <= len(w.buf)-int(off-w.off) {
			w.used = fs.raTick
			return w
		}
		if victim == nil || w.used < victim.used {
			victim = w
		}
	}
	start := off &^ (raWindow - 1)
	for i := range fs.ra {
		w := &fs.ra[i]
		if w.blk == b && off >= w.off && off <= w.off+uint32(len(w.buf)) {
			start, victim = off, w // in order: continue from the record
			break
		}
	}
	if cap(victim.buf) < raRead {
		victim.buf = make([]byte, raRead)
	}
	n, err := b.f.ReadAt(victim.buf[:raRead], int64(start))
	if err != nil && !errors.Is(err, io.EOF) {
		victim.blk = nil
		return nil
	}
	victim.blk, victim.off, victim.buf, victim.used = b, start, victim.buf[:n], fs.raTick
	return victim
}

// readAhead serves a record from a read window (see window). ok is false
// when the caller must read the record itself.
func (fs *fileStore) readAhead(seq uint64, b *fblock, sl *slot[loc], want int, sm *StoreMsg) (*StoreMsg, bool) {
	if want > raWindow/4 {
		return nil, false // big records: read them alone
	}
	off := sl.p.off
	w := fs.window(b, off)
	if w == nil || !w.holds(b, off) {
		return nil, false
	}
	buf := w.buf[off-w.off:]
	if l := int(binary.LittleEndian.Uint32(buf)); l > len(buf) {
		// The record runs past the window: refill from it next time.
		w.blk = nil
		return nil, false
	}
	r, err := decodeRecord(buf, b.hdr, off, &fs.dec)
	if err != nil || r.seq != seq {
		w.blk = nil
		return nil, false
	}
	hdr, msg, dbuf, err := r.decodeBody(fs.dbuf)
	fs.dbuf = dbuf
	if err != nil {
		return nil, false
	}
	if sm == nil {
		sm = new(StoreMsg)
	}
	sm.fill(fs.c.subj(sl).name, hdr, msg, seq, r.ts, r.ttl)
	return sm, true
}

func (fs *fileStore) syncLocked() error {
	var first error
	for _, b := range fs.order {
		if b.dirty {
			if err := b.f.Sync(); err != nil && first == nil {
				first = err
			}
			b.dirty = false
		}
	}
	return first
}

func (fs *fileStore) closeFiles() {
	for _, b := range fs.order {
		b.f.Close()
	}
}

// wflush writes the deferred records. A failed write loses them for good:
// the error sticks (Flush and StoreMsg return it until the store is
// reopened), so that no caller acknowledges a record that is not on disk.
func (fs *fileStore) wflush() error {
	if fs.werr != nil {
		return fs.werr
	}
	if len(fs.wbuf) == 0 {
		return nil
	}
	b := fs.active
	if _, err := b.f.WriteAt(fs.wbuf, fs.wbase); err != nil {
		_ = b.f.Truncate(fs.wbase)
		fs.dropWindows()
		fs.werr = err
		fs.wbuf = fs.wbuf[:0]
		return err
	}
	fs.wbuf = fs.wbuf[:0]
	b.dirty = true
	if fs.fcfg.SyncAlways {
		if err := b.f.Sync(); err != nil {
			return err
		}
		b.dirty = false
	}
	return nil
}
