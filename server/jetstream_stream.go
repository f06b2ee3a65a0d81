package server

import (
	"errors"
	"os"
	"path/filepath"
	"sync"
	"sync/atomic"
	"time"

	"github.com/natsd/natsd/jetstream/api"
	"github.com/natsd/natsd/jetstream/store"
	"github.com/natsd/natsd/transform"
)

// stream is one stream: its config, its store and its subscriptions.
//
// Every change of a stream's messages goes through a store operation
// (StoreMsg, RemoveMsg, PurgeEx, ...) taken under mu in the order the
// requests came: that ordered list of operations is what a replicated
// log will carry later.
type stream struct {
	jsa     *jsAccount
	name    string
	storage api.StorageType
	dir     string // "" for a memory stream

	mu      sync.Mutex
	cfg     api.StreamConfig
	created time.Time
	store   store.Store
	subs    []*subscription
	tr      *transform.Transform // subject_transform, nil without
	rpub    *transform.Transform // republish, nil without
	closed  bool

	// Duplicate detection: ids in the window, oldest first.
	dedup     map[string]uint64
	dedupList []dedupEntry
	dedupHead int
	lastMsgID string

	expTimer *time.Timer
	expAt    int64

	// srcs follow the mirror's or the sources' origins
	// (jetstream_source.go); srcMu guards the list, not the stream.
	srcMu sync.Mutex
	srcs  []*sourcer

	// waiters are signalled on every new message (for consumers): a
	// closed channel means "there is something new". nwait keeps the
	// publish path free of the lock when nobody waits.
	nwait  atomic.Int32
	newMsg chan struct{}

	// consumers by name (jetstream_consumer.go); guarded by mu.
	consumers map[string]*consumer
}

type dedupEntry struct {
	id  string
	seq uint64
	ts  int64
}

// storeConfig maps a stream config onto the store's limits.
func storeConfig(cfg *api.StreamConfig) store.Config {
	c := store.Config{
		MaxMsgs: cfg.MaxMsgs, MaxBytes: cfg.MaxBytes, MaxAge: cfg.MaxAge,
		MaxMsgsPerSubject: cfg.MaxMsgsPerSubject, MaxMsgSize: cfg.MaxMsgSize,
		FirstSeq: cfg.FirstSeq, AllowMsgTTL: cfg.AllowMsgTTL,
	}
	if cfg.Discard == api.DiscardNew {
		c.Discard = store.DiscardNew
		c.DiscardNewPerSubject = cfg.DiscardNewPerSubject
	}
	if cfg.Compression == api.S2Compression {
		c.Compression = store.S2Compression
	}
	return c
}

// openStream makes a stream from cfg: its store (opened from disk when it
// exists), its transforms and its subscriptions. recovering: the stream
// was found on disk, so its meta.inf is not rewritten.
func (jsa *jsAccount) openStream(cfg api.StreamConfig, created time.Time, recovering bool) (*stream, error) {
	return jsa.openStreamFill(cfg, created, recovering, nil)
}

// openStreamFill is openStream with fill, when not nil, run on the new
// store before the stream is listed or subscribed (a restore fills it);
// an error from fill undoes the stream.
func (jsa *jsAccount) openStreamFill(cfg api.StreamConfig, created time.Time, recovering bool, fill func(store.Store) error) (*stream, error) {
	js := jsa.js
	st := &stream{jsa: jsa, name: cfg.Name, storage: cfg.Storage, cfg: cfg, created: created, dedup: make(map[string]uint64)}
	if err := st.setTransforms(&cfg); err != nil {
		return nil, err
	}
	if cfg.Storage == api.MemoryStorage {
		st.store = store.NewMemStore(storeConfig(&cfg))
	} else {
		st.dir = filepath.Join(js.accountDir(jsa.acc.name), cfg.Name)
		if err := os.MkdirAll(st.dir, 0o750); err != nil {
			return nil, err
		}
		if !recovering {
			if err := writeStreamMeta(st.dir, &cfg, created); err != nil {
				os.RemoveAll(st.dir)
				return nil, err
			}
		}
		fcfg := store.FileConfig{Dir: filepath.Join(st.dir, "msgs"), SyncAlways: js.opts.SyncAlways, DeferWrites: true,
			Cipher: js.opts.Cipher, Key: []byte(js.opts.Key)}
		fs, rec, err := store.OpenFileStore(fcfg, storeConfig(&cfg))
		for _, d := range rec.Dropped {
			js.srv.log.Warnf("JetStream: stream '%s > %s': %s", jsa.acc.name, cfg.Name, d)
		}
		if err != nil {
			if !recovering {
				os.RemoveAll(st.dir)
			}
			return nil, err
		}
		st.store = fs
	}
	if fill != nil {
		if err := fill(st.store); err != nil {
			st.store.Delete()
			if st.dir != "" {
				os.RemoveAll(st.dir)
			}
			return nil, err
		}
	}
	jsa.mu.Lock()
	jsa.streams[cfg.Name] = st
	jsa.mu.Unlock()
	if err := st.subscribe(); err != nil {
		jsa.mu.Lock()
		delete(jsa.streams, cfg.Name)
		jsa.mu.Unlock()
		st.store.Stop()
		return nil, err
	}
	st.mu.Lock()
	st.armExpiryLocked()
	st.mu.Unlock()
	if recovering {
		st.recoverConsumers()
	}
	if cfg.Mirror != nil || len(cfg.Sources) > 0 {
		st.startSources()
	}
	return st, nil
}

func (st *stream) setTransforms(cfg *api.StreamConfig) error {
	st.tr, st.rpub = nil, nil
	if t := cfg.SubjectTransform; t != nil && t.Destination != "" {
		src := t.Source
		if src == "" {
			src = ">"
		}
		tr, err := transform.New(src, t.Destination)
		if err != nil {
			return err
		}
		st.tr = tr
	}
	if rp := cfg.RePublish; rp != nil && rp.Destination != "" {
		tr, err := transform.New(rp.Source, rp.Destination)
		if err != nil {
			return err
		}
		st.rpub = tr
	}
	return nil
}

// subscribe listens on the stream's subjects (and, with allow_direct,
// nothing more: DIRECT.GET comes through the account's API subscription).
func (st *stream) subscribe() error {
	var subs []*subscription
	for _, subj := range st.cfg.Subjects {
		sub, err := st.jsa.ic.subscribe(subj, "", st.processPublish)
		if err != nil {
			for _, s := range subs {
				st.jsa.ic.unsubscribe(s)
			}
			return err
		}
		subs = append(subs, sub)
	}
	st.subs = subs
	return nil
}

func (st *stream) unsubscribe() {
	for _, s := range st.subs {
		st.jsa.ic.unsubscribe(s)
	}
	st.subs = nil
}

// stop closes the stream's store, flushing it to disk.
func (st *stream) stop() {
	st.stopConsumers(false)
	st.stopSources()
	st.mu.Lock()
	defer st.mu.Unlock()
	if st.closed {
		return
	}
	st.closed = true
	if st.expTimer != nil {
		st.expTimer.Stop()
	}
	st.unsubscribe()
	st.store.Sync()
	st.store.Stop()
	st.wakeLocked()
}

// delete removes the stream and its data.
func (st *stream) delete() error {
	st.jsa.mu.Lock()
	delete(st.jsa.streams, st.name)
	st.jsa.mu.Unlock()
	st.stopConsumers(true)
	st.stopSources()
	st.mu.Lock()
	st.closed = true
	if st.expTimer != nil {
		st.expTimer.Stop()
	}
	st.unsubscribe()
	err := st.store.Delete()
	st.wakeLocked()
	st.mu.Unlock()
	if st.dir != "" {
		if rerr := os.RemoveAll(st.dir); err == nil {
			err = rerr
		}
	}
	return err
}

// update applies a validated new config.
func (st *stream) update(cfg api.StreamConfig) error {
	st.mu.Lock()
	defer st.mu.Unlock()
	if st.closed {
		return store.ErrStoreClosed
	}
	old := st.cfg
	if err := st.setTransforms(&cfg); err != nil {
		st.setTransforms(&old)
		return err
	}
	if err := st.store.UpdateConfig(storeConfig(&cfg)); err != nil {
		st.setTransforms(&old)
		return err
	}
	if st.dir != "" {
		if err := writeStreamMeta(st.dir, &cfg, st.created); err != nil {
			return err
		}
	}
	st.cfg = cfg
	if !sameStrings(old.Subjects, cfg.Subjects) {
		st.unsubscribe()
		if err := st.subscribe(); err != nil {
			return err
		}
	}
	st.armExpiryLocked()
	return nil
}

func sameStrings(a, b []string) bool {
	if len(a) != len(b) {
		return false
	}
	for i := range a {
		if a[i] != b[i] {
			return false
		}
	}
	return true
}

// config returns a copy of the config in force.
func (st *stream) config() api.StreamConfig {
	st.mu.Lock()
	defer st.mu.Unlock()
	return st.cfg
}

// armExpiryLocked makes sure a timer runs when the store's next message
// expires. Called after every store; cheap when a timer is already set
// early enough (the usual case with max_age).
func (st *stream) armExpiryLocked() {
	if st.closed {
		return
	}
	next := st.store.NextExpiry()
	if next == 0 || (st.expTimer != nil && st.expAt != 0 && st.expAt <= next) {
		return
	}
	st.expAt = next
	d := time.Duration(next - time.Now().UnixNano())
	if d < 0 {
		d = 0
	}
	if st.expTimer == nil {
		st.expTimer = time.AfterFunc(d, st.expire)
	} else {
		st.expTimer.Reset(d)
	}
}

// expire removes what max_age and the per-message TTLs let go. With
// subject_delete_marker_ttl, a subject whose last message an age-based
// removal (max_age or the message's own Nats-TTL) took gets a marker: an
// empty message with Nats-Marker-Reason: MaxAge, a Nats-TTL of the
// marker TTL and Nats-Rollup: sub, as nats-server 2.11+ places them (a
// marker's own expiry places none). Deleting and purging place none, as
// in nats-server 2.15.
func (st *stream) expire() {
	st.mu.Lock()
	defer st.mu.Unlock()
	if st.closed {
		return
	}
	now := time.Now().UnixNano()
	if ttl := st.cfg.SubjectDeleteMarkerTTL; ttl > 0 {
		var marks []string
		seen := map[string]bool{}
		st.store.ExpireOldMsgs(now, func(m *store.StoreMsg) {
			if seen[m.Subject] || getHeader(m.Hdr, hdrMarkerReason) != nil {
				return
			}
			seen[m.Subject] = true
			marks = append(marks, m.Subject)
		})
		st.placeMarkersLocked(marks, now)
	} else {
		st.store.ExpireOld(now, nil)
	}
	st.expAt = 0
	st.armExpiryLocked()
}

// placeMarkersLocked stores a subject delete marker on each subject of
// subjs that has no message left.
func (st *stream) placeMarkersLocked(subjs []string, now int64) {
	if len(subjs) == 0 {
		return
	}
	ttl := st.cfg.SubjectDeleteMarkerTTL
	hdr := []byte("NATS/1.0\r\n" + hdrMarkerReason + ": MaxAge\r\n" + hdrTTL + ": " + ttl.String() + "\r\n" + hdrRollup + ": sub\r\n\r\n")
	for _, subj := range subjs {
		if st.store.FilteredState(0, subj).Msgs == 0 {
			if _, err := st.store.StoreMsg(subj, hdr, nil, now, int64(ttl/time.Second)); err != nil {
				st.jsa.js.srv.log.Warnf("JetStream: stream '%s > %s': subject delete marker: %v", st.jsa.acc.name, st.name, err)
			}
		}
	}
	st.store.Flush()
	if st.nwait.Load() != 0 {
		st.wakeLocked()
	}
}

// What a StreamInfo carries besides config and state, which differs by
// where it goes (as nats-server sends them): STREAM.INFO has the server's
// metadata and the cluster leader, CREATE and UPDATE only the metadata,
// LIST neither, and /jsz only the leader.
const (
	infoServerMeta = 1 << iota
	infoCluster
)

// info is the stream's StreamInfo.
func (st *stream) info(req *api.StreamInfoRequest, with int) *api.StreamInfo {
	st.mu.Lock()
	cfg := st.cfg
	created := st.created
	nc := len(st.consumers)
	var ss store.State
	if req != nil && req.DeletedDetails {
		ss = st.store.State()
	} else {
		st.store.FastState(&ss)
	}
	var subjects map[string]uint64
	if req != nil && req.SubjectsFilter != "" {
		subjects = st.store.SubjectsTotals(req.SubjectsFilter)
	}
	st.mu.Unlock()
	js := st.jsa.js
	if with&infoServerMeta != 0 {
		cfg.Metadata = api.WithServerMetadata(cfg.Metadata, Version[:len("2.15.2")])
	}
	si := &api.StreamInfo{
		Config:  cfg,
		Created: created.UTC(),
		State: api.StreamState{
			Msgs: ss.Msgs, Bytes: ss.Bytes, FirstSeq: ss.FirstSeq, LastSeq: ss.LastSeq,
			NumSubjects: int(ss.NumSubjects), NumDeleted: int(ss.NumDeleted), Subjects: subjects,
			Consumers: nc,
		},
		Domain:    js.opts.Domain,
		TimeStamp: time.Now().UTC(),
	}
	if with&infoCluster != 0 {
		si.Cluster = &api.ClusterInfo{Leader: js.srv.name}
	}
	if ss.Msgs > 0 {
		si.State.FirstTime = time.Unix(0, ss.FirstTime).UTC()
	}
	if ss.LastTime != 0 {
		si.State.LastTime = time.Unix(0, ss.LastTime).UTC()
	}
	if req != nil && req.DeletedDetails {
		si.State.Deleted = ss.Deleted
	}
	st.sourceInfos(si)
	if ss.Msgs == 0 && ss.LastSeq == 0 {
		si.State.FirstSeq = 0
	}
	return si
}

// WaitNew returns a channel closed at the next new message (or when the
// stream stops). For consumers: check the store, then wait.
func (st *stream) WaitNew() <-chan struct{} {
	st.mu.Lock()
	defer st.mu.Unlock()
	if st.newMsg == nil {
		st.newMsg = make(chan struct{})
	}
	st.nwait.Store(1)
	if st.closed {
		close(st.newMsg)
		ch := st.newMsg
		st.newMsg = nil
		return ch
	}
	return st.newMsg
}

// wakeLocked signals the waiters of WaitNew.
func (st *stream) wakeLocked() {
	if st.newMsg != nil {
		close(st.newMsg)
		st.newMsg = nil
	}
	st.nwait.Store(0)
}

// NumPending counts the messages at or after start matching filter, for
// consumers.
func (st *stream) NumPending(start uint64, filter string) uint64 {
	st.mu.Lock()
	defer st.mu.Unlock()
	n, _ := st.store.NumPending(start, filter, false)
	return n
}

var errStreamClosed = errors.New("stream is closed")
