package server

import (
	"encoding/json"
	"fmt"
	"strings"
	"time"

	"github.com/natsd/natsd/jetstream/api"
	jsc "github.com/natsd/natsd/jetstream/consumer"
)

// Consumers in stream backups. nats-server 2.15.2 writes one
// "consumers/<name>" entry per durable consumer between state.json and
// the messages (state.json's consumer_count says how many), each a JSON
// document {"config":{...},"state":{...}}: the stored config (without
// the server's _nats.ver/_nats.level metadata, pause_until always
// present), and the state with delivered and ack_floor as sequence
// pairs, pending as {"<stream seq>":{"Sequence":<consumer seq>,
// "Timestamp":<ns>}} and redelivered as {"<stream seq>":<redeliveries>}
// (both left out when empty). Ephemeral consumers are not backed up.
// A restore recreates the consumers after the stream is built, with
// their delivered, ack floor, pending and redelivery counts.

const archiveConsumerPrefix = "consumers/"

// archiveConsumer is one consumers/<name> entry.
type archiveConsumer struct {
	Config *api.ConsumerConfig   `json:"config"`
	State  *archiveConsumerState `json:"state"`
}

type archiveSeqPair struct {
	Consumer uint64 `json:"consumer_seq"`
	Stream   uint64 `json:"stream_seq"`
}

type archiveConsumerState struct {
	Delivered   archiveSeqPair         `json:"delivered"`
	AckFloor    archiveSeqPair         `json:"ack_floor"`
	Pending     map[uint64]jsc.Pending `json:"pending,omitempty"`
	Redelivered map[uint64]uint64      `json:"redelivered,omitempty"`
}

// snapshotConsumers is the stream's consumers that go into a backup.
func (st *stream) snapshotConsumers() []*consumer {
	all := st.consumerList()
	out := all[:0]
	for _, c := range all {
		c.mu.Lock()
		durable := c.cfg.Durable != ""
		c.mu.Unlock()
		if durable {
			out = append(out, c)
		}
	}
	return out
}

// archiveEntry is the consumer's backup entry.
func (c *consumer) archiveEntry() ([]byte, error) {
	c.mu.Lock()
	cfg := c.cfg
	s := &archiveConsumerState{
		Delivered: archiveSeqPair{Consumer: c.dseq, Stream: c.lsseq},
		AckFloor:  archiveSeqPair{Consumer: c.adflr, Stream: c.asflr},
	}
	if len(c.pending) > 0 {
		s.Pending = make(map[uint64]jsc.Pending, len(c.pending))
		for k, v := range c.pending {
			s.Pending[k] = v
		}
	}
	for k, dc := range c.rdc {
		if dc < 2 {
			continue
		}
		if s.Redelivered == nil {
			s.Redelivered = make(map[uint64]uint64)
		}
		s.Redelivered[k] = dc - 1
	}
	c.mu.Unlock()
	if cfg.PauseUntil == nil {
		cfg.PauseUntil = &time.Time{}
	}
	return json.Marshal(archiveConsumer{Config: &cfg, State: s})
}

// restoredConsumer is a consumer read from a backup, made once the
// stream exists.
type restoredConsumer struct {
	name  string
	cfg   api.ConsumerConfig
	state *jsc.State
}

// decodeArchiveConsumer reads a consumers/<name> entry.
func decodeArchiveConsumer(entry string, b []byte) (*restoredConsumer, error) {
	var ac archiveConsumer
	if err := json.Unmarshal(b, &ac); err != nil {
		return nil, fmt.Errorf("%s: %v", entry, err)
	}
	if ac.Config == nil {
		return nil, fmt.Errorf("%s: no config", entry)
	}
	cfg := *ac.Config
	name := strings.TrimPrefix(entry, archiveConsumerPrefix)
	if cfg.Durable != "" && cfg.Name == "" {
		cfg.Name = cfg.Durable
	}
	if cfg.Name == "" {
		cfg.Name = name
	}
	if !api.ValidName(cfg.Name) || strings.ContainsAny(cfg.Name, `/\`) {
		return nil, fmt.Errorf("%s: invalid consumer name %q", entry, cfg.Name)
	}
	if cfg.PauseUntil != nil && cfg.PauseUntil.IsZero() {
		cfg.PauseUntil = nil
	}
	cfg.SetDefaults()
	if e := cfg.Validate(api.ValidateOptions{}); e != nil {
		return nil, fmt.Errorf("%s: %s", entry, e.Description)
	}
	delete(cfg.Metadata, api.MetaServerLevel)
	delete(cfg.Metadata, api.MetaServerVersion)
	rc := &restoredConsumer{name: cfg.Name, cfg: cfg}
	if s := ac.State; s != nil {
		if s.AckFloor.Stream > s.Delivered.Stream || s.AckFloor.Consumer > s.Delivered.Consumer {
			return nil, fmt.Errorf("%s: ack floor above delivered", entry)
		}
		st := &jsc.State{
			Delivered:   jsc.SequencePair{Consumer: s.Delivered.Consumer, Stream: s.Delivered.Stream},
			AckFloor:    jsc.SequencePair{Consumer: s.AckFloor.Consumer, Stream: s.AckFloor.Stream},
			Pending:     make(map[uint64]jsc.Pending, len(s.Pending)),
			Redelivered: make(map[uint64]uint64, len(s.Redelivered)),
		}
		for seq, p := range s.Pending {
			if seq <= s.AckFloor.Stream || seq > s.Delivered.Stream {
				continue // acknowledged or never delivered: nothing to wait for
			}
			st.Pending[seq] = p
		}
		for seq, n := range s.Redelivered {
			if _, ok := st.Pending[seq]; ok && n > 0 {
				st.Redelivered[seq] = n + 1
			}
		}
		rc.state = st
	}
	return rc, nil
}

// restoreConsumers makes the consumers of a restored stream. A consumer
// that can not be made is logged and skipped, as the stream is there.
func (st *stream) restoreConsumers(list []*restoredConsumer) {
	log := st.jsa.js.srv.log
	scfg := st.config()
	for _, rc := range list {
		if e := checkConsumerAgainstStream(&rc.cfg, &scfg); e != nil {
			log.Warnf("JetStream: restore of '%s > %s': skipping consumer %q: %s", st.jsa.acc.name, st.name, rc.name, e.Description)
			continue
		}
		if st.lookupConsumer(rc.name) != nil {
			continue
		}
		c, err := st.addConsumer(rc.name, rc.cfg, time.Now().UTC(), rc.state)
		if err != nil {
			log.Warnf("JetStream: restore of '%s > %s': skipping consumer %q: %v", st.jsa.acc.name, st.name, rc.name, err)
			continue
		}
		if c.dir != "" && rc.state != nil {
			// addConsumer writes no meta.inf for a state it is given.
			c.mu.Lock()
			err := c.writeMeta()
			c.dirty = true
			c.writeStateLocked()
			c.mu.Unlock()
			if err != nil {
				log.Warnf("JetStream: restore of '%s > %s': consumer %q: %v", st.jsa.acc.name, st.name, rc.name, err)
			}
		}
		st.jsa.consumerAdvise(api.AdvisoryConsumerCreatedPre, st.name, c.name, api.ActionCreate)
	}
}
