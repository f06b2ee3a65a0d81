package server

import (
	"encoding/json"
	"errors"
	"io"
	"strconv"
	"time"

	"github.com/klauspost/compress/s2"
	"github.com/nats-io/nuid"

	"github.com/natsd/natsd/jetstream/api"
	"github.com/natsd/natsd/jetstream/archive"
	"github.com/natsd/natsd/jetstream/store"
	"github.com/natsd/natsd/sublist"
)

// Stream snapshots, as nats-server 2.15 sends them: the API answers with
// the stream's config and state, then a goroutine of the snapshot's own
// streams an s2-compressed NATSARC1 archive (jetstream/archive) to the
// deliver subject in chunks of chunk_size bytes. Every full chunk carries
// a reply subject $JS.SNAPSHOT.ACK.<stream>.<id>.<chunk_size>.<n> and the
// receiver answers it: no more than window_size bytes go out unanswered,
// and an answer that does not come within snapshotFlowTimeout ends the
// snapshot with a "408 No Flow Response" status. The last, shorter chunk
// has no reply, and an empty message ends the snapshot ("204" status when
// any chunk asked for an ack, as nats-server does).
//
// The archive holds the live messages between the first and last
// sequence the response announced, each loaded under the stream's lock
// for a moment (publishes go on meanwhile; a message removed meanwhile is
// left out). The durable consumers go in too
// (jetstream_snapshot_consumers.go), as they are when the snapshot starts.

const (
	snapshotFlowTimeout     = 5 * time.Second
	snapshotInterestTimeout = 5 * time.Second
	snapshotWildcardWait    = 500 * time.Millisecond
)

var (
	hdrSnapshotEOF        = []byte("NATS/1.0 204\r\n\r\n")
	hdrSnapshotNoFlow     = []byte("NATS/1.0 408 No Flow Response\r\n\r\n")
	errSnapshotNoFlow     = errors.New("no flow response")
	errSnapshotNoInterest = errors.New("no interest")
	errSnapshotShutdown   = errors.New("server shutting down")
)

func clampInt(v, def, lo, hi int) int {
	switch {
	case v <= 0:
		return def
	case v < lo:
		return lo
	case v > hi:
		return hi
	}
	return v
}

// streamSnapshot answers STREAM.SNAPSHOT and starts the transfer.
func (jsa *jsAccount) streamSnapshot(name string, body []byte) (any, *api.Error) {
	var req api.StreamSnapshotRequest
	if len(body) == 0 {
		return nil, api.JSBadRequestErr.New()
	}
	if e := api.Decode(body, &req); e != nil {
		return nil, e
	}
	st := jsa.lookup(name)
	if st == nil {
		return nil, api.JSStreamNotFoundErr.New()
	}
	if req.DeliverSubject == "" {
		return nil, api.JSBadRequestErr.New()
	}
	if !sublist.ValidLiteralSubject(req.DeliverSubject) {
		return nil, api.JSSnapshotDeliverSubjectInvalidErr.New()
	}
	if req.CheckMsgs {
		if err := st.store.Check(); err != nil {
			return nil, api.JSStreamSnapshotErrF.New("{err}", err.Error())
		}
	}
	si := st.info(nil, 0)
	cons := st.snapshotConsumers()
	si.State.Consumers = len(cons)
	sn := &snapshotter{
		st: st, deliver: req.DeliverSubject, state: si.State, consumers: cons,
		chunk:  clampInt(req.ChunkSize, api.SnapshotDefaultChunk, api.SnapshotMinChunk, api.SnapshotMaxChunk),
		window: clampInt(req.WindowSize, api.SnapshotDefaultWindow, api.SnapshotMinWindow, api.SnapshotMaxWindow),
		acks:   make(chan struct{}, 1024),
	}
	sn.ackPre = api.SnapshotAckPre + name + "." + nuid.Next() + "." + strconv.Itoa(sn.chunk) + "."
	if !jsa.js.goroutine(sn.run) {
		return nil, api.JSStreamSnapshotErrF.New("{err}", "JetStream is shutting down")
	}
	return &api.StreamSnapshotResponse{Response: api.Response{Type: api.StreamSnapshotResponseType},
		Config: &si.Config, State: &si.State}, nil
}

// snapshotter sends one snapshot.
type snapshotter struct {
	st      *stream
	deliver string
	state   api.StreamState
	chunk   int

	consumers []*consumer
	window    int
	ackPre    string
	acks      chan struct{}

	buf      []byte // the chunk being filled
	n        int    // chunks sent with a reply
	inflight int    // of which not yet acked
	sent     uint64 // compressed bytes sent
}

// run waits for the receiver (natscli subscribes only once it has the
// API's answer), sends the archive and logs the outcome.
func (sn *snapshotter) run() {
	st := sn.st
	jsa := st.jsa
	s := jsa.js.srv
	acc := jsa.acc
	t0 := time.Now()
	s.log.Noticef("Starting snapshot for stream '%s > %s'", acc.name, st.name)
	jsa.adviseSnapshot(api.AdvisorySnapshotCreatePre, api.SnapshotCreateType, st.name, t0, &sn.state)
	err := sn.send()
	if err != nil {
		s.log.Warnf("Snapshot for stream '%s > %s' failed after %v: %v", acc.name, st.name, time.Since(t0), err)
		if errors.Is(err, errSnapshotNoFlow) {
			jsa.ic.publish([]byte(sn.deliver), nil, len(hdrSnapshotNoFlow), hdrSnapshotNoFlow)
		}
		return
	}
	s.log.Noticef("Completed snapshot of %s for stream '%s > %s' in %v", friendlyBytes(int64(sn.sent)), acc.name, st.name, time.Since(t0))
	jsa.adviseSnapshot(api.AdvisorySnapshotCompletePre, api.SnapshotCompleteType, st.name, t0, nil)
}

func (sn *snapshotter) send() error {
	jsa := sn.st.jsa
	// natscli subscribes to the deliver subject only after the answer,
	// and its request inbox (_INBOX.<id>.*) matches that subject
	// meanwhile: wait for a subscription on the subject itself (a while
	// for one by wildcard, as a client subscribed beforehand may have).
	t0 := time.Now()
	for {
		exact, some := sn.interest()
		if exact || (some && time.Since(t0) > snapshotWildcardWait) {
			break
		}
		if time.Since(t0) > snapshotInterestTimeout {
			return errSnapshotNoInterest
		}
		select {
		case <-jsa.js.quit:
			return errSnapshotShutdown
		case <-time.After(2 * time.Millisecond):
		}
	}
	sub, err := jsa.ic.subscribeLocal(sn.ackPre+">", func(_ *client, _ *subscription, _, _ []byte, _ int, _ []byte) bool {
		select {
		case sn.acks <- struct{}{}:
		default:
		}
		return true
	})
	if err != nil {
		return err
	}
	defer jsa.ic.unsubscribe(sub)
	sw := s2.NewWriter(sn, s2.WriterConcurrency(1))
	if err := writeArchive(sn.st, &sn.state, sn.consumers, sw); err != nil {
		return err
	}
	if err := sw.Close(); err != nil {
		return err
	}
	if len(sn.buf) > 0 {
		if !jsa.ic.publish([]byte(sn.deliver), nil, 0, sn.buf) {
			return errSnapshotNoInterest
		}
		sn.sent += uint64(len(sn.buf))
	}
	if sn.n > 0 {
		jsa.ic.publish([]byte(sn.deliver), nil, len(hdrSnapshotEOF), hdrSnapshotEOF)
	} else {
		jsa.ic.publish([]byte(sn.deliver), nil, 0, nil)
	}
	return nil
}

// interest reports whether a subscription on exactly the deliver subject
// exists, and whether any does.
func (sn *snapshotter) interest() (exact, some bool) {
	r := sn.st.jsa.acc.sl.MatchString(sn.deliver)
	for _, sub := range r.Plain {
		if sub.subject == sn.deliver {
			return true, true
		}
	}
	for _, q := range r.Queues {
		for _, sub := range q.Members {
			if sub.subject == sn.deliver {
				return true, true
			}
		}
	}
	return false, len(r.Plain) > 0 || len(r.Queues) > 0
}

// Write cuts the compressed archive into chunks and sends the full ones,
// waiting for acks when the window is full.
func (sn *snapshotter) Write(p []byte) (int, error) {
	total := len(p)
	for len(p) > 0 {
		room := sn.chunk - len(sn.buf)
		if room > len(p) {
			room = len(p)
		}
		sn.buf = append(sn.buf, p[:room]...)
		p = p[room:]
		if len(sn.buf) == sn.chunk {
			if err := sn.sendChunk(); err != nil {
				return 0, err
			}
		}
	}
	return total, nil
}

func (sn *snapshotter) sendChunk() error {
	maxInflight := sn.window / sn.chunk
	if maxInflight < 1 {
		maxInflight = 1
	}
	for sn.inflight >= maxInflight {
		select {
		case <-sn.acks:
			sn.inflight--
		case <-time.After(snapshotFlowTimeout):
			return errSnapshotNoFlow
		case <-sn.st.jsa.js.quit:
			return errSnapshotShutdown
		}
	}
	// Acks that came early free their slots without waiting.
	for drained := false; !drained; {
		select {
		case <-sn.acks:
			if sn.inflight > 0 {
				sn.inflight--
			}
		default:
			drained = true
		}
	}
	sn.n++
	reply := sn.ackPre + strconv.Itoa(sn.n)
	if !sn.st.jsa.ic.publish([]byte(sn.deliver), []byte(reply), 0, sn.buf) {
		return errSnapshotNoInterest
	}
	sn.inflight++
	sn.sent += uint64(len(sn.buf))
	sn.buf = sn.buf[:0]
	return nil
}

// writeArchive writes state.json, the consumers, the live messages up to
// the state's last sequence and the end sentinel.
func writeArchive(st *stream, state *api.StreamState, consumers []*consumer, w io.Writer) error {
	aw := archive.NewWriter(w)
	sj, err := json.Marshal(state)
	if err != nil {
		return err
	}
	now := time.Now().UnixNano()
	if err := aw.WriteEntry("state.json", now, 0, nil, sj); err != nil {
		return err
	}
	for _, c := range consumers {
		b, err := c.archiveEntry()
		if err != nil {
			return err
		}
		if err := aw.WriteEntry(archiveConsumerPrefix+c.name, now, 0, nil, b); err != nil {
			return err
		}
	}
	var sm store.StoreMsg
	for seq := state.FirstSeq; state.Msgs > 0 && seq <= state.LastSeq; {
		st.mu.Lock()
		if st.closed {
			st.mu.Unlock()
			return errStreamClosed
		}
		m, err := st.store.LoadNextMsg("", seq, &sm)
		st.mu.Unlock()
		if errors.Is(err, store.ErrStoreEOF) {
			break
		}
		if err != nil {
			return err
		}
		if m.Seq > state.LastSeq {
			break
		}
		if err := aw.WriteEntry(m.Subject, m.Ts, m.Seq, m.Hdr, m.Msg); err != nil {
			return err
		}
		seq = m.Seq + 1
	}
	return aw.End()
}

// snapshotAdvisory is the snapshot and restore advisories' body (without
// the client, which natsd's API requests do not carry).
type snapshotAdvisory struct {
	api.TypedEvent
	Stream string           `json:"stream"`
	State  *api.StreamState `json:"state,omitempty"`
	Start  *time.Time       `json:"start,omitempty"`
	End    *time.Time       `json:"end,omitempty"`
	Bytes  int64            `json:"bytes,omitempty"`
	Domain string           `json:"domain,omitempty"`
}

// adviseSnapshot publishes a snapshot or restore advisory: a create
// one carries the state (when given), a complete one start and end.
func (jsa *jsAccount) adviseSnapshot(prefix, typ, name string, start time.Time, state *api.StreamState) {
	jsa.adviseSnapshotBytes(prefix, typ, name, start, state, 0)
}

func (jsa *jsAccount) adviseSnapshotBytes(prefix, typ, name string, start time.Time, state *api.StreamState, n int64) {
	now := time.Now().UTC()
	ev := snapshotAdvisory{TypedEvent: api.TypedEvent{Type: typ, ID: nuid.Next(), Time: now},
		Stream: name, State: state, Bytes: n, Domain: jsa.js.opts.Domain}
	if typ == api.SnapshotCompleteType || typ == api.RestoreCompleteType {
		s := start.UTC()
		ev.Start, ev.End = &s, &now
	}
	b, err := json.Marshal(ev)
	if err != nil {
		return
	}
	jsa.ic.publish([]byte(prefix+name), nil, 0, b)
}
