package store

import (
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
)

// recover rebuilds the index from the block files (rules in doc.go).
func (fs *fileStore) recover() (Recovery, error) {
	var rec Recovery
	ents, err := os.ReadDir(fs.fcfg.Dir)
	if err != nil {
		return rec, err
	}
	var ns []uint32
	var maxN uint32
	for _, e := range ents {
		name := e.Name()
		num, _, _ := strings.Cut(name, ".")
		n, err := strconv.ParseUint(num, 10, 32)
		if err != nil || n == 0 || strconv.FormatUint(n, 10) != num {
			continue
		}
		maxN = max(maxN, uint32(n)) // .bad files too: never reuse a number
		if name == blockName(uint32(n)) && e.Type().IsRegular() {
			ns = append(ns, uint32(n))
		}
	}
	slices.Sort(ns)
	fs.nextN = maxN + 1

	// Headers first: the highest floor applies to every block.
	var floor uint64
	for _, n := range ns {
		name := blockName(n)
		path := filepath.Join(fs.fcfg.Dir, name)
		f, err := os.OpenFile(path, os.O_RDWR, 0)
		if err != nil {
			rec.Dropped = append(rec.Dropped, Dropped{Block: name, Reason: err.Error()})
			continue
		}
		st, err := f.Stat()
		hb := make([]byte, blockHeaderSize)
		var h blockHeader
		if err == nil {
			if _, err = io.ReadFull(f, hb); err == nil {
				h, err = decodeBlockHeader(hb)
			}
		}
		if err != nil {
			f.Close()
			var size int64
			if st != nil {
				size = st.Size()
			}
			if errors.Is(err, io.ErrUnexpectedEOF) || errors.Is(err, io.EOF) {
				err = errBadHeader
			}
			rec.Dropped = append(rec.Dropped, Dropped{Block: name, Bytes: size, Reason: err.Error() + ", renamed to " + name + ".bad"})
			_ = os.Rename(path, path+".bad")
			continue
		}
		if h.encrypted {
			// A key problem is not damage: refuse to open rather than
			// drop what cannot be read.
			if err := checkKey(fs.enc.aead, h); err != nil {
				f.Close()
				return rec, fmt.Errorf("%s: %w", name, err)
			}
		}
		b := &fblock{n: n, f: f, hdr: h, size: st.Size()}
		fs.blks[n] = b
		fs.order = append(fs.order, b)
		floor = max(floor, h.floor)
	}
	rec.Blocks = len(fs.order)

	var maxSeq uint64
	var lastRecTs int64
	var data []byte
	for _, b := range fs.order {
		name := blockName(b.n)
		if int64(cap(data)) < b.size {
			data = make([]byte, b.size)
		}
		data = data[:b.size]
		if _, err := b.f.ReadAt(data, 0); err != nil {
			return rec, err
		}
		off := int64(blockHeaderSize)
		for off < b.size {
			r, err := decodeRecord(data[off:], b.hdr, uint32(off), &fs.dec)
			reason := "bad record"
			if err == nil && r.seq <= maxSeq {
				err, reason = errBadRecord, "sequence out of order"
			}
			if err != nil {
				rec.Dropped = append(rec.Dropped, Dropped{Block: name, Offset: off, Bytes: b.size - off, Reason: reason})
				if err := b.f.Truncate(off); err != nil {
					return rec, err
				}
				b.size = off
				break
			}
			maxSeq, lastRecTs = r.seq, r.ts
			b.records++
			l := loc{blk: b.n, off: uint32(off), flags: r.flags}
			switch {
			case r.removed():
			case r.seq < floor:
				fs.pending = append(fs.pending, l)
			default:
				n, _ := r.bodyLen()
				var subj string
				if id, ok := fs.c.subjIDs[string(r.subj)]; ok {
					subj = fs.c.subjs[id-1].name // share the interned string
				} else {
					subj = string(r.subj)
				}
				sl := fs.c.add(r.seq, subj, uint64(len(r.subj)+n)+16, r.ts, r.ttl)
				sl.p = l
				b.live++
			}
			off += int64(r.length)
		}
	}

	if len(fs.order) == 0 {
		if _, err := fs.newBlock(blockHeader{baseSeq: fs.c.last + 1}); err != nil {
			return rec, err
		}
	}
	fs.active = fs.order[len(fs.order)-1]
	last := max(maxSeq, fs.active.hdr.baseSeq-1)
	if floor > 0 {
		last = max(last, floor-1)
	}
	fs.c.last = max(fs.c.last, last)
	if fs.active.records == 0 {
		fs.c.lastTs = fs.active.hdr.baseTs
	} else {
		fs.c.lastTs = lastRecTs
	}
	fs.c.trimFront()
	rec.Msgs = fs.c.msgs
	return rec, fs.flush()
}
