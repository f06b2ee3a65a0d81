package api

import (
	"time"
)

// StreamConfig is a stream's configuration, in nats-server's field order
// and with its omitempty choices.
type StreamConfig struct {
	Name                   string               `json:"name"`
	Description            string               `json:"description,omitempty"`
	Subjects               []string             `json:"subjects,omitempty"`
	Retention              RetentionPolicy      `json:"retention"`
	MaxConsumers           int                  `json:"max_consumers"`
	MaxMsgs                int64                `json:"max_msgs"`
	MaxBytes               int64                `json:"max_bytes"`
	MaxAge                 time.Duration        `json:"max_age"`
	MaxMsgsPerSubject      int64                `json:"max_msgs_per_subject"`
	MaxMsgSize             int32                `json:"max_msg_size"`
	Discard                DiscardPolicy        `json:"discard"`
	Storage                StorageType          `json:"storage"`
	Replicas               int                  `json:"num_replicas"`
	NoAck                  bool                 `json:"no_ack,omitempty"`
	Duplicates             time.Duration        `json:"duplicate_window,omitempty"`
	Placement              *Placement           `json:"placement,omitempty"`
	Mirror                 *StreamSource        `json:"mirror,omitempty"`
	Sources                []*StreamSource      `json:"sources,omitempty"`
	Compression            Compression          `json:"compression"`
	FirstSeq               uint64               `json:"first_seq,omitempty"`
	SubjectTransform       *SubjectTransform    `json:"subject_transform,omitempty"`
	RePublish              *RePublish           `json:"republish,omitempty"`
	AllowDirect            bool                 `json:"allow_direct"`
	MirrorDirect           bool                 `json:"mirror_direct"`
	DiscardNewPerSubject   bool                 `json:"discard_new_per_subject,omitempty"`
	Sealed                 bool                 `json:"sealed"`
	DenyDelete             bool                 `json:"deny_delete"`
	DenyPurge              bool                 `json:"deny_purge"`
	AllowRollup            bool                 `json:"allow_rollup_hdrs"`
	ConsumerLimits         StreamConsumerLimits `json:"consumer_limits"`
	AllowMsgTTL            bool                 `json:"allow_msg_ttl"`
	SubjectDeleteMarkerTTL time.Duration        `json:"subject_delete_marker_ttl,omitempty"`
	AllowMsgCounter        bool                 `json:"allow_msg_counter,omitempty"`
	AllowAtomicPublish     bool                 `json:"allow_atomic,omitempty"`
	AllowMsgSchedules      bool                 `json:"allow_msg_schedules,omitempty"`
	PersistMode            PersistMode          `json:"persist_mode,omitempty"`
	AllowBatchPublish      bool                 `json:"allow_batched,omitempty"`
	Metadata               map[string]string    `json:"metadata,omitempty"`
}

// StreamConfigRequest is the body of STREAM.CREATE and STREAM.UPDATE: a
// config plus request-only options.
type StreamConfigRequest struct {
	StreamConfig
	// Pedantic refuses a config that would need defaults or changes.
	Pedantic bool `json:"pedantic,omitempty"`
}

// Placement asks for a cluster and tags.
type Placement struct {
	Cluster   string   `json:"cluster,omitempty"`
	Tags      []string `json:"tags,omitempty"`
	Preferred string   `json:"preferred,omitempty"`
}

// StreamSource is a mirror's or a source's origin.
type StreamSource struct {
	Name              string             `json:"name"`
	OptStartSeq       uint64             `json:"opt_start_seq,omitempty"`
	OptStartTime      *time.Time         `json:"opt_start_time,omitempty"`
	FilterSubject     string             `json:"filter_subject,omitempty"`
	SubjectTransforms []SubjectTransform `json:"subject_transforms,omitempty"`
	External          *ExternalStream    `json:"external,omitempty"`
}

// ExternalStream is a stream in another account or domain, reached through
// API and delivery prefixes.
type ExternalStream struct {
	APIPrefix     string `json:"api"`
	DeliverPrefix string `json:"deliver"`
}

// SubjectTransform is a source filter and destination (ADR-36); an empty
// destination filters without transforming.
type SubjectTransform struct {
	Source      string `json:"src"`
	Destination string `json:"dest"`
}

// RePublish re-emits stored messages on core NATS subjects.
type RePublish struct {
	Source      string `json:"src,omitempty"`
	Destination string `json:"dest"`
	HeadersOnly bool   `json:"headers_only,omitempty"`
}

// StreamConsumerLimits are defaults and ceilings for the stream's consumers.
type StreamConsumerLimits struct {
	InactiveThreshold time.Duration `json:"inactive_threshold,omitempty"`
	MaxAckPending     int           `json:"max_ack_pending,omitempty"`
}

// StreamState is a stream's message state.
type StreamState struct {
	Msgs        uint64            `json:"messages"`
	Bytes       uint64            `json:"bytes"`
	FirstSeq    uint64            `json:"first_seq"`
	FirstTime   time.Time         `json:"first_ts"`
	LastSeq     uint64            `json:"last_seq"`
	LastTime    time.Time         `json:"last_ts"`
	NumSubjects int               `json:"num_subjects,omitempty"`
	Subjects    map[string]uint64 `json:"subjects,omitempty"`
	NumDeleted  int               `json:"num_deleted,omitempty"`
	Deleted     []uint64          `json:"deleted,omitempty"`
	Lost        *LostStreamData   `json:"lost,omitempty"`
	Consumers   int               `json:"consumer_count"`
}

// LostStreamData lists messages a store could not recover.
type LostStreamData struct {
	Msgs  []uint64 `json:"msgs"`
	Bytes uint64   `json:"bytes"`
}

// ClusterInfo describes the replicas of a stream or consumer. On a single
// server it carries only the leader (the server's id).
type ClusterInfo struct {
	Name      string      `json:"name,omitempty"`
	RaftGroup string      `json:"raft_group,omitempty"`
	Leader    string      `json:"leader,omitempty"`
	Replicas  []*PeerInfo `json:"replicas,omitempty"`
}

// PeerInfo is one replica.
type PeerInfo struct {
	Name    string        `json:"name"`
	Current bool          `json:"current"`
	Offline bool          `json:"offline,omitempty"`
	Active  time.Duration `json:"active"`
	Lag     uint64        `json:"lag,omitempty"`
	Peer    string        `json:"peer"`
}

// StreamSourceInfo is the state of a mirror or a source.
type StreamSourceInfo struct {
	Name              string             `json:"name"`
	External          *ExternalStream    `json:"external,omitempty"`
	Lag               uint64             `json:"lag"`
	Seq               uint64             `json:"seq,omitempty"`
	Active            time.Duration      `json:"active"`
	Error             *Error             `json:"error,omitempty"`
	FilterSubject     string             `json:"filter_subject,omitempty"`
	SubjectTransforms []SubjectTransform `json:"subject_transforms,omitempty"`
}

// StreamInfo is a stream's config and state, as STREAM.INFO and
// STREAM.CREATE return it.
type StreamInfo struct {
	Config    StreamConfig        `json:"config"`
	Created   time.Time           `json:"created"`
	State     StreamState         `json:"state"`
	Domain    string              `json:"domain,omitempty"`
	Cluster   *ClusterInfo        `json:"cluster,omitempty"`
	Mirror    *StreamSourceInfo   `json:"mirror,omitempty"`
	Sources   []*StreamSourceInfo `json:"sources,omitempty"`
	TimeStamp time.Time           `json:"ts"`
}

// StoredMsg is a message as STREAM.MSG.GET returns it (data base64).
type StoredMsg struct {
	Subject  string    `json:"subject"`
	Sequence uint64    `json:"seq"`
	Header   []byte    `json:"hdrs,omitempty"`
	Data     []byte    `json:"data,omitempty"`
	Time     time.Time `json:"time"`
}

// PubAck is the reply to a publish into a stream.
type PubAck struct {
	Stream    string `json:"stream"`
	Sequence  uint64 `json:"seq"`
	Domain    string `json:"domain,omitempty"`
	Duplicate bool   `json:"duplicate,omitempty"`
}

// PubAckResponse is a PubAck or an error.
type PubAckResponse struct {
	Error *Error `json:"error,omitempty"`
	*PubAck
}
