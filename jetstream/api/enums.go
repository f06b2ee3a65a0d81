package api

import (
	"encoding/json"
	"fmt"
)

// RetentionPolicy decides when a stream removes messages.
type RetentionPolicy int

// Retention policies; JSON "limits", "interest", "workqueue".
const (
	LimitsPolicy RetentionPolicy = iota
	InterestPolicy
	WorkQueuePolicy
)

// DiscardPolicy decides what a full stream does with a new message.
type DiscardPolicy int

// Discard policies; JSON "old", "new".
const (
	DiscardOld DiscardPolicy = iota
	DiscardNew
)

// StorageType is where a stream keeps its messages.
type StorageType int

// Storage types; JSON "file", "memory". File is the zero value as it is the
// default.
const (
	FileStorage StorageType = iota
	MemoryStorage
)

// Compression is the at-rest compression of a file stream.
type Compression int

// Compressions; JSON "none", "s2".
const (
	NoCompression Compression = iota
	S2Compression
)

// DeliverPolicy is where a consumer starts.
type DeliverPolicy int

// Deliver policies; JSON "all", "last", "new", "by_start_sequence",
// "by_start_time", "last_per_subject".
const (
	DeliverAll DeliverPolicy = iota
	DeliverLast
	DeliverNew
	DeliverByStartSequence
	DeliverByStartTime
	DeliverLastPerSubject
)

// AckPolicy is how a consumer's messages are acknowledged.
type AckPolicy int

// Ack policies; JSON "none", "all", "explicit". None is the zero value: a
// request without ack_policy gets it.
const (
	AckNone AckPolicy = iota
	AckAll
	AckExplicit
	// AckFlowControl ("flow_control", nats-server 2.15) acknowledges by
	// flow control replies.
	AckFlowControl
)

// ReplayPolicy is the pace of delivery.
type ReplayPolicy int

// Replay policies; JSON "instant", "original".
const (
	ReplayInstant ReplayPolicy = iota
	ReplayOriginal
)

// PriorityPolicy is how a pull consumer's priority groups share messages.
type PriorityPolicy int

// Priority policies; JSON "none", "overflow", "pinned_client",
// "prioritized".
const (
	PriorityNone PriorityPolicy = iota
	PriorityOverflow
	PriorityPinnedClient
	PriorityPrioritized
)

// PersistMode is when a file stream's writes are flushed.
type PersistMode int

// Persist modes; JSON "default", "async".
const (
	PersistDefault PersistMode = iota
	PersistAsync
)

// enumText maps enum values to their JSON names, per type.
var (
	retentionNames   = []string{"limits", "interest", "workqueue"}
	discardNames     = []string{"old", "new"}
	storageNames     = []string{"file", "memory"}
	compressionNames = []string{"none", "s2"}
	deliverNames     = []string{"all", "last", "new", "by_start_sequence", "by_start_time", "last_per_subject"}
	ackNames         = []string{"none", "all", "explicit", "flow_control"}
	priorityNames    = []string{"none", "overflow", "pinned_client", "prioritized"}
	persistNames     = []string{"default", "async"}
	replayNames      = []string{"instant", "original"}
)

func marshalEnum(v int, names []string) ([]byte, error) {
	if v < 0 || v >= len(names) {
		return nil, fmt.Errorf("can not marshal %v", v)
	}
	return []byte(`"` + names[v] + `"`), nil
}

// unmarshalEnum accepts the JSON names; its error text is nats-server's,
// which the API wraps as `invalid JSON: can not unmarshal "\"bogus\""`.
func unmarshalEnum(data []byte, names []string) (int, error) {
	var s string
	if err := json.Unmarshal(data, &s); err == nil {
		for i, n := range names {
			if s == n {
				return i, nil
			}
		}
	}
	return 0, fmt.Errorf("can not unmarshal %q", data)
}

func (p RetentionPolicy) String() string { return enumString(int(p), retentionNames) }
func (p DiscardPolicy) String() string   { return enumString(int(p), discardNames) }
func (p StorageType) String() string     { return enumString(int(p), storageNames) }
func (p Compression) String() string     { return enumString(int(p), compressionNames) }
func (p DeliverPolicy) String() string   { return enumString(int(p), deliverNames) }
func (p AckPolicy) String() string       { return enumString(int(p), ackNames) }
func (p ReplayPolicy) String() string    { return enumString(int(p), replayNames) }
func (p PersistMode) String() string     { return enumString(int(p), persistNames) }

func enumString(v int, names []string) string {
	if v < 0 || v >= len(names) {
		return fmt.Sprintf("unknown(%d)", v)
	}
	return names[v]
}

// MarshalJSON implements json.Marshaler.
func (p RetentionPolicy) MarshalJSON() ([]byte, error) { return marshalEnum(int(p), retentionNames) }

// UnmarshalJSON implements json.Unmarshaler.
func (p *RetentionPolicy) UnmarshalJSON(b []byte) error {
	v, err := unmarshalEnum(b, retentionNames)
	*p = RetentionPolicy(v)
	return err
}

// MarshalJSON implements json.Marshaler.
func (p DiscardPolicy) MarshalJSON() ([]byte, error) { return marshalEnum(int(p), discardNames) }

// UnmarshalJSON implements json.Unmarshaler.
func (p *DiscardPolicy) UnmarshalJSON(b []byte) error {
	v, err := unmarshalEnum(b, discardNames)
	*p = DiscardPolicy(v)
	return err
}

// MarshalJSON implements json.Marshaler.
func (p StorageType) MarshalJSON() ([]byte, error) { return marshalEnum(int(p), storageNames) }

// UnmarshalJSON implements json.Unmarshaler.
func (p *StorageType) UnmarshalJSON(b []byte) error {
	v, err := unmarshalEnum(b, storageNames)
	*p = StorageType(v)
	return err
}

// MarshalJSON implements json.Marshaler.
func (p Compression) MarshalJSON() ([]byte, error) { return marshalEnum(int(p), compressionNames) }

// UnmarshalJSON implements json.Unmarshaler. Its error is nats-server's
// "unknown compression algorithm".
func (p *Compression) UnmarshalJSON(b []byte) error {
	v, err := unmarshalEnum(b, compressionNames)
	if err != nil {
		return fmt.Errorf("unknown compression algorithm")
	}
	*p = Compression(v)
	return nil
}

// MarshalJSON implements json.Marshaler.
func (p DeliverPolicy) MarshalJSON() ([]byte, error) { return marshalEnum(int(p), deliverNames) }

// UnmarshalJSON implements json.Unmarshaler.
func (p *DeliverPolicy) UnmarshalJSON(b []byte) error {
	v, err := unmarshalEnum(b, deliverNames)
	*p = DeliverPolicy(v)
	return err
}

// MarshalJSON implements json.Marshaler.
func (p AckPolicy) MarshalJSON() ([]byte, error) { return marshalEnum(int(p), ackNames) }

// UnmarshalJSON implements json.Unmarshaler.
func (p *AckPolicy) UnmarshalJSON(b []byte) error {
	v, err := unmarshalEnum(b, ackNames)
	*p = AckPolicy(v)
	return err
}

// MarshalJSON implements json.Marshaler.
func (p ReplayPolicy) MarshalJSON() ([]byte, error) { return marshalEnum(int(p), replayNames) }

// UnmarshalJSON implements json.Unmarshaler.
func (p *ReplayPolicy) UnmarshalJSON(b []byte) error {
	v, err := unmarshalEnum(b, replayNames)
	*p = ReplayPolicy(v)
	return err
}

// MarshalJSON implements json.Marshaler.
func (p PersistMode) MarshalJSON() ([]byte, error) { return marshalEnum(int(p), persistNames) }

// UnmarshalJSON implements json.Unmarshaler.
func (p *PersistMode) UnmarshalJSON(b []byte) error {
	v, err := unmarshalEnum(b, persistNames)
	*p = PersistMode(v)
	return err
}

func (p PriorityPolicy) String() string { return enumString(int(p), priorityNames) }

// MarshalJSON implements json.Marshaler.
func (p PriorityPolicy) MarshalJSON() ([]byte, error) { return marshalEnum(int(p), priorityNames) }

// UnmarshalJSON implements json.Unmarshaler; its error text is
// nats-server's: unknown priority policy: "bogus".
func (p *PriorityPolicy) UnmarshalJSON(b []byte) error {
	v, err := unmarshalEnum(b, priorityNames)
	if err != nil {
		return fmt.Errorf("unknown priority policy: %s", b)
	}
	*p = PriorityPolicy(v)
	return nil
}
