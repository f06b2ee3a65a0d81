package server

import (
	"encoding/json"
	"strings"

	"github.com/natsd/natsd/jetstream/api"
	jsc "github.com/natsd/natsd/jetstream/consumer"
)

// CONSUMER.RESET (nats-server 2.14+), as 2.15.2 answers it: the consumer
// forgets what it delivered (consumer sequences back to 0, nothing
// pending, no redelivery counts) and delivers next from a stream
// sequence: with seq 0 (or no body) where it started when it was created
// (deliver new and last keep the sequence they picked then), with a
// sequence only under deliver policies all, by_start_sequence (not below
// opt_start_seq: "invalid reset: below start seq") and by_start_time
// (others: "invalid reset: not allowed"). Unknown fields in the body are
// ignored. The answer is the consumer's info with reset_seq; a stream or
// consumer that does not exist gets no answer at all, as on nats-server.

// consumerReset answers CONSUMER.RESET; nil, nil means no answer.
func (jsa *jsAccount) consumerReset(req api.Request, body []byte) (any, *api.Error) {
	var rr api.ConsumerResetRequest
	if len(strings.TrimSpace(string(body))) > 0 {
		if err := json.Unmarshal(body, &rr); err != nil {
			msg := strings.ReplaceAll(err.Error(), "field ConsumerResetRequest", "field JSApiConsumerResetRequest")
			return nil, api.JSInvalidJSONErr.New("{err}", msg)
		}
	}
	st := jsa.lookup(req.Stream)
	if st == nil {
		return nil, nil
	}
	c := st.lookupConsumer(req.Consumer)
	if c == nil {
		return nil, nil
	}
	seq, e := c.reset(rr.Seq)
	if e != nil {
		return nil, e
	}
	return &api.ConsumerResetResponse{Response: api.Response{Type: api.ConsumerResetResponseType},
		ConsumerInfo: c.info(true), ResetSeq: seq}, nil
}

// reset moves the consumer to seq (0: its start) and clears its delivery
// state. It returns the stream sequence delivered next.
func (c *consumer) reset(seq uint64) (uint64, *api.Error) {
	c.mu.Lock()
	cfg := &c.cfg
	if seq > 0 {
		switch cfg.DeliverPolicy {
		case api.DeliverAll, api.DeliverByStartTime:
		case api.DeliverByStartSequence:
			if seq < cfg.OptStartSeq {
				c.mu.Unlock()
				return 0, api.JSConsumerInvalidResetErr.New("{err}", "below start seq")
			}
		default:
			c.mu.Unlock()
			return 0, api.JSConsumerInvalidResetErr.New("{err}", "not allowed")
		}
	}
	c.pending = make(map[uint64]jsc.Pending)
	c.rdc = make(map[uint64]uint64)
	c.rdq = c.rdq[:0]
	c.rdqSet = make(map[uint64]struct{})
	c.maxDeliveries = c.maxDeliveries[:0]
	c.lps = nil
	c.dseq, c.adflr = 0, 0
	switch {
	case seq > 0:
		c.sseq = seq
	case c.start > 0 && (cfg.DeliverPolicy == api.DeliverNew || cfg.DeliverPolicy == api.DeliverLast):
		c.sseq = c.start
	default:
		c.selectStart()
	}
	c.asflr = c.sseq - 1
	if len(c.lps) > 0 {
		c.asflr = c.lps[0] - 1
	}
	c.lsseq = c.asflr
	c.npThru = 0
	c.dirty = true
	c.writeStateLocked()
	next := c.sseq
	if len(c.lps) > 0 {
		next = c.lps[0]
	}
	c.mu.Unlock()
	c.signal()
	return next, nil
}
