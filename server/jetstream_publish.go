package server

import (
	"bytes"
	"errors"
	"slices"
	"strconv"
	"sync"
	"time"
	"unsafe"

	"github.com/natsd/natsd/jetstream/api"
	"github.com/natsd/natsd/jetstream/store"
)

// The JetStream publish headers.
const (
	hdrMsgID            = "Nats-Msg-Id"
	hdrExpectedStream   = "Nats-Expected-Stream"
	hdrExpectedLastSeq  = "Nats-Expected-Last-Sequence"
	hdrExpectedLastSubj = "Nats-Expected-Last-Subject-Sequence"
	hdrExpectedSubjSubj = "Nats-Expected-Last-Subject-Sequence-Subject"
	hdrExpectedLastID   = "Nats-Expected-Last-Msg-Id"
	hdrRollup           = "Nats-Rollup"
	hdrTTL              = "Nats-TTL"
	hdrMarkerReason     = "Nats-Marker-Reason"
)

// getHeader returns the value of key in a NATS header block (nil when
// absent). Keys match exactly, as nats-server matches these headers.
func getHeader(hdr []byte, key string) []byte {
	for len(hdr) > 0 {
		i := bytes.IndexByte(hdr, '\n')
		var line []byte
		if i < 0 {
			line, hdr = hdr, nil
		} else {
			line, hdr = hdr[:i], hdr[i+1:]
		}
		line = bytes.TrimRight(line, "\r")
		if len(line) > len(key) && line[len(key)] == ':' && string(line[:len(key)]) == key {
			return bytes.TrimSpace(line[len(key)+1:])
		}
	}
	return nil
}

// pubResult is what processing a publish gives: an ack or an error, and
// what to republish.
type pubResult struct {
	seq       uint64
	duplicate bool
	err       *api.Error
}

// processPublish is the stream's subscription callback: it stores the
// message inline (see jetstream.go for why) and acks it to reply.
func (st *stream) processPublish(pub *client, _ *subscription, subject, reply []byte, hdrLen int, msg []byte) bool {
	var hdr []byte
	if hdrLen > 0 && hdrLen <= len(msg) {
		hdr, msg = msg[:hdrLen], msg[hdrLen:]
	}
	st.mu.Lock()
	r := st.storeLocked(subject, hdr, msg)
	noAck := st.cfg.NoAck
	var rp []byte
	var rpHdr []byte
	if r.err == nil && !r.duplicate && st.rpub != nil {
		rp, rpHdr = st.republishLocked(subject, hdr, msg, r.seq)
	}
	deferred := st.storage == api.FileStorage && pub.kind == kindClient
	if st.storage == api.FileStorage && !deferred {
		// A route or an internal publisher has no read batch to wait
		// for: write now.
		if err := st.store.Flush(); err != nil && r.err == nil {
			r = pubResult{err: st.storeError(err)}
		}
	}
	st.mu.Unlock()

	if len(reply) == 0 || noAck {
		reply = nil
	}
	if deferred {
		// The record waits in the store's buffer with the others of this
		// read batch; its ack (a duplicate's or an error's too, to keep
		// the order) goes out once the batch is written
		// (flushJetStreamAcks, before the batch's output is flushed).
		pub.jsAcks.add(st, reply, r)
		if rp != nil {
			st.republish(pub, rp, rpHdr, msg)
		}
		return true
	}
	if rp != nil {
		st.republish(pub, rp, rpHdr, msg)
	}
	if reply != nil {
		st.sendAck(pub, reply, r)
	}
	return true
}

// republish sends a stored message on to its republish subject.
func (st *stream) republish(pub *client, rp, rpHdr, msg []byte) {
	acc := st.jsa.acc
	if rp != nil {
		if st.cfg.RePublish.HeadersOnly {
			pub.deliverIn(acc, rp, nil, len(rpHdr), rpHdr)
		} else {
			full := append(rpHdr, msg...)
			pub.deliverIn(acc, rp, nil, len(rpHdr), full)
		}
	}
}

// sendAck delivers the PubAck (or the error) of a publish to reply.
func (st *stream) sendAck(pub *client, reply []byte, r pubResult) {
	acc, name, domain := st.jsa.acc, st.name, st.jsa.js.opts.Domain
	if r.err != nil {
		pub.deliverIn(acc, reply, nil, 0, api.PubAckError(name, r.err))
		return
	}
	bp := ackBufs.Get().(*[]byte)
	*bp = api.AppendPubAck((*bp)[:0], name, domain, r.seq, r.duplicate)
	pub.deliverReply(acc, reply, 0, *bp)
	ackBufs.Put(bp)
}

// jsAckBatch holds the PubAcks of one read batch of a client until their
// streams' records are written: publishes to file streams append to the
// store's buffer, and one write(2) per stream per batch makes them
// durable before any of their acks is delivered. The reply subjects are
// copied into one reused buffer, so a batch allocates nothing once warm.
type jsAckBatch struct {
	acks    []pendingAck
	replies []byte
	flushed []*stream
}

type pendingAck struct {
	st       *stream
	r        pubResult
	from, to int // the reply subject in replies; empty: no ack
}

func (b *jsAckBatch) add(st *stream, reply []byte, r pubResult) {
	from := len(b.replies)
	b.replies = append(b.replies, reply...)
	b.acks = append(b.acks, pendingAck{st: st, r: r, from: from, to: len(b.replies)})
}

// flushJetStreamAcks writes the streams this batch stored into, then
// delivers the acks: a stream whose write failed acks "insufficient
// resources" for every message of the batch (none of them is stored).
func (c *client) flushJetStreamAcks() {
	b := &c.jsAcks
	var failed []*stream
	for i := range b.acks {
		st := b.acks[i].st
		if slices.Contains(b.flushed, st) {
			continue
		}
		b.flushed = append(b.flushed, st)
		if err := st.flushStore(); err != nil {
			failed = append(failed, st)
		}
	}
	for i := range b.acks {
		a := &b.acks[i]
		if a.to > a.from {
			r := a.r
			if r.err == nil && slices.Contains(failed, a.st) {
				r = pubResult{err: api.JSInsufficientResourcesErr.New()}
			}
			a.st.sendAck(c, b.replies[a.from:a.to], r)
		}
		*a = pendingAck{}
	}
	clear(b.flushed)
	b.acks, b.replies, b.flushed = b.acks[:0], b.replies[:0], b.flushed[:0]
}

// flushStore writes the stream's deferred records.
func (st *stream) flushStore() error {
	st.mu.Lock()
	defer st.mu.Unlock()
	err := st.store.Flush()
	if err != nil && !errors.Is(err, store.ErrStoreClosed) {
		st.jsa.js.srv.log.Errorf("JetStream: stream '%s > %s' failed to write messages: %v", st.jsa.acc.name, st.name, err)
	}
	return err
}

// ackBufs hold PubAcks while they are delivered (deliverIn copies them),
// so an ack costs no allocation.
var ackBufs = sync.Pool{New: func() any { b := make([]byte, 0, 256); return &b }}

// storeLocked checks the publish headers and stores the message, in
// nats-server's order of checks.
func (st *stream) storeLocked(subject, hdr, msg []byte) pubResult {
	cfg := &st.cfg
	if st.closed {
		return pubResult{err: api.JSStreamNotFoundErr.New()}
	}
	if cfg.Sealed {
		return pubResult{err: api.JSStreamSealedErr.New()}
	}
	if cfg.MaxMsgSize > 0 && len(hdr)+len(msg) > int(cfg.MaxMsgSize) {
		return pubResult{err: api.JSStreamMessageExceedsMaximumErr.New()}
	}
	if len(hdr) > 64*1024 {
		return pubResult{err: api.JSStreamHeaderExceedsMaximumErr.New()}
	}
	var ttl int64
	var msgID []byte
	rollup := 0
	if len(hdr) > 0 {
		if v := getHeader(hdr, hdrExpectedStream); v != nil && string(v) != cfg.Name {
			return pubResult{err: api.JSStreamNotMatchErr.New()}
		}
		if msgID = getHeader(hdr, hdrMsgID); len(msgID) > 0 {
			if seq, ok := st.dedupLookup(string(msgID), time.Now().UnixNano()); ok {
				return pubResult{seq: seq, duplicate: true}
			}
		}
		var ss store.State
		if v := getHeader(hdr, hdrExpectedLastSeq); v != nil {
			want, err := strconv.ParseUint(string(v), 10, 64)
			st.store.FastState(&ss)
			if err != nil || want != ss.LastSeq {
				return pubResult{err: api.JSStreamWrongLastSequenceErrF.New("{seq}", strconv.FormatUint(ss.LastSeq, 10))}
			}
		}
		if v := getHeader(hdr, hdrExpectedLastSubj); v != nil {
			want, err := strconv.ParseUint(string(v), 10, 64)
			filter := string(subject)
			if f := getHeader(hdr, hdrExpectedSubjSubj); len(f) > 0 {
				filter = string(f)
			}
			var last uint64
			if sm, lerr := st.store.LoadLastMsg(filter, nil); lerr == nil {
				last = sm.Seq
			}
			if err != nil || want != last {
				return pubResult{err: api.JSStreamWrongLastSequenceErrF.New("{seq}", strconv.FormatUint(last, 10))}
			}
		}
		if v := getHeader(hdr, hdrExpectedLastID); v != nil && string(v) != st.lastMsgID {
			return pubResult{err: api.JSStreamWrongLastMsgIDErrF.New("{id}", st.lastMsgID)}
		}
		if v := getHeader(hdr, hdrRollup); v != nil {
			if !cfg.AllowRollup || cfg.DenyPurge {
				return pubResult{err: api.JSStreamRollupFailedF.New("{err}", "rollup not permitted")}
			}
			switch string(v) {
			case "sub":
				rollup = 1
			case "all":
				rollup = 2
			default:
				return pubResult{err: api.JSStreamRollupFailedF.New("{err}", "rollup value invalid: "+strconv.Quote(string(v)))}
			}
		}
		if v := getHeader(hdr, hdrTTL); v != nil {
			if !cfg.AllowMsgTTL {
				return pubResult{err: api.JSMessageTTLDisabledErr.New()}
			}
			t, ok := parseMsgTTL(string(v))
			if !ok {
				return pubResult{err: api.JSMessageTTLInvalidErr.New()}
			}
			ttl = t
			if floor := int64(cfg.SubjectDeleteMarkerTTL / time.Second); floor > 0 && ttl > 0 && ttl < floor && cfg.MaxMsgsPerSubject != 1 {
				// The marker TTL is the least a message lives (so that
				// its marker outlives nothing it stands for): raised,
				// and the header says so, as nats-server does.
				ttl = floor
				hdr = setHeader(hdr, hdrTTL, strconv.FormatInt(floor, 10))
			}
		}
	}
	if e := st.jsa.checkLimits(st, len(subject)+len(hdr)+len(msg)); e != nil {
		return pubResult{err: e}
	}
	// A view of the subject, not a copy: the store copies a subject it
	// keeps (a new one) and encodes it into the record.
	subj := unsafe.String(unsafe.SliceData(subject), len(subject))
	if st.tr != nil && st.tr.Match(subject) {
		if out, err := st.tr.Apply(subj, nil); err == nil {
			subj = out
		}
	}
	now := time.Now().UnixNano()
	seq, err := st.store.StoreMsg(subj, hdr, msg, now, ttl)
	if err != nil {
		return pubResult{err: st.storeError(err)}
	}
	if cfg.Retention == api.InterestPolicy && !st.hasInterestLocked(subj) {
		// Nobody is interested: acknowledged, then dropped at once, as
		// nats-server does on an interest stream without consumers.
		st.store.RemoveMsg(seq)
	}
	switch rollup {
	case 1:
		st.store.PurgeEx(subj, seq, 0)
	case 2:
		st.store.Compact(seq)
	}
	if len(msgID) > 0 {
		st.dedupAdd(string(msgID), seq, now)
		st.lastMsgID = string(msgID)
	}
	if st.expTimer == nil || st.expAt == 0 {
		st.armExpiryLocked()
	}
	if st.nwait.Load() != 0 {
		st.wakeLocked()
	}
	return pubResult{seq: seq}
}

// hasInterestLocked reports whether some consumer wants messages on
// subj (its filters are read without its lock).
func (st *stream) hasInterestLocked(subj string) bool {
	for _, c := range st.consumers {
		if c.matches(subj) {
			return true
		}
	}
	return false
}

// storeError maps a store error onto the API error nats-server sends.
func (st *stream) storeError(err error) *api.Error {
	switch {
	case errors.Is(err, store.ErrMaxMsgs), errors.Is(err, store.ErrMaxBytes), errors.Is(err, store.ErrMaxMsgsPerSubject):
		return api.JSStreamStoreFailedF.New("{err}", err.Error())
	case errors.Is(err, store.ErrMsgTooLarge):
		return api.JSStreamMessageExceedsMaximumErr.New()
	case errors.Is(err, store.ErrMsgTTLDisabled):
		return api.JSMessageTTLDisabledErr.New()
	case errors.Is(err, store.ErrStoreClosed):
		return api.JSStreamNotFoundErr.New()
	}
	// A write that failed (disk full, store dir gone or read-only):
	// nothing was acknowledged, core NATS goes on.
	st.jsa.js.srv.log.Errorf("JetStream: stream '%s > %s' failed to store a message: %v", st.jsa.acc.name, st.name, err)
	return api.JSInsufficientResourcesErr.New()
}

// parseMsgTTL reads a Nats-TTL value: seconds, a Go duration, or "never".
func parseMsgTTL(v string) (int64, bool) {
	if v == "never" {
		return store.TTLNever, true
	}
	if n, err := strconv.ParseInt(v, 10, 64); err == nil {
		return n, n > 0 // nats-server 2.15.2 refuses -1 too
	}
	d, err := time.ParseDuration(v)
	if err != nil || d < time.Second {
		return 0, false
	}
	return int64(d / time.Second), true
}

// dedupLookup finds id in the duplicate window, dropping what left it.
func (st *stream) dedupLookup(id string, now int64) (uint64, bool) {
	win := int64(st.cfg.Duplicates)
	for st.dedupHead < len(st.dedupList) && now-st.dedupList[st.dedupHead].ts > win {
		e := &st.dedupList[st.dedupHead]
		if st.dedup[e.id] == e.seq {
			delete(st.dedup, e.id)
		}
		*e = dedupEntry{}
		st.dedupHead++
	}
	if st.dedupHead > 1024 && st.dedupHead*2 > len(st.dedupList) {
		st.dedupList = append(st.dedupList[:0], st.dedupList[st.dedupHead:]...)
		st.dedupHead = 0
	}
	seq, ok := st.dedup[id]
	return seq, ok
}

func (st *stream) dedupAdd(id string, seq uint64, now int64) {
	if st.cfg.Duplicates <= 0 {
		return
	}
	st.dedup[id] = seq
	st.dedupList = append(st.dedupList, dedupEntry{id: id, seq: seq, ts: now})
}

// republishLocked builds the republished subject and headers of a stored
// message (Nats-Stream, Nats-Subject, Nats-Sequence, Nats-Time-Stamp,
// Nats-Last-Sequence), or nil when the subject is not republished.
func (st *stream) republishLocked(subject, hdr, msg []byte, seq uint64) ([]byte, []byte) {
	if !st.rpub.Match(subject) {
		return nil, nil
	}
	dest, err := st.rpub.Apply(string(subject), nil)
	if err != nil {
		return nil, nil
	}
	var b []byte
	if len(hdr) >= 4 {
		b = append(b, hdr[:len(hdr)-2]...) // keep the block open
	} else {
		b = append(b, "NATS/1.0\r\n"...)
	}
	b = append(b, "Nats-Stream: "+st.cfg.Name+"\r\nNats-Subject: "...)
	b = append(b, subject...)
	b = append(b, "\r\nNats-Sequence: "...)
	b = strconv.AppendUint(b, seq, 10)
	b = append(b, "\r\nNats-Time-Stamp: "...)
	b = time.Now().UTC().AppendFormat(b, time.RFC3339Nano)
	b = append(b, "\r\nNats-Last-Sequence: "...)
	b = strconv.AppendUint(b, seq-1, 10)
	if st.cfg.RePublish.HeadersOnly {
		b = append(b, "\r\nNats-Msg-Size: "...)
		b = strconv.AppendInt(b, int64(len(msg)), 10)
	}
	b = append(b, "\r\n\r\n"...)
	return []byte(dest), b
}

// checkLimits refuses a message that would take the account over its
// JetStream storage limit.
func (jsa *jsAccount) checkLimits(st *stream, size int) *api.Error {
	limit := jsa.storeLimit.Load()
	if st.storage == api.MemoryStorage {
		limit = jsa.memLimit.Load()
	}
	if limit <= 0 {
		return nil
	}
	mem, file := jsa.usageExcept(st)
	var ss store.State
	st.store.FastState(&ss)
	used := file
	if st.storage == api.MemoryStorage {
		used = mem
	}
	if int64(used+ss.Bytes)+int64(size) > limit {
		return api.JSAccountResourcesExceededErr.New()
	}
	return nil
}

// usageExcept is usage without st (whose lock the caller holds).
func (jsa *jsAccount) usageExcept(st *stream) (mem, file uint64) {
	var ss store.State
	for _, o := range jsa.streamList() {
		if o == st {
			continue
		}
		o.store.FastState(&ss)
		if o.storage == api.MemoryStorage {
			mem += ss.Bytes
		} else {
			file += ss.Bytes
		}
	}
	return mem, file
}
