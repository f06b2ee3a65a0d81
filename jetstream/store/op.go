package store

import (
	"encoding/binary"
	"errors"
	"time"
)

// OpKind names a state-changing store operation.
type OpKind uint8

// The operations a replicated log carries. Each maps to one Store method.
const (
	OpStore        OpKind = iota + 1 // StoreMsg
	OpStoreRaw                       // StoreRawMsg
	OpSkip                           // SkipMsgs
	OpRemove                         // RemoveMsg
	OpErase                          // EraseMsg
	OpPurge                          // Purge
	OpPurgeEx                        // PurgeEx
	OpCompact                        // Compact
	OpTruncate                       // Truncate
	OpExpire                         // ExpireOld
	OpUpdateConfig                   // UpdateConfig
)

// Op is one state-changing operation with every input it needs, so that a
// log of Ops applied in order with Apply gives every replica the same
// store: nothing in a store changes except through these. A stream's
// leader decides the inputs (the timestamp of a message, the now of an
// expiry) and puts them in the Op; replicas never read their own clock.
type Op struct {
	Kind    OpKind
	Subject string // store, store raw; subject filter of purge-ex
	Hdr     []byte
	Msg     []byte
	Seq     uint64 // store raw, skip, remove, erase, purge-ex, compact, truncate
	Num     uint64 // skip: count; purge-ex: keep
	Ts      int64  // store, store raw: message time; expire: now
	TTL     int64
	Config  Config // update config
}

// Result is what applying an Op returned.
type Result struct {
	Seq uint64 // the sequence a store got
	N   uint64 // messages removed (purge, compact, expire); 1 for a removal that found its message
	Err error
}

// Apply applies op to s.
func Apply(s Store, op *Op) Result {
	var r Result
	switch op.Kind {
	case OpStore:
		r.Seq, r.Err = s.StoreMsg(op.Subject, op.Hdr, op.Msg, op.Ts, op.TTL)
	case OpStoreRaw:
		r.Seq, r.Err = op.Seq, s.StoreRawMsg(op.Subject, op.Hdr, op.Msg, op.Seq, op.Ts, op.TTL)
	case OpSkip:
		r.Err = s.SkipMsgs(op.Seq, op.Num)
	case OpRemove, OpErase:
		var ok bool
		if op.Kind == OpRemove {
			ok, r.Err = s.RemoveMsg(op.Seq)
		} else {
			ok, r.Err = s.EraseMsg(op.Seq)
		}
		if ok {
			r.N = 1
		}
	case OpPurge:
		r.N, r.Err = s.Purge()
	case OpPurgeEx:
		r.N, r.Err = s.PurgeEx(op.Subject, op.Seq, op.Num)
	case OpCompact:
		r.N, r.Err = s.Compact(op.Seq)
	case OpTruncate:
		r.Err = s.Truncate(op.Seq)
	case OpExpire:
		r.N = s.ExpireOld(op.Ts, nil)
	case OpUpdateConfig:
		r.Err = s.UpdateConfig(op.Config)
	default:
		r.Err = ErrBadOp
	}
	return r
}

// ErrBadOp is returned for an Op that does not decode or has no kind.
var ErrBadOp = errors.New("malformed store operation")

// opVersion prefixes every encoded Op, so the format can change later.
const opVersion = 1

// Append appends op's binary encoding to b: version, kind, then the
// fields as varints and length-prefixed bytes, all of them every time
// (simple beats compact here; a message's bytes dominate).
func (op *Op) Append(b []byte) []byte {
	b = append(b, opVersion, byte(op.Kind))
	b = appendBytes(b, []byte(op.Subject))
	b = appendBytes(b, op.Hdr)
	b = appendBytes(b, op.Msg)
	b = binary.AppendUvarint(b, op.Seq)
	b = binary.AppendUvarint(b, op.Num)
	b = binary.AppendVarint(b, op.Ts)
	b = binary.AppendVarint(b, op.TTL)
	if op.Kind == OpUpdateConfig {
		c := &op.Config
		for _, v := range []int64{c.MaxMsgs, c.MaxBytes, int64(c.MaxAge), c.MaxMsgsPerSubject,
			int64(c.MaxMsgSize), int64(c.Discard), int64(c.FirstSeq), int64(c.Compression)} {
			b = binary.AppendVarint(b, v)
		}
		var flags byte
		if c.DiscardNewPerSubject {
			flags |= 1
		}
		if c.AllowMsgTTL {
			flags |= 2
		}
		b = append(b, flags)
	}
	return b
}

func appendBytes(b, v []byte) []byte {
	b = binary.AppendUvarint(b, uint64(len(v)))
	return append(b, v...)
}

// DecodeOp decodes an Op encoded by Append. Hdr and Msg alias b.
func DecodeOp(b []byte) (Op, error) {
	var op Op
	if len(b) < 2 || b[0] != opVersion || b[1] == 0 || OpKind(b[1]) > OpUpdateConfig {
		return op, ErrBadOp
	}
	op.Kind = OpKind(b[1])
	d := opDecoder{b: b[2:]}
	op.Subject = string(d.bytes())
	op.Hdr = d.bytes()
	op.Msg = d.bytes()
	op.Seq = d.uvarint()
	op.Num = d.uvarint()
	op.Ts = d.varint()
	op.TTL = d.varint()
	if op.Kind == OpUpdateConfig {
		c := &op.Config
		c.MaxMsgs = d.varint()
		c.MaxBytes = d.varint()
		c.MaxAge = time.Duration(d.varint())
		c.MaxMsgsPerSubject = d.varint()
		c.MaxMsgSize = int32(d.varint())
		c.Discard = Discard(d.varint())
		c.FirstSeq = uint64(d.varint())
		c.Compression = Compression(d.varint())
		flags := d.byte()
		c.DiscardNewPerSubject, c.AllowMsgTTL = flags&1 != 0, flags&2 != 0
	}
	if d.bad || len(d.b) != 0 {
		return Op{}, ErrBadOp
	}
	return op, nil
}

// opDecoder reads fields, remembering the first failure.
type opDecoder struct {
	b   []byte
	bad bool
}

func (d *opDecoder) uvarint() uint64 {
	v, n := binary.Uvarint(d.b)
	if n <= 0 {
		d.bad = true
		return 0
	}
	d.b = d.b[n:]
	return v
}

func (d *opDecoder) varint() int64 {
	v, n := binary.Varint(d.b)
	if n <= 0 {
		d.bad = true
		return 0
	}
	d.b = d.b[n:]
	return v
}

func (d *opDecoder) bytes() []byte {
	n := d.uvarint()
	if d.bad || n > uint64(len(d.b)) {
		d.bad = true
		return nil
	}
	v := d.b[:n:n]
	d.b = d.b[n:]
	if n == 0 {
		return nil
	}
	return v
}

func (d *opDecoder) byte() byte {
	if len(d.b) == 0 {
		d.bad = true
		return 0
	}
	v := d.b[0]
	d.b = d.b[1:]
	return v
}
