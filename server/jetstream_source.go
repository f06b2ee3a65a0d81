package server

import (
	"errors"
	"strconv"
	"sync"
	"time"

	"github.com/natsd/natsd/jetstream/api"
	"github.com/natsd/natsd/jetstream/store"
	"github.com/natsd/natsd/sublist"
	"github.com/natsd/natsd/transform"
)

// Mirrors and sources on a single server: each origin a stream follows is
// tailed by a goroutine of its own (a sourcer) that reads the origin's
// store directly (stores are safe for concurrent use, so no origin lock
// is taken) and writes batches into the following stream under its lock.
// It sleeps on the origin's WaitNew channel, and polls once a second for
// an origin that does not exist (yet).
//
// A mirror keeps the origin's sequences (StoreRawMsg: what the origin
// deleted stays a gap) and times; where it goes on after a restart is its
// own last sequence. A source appends (StoreMsg) with a
// Nats-Stream-Source header as nats-server writes it,
// "<origin> <seq> <filter> <destination> <subject> <id>", and after a
// restart finds where it was from the last such header of its own.
//
// An `external` origin is found without going through the network: its
// API prefix names this server's own JetStream ($JS.API, or
// $JS.<domain>.API with this server's domain) or, through a service
// import of the following stream's account that maps <prefix>.> onto
// another account's $JS.API.>, that account's JetStream (as nats-server
// reaches it, with the import's permission). The deliver prefix is not
// needed: nothing travels on subjects.

const hdrStreamSource = "Nats-Stream-Source"

// sourcePoll is how often a sourcer looks again for a missing origin.
const sourcePoll = time.Second

// sourceBatch is how many messages a sourcer stores per lock taken.
const sourceBatch = 256

type sourceFilter struct {
	src string               // filter ("" or ">" all)
	tr  *transform.Transform // nil without a destination
	dst string
}

// sourcer follows one origin for one stream.
type sourcer struct {
	st     *stream
	mirror bool
	cfg    api.StreamSource
	id     string // this source's id in its headers
	filts  []sourceFilter
	quit   chan struct{}
	done   chan struct{}

	mu     sync.Mutex
	next   uint64 // next origin sequence to look at
	copied uint64 // last origin sequence copied (0: none yet)
	active time.Time
	err    *api.Error
	lag    uint64
	found  bool
}

// startSources starts a sourcer per origin of the stream's config.
func (st *stream) startSources() {
	st.mu.Lock()
	cfg := st.cfg
	st.mu.Unlock()
	var scs []*sourcer
	if cfg.Mirror != nil {
		scs = append(scs, newSourcer(st, *cfg.Mirror, true))
	}
	for _, s := range cfg.Sources {
		if s != nil {
			scs = append(scs, newSourcer(st, *s, false))
		}
	}
	for _, sc := range scs {
		sc.resume()
		go sc.run()
	}
	st.srcMu.Lock()
	st.srcs = scs
	st.srcMu.Unlock()
}

// stopSources stops the stream's sourcers and waits for them. The
// stream's lock must not be held (a sourcer may be waiting for it).
func (st *stream) stopSources() {
	st.srcMu.Lock()
	scs := st.srcs
	st.srcs = nil
	st.srcMu.Unlock()
	for _, sc := range scs {
		close(sc.quit)
	}
	for _, sc := range scs {
		<-sc.done
	}
}

// restartSources follows the sources of a changed config.
func (st *stream) restartSources() {
	st.stopSources()
	st.startSources()
}

// resume finds where the sourcer goes on: after the mirror's last
// sequence, after the last message of this source in the stream, or at
// the configured start.
func (sc *sourcer) resume() {
	st := sc.st
	var ss store.State
	st.store.FastState(&ss)
	next := uint64(0)
	if sc.mirror {
		if ss.LastSeq > 0 {
			next = ss.LastSeq + 1
		}
	} else if ss.Msgs > 0 {
		var sm store.StoreMsg
		for seq := ss.LastSeq; seq >= ss.FirstSeq && seq > 0; seq-- {
			m, err := st.store.LoadMsg(seq, &sm)
			if err != nil {
				continue
			}
			if name, oseq, id, ok := parseSourceHeader(getHeader(m.Hdr, hdrStreamSource)); ok && name == sc.cfg.Name && id == sc.id {
				next = oseq + 1
				sc.copied = oseq
				break
			}
		}
	}
	sc.next = next // 0: decided against the origin (start seq or time)
}

// run tails the origin until stopped.
func (sc *sourcer) run() {
	defer close(sc.done)
	poll := time.NewTicker(sourcePoll)
	defer poll.Stop()
	var lastErr string // logged once until it changes
	for {
		var origin *stream
		if ojsa := sc.originAccount(); ojsa != nil {
			origin = ojsa.lookup(sc.cfg.Name)
		}
		var wake <-chan struct{}
		if origin == nil {
			sc.mu.Lock()
			sc.found = false
			if !sc.mirror {
				sc.err = api.JSStreamNotFoundErr.New()
			}
			sc.mu.Unlock()
		} else {
			wake = origin.WaitNew()
			origin.mu.Lock()
			if origin.closed {
				wake = nil // stopping: look again at the next poll
			}
			origin.mu.Unlock()
			err := sc.catchUp(origin)
			switch {
			case errors.Is(err, errStreamClosed):
				return
			case err == nil:
				lastErr = ""
			case err.Error() != lastErr:
				lastErr = err.Error()
				sc.st.jsa.js.srv.log.Warnf("JetStream: stream '%s > %s': copying from %q: %v", sc.st.jsa.acc.name, sc.st.name, sc.cfg.Name, err)
			}
		}
		select {
		case <-sc.quit:
			return
		case <-wake:
		case <-poll.C:
		}
	}
}

// startSeq is where a sourcer with no progress yet begins in origin.
func (sc *sourcer) startSeq(origin *stream) uint64 {
	if sc.cfg.OptStartSeq > 0 {
		return sc.cfg.OptStartSeq
	}
	var ss store.State
	origin.store.FastState(&ss)
	if t := sc.cfg.OptStartTime; t != nil {
		var sm store.StoreMsg
		for seq := ss.FirstSeq; ; {
			m, err := origin.store.LoadNextMsg("", seq, &sm)
			if err != nil {
				return ss.LastSeq + 1
			}
			if m.Ts >= t.UnixNano() {
				return m.Seq
			}
			seq = m.Seq + 1
		}
	}
	if ss.FirstSeq == 0 {
		return 1
	}
	return ss.FirstSeq
}

// match picks the filter a subject passes (nil when none).
func (sc *sourcer) match(subj string) *sourceFilter {
	for i := range sc.filts {
		f := &sc.filts[i]
		if f.src == ">" || sublist.SubjectMatches(f.src, subj) {
			return f
		}
	}
	return nil
}

type sourcedMsg struct {
	subj string
	hdr  []byte
	msg  []byte
	seq  uint64
	ts   int64
}

// catchUp copies what origin has past sc.next, in batches.
func (sc *sourcer) catchUp(origin *stream) error {
	sc.mu.Lock()
	sc.found, sc.err = true, nil
	sc.active = time.Now()
	if sc.next == 0 {
		sc.next = sc.startSeq(origin)
	}
	next := sc.next
	sc.mu.Unlock()
	filter := ">"
	if len(sc.filts) == 1 {
		filter = sc.filts[0].src
	}
	var sm store.StoreMsg
	batch := make([]sourcedMsg, 0, sourceBatch)
	for {
		select {
		case <-sc.quit:
			return nil
		default:
		}
		batch = batch[:0]
		eof := false
		for len(batch) < sourceBatch {
			m, err := origin.store.LoadNextMsg(filter, next, &sm)
			if err != nil {
				eof = true // the end, or the origin went away: try again later
				break
			}
			next = m.Seq + 1
			f := sc.match(m.Subject)
			if f == nil {
				continue
			}
			subj := m.Subject
			if f.tr != nil {
				if out, err := f.tr.Apply(subj, nil); err == nil {
					subj = out
				}
			}
			hdr := append([]byte(nil), m.Hdr...)
			if !sc.mirror {
				dst := f.dst
				if dst == "" {
					dst = ">"
				}
				v := sc.cfg.Name + " " + strconv.FormatUint(m.Seq, 10) + " " + f.src + " " + dst + " " + m.Subject + " " + sc.id
				if len(hdr) == 0 {
					hdr = []byte("NATS/1.0\r\n\r\n")
				}
				hdr = setHeader(hdr, hdrStreamSource, v)
			}
			batch = append(batch, sourcedMsg{subj: subj, hdr: hdr, msg: append([]byte(nil), m.Msg...), seq: m.Seq, ts: m.Ts})
		}
		if len(batch) > 0 {
			if err := sc.store(batch); err != nil {
				return err
			}
		}
		sc.mu.Lock()
		sc.next = next
		if n := len(batch); n > 0 {
			sc.copied = batch[n-1].seq
		}
		sc.active = time.Now()
		sc.mu.Unlock()
		if eof {
			return nil
		}
	}
}

// store writes a batch into the following stream.
func (sc *sourcer) store(batch []sourcedMsg) error {
	st := sc.st
	st.mu.Lock()
	defer st.mu.Unlock()
	if st.closed {
		return errStreamClosed
	}
	now := time.Now().UnixNano()
	for i := range batch {
		b := &batch[i]
		var ttl int64
		if st.cfg.AllowMsgTTL && len(b.hdr) > 0 {
			if v := getHeader(b.hdr, hdrTTL); v != nil {
				ttl, _ = parseMsgTTL(string(v))
			}
		}
		hdr := b.hdr
		if len(hdr) == 0 {
			hdr = nil
		}
		if e := st.jsa.checkLimits(st, len(b.subj)+len(hdr)+len(b.msg)); e != nil {
			st.store.Flush()
			sc.setErr(e)
			return errors.New(e.Description)
		}
		var err error
		if sc.mirror {
			var ss store.State
			st.store.FastState(&ss)
			if b.seq <= ss.LastSeq {
				continue // copied before
			}
			err = st.store.StoreRawMsg(b.subj, hdr, b.msg, b.seq, b.ts, ttl)
		} else {
			_, err = st.store.StoreMsg(b.subj, hdr, b.msg, now, ttl)
		}
		if err != nil {
			st.store.Flush()
			return err
		}
	}
	st.store.Flush()
	st.armExpiryLocked()
	if st.nwait.Load() != 0 {
		st.wakeLocked()
	}
	return nil
}

func (sc *sourcer) setErr(e *api.Error) {
	sc.mu.Lock()
	sc.err = e
	sc.mu.Unlock()
}

// sourceInfos fills a StreamInfo's mirror and sources.
func (st *stream) sourceInfos(si *api.StreamInfo) {
	st.srcMu.Lock()
	scs := st.srcs
	st.srcMu.Unlock()
	for _, sc := range scs {
		info := sc.info()
		if sc.mirror {
			info.Seq = 0
			info.Error = nil
			si.Mirror = info
		} else {
			si.Sources = append(si.Sources, info)
		}
	}
}

func (sc *sourcer) info() *api.StreamSourceInfo {
	sc.mu.Lock()
	defer sc.mu.Unlock()
	info := &api.StreamSourceInfo{Name: sc.cfg.Name, External: sc.cfg.External, Seq: sc.copied, Active: -1, Error: sc.err,
		FilterSubject: sc.cfg.FilterSubject, SubjectTransforms: sc.cfg.SubjectTransforms}
	if !sc.found {
		return info
	}
	info.Active = time.Since(sc.active)
	if ojsa := sc.originAccount(); ojsa != nil {
		if origin := ojsa.lookup(sc.cfg.Name); origin != nil && sc.next > 0 {
			for _, f := range sc.filts {
				info.Lag += origin.store.FilteredState(sc.next, f.src).Msgs
			}
		}
	}
	return info
}
