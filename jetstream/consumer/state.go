package consumer

import (
	"encoding/binary"
	"errors"
	"slices"
)

// SequencePair is a position in the consumer's and the stream's sequences.
type SequencePair struct {
	Consumer uint64
	Stream   uint64
}

// Pending is one delivered, unacknowledged message: the consumer sequence
// it was (last) delivered with and when (Unix nanoseconds).
type Pending struct {
	Sequence  uint64
	Timestamp int64
}

// State is what a consumer must keep across a restart: how far it has
// delivered, its ack floor, the messages awaiting an ack (by stream
// sequence) and how often the redelivered ones were delivered.
type State struct {
	Delivered   SequencePair
	AckFloor    SequencePair
	Pending     map[uint64]Pending
	Redelivered map[uint64]uint64
}

// ErrCorruptState is Decode's answer to bytes that are not an encoded State.
var ErrCorruptState = errors.New("consumer state is corrupt")

const (
	stateMagic   = 0x4a
	stateVersion = 1
)

// Encode appends st to dst in a compact form: a magic byte and version,
// the four sequences, then the pending entries (stream sequence, consumer
// sequence, time; sorted, as deltas from the ack floor) and the
// redelivery counts, all as uvarints/varints. Equal states encode to equal
// bytes.
func Encode(dst []byte, st *State) []byte {
	dst = append(dst, stateMagic, stateVersion)
	dst = binary.AppendUvarint(dst, st.Delivered.Consumer)
	dst = binary.AppendUvarint(dst, st.Delivered.Stream)
	dst = binary.AppendUvarint(dst, st.AckFloor.Consumer)
	dst = binary.AppendUvarint(dst, st.AckFloor.Stream)
	keys := make([]uint64, 0, len(st.Pending))
	for k := range st.Pending {
		keys = append(keys, k)
	}
	slices.Sort(keys)
	dst = binary.AppendUvarint(dst, uint64(len(keys)))
	for _, k := range keys {
		p := st.Pending[k]
		dst = binary.AppendUvarint(dst, k-st.AckFloor.Stream)
		dst = binary.AppendUvarint(dst, p.Sequence-st.AckFloor.Consumer)
		dst = binary.AppendVarint(dst, p.Timestamp)
	}
	keys = keys[:0]
	for k := range st.Redelivered {
		keys = append(keys, k)
	}
	slices.Sort(keys)
	dst = binary.AppendUvarint(dst, uint64(len(keys)))
	for _, k := range keys {
		dst = binary.AppendUvarint(dst, k)
		dst = binary.AppendUvarint(dst, st.Redelivered[k])
	}
	return dst
}

// Decode reads a State written by Encode. It never panics; bytes that do
// not decode, or decode to an impossible state (a pending message below the
// ack floor or above what was delivered), give ErrCorruptState.
func Decode(b []byte) (*State, error) {
	if len(b) < 2 || b[0] != stateMagic || b[1] != stateVersion {
		return nil, ErrCorruptState
	}
	r := reader{b: b[2:]}
	st := &State{}
	st.Delivered.Consumer = r.uvarint()
	st.Delivered.Stream = r.uvarint()
	st.AckFloor.Consumer = r.uvarint()
	st.AckFloor.Stream = r.uvarint()
	n := r.uvarint()
	if r.err || n > uint64(len(r.b)) || st.AckFloor.Stream > st.Delivered.Stream || st.AckFloor.Consumer > st.Delivered.Consumer {
		return nil, ErrCorruptState
	}
	if n > 0 {
		st.Pending = make(map[uint64]Pending, n)
	}
	for i := uint64(0); i < n; i++ {
		sseq := r.uvarint() + st.AckFloor.Stream
		cseq := r.uvarint() + st.AckFloor.Consumer
		ts := r.varint()
		if r.err || sseq <= st.AckFloor.Stream || sseq > st.Delivered.Stream || cseq > st.Delivered.Consumer {
			return nil, ErrCorruptState
		}
		st.Pending[sseq] = Pending{Sequence: cseq, Timestamp: ts}
	}
	n = r.uvarint()
	if r.err || n > uint64(len(r.b)) {
		return nil, ErrCorruptState
	}
	if n > 0 {
		st.Redelivered = make(map[uint64]uint64, n)
	}
	for i := uint64(0); i < n; i++ {
		sseq, dc := r.uvarint(), r.uvarint()
		if r.err {
			return nil, ErrCorruptState
		}
		st.Redelivered[sseq] = dc
	}
	if len(r.b) != 0 {
		return nil, ErrCorruptState
	}
	return st, nil
}

type reader struct {
	b   []byte
	err bool
}

func (r *reader) uvarint() uint64 {
	v, n := binary.Uvarint(r.b)
	if n <= 0 {
		r.err = true
		return 0
	}
	r.b = r.b[n:]
	return v
}

func (r *reader) varint() int64 {
	v, n := binary.Varint(r.b)
	if n <= 0 {
		r.err = true
		return 0
	}
	r.b = r.b[n:]
	return v
}
