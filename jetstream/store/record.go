package store

import (
	"crypto/cipher"
	"encoding/binary"
	"errors"
	"hash/crc32"

	"github.com/klauspost/compress/s2"
)

// Block and record layout: see doc.go.
const (
	blockMagic      = "NJSB"
	blockVersion    = 1
	blockHeaderSize = 56

	flDeleted    = 0x01
	flErased     = 0x02
	flHdr        = 0x04
	flCompressed = 0x08
	flTTL        = 0x10
	flEncrypted  = 0x20
	flKnown      = 0x3f
	flRemoved    = flDeleted | flErased // left out of the checksum

	minRecordSize = 4 + 1 + 1 + 1 + 1 + 4
	// maxRecordSize bounds a record's length field, so garbage cannot make
	// recovery allocate or skip gigabytes.
	maxRecordSize = 1 << 30
	// compressMin is the smallest body worth trying to compress.
	compressMin = 64
	// maxCompressedBody bounds the decoded size of a compressed body
	// (headers and payload): NATS messages are at most 64 MiB, and a
	// larger body is stored uncompressed. Without it a corrupt or hostile
	// length (the S2 header's, up to 4 GiB) would make reading the record
	// allocate that much.
	maxCompressedBody = 64 << 20
)

var crcTable = crc32.MakeTable(crc32.Castagnoli)

// flagBytes holds every byte value, so the checksum can take a flags byte
// as a slice without allocating one.
var flagBytes = func() (b [256][1]byte) {
	for i := range b {
		b[i][0] = byte(i)
	}
	return b
}()

// blockHeader is the fixed header at the start of every block file.
type blockHeader struct {
	baseSeq   uint64
	baseTs    int64
	floor     uint64 // every sequence below it was removed when the block was made
	encrypted bool
	salt      uint64   // random per encrypted block: the first 8 bytes of every nonce
	check     [16]byte // AEAD tag proving the key (see keyCheck)
}

const hdrEncrypted = 0x01 // block header flag

func (h blockHeader) encode() []byte {
	b := make([]byte, blockHeaderSize)
	copy(b, blockMagic)
	b[4] = blockVersion
	if h.encrypted {
		b[5] = hdrEncrypted
	}
	binary.LittleEndian.PutUint64(b[8:], h.baseSeq)
	binary.LittleEndian.PutUint64(b[16:], uint64(h.baseTs))
	binary.LittleEndian.PutUint64(b[24:], h.floor)
	binary.LittleEndian.PutUint64(b[32:], h.salt)
	copy(b[40:], h.check[:])
	return b
}

var errBadHeader = errors.New("bad block header")

func decodeBlockHeader(b []byte) (blockHeader, error) {
	if len(b) < blockHeaderSize || string(b[:4]) != blockMagic || b[4] != blockVersion {
		return blockHeader{}, errBadHeader
	}
	if b[5]&^hdrEncrypted != 0 {
		return blockHeader{}, errBadHeader
	}
	h := blockHeader{
		baseSeq:   binary.LittleEndian.Uint64(b[8:]),
		baseTs:    int64(binary.LittleEndian.Uint64(b[16:])),
		floor:     binary.LittleEndian.Uint64(b[24:]),
		encrypted: b[5]&hdrEncrypted != 0,
		salt:      binary.LittleEndian.Uint64(b[32:]),
	}
	copy(h.check[:], b[40:56])
	return h, nil
}

// recordCRC is the checksum of a whole record except its last 4 bytes,
// with the removal flag bits taken as 0.
func recordCRC(rec []byte) uint32 {
	crc := crc32.Update(0, crcTable, rec[:4])
	crc = crc32.Update(crc, crcTable, flagBytes[rec[4]&^flRemoved][:])
	return crc32.Update(crc, crcTable, rec[5:len(rec)-4])
}

// encoder builds records; its buffers are reused across messages.
type encoder struct {
	buf   []byte
	body  []byte
	comp  []byte
	plain []byte
	aad   []byte
	aead  cipher.AEAD // set for an encrypted store
	nonce [12]byte
}

// nonce is a record's AEAD nonce: the block's random salt and the record's
// offset in the block, unique for every record a key ever seals because
// blocks are never appended at an offset twice.
func nonce(buf *[12]byte, h blockHeader, off uint32) []byte {
	binary.LittleEndian.PutUint64(buf[:], h.salt)
	binary.LittleEndian.PutUint32(buf[8:], off)
	return buf[:]
}

// keyCheck is the tag of an empty message sealed under the block's salt and
// offset 0xffffffff (never a record's): opening with another key fails it.
func keyCheck(aead cipher.AEAD, h blockHeader) []byte {
	var n [12]byte
	return aead.Seal(nil, nonce(&n, h, 0xffffffff), nil, []byte(blockMagic))
}

// encode returns the record for a message at offset off of a block with
// header h. The result aliases e.buf.
func (e *encoder) encode(h blockHeader, off uint32, seq uint64, ts int64, subj string, hdr, msg []byte, ttl int64, compress bool) []byte {
	var flags byte
	encrypt := h.encrypted && e.aead != nil
	if encrypt {
		flags |= flEncrypted
	}
	body1, body2 := hdr, msg
	if len(hdr) > 0 {
		flags |= flHdr
	}
	if ttl != 0 {
		flags |= flTTL
	}
	if compress && len(hdr)+len(msg) >= compressMin && len(hdr)+len(msg) <= maxCompressedBody {
		e.body = append(append(e.body[:0], hdr...), msg...)
		need := s2.MaxEncodedLen(len(e.body))
		if cap(e.comp) < need {
			e.comp = make([]byte, need)
		}
		if c := s2.Encode(e.comp[:need], e.body); len(c) < len(e.body) {
			flags |= flCompressed
			body1, body2 = c, nil
		}
	}
	b := append(e.buf[:0], 0, 0, 0, 0, flags)
	b = binary.AppendUvarint(b, seq-h.baseSeq)
	b = binary.AppendVarint(b, ts-h.baseTs)
	b = binary.AppendUvarint(b, uint64(len(subj)))
	if flags&flHdr != 0 {
		b = binary.AppendUvarint(b, uint64(len(hdr)))
	}
	if flags&flTTL != 0 {
		b = binary.AppendVarint(b, ttl)
	}
	if encrypt {
		// Subject and body sealed together; the fields before them are
		// the additional data (copied: Seal's dst must not overlap it).
		e.plain = append(append(append(e.plain[:0], subj...), body1...), body2...)
		e.aad = append(e.aad[:0], b[5:]...)
		b = e.aead.Seal(b, nonce(&e.nonce, h, off), e.plain, e.aad)
	} else {
		b = append(b, subj...)
		b = append(b, body1...)
		b = append(b, body2...)
	}
	b = append(b, 0, 0, 0, 0)
	binary.LittleEndian.PutUint32(b, uint32(len(b)))
	binary.LittleEndian.PutUint32(b[len(b)-4:], recordCRC(b))
	e.buf = b
	return b
}

// record is a decoded record; its slices alias the bytes it came from.
type record struct {
	length  int
	flags   byte
	seq     uint64
	ts      int64
	ttl     int64
	subjOff int // offset of the subject in the record
	subj    []byte
	hlen    int
	body    []byte // headers and payload, s2-encoded when flCompressed
}

func (r *record) removed() bool { return r.flags&flRemoved != 0 }

// bodyLen is the decoded length of headers plus payload.
func (r *record) bodyLen() (int, error) {
	if r.flags&flCompressed == 0 {
		return len(r.body), nil
	}
	return decodedLen(r.body)
}

// decodedLen is the decoded size of a compressed body, refused beyond
// maxCompressedBody.
func decodedLen(body []byte) (int, error) {
	n, err := s2.DecodedLen(body)
	if err != nil {
		return 0, err
	}
	if n > maxCompressedBody {
		return 0, errBadRecord
	}
	return n, nil
}

var errBadRecord = errors.New("bad record")

var errNoKey = errors.New("encrypted record and no key")

// decoder holds what decoding an encrypted record needs; nil for a store
// without encryption.
type decoder struct {
	aead  cipher.AEAD
	buf   []byte // decrypted subject and body of the last record
	nonce [12]byte
}

// decodeRecord decodes the record at offset off of a block with header h,
// at the start of b. It never panics on any input; a record it returns
// without error is one recovery keeps. An encrypted record's subject and
// body alias d.buf, valid until the next call with d.
func decodeRecord(b []byte, h blockHeader, off uint32, d *decoder) (record, error) {
	var r record
	if len(b) < minRecordSize {
		return r, errBadRecord
	}
	l := int(binary.LittleEndian.Uint32(b))
	if l < minRecordSize || l > len(b) || l > maxRecordSize {
		return r, errBadRecord
	}
	rec := b[:l]
	r.length, r.flags = l, rec[4]
	if r.flags&^flKnown != 0 {
		return r, errBadRecord
	}
	p := rec[5 : l-4]
	next := func() (uint64, bool) {
		v, n := binary.Uvarint(p)
		if n <= 0 {
			return 0, false
		}
		p = p[n:]
		return v, true
	}
	nextSigned := func() (int64, bool) {
		v, n := binary.Varint(p)
		if n <= 0 {
			return 0, false
		}
		p = p[n:]
		return v, true
	}
	dseq, ok1 := next()
	dts, ok2 := nextSigned()
	slen, ok3 := next()
	if !ok1 || !ok2 || !ok3 {
		return r, errBadRecord
	}
	if r.flags&flHdr != 0 {
		hl, ok := next()
		if !ok || hl == 0 || hl > maxRecordSize {
			return r, errBadRecord
		}
		r.hlen = int(hl)
	}
	if r.flags&flTTL != 0 {
		t, ok := nextSigned()
		if !ok || t == 0 || t < TTLNever {
			return r, errBadRecord
		}
		r.ttl = t
	}
	if slen == 0 || slen > uint64(len(p)) {
		return r, errBadRecord
	}
	r.subjOff = l - 4 - len(p)
	r.subj, r.body = p[:slen], p[slen:]
	r.seq = h.baseSeq + dseq
	if r.seq < h.baseSeq { // wrapped
		return r, errBadRecord
	}
	r.ts = h.baseTs + dts
	if binary.LittleEndian.Uint32(rec[l-4:]) != recordCRC(rec) {
		return r, errBadRecord
	}
	if r.flags&flEncrypted != 0 && !h.encrypted {
		return r, errBadRecord
	}
	if r.flags&flErased != 0 {
		r.subj, r.body = nil, nil
		return r, nil // zeroed: nothing to decode
	}
	if r.flags&flEncrypted != 0 {
		if d == nil || d.aead == nil {
			return r, errNoKey
		}
		pt, err := d.aead.Open(d.buf[:0], nonce(&d.nonce, h, off), p, rec[5:r.subjOff])
		if err != nil || uint64(len(pt)) < slen {
			return r, errBadRecord
		}
		d.buf = pt
		r.subj, r.body = pt[:slen], pt[slen:]
	}
	if n, err := r.bodyLen(); err != nil || r.hlen > n {
		return r, errBadRecord
	}
	return r, nil
}

// decodeBody returns headers and payload, decompressing into buf if needed.
func (r *record) decodeBody(buf []byte) (hdr, msg, out []byte, err error) {
	body := r.body
	if r.flags&flCompressed != 0 {
		n, err := decodedLen(body)
		if err != nil {
			return nil, nil, buf, err
		}
		if cap(buf) < n {
			buf = make([]byte, n)
		}
		body, err = s2.Decode(buf[:n], r.body)
		if err != nil {
			return nil, nil, buf, err
		}
	}
	if r.hlen > len(body) {
		return nil, nil, buf, errBadRecord
	}
	return body[:r.hlen], body[r.hlen:], buf, nil
}
