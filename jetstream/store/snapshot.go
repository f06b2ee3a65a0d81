package store

import (
	"bufio"
	"encoding/binary"
	"errors"
	"io"
)

// Snapshot format: "NJSS", version byte, first sequence (u64), last
// sequence (u64), then one record per live message in the block record
// format with base sequence and base time 0, then a u32 zero. Integers are
// little endian. Each record carries its own checksum, so a damaged
// snapshot is refused rather than restored wrong.
const (
	snapMagic   = "NJSS"
	snapVersion = 1
)

var snapBase = blockHeader{}

// WriteSnapshot writes every live message of s to w. The caller keeps the
// store from changing meanwhile (a stream pauses its writes), so that the
// snapshot is one state.
func WriteSnapshot(s Store, w io.Writer) error {
	var st State
	s.FastState(&st)
	bw := bufio.NewWriterSize(w, 64<<10)
	hdr := make([]byte, 0, 21)
	hdr = append(hdr, snapMagic...)
	hdr = append(hdr, snapVersion)
	hdr = binary.LittleEndian.AppendUint64(hdr, st.FirstSeq)
	hdr = binary.LittleEndian.AppendUint64(hdr, st.LastSeq)
	if _, err := bw.Write(hdr); err != nil {
		return err
	}
	var e encoder
	var sm StoreMsg
	for seq := st.FirstSeq; seq <= st.LastSeq; seq++ {
		m, err := s.LoadNextMsg("", seq, &sm)
		if errors.Is(err, ErrStoreEOF) {
			break
		}
		if err != nil {
			return err
		}
		if m.Seq > st.LastSeq {
			break
		}
		rec := e.encode(snapBase, 0, m.Seq, m.Ts, m.Subject, m.Hdr, m.Msg, m.TTL, false)
		if _, err := bw.Write(rec); err != nil {
			return err
		}
		seq = m.Seq
	}
	if _, err := bw.Write([]byte{0, 0, 0, 0}); err != nil {
		return err
	}
	return bw.Flush()
}

// RestoreSnapshot loads a snapshot written by WriteSnapshot into dst, which
// must be empty and never written (a new store). It returns the number of
// messages restored.
func RestoreSnapshot(r io.Reader, dst Store) (uint64, error) {
	br := bufio.NewReaderSize(r, 64<<10)
	hdr := make([]byte, 21)
	if _, err := io.ReadFull(br, hdr); err != nil || string(hdr[:4]) != snapMagic || hdr[4] != snapVersion {
		return 0, ErrBadSnapshot
	}
	first := binary.LittleEndian.Uint64(hdr[5:])
	last := binary.LittleEndian.Uint64(hdr[13:])
	var st State
	dst.FastState(&st)
	if st.Msgs != 0 || st.LastSeq >= first {
		return 0, ErrSequenceMismatch
	}
	if _, err := dst.Compact(first); err != nil {
		return 0, err
	}
	var n uint64
	buf := make([]byte, 0, 4096)
	for {
		lb := make([]byte, 4)
		if _, err := io.ReadFull(br, lb); err != nil {
			return n, ErrBadSnapshot
		}
		l := int(binary.LittleEndian.Uint32(lb))
		if l == 0 {
			break
		}
		if l < minRecordSize || l > maxRecordSize {
			return n, ErrBadSnapshot
		}
		if cap(buf) < l {
			buf = make([]byte, l)
		}
		buf = buf[:l]
		copy(buf, lb)
		if _, err := io.ReadFull(br, buf[4:]); err != nil {
			return n, ErrBadSnapshot
		}
		rec, err := decodeRecord(buf, snapBase, 0, nil)
		if err != nil || rec.removed() || rec.seq > last {
			return n, ErrBadSnapshot
		}
		h, m, _, err := rec.decodeBody(nil)
		if err != nil {
			return n, ErrBadSnapshot
		}
		if err := dst.StoreRawMsg(string(rec.subj), h, m, rec.seq, rec.ts, rec.ttl); err != nil {
			return n, err
		}
		n++
	}
	dst.FastState(&st)
	if st.LastSeq < last {
		if err := dst.SkipMsgs(st.LastSeq+1, last-st.LastSeq); err != nil {
			return n, err
		}
	}
	return n, nil
}
