package api

import "strings"

// API subjects. The ones ending in "." take the stream (and consumer) name
// as further tokens; the T-suffixed constants are fmt templates.
const (
	// APIPrefix is the prefix of every JetStream API subject.
	APIPrefix = "$JS.API."
	// APIAll is the wildcard the JetStream service subscribes to.
	APIAll = "$JS.API.>"

	APIAccountInfo = "$JS.API.INFO"

	APIStreamCreate         = "$JS.API.STREAM.CREATE." // + stream
	APIStreamUpdate         = "$JS.API.STREAM.UPDATE." // + stream
	APIStreamNames          = "$JS.API.STREAM.NAMES"
	APIStreamList           = "$JS.API.STREAM.LIST"
	APIStreamInfo           = "$JS.API.STREAM.INFO."            // + stream
	APIStreamDelete         = "$JS.API.STREAM.DELETE."          // + stream
	APIStreamPurge          = "$JS.API.STREAM.PURGE."           // + stream
	APIStreamMsgDelete      = "$JS.API.STREAM.MSG.DELETE."      // + stream
	APIStreamMsgGet         = "$JS.API.STREAM.MSG.GET."         // + stream
	APIStreamSnapshot       = "$JS.API.STREAM.SNAPSHOT."        // + stream
	APIStreamRestore        = "$JS.API.STREAM.RESTORE."         // + stream
	APIStreamRemovePeer     = "$JS.API.STREAM.PEER.REMOVE."     // + stream
	APIStreamLeaderStepdown = "$JS.API.STREAM.LEADER.STEPDOWN." // + stream
	APIDirectGet            = "$JS.API.DIRECT.GET."             // + stream [+ "." + subject]

	APIConsumerCreate         = "$JS.API.CONSUMER.CREATE."          // + stream [.consumer [.filter]]
	APIDurableCreate          = "$JS.API.CONSUMER.DURABLE.CREATE."  // + stream.durable
	APIConsumerNames          = "$JS.API.CONSUMER.NAMES."           // + stream
	APIConsumerList           = "$JS.API.CONSUMER.LIST."            // + stream
	APIConsumerInfo           = "$JS.API.CONSUMER.INFO."            // + stream.consumer
	APIConsumerDelete         = "$JS.API.CONSUMER.DELETE."          // + stream.consumer
	APIConsumerMsgNext        = "$JS.API.CONSUMER.MSG.NEXT."        // + stream.consumer
	APIConsumerPause          = "$JS.API.CONSUMER.PAUSE."           // + stream.consumer
	APIConsumerUnpin          = "$JS.API.CONSUMER.UNPIN."           // + stream.consumer
	APIConsumerLeaderStepdown = "$JS.API.CONSUMER.LEADER.STEPDOWN." // + stream.consumer

	APIAccountPurge       = "$JS.API.ACCOUNT.PURGE." // + account
	APIMetaLeaderStepdown = "$JS.API.META.LEADER.STEPDOWN"
	APIServerRemove       = "$JS.API.SERVER.REMOVE"

	// AckPrefix starts the reply subjects of delivered messages:
	// $JS.ACK.<stream>.<consumer>.<delivered>.<sseq>.<cseq>.<ts>.<pending>.
	AckPrefix = "$JS.ACK."
	// AdvisoryPrefix starts the advisories ($JS.EVENT.ADVISORY.>).
	AdvisoryPrefix = "$JS.EVENT.ADVISORY."
	// MetricPrefix starts the metrics ($JS.EVENT.METRIC.>).
	MetricPrefix = "$JS.EVENT.METRIC."
)

// Op names a JetStream API operation.
type Op uint8

// The operations Parse recognises.
const (
	OpUnknown Op = iota
	OpAccountInfo
	OpStreamCreate
	OpStreamUpdate
	OpStreamNames
	OpStreamList
	OpStreamInfo
	OpStreamDelete
	OpStreamPurge
	OpStreamMsgDelete
	OpStreamMsgGet
	OpStreamSnapshot
	OpStreamRestore
	OpStreamRemovePeer
	OpStreamLeaderStepdown
	OpDirectGet
	OpConsumerCreate
	OpDurableCreate
	OpConsumerNames
	OpConsumerList
	OpConsumerInfo
	OpConsumerDelete
	OpConsumerMsgNext
	OpConsumerPause
	OpConsumerUnpin
	OpConsumerLeaderStepdown
	OpAccountPurge
	OpMetaLeaderStepdown
	OpServerRemove
	OpConsumerReset
)

// Request is an API subject taken apart.
type Request struct {
	Op       Op
	Stream   string // stream name (or account for OpAccountPurge)
	Consumer string // consumer or durable name, when the subject has one
	Filter   string // CONSUMER.CREATE's filter subject, or DIRECT.GET's subject
}

// prefixed lists the operations whose subject continues with names:
// the prefix, how many name tokens follow (-1: one or more, taken by the
// caller), and the operation.
var prefixed = []struct {
	prefix string
	names  int
	op     Op
}{
	{APIStreamCreate, 1, OpStreamCreate},
	{APIStreamUpdate, 1, OpStreamUpdate},
	{APIStreamInfo, 1, OpStreamInfo},
	{APIStreamDelete, 1, OpStreamDelete},
	{APIStreamPurge, 1, OpStreamPurge},
	{APIStreamMsgDelete, 1, OpStreamMsgDelete},
	{APIStreamMsgGet, 1, OpStreamMsgGet},
	{APIStreamSnapshot, 1, OpStreamSnapshot},
	{APIStreamRestore, 1, OpStreamRestore},
	{APIStreamRemovePeer, 1, OpStreamRemovePeer},
	{APIStreamLeaderStepdown, 1, OpStreamLeaderStepdown},
	{APIDirectGet, -1, OpDirectGet},
	{APIDurableCreate, 2, OpDurableCreate},
	{APIConsumerCreate, -1, OpConsumerCreate},
	{APIConsumerNames, 1, OpConsumerNames},
	{APIConsumerList, 1, OpConsumerList},
	{APIConsumerInfo, 2, OpConsumerInfo},
	{APIConsumerDelete, 2, OpConsumerDelete},
	{APIConsumerMsgNext, 2, OpConsumerMsgNext},
	{APIConsumerPause, 2, OpConsumerPause},
	{APIConsumerUnpin, 2, OpConsumerUnpin},
	{APIConsumerReset, 2, OpConsumerReset},
	{APIConsumerLeaderStepdown, 2, OpConsumerLeaderStepdown},
	{APIAccountPurge, 1, OpAccountPurge},
}

// Parse takes an API subject apart. ok is false for a subject that is not
// a known operation or has the wrong number of tokens.
func Parse(subject string) (r Request, ok bool) {
	switch subject {
	case APIAccountInfo:
		return Request{Op: OpAccountInfo}, true
	case APIStreamNames:
		return Request{Op: OpStreamNames}, true
	case APIStreamList:
		return Request{Op: OpStreamList}, true
	case APIMetaLeaderStepdown:
		return Request{Op: OpMetaLeaderStepdown}, true
	case APIServerRemove:
		return Request{Op: OpServerRemove}, true
	}
	for _, p := range prefixed {
		rest, found := strings.CutPrefix(subject, p.prefix)
		if !found || rest == "" {
			continue
		}
		// Every token must be non-empty. Taken apart without
		// splitting, so that parsing allocates nothing (a KV get parses
		// its subject on the hot path).
		if rest[0] == '.' || rest[len(rest)-1] == '.' || strings.Contains(rest, "..") {
			return Request{}, false
		}
		first, after, more := strings.Cut(rest, ".")
		switch p.op {
		case OpDirectGet:
			// DIRECT.GET.<stream>[.<subject...>]
			return Request{Op: p.op, Stream: first, Filter: after}, true
		case OpConsumerCreate:
			// CONSUMER.CREATE.<stream>[.<consumer>[.<filter...>]]
			r = Request{Op: p.op, Stream: first}
			r.Consumer, r.Filter, _ = strings.Cut(after, ".")
			return r, true
		}
		if strings.Count(rest, ".")+1 != p.names {
			return Request{}, false
		}
		r = Request{Op: p.op, Stream: first}
		if more {
			r.Consumer = after
		}
		return r, true
	}
	return Request{}, false
}
