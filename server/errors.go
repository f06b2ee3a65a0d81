package server

// Wire error texts, byte for byte what nats-server sends: clients match on
// them, so they are kept together here where grep finds them.
const (
	errUnknownOp         = "Unknown Protocol Operation"
	errControlLine       = "maximum control line exceeded"
	errMaxPayload        = "Maximum Payload Violation"
	errAuthorization     = "Authorization Violation"
	errAuthTimeout       = "Authentication Timeout"
	errStaleConnection   = "Stale Connection"
	errMaxConnections    = "maximum connections exceeded"
	errInvalidSubject    = "Invalid Subject"
	errInvalidPubSubject = "Invalid Publish Subject"
	errMaxSubscriptions  = "maximum subscriptions exceeded"
	errNoRespondersHdrs  = "no responders requires headers support"
	// errMaxAccountConnections: an account's limits.max_connections.
	errMaxAccountConnections = "maximum account active connections exceeded"
	// Operator mode: a user JWT that expired or was revoked while
	// connected.
	errAuthExpired = "User Authentication Expired"
	errAuthRevoked = "User Authentication Revoked"
)

// ClosedReason says why a connection was closed; the strings are the ones
// nats-server's /connz reports.
type ClosedReason uint8

// Reasons a connection closes.
const (
	ClientClosed ClosedReason = iota + 1
	AuthenticationTimeout
	AuthenticationViolation
	TLSHandshakeError
	SlowConsumerPendingBytes
	SlowConsumerWriteDeadline
	WriteError
	ReadError
	ParseError
	StaleConnection
	ProtocolViolation
	MaxPayloadExceeded
	MaxControlLineExceeded
	MaxConnectionsExceeded
	ServerShutdown
	DuplicateRoute
	LameDuckMode
	MaxAccountConnectionsExceeded
	MaxSubscriptionsExceeded
	AuthenticationExpired
	CredentialsRevoked
	Kicked
)

var closedReasonText = [...]string{
	0:                         "",
	ClientClosed:              "Client Closed",
	AuthenticationTimeout:     "Authentication Timeout",
	AuthenticationViolation:   "Authentication Failure",
	TLSHandshakeError:         "TLS Handshake Failure",
	SlowConsumerPendingBytes:  "Slow Consumer (Pending Bytes)",
	SlowConsumerWriteDeadline: "Slow Consumer (Write Deadline)",
	WriteError:                "Write Error",
	ReadError:                 "Read Error",
	ParseError:                "Parse Error",
	StaleConnection:           "Stale Connection",
	ProtocolViolation:         "Protocol Violation",
	MaxPayloadExceeded:        "Maximum Message Payload Exceeded",
	MaxControlLineExceeded:    "Maximum Control Line Exceeded",
	MaxConnectionsExceeded:    "Maximum Connections Exceeded",
	ServerShutdown:            "Server Shutdown",
	DuplicateRoute:            "Duplicate Route",
	LameDuckMode:              "Lame Duck Mode",
	// As nats-server reports an account's max_connections.
	MaxAccountConnectionsExceeded: "Maximum Account Connections Exceeded",
	MaxSubscriptionsExceeded:      "Maximum Subscriptions Exceeded",
	AuthenticationExpired:         "Authentication Expired",
	CredentialsRevoked:            "Credentials Revoked",
	Kicked:                        "Kicked", // $SYS.REQ.SERVER.<id>.KICK
}

func (r ClosedReason) String() string {
	if int(r) < len(closedReasonText) {
		return closedReasonText[r]
	}
	return "Unknown"
}
