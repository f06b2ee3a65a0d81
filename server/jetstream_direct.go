package server

import (
	"encoding/json"
	"sort"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/natsd/natsd/jetstream/api"
	"github.com/natsd/natsd/jetstream/store"
)

// msgGet answers STREAM.MSG.GET: by sequence, last by subject or next by
// subject (from seq).
func (jsa *jsAccount) msgGet(name string, body []byte) (any, *api.Error) {
	var req api.MsgGetRequest
	if len(strings.TrimSpace(string(body))) == 0 {
		return nil, api.JSBadRequestErr.New()
	}
	if e := api.Decode(body, &req); e != nil {
		return nil, e
	}
	st := jsa.lookup(name)
	if st == nil {
		return nil, api.JSStreamNotFoundErr.New()
	}
	if (req.Seq > 0 && req.LastFor != "") || (req.Seq == 0 && req.LastFor == "" && req.NextFor == "") ||
		(req.LastFor != "" && req.NextFor != "") {
		return nil, api.JSBadRequestErr.New()
	}
	sm, err := st.load(req.Seq, req.LastFor, req.NextFor, nil)
	if err != nil {
		return nil, api.JSNoMessageFoundErr.New()
	}
	m := &api.StoredMsg{Subject: sm.Subject, Sequence: sm.Seq, Header: sm.Hdr, Data: sm.Msg, Time: time.Unix(0, sm.Ts).UTC()}
	return &api.MsgGetResponse{Response: api.Response{Type: api.StreamMsgGetResponseType}, Message: m}, nil
}

// directGetLast answers DIRECT.GET.<stream>.<subject> (a KV get): the
// last message of subject, or a 404 status; a body must be a JSON request
// that asks for nothing more (lastBySubjectBody). stream and subj may be
// views of the requester's read
// buffer: neither is kept. reply from an inline request (pub set) joins
// pub's output; a worker's goes out through the internal client.
//
// It allocates nothing once warm: the message is loaded into, and the
// reply built in, a pooled buffer (delivery copies what it delivers).
func (jsa *jsAccount) directGetLast(pub *client, stream, subj string, reply, body []byte) {
	st := jsa.lookup(stream)
	if st == nil || len(reply) == 0 {
		return
	}
	d := directBufs.Get().(*directBuf)
	defer d.release()
	bad := ""
	if len(body) > 0 {
		bad = lastBySubjectBody(body)
	}
	st.mu.Lock()
	allow, name := st.cfg.AllowDirect, st.cfg.Name
	var sm *store.StoreMsg
	err := store.ErrStoreClosed
	if allow && !st.closed && bad == "" {
		sm, err = st.store.LoadLastMsg(subj, &d.sm)
	}
	st.mu.Unlock()
	switch {
	case !allow:
		return // nats-server only listens for direct gets on such streams
	case bad != "":
		d.out = api.AppendStatus(d.out[:0], bad)
	case err != nil:
		sm = nil
		d.out = api.AppendStatus(d.out[:0], "404 Message Not Found")
	default:
		d.out = appendDirectHeader(d.out[:0], name, sm, -1, 0, false)
	}
	hdrLen := len(d.out)
	if sm != nil {
		d.out = append(d.out, sm.Msg...)
	}
	if pub != nil {
		pub.deliverReply(jsa.acc, reply, hdrLen, d.out)
		return
	}
	jsa.ic.publish(reply, nil, hdrLen, d.out)
}

// lastBySubjectBody checks the body of a DIRECT.GET.<stream>.<subject>
// request as nats-server does: it must be JSON (unknown fields and
// max_bytes are ignored) that selects nothing of its own, else the answer
// is a 408 status. "" when it may be served.
func lastBySubjectBody(body []byte) string {
	var req api.DirectGetRequest
	if err := json.Unmarshal(body, &req); err != nil {
		return "408 Malformed Request"
	}
	if req.Seq > 0 || req.LastFor != "" || req.NextFor != "" || req.Batch != 0 || len(req.MultiLastFor) > 0 ||
		req.StartTime != nil || req.UpToSeq > 0 || req.UpToTime != nil {
		return "408 Bad Request"
	}
	return ""
}

// directBuf is a direct get's message and reply, reused through
// directBufs.
type directBuf struct {
	sm  store.StoreMsg
	out []byte
}

var directBufs = sync.Pool{New: func() any { return new(directBuf) }}

// directBufMax is the largest buffer kept for reuse: a rare big message
// does not pin its size in the pool.
const directBufMax = 64 << 10

func (d *directBuf) release() {
	if cap(d.out) > directBufMax {
		*d = directBuf{} // the message's buffer was as big
	}
	d.sm.Subject, d.sm.Hdr, d.sm.Msg = "", nil, nil
	directBufs.Put(d)
}

// load loads one message as a get request names it.
func (st *stream) load(seq uint64, last, next string, sm *store.StoreMsg) (*store.StoreMsg, error) {
	st.mu.Lock()
	defer st.mu.Unlock()
	if st.closed {
		return nil, store.ErrStoreClosed
	}
	switch {
	case last != "":
		return st.store.LoadLastMsg(last, sm)
	case next != "":
		return st.store.LoadNextMsg(next, seq, sm)
	}
	return st.store.LoadMsg(seq, sm)
}

// directGet answers DIRECT.GET on a stream with allow_direct: the message
// itself, with Nats-Stream, Nats-Subject, Nats-Sequence and
// Nats-Time-Stamp headers, or a 404/408 status.
func (jsa *jsAccount) directGet(r *apiRequest, req api.Request) {
	st := jsa.lookup(req.Stream)
	if st == nil || r.reply == "" {
		return
	}
	cfg := st.config()
	if !cfg.AllowDirect {
		return // nats-server only listens for direct gets on such streams
	}
	reply := []byte(r.reply)
	sendWhole := func(b []byte, hdrLen int) {
		if r.pub != nil {
			r.pub.deliverReply(jsa.acc, reply, hdrLen, b)
			return
		}
		jsa.ic.publish(reply, nil, hdrLen, b)
	}
	send := func(hdr, msg []byte) {
		if cap(hdr)-len(hdr) >= len(msg) {
			sendWhole(append(hdr, msg...), len(hdr)) // directHeader left room for it
			return
		}
		b := make([]byte, 0, len(hdr)+len(msg))
		sendWhole(append(append(b, hdr...), msg...), len(hdr))
	}
	status := func(s string) { send(api.AppendStatus(nil, s), nil) }
	if req.Filter != "" {
		jsa.directGetLast(r.pub, req.Stream, req.Filter, reply, r.msg)
		return
	}
	var dreq api.DirectGetRequest
	if len(strings.TrimSpace(string(r.msg))) == 0 {
		status("408 Empty Request")
		return
	}
	if e := api.Decode(r.msg, &dreq); e != nil {
		status("408 Malformed Request")
		return
	}
	if len(dreq.MultiLastFor) > 0 {
		jsa.directMultiLast(st, &dreq, send)
		return
	}
	if (dreq.Seq > 0 && dreq.LastFor != "") || (dreq.Seq == 0 && dreq.LastFor == "" && dreq.NextFor == "" && dreq.StartTime == nil) {
		status("408 Bad Request")
		return
	}
	if dreq.Batch <= 0 {
		sm, err := st.load(dreq.Seq, dreq.LastFor, dreq.NextFor, nil)
		if err != nil {
			status("404 Message Not Found")
			return
		}
		send(directHeader(cfg.Name, sm, -1, 0, false), sm.Msg)
		return
	}
	// A batch: up to batch messages (and max_bytes) from seq on, matching
	// next_by_subj, each with the count still pending, then an EOB.
	filter := dreq.NextFor
	seq := dreq.Seq
	if seq == 0 {
		seq = 1
	}
	if dreq.StartTime != nil {
		seq = st.seqAtTime(dreq.StartTime.UnixNano())
	}
	var sm store.StoreMsg
	var lastSeq uint64
	sent, bytes := 0, 0
	for sent < dreq.Batch {
		m, err := st.load(seq, "", filterOrAll(filter), &sm)
		if err != nil {
			break
		}
		if dreq.MaxBytes > 0 && sent > 0 && bytes+len(m.Msg)+len(m.Hdr) > dreq.MaxBytes {
			break
		}
		pending := st.NumPending(m.Seq+1, filterOrAll(filter))
		send(directHeader(cfg.Name, m, int64(pending), lastSeq, true), m.Msg)
		bytes += len(m.Msg) + len(m.Hdr)
		lastSeq = m.Seq
		seq = m.Seq + 1
		sent++
	}
	if sent == 0 {
		status("404 Message Not Found")
		return
	}
	pending := st.NumPending(seq, filterOrAll(filter))
	send(eobStatus(pending, lastSeq), nil)
}

// directMultiLast sends the last message of every subject matching the
// request's multi_last filters, then an EOB.
func (jsa *jsAccount) directMultiLast(st *stream, dreq *api.DirectGetRequest, send func(hdr, msg []byte)) {
	st.mu.Lock()
	set := map[string]struct{}{}
	for _, f := range dreq.MultiLastFor {
		for subj := range st.store.SubjectsTotals(f) {
			set[subj] = struct{}{}
		}
	}
	st.mu.Unlock()
	subjects := make([]string, 0, len(set))
	for s := range set {
		subjects = append(subjects, s)
	}
	sort.Strings(subjects)
	name := st.name
	upTo := dreq.UpToSeq
	if upTo == 0 {
		var ss store.State
		st.mu.Lock()
		st.store.FastState(&ss)
		st.mu.Unlock()
		upTo = ss.LastSeq
	}
	// The messages first: each carries how many of the set remain.
	var msgs []*store.StoreMsg
	for _, subj := range subjects {
		m, err := st.load(0, subj, "", nil)
		if err != nil || m.Seq > upTo {
			continue
		}
		msgs = append(msgs, m)
	}
	sort.Slice(msgs, func(i, j int) bool { return msgs[i].Seq < msgs[j].Seq })
	if len(msgs) == 0 {
		send(api.AppendStatus(nil, "404 Message Not Found"), nil)
		return
	}
	var last uint64
	sent := 0
	for i, m := range msgs {
		if dreq.Batch > 0 && sent == dreq.Batch {
			break
		}
		send(directHeader(name, m, int64(len(msgs)-i-1), last, true), m.Msg)
		last = m.Seq
		sent++
	}
	b := eobStatus(uint64(len(msgs)-sent), last)
	b = append(b[:len(b)-2], "Nats-UpTo-Sequence: "...)
	b = strconv.AppendUint(b, upTo, 10)
	send(append(b, "\r\n\r\n"...), nil)
}

func filterOrAll(f string) string {
	if f == "" {
		return ">"
	}
	return f
}

// seqAtTime is the first sequence stored at or after ts.
func (st *stream) seqAtTime(ts int64) uint64 {
	var sm store.StoreMsg
	seq := uint64(1)
	for {
		m, err := st.load(seq, "", ">", &sm)
		if err != nil {
			return seq
		}
		if m.Ts >= ts {
			return m.Seq
		}
		seq = m.Seq + 1
	}
}

// directHeader is the header block of a direct get response: the
// message's own headers, then the stream's. batch adds Nats-Num-Pending
// and Nats-Last-Sequence.
//
// The buffer has room for the message after the header, so that the
// reply is built in one allocation.
func directHeader(stream string, sm *store.StoreMsg, pending int64, lastSeq uint64, batch bool) []byte {
	b := make([]byte, 0, len(sm.Hdr)+len(stream)+len(sm.Subject)+directHeaderRoom+len(sm.Msg))
	return appendDirectHeader(b, stream, sm, pending, lastSeq, batch)
}

// appendDirectHeader appends directHeader's header block to b.
func appendDirectHeader(b []byte, stream string, sm *store.StoreMsg, pending int64, lastSeq uint64, batch bool) []byte {
	if len(sm.Hdr) >= 4 {
		b = append(b, sm.Hdr[:len(sm.Hdr)-2]...)
	} else {
		b = append(b, "NATS/1.0\r\n"...)
	}
	b = append(b, "Nats-Stream: "...)
	b = append(b, stream...)
	b = append(b, "\r\nNats-Subject: "...)
	b = append(b, sm.Subject...)
	b = append(b, "\r\nNats-Sequence: "...)
	b = strconv.AppendUint(b, sm.Seq, 10)
	b = append(b, "\r\nNats-Time-Stamp: "...)
	b = time.Unix(0, sm.Ts).UTC().AppendFormat(b, time.RFC3339Nano)
	if batch {
		b = append(b, "\r\nNats-Num-Pending: "...)
		b = strconv.AppendInt(b, pending, 10)
		b = append(b, "\r\nNats-Last-Sequence: "...)
		b = strconv.AppendUint(b, lastSeq, 10)
	}
	return append(b, "\r\n\r\n"...)
}

// directHeaderRoom is directHeader's fixed part at most: the names, a
// sequence, a time stamp, the batch's counts and the line ends.
const directHeaderRoom = 160

// eobStatus ends a batch: "NATS/1.0 204 EOB" with the pending count and
// the last sequence sent.
func eobStatus(pending, last uint64) []byte {
	b := []byte("NATS/1.0 204 EOB\r\nNats-Num-Pending: ")
	b = strconv.AppendUint(b, pending, 10)
	b = append(b, "\r\nNats-Last-Sequence: "...)
	b = strconv.AppendUint(b, last, 10)
	return append(b, "\r\n\r\n"...)
}
