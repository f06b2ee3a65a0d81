package server

import (
	"crypto/rand"
	"encoding/json"
	"os"
	"reflect"
	"strings"
	"time"

	"github.com/nats-io/nuid"

	"github.com/natsd/natsd/jetstream/api"
	"github.com/natsd/natsd/sublist"
)

// The consumer API: CONSUMER.CREATE, DURABLE.CREATE, DELETE, INFO, NAMES
// and LIST, served by the API worker (jetstream_api.go). MSG.NEXT does not
// wait for the worker: apiCallback hands it to the consumer at once
// (jetstream_consumer_pull.go).

// consumerCreate serves CONSUMER.CREATE and CONSUMER.DURABLE.CREATE.
func (jsa *jsAccount) consumerCreate(req api.Request, body []byte) (any, *api.Error) {
	var cr api.CreateConsumerRequest
	if len(strings.TrimSpace(string(body))) == 0 {
		return nil, api.JSBadRequestErr.New()
	}
	if e := api.Decode(body, &cr); e != nil {
		return nil, e
	}
	if cr.Stream != req.Stream {
		return nil, api.JSStreamMismatchErr.New()
	}
	cfg := cr.Config
	switch {
	case req.Op == api.OpDurableCreate:
		if cfg.Durable == "" {
			return nil, api.JSConsumerDurableNameNotSetErr.New()
		}
		if cfg.Durable != req.Consumer {
			return nil, api.JSConsumerDurableNameNotMatchSubjectErr.New()
		}
	case req.Consumer == "":
		if cfg.Durable != "" {
			return nil, api.JSConsumerEphemeralWithDurableNameErr.New()
		}
	default:
		if cfg.Durable != "" && cfg.Name != "" && cfg.Durable != cfg.Name {
			return nil, api.JSConsumerCreateDurableAndNameMismatch.New()
		}
		if (cfg.Durable != "" && cfg.Durable != req.Consumer) || (cfg.Name != "" && cfg.Name != req.Consumer) {
			return nil, api.JSConsumerDurableNameNotMatchSubjectErr.New()
		}
		if req.Filter != "" {
			if len(cfg.FilterSubjects) > 0 {
				return nil, api.JSConsumerMultipleFiltersNotAllowed.New()
			}
			// The config must name the subject's filter itself.
			if cfg.FilterSubject != req.Filter {
				return nil, api.JSConsumerCreateFilterSubjectMismatchErr.New()
			}
		}
		cfg.Name = req.Consumer
	}
	if cfg.Durable != "" && cfg.Name == "" {
		cfg.Name = cfg.Durable
	}
	name := cfg.Name
	if name == "" {
		// An ephemeral's generated name stays out of its config, as
		// nats-server reports it.
		name = ephemeralName()
	}
	if strings.ContainsAny(name, `/\`) {
		return nil, api.JSConsumerNameContainsPathSeparatorsErr.New()
	}
	if !api.ValidName(name) {
		return nil, api.JSConsumerBadDurableNameErr.New()
	}
	st := jsa.lookup(req.Stream)
	if st == nil {
		return nil, api.JSStreamNotFoundErr.New()
	}
	for cfg.Name == "" && st.lookupConsumer(name) != nil {
		name = ephemeralName() // a generated name never updates another
	}
	scfg := st.config()
	reqInactive := cfg.InactiveThreshold
	cfg.SetDefaults()
	if e := cfg.Validate(api.ValidateOptions{}); e != nil {
		return nil, e
	}
	if e := checkConsumerAgainstStream(&cfg, &scfg); e != nil {
		return nil, e
	}
	cfg.Metadata = api.SetRequiredLevel(cfg.Metadata, consumerLevel(&cfg))
	delete(cfg.Metadata, api.MetaServerLevel)
	delete(cfg.Metadata, api.MetaServerVersion)

	if old := st.lookupConsumer(name); old != nil {
		old.mu.Lock()
		ocfg, durable := old.cfg, old.durable
		old.mu.Unlock()
		// As nats-server: an update keeps the pause (only CONSUMER.PAUSE
		// changes it), and an unset inactive_threshold gets the
		// ephemeral default only while the consumer never was durable
		// (an update with a durable name makes it durable for good),
		// whatever the new config says.
		cfg.PauseUntil = ocfg.PauseUntil
		if reqInactive <= 0 {
			cfg.InactiveThreshold = 0
			if !durable {
				cfg.InactiveThreshold = api.DefaultInactiveThreshold
			}
		}
		cfg.Metadata = api.SetRequiredLevel(cfg.Metadata, consumerLevel(&cfg))
		if reflect.DeepEqual(normalizedAny(&ocfg), normalizedAny(&cfg)) {
			return createResponse(old), nil
		}
		if cr.Action == api.ActionCreateOnly {
			return nil, api.JSConsumerAlreadyExists.New()
		}
		if e := checkConsumerUpdate(&ocfg, &cfg); e != nil {
			return nil, e
		}
		old.update(cfg)
		return createResponse(old), nil
	}
	if cr.Action == api.ActionUpdateOnly {
		return nil, api.JSConsumerDoesNotExist.New()
	}
	if e := checkWorkQueue(st, name, &cfg, &scfg); e != nil {
		return nil, e
	}
	n := st.numConsumers()
	if (scfg.MaxConsumers > 0 && n >= scfg.MaxConsumers) || (jsa.limits.MaxConsumers > 0 && jsa.numConsumers() >= jsa.limits.MaxConsumers) {
		return nil, api.JSMaximumConsumersLimitErr.New()
	}
	c, err := st.addConsumer(name, cfg, time.Now().UTC(), nil)
	if err != nil {
		return nil, api.JSConsumerStoreFailedErrF.New("{err}", err.Error())
	}
	jsa.consumerAdvise(api.AdvisoryConsumerCreatedPre, st.name, c.name, api.ActionCreate)
	return createResponse(c), nil
}

// ephemeralName is a generated consumer name: 8 random characters from
// the NUID alphabet, as nats-server makes them.
func ephemeralName() string {
	const alphabet = "0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz"
	var b [8]byte
	rand.Read(b[:])
	for i := range b {
		b[i] = alphabet[int(b[i])%len(alphabet)]
	}
	return string(b[:])
}

func createResponse(c *consumer) *api.ConsumerInfoResponse {
	return &api.ConsumerInfoResponse{Response: api.Response{Type: api.ConsumerCreateResponseType}, ConsumerInfo: c.info(true)}
}

// consumerLevel is the API level a consumer config needs (ADR-44):
// pause_until and priority groups need 1.
func consumerLevel(cfg *api.ConsumerConfig) int {
	if cfg.AckPolicy == api.AckFlowControl {
		return 4
	}
	if (cfg.PauseUntil != nil && !cfg.PauseUntil.IsZero()) || len(cfg.PriorityGroups) > 0 {
		return 1
	}
	return 0
}

// normalizedAny is v as a comparable generic JSON value.
func normalizedAny(v any) any {
	b, _ := json.Marshal(v)
	var out any
	json.Unmarshal(b, &out)
	return out
}

// checkConsumerAgainstStream checks what depends on the stream.
func checkConsumerAgainstStream(cfg *api.ConsumerConfig, scfg *api.StreamConfig) *api.Error {
	if cfg.DeliverSubject != "" {
		if sublist.ValidSubject(cfg.DeliverSubject) && !sublist.ValidLiteralSubject(cfg.DeliverSubject) {
			return api.JSConsumerDeliverToWildcardsErr.New()
		}
		if !sublist.ValidLiteralSubject(cfg.DeliverSubject) {
			return api.JSConsumerInvalidDeliverSubject.New()
		}
		for _, s := range scfg.Subjects {
			if sublist.SubjectsOverlap(s, cfg.DeliverSubject) {
				return api.JSConsumerDeliverCycleErr.New()
			}
		}
	}
	for _, f := range cfg.FilterSubjects {
		if f == "" {
			return api.JSConsumerEmptyFilter.New()
		}
	}
	for _, f := range filterList(cfg) {
		if !sublist.ValidSubject(f) {
			return api.JSStreamInvalidConfigF.New("{err}", "invalid subject")
		}
	}
	if cfg.Replicas > 1 {
		return api.JSStreamReplicasNotSupportedErr.New()
	}
	if cfg.MaxWaiting < 0 {
		return api.JSConsumerMaxWaitingNegativeErr.New()
	}
	if cfg.MaxRequestBatch < 0 {
		return api.JSConsumerMaxRequestBatchNegativeErr.New()
	}
	return nil
}

// checkWorkQueue enforces a workqueue stream's rules: explicit acks,
// deliver all, and no two consumers whose filters overlap.
func checkWorkQueue(st *stream, name string, cfg *api.ConsumerConfig, scfg *api.StreamConfig) *api.Error {
	if scfg.Retention != api.WorkQueuePolicy {
		return nil
	}
	if cfg.AckPolicy != api.AckExplicit {
		return api.JSConsumerWQRequiresExplicitAckErr.New()
	}
	if cfg.DeliverPolicy != api.DeliverAll {
		return api.JSConsumerWQConsumerNotDeliverAllErr.New()
	}
	mine := filterList(cfg)
	for _, o := range st.consumerList() {
		if o.name == name {
			continue
		}
		theirs := *o.filters.Load()
		if mine[0] == ">" && theirs[0] == ">" {
			return api.JSConsumerWQMultipleUnfilteredErr.New()
		}
		for _, a := range mine {
			for _, b := range theirs {
				if sublist.SubjectsOverlap(a, b) {
					return api.JSConsumerWQConsumerNotUniqueErr.New()
				}
			}
		}
	}
	return nil
}

// checkConsumerUpdate refuses changes nats-server does not allow on an
// existing consumer, in the order it checks them (found by sending it
// updates that change several fields at once): the first that differs
// names the error.
func checkConsumerUpdate(old, cfg *api.ConsumerConfig) *api.Error {
	fail := func(s string) *api.Error { return api.JSConsumerCreateErrF.New("{err}", s) }
	switch {
	case old.DeliverPolicy != cfg.DeliverPolicy:
		return fail("deliver policy can not be updated")
	case old.MemoryStorage != cfg.MemoryStorage:
		return fail("storage type can not be updated")
	case old.OptStartSeq != cfg.OptStartSeq:
		return fail("start sequence can not be updated")
	case !sameInstant(old.OptStartTime, cfg.OptStartTime):
		return fail("start time can not be updated")
	case old.AckPolicy != cfg.AckPolicy:
		return fail("ack policy can not be updated")
	case old.ReplayPolicy != cfg.ReplayPolicy:
		return fail("replay policy can not be updated")
	case old.Heartbeat != cfg.Heartbeat:
		return fail("heart beats can not be updated")
	case old.FlowControl != cfg.FlowControl:
		return fail("flow control can not be updated")
	case old.IsPush() != cfg.IsPush():
		if old.IsPush() {
			return fail("can not update push consumer to pull based")
		}
		return fail("can not update pull consumer to push based")
	case old.MaxWaiting != cfg.MaxWaiting:
		return fail("max waiting can not be updated")
	}
	return nil
}

// sameInstant reports whether two optional times are both unset or the
// same instant (in any zone).
func sameInstant(a, b *time.Time) bool {
	if a == nil || b == nil {
		return a == nil && b == nil
	}
	return a.Equal(*b)
}

// update applies a validated new config to a running consumer.
func (c *consumer) update(cfg api.ConsumerConfig) {
	c.mu.Lock()
	// An update with a durable name makes an ephemeral durable for good
	// (nats-server allows it, and a later config without the name does
	// not make it ephemeral again): it gets a state directory.
	if cfg.Durable != "" && !c.durable {
		c.durable = true
		if dir := c.st.consumerDir(&cfg); dir != "" && os.MkdirAll(dir, 0o750) == nil {
			c.dir, c.dirty = dir, true
		}
	}
	c.cfg = cfg
	fl := filterList(&cfg)
	c.filters.Store(&fl)
	c.sample = sampleRate(cfg.SampleFrequency)
	if c.dir != "" {
		c.writeMeta()
	}
	c.mu.Unlock()
	c.signal()
}

func (jsa *jsAccount) numConsumers() int {
	n := 0
	for _, st := range jsa.streamList() {
		n += st.numConsumers()
	}
	return n
}

func (jsa *jsAccount) consumerInfo(req api.Request) (any, *api.Error) {
	st := jsa.lookup(req.Stream)
	if st == nil {
		return nil, api.JSStreamNotFoundErr.New()
	}
	c := st.lookupConsumer(req.Consumer)
	if c == nil {
		return nil, api.JSConsumerNotFoundErr.New()
	}
	return &api.ConsumerInfoResponse{Response: api.Response{Type: api.ConsumerInfoResponseType}, ConsumerInfo: c.info(true)}, nil
}

func (jsa *jsAccount) consumerDelete(req api.Request) (any, *api.Error) {
	st := jsa.lookup(req.Stream)
	if st == nil {
		return nil, api.JSStreamNotFoundErr.New()
	}
	c := st.lookupConsumer(req.Consumer)
	if c == nil {
		return nil, api.JSConsumerNotFoundErr.New()
	}
	st.deleteConsumer(c)
	jsa.consumerAdvise(api.AdvisoryConsumerDeletedPre, st.name, c.name, api.ActionDelete)
	return &api.SuccessResponse{Response: api.Response{Type: api.ConsumerDeleteResponseType}, Success: true}, nil
}

func (jsa *jsAccount) consumerNames(req api.Request, body []byte) (any, *api.Error) {
	var pr api.PagedRequest
	if e := api.Decode(body, &pr); e != nil {
		return nil, e
	}
	st := jsa.lookup(req.Stream)
	if st == nil {
		return nil, api.JSStreamNotFoundErr.New()
	}
	const limit = 1024
	all := st.consumerList()
	off := min(max(pr.Offset, 0), len(all))
	names := make([]string, 0, len(all)-off)
	for _, c := range all[off:] {
		if len(names) == limit {
			break
		}
		names = append(names, c.name)
	}
	return &api.ConsumerNamesResponse{Response: api.Response{Type: api.ConsumerNamesResponseType},
		Paged: api.Paged{Total: len(all), Offset: pr.Offset, Limit: limit}, Consumers: names}, nil
}

func (jsa *jsAccount) consumerListResp(req api.Request, body []byte) (any, *api.Error) {
	var pr api.PagedRequest
	if e := api.Decode(body, &pr); e != nil {
		return nil, e
	}
	st := jsa.lookup(req.Stream)
	if st == nil {
		return nil, api.JSStreamNotFoundErr.New()
	}
	const limit = 256
	all := st.consumerList()
	off := min(max(pr.Offset, 0), len(all))
	infos := make([]*api.ConsumerInfo, 0, len(all)-off)
	for _, c := range all[off:] {
		if len(infos) == limit {
			break
		}
		infos = append(infos, c.info(false))
	}
	return &api.ConsumerListResponse{Response: api.Response{Type: api.ConsumerListResponseType},
		Paged: api.Paged{Total: len(all), Offset: pr.Offset, Limit: limit}, Consumers: infos}, nil
}

// consumerPause serves CONSUMER.PAUSE: the consumer delivers nothing
// until pause_until (kept in its config, as nats-server keeps it).
func (jsa *jsAccount) consumerPause(req api.Request, body []byte) (any, *api.Error) {
	var pr api.ConsumerPauseRequest
	if e := api.Decode(body, &pr); e != nil {
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
	c.mu.Lock()
	cfg := c.cfg
	c.mu.Unlock()
	// As nats-server: a time in the past is kept (and answered) but does
	// not pause; none (or the zero time) resumes.
	cfg.PauseUntil = nil
	var until time.Time
	if pr.PauseUntil != nil && !pr.PauseUntil.IsZero() {
		until = pr.PauseUntil.UTC()
		cfg.PauseUntil = &until
	}
	cfg.Metadata = api.SetRequiredLevel(cfg.Metadata, consumerLevel(&cfg))
	c.update(cfg)
	resp := &api.ConsumerPauseResponse{Response: api.Response{Type: api.ConsumerPauseResponseType}, PauseUntil: until}
	if d := time.Until(until); d > 0 {
		resp.Paused, resp.PauseRemaining = true, d
	}
	ev := api.ConsumerPause{
		TypedEvent: api.TypedEvent{Type: api.ConsumerPauseType, ID: nuid.Next(), Time: time.Now().UTC()},
		Stream:     st.name, Consumer: c.name, Paused: resp.Paused, PauseUntil: until, Domain: jsa.js.opts.Domain,
	}
	if b, err := json.Marshal(ev); err == nil {
		jsa.ic.publish([]byte(api.AdvisoryConsumerPausePre+st.name+"."+c.name), nil, 0, b)
	}
	return resp, nil
}
