package server

import (
	"encoding/json"
	"time"

	"github.com/nats-io/nuid"

	"github.com/natsd/natsd/jetstream/api"
)

// Priority groups (ADR-42, nats-server 2.11+): a pull consumer with
// priority_groups serves only requests that name one of them, and its
// priority_policy decides which: "overflow" serves a request only while
// the consumer's num_pending or num_ack_pending reaches the request's
// min_pending or min_ack_pending; "pinned_client" serves one requester at
// a time, the one holding the consumer's pin id (one pin for all the
// groups, as nats-server 2.15.2 has it) (handed out in
// a Nats-Pin-Id header, lost after priority_timeout without a pull or on
// UNPIN). The "prioritized" policy serves the waiting request with the
// lowest priority (0, the default, to 9) first, and requests of equal
// priority in arrival order.

// defaultPinnedTTL is priority_timeout when the config has none.
const defaultPinnedTTL = 2 * time.Minute

// pin is a pinned_client group's current pin.
type pin struct {
	id   string
	at   time.Time // when it was given
	last time.Time // the pinned client's last pull
}

// Status texts of priority group pulls (recorded from nats-server v2.15.2).
const (
	statusGroupMissing  = "400 Bad Request - Priority Group missing"
	statusGroupInvalid  = "400 Bad Request - Invalid Priority Group"
	statusPinIDMismatch = "423 Nats-Pin-Id mismatch"
	statusPriorityRange = "400 Bad Request - Priority must be between 0 and 9"
	statusNotOverflow   = "400 Bad Request - Not a Overflow Priority consumer"
)

// checkGroupLocked checks a pull request's group; a non-empty answer is
// the status to refuse it with.
func (c *consumer) checkGroupLocked(nr *api.NextRequest, now time.Time) string {
	groups := c.cfg.PriorityGroups
	if len(groups) == 0 {
		return ""
	}
	if nr.Group == "" {
		return statusGroupMissing
	}
	found := false
	for _, g := range groups {
		if g == nr.Group {
			found = true
			break
		}
	}
	if !found {
		return statusGroupInvalid
	}
	if c.cfg.PriorityPolicy == api.PriorityPinnedClient && nr.ID != "" {
		p := c.pins[c.pinKey()]
		if p == nil || p.id != nr.ID {
			return statusPinIDMismatch
		}
		p.last = now // a pull of the pinned client keeps its pin
	}
	return ""
}

// pickRequestLocked returns the index of the first waiting request the
// policy lets through now, or -1.
func (c *consumer) pickRequestLocked(now time.Time) int {
	if len(c.cfg.PriorityGroups) == 0 {
		if len(c.waiting) == 0 {
			return -1
		}
		return 0
	}
	if c.cfg.PriorityPolicy == api.PriorityPrioritized {
		best := -1
		for i, r := range c.waiting {
			if best < 0 || r.priority < c.waiting[best].priority {
				best = i
			}
		}
		return best
	}
	for i, r := range c.waiting {
		switch c.cfg.PriorityPolicy {
		case api.PriorityOverflow:
			if r.minPending == 0 && r.minAckPending == 0 ||
				r.minPending > 0 && int64(c.npending) >= r.minPending ||
				r.minAckPending > 0 && int64(len(c.pending)) >= r.minAckPending {
				return i
			}
		case api.PriorityPinnedClient:
			p := c.pins[c.pinKey()]
			if p == nil {
				return i // pinned at its first message (deliverLocked)
			}
			if r.pinID == p.id {
				return i
			}
		default:
			return i
		}
	}
	return -1
}

// pinLocked gives r's group a new pin held by r, tells the waiting
// requests that hold an old id that they lost it, and advises.
func (c *consumer) pinLocked(r *pullRequest, now time.Time) {
	if c.pins == nil {
		c.pins = make(map[string]*pin)
	}
	p := &pin{id: nuid.Next(), at: now, last: now}
	c.pins[c.pinKey()] = p
	r.pinID = p.id
	keep := c.waiting[:0]
	for _, w := range c.waiting {
		if w.pinID != "" && w.pinID != p.id {
			c.sendStatus(w.reply, statusPinIDMismatch, false, 0, 0)
			continue
		}
		keep = append(keep, w)
	}
	clear(c.waiting[len(keep):])
	c.waiting = keep
	c.advisePin(r.group, p.id, "")
}

// expirePinsLocked drops the pins whose client did not pull for
// priority_timeout and returns when the next one may expire.
func (c *consumer) expirePinsLocked(now time.Time) time.Time {
	var next time.Time
	if c.cfg.PriorityPolicy != api.PriorityPinnedClient {
		return next
	}
	ttl := c.cfg.PinnedTTL
	if ttl <= 0 {
		ttl = defaultPinnedTTL
	}
	for g, p := range c.pins {
		due := p.last.Add(ttl)
		if !now.Before(due) {
			delete(c.pins, g)
			c.advisePin(g, "", "timeout")
			continue
		}
		if next.IsZero() || due.Before(next) {
			next = due
		}
	}
	return next
}

// unpinLocked drops the pin on request (UNPIN of one of the groups);
// the unpinned advisory names the group asked for and goes out even when
// nothing was pinned, as nats-server 2.15.2 sends it.
func (c *consumer) unpinLocked(group string) {
	delete(c.pins, c.pinKey())
	c.advisePin(group, "", "admin")
}

// pinKey is where the consumer's pin is kept. nats-server 2.15.2 keeps
// one pin per consumer, whatever group the pull named: a pin taken by a
// pull of one group holds off the unpinned pulls of the others too, and
// consumer info shows it under the first group. natsd does the same.
func (c *consumer) pinKey() string {
	if len(c.cfg.PriorityGroups) == 0 {
		return ""
	}
	return c.cfg.PriorityGroups[0]
}

type pinAdvisory struct {
	api.TypedEvent
	Account  string `json:"account"`
	Stream   string `json:"stream"`
	Consumer string `json:"consumer"`
	Group    string `json:"group"`
	PinnedID string `json:"pinned_id,omitempty"`
	Reason   string `json:"reason,omitempty"`
	Domain   string `json:"domain,omitempty"`
}

// advisePin sends the pinned (id set) or unpinned (reason set) advisory.
func (c *consumer) advisePin(group, id, reason string) {
	ev := pinAdvisory{TypedEvent: api.TypedEvent{ID: nuid.Next(), Time: time.Now().UTC()},
		Account: c.jsa.acc.name, Stream: c.st.name, Consumer: c.name, Group: group, PinnedID: id, Reason: reason,
		Domain: c.jsa.js.opts.Domain}
	subj := "$JS.EVENT.ADVISORY.CONSUMER.PINNED."
	ev.Type = "io.nats.jetstream.advisory.v1.consumer_group_pinned"
	if id == "" {
		subj = "$JS.EVENT.ADVISORY.CONSUMER.UNPINNED."
		ev.Type = "io.nats.jetstream.advisory.v1.consumer_group_unpinned"
	}
	b, err := json.Marshal(ev)
	if err != nil {
		return
	}
	c.pub.deliverIn(c.jsa.acc, []byte(subj+c.st.name+"."+c.name), nil, 0, b)
}

// priorityStateLocked is consumer info's priority_groups.
func (c *consumer) priorityStateLocked() []api.PriorityGroupState {
	if len(c.cfg.PriorityGroups) == 0 {
		return nil
	}
	// One entry, for the first group, whatever the policy (see pinKey).
	s := api.PriorityGroupState{Group: c.pinKey()}
	if p := c.pins[s.Group]; p != nil {
		s.PinnedClientID, s.PinnedTS = p.id, p.at.UTC()
	}
	return []api.PriorityGroupState{s}
}

// consumerUnpin serves CONSUMER.UNPIN.
func (jsa *jsAccount) consumerUnpin(req api.Request, body []byte) (any, *api.Error) {
	var ur struct {
		Group string `json:"group"`
	}
	if e := api.Decode(body, &ur); e != nil {
		return nil, e
	}
	st := jsa.lookup(req.Stream)
	if st == nil {
		return nil, api.JSStreamNotFoundErr.New()
	}
	c := st.lookupConsumer(req.Consumer)
	if c == nil {
		return nil, api.JSConsumerNotFoundErr.New()
	}
	if ur.Group == "" {
		return nil, api.JSConsumerEmptyGroupName.New()
	}
	c.mu.Lock()
	valid := false
	for _, g := range c.cfg.PriorityGroups {
		valid = valid || g == ur.Group
	}
	if valid {
		c.unpinLocked(ur.Group)
		c.pub.flushPending()
	}
	c.mu.Unlock()
	if !valid {
		return nil, api.JSConsumerInvalidPriorityGroupErr.New()
	}
	c.signal()
	return &api.Response{Type: api.ConsumerUnpinResponseType}, nil
}
