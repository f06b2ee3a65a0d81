package api

import (
	"regexp"
	"strconv"
	"strings"
	"time"

	"github.com/natsd/natsd/sublist"
)

// Consumer defaults, as nats-server has them.
const (
	DefaultAckWait           = 30 * time.Second
	DefaultMaxAckPending     = 1000
	DefaultMaxWaiting        = 512
	DefaultInactiveThreshold = 5 * time.Second
	DefaultPinnedTTL         = 2 * time.Minute
	MinHeartbeat             = 100 * time.Millisecond
	MinRequestExpires        = time.Millisecond
	maxPriorityGroupNameLen  = 16
)

// IsPush reports whether the consumer delivers to a subject (push) rather
// than answering pull requests.
func (c *ConsumerConfig) IsPush() bool { return c.DeliverSubject != "" }

// SetDefaults fills in what nats-server fills in on CONSUMER.CREATE: a
// durable's name is its durable name; max_deliver 0 or below is -1;
// acknowledged consumers get an ack_wait (the first backoff, if any, else
// 30s) and max_ack_pending 1000; pull consumers max_waiting 512;
// ephemerals an inactive_threshold of 5s; pinned_client a
// priority_timeout of 2m; a push consumer acknowledged by
// flow control gets flow control with a 1s heartbeat.
func (c *ConsumerConfig) SetDefaults() {
	if c.Durable != "" {
		c.Name = c.Durable
	}
	if c.MaxDeliver <= 0 {
		c.MaxDeliver = -1
	}
	if len(c.BackOff) > 0 {
		c.AckWait = c.BackOff[0] // whatever the ack policy, as nats-server
	} else if c.AckWait == 0 && (c.AckPolicy == AckExplicit || c.AckPolicy == AckAll) {
		c.AckWait = DefaultAckWait
	}
	if c.AckPolicy == AckFlowControl && c.IsPush() {
		// Acknowledged by flow control replies, which need the heartbeat
		// nats-server pins to one second.
		c.FlowControl = true
		c.Heartbeat = time.Second
	}
	if c.AckPolicy != AckNone && c.MaxAckPending == 0 {
		c.MaxAckPending = DefaultMaxAckPending
	}
	// Negative limits mean none: nats-server stores max_ack_pending -1,
	// drops max_batch, max_bytes and max_expires, and gives max_waiting
	// its default.
	if c.MaxAckPending < 0 {
		c.MaxAckPending = -1
	}
	if c.MaxRequestBatch < 0 {
		c.MaxRequestBatch = 0
	}
	if c.MaxRequestMaxBytes < 0 {
		c.MaxRequestMaxBytes = 0
	}
	if c.MaxRequestExpires < 0 {
		c.MaxRequestExpires = 0
	}
	if !c.IsPush() && c.MaxWaiting <= 0 {
		c.MaxWaiting = DefaultMaxWaiting
	}
	if c.PriorityPolicy == PriorityPinnedClient && c.PinnedTTL == 0 {
		c.PinnedTTL = DefaultPinnedTTL
	}
	if c.InactiveThreshold < 0 {
		c.InactiveThreshold = 0
	}
	if c.Durable == "" && c.InactiveThreshold == 0 {
		c.InactiveThreshold = DefaultInactiveThreshold
	}
}

// deliverPolicyText is how nats-server names a deliver policy in errors.
var deliverPolicyText = []string{"all", "last", "new", "by start sequence", "by start time", "last per subject"}

func policyErr(p DeliverPolicy, what string) *Error {
	name := "unknown"
	if int(p) < len(deliverPolicyText) {
		name = deliverPolicyText[p]
	}
	return JSConsumerInvalidPolicyErrF.New("{err}", "consumer delivery policy is deliver "+name+", but "+what)
}

var priorityGroupName = regexp.MustCompile(`^[a-zA-Z0-9/_=-]{1,16}$`)

// Validate checks a consumer config (after SetDefaults) as nats-server
// does and returns the API error it answers with. Checks that need the
// stream or the server (names in the subject, filters against the stream's
// subjects, limits) are the caller's.
func (c *ConsumerConfig) Validate(o ValidateOptions) *Error {
	if len(c.Description) > MaxDescriptionLen {
		return JSConsumerDescriptionTooLongErrF.New("{max}", strconv.Itoa(MaxDescriptionLen))
	}
	switch c.DeliverPolicy {
	case DeliverAll, DeliverLast, DeliverNew, DeliverLastPerSubject:
		if c.OptStartSeq > 0 {
			return policyErr(c.DeliverPolicy, "optional start sequence is also set")
		}
		if c.OptStartTime != nil {
			return policyErr(c.DeliverPolicy, "optional start time is also set")
		}
		if c.DeliverPolicy == DeliverLastPerSubject && c.FilterSubject == "" && len(c.FilterSubjects) == 0 {
			return policyErr(c.DeliverPolicy, "optional filter subject is not set")
		}
	case DeliverByStartSequence:
		if c.OptStartSeq == 0 {
			return policyErr(c.DeliverPolicy, "optional start sequence is not set")
		}
		if c.OptStartTime != nil {
			return policyErr(c.DeliverPolicy, "optional start time is also set")
		}
	case DeliverByStartTime:
		if c.OptStartTime == nil {
			return policyErr(c.DeliverPolicy, "optional start time is not set")
		}
		if c.OptStartSeq > 0 {
			// sic: nats-server 2.15.2 words it so.
			return policyErr(c.DeliverPolicy, "optional start start sequence is also set")
		}
	}
	if c.AckPolicy == AckFlowControl {
		switch {
		case !c.IsPush():
			return JSConsumerAckFCRequiresPushErr.New()
		case c.AckWait != 0:
			return JSConsumerAckFCRequiresNoAckWaitErr.New()
		case c.MaxDeliver > 0:
			return JSConsumerAckFCRequiresNoMaxDeliverErr.New()
		}
	}
	if c.AckWait < 0 {
		return JSConsumerAckWaitNegativeErr.New()
	}
	if len(c.BackOff) > 0 && c.MaxDeliver != -1 && c.MaxDeliver < len(c.BackOff) {
		return JSConsumerMaxDeliverBackoffErr.New()
	}
	if c.SampleFrequency != "" {
		s := strings.TrimSuffix(strings.TrimSpace(c.SampleFrequency), "%")
		n, err := strconv.Atoi(s)
		if err != nil {
			return JSConsumerInvalidSamplingErrF.New("{err}", err.Error())
		}
		if n < 0 {
			// nats-server refuses it with no error to name.
			return JSConsumerInvalidSamplingErrF.New("{err}", "<nil>")
		}
	}
	if c.IsPush() {
		if c.MaxWaiting != 0 {
			return JSConsumerPushMaxWaitingErr.New()
		}
		if len(c.PriorityGroups) > 0 {
			return JSConsumerPushWithPriorityGroupErr.New()
		}
	} else {
		if c.Heartbeat > 0 {
			return JSConsumerHBRequiresPushErr.New()
		}
		if c.FlowControl {
			return JSConsumerFCRequiresPushErr.New()
		}
		if c.RateLimit > 0 {
			return JSConsumerPullWithRateLimitErr.New()
		}
	}
	if c.FlowControl && c.Heartbeat == 0 {
		return JSConsumerWithFlowControlNeedsHeartbeats.New()
	}
	if c.Heartbeat > 0 && c.Heartbeat < MinHeartbeat {
		return JSConsumerSmallHeartbeatErr.New()
	}
	if c.MaxRequestExpires > 0 && c.MaxRequestExpires < MinRequestExpires {
		return JSConsumerMaxRequestExpiresTooSmall.New()
	}
	if c.FilterSubject != "" && len(c.FilterSubjects) > 0 {
		return JSConsumerDuplicateFilterSubjects.New()
	}
	for i, f := range c.FilterSubjects {
		for _, g := range c.FilterSubjects[i+1:] {
			if sublist.SubjectsOverlap(f, g) {
				return JSConsumerOverlappingSubjectFilters.New()
			}
		}
	}
	if c.PinnedTTL != 0 && c.PriorityPolicy == PriorityNone {
		return JSConsumerPinnedTTLWithoutPriorityPolicyNone.New()
	}
	if c.PriorityPolicy != PriorityNone && len(c.PriorityGroups) == 0 {
		return JSConsumerPriorityPolicyWithoutGroup.New()
	}
	if len(c.PriorityGroups) > 0 && c.PriorityPolicy == PriorityNone {
		return JSConsumerPriorityGroupWithPolicyNone.New()
	}
	for _, g := range c.PriorityGroups {
		if g == "" {
			return JSConsumerEmptyGroupName.New()
		}
		if !priorityGroupName.MatchString(g) {
			return JSConsumerInvalidGroupNameErr.New()
		}
	}
	if c.Replicas < 0 {
		return JSReplicasCountCannotBeNegative.New()
	}
	if c.Replicas > 1 && !o.Clustered {
		return JSStreamReplicasNotSupportedErr.New()
	}
	return nil
}
