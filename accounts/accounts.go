package accounts

import (
	"fmt"
	"strings"
	"time"

	"github.com/natsd/natsd/conf"
	"github.com/natsd/natsd/sublist"
	"github.com/natsd/natsd/transform"
)

// Well-known account names.
const (
	// Global is the account of every connection when no accounts are
	// configured, and of users of the authorization block.
	Global = "$G"
	// DefaultSystem is the system account's name unless system_account
	// names another.
	DefaultSystem = "$SYS"
)

// ResponseType says how many replies a service export sends per request.
type ResponseType uint8

// Response types, as the configuration names them.
const (
	Singleton ResponseType = iota // exactly one reply
	Stream                        // any number of replies
	Chunked                       // any number of replies (a chunked body)
)

// String is the configuration name of the response type.
func (r ResponseType) String() string {
	switch r {
	case Stream:
		return "stream"
	case Chunked:
		return "chunked"
	}
	return "singleton"
}

// ParseResponseType reads singleton, stream or chunked (any case).
func ParseResponseType(s string) (ResponseType, bool) {
	switch strings.ToLower(s) {
	case "singleton", "single", "":
		return Singleton, true
	case "stream":
		return Stream, true
	case "chunked":
		return Chunked, true
	}
	return 0, false
}

// Export is one entry of an account's exports list.
type Export struct {
	Subject string
	Service bool // a service export; else a stream export
	// Accounts, when not empty, are the only accounts allowed to import
	// it (a private export).
	Accounts     []string
	ResponseType ResponseType // services only
	// ResponseThreshold bounds how long a reply to a request made through
	// an import of this service is waited for (0: the default).
	ResponseThreshold time.Duration
	// Latency, when set, samples requests made through imports of this
	// service and publishes their latency in the exporting account.
	Latency *Latency
	Pos     conf.Pos
}

// Latency is a service export's latency tracking.
type Latency struct {
	Sampling int    // percent of requests measured, 1 to 100
	Subject  string // where the measurements are published
}

// Allows reports whether account importer may import e.
func (e *Export) Allows(importer string) bool {
	if len(e.Accounts) == 0 {
		return true
	}
	for _, a := range e.Accounts {
		if a == importer {
			return true
		}
	}
	return false
}

// Kind names the export's kind for messages.
func (e *Export) Kind() string {
	if e.Service {
		return "service"
	}
	return "stream"
}

// Import is one entry of an account's imports list.
type Import struct {
	Account string // the exporting account
	Subject string // the subject in the exporting account
	Service bool
	// To is the subject in the importing account (streams: where the
	// messages appear; services: where requests are published). Prefix
	// (streams only) is prepended to the exporter's subject instead.
	To     string
	Prefix string
	// Share (services only) lets the exporter see who made the requests
	// in its latency measurements.
	Share bool
	Pos   conf.Pos
}

// Kind names the import's kind for messages.
func (im *Import) Kind() string {
	if im.Service {
		return "service"
	}
	return "stream"
}

// Local is the subject the import occupies in the importing account: the
// subscription subject of a stream import, the request subject of a
// service import.
func (im *Import) Local() string {
	switch {
	case im.Prefix != "":
		return im.Prefix + "." + im.Subject
	case im.To != "":
		return im.To
	}
	return im.Subject
}

// Limits are an account's limits; 0 means unlimited (or, for MaxPayload,
// the server's max_payload).
type Limits struct {
	MaxConnections   int
	MaxSubscriptions int
	MaxPayload       int32
	MaxLeafNodes     int // leaf node connections bound to the account
	// NoLeafNodes refuses every leaf node connection (an account JWT's
	// `leaf: 0`, which nats-server reads as none allowed).
	NoLeafNodes bool
	// MsgsPerSecond and BytesPerSecond bound the rate at which all the
	// account's connections together publish (natsd only).
	MsgsPerSecond, BytesPerSecond int64
}

// Account is one account of the configuration.
type Account struct {
	Name    string
	Pos     conf.Pos
	Exports []*Export
	Imports []*Import
	Limits  Limits
	// Mappings are the account's subject mappings, compiled, in the
	// order of the configuration (the first that matches applies).
	Mappings []*transform.Mapping
	// JetStream is the account's jetstream key: nil when JetStream is off
	// for the account (server/config_jetstream.go fills it).
	JetStream *JetStreamLimits
}

// JetStreamLimits are an account's JetStream limits; -1 is unlimited.
type JetStreamLimits struct {
	MaxMemory    int64
	MaxStore     int64
	MaxStreams   int
	MaxConsumers int
}

// errAt builds a positioned configuration error.
func errAt(pos conf.Pos, format string, args ...any) error {
	return &conf.Error{Pos: pos, Msg: fmt.Sprintf(format, args...)}
}

// FindExport returns the export of acc that covers subject (every subject
// it matches is exported) of the given kind, or nil.
func FindExport(acc *Account, subject string, service bool) *Export {
	for _, e := range acc.Exports {
		if e.Service == service && sublist.SubjectIsSubset(subject, e.Subject) {
			return e
		}
	}
	return nil
}
