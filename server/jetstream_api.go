package server

import (
	"encoding/json"
	"reflect"
	"sort"
	"strings"
	"time"
	"unsafe"

	"github.com/nats-io/nuid"

	"github.com/natsd/natsd/jetstream/api"
	"github.com/natsd/natsd/jetstream/store"
	"github.com/natsd/natsd/sublist"
)

// apiRequest is a copied API request waiting for the worker.
type apiRequest struct {
	fn      func() // a change of JetStream's own (a reload) to run in order
	jsa     *jsAccount
	subject string
	reply   string
	hdr     []byte
	msg     []byte
	// pub, for a request served inline, is the requester's connection:
	// the answer joins its batch's output.
	pub *client
}

// apiCallback is the account's $JS.API.> subscription: it copies the
// request and queues it for the worker (jetstream.go says why).
func (jsa *jsAccount) apiCallback(pub *client, _ *subscription, subject, reply []byte, hdrLen int, msg []byte) bool {
	if len(subject) > len(msgNextPrefix) && string(subject[:len(msgNextPrefix)]) == msgNextPrefix {
		// Pull requests go straight to their consumer.
		if hdrLen > 0 && hdrLen <= len(msg) {
			msg = msg[hdrLen:]
		}
		// Nobody answers a pull for a consumer that does not exist: the
		// requester hears "no responders", as from nats-server.
		return jsa.msgNext(pub, subject, reply, msg)
	}
	if len(subject) > len(api.APIDirectGet) && string(subject[:len(api.APIDirectGet)]) == api.APIDirectGet {
		// A direct get of the last message of a subject named in the
		// request subject (a KV get) loads one message: served inline,
		// without the worker's goroutine hop, which would be most of
		// its latency. Parsed from a view of the subject, not a copy:
		// what Parse returns points into it and is not kept past this
		// call.
		if req, ok := api.Parse(unsafe.String(unsafe.SliceData(subject), len(subject))); ok && req.Filter != "" {
			if hdrLen > 0 && hdrLen <= len(msg) {
				msg = msg[hdrLen:]
			}
			jsa.directGetLast(pub, req.Stream, req.Filter, reply, msg)
			return true
		}
	}
	r := &apiRequest{jsa: jsa, subject: string(subject), reply: string(reply)}
	if hdrLen > 0 && hdrLen <= len(msg) {
		r.hdr = append([]byte(nil), msg[:hdrLen]...)
		msg = msg[hdrLen:]
	}
	r.msg = append([]byte(nil), msg...)
	select {
	case jsa.js.apiq <- r:
	default:
		// The worker is that far behind: answer at once rather than wait.
		if req, ok := api.Parse(r.subject); ok && r.reply != "" {
			typ := responseType(req.Op)
			jsa.js.goroutine(func() { jsa.respond(r.reply, api.ErrorResponse(typ, api.JSStreamTooManyRequests.New())) })
		}
	}
	return true
}

// apiWorker serves the queued API requests one at a time.
func (js *jetStream) apiWorker() {
	defer js.wg.Done()
	for {
		select {
		case <-js.quit:
			return
		case r := <-js.apiq:
			if r.fn != nil {
				r.fn()
				continue
			}
			r.jsa.serve(r)
		}
	}
}

// notEnabledCallback answers API requests in an account without
// JetStream, as nats-server does.
func (s *Server) notEnabledCallback(acc *Account) msgHandler {
	return func(pub *client, _ *subscription, subject, reply []byte, _ int, _ []byte) bool {
		req, ok := api.Parse(string(subject))
		if !ok || len(reply) == 0 || req.Op == api.OpDirectGet {
			return true
		}
		b, _ := json.Marshal(api.ErrorResponse(responseType(req.Op), api.JSNotEnabledForAccountErr.New()))
		pub.deliverIn(acc, reply, nil, 0, b)
		return true
	}
}

// respond sends a JSON response to reply.
func (jsa *jsAccount) respond(reply string, v any) {
	if reply == "" {
		return
	}
	b, err := json.Marshal(v)
	if err != nil {
		b, _ = json.Marshal(api.ErrorResponse("", api.JSStreamGeneralErrorF.New("{err}", err.Error())))
	}
	jsa.ic.publish([]byte(reply), nil, 0, b)
}

// responseType is the response "type" of an operation.
func responseType(op api.Op) string {
	switch op {
	case api.OpAccountInfo:
		return api.AccountInfoResponseType
	case api.OpStreamCreate:
		return api.StreamCreateResponseType
	case api.OpStreamUpdate:
		return api.StreamUpdateResponseType
	case api.OpStreamNames:
		return api.StreamNamesResponseType
	case api.OpStreamList:
		return api.StreamListResponseType
	case api.OpStreamInfo:
		return api.StreamInfoResponseType
	case api.OpStreamDelete:
		return api.StreamDeleteResponseType
	case api.OpStreamPurge:
		return api.StreamPurgeResponseType
	case api.OpStreamMsgDelete:
		return api.StreamMsgDeleteResponseType
	case api.OpStreamMsgGet:
		return api.StreamMsgGetResponseType
	case api.OpStreamSnapshot:
		return api.StreamSnapshotResponseType
	case api.OpStreamRestore:
		return api.StreamRestoreResponseType
	case api.OpConsumerCreate, api.OpDurableCreate:
		return api.ConsumerCreateResponseType
	case api.OpConsumerInfo:
		return api.ConsumerInfoResponseType
	case api.OpConsumerNames:
		return api.ConsumerNamesResponseType
	case api.OpConsumerList:
		return api.ConsumerListResponseType
	case api.OpConsumerDelete:
		return api.ConsumerDeleteResponseType
	case api.OpConsumerPause:
		return api.ConsumerPauseResponseType
	case api.OpConsumerUnpin:
		return api.ConsumerUnpinResponseType
	case api.OpConsumerReset:
		return api.ConsumerResetResponseType
	}
	return api.TypePrefix + "error_response"
}

// serve handles one API request.
func (jsa *jsAccount) serve(r *apiRequest) {
	req, ok := api.Parse(r.subject)
	if !ok {
		return // nats-server does not answer unknown API subjects
	}
	if req.Op == api.OpDirectGet {
		jsa.directGet(r, req)
		return
	}
	typ := responseType(req.Op)
	if req.Op != api.OpAccountInfo {
		jsa.countAPI()
	}
	var resp any
	var e *api.Error
	switch req.Op {
	case api.OpAccountInfo:
		resp = jsa.accountInfo()
		jsa.countAPI() // after: the reply counts the calls before it
	case api.OpStreamCreate:
		resp, e = jsa.streamCreate(req.Stream, r.msg)
	case api.OpStreamUpdate:
		resp, e = jsa.streamUpdate(req.Stream, r.msg)
	case api.OpStreamInfo:
		resp, e = jsa.streamInfo(req.Stream, r.msg)
	case api.OpStreamNames:
		resp, e = jsa.streamNames(r.msg)
	case api.OpStreamList:
		resp, e = jsa.streamListResp(r.msg)
	case api.OpStreamDelete:
		resp, e = jsa.streamDelete(req.Stream)
	case api.OpStreamPurge:
		resp, e = jsa.streamPurge(req.Stream, r.msg)
		if st := jsa.lookup(req.Stream); e == nil && st != nil {
			st.afterPurge()
		}
	case api.OpStreamMsgGet:
		resp, e = jsa.msgGet(req.Stream, r.msg)
	case api.OpStreamMsgDelete:
		resp, e = jsa.msgDelete(req.Stream, r.msg)
	case api.OpStreamSnapshot:
		resp, e = jsa.streamSnapshot(req.Stream, r.msg)
	case api.OpStreamRestore:
		resp, e = jsa.streamRestore(req.Stream, r.msg)
	case api.OpConsumerCreate, api.OpDurableCreate:
		resp, e = jsa.consumerCreate(req, r.msg)
	case api.OpConsumerInfo:
		resp, e = jsa.consumerInfo(req)
	case api.OpConsumerDelete:
		resp, e = jsa.consumerDelete(req)
	case api.OpConsumerNames:
		resp, e = jsa.consumerNames(req, r.msg)
	case api.OpConsumerList:
		resp, e = jsa.consumerListResp(req, r.msg)
	case api.OpConsumerPause:
		resp, e = jsa.consumerPause(req, r.msg)
	case api.OpConsumerUnpin:
		resp, e = jsa.consumerUnpin(req, r.msg)
	case api.OpConsumerReset:
		if resp, e = jsa.consumerReset(req, r.msg); resp == nil && e == nil {
			return // nats-server 2.15.2 does not answer for a stream or consumer it does not have
		}
	default:
		// Consumers and the cluster operations come later.
		e = api.JSStreamGeneralErrorF.New("{err}", "operation not supported by natsd yet")
	}
	if e != nil {
		jsa.apiErrors.Add(1)
		jsa.js.apiErrors.Add(1)
		resp = errorResponseFor(req.Op, typ, e)
	}
	jsa.respond(r.reply, resp)
}

func (jsa *jsAccount) countAPI() {
	jsa.apiTotal.Add(1)
	jsa.js.apiTotal.Add(1)
}

// errorResponseFor shapes an error as nats-server does for op: the paged
// and purge responses keep their zero fields.
func errorResponseFor(op api.Op, typ string, e *api.Error) any {
	base := api.ErrorResponse(typ, e)
	switch op {
	case api.OpStreamInfo:
		return api.StreamInfoResponse{Response: base}
	case api.OpStreamPurge:
		return api.StreamPurgeResponse{Response: base}
	case api.OpStreamNames:
		return api.StreamNamesResponse{Response: base}
	case api.OpStreamList:
		return api.StreamListResponse{Response: base, Streams: []*api.StreamInfo{}}
	case api.OpStreamRestore:
		return api.StreamRestoreResponse{Response: base}
	case api.OpConsumerPause:
		return api.ConsumerPauseResponse{Response: base}
	case api.OpConsumerReset:
		return api.ConsumerResetResponse{Response: base}
	}
	return base
}

// lookup finds a stream of the account.
func (jsa *jsAccount) lookup(name string) *stream {
	jsa.mu.RLock()
	defer jsa.mu.RUnlock()
	return jsa.streams[name]
}

func (jsa *jsAccount) accountInfo() *api.AccountInfoResponse {
	mem, file := jsa.usage()
	jsa.mu.RLock()
	n := len(jsa.streams)
	jsa.mu.RUnlock()
	nc := jsa.numConsumers()
	l := jsa.limits
	return &api.AccountInfoResponse{
		Response: api.Response{Type: api.AccountInfoResponseType},
		AccountInfo: &api.AccountInfo{
			JetStreamTier: api.JetStreamTier{
				Memory: mem, Store: file, Streams: n, Consumers: nc,
				Limits: api.AccountLimits{MaxMemory: l.MaxMemory, MaxStore: l.MaxStore, MaxStreams: l.MaxStreams,
					MaxConsumers: l.MaxConsumers, MaxAckPending: -1, MemoryMaxStreamBytes: -1, StoreMaxStreamBytes: -1},
			},
			Domain: jsa.js.opts.Domain,
			API:    api.APIStats{Level: api.APILevel, Total: jsa.apiTotal.Load(), Errors: jsa.apiErrors.Load()},
		},
	}
}

// prepareConfig decodes a create or update request into a validated
// config with defaults.
func (jsa *jsAccount) prepareConfig(name string, body []byte) (api.StreamConfig, *api.Error) {
	var req api.StreamConfigRequest
	if e := api.Decode(body, &req); e != nil {
		return req.StreamConfig, e
	}
	cfg := req.StreamConfig
	if cfg.Name != name {
		return cfg, api.JSStreamMismatchErr.New()
	}
	if cfg.Replicas < 0 {
		return cfg, api.JSReplicasCountCannotBeNegative.New()
	}
	cfg.SetDefaults()
	if cfg.Sealed {
		// A sealed stream takes nothing new and loses nothing, as
		// nats-server records it.
		cfg.Discard, cfg.DenyDelete, cfg.DenyPurge, cfg.AllowRollup = api.DiscardNew, true, true, false
	}
	cfg.Metadata = api.SetRequiredLevel(cfg.Metadata, cfg.RequiredLevel())
	delete(cfg.Metadata, api.MetaServerLevel)
	delete(cfg.Metadata, api.MetaServerVersion)
	return cfg, nil
}

// checkResources refuses a stream whose max_bytes the server or the
// account can not hold.
func (jsa *jsAccount) checkResources(cfg *api.StreamConfig) *api.Error {
	js := jsa.js
	if cfg.Storage == api.MemoryStorage {
		if cfg.MaxBytes > js.maxMem || (jsa.limits.MaxMemory >= 0 && cfg.MaxBytes > jsa.limits.MaxMemory) {
			return api.JSMemoryResourcesExceededErr.New()
		}
	} else if cfg.MaxBytes > js.maxStore || (jsa.limits.MaxStore >= 0 && cfg.MaxBytes > jsa.limits.MaxStore) {
		return api.JSStorageResourcesExceededErr.New()
	}
	return nil
}

// overlaps reports whether cfg's subjects overlap another stream's.
func (jsa *jsAccount) overlaps(cfg *api.StreamConfig) bool {
	for _, o := range jsa.streamList() {
		if o.name == cfg.Name {
			continue
		}
		ocfg := o.config()
		for _, a := range cfg.Subjects {
			for _, b := range ocfg.Subjects {
				if sublist.SubjectsOverlap(a, b) {
					return true
				}
			}
		}
	}
	return false
}

func (jsa *jsAccount) streamCreate(name string, body []byte) (any, *api.Error) {
	if !api.ValidName(name) {
		return nil, api.JSStreamInvalidConfigF.New("{err}", `stream name is required and can not contain '.', '*', '>', '\', '/'`)
	}
	cfg, e := jsa.prepareConfig(name, body)
	if e != nil {
		return nil, e
	}
	if e := cfg.Validate(api.ValidateOptions{Create: true}); e != nil {
		if cfg.Replicas > 1 {
			jsa.js.srv.refusedReplicas("stream", name, cfg.Replicas)
		}
		return nil, e
	}
	if e := validateSources(&cfg); e != nil {
		return nil, e
	}
	if st := jsa.lookup(name); st != nil {
		old := st.config()
		if !reflect.DeepEqual(normalizedJSON(&old), normalizedJSON(&cfg)) {
			return nil, api.JSStreamNameExistErr.New()
		}
		return &api.StreamCreateResponse{Response: api.Response{Type: api.StreamCreateResponseType}, StreamInfo: st.info(nil, infoServerMeta), DidCreate: true}, nil
	}
	if jsa.overlaps(&cfg) {
		return nil, api.JSStreamSubjectOverlapErr.New()
	}
	jsa.mu.RLock()
	n := len(jsa.streams)
	jsa.mu.RUnlock()
	if jsa.limits.MaxStreams > 0 && n >= jsa.limits.MaxStreams {
		return nil, api.JSMaximumStreamsLimitErr.New()
	}
	if e := jsa.checkResources(&cfg); e != nil {
		return nil, e
	}
	st, err := jsa.openStream(cfg, time.Now().UTC(), false)
	if err != nil {
		jsa.js.srv.log.Errorf("JetStream: creating stream '%s > %s': %v", jsa.acc.name, name, err)
		return nil, api.JSInsufficientResourcesErr.New()
	}
	jsa.advise(api.AdvisoryStreamCreatedPre, name, api.ActionCreate)
	return &api.StreamCreateResponse{Response: api.Response{Type: api.StreamCreateResponseType}, StreamInfo: st.info(nil, infoServerMeta), DidCreate: true}, nil
}

// normalizedJSON is a config as a comparable value.
func normalizedJSON(c *api.StreamConfig) any {
	b, _ := json.Marshal(c)
	var v any
	json.Unmarshal(b, &v)
	return v
}

func (jsa *jsAccount) streamUpdate(name string, body []byte) (any, *api.Error) {
	cfg, e := jsa.prepareConfig(name, body)
	if e != nil {
		return nil, e
	}
	st := jsa.lookup(name)
	if st == nil {
		return nil, api.JSStreamNotFoundErr.New()
	}
	old := st.config()
	if e := cfg.ValidateUpdate(&old, api.ValidateOptions{}); e != nil {
		return nil, e
	}
	if e := validateSources(&cfg); e != nil {
		return nil, e
	}
	if jsa.overlaps(&cfg) {
		return nil, api.JSStreamSubjectOverlapErr.New()
	}
	if e := jsa.checkResources(&cfg); e != nil {
		return nil, e
	}
	if err := st.update(cfg); err != nil {
		return nil, api.JSStreamUpdateErrF.New("{err}", err.Error())
	}
	if !reflect.DeepEqual(old.Mirror, cfg.Mirror) || !reflect.DeepEqual(old.Sources, cfg.Sources) {
		st.restartSources()
	}
	jsa.advise(api.AdvisoryStreamUpdatedPre, name, api.ActionModify)
	return &api.StreamCreateResponse{Response: api.Response{Type: api.StreamUpdateResponseType}, StreamInfo: st.info(nil, infoServerMeta)}, nil
}

func (jsa *jsAccount) streamInfo(name string, body []byte) (any, *api.Error) {
	var req api.StreamInfoRequest
	if e := api.Decode(body, &req); e != nil {
		return nil, e
	}
	st := jsa.lookup(name)
	if st == nil {
		return nil, api.JSStreamNotFoundErr.New()
	}
	si := st.info(&req, infoServerMeta|infoCluster)
	resp := &api.StreamInfoResponse{Response: api.Response{Type: api.StreamInfoResponseType}, StreamInfo: si}
	if req.SubjectsFilter != "" {
		const limit = 100000
		subs := si.State.Subjects
		resp.Paged = api.Paged{Total: len(subs), Offset: req.Offset, Limit: limit}
		if req.Offset > 0 || len(subs) > limit {
			keys := make([]string, 0, len(subs))
			for k := range subs {
				keys = append(keys, k)
			}
			sort.Strings(keys)
			if req.Offset > len(keys) {
				keys = nil
			} else {
				keys = keys[req.Offset:]
			}
			if len(keys) > limit {
				keys = keys[:limit]
			}
			page := make(map[string]uint64, len(keys))
			for _, k := range keys {
				page[k] = subs[k]
			}
			si.State.Subjects = page
		}
	}
	return resp, nil
}

// filterStreams lists the streams (by name) after offset, those with a
// subject overlapping subject when it is set.
func (jsa *jsAccount) filterStreams(offset int, subject string) ([]*stream, int) {
	all := jsa.streamList()
	var out []*stream
	for _, st := range all {
		if subject != "" {
			cfg := st.config()
			match := false
			for _, s := range cfg.Subjects {
				if sublist.SubjectsOverlap(s, subject) {
					match = true
					break
				}
			}
			if !match {
				continue
			}
		}
		out = append(out, st)
	}
	total := len(out)
	if offset > len(out) {
		offset = len(out)
	}
	return out[offset:], total
}

func (jsa *jsAccount) streamNames(body []byte) (any, *api.Error) {
	var req api.StreamNamesRequest
	if e := api.Decode(body, &req); e != nil {
		return nil, e
	}
	const limit = 1024
	sts, total := jsa.filterStreams(req.Offset, req.Subject)
	names := make([]string, 0, len(sts))
	for i, st := range sts {
		if i == limit {
			break
		}
		names = append(names, st.name)
	}
	return &api.StreamNamesResponse{Response: api.Response{Type: api.StreamNamesResponseType},
		Paged: api.Paged{Total: total, Offset: req.Offset, Limit: limit}, Streams: names}, nil
}

func (jsa *jsAccount) streamListResp(body []byte) (any, *api.Error) {
	var req api.StreamListRequest
	if e := api.Decode(body, &req); e != nil {
		return nil, e
	}
	const limit = 256
	sts, total := jsa.filterStreams(req.Offset, req.Subject)
	infos := make([]*api.StreamInfo, 0, len(sts))
	for i, st := range sts {
		if i == limit {
			break
		}
		infos = append(infos, st.info(nil, 0))
	}
	return &api.StreamListResponse{Response: api.Response{Type: api.StreamListResponseType},
		Paged: api.Paged{Total: total, Offset: req.Offset, Limit: limit}, Streams: infos}, nil
}

func (jsa *jsAccount) streamDelete(name string) (any, *api.Error) {
	st := jsa.lookup(name)
	if st == nil {
		return nil, api.JSStreamNotFoundErr.New()
	}
	if err := st.delete(); err != nil {
		return nil, api.JSStreamDeleteErrF.New("{err}", err.Error())
	}
	jsa.advise(api.AdvisoryStreamDeletedPre, name, api.ActionDelete)
	return &api.SuccessResponse{Response: api.Response{Type: api.StreamDeleteResponseType}, Success: true}, nil
}

func (jsa *jsAccount) streamPurge(name string, body []byte) (any, *api.Error) {
	var req api.StreamPurgeRequest
	if e := api.Decode(body, &req); e != nil {
		return nil, e
	}
	st := jsa.lookup(name)
	if st == nil {
		return nil, api.JSStreamNotFoundErr.New()
	}
	st.mu.Lock()
	defer st.mu.Unlock()
	switch {
	case st.cfg.Sealed:
		return nil, api.JSStreamSealedErr.New()
	case st.cfg.DenyPurge:
		return nil, api.JSStreamPurgeFailedF.New("{err}", "stream purge not permitted")
	case req.Sequence > 0 && req.Keep > 0:
		return nil, api.JSBadRequestErr.New()
	}
	var n uint64
	var err error
	whole := req.Subject == "" && req.Sequence == 0 && req.Keep == 0
	if whole {
		n, err = st.store.Purge()
	} else {
		n, err = st.store.PurgeEx(req.Subject, req.Sequence, req.Keep)
	}
	if err != nil {
		return nil, api.JSStreamPurgeFailedF.New("{err}", err.Error())
	}
	if whole {
		clear(st.dedup)
		st.dedupList, st.dedupHead = st.dedupList[:0], 0
	}
	return &api.StreamPurgeResponse{Response: api.Response{Type: api.StreamPurgeResponseType}, Success: true, Purged: n}, nil
}

func (jsa *jsAccount) msgDelete(name string, body []byte) (any, *api.Error) {
	var req api.MsgDeleteRequest
	if len(strings.TrimSpace(string(body))) == 0 {
		return nil, api.JSBadRequestErr.New()
	}
	if e := api.Decode(body, &req); e != nil {
		return nil, e
	}
	st := jsa.lookup(name)
	if st == nil {
		return nil, api.JSStreamNotFoundErr.New()
	}
	st.mu.Lock()
	defer st.mu.Unlock()
	switch {
	case st.cfg.Sealed:
		return nil, api.JSStreamSealedErr.New()
	case st.cfg.DenyDelete:
		return nil, api.JSStreamMsgDeleteFailedF.New("{err}", "message delete not permitted")
	}
	var ok bool
	var err error
	if req.NoErase {
		ok, err = st.store.RemoveMsg(req.Seq)
	} else {
		ok, err = st.store.EraseMsg(req.Seq)
	}
	if err == nil && !ok {
		var ss store.State
		st.store.FastState(&ss)
		err = store.ErrMsgNotFound
		if req.Seq > ss.LastSeq {
			err = store.ErrStoreEOF
		}
	}
	if err != nil {
		return nil, api.JSStreamMsgDeleteFailedF.New("{err}", err.Error())
	}
	return &api.SuccessResponse{Response: api.Response{Type: api.StreamMsgDeleteResponseType}, Success: true}, nil
}

// advise publishes a stream advisory in the account.
func (jsa *jsAccount) advise(prefix, name, action string) {
	ev := api.StreamAction{
		TypedEvent: api.TypedEvent{Type: api.StreamActionType, ID: nuid.Next(), Time: time.Now().UTC()},
		Stream:     name, Action: action, Domain: jsa.js.opts.Domain,
	}
	b, err := json.Marshal(ev)
	if err != nil {
		return
	}
	jsa.ic.publish([]byte(prefix+name), nil, 0, b)
}
