package server

import (
	"slices"
	"strconv"
	"time"
	"unsafe"

	"github.com/natsd/natsd/jetstream/api"
	jsc "github.com/natsd/natsd/jetstream/consumer"
	"github.com/natsd/natsd/jetstream/store"
)

// How the consumer's goroutine works: each round it takes the lock,
// expires pull requests and sends their heartbeats, queues what waited
// longer than its ack wait for redelivery, delivers as much as the
// waiting requests (pull) or the deliver subject's interest and flow
// control (push) allow, and computes when it must wake next. Then it
// waits for the stream's next message (only when it could deliver one),
// a kick (a pull request or an ack came in) or that time.

const (
	// deliverRound is how many messages one round delivers before it lets
	// acks and requests in.
	deliverRound = 256
	// stateEvery is how often a changed durable state is written.
	stateEvery = 250 * time.Millisecond
	// pushPoll is how often a push consumer without interest looks again.
	pushPoll = 50 * time.Millisecond
	// A flow-controlled push consumer has a window of unanswered bytes
	// (each delivery counts its deliver subject, ack reply, headers and
	// payload): it asks for an answer when half of the window is out and
	// stalls, for as long as it takes, when all of it is. Every answer
	// doubles the window, up to fcWindowMax. Recorded from nats-server
	// v2.15.2 on the wire (1, 2, 4, 8, 16, 16 MiB between requests).
	fcWindowStart = 2 << 20
	fcWindowMax   = 32 << 20
)

// signal kicks the consumer's goroutine.
func (c *consumer) signal() {
	select {
	case c.kick <- struct{}{}:
	default:
	}
}

// run is the consumer's goroutine.
func (c *consumer) run() {
	defer close(c.done)
	t := time.NewTimer(time.Hour)
	defer t.Stop()
	for {
		c.mu.Lock()
		wants := c.wantsNewLocked()
		c.mu.Unlock()
		var newCh <-chan struct{}
		if wants {
			// Before looking at the store, so no message slips between.
			newCh = c.st.WaitNew()
		}
		c.mu.Lock()
		if c.closed {
			c.mu.Unlock()
			return
		}
		now := time.Now()
		wake, acked, gone := c.roundLocked(now)
		if !wants && c.wantsNewLocked() {
			// The round took pull requests (or a flow control answer)
			// that waited in ackq, after wants was decided without them:
			// go round again at once with WaitNew registered, or a
			// message stored meanwhile wakes nobody (seen: seven waiting
			// requests, six messages, nothing delivered until expiry).
			wake = now
		}
		c.pub.flushPending()
		c.mu.Unlock()
		if len(acked) > 0 {
			c.st.removeAcked(acked)
		}
		if gone {
			// Not inline: deleting the consumer waits for this goroutine.
			// Not started once JetStream shuts down, which stops it anyway.
			c.jsa.js.goroutine(c.expireConsumer)
			<-c.quit
			return
		}
		d := wake.Sub(time.Now())
		if d < 0 {
			d = 0
		}
		t.Reset(d)
		select {
		case <-c.quit:
			return
		case <-c.kick:
		case <-newCh:
		case <-t.C:
		}
		if !t.Stop() {
			select {
			case <-t.C:
			default:
			}
		}
	}
}

// expireConsumer deletes a consumer that stayed inactive past its
// inactive_threshold.
func (c *consumer) expireConsumer() {
	c.st.deleteConsumer(c)
	c.jsa.consumerAdvise(api.AdvisoryConsumerDeletedPre, c.st.name, c.name, api.ActionDelete)
}

// wantsNewLocked reports whether a new stream message could be delivered
// now.
func (c *consumer) wantsNewLocked() bool {
	if c.cfg.IsPush() {
		return !c.fcStalledLocked()
	}
	return len(c.waiting) > 0
}

// ackWait is how long a message delivered dc times waits for its ack.
func (c *consumer) ackWait(dc uint64) time.Duration {
	if b := c.cfg.BackOff; len(b) > 0 {
		i := int(dc) - 1
		if i >= len(b) {
			i = len(b) - 1
		}
		if i < 0 {
			i = 0
		}
		return b[i]
	}
	return c.cfg.AckWait
}

func (c *consumer) deliveries(seq uint64) uint64 {
	if n := c.rdc[seq]; n > 0 {
		return n
	}
	return 1
}

// roundLocked does one round of work and returns when to wake next, the
// stream sequences acknowledged by delivery (ack none on an interest or
// workqueue stream) and whether the consumer went inactive.
func (c *consumer) roundLocked(now time.Time) (time.Time, []uint64, bool) {
	wake := now.Add(time.Hour)
	soon := func(t time.Time) {
		if t.Before(wake) {
			wake = t
		}
	}
	cfg := &c.cfg
	push := cfg.IsPush()
	drained := c.drainLocked(nil)
	// Pull requests drained just now were stamped after now was taken:
	// look at the clock again, or a request that expired on arrival (an
	// expiry of 1 ns) would be served a message instead of its 408.
	now = time.Now()

	// Pull requests: expiry and heartbeats.
	if !push && len(c.waiting) > 0 {
		keep := c.waiting[:0]
		for _, r := range c.waiting {
			if !r.expires.IsZero() && !now.Before(r.expires) {
				c.sendStatus(r.reply, api.StatusRequestTimeout, true, r.batch-r.n, r.remainingBytes())
				continue
			}
			if !c.hasInterest(r.reply) {
				continue // the requester went away
			}
			if r.hb > 0 {
				if !now.Before(r.hbAt) {
					c.sendHeartbeat(r.reply, "")
					r.hbAt = now.Add(r.hb)
				}
				soon(r.hbAt)
			}
			if !r.expires.IsZero() {
				soon(r.expires)
			}
			keep = append(keep, r)
		}
		clear(c.waiting[len(keep):])
		c.waiting = keep
	}

	// Redelivery: what waited past its ack wait is due again.
	if cfg.AckPolicy != api.AckNone && len(c.pending) > 0 {
		nowNs := now.UnixNano()
		next := int64(0)
		added := false
		for seq, p := range c.pending {
			if _, queued := c.rdqSet[seq]; queued {
				continue
			}
			due := p.Timestamp + int64(c.ackWait(c.deliveries(seq)))
			if due <= nowNs {
				c.rdq = append(c.rdq, seq)
				c.rdqSet[seq] = struct{}{}
				added = true
			} else if next == 0 || due < next {
				next = due
			}
		}
		if added {
			slices.Sort(c.rdq)
		}
		if next != 0 {
			soon(time.Unix(0, next))
		}
	}

	if pw := c.expirePinsLocked(now); !pw.IsZero() {
		soon(pw)
	}
	c.replayWake = time.Time{}
	var acked []uint64
	more := false
	if pu := cfg.PauseUntil; pu != nil && now.Before(*pu) {
		soon(*pu) // paused: requests wait, heartbeats go on
	} else {
		acked, more = c.deliverLocked(now)
	}
	if more {
		soon(now)
	}
	if !c.replayWake.IsZero() {
		soon(c.replayWake)
	}

	// Push: heartbeats, flow control stalls, interest.
	if push {
		if cfg.Heartbeat > 0 {
			if c.hbAt.IsZero() {
				c.hbAt = now.Add(cfg.Heartbeat)
			}
			if !now.Before(c.hbAt) {
				c.sendHeartbeat(cfg.DeliverSubject, c.fcReply)
				c.hbAt = now.Add(cfg.Heartbeat)
			}
			soon(c.hbAt)
		}
		if c.hasInterest(cfg.DeliverSubject) {
			c.active = now
		} else {
			soon(now.Add(pushPoll))
		}
	} else if len(c.waiting) > 0 {
		c.active = now
	}

	// Inactivity.
	if thr := cfg.InactiveThreshold; thr > 0 {
		if now.Sub(c.active) >= thr {
			return wake, append(acked, drained...), true
		}
		soon(c.active.Add(thr))
	}

	if c.dirty && c.dir != "" {
		if now.Sub(c.stateAt) >= stateEvery {
			c.writeStateLocked()
		} else {
			soon(c.stateAt.Add(stateEvery))
		}
	}
	return wake, append(acked, drained...), false
}

// nextMsgLocked loads the next message to deliver: a due redelivery
// first, then the next new one. It returns nil when there is none (or
// max_ack_pending holds new ones back). The message is not yet taken:
// takeLocked or the caller's rollback decides.
func (c *consumer) nextMsgLocked() (m *store.StoreMsg, redelivery bool) {
	for len(c.rdq) > 0 {
		seq := c.rdq[0]
		if _, ok := c.rdqSet[seq]; !ok {
			c.rdq = c.rdq[1:]
			continue
		}
		if _, ok := c.pending[seq]; !ok {
			delete(c.rdqSet, seq)
			c.rdq = c.rdq[1:]
			continue
		}
		m, err := c.st.store.LoadMsg(seq, &c.sm)
		if err != nil {
			// Gone from the stream: nothing to redeliver.
			delete(c.rdqSet, seq)
			c.rdq = c.rdq[1:]
			c.dropPendingLocked(seq)
			continue
		}
		dc := c.deliveries(seq) + 1
		if c.cfg.MaxDeliver > 0 && dc > uint64(c.cfg.MaxDeliver) {
			// Out of deliveries: no longer pending, but not acked
			// either, so (as nats-server) the ack floor stays below it
			// and it still counts as redelivered until an ack comes
			// for it or the floor passes it.
			delete(c.rdqSet, seq)
			c.rdq = c.rdq[1:]
			delete(c.pending, seq)
			c.dirty = true
			c.maxDeliveries = append(c.maxDeliveries, seq)
			continue
		}
		return m, true
	}
	if c.cfg.AckPolicy != api.AckNone && c.cfg.MaxAckPending > 0 && len(c.pending) >= c.cfg.MaxAckPending {
		return nil, false
	}
	for len(c.lps) > 0 {
		m, err := c.st.store.LoadMsg(c.lps[0], &c.sm)
		if err == nil {
			return m, false
		}
		c.lps = c.lps[1:]
	}
	return c.loadNextLocked(), false
}

// loadNextLocked loads the first message at or after sseq that passes
// the filters.
func (c *consumer) loadNextLocked() *store.StoreMsg {
	fs := *c.filters.Load()
	if len(fs) == 1 {
		m, err := c.st.store.LoadNextMsg(fs[0], c.sseq, &c.sm)
		if err != nil {
			return nil
		}
		return m
	}
	best := uint64(0)
	for _, f := range fs {
		if m, err := c.st.store.LoadNextMsg(f, c.sseq, &c.sm); err == nil && (best == 0 || m.Seq < best) {
			best = m.Seq
		}
	}
	if best == 0 {
		return nil
	}
	m, err := c.st.store.LoadMsg(best, &c.sm)
	if err != nil {
		return nil
	}
	return m
}

// dropPendingLocked forgets a pending message (gone from the stream, or
// out of deliveries) and moves the ack floor.
func (c *consumer) dropPendingLocked(seq uint64) {
	delete(c.pending, seq)
	delete(c.rdc, seq)
	c.updateFloorLocked()
	c.dirty = true
}

// updateFloorLocked moves the ack floor up to just below the oldest
// pending message (or to what was delivered when nothing is pending).
// The floor only grows, so the walk costs O(1) per message overall.
func (c *consumer) updateFloorLocked() {
	if len(c.pending) == 0 {
		c.asflr, c.adflr = c.lsseq, c.dseq
		return
	}
	for s := c.asflr + 1; s <= c.lsseq; s++ {
		if p, ok := c.pending[s]; ok {
			c.asflr = s - 1
			if p.Sequence > 0 {
				c.adflr = p.Sequence - 1
			}
			return
		}
	}
}

// deliverLocked delivers what it can in this round. more: it stopped at
// the round's limit with work left.
func (c *consumer) deliverLocked(now time.Time) (acked []uint64, more bool) {
	cfg := &c.cfg
	push := cfg.IsPush()
	if push && (c.fcStalledLocked() || !c.hasInterest(cfg.DeliverSubject)) {
		return nil, false
	}
	if !push && len(c.waiting) == 0 {
		return nil, false
	}
	c.refreshPendingLocked()
	retain := c.retain
	nowNs := now.UnixNano()
	sent := 0
	for {
		var r *pullRequest
		subj := cfg.DeliverSubject
		ri := 0
		if !push {
			if ri = c.pickRequestLocked(now); ri < 0 {
				break
			}
			r = c.waiting[ri]
			subj = r.reply
		}
		if sent == deliverRound {
			more = true
			break
		}
		m, redelivery := c.nextMsgLocked()
		if m == nil {
			break
		}
		seq := m.Seq
		if cfg.ReplayPolicy == api.ReplayOriginal && !redelivery {
			// Keep the original spacing between messages.
			if c.replayAt.IsZero() {
				c.replayAt, c.replayTs = now, m.Ts
			}
			due := c.replayAt.Add(time.Duration(m.Ts - c.replayTs))
			if now.Before(due) {
				c.replayWake = due
				break
			}
			c.replayAt, c.replayTs = due, m.Ts
		}
		size := len(m.Subject) + len(m.Hdr) + len(m.Msg)
		if push && cfg.RateLimit > 0 {
			if wait := c.rateWait(now, size); wait > 0 {
				c.replayWake = now.Add(wait)
				break
			}
		}
		if r != nil && r.maxBytes > 0 && r.bytes+size > r.maxBytes {
			// Does not fit: the request ends, the message stays.
			c.sendStatus(r.reply, api.StatusMaxBytesExceeded, true, r.batch-r.n, r.remainingBytes())
			c.popRequest(ri)
			continue
		}
		dc := uint64(1)
		if redelivery {
			dc = c.deliveries(seq) + 1
		} else if c.npending > 0 {
			c.npending--
		}
		c.dseq++
		c.reply = jsc.AppendAckReply(c.reply[:0], c.st.name, c.name, dc, seq, c.dseq, m.Ts, c.npending)
		if r != nil && r.pinID == "" && cfg.PriorityPolicy == api.PriorityPinnedClient && len(cfg.PriorityGroups) > 0 {
			// The group's first message since it had no pin: this
			// requester gets it (pinLocked may drop other requests).
			c.pinLocked(r, now)
			ri = slices.Index(c.waiting, r)
		}
		hdrLen := c.buildOut(m)
		if r != nil && r.pinID != "" {
			hdrLen = c.addPinHeader(hdrLen, r.pinID)
		}
		if !c.deliverMsg(subj, m.Subject, hdrLen) {
			// Nobody listens on the target: take nothing back.
			c.dseq--
			if !redelivery {
				c.npending++
			}
			if r != nil {
				c.popRequest(ri)
				continue
			}
			break
		}
		sent++
		// Taken.
		if redelivery {
			c.rdq = c.rdq[1:]
			delete(c.rdqSet, seq)
			c.rdc[seq] = dc
		} else if len(c.lps) > 0 && c.lps[0] == seq {
			c.lps = c.lps[1:]
		} else {
			c.sseq = seq + 1
		}
		if seq > c.lsseq {
			c.lsseq = seq
		}
		if cfg.AckPolicy == api.AckNone {
			c.adflr, c.asflr = c.dseq, c.lsseq
			if retain {
				acked = append(acked, seq)
			}
		} else {
			c.pending[seq] = jsc.Pending{Sequence: c.dseq, Timestamp: nowNs}
		}
		c.last = now
		c.dirty = true
		if r != nil {
			r.n++
			r.bytes += size
			if r.hb > 0 {
				r.hbAt = now.Add(r.hb)
			}
			if r.n >= r.batch {
				c.popRequest(ri)
			}
		} else {
			c.hbAt = now.Add(cfg.Heartbeat)
			if cfg.FlowControl {
				c.fcPending += len(cfg.DeliverSubject) + len(c.reply) + len(c.out)
				if c.fcReply == "" && c.fcPending >= c.fcWindowLocked()/2 {
					c.sendFlowControl(now)
				}
				if c.fcStalledLocked() {
					break
				}
			}
		}
	}
	// no_wait requests that found nothing more end now.
	if !push && !more && len(c.waiting) > 0 {
		keep := c.waiting[:0]
		for _, r := range c.waiting {
			if r.noWait {
				if r.expires.IsZero() || r.n > 0 {
					c.sendStatus(r.reply, api.StatusNoMessages, false, 0, 0)
				} else {
					c.sendStatus(r.reply, api.StatusRequestTimeout, true, r.batch-r.n, r.remainingBytes())
				}
				continue
			}
			keep = append(keep, r)
		}
		clear(c.waiting[len(keep):])
		c.waiting = keep
	}
	if len(c.maxDeliveries) > 0 {
		for _, seq := range c.maxDeliveries {
			c.adviseMaxDeliveries(seq)
		}
		c.maxDeliveries = c.maxDeliveries[:0]
	}
	return acked, more
}

// buildOut puts the message to deliver into c.out (headers, then the
// payload; headers_only: the headers and Nats-Msg-Size) and returns the
// header length.
func (c *consumer) buildOut(m *store.StoreMsg) int {
	c.out = c.out[:0]
	if c.cfg.HeadersOnly {
		if len(m.Hdr) >= 4 {
			c.out = append(c.out, m.Hdr[:len(m.Hdr)-2]...)
		} else {
			c.out = append(c.out, "NATS/1.0\r\n"...)
		}
		c.out = append(c.out, "Nats-Msg-Size: "...)
		c.out = strconv.AppendInt(c.out, int64(len(m.Msg)), 10)
		c.out = append(c.out, "\r\n\r\n"...)
		return len(c.out)
	}
	c.out = append(c.out, m.Hdr...)
	c.out = append(c.out, m.Msg...)
	return len(m.Hdr)
}

// deliverMsg delivers c.out with the ack reply in c.reply to target (a
// pull request's reply subject or the deliver subject), as a message
// published on the stored subject would look: the subscriber sees the
// message's own subject, on this server or across a route
// (jetstream_route_deliver.go). It reports whether anybody got it.
func (c *consumer) deliverMsg(target, subject string, hdrLen int) bool {
	acc := c.jsa.acc
	subj := unsafe.Slice(unsafe.StringData(subject), len(subject))
	tgt := unsafe.Slice(unsafe.StringData(target), len(target))
	return c.pub.deliverAs(acc, acc.sl.MatchString(target), tgt, subj, c.reply, hdrLen, c.out, &c.routed)
}

func (c *consumer) popRequest(i int) {
	if i == 0 {
		c.waiting[0] = nil
		c.waiting = c.waiting[1:]
		return
	}
	c.waiting = append(c.waiting[:i], c.waiting[i+1:]...)
	c.waiting[len(c.waiting):cap(c.waiting)][0] = nil
}

// sendStatus sends a header-only status message to subject.
func (c *consumer) sendStatus(subject, status string, withPending bool, msgs, bytes int) {
	var b []byte
	if withPending {
		b = api.AppendPendingStatus(c.out[:0], status, msgs, bytes)
	} else {
		b = api.AppendStatus(c.out[:0], status)
	}
	c.out = b
	c.pub.deliverIn(c.jsa.acc, []byte(subject), nil, len(b), b)
}

// sendHeartbeat sends an idle heartbeat; stalled is the reply of an
// unanswered flow control request, which the client answers from here
// if it missed the request.
func (c *consumer) sendHeartbeat(subject, stalled string) {
	b := api.AppendHeartbeat(c.out[:0], c.dseq, c.lsseq)
	if stalled != "" {
		b = append(b[:len(b)-2], "Nats-Consumer-Stalled: "+stalled+"\r\n\r\n"...)
	}
	c.out = b
	c.pub.deliverIn(c.jsa.acc, []byte(subject), nil, len(b), b)
}

// fcWindowLocked is the flow control window in bytes.
func (c *consumer) fcWindowLocked() int {
	if c.fcWindow == 0 {
		c.fcWindow = fcWindowStart
	}
	return c.fcWindow
}

// fcStalledLocked reports whether a flow-controlled push consumer has its
// whole window out unanswered.
func (c *consumer) fcStalledLocked() bool {
	return c.cfg.FlowControl && c.fcPending >= c.fcWindowLocked()
}

// fcAnsweredLocked takes the answer to a flow control request: what was
// out when it was asked is no longer, and the window doubles.
func (c *consumer) fcAnsweredLocked(subject string) {
	if subject != c.fcReply || c.fcReply == "" {
		return
	}
	c.fcReply = ""
	c.fcPending = max(c.fcPending-c.fcAsked, 0)
	c.fcWindow = min(c.fcWindowLocked()*2, fcWindowMax)
}

// sendFlowControl asks the push subscriber to confirm it keeps up; the
// consumer stalls if its window runs out before the answer.
func (c *consumer) sendFlowControl(now time.Time) {
	c.fcSeq++
	c.fcReply = "$JS.FC." + c.st.name + "." + c.name + "." + strconv.FormatUint(c.fcSeq, 10)
	c.fcAt = now
	c.fcAsked = c.fcPending
	b := api.AppendStatus(c.out[:0], api.StatusFlowControl)
	c.out = b
	c.pub.deliverIn(c.jsa.acc, []byte(c.cfg.DeliverSubject), []byte(c.fcReply), len(b), b)
}

// fcCallback receives the answers to flow control requests.
func (c *consumer) fcCallback(_ *client, _ *subscription, subject, _ []byte, _ int, _ []byte) bool {
	if !c.mu.TryLock() {
		// Busy, maybe delivering the request into this very call (a
		// stream of the account captures the deliver subject and
		// answers with its PubAck): the consumer's goroutine applies
		// the answer at its next round.
		c.enqueue(incoming{fc: string(subject)})
		return true
	}
	c.fcAnsweredLocked(string(subject))
	c.mu.Unlock()
	c.signal()
	return true
}

// rateWait takes size bytes from rate_limit_bps's budget (a token bucket
// holding up to a second's worth, or one message) and returns how long to
// wait first when there is not enough yet.
func (c *consumer) rateWait(now time.Time, size int) time.Duration {
	rate := float64(c.cfg.RateLimit) / 8 // bytes per second
	burst := max(rate, float64(size))
	if c.rateAt.IsZero() {
		c.rateTokens = burst
	} else {
		c.rateTokens = min(burst, c.rateTokens+now.Sub(c.rateAt).Seconds()*rate)
	}
	c.rateAt = now
	if c.rateTokens >= float64(size) {
		c.rateTokens -= float64(size)
		return 0
	}
	return time.Duration((float64(size) - c.rateTokens) / rate * float64(time.Second))
}

// addPinHeader adds Nats-Pin-Id to the message in c.out (whose header
// block is hdrLen long) and returns the new header length.
func (c *consumer) addPinHeader(hdrLen int, id string) int {
	body := len(c.out) - hdrLen
	var add string
	if hdrLen == 0 {
		add = "NATS/1.0\r\nNats-Pin-Id: " + id + "\r\n\r\n"
	} else {
		add = "Nats-Pin-Id: " + id + "\r\n\r\n"
		hdrLen -= 2 // reopen the block
	}
	// Make room and move the body behind the new header lines.
	old := len(c.out)
	c.out = append(c.out, add...)
	copy(c.out[hdrLen+len(add):], c.out[old-body:old])
	copy(c.out[hdrLen:], add)
	c.out = c.out[:hdrLen+len(add)+body]
	return hdrLen + len(add)
}
