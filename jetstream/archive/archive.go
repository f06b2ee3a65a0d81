// Package archive reads and writes the NATSARC1 stream backup archive: the
// uncompressed content of the stream.arc.s2 file that nats-server 2.15
// sends for $JS.API.STREAM.SNAPSHOT and takes back for RESTORE (natscli
// 0.5 keeps it as-is beside backup.json, and its backup tools read it).
// The s2 framing around it is the caller's.
//
// The layout, as nats-server 2.15.2 writes it (observed on the wire):
//
//	"NATSARC1"
//	entry*
//
//	entry := uvarint(len(name)) varint(ts) uvarint(seq)
//	         uvarint(hdr_size) uvarint(payload_size) name hdr payload
//
// ts is Unix nanoseconds (a zig-zag varint, as encoding/binary's
// PutVarint writes it); the other integers are unsigned varints. A backup
// is: "state.json" (the stream state as JSON, ts the time of the
// snapshot), one "consumers/<name>" entry per consumer, then one entry per
// message in ascending sequence (name = subject, seq > 0), then a
// sentinel entry whose every field is zero.
//
// The package is a pure codec: no goroutines, no I/O but the reader and
// writer it is given.
package archive

import (
	"bufio"
	"encoding/binary"
	"errors"
	"io"
)

// Magic starts every archive.
const Magic = "NATSARC1"

// Limits a Reader enforces so that a damaged or hostile archive can not
// make it allocate without bound.
const (
	MaxNameLen = 64 << 10
	MaxBodyLen = 1 << 30
)

// Errors of a Reader.
var (
	ErrBadMagic = errors.New("archive: not a NATSARC1 archive")
	ErrCorrupt  = errors.New("archive: malformed entry")
)

// Header describes one entry. The sentinel that ends a backup is the
// zero Header (IsEnd).
type Header struct {
	Name        string
	Timestamp   int64
	Sequence    uint64
	HeaderSize  uint64
	PayloadSize uint64
}

// IsEnd reports whether h is the end-of-backup sentinel.
func (h *Header) IsEnd() bool {
	return h.Name == "" && h.Timestamp == 0 && h.Sequence == 0 && h.HeaderSize == 0 && h.PayloadSize == 0
}

// Writer writes an archive. Errors stick: after one, every call returns it.
type Writer struct {
	w       io.Writer
	started bool
	err     error
	buf     []byte
}

// NewWriter returns a Writer on w. The magic goes out with the first entry.
func NewWriter(w io.Writer) *Writer { return &Writer{w: w} }

func (aw *Writer) write(b []byte) {
	if aw.err == nil {
		_, aw.err = aw.w.Write(b)
	}
}

// WriteEntry writes one entry: h (its sizes taken from hdr and payload)
// followed by hdr and payload.
func (aw *Writer) WriteEntry(name string, ts int64, seq uint64, hdr, payload []byte) error {
	if !aw.started {
		aw.started = true
		aw.write([]byte(Magic))
	}
	b := aw.buf[:0]
	b = binary.AppendUvarint(b, uint64(len(name)))
	b = binary.AppendVarint(b, ts)
	b = binary.AppendUvarint(b, seq)
	b = binary.AppendUvarint(b, uint64(len(hdr)))
	b = binary.AppendUvarint(b, uint64(len(payload)))
	b = append(b, name...)
	aw.buf = b
	aw.write(b)
	if len(hdr) > 0 {
		aw.write(hdr)
	}
	if len(payload) > 0 {
		aw.write(payload)
	}
	return aw.err
}

// End writes the sentinel that ends a backup.
func (aw *Writer) End() error { return aw.WriteEntry("", 0, 0, nil, nil) }

// Reader reads an archive entry by entry.
type Reader struct {
	r       *bufio.Reader
	started bool
	left    int64 // body bytes of the current entry not yet read
	err     error
}

// NewReader returns a Reader on r.
func NewReader(r io.Reader) *Reader {
	br, ok := r.(*bufio.Reader)
	if !ok {
		br = bufio.NewReaderSize(r, 64<<10)
	}
	return &Reader{r: br}
}

// Next skips what is left of the current entry's body and reads the next
// header. At the end of the input it returns io.EOF (a clean end between
// entries) or ErrCorrupt (an entry cut short).
func (ar *Reader) Next() (*Header, error) {
	if ar.err != nil {
		return nil, ar.err
	}
	if !ar.started {
		ar.started = true
		var m [len(Magic)]byte
		if _, err := io.ReadFull(ar.r, m[:]); err != nil || string(m[:]) != Magic {
			ar.err = ErrBadMagic
			return nil, ar.err
		}
	}
	if ar.left > 0 {
		if _, err := io.CopyN(io.Discard, ar.r, ar.left); err != nil {
			ar.err = ErrCorrupt
			return nil, ar.err
		}
		ar.left = 0
	}
	h, err := ar.readHeader()
	if err != nil {
		ar.err = err
		return nil, err
	}
	ar.left = int64(h.HeaderSize + h.PayloadSize)
	return h, nil
}

func (ar *Reader) readHeader() (*Header, error) {
	nlen, err := binary.ReadUvarint(ar.r)
	if err == io.EOF {
		return nil, io.EOF
	}
	if err != nil || nlen > MaxNameLen {
		return nil, ErrCorrupt
	}
	h := &Header{}
	if h.Timestamp, err = binary.ReadVarint(ar.r); err != nil {
		return nil, ErrCorrupt
	}
	if h.Sequence, err = binary.ReadUvarint(ar.r); err != nil {
		return nil, ErrCorrupt
	}
	if h.HeaderSize, err = binary.ReadUvarint(ar.r); err != nil {
		return nil, ErrCorrupt
	}
	if h.PayloadSize, err = binary.ReadUvarint(ar.r); err != nil {
		return nil, ErrCorrupt
	}
	if h.HeaderSize > MaxBodyLen || h.PayloadSize > MaxBodyLen || h.HeaderSize+h.PayloadSize > MaxBodyLen {
		return nil, ErrCorrupt
	}
	if nlen > 0 {
		name := make([]byte, nlen)
		if _, err := io.ReadFull(ar.r, name); err != nil {
			return nil, ErrCorrupt
		}
		h.Name = string(name)
	}
	return h, nil
}

// Read reads the current entry's body (headers then payload).
func (ar *Reader) Read(p []byte) (int, error) {
	if ar.err != nil {
		return 0, ar.err
	}
	if ar.left == 0 {
		return 0, io.EOF
	}
	if int64(len(p)) > ar.left {
		p = p[:ar.left]
	}
	n, err := ar.r.Read(p)
	ar.left -= int64(n)
	if err == io.EOF {
		if ar.left > 0 {
			ar.err = ErrCorrupt
			return n, ar.err
		}
		err = nil
	}
	return n, err
}

// ReadBody reads the whole body of the current entry into buf (grown as
// needed) and returns it.
func (ar *Reader) ReadBody(buf []byte) ([]byte, error) {
	n := int(ar.left)
	if cap(buf) < n {
		buf = make([]byte, n)
	}
	buf = buf[:n]
	if _, err := io.ReadFull(ar, buf); err != nil {
		if ar.err == nil {
			ar.err = ErrCorrupt
		}
		return nil, ar.err
	}
	return buf, nil
}
