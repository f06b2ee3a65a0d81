package api

// APIConsumerReset is CONSUMER.RESET's subject prefix (+ stream.consumer),
// nats-server 2.14+: it moves a consumer back (or on) to a stream
// sequence and forgets what it delivered.
const APIConsumerReset = "$JS.API.CONSUMER.RESET."

// ConsumerResetResponseType is CONSUMER.RESET's response type.
const ConsumerResetResponseType = TypePrefix + "consumer_reset_response"

// ConsumerResetRequest is CONSUMER.RESET's body (may be empty): seq 0
// goes back to where the consumer started.
type ConsumerResetRequest struct {
	Seq uint64 `json:"seq,omitempty"`
}

// ConsumerResetResponse answers CONSUMER.RESET: the consumer's info after
// the reset and the stream sequence it delivers next (reset_seq, 0 in an
// error response too).
type ConsumerResetResponse struct {
	Response
	*ConsumerInfo
	ResetSeq uint64 `json:"reset_seq"`
}
