package api

import "strconv"

// Asset versioning (ADR-44): nats-server stores in every stream's and
// consumer's metadata the API level the asset needs ("_nats.req.level")
// and adds, in its responses, its own level and version.
const (
	// APILevel is the JetStream API level of nats-server v2.15.2.
	APILevel = 5

	MetaRequiredLevel = "_nats.req.level"
	MetaServerLevel   = "_nats.level"
	MetaServerVersion = "_nats.ver"
)

// RequiredLevel is the API level a stream config needs, from the features
// it uses (levels recorded from nats-server v2.15.2: message TTLs and
// delete markers 1; counters, atomic publish, schedules and async persist
// 2; batched publish 4).
func (c *StreamConfig) RequiredLevel() int {
	level := 0
	if c.AllowMsgTTL || c.SubjectDeleteMarkerTTL > 0 {
		level = 1
	}
	if c.AllowMsgCounter || c.AllowAtomicPublish || c.AllowMsgSchedules || c.PersistMode == PersistAsync {
		level = 2
	}
	if c.AllowBatchPublish {
		level = 4
	}
	return level
}

// RequiredLevel is the API level a consumer config needs (pause and
// priority groups 1, flow-control acks 4).
func (c *ConsumerConfig) RequiredLevel() int {
	level := 0
	if (c.PauseUntil != nil && !c.PauseUntil.IsZero()) || len(c.PriorityGroups) > 0 || c.PriorityPolicy != PriorityNone {
		level = 1
	}
	if c.AckPolicy == AckFlowControl {
		level = 4
	}
	return level
}

// SetRequiredLevel stores the required level in md (allocating it if nil),
// as a stored config keeps it.
func SetRequiredLevel(md map[string]string, level int) map[string]string {
	if md == nil {
		md = make(map[string]string, 3)
	}
	md[MetaRequiredLevel] = strconv.Itoa(level)
	return md
}

// WithServerMetadata returns a copy of md with the server's level and
// version added, as responses carry them.
func WithServerMetadata(md map[string]string, version string) map[string]string {
	out := make(map[string]string, len(md)+2)
	for k, v := range md {
		out[k] = v
	}
	out[MetaServerLevel] = strconv.Itoa(APILevel)
	out[MetaServerVersion] = version
	return out
}
