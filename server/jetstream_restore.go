package server

import (
	"bufio"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"os"
	"strings"
	"time"

	"github.com/klauspost/compress/s2"
	"github.com/nats-io/nuid"

	"github.com/natsd/natsd/jetstream/api"
	"github.com/natsd/natsd/jetstream/archive"
	"github.com/natsd/natsd/jetstream/store"
)

// Stream restores, as nats-server 2.15 takes them: STREAM.RESTORE with
// the backup's config and state answers with a subject
// $JS.SNAPSHOT.RESTORE.<stream>.<id>; the client sends the archive there
// in chunks, each a request answered with an empty message once it is on
// disk, then an empty request, answered by a stream_create_response when
// the stream is built. The chunks go to a temporary file beside the
// account directories (the callback only copies them into the session's
// goroutine); the stream is built from it at the end, its store filled
// before it subscribes to its subjects, so no publish mixes into a
// restore.

const restoreIdleTimeout = 30 * time.Second

type restoreChunk struct {
	reply string
	data  []byte
}

// restoreSession is one restore between its request and its last chunk.
type restoreSession struct {
	jsa   *jsAccount
	name  string
	req   api.StreamRestoreRequest
	subj  string
	sub   *subscription
	ch    chan restoreChunk
	start time.Time
}

func (jsa *jsAccount) streamRestore(name string, body []byte) (any, *api.Error) {
	var req api.StreamRestoreRequest
	if len(body) == 0 {
		return nil, api.JSBadRequestErr.New()
	}
	if e := api.Decode(body, &req); e != nil {
		return nil, e
	}
	if req.Config.Name == "" {
		return nil, api.JSBadRequestErr.New()
	}
	if req.Config.Name != name {
		return nil, api.JSStreamMismatchErr.New()
	}
	if jsa.lookup(name) != nil {
		return nil, api.JSStreamNameExistRestoreFailedErr.New()
	}
	rs := &restoreSession{jsa: jsa, name: name, req: req, ch: make(chan restoreChunk, 64), start: time.Now()}
	rs.subj = api.SnapshotRestorePre + name + "." + nuid.Next()
	sub, err := jsa.ic.subscribeLocal(rs.subj, rs.onChunk)
	if err != nil {
		return nil, api.JSRestoreSubscribeFailedErrF.New("{subject}", rs.subj, "{err}", err.Error())
	}
	rs.sub = sub
	jsa.js.srv.log.Noticef("Starting restore for stream '%s > %s'", jsa.acc.name, name)
	if !jsa.js.goroutine(rs.run) {
		jsa.ic.unsubscribe(sub)
		return nil, api.JSStreamRestoreErrF.New("{err}", "JetStream is shutting down")
	}
	jsa.adviseSnapshot(api.AdvisoryRestoreCreatePre, api.RestoreCreateType, name, rs.start, nil)
	return &api.StreamRestoreResponse{Response: api.Response{Type: api.StreamRestoreResponseType}, DeliverSubject: rs.subj}, nil
}

// onChunk copies a chunk to the session (it runs in the sender's delivery).
func (rs *restoreSession) onChunk(_ *client, _ *subscription, _, reply []byte, hdrLen int, msg []byte) bool {
	if hdrLen > 0 && hdrLen <= len(msg) {
		msg = msg[hdrLen:]
	}
	c := restoreChunk{reply: string(reply), data: append([]byte(nil), msg...)}
	select {
	case rs.ch <- c:
	default:
		// The client sends a chunk only once the last is answered:
		// this one did not wait.
		rs.jsa.js.goroutine(func() {
			rs.jsa.respond(c.reply, api.ErrorResponse(api.StreamRestoreResponseType, api.JSStreamRestoreErrF.New("{err}", "too many chunks in flight")))
		})
	}
	return true
}

// run writes the chunks to a temporary file and builds the stream at
// the end.
func (rs *restoreSession) run() {
	jsa := rs.jsa
	log := jsa.js.srv.log
	defer jsa.ic.unsubscribe(rs.sub)
	f, err := os.CreateTemp(jsa.js.dir, "restore-*.arc.s2")
	if err != nil {
		log.Errorf("JetStream: restore of '%s > %s': %v", jsa.acc.name, rs.name, err)
		return
	}
	defer func() {
		f.Close()
		os.Remove(f.Name())
	}()
	var size int64
	idle := time.NewTimer(restoreIdleTimeout)
	defer idle.Stop()
	for {
		select {
		case <-jsa.js.quit:
			return
		case <-idle.C:
			log.Warnf("Restore for stream '%s > %s' failed: no data for %v", jsa.acc.name, rs.name, restoreIdleTimeout)
			return
		case c := <-rs.ch:
			idle.Reset(restoreIdleTimeout)
			if len(c.data) > 0 {
				if _, err := f.Write(c.data); err != nil {
					jsa.respond(c.reply, api.ErrorResponse(api.StreamRestoreResponseType, api.JSStreamRestoreErrF.New("{err}", err.Error())))
					return
				}
				size += int64(len(c.data))
				jsa.ic.publish([]byte(c.reply), nil, 0, nil)
				continue
			}
			jsa.ic.unsubscribe(rs.sub)
			// Built in the API worker, ordered with the stream creates
			// and deletes (and another restore of the same name), as its
			// checks that the name is free need.
			var resp *api.StreamCreateResponse
			if !jsa.js.run(func() { resp = rs.finish(f) }) {
				return // shutting down
			}
			if resp.Error == nil {
				log.Noticef("Completed restore of %s for stream '%s > %s' in %v", friendlyBytes(size), jsa.acc.name, rs.name, time.Since(rs.start).Round(time.Millisecond))
				jsa.adviseSnapshotBytes(api.AdvisoryRestoreCompletePre, api.RestoreCompleteType, rs.name, rs.start, nil, size)
			} else {
				log.Warnf("Restore for stream '%s > %s' failed: %s", jsa.acc.name, rs.name, resp.Error.Description)
			}
			jsa.respond(c.reply, resp)
			return
		}
	}
}

// finish builds the stream from the received archive.
func (rs *restoreSession) finish(f *os.File) *api.StreamCreateResponse {
	jsa := rs.jsa
	fail := func(e *api.Error) *api.StreamCreateResponse {
		return &api.StreamCreateResponse{Response: api.ErrorResponse(api.StreamCreateResponseType, e)}
	}
	if _, err := f.Seek(0, io.SeekStart); err != nil {
		return fail(api.JSStreamRestoreErrF.New("{err}", err.Error()))
	}
	body, err := json.Marshal(rs.req.Config)
	if err != nil {
		return fail(api.JSStreamRestoreErrF.New("{err}", err.Error()))
	}
	cfg, e := jsa.prepareConfig(rs.name, body)
	if e != nil {
		return fail(e)
	}
	if e := cfg.Validate(api.ValidateOptions{Create: true}); e != nil {
		return fail(e)
	}
	if e := validateSources(&cfg); e != nil {
		return fail(e)
	}
	if jsa.lookup(rs.name) != nil {
		return fail(api.JSStreamNameExistRestoreFailedErr.New())
	}
	if jsa.overlaps(&cfg) {
		return fail(api.JSStreamSubjectOverlapErr.New())
	}
	jsa.mu.RLock()
	n, maxStreams := len(jsa.streams), jsa.limits.MaxStreams
	jsa.mu.RUnlock()
	if maxStreams > 0 && n >= maxStreams {
		return fail(api.JSMaximumStreamsLimitErr.New())
	}
	if e := jsa.checkResources(&cfg); e != nil {
		return fail(e)
	}
	ar := archive.NewReader(s2.NewReader(bufio.NewReaderSize(f, 256<<10)))
	var cons []*restoredConsumer
	st, err := jsa.openStreamFill(cfg, time.Now().UTC(), false, func(s store.Store) (err error) {
		cons, err = restoreArchive(ar, s, cfg.AllowMsgTTL)
		return err
	})
	if err != nil {
		return fail(api.JSStreamRestoreErrF.New("{err}", err.Error()))
	}
	st.restoreConsumers(cons)
	jsa.advise(api.AdvisoryStreamCreatedPre, rs.name, api.ActionCreate)
	return &api.StreamCreateResponse{Response: api.Response{Type: api.StreamCreateResponseType}, StreamInfo: st.info(nil, infoServerMeta)}
}

// restoreArchive fills a new, empty store from a NATSARC1 archive:
// state.json first, the consumers (returned, to be made once the stream
// is), the messages at their sequences, the sentinel. Sequences the
// archive skips (deleted messages) stay deleted, and the store ends at
// the state's last sequence.
func restoreArchive(ar *archive.Reader, s store.Store, allowTTL bool) ([]*restoredConsumer, error) {
	h, err := ar.Next()
	if err != nil || h.Name != "state.json" {
		return nil, fmt.Errorf("archive does not start with state.json")
	}
	b, err := ar.ReadBody(nil)
	if err != nil {
		return nil, err
	}
	var state api.StreamState
	if err := json.Unmarshal(b, &state); err != nil {
		return nil, fmt.Errorf("state.json: %v", err)
	}
	if state.Consumers < 0 {
		return nil, fmt.Errorf("state.json: negative consumer_count")
	}
	if state.FirstSeq > 1 {
		if _, err := s.Compact(state.FirstSeq); err != nil {
			return nil, err
		}
	}
	var ss store.State
	var cons []*restoredConsumer
	for i := 0; i < state.Consumers; i++ {
		if h, err = ar.Next(); err != nil {
			return nil, err
		}
		if !strings.HasPrefix(h.Name, archiveConsumerPrefix) {
			return nil, fmt.Errorf("expected a consumer entry, found %q", h.Name)
		}
		if b, err = ar.ReadBody(b); err != nil {
			return nil, err
		}
		rc, err := decodeArchiveConsumer(h.Name, b)
		if err != nil {
			return nil, err
		}
		cons = append(cons, rc)
	}
	var buf []byte
	for {
		if h, err = ar.Next(); err != nil {
			if errors.Is(err, io.EOF) {
				return nil, errors.New("archive ends without its end marker")
			}
			return nil, err
		}
		if h.IsEnd() {
			break
		}
		s.FastState(&ss)
		if h.Sequence == 0 || h.Sequence <= ss.LastSeq {
			return nil, fmt.Errorf("message sequence %d out of order", h.Sequence)
		}
		if buf, err = ar.ReadBody(buf); err != nil {
			return nil, err
		}
		hdr, msg := buf[:h.HeaderSize], buf[h.HeaderSize:]
		var ttl int64
		if allowTTL && h.HeaderSize > 0 {
			if v := getHeader(hdr, hdrTTL); v != nil {
				ttl, _ = parseMsgTTL(string(v))
			}
		}
		if h.HeaderSize == 0 {
			hdr = nil
		}
		if err := s.StoreRawMsg(h.Name, hdr, msg, h.Sequence, h.Timestamp, ttl); err != nil {
			return nil, err
		}
	}
	s.FastState(&ss)
	if ss.LastSeq < state.LastSeq {
		if err := s.SkipMsgs(ss.LastSeq+1, state.LastSeq-ss.LastSeq); err != nil {
			return nil, err
		}
	}
	if err := s.Flush(); err != nil {
		return nil, err
	}
	return cons, s.Sync()
}
