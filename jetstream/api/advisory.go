package api

import "time"

// Advisory subjects and types (recorded from nats-server v2.15.2).
const (
	AdvisoryStreamCreatedPre   = "$JS.EVENT.ADVISORY.STREAM.CREATED."   // + stream
	AdvisoryStreamUpdatedPre   = "$JS.EVENT.ADVISORY.STREAM.UPDATED."   // + stream
	AdvisoryStreamDeletedPre   = "$JS.EVENT.ADVISORY.STREAM.DELETED."   // + stream
	AdvisoryConsumerCreatedPre = "$JS.EVENT.ADVISORY.CONSUMER.CREATED." // + stream.consumer
	AdvisoryConsumerDeletedPre = "$JS.EVENT.ADVISORY.CONSUMER.DELETED." // + stream.consumer
	AdvisoryConsumerPausePre   = "$JS.EVENT.ADVISORY.CONSUMER.PAUSE."   // + stream.consumer
	AdvisoryAPI                = "$JS.EVENT.ADVISORY.API"

	StreamActionType   = "io.nats.jetstream.advisory.v1.stream_action"
	ConsumerActionType = "io.nats.jetstream.advisory.v1.consumer_action"
	APIAuditType       = "io.nats.jetstream.advisory.v1.api_audit"
	ConsumerPauseType  = "io.nats.jetstream.advisory.v1.consumer_pause"
)

// Actions of stream and consumer advisories.
const (
	ActionCreate = "create"
	ActionModify = "modify"
	ActionDelete = "delete"
)

// TypedEvent starts every advisory: its type, a unique id (a NUID) and
// when it happened.
type TypedEvent struct {
	Type string    `json:"type"`
	ID   string    `json:"id"`
	Time time.Time `json:"timestamp"`
}

// StreamAction is a stream created, modified or deleted advisory.
type StreamAction struct {
	TypedEvent
	Stream   string `json:"stream"`
	Action   string `json:"action"`
	Template string `json:"template,omitempty"`
	Domain   string `json:"domain,omitempty"`
}

// ConsumerAction is a consumer created or deleted advisory.
type ConsumerAction struct {
	TypedEvent
	Stream   string `json:"stream"`
	Consumer string `json:"consumer"`
	Action   string `json:"action"`
	Domain   string `json:"domain,omitempty"`
}

// ConsumerPause is the advisory of CONSUMER.PAUSE: pause_until is the
// time asked for (the zero time when none), paused whether it is ahead.
type ConsumerPause struct {
	TypedEvent
	Stream     string    `json:"stream"`
	Consumer   string    `json:"consumer"`
	Paused     bool      `json:"paused"`
	PauseUntil time.Time `json:"pause_until"`
	Domain     string    `json:"domain,omitempty"`
}

// ClientInfo describes the client that made an API request, as far as
// the API audit advisory carries it for a plain client.
type ClientInfo struct {
	Start      *time.Time    `json:"start,omitempty"`
	Host       string        `json:"host,omitempty"`
	ID         uint64        `json:"id,omitempty"`
	Account    string        `json:"acc,omitempty"`
	User       string        `json:"user,omitempty"`
	Name       string        `json:"name,omitempty"`
	Lang       string        `json:"lang,omitempty"`
	Version    string        `json:"ver,omitempty"`
	RTT        time.Duration `json:"rtt,omitempty"`
	Server     string        `json:"server,omitempty"`
	Cluster    string        `json:"cluster,omitempty"`
	Kind       string        `json:"kind,omitempty"`
	ClientType string        `json:"client_type,omitempty"`
}

// APIAudit is the advisory of every API request: the request and its
// response as strings.
type APIAudit struct {
	TypedEvent
	Server   string      `json:"server"`
	Client   *ClientInfo `json:"client,omitempty"`
	Subject  string      `json:"subject"`
	Request  string      `json:"request,omitempty"`
	Response string      `json:"response"`
	Domain   string      `json:"domain,omitempty"`
}
