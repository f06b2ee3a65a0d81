package server

import (
	"encoding/json"
	"errors"
	"os"
	"path/filepath"
	"sort"
	"sync"
	"sync/atomic"
	"time"

	"github.com/nats-io/nuid"

	"github.com/natsd/natsd/jetstream/api"
	jsc "github.com/natsd/natsd/jetstream/consumer"
	"github.com/natsd/natsd/jetstream/store"
	"github.com/natsd/natsd/sublist"
)

// A consumer is a server-internal reader of a stream. It runs one
// goroutine (run, jetstream_consumer_deliver.go) that wakes on the
// stream's WaitNew signal, on its own kick channel (a pull request or an
// ack arrived) and on its timer (request expiry, heartbeats, redelivery,
// inactivity), and delivers through a scratch internal client of its own,
// so nothing in the client read loop knows about consumers.
//
// Locks: consumer.mu is taken before a stream's lock (the consumer reads
// the stream's config and waits on it), never the other way: the publish
// path only signals consumers through WaitNew's channel, and reads a
// consumer's filters through an atomic pointer. A goroutine never holds
// two consumers' locks. A consumer delivers while it holds its lock, and
// a delivery may reach an internal subscription that acks or pulls on the
// same goroutine (a mirror, a stream capturing the deliver subject): so
// acks and pull requests only TryLock, and when the lock is taken they
// wait in ackq for the consumer's goroutine.
type consumer struct {
	st      *stream
	jsa     *jsAccount
	name    string
	created time.Time
	dir     string // "" when the state is not kept on disk

	// filters is the consumer's filter subjects (">" for none), read
	// without mu by the stream's interest checks.
	filters atomic.Pointer[[]string]

	mu      sync.Mutex
	cfg     api.ConsumerConfig
	closed  bool
	durable bool // created durable, or made durable by an update

	sseq     uint64 // next stream sequence to look at
	start    uint64 // where selectStart began at creation (RESET goes back there); 0 when recovered
	dseq     uint64 // last consumer sequence delivered
	lsseq    uint64 // stream sequence of the last delivery
	adflr    uint64 // ack floor, consumer sequence
	asflr    uint64 // ack floor, stream sequence
	pending  map[uint64]jsc.Pending
	rdc      map[uint64]uint64 // delivery count of redelivered messages
	rdq      []uint64          // stream sequences due for redelivery, in order
	rdqSet   map[uint64]struct{}
	waiting  []*pullRequest
	last     time.Time // last delivery, for delivered.last_active
	lastAck  time.Time // last ack, for ack_floor.last_active
	active   time.Time // last sign of life of a client (inactive_threshold)
	npending uint64    // num_pending as of the last count, minus what was delivered since
	npThru   uint64    // the stream's last sequence when npending was counted
	lps      []uint64  // last_per_subject: the sequences still to deliver before sseq

	// push consumers
	fcReply   string // outstanding flow control request's reply subject
	fcPending int    // bytes delivered and not yet confirmed by an answer
	fcAsked   int    // fcPending when the outstanding request went out
	fcWindow  int    // the window (0: fcWindowStart)
	fcSeq     uint64
	fcAt      time.Time
	hbAt      time.Time

	maxDeliveries []uint64 // sequences that ran out of deliveries this round
	sample        int      // sample_freq as a percentage

	pins map[string]*pin // pinned_client: each group's pin

	// rate_limit_bps: the token bucket.
	rateTokens float64
	rateAt     time.Time

	// replay original: when the last message went out and its time.
	replayAt   time.Time
	replayTs   int64
	replayWake time.Time

	dirty   bool
	stateAt time.Time

	ackSub *subscription
	fcSub  *subscription
	retain bool // the stream's retention is interest or workqueue

	// ackq holds acks and pull requests that came while the lock was
	// taken (see incoming); qmu is a leaf.
	qmu       sync.Mutex
	ackq      []incoming
	ackqSpare []incoming

	kick chan struct{}
	quit chan struct{}
	done chan struct{}

	// Delivery scratch, used by the goroutine holding mu.
	pub    *client
	sm     store.StoreMsg
	out    []byte
	reply  []byte
	routed []byte // a routed delivery's reply@subject (deliverAs)
}

// consumerMeta is a durable consumer's meta.inf.
type consumerMeta struct {
	Created time.Time          `json:"created"`
	Config  api.ConsumerConfig `json:"config"`
}

// filterList is the filter subjects of cfg, ">" when it has none.
func filterList(cfg *api.ConsumerConfig) []string {
	if cfg.FilterSubject != "" {
		return []string{cfg.FilterSubject}
	}
	if len(cfg.FilterSubjects) > 0 {
		return append([]string(nil), cfg.FilterSubjects...)
	}
	return []string{">"}
}

// matches reports whether subj passes the consumer's filters.
func (c *consumer) matches(subj string) bool {
	for _, f := range *c.filters.Load() {
		if f == ">" || sublist.SubjectMatches(f, subj) {
			return true
		}
	}
	return false
}

// consumerList is the stream's consumers by name.
func (st *stream) consumerList() []*consumer {
	st.mu.Lock()
	out := make([]*consumer, 0, len(st.consumers))
	for _, c := range st.consumers {
		out = append(out, c)
	}
	st.mu.Unlock()
	sort.Slice(out, func(i, j int) bool { return out[i].name < out[j].name })
	return out
}

func (st *stream) lookupConsumer(name string) *consumer {
	st.mu.Lock()
	defer st.mu.Unlock()
	return st.consumers[name]
}

func (st *stream) numConsumers() int {
	st.mu.Lock()
	defer st.mu.Unlock()
	return len(st.consumers)
}

// consumerDir is where a durable consumer of a file stream keeps its
// config and state ("" when it keeps nothing).
func (st *stream) consumerDir(cfg *api.ConsumerConfig) string {
	if st.dir == "" || cfg.Durable == "" || cfg.MemoryStorage {
		return ""
	}
	return filepath.Join(st.dir, "obs", cfg.Durable)
}

// addConsumer makes a consumer and starts it. state, when not nil, is a
// recovered state.
func (st *stream) addConsumer(name string, cfg api.ConsumerConfig, created time.Time, state *jsc.State) (*consumer, error) {
	c := &consumer{st: st, jsa: st.jsa, name: name, created: created, cfg: cfg,
		dir: st.consumerDir(&cfg), pending: make(map[uint64]jsc.Pending), rdc: make(map[uint64]uint64),
		rdqSet: make(map[uint64]struct{}), kick: make(chan struct{}, 1), quit: make(chan struct{}), done: make(chan struct{})}
	fl := filterList(&cfg)
	c.filters.Store(&fl)
	c.durable = cfg.Durable != ""
	c.sample = sampleRate(cfg.SampleFrequency)
	c.retain = st.cfgRetention() != api.LimitsPolicy
	c.pub = &client{srv: st.jsa.js.srv, kind: kindInternal}
	c.pub.acc.Store(st.jsa.acc)
	c.active = time.Now()
	if state != nil {
		c.applyState(state)
	} else {
		c.selectStart()
		c.start = c.sseq
		if len(c.lps) > 0 {
			c.start = c.lps[0]
		}
	}
	if c.dir != "" {
		if err := os.MkdirAll(c.dir, 0o750); err != nil {
			return nil, err
		}
		if state == nil {
			if err := c.writeMeta(); err != nil {
				os.RemoveAll(c.dir)
				return nil, err
			}
			c.dirty = true
		}
	}
	sub, err := st.jsa.ic.subscribe(jsc.AckPrefix+st.name+"."+c.name+".*.*.*.*.*", "", c.ackCallback)
	if err != nil {
		return nil, err
	}
	c.ackSub = sub
	if cfg.FlowControl {
		if c.fcSub, err = st.jsa.ic.subscribe("$JS.FC."+st.name+"."+c.name+".>", "", c.fcCallback); err != nil {
			st.jsa.ic.unsubscribe(sub)
			return nil, err
		}
	}
	st.mu.Lock()
	if st.consumers == nil {
		st.consumers = make(map[string]*consumer)
	}
	st.consumers[c.name] = c
	st.mu.Unlock()
	go c.run()
	return c, nil
}

// applyState takes a recovered state.
func (c *consumer) applyState(s *jsc.State) {
	c.dseq, c.lsseq = s.Delivered.Consumer, s.Delivered.Stream
	c.sseq = s.Delivered.Stream + 1
	c.adflr, c.asflr = s.AckFloor.Consumer, s.AckFloor.Stream
	for k, v := range s.Pending {
		c.pending[k] = v
	}
	for k, v := range s.Redelivered {
		c.rdc[k] = v
	}
	// What was pending when the server stopped is due again: its ack
	// wait runs from the restart.
	now := time.Now().UnixNano()
	for seq, p := range c.pending {
		if p.Timestamp > now {
			p.Timestamp = now
			c.pending[seq] = p
		}
	}
}

// state is the consumer's state to persist. Locked.
func (c *consumer) stateLocked() *jsc.State {
	return &jsc.State{
		Delivered:   jsc.SequencePair{Consumer: c.dseq, Stream: c.lsseq},
		AckFloor:    jsc.SequencePair{Consumer: c.adflr, Stream: c.asflr},
		Pending:     c.pending,
		Redelivered: c.rdc,
	}
}

// selectStart picks the first stream sequence from the deliver policy.
func (c *consumer) selectStart() {
	cfg := &c.cfg
	var ss store.State
	c.st.store.FastState(&ss)
	fs := *c.filters.Load()
	switch cfg.DeliverPolicy {
	case api.DeliverAll:
		c.sseq = ss.FirstSeq
	case api.DeliverLastPerSubject:
		c.sseq = ss.LastSeq + 1
		if seqs, err := c.st.store.MultiLastSeqs(fs, 0, 0); err == nil && len(seqs) > 0 {
			// The last message of each subject is due, then what comes
			// after the newest of them.
			c.lps = seqs
			c.sseq = seqs[len(seqs)-1] + 1
			c.asflr = seqs[0] - 1
			c.lsseq = c.asflr
			return
		}
	case api.DeliverLast:
		c.sseq = ss.LastSeq + 1
		var last uint64
		for _, f := range fs {
			if sm, err := c.st.store.LoadLastMsg(f, nil); err == nil && sm.Seq > last {
				last = sm.Seq
			}
		}
		if last > 0 {
			c.sseq = last
		}
	case api.DeliverNew:
		c.sseq = ss.LastSeq + 1
	case api.DeliverByStartSequence:
		c.sseq = cfg.OptStartSeq
	case api.DeliverByStartTime:
		c.sseq = ss.LastSeq + 1
		t := cfg.OptStartTime.UnixNano()
		var sm store.StoreMsg
		for seq := ss.FirstSeq; seq <= ss.LastSeq; {
			m, err := c.st.store.LoadNextMsg(">", seq, &sm)
			if err != nil {
				break
			}
			if m.Ts >= t {
				c.sseq = m.Seq
				break
			}
			seq = m.Seq + 1
		}
	}
	if c.sseq == 0 {
		c.sseq = 1
	}
	// The floors start just below where delivery starts.
	c.asflr = c.sseq - 1
	c.lsseq = c.asflr
}

// info is the consumer's ConsumerInfo.
func (c *consumer) info(serverMeta bool) *api.ConsumerInfo {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.pruneWaitingLocked()
	cfg := c.cfg
	if serverMeta {
		cfg.Metadata = api.WithServerMetadata(cfg.Metadata, Version[:len("2.15.2")])
	}
	ci := &api.ConsumerInfo{
		Stream: c.st.name, Name: c.name, Created: c.created.UTC(), Config: &cfg,
		Delivered:      api.SequenceInfo{Consumer: c.dseq, Stream: c.lsseq},
		AckFloor:       api.SequenceInfo{Consumer: c.adflr, Stream: c.asflr},
		NumAckPending:  len(c.pending),
		NumRedelivered: c.numRedeliveredLocked(),
		NumWaiting:     len(c.waiting),
		NumPending:     c.numPendingLocked(),
		TimeStamp:      time.Now().UTC(),
	}
	if !c.last.IsZero() {
		t := c.last.UTC()
		ci.Delivered.Last = &t
	}
	if !c.lastAck.IsZero() {
		t := c.lastAck.UTC()
		ci.AckFloor.Last = &t
	}
	if cfg.IsPush() {
		ci.PushBound = c.hasInterest(cfg.DeliverSubject)
	}
	ci.PriorityGroups = c.priorityStateLocked()
	if cfg.PauseUntil != nil {
		if d := time.Until(*cfg.PauseUntil); d > 0 {
			ci.Paused, ci.PauseRemaining = true, d
		}
	}
	return ci
}

// pruneWaitingLocked drops the pull requests whose requester went away
// (nobody listens on the reply subject any more).
func (c *consumer) pruneWaitingLocked() {
	keep := c.waiting[:0]
	for _, r := range c.waiting {
		if c.hasInterest(r.reply) {
			keep = append(keep, r)
		}
	}
	clear(c.waiting[len(keep):])
	c.waiting = keep
}

// numRedeliveredLocked counts the redelivered messages still pending,
// and those that ran out of deliveries (nats-server keeps counting them
// until an ack comes for them, even after the ack floor passed them).
func (c *consumer) numRedeliveredLocked() int {
	n := 0
	for seq, dc := range c.rdc {
		if _, ok := c.pending[seq]; ok {
			n++
		} else if c.cfg.MaxDeliver > 0 && dc >= uint64(c.cfg.MaxDeliver) {
			n++
		}
	}
	return n
}

// numPendingLocked counts the stream's messages the consumer has yet to
// deliver.
func (c *consumer) numPendingLocked() uint64 {
	var ss store.State
	c.st.store.FastState(&ss)
	n := c.countFrom(c.sseq) + uint64(len(c.lps))
	c.npending, c.npThru = n, ss.LastSeq
	return n
}

// refreshPendingLocked brings npending up to date cheaply for the ack
// replies' pending counts: only the messages stored since the last count
// are counted (removals in between are seen at the next full count, in
// consumer info).
func (c *consumer) refreshPendingLocked() {
	var ss store.State
	c.st.store.FastState(&ss)
	switch {
	case ss.LastSeq == c.npThru:
	case ss.LastSeq < c.npThru || c.npThru == 0:
		c.numPendingLocked()
	default:
		c.npending += c.countFrom(max(c.npThru+1, c.sseq))
		c.npThru = ss.LastSeq
	}
}

func (c *consumer) countFrom(seq uint64) uint64 {
	var n uint64
	for _, f := range *c.filters.Load() {
		k, _ := c.st.store.NumPending(seq, f, false)
		n += k
	}
	return n
}

// hasInterest reports whether anybody listens on subj in the account.
func (c *consumer) hasInterest(subj string) bool {
	r := c.jsa.acc.sl.MatchString(subj)
	return len(r.Plain) > 0 || len(r.Queues) > 0
}

// writeMeta writes a durable's meta.inf atomically.
func (c *consumer) writeMeta() error {
	b, err := json.Marshal(consumerMeta{Created: c.created.UTC(), Config: c.cfg})
	if err != nil {
		return err
	}
	return writeFileAtomic(filepath.Join(c.dir, "meta.inf"), b, true)
}

// writeFileAtomic writes a file through a temporary one and a rename.
func writeFileAtomic(path string, b []byte, sync bool) error {
	tmp := path + ".tmp"
	f, err := os.OpenFile(tmp, os.O_CREATE|os.O_WRONLY|os.O_TRUNC, 0o640)
	if err != nil {
		return err
	}
	if _, err = f.Write(b); err == nil && sync {
		err = f.Sync()
	}
	if cerr := f.Close(); err == nil {
		err = cerr
	}
	if err != nil {
		os.Remove(tmp)
		return err
	}
	return os.Rename(tmp, path)
}

// writeStateLocked writes the consumer's state file when it changed.
func (c *consumer) writeStateLocked() {
	if c.dir == "" || !c.dirty {
		return
	}
	c.dirty = false
	c.stateAt = time.Now()
	b := jsc.Encode(nil, c.stateLocked())
	if err := writeFileAtomic(filepath.Join(c.dir, "o.dat"), b, false); err != nil && !errors.Is(err, os.ErrNotExist) {
		c.jsa.js.srv.log.Warnf("JetStream: consumer '%s > %s > %s': writing state: %v", c.jsa.acc.name, c.st.name, c.name, err)
	}
}

// recoverConsumers opens the durable consumers kept in the stream's
// directory. One that can not be read is logged and skipped.
func (st *stream) recoverConsumers() {
	if st.dir == "" {
		return
	}
	log := st.jsa.js.srv.log
	odir := filepath.Join(st.dir, "obs")
	ents, err := os.ReadDir(odir)
	if err != nil {
		return
	}
	for _, e := range ents {
		if !e.IsDir() {
			continue
		}
		dir := filepath.Join(odir, e.Name())
		b, err := os.ReadFile(filepath.Join(dir, "meta.inf"))
		var m consumerMeta
		if err == nil {
			err = json.Unmarshal(b, &m)
		}
		if err == nil && m.Config.Durable != e.Name() && (m.Config.Durable != "" || m.Config.Name != e.Name()) {
			err = errors.New("durable name does not match its directory")
		}
		if err != nil {
			log.Warnf("JetStream: skipping consumer %q of stream '%s > %s': %v", e.Name(), st.jsa.acc.name, st.name, err)
			continue
		}
		var state *jsc.State
		if b, err := os.ReadFile(filepath.Join(dir, "o.dat")); err == nil {
			if state, err = jsc.Decode(b); err != nil {
				log.Warnf("JetStream: consumer '%s > %s > %s': %v, starting from its config", st.jsa.acc.name, st.name, e.Name(), err)
				state = nil
			}
		}
		c, err := st.addConsumer(e.Name(), m.Config, m.Created, state)
		if err != nil {
			log.Warnf("JetStream: skipping consumer %q of stream '%s > %s': %v", e.Name(), st.jsa.acc.name, st.name, err)
			continue
		}
		if m.Config.Durable == "" {
			// Made durable by an update whose config was later given
			// without the durable name: it stays durable.
			c.mu.Lock()
			c.dir, c.durable = dir, true
			c.mu.Unlock()
		}
	}
}

// stop ends the consumer: with remove its stored state goes too, and the
// waiting pull requests hear "409 Consumer Deleted".
func (c *consumer) stop(remove bool) {
	c.mu.Lock()
	if c.closed {
		c.mu.Unlock()
		return
	}
	c.closed = true
	close(c.quit)
	c.mu.Unlock()
	<-c.done
	c.mu.Lock()
	if remove {
		for _, r := range c.waiting {
			c.sendStatus(r.reply, api.StatusConsumerDeleted, false, 0, 0)
		}
		c.pub.flushPending()
	} else {
		c.writeStateLocked()
	}
	c.waiting = nil
	c.mu.Unlock()
	c.jsa.ic.unsubscribe(c.ackSub)
	if c.fcSub != nil {
		c.jsa.ic.unsubscribe(c.fcSub)
	}
	if remove && c.dir != "" {
		os.RemoveAll(c.dir)
	}
}

// deleteConsumer removes a consumer from its stream and stops it.
func (st *stream) deleteConsumer(c *consumer) {
	st.mu.Lock()
	if st.consumers[c.name] == c {
		delete(st.consumers, c.name)
	}
	st.mu.Unlock()
	c.stop(true)
	if st.cfg.Retention != api.LimitsPolicy {
		st.checkInterestAll()
	}
}

// stopConsumers stops every consumer of the stream (remove: and deletes
// their state).
func (st *stream) stopConsumers(remove bool) {
	for _, c := range st.consumerList() {
		c.stop(remove)
	}
	st.mu.Lock()
	st.consumers = nil
	st.mu.Unlock()
}

// consumerAdvise publishes a consumer created or deleted advisory.
func (jsa *jsAccount) consumerAdvise(prefix, stream, name, action string) {
	ev := api.ConsumerAction{
		TypedEvent: api.TypedEvent{Type: api.ConsumerActionType, ID: nuid.Next(), Time: time.Now().UTC()},
		Stream:     stream, Consumer: name, Action: action, Domain: jsa.js.opts.Domain,
	}
	b, err := json.Marshal(ev)
	if err != nil {
		return
	}
	jsa.ic.publish([]byte(prefix+stream+"."+name), nil, 0, b)
}

// afterPurge moves every consumer past what a purge removed: pending
// messages that are gone are forgotten, and a consumer below the new first
// sequence starts there, with its delivered and ack floor just below (as
// nats-server reports them).
func (st *stream) afterPurge() {
	for _, c := range st.consumerList() {
		c.mu.Lock()
		var ss store.State
		st.store.FastState(&ss)
		first := ss.FirstSeq
		if ss.Msgs == 0 {
			first = ss.LastSeq + 1
		}
		var sm store.StoreMsg
		for seq := range c.pending {
			if seq < first {
				delete(c.pending, seq)
				delete(c.rdc, seq)
			} else if _, err := st.store.LoadMsg(seq, &sm); err != nil {
				delete(c.pending, seq)
				delete(c.rdc, seq)
			}
		}
		if c.sseq < first {
			c.sseq = first
		}
		if first > 0 && c.lsseq < first-1 {
			c.lsseq = first - 1
		}
		if first > 0 && c.asflr < first-1 {
			c.asflr = first - 1
		}
		c.updateFloorLocked()
		c.npThru = 0
		c.dirty = true
		c.mu.Unlock()
	}
}
