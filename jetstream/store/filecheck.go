package store

import (
	"fmt"
	"os"
	"strings"
)

// Check verifies the index against itself and against the block files.
func (fs *fileStore) Check() error {
	defer fs.mu.Unlock()
	if !fs.lock() {
		return ErrStoreClosed
	}
	var readErr error
	var sm StoreMsg
	err := fs.c.check(func(seq uint64, s *slot[loc]) uint64 {
		m, err := fs.read(seq, s, &sm)
		if err != nil {
			if readErr == nil {
				readErr = err
			}
			return 0
		}
		return MsgSize(m.Subject, m.Hdr, m.Msg)
	})
	if readErr != nil {
		return readErr
	}
	if err != nil {
		return err
	}
	if len(fs.pending) != 0 {
		return fmt.Errorf("%d removals not flushed", len(fs.pending))
	}
	if fs.active == nil || fs.order[len(fs.order)-1] != fs.active {
		return fmt.Errorf("active block is not the last")
	}
	// The directory holds exactly the blocks in memory.
	ents, err := os.ReadDir(fs.fcfg.Dir)
	if err != nil {
		return err
	}
	files := 0
	for _, e := range ents {
		if strings.HasSuffix(e.Name(), ".blk") {
			files++
		}
	}
	if files != len(fs.order) || len(fs.blks) != len(fs.order) {
		return fmt.Errorf("%d block files, %d blocks in order, %d in map", files, len(fs.order), len(fs.blks))
	}
	// Every record on disk agrees with the index.
	var live uint64
	prev := uint64(0)
	for i, b := range fs.order {
		if i > 0 && b.n <= fs.order[i-1].n {
			return fmt.Errorf("blocks out of order")
		}
		if b.live == 0 && b != fs.active {
			return fmt.Errorf("%s: empty block kept", blockName(b.n))
		}
		st, err := b.f.Stat()
		if err != nil {
			return err
		}
		if st.Size() != b.size {
			return fmt.Errorf("%s: size %d, file %d", blockName(b.n), b.size, st.Size())
		}
		data := make([]byte, b.size)
		if _, err := b.f.ReadAt(data, 0); err != nil {
			return err
		}
		h, err := decodeBlockHeader(data)
		if err != nil || h != b.hdr {
			return fmt.Errorf("%s: header %+v on disk, %+v in memory (%v)", blockName(b.n), h, b.hdr, err)
		}
		off, records, blive := int64(blockHeaderSize), 0, uint64(0)
		for off < b.size {
			r, err := decodeRecord(data[off:], h, uint32(off), &fs.dec)
			if err != nil {
				return fmt.Errorf("%s at %d: %v", blockName(b.n), off, err)
			}
			if r.seq <= prev {
				return fmt.Errorf("%s at %d: seq %d after %d", blockName(b.n), off, r.seq, prev)
			}
			prev = r.seq
			sl := fs.c.live(r.seq)
			switch {
			case r.removed() && sl != nil:
				return fmt.Errorf("seq %d: deleted on disk, live in memory", r.seq)
			case !r.removed() && sl == nil:
				return fmt.Errorf("seq %d: live on disk, not in memory", r.seq)
			case sl != nil && (sl.p.blk != b.n || int64(sl.p.off) != off):
				return fmt.Errorf("seq %d: at %s:%d, index says %d:%d", r.seq, blockName(b.n), off, sl.p.blk, sl.p.off)
			case sl != nil:
				blive++
			}
			records++
			off += int64(r.length)
		}
		if records != b.records || blive != b.live {
			return fmt.Errorf("%s: %d records %d live, memory says %d and %d", blockName(b.n), records, blive, b.records, b.live)
		}
		live += blive
	}
	if live != fs.c.msgs {
		return fmt.Errorf("%d live records on disk, %d messages", live, fs.c.msgs)
	}
	if prev > fs.c.last {
		return fmt.Errorf("record seq %d above last %d", prev, fs.c.last)
	}
	return nil
}
