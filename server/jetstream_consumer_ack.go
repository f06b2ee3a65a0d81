package server

import (
	"bytes"
	"encoding/json"
	"math"
	"math/rand/v2"
	"strconv"
	"strings"
	"time"

	"github.com/nats-io/nuid"

	"github.com/natsd/natsd/jetstream/api"
	jsc "github.com/natsd/natsd/jetstream/consumer"
	"github.com/natsd/natsd/jetstream/store"
)

// pullRequest is a waiting MSG.NEXT request.
type pullRequest struct {
	reply    string
	batch    int
	maxBytes int
	noWait   bool
	expires  time.Time // zero: until the batch is full
	hb       time.Duration
	hbAt     time.Time
	n        int // messages delivered
	bytes    int // bytes delivered

	// Priority groups (jetstream_consumer_priority.go).
	group         string
	pinID         string
	minPending    int64
	minAckPending int64
	priority      int // 0 (first) to 9, for the prioritized policy
}

func (r *pullRequest) remainingBytes() int {
	if r.maxBytes <= 0 {
		return 0
	}
	return r.maxBytes - r.bytes
}

// msgNextPrefix starts the subject of pull requests.
const msgNextPrefix = api.APIConsumerMsgNext

// msgNext takes a pull request on its publisher's goroutine: it is
// checked and queued on the consumer, whose goroutine serves it. Errors
// are answered at once with the status nats-server sends.
func (jsa *jsAccount) msgNext(pub *client, subject, reply []byte, body []byte) bool {
	req, ok := api.Parse(string(subject))
	if !ok {
		return false
	}
	st := jsa.lookup(req.Stream)
	if st == nil {
		return false
	}
	c := st.lookupConsumer(req.Consumer)
	if c == nil {
		return false
	}
	if len(reply) > 0 {
		c.addRequest(pub, string(reply), body)
	}
	return true
}

// parseNextRequest reads a pull request body: empty (one message), a
// number (a batch) or the JSON NextRequest. Anything else asks for one
// message, as nats-server reads it ("abc", "1.5"). ok is always true
// today; the callers keep the check for bodies refused without answer.
func parseNextRequest(body []byte) (nr api.NextRequest, bad string, ok bool) {
	body = bytes.TrimSpace(body)
	switch {
	case len(body) == 0:
		nr.Batch = 1
	case body[0] == '{':
		if err := json.Unmarshal(body, &nr); err != nil {
			// nats-server's type is named in its decoder's errors.
			msg := strings.Replace(err.Error(), "Go struct field NextRequest.", "Go struct field JSApiConsumerGetNextRequest.", 1)
			return nr, api.StatusBadRequest(msg), true
		}
	default:
		end := 0
		if body[0] == '-' {
			end = 1
		}
		for end < len(body) && body[end] >= '0' && body[end] <= '9' {
			end++
		}
		if n, err := strconv.Atoi(string(body[:end])); err == nil && end == len(body) {
			nr.Batch = n
		}
	}
	if nr.Batch <= 0 {
		nr.Batch = 1
	}
	return nr, "", true
}

// addRequest checks a pull request against the consumer's limits and
// queues it.
func (c *consumer) addRequest(pub *client, reply string, body []byte) {
	status := func(s string) {
		b := api.AppendStatus(nil, s)
		pub.deliverIn(c.jsa.acc, []byte(reply), nil, len(b), b)
	}
	if strings.HasPrefix(reply, "$JS.") {
		return // would deliver back into JetStream while the consumer is locked
	}
	nr, bad, ok := parseNextRequest(body)
	if !ok {
		return
	}
	if bad == "" && (nr.Priority < 0 || nr.Priority > 9) {
		bad = statusPriorityRange // checked first, whatever the consumer's policy (as nats-server 2.15.2)
	}
	if bad != "" {
		status(bad)
		return
	}
	if nr.Heartbeat > 0 && (nr.Expires <= 0 || nr.Heartbeat*2 > nr.Expires) {
		status(api.StatusBadRequest("heartbeat value too large"))
		return
	}
	if !c.mu.TryLock() {
		// The consumer is busy, maybe delivering into this very call:
		// its goroutine takes the request at its next round.
		c.enqueue(incoming{reply: reply, next: nr})
		return
	}
	c.qmu.Lock()
	queued := len(c.ackq) > 0
	c.qmu.Unlock()
	if queued {
		// An earlier request (or ack) waits for the consumer's goroutine:
		// this one goes behind it, so that requests are served in the
		// order they came (once, a request queued while the lock was
		// taken was overtaken by the next one).
		c.mu.Unlock()
		c.enqueue(incoming{reply: reply, next: nr})
		return
	}
	c.addRequestLocked(pub, reply, nr)
	c.mu.Unlock()
	c.signal()
}

// addRequestLocked checks a parsed pull request against the consumer's
// limits and queues it; errors are answered through pub.
func (c *consumer) addRequestLocked(pub *client, reply string, nr api.NextRequest) {
	cfg := &c.cfg
	var fail string
	switch {
	case c.closed:
		return
	case cfg.IsPush():
		fail = api.StatusPushBased
	case cfg.MaxRequestBatch > 0 && nr.Batch > cfg.MaxRequestBatch:
		fail = api.StatusMaxRequestBatch(cfg.MaxRequestBatch)
	case cfg.MaxRequestExpires > 0 && nr.Expires > cfg.MaxRequestExpires:
		fail = api.StatusMaxRequestExpires(cfg.MaxRequestExpires)
	case cfg.MaxRequestMaxBytes > 0 && nr.MaxBytes > cfg.MaxRequestMaxBytes:
		fail = api.StatusMaxRequestMaxBytes(cfg.MaxRequestMaxBytes)
	case cfg.MaxWaiting > 0 && len(c.waiting) >= cfg.MaxWaiting:
		fail = "409 Exceeded MaxWaiting"
	}
	now := time.Now()
	if fail == "" && (nr.MinPending > 0 || nr.MinAckPending > 0) && cfg.PriorityPolicy != api.PriorityOverflow {
		fail = statusNotOverflow
	}
	if fail == "" {
		fail = c.checkGroupLocked(&nr, now)
	}
	if fail != "" {
		b := api.AppendStatus(nil, fail)
		pub.deliverIn(c.jsa.acc, []byte(reply), nil, len(b), b)
		return
	}
	r := &pullRequest{reply: reply, batch: nr.Batch, maxBytes: nr.MaxBytes, noWait: nr.NoWait, hb: nr.Heartbeat,
		group: nr.Group, pinID: nr.ID, minPending: nr.MinPending, minAckPending: nr.MinAckPending, priority: nr.Priority}
	if nr.Expires != 0 {
		r.expires = now.Add(nr.Expires)
		// An expiry past the end of time: nats-server keeps even a
		// no_wait request waiting (without an answer) when it finds
		// nothing.
		if nr.Expires > time.Duration(math.MaxInt64-now.UnixNano()) {
			r.noWait = false
		}
	}
	if r.hb > 0 {
		r.hbAt = now.Add(r.hb)
	}
	c.waiting = append(c.waiting, r)
	c.active = now
}

// incoming is a pull request or an ack that found the consumer's lock
// taken: it waits in ackq for the consumer's goroutine. (A consumer
// delivers while it holds its lock, and a delivery may reach an internal
// subscription that acks or pulls at once, on the same goroutine.)
type incoming struct {
	isAck bool
	ar    jsc.AckReply
	ack   jsc.Ack
	reply string
	next  api.NextRequest
	// fc is a flow control answer's subject (fcCallback), "" otherwise.
	fc string
}

func (c *consumer) enqueue(in incoming) {
	c.qmu.Lock()
	c.ackq = append(c.ackq, in)
	c.qmu.Unlock()
	c.signal()
}

// drainLocked applies what waited in ackq; it returns the stream
// sequences acked, for the retention check after the lock is released.
func (c *consumer) drainLocked(acked []uint64) []uint64 {
	c.qmu.Lock()
	q := c.ackq
	c.ackq = c.ackqSpare[:0]
	c.qmu.Unlock()
	for i := range q {
		in := &q[i]
		if in.fc != "" {
			c.fcAnsweredLocked(in.fc)
			continue
		}
		if !in.isAck {
			c.addRequestLocked(c.pub, in.reply, in.next)
			continue
		}
		res := c.applyAckLocked(in.ar, in.ack)
		acked = append(acked, res.acked...)
		if in.ack.Kind == jsc.AckNext && in.reply != "" {
			if nr, bad, ok := parseNextRequest(in.ack.Next); ok && bad == "" {
				c.addRequestLocked(c.pub, in.reply, nr)
			}
		} else if in.reply != "" && res.known {
			c.pub.deliverIn(c.jsa.acc, []byte(in.reply), nil, 0, nil)
		}
		if res.ev != nil {
			c.publishEvent(c.pub, res.ev)
		}
		*in = incoming{}
	}
	c.ackqSpare = q[:0]
	return acked
}

// ackCallback receives acks on $JS.ACK.<stream>.<consumer>.*.*.*.*.* (an
// ack subject of another length has no responder, as on nats-server), inline on
// the acking client's goroutine: it only updates the consumer's state.
func (c *consumer) ackCallback(pub *client, _ *subscription, subject, reply []byte, hdrLen int, msg []byte) bool {
	pre := len(jsc.AckPrefix) + len(c.st.name) + 1 + len(c.name) + 1
	if len(subject) <= pre {
		return true
	}
	ar, ok := jsc.ParseAckReply(subject[pre:])
	if !ok {
		return true
	}
	if hdrLen > 0 && hdrLen <= len(msg) {
		msg = msg[hdrLen:]
	}
	a := jsc.ParseAck(msg)
	if !c.mu.TryLock() {
		// Busy (maybe delivering into this very call): the consumer's
		// goroutine applies it at its next round.
		in := incoming{isAck: true, ar: ar, ack: a, reply: string(reply)}
		in.ack.Next = append([]byte(nil), a.Next...)
		c.enqueue(in)
		return true
	}
	res := c.applyAckLocked(ar, a)
	c.mu.Unlock()
	if a.Kind == jsc.AckNext && len(reply) > 0 {
		c.addRequest(pub, string(reply), a.Next)
	} else if len(reply) > 0 && res.known {
		// A double ack (AckSync) waits for this empty answer.
		pub.deliverIn(c.jsa.acc, reply, nil, 0, nil)
	}
	if res.ev != nil {
		c.publishEvent(pub, res.ev)
	}
	if len(res.acked) > 0 {
		c.st.removeAcked(res.acked)
	}
	if res.kick {
		c.signal()
	}
	return true
}

// ackResult is what applying an ack did.
type ackResult struct {
	acked []uint64  // stream sequences acknowledged (retention streams)
	ev    *ackEvent // advisory or metric to send
	kick  bool      // the consumer may deliver more now
	known bool      // the message was delivered once (AckSync is answered)
}

// applyAckLocked applies one ack to the consumer's state.
func (c *consumer) applyAckLocked(ar jsc.AckReply, a jsc.Ack) (res ackResult) {
	if c.closed {
		return res
	}
	c.active = time.Now()
	// An ack for a message never delivered gets no answer, as with
	// nats-server.
	res.known = ar.Stream <= c.lsseq
	retain := c.retain
	p, isPending := c.pending[ar.Stream]
	switch a.Kind {
	case jsc.AckAck, jsc.AckNext:
		if isPending && c.sample > 0 && rand.IntN(100) < c.sample {
			res.ev = &ackEvent{kind: evAck, cseq: p.Sequence, sseq: ar.Stream, dc: c.deliveries(ar.Stream),
				ackTime: time.Now().UnixNano() - p.Timestamp}
		}
		res.acked = c.ackLocked(ar.Stream, retain)
		res.kick = true
	case jsc.AckTerm:
		if isPending {
			res.ev = &ackEvent{kind: evTerm, cseq: p.Sequence, sseq: ar.Stream, dc: c.deliveries(ar.Stream), reason: a.Reason}
			res.acked = c.ackLocked(ar.Stream, retain)
			res.kick = true
		}
	case jsc.AckNak:
		if isPending {
			res.ev = &ackEvent{kind: evNak, cseq: p.Sequence, sseq: ar.Stream, dc: c.deliveries(ar.Stream)}
			if a.Delay > 0 {
				p.Timestamp = time.Now().Add(a.Delay).UnixNano() - int64(c.ackWait(c.deliveries(ar.Stream)))
				c.pending[ar.Stream] = p
				delete(c.rdqSet, ar.Stream)
			} else if _, q := c.rdqSet[ar.Stream]; !q {
				c.rdq = append(c.rdq, ar.Stream)
				c.rdqSet[ar.Stream] = struct{}{}
				if n := len(c.rdq); n > 1 && c.rdq[n-2] > ar.Stream {
					sortSeqs(c.rdq)
				}
			}
			res.kick = true
		}
	case jsc.AckProgress:
		if isPending {
			p.Timestamp = time.Now().UnixNano()
			c.pending[ar.Stream] = p
			delete(c.rdqSet, ar.Stream)
		}
	}
	return res
}

// ackLocked acknowledges seq (with ack all, everything up to it) and
// returns the stream sequences acked, when the stream's retention needs
// to know.
func (c *consumer) ackLocked(seq uint64, retain bool) []uint64 {
	var acked []uint64
	switch c.cfg.AckPolicy {
	case api.AckNone:
		return nil
	case api.AckAll:
		for s := range c.pending {
			if s <= seq {
				delete(c.pending, s)
				delete(c.rdc, s)
				if retain {
					acked = append(acked, s)
				}
			}
		}
		if seq > c.asflr {
			// Everything up to seq is acknowledged, delivered or not.
			for s := c.asflr + 1; retain && s <= seq && s <= c.lsseq; s++ {
				acked = append(acked, s)
			}
		}
	default:
		if _, ok := c.pending[seq]; !ok {
			delete(c.rdc, seq) // one that ran out of deliveries
			return nil
		}
		delete(c.pending, seq)
		delete(c.rdc, seq)
		if retain {
			acked = append(acked, seq)
		}
	}
	c.updateFloorLocked()
	c.lastAck = time.Now()
	c.dirty = true
	return acked
}

func sortSeqs(s []uint64) {
	for i := 1; i < len(s); i++ {
		for j := i; j > 0 && s[j-1] > s[j]; j-- {
			s[j-1], s[j] = s[j], s[j-1]
		}
	}
}

// cfgRetention is the stream's retention policy.
func (st *stream) cfgRetention() api.RetentionPolicy {
	st.mu.Lock()
	defer st.mu.Unlock()
	return st.cfg.Retention
}

// needsAck reports whether the consumer still has to deliver or get an
// ack for seq (whose subject is subj).
func (c *consumer) needsAck(seq uint64, subj string) bool {
	if !c.matches(subj) {
		return false
	}
	c.mu.Lock()
	defer c.mu.Unlock()
	if _, ok := c.pending[seq]; ok {
		return true
	}
	if slicesContains(c.lps, seq) {
		return true
	}
	return seq >= c.sseq
}

func slicesContains(s []uint64, v uint64) bool {
	for _, x := range s {
		if x == v {
			return true
		}
	}
	return false
}

// removeAcked removes, on an interest or workqueue stream, the messages
// of seqs that no consumer needs any more. Called without any consumer's
// lock.
func (st *stream) removeAcked(seqs []uint64) {
	cs := st.consumerList()
	var sm store.StoreMsg
	for _, seq := range seqs {
		m, err := st.store.LoadMsg(seq, &sm)
		if err != nil {
			continue
		}
		needed := false
		for _, c := range cs {
			if c.needsAck(seq, m.Subject) {
				needed = true
				break
			}
		}
		if !needed {
			st.mu.Lock()
			if !st.closed {
				st.store.RemoveMsg(seq)
			}
			st.mu.Unlock()
		}
	}
}

// checkInterestAll removes from an interest stream every message no
// consumer needs (after a consumer went away).
func (st *stream) checkInterestAll() {
	if st.cfgRetention() != api.InterestPolicy {
		return
	}
	var ss store.State
	st.store.FastState(&ss)
	var seqs []uint64
	var sm store.StoreMsg
	for seq := ss.FirstSeq; seq <= ss.LastSeq; {
		m, err := st.store.LoadNextMsg(">", seq, &sm)
		if err != nil {
			break
		}
		seqs = append(seqs, m.Seq)
		seq = m.Seq + 1
	}
	st.removeAcked(seqs)
}

// The consumer advisories and metrics nats-server sends about
// deliveries and acks (recorded from v2.15.2).
const (
	advisoryMaxDeliveriesPre = "$JS.EVENT.ADVISORY.CONSUMER.MAX_DELIVERIES."
	advisoryTerminatedPre    = "$JS.EVENT.ADVISORY.CONSUMER.MSG_TERMINATED."
	advisoryNakPre           = "$JS.EVENT.ADVISORY.CONSUMER.MSG_NAKED."
	metricAckPre             = "$JS.EVENT.METRIC.CONSUMER.ACK."
)

type evKind uint8

const (
	evAck evKind = iota
	evNak
	evTerm
	evMaxDeliver
)

// ackEvent is an advisory or metric to send once the consumer's lock is
// released.
type ackEvent struct {
	kind       evKind
	cseq, sseq uint64
	dc         uint64
	ackTime    int64
	reason     string
}

// deliveryAdvisory is the body of the nak, terminated and max deliveries
// advisories (max deliveries has no consumer_seq).
type deliveryAdvisory struct {
	api.TypedEvent
	Stream      string `json:"stream"`
	Consumer    string `json:"consumer"`
	ConsumerSeq uint64 `json:"consumer_seq,omitempty"`
	StreamSeq   uint64 `json:"stream_seq"`
	Deliveries  uint64 `json:"deliveries"`
	Reason      string `json:"reason,omitempty"`
	Domain      string `json:"domain,omitempty"`
}

// ackMetric is the sampled ack metric.
type ackMetric struct {
	api.TypedEvent
	Stream      string `json:"stream"`
	Consumer    string `json:"consumer"`
	ConsumerSeq uint64 `json:"consumer_seq"`
	StreamSeq   uint64 `json:"stream_seq"`
	AckTime     int64  `json:"ack_time"`
	Deliveries  uint64 `json:"deliveries"`
	Domain      string `json:"domain,omitempty"`
}

// publishEvent sends ev through pub (the acking client, or the
// consumer's own scratch client under its lock).
func (c *consumer) publishEvent(pub *client, ev *ackEvent) {
	te := api.TypedEvent{ID: nuid.Next(), Time: time.Now().UTC()}
	dom := c.jsa.js.opts.Domain
	var v any
	var prefix string
	switch ev.kind {
	case evAck:
		te.Type, prefix = "io.nats.jetstream.metric.v1.consumer_ack", metricAckPre
		v = ackMetric{TypedEvent: te, Stream: c.st.name, Consumer: c.name, ConsumerSeq: ev.cseq, StreamSeq: ev.sseq,
			AckTime: ev.ackTime, Deliveries: ev.dc, Domain: dom}
	default:
		switch ev.kind {
		case evNak:
			te.Type, prefix = "io.nats.jetstream.advisory.v1.nak", advisoryNakPre
		case evTerm:
			te.Type, prefix = "io.nats.jetstream.advisory.v1.terminated", advisoryTerminatedPre
		default:
			te.Type, prefix = "io.nats.jetstream.advisory.v1.max_deliver", advisoryMaxDeliveriesPre
		}
		v = deliveryAdvisory{TypedEvent: te, Stream: c.st.name, Consumer: c.name, ConsumerSeq: ev.cseq, StreamSeq: ev.sseq,
			Deliveries: ev.dc, Reason: ev.reason, Domain: dom}
	}
	b, err := json.Marshal(v)
	if err != nil {
		return
	}
	pub.deliverIn(c.jsa.acc, []byte(prefix+c.st.name+"."+c.name), nil, 0, b)
}

func (c *consumer) adviseMaxDeliveries(seq uint64) {
	c.publishEvent(c.pub, &ackEvent{kind: evMaxDeliver, sseq: seq, dc: uint64(c.cfg.MaxDeliver)})
}

// sampleRate reads sample_freq ("50", "50%") as a percentage.
func sampleRate(f string) int {
	f = strings.TrimSuffix(strings.TrimSpace(f), "%")
	n, err := strconv.Atoi(f)
	if err != nil || n < 0 {
		return 0
	}
	return min(n, 100)
}
