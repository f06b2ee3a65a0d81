package api

import (
	"strconv"
	"strings"
	"time"

	"github.com/natsd/natsd/sublist"
	"github.com/natsd/natsd/transform"
)

// Limits of a stream config, as nats-server has them.
const (
	MaxNameLen        = 255
	MaxDescriptionLen = 4096
	MaxReplicas       = 5
	// DefaultDuplicates is the duplicate window of a stream that sets none.
	DefaultDuplicates = 2 * time.Minute
	// MinSubjectDeleteMarkerTTL is the smallest subject delete marker TTL.
	MinSubjectDeleteMarkerTTL = time.Second
)

// SetDefaults fills in what nats-server fills in on STREAM.CREATE and
// STREAM.UPDATE: unset or negative limits become -1 (unlimited), a stream
// without subjects, mirror or sources listens on its own name, the
// duplicate window defaults to two minutes (or max_age, if shorter), a
// replica count of 0 becomes 1, a republish without a source takes every
// subject (">"), and the features that need roll-ups
// (subject delete markers, message schedules) turn them on.
func (c *StreamConfig) SetDefaults() {
	if c.MaxConsumers <= 0 {
		c.MaxConsumers = -1
	}
	if c.MaxMsgs <= 0 {
		c.MaxMsgs = -1
	}
	if c.MaxBytes <= 0 {
		c.MaxBytes = -1
	}
	if c.MaxMsgsPerSubject <= 0 {
		c.MaxMsgsPerSubject = -1
	}
	if c.MaxMsgSize <= 0 {
		c.MaxMsgSize = -1
	}
	if c.Replicas == 0 {
		c.Replicas = 1
	}
	if len(c.Subjects) == 0 && c.Mirror == nil && len(c.Sources) == 0 {
		c.Subjects = []string{c.Name}
	}
	if c.Duplicates == 0 && len(c.Subjects) > 0 {
		if c.MaxAge > 0 && c.MaxAge < DefaultDuplicates {
			c.Duplicates = c.MaxAge
		} else {
			c.Duplicates = DefaultDuplicates
		}
	}
	if c.RePublish != nil && c.RePublish.Source == "" {
		c.RePublish.Source = ">"
	}
	if c.SubjectDeleteMarkerTTL > 0 {
		c.AllowMsgTTL = true
	}
	if c.SubjectDeleteMarkerTTL > 0 || c.AllowMsgSchedules {
		c.AllowRollup = true
		c.DenyPurge = false
	}
}

// ValidateOptions are what validation needs to know about the server.
type ValidateOptions struct {
	// Clustered: replicas above 1 are possible.
	Clustered bool
	// Create: the config is for a new stream (which can not be sealed).
	Create bool
}

func invalidConfig(text string) *Error { return JSStreamInvalidConfigF.New("{err}", text) }

// ValidName reports whether a stream (or consumer) name is acceptable.
func ValidName(name string) bool {
	return name != "" && !strings.ContainsAny(name, ".*>\\/")
}

// Validate checks a config (after SetDefaults) as nats-server does, and
// returns the API error it answers with. Checks that need the server's
// state (the name in the request subject, overlaps with other streams,
// account limits) are the caller's.
func (c *StreamConfig) Validate(o ValidateOptions) *Error {
	if !ValidName(c.Name) {
		return invalidConfig(`stream name is required and can not contain '.', '*', '>', '\', '/'`)
	}
	if len(c.Name) > MaxNameLen {
		return invalidConfig("stream name is too long, maximum allowed is " + strconv.Itoa(MaxNameLen))
	}
	if len(c.Description) > MaxDescriptionLen {
		return invalidConfig("stream description is too long, maximum allowed is " + strconv.Itoa(MaxDescriptionLen))
	}
	if c.Replicas > MaxReplicas {
		return invalidConfig("maximum replicas is " + strconv.Itoa(MaxReplicas))
	}
	if c.MaxAge < 0 {
		return invalidConfig("max age can not be negative")
	}
	if c.MaxAge != 0 && c.Duplicates > c.MaxAge {
		return invalidConfig("duplicates window can not be larger then max age")
	}
	if c.DiscardNewPerSubject {
		if c.Discard != DiscardNew {
			return invalidConfig("discard new per subject requires discard new policy to be set")
		}
		if c.MaxMsgsPerSubject <= 0 {
			return invalidConfig("discard new per subject requires max msgs per subject > 0")
		}
	}
	if o.Create && c.Sealed {
		return invalidConfig("stream configuration for create can not be sealed")
	}
	if c.DenyPurge && c.AllowRollup {
		return invalidConfig("roll-ups require the purge permission")
	}
	if c.SubjectDeleteMarkerTTL > 0 && c.SubjectDeleteMarkerTTL < MinSubjectDeleteMarkerTTL {
		return invalidConfig("subject delete marker TTL must be at least 1 second")
	}
	if c.AllowMsgCounter && c.AllowMsgSchedules {
		return invalidConfig("counter stream cannot use message schedules")
	}
	if c.PersistMode == PersistAsync && c.AllowAtomicPublish {
		return invalidConfig("async persist mode is not supported with atomic batch publish")
	}
	if c.Mirror != nil {
		if len(c.Subjects) > 0 {
			return JSMirrorWithSubjectsErr.New()
		}
		if len(c.Sources) > 0 {
			return JSMirrorWithSourcesErr.New()
		}
		if c.FirstSeq > 0 {
			return JSMirrorWithFirstSeqErr.New()
		}
		if c.Mirror.Name == c.Name {
			return invalidConfig("detected cycle")
		}
	} else if c.MirrorDirect {
		return invalidConfig("stream has no mirror but does have mirror direct")
	}
	for _, s := range c.Sources {
		if s != nil && s.Name == c.Name && s.External == nil {
			return invalidConfig("detected cycle")
		}
	}
	if e := c.validateSubjects(); e != nil {
		return e
	}
	if st := c.SubjectTransform; st != nil {
		if _, err := transform.New(st.Source, st.Destination); err != nil {
			return JSStreamTransformInvalidDestination.New("{err}", err.Error())
		}
	}
	if rp := c.RePublish; rp != nil {
		for _, s := range c.Subjects {
			if sublist.SubjectsOverlap(s, rp.Destination) {
				return invalidConfig("stream configuration for republish destination forms a cycle")
			}
		}
	}
	if c.Replicas > 1 && !o.Clustered {
		return JSStreamReplicasNotSupportedErr.New()
	}
	return nil
}

// validateSubjects checks each subject and that no two overlap.
func (c *StreamConfig) validateSubjects() *Error {
	for i, s := range c.Subjects {
		if !sublist.ValidSubject(s) {
			return invalidConfig("invalid subject")
		}
		if !c.NoAck {
			if s == ">" {
				return invalidConfig("capturing all subjects requires no-ack to be true")
			}
			if sublist.SubjectsOverlap(s, APIAll) {
				return invalidConfig("subjects that overlap with jetstream api require no-ack to be true")
			}
		}
		for _, t := range c.Subjects[i+1:] {
			if sublist.SubjectsOverlap(s, t) {
				return invalidConfig("subject " + strconv.Quote(s) + " overlaps with " + strconv.Quote(t))
			}
		}
	}
	return nil
}

// ValidateUpdate checks an update of a stream from old to c (both after
// SetDefaults), as far as nats-server's rules on what may change go, then
// validates c itself.
func (c *StreamConfig) ValidateUpdate(old *StreamConfig, o ValidateOptions) *Error {
	o.Create = false
	if e := c.Validate(o); e != nil {
		return e
	}
	switch {
	case c.Storage != old.Storage:
		return invalidConfig("stream configuration update can not change storage type")
	case old.Sealed && !c.Sealed:
		return invalidConfig("stream configuration update can not unseal a sealed stream")
	case old.DenyDelete && !c.DenyDelete:
		return invalidConfig("stream configuration update can not cancel deny message deletes")
	case old.Retention != c.Retention && (old.Retention == WorkQueuePolicy || c.Retention == WorkQueuePolicy):
		return invalidConfig("stream configuration update can not change retention policy to/from workqueue")
	case old.AllowMsgTTL && !c.AllowMsgTTL:
		return invalidConfig("message TTL status can not be disabled")
	case old.Mirror != nil && c.Mirror != nil && !sameSource(old.Mirror, c.Mirror):
		return JSStreamMirrorNotUpdatableErr.New()
	}
	return nil
}

func sameSource(a, b *StreamSource) bool {
	return a.Name == b.Name && a.FilterSubject == b.FilterSubject && a.OptStartSeq == b.OptStartSeq
}
