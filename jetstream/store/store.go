package store

import (
	"errors"
	"time"
)

// Errors returned by stores. Texts follow nats-server's store errors, since
// the stream layer passes some of them to clients.
var (
	ErrStoreClosed       = errors.New("store is closed")
	ErrMsgNotFound       = errors.New("no message found")
	ErrStoreEOF          = errors.New("stream store EOF")
	ErrMaxMsgs           = errors.New("maximum messages exceeded")
	ErrMaxBytes          = errors.New("maximum bytes exceeded")
	ErrMaxMsgsPerSubject = errors.New("maximum messages per subject exceeded")
	ErrMsgTooLarge       = errors.New("message too large")
	ErrInvalidSequence   = errors.New("invalid sequence")
	ErrSequenceMismatch  = errors.New("expected sequence does not match store")
	ErrBadSubject        = errors.New("invalid subject")
	ErrMsgTTLDisabled    = errors.New("per-message TTL is disabled")
	ErrBadSnapshot       = errors.New("malformed snapshot")
	ErrTooManyResults    = errors.New("too many matching results for request")
)

// Discard is what a store does when a new message would go over a limit.
type Discard int

const (
	// DiscardOld removes the oldest messages to make room.
	DiscardOld Discard = iota
	// DiscardNew refuses the new message with ErrMaxMsgs or ErrMaxBytes.
	DiscardNew
)

// Compression is how a file store compresses message bodies.
type Compression int

const (
	// NoCompression stores bodies as they are.
	NoCompression Compression = iota
	// S2Compression stores each body s2-encoded when that is smaller.
	S2Compression
)

// TTLNever is the per-message TTL that keeps a message past MaxAge.
const TTLNever int64 = -1

// Config holds the limits a store enforces. Zero values mean "no limit".
// Subjects, retention and everything else about streams are the caller's.
type Config struct {
	MaxMsgs           int64         // live messages; <= 0 unlimited
	MaxBytes          int64         // accounted bytes (MemMsgSize, FileMsgSize); <= 0 unlimited
	MaxAge            time.Duration // applied by ExpireOld; 0 forever
	MaxMsgsPerSubject int64         // live messages per subject; <= 0 unlimited
	MaxMsgSize        int32         // headers plus payload; <= 0 unlimited
	Discard           Discard
	// DiscardNewPerSubject refuses a message whose subject is at
	// MaxMsgsPerSubject (only with DiscardNew) instead of removing the
	// subject's oldest.
	DiscardNewPerSubject bool
	// FirstSeq is the first sequence of a new, empty store.
	FirstSeq uint64
	// AllowMsgTTL lets StoreMsg take a per-message TTL.
	AllowMsgTTL bool
	Compression Compression // file store only
}

// StoreMsg is a loaded message. Load methods fill the one they are given
// (or a new one) and reuse its buffer, so a caller that loads in a loop
// does not allocate per message. Hdr and Msg alias buf; copy them to keep
// them past the next load into the same StoreMsg.
type StoreMsg struct {
	Subject string
	Hdr     []byte
	Msg     []byte
	Seq     uint64
	Ts      int64 // Unix nanoseconds
	TTL     int64 // seconds; 0 none, TTLNever never
	buf     []byte
}

// fill copies hdr and msg into sm's buffer.
func (sm *StoreMsg) fill(subj string, hdr, msg []byte, seq uint64, ts, ttl int64) {
	n := len(hdr) + len(msg)
	if cap(sm.buf) < n {
		sm.buf = make([]byte, n)
	}
	sm.buf = sm.buf[:n]
	copy(sm.buf, hdr)
	copy(sm.buf[len(hdr):], msg)
	sm.Subject, sm.Seq, sm.Ts, sm.TTL = subj, seq, ts, ttl
	sm.Hdr, sm.Msg = nil, sm.buf[len(hdr):n:n]
	if len(hdr) > 0 {
		sm.Hdr = sm.buf[:len(hdr):len(hdr)]
	}
}

// State is a store's state. Deleted is filled only by State, not by
// FastState.
type State struct {
	Msgs        uint64
	Bytes       uint64
	FirstSeq    uint64
	FirstTime   int64 // Unix nanoseconds, 0 when empty
	LastSeq     uint64
	LastTime    int64 // Unix nanoseconds of the last stored message
	NumDeleted  uint64
	Deleted     []uint64
	NumSubjects uint64
}

// SimpleState is the state of the messages matching a filter.
type SimpleState struct {
	Msgs  uint64
	First uint64
	Last  uint64
}

// Store is a JetStream message store. Every method that changes the store
// is an operation whose result depends only on the store's state and its
// arguments (no clock, no randomness), so applying the same calls in the
// same order to two stores gives the same state.
//
// Subject filters are subjects that may hold wildcards; "" and ">" match
// everything.
type Store interface {
	// StoreMsg appends a message with the next sequence. ts is the message
	// time; ttl its per-message TTL in seconds (0 none, TTLNever never,
	// needs AllowMsgTTL). Limits are enforced: with DiscardNew a message
	// over a limit is refused with ErrMaxMsgs, ErrMaxBytes or
	// ErrMaxMsgsPerSubject; with DiscardOld the oldest messages go.
	StoreMsg(subj string, hdr, msg []byte, ts, ttl int64) (seq uint64, err error)
	// StoreRawMsg stores a message at seq, which must be above the last
	// sequence (the sequences skipped become deleted). For mirrors and
	// replication: limits are enforced as DiscardOld.
	StoreRawMsg(subj string, hdr, msg []byte, seq uint64, ts, ttl int64) error
	// SkipMsgs moves the last sequence to seq+num-1 without storing
	// anything, as a mirror does for sequences its origin deleted. seq
	// must be LastSeq+1.
	SkipMsgs(seq, num uint64) error

	// LoadMsg loads the message at seq, or ErrMsgNotFound (ErrStoreEOF
	// past the last sequence).
	LoadMsg(seq uint64, sm *StoreMsg) (*StoreMsg, error)
	// LoadLastMsg loads the last message matching filter.
	LoadLastMsg(filter string, sm *StoreMsg) (*StoreMsg, error)
	// LoadNextMsg loads the first message at or after start matching
	// filter, or ErrStoreEOF.
	LoadNextMsg(filter string, start uint64, sm *StoreMsg) (*StoreMsg, error)

	// RemoveMsg removes one message; false if there was none at seq.
	RemoveMsg(seq uint64) (bool, error)
	// EraseMsg removes one message and overwrites its stored bytes.
	EraseMsg(seq uint64) (bool, error)
	// Purge removes every message; the sequence goes on from LastSeq+1.
	Purge() (uint64, error)
	// PurgeEx removes the messages matching subject (all if empty) that
	// are below seq (when seq > 0), keeping the last keep of them (when
	// keep > 0), as nats-server's purge request with filter/seq/keep.
	PurgeEx(subject string, seq, keep uint64) (uint64, error)
	// Compact removes every message below seq. Past the end it empties the
	// store and the next sequence becomes seq.
	Compact(seq uint64) (uint64, error)
	// Truncate removes every message above seq; seq becomes LastSeq.
	Truncate(seq uint64) error
	// ExpireOld removes the messages older than MaxAge at now and those
	// whose TTL ran out, calling fn (if not nil) for each, in order.
	ExpireOld(now int64, fn func(seq uint64, subj string)) uint64
	// ExpireOldMsgs is ExpireOld handing fn each message as it goes (sm
	// is valid during the call only; fn must not call the store), for
	// a stream that decides what to do by a removed message's headers.
	ExpireOldMsgs(now int64, fn func(sm *StoreMsg)) uint64
	// NextExpiry is the earliest time ExpireOld would remove something, 0
	// when nothing can expire.
	NextExpiry() int64

	// State returns the state with the list of deleted sequences.
	State() State
	// FastState fills st without the deleted list.
	FastState(st *State)
	// FilteredState is the state of the messages matching filter at or
	// after seq.
	FilteredState(seq uint64, filter string) SimpleState
	// SubjectsTotals counts the live messages of each subject matching
	// filter.
	SubjectsTotals(filter string) map[string]uint64
	// MultiLastSeqs returns, in ascending order, the sequence of the last
	// message at or below maxSeq (0: the last sequence) of every subject
	// matching any of filters (none: all), for direct get's multi_last
	// and last-per-subject consumers. More than maxAllowed results (when
	// maxAllowed > 0) is ErrTooManyResults.
	MultiLastSeqs(filters []string, maxSeq uint64, maxAllowed int) ([]uint64, error)
	// NumPending counts the messages at or after start matching filter
	// (one per subject with lastPerSubject). validThrough is the last
	// sequence the count covers.
	NumPending(start uint64, filter string, lastPerSubject bool) (total, validThrough uint64)

	// UpdateConfig changes the limits and enforces them at once.
	UpdateConfig(cfg Config) error
	// Config returns the current limits.
	Config() Config
	// Sync makes every written record durable (fsync). A no-op in memory.
	Sync() error
	// Flush writes the records a file store with DeferWrites keeps in
	// memory (one write for all of them). A no-op otherwise.
	Flush() error
	// Check verifies the store's internal consistency (and for the file
	// store, that the disk says what memory says). For tests and tools.
	Check() error
	// Stop closes the store; Delete closes it and removes its data.
	Stop() error
	Delete() error
}

// MemMsgSize is the size the memory store accounts for a message against
// MaxBytes and in State.Bytes: what nats-server's memory store counts (the
// bytes plus 16 for sequence and time), so stream info and max_bytes agree
// with it.
func MemMsgSize(subj string, hdr, msg []byte) uint64 {
	return memSize(len(subj), len(hdr), len(msg))
}

// FileMsgSize is the size the file store accounts for a message: what
// nats-server's file store counts (its record layout: 30 bytes of framing,
// 4 more with headers), whatever the record takes on disk here.
func FileMsgSize(subj string, hdr, msg []byte) uint64 {
	return fileSize(len(subj), len(hdr), len(msg))
}

// sizer computes an accounted size from subject, header and payload lengths.
type sizer func(slen, hlen, mlen int) uint64

func memSize(slen, hlen, mlen int) uint64 { return uint64(slen+hlen+mlen) + 16 }

func fileSize(slen, hlen, mlen int) uint64 {
	if hlen == 0 {
		return uint64(slen+mlen) + 30
	}
	return uint64(slen+hlen+mlen) + 34
}
