// Package consumer holds the pure parts of JetStream consumers: the state a
// durable consumer persists (State, with Encode and Decode), and the ack
// reply subjects clients parse and send back (AppendAckReply, ParseAckReply,
// ParseAck).
//
// It has no goroutines, no clock and no I/O: the server owns timers and
// delivery (server/jetstream_consumer*.go) and calls in here to encode what
// it keeps and to decode what comes back from clients.
package consumer
