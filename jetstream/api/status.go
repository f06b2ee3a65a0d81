package api

import (
	"strconv"
	"time"
)

// Status replies of pull requests and push consumers: header-only
// messages whose first line is "NATS/1.0 <code> <description>". Clients
// parse the code and compare the descriptions, so they are nats-server's
// exactly (recorded from v2.15.2).
const (
	StatusNoMessages       = "404 No Messages"
	StatusRequestTimeout   = "408 Request Timeout"
	StatusPushBased        = "409 Consumer is push based"
	StatusConsumerDeleted  = "409 Consumer Deleted"
	StatusMaxBytesExceeded = "409 Message Size Exceeds MaxBytes"
	StatusIdleHeartbeat    = "100 Idle Heartbeat"
	// StatusFlowControl was not observed on the reference (it needs a
	// slow push subscriber); the text is the one clients match.
	StatusFlowControl = "100 FlowControl Request"

	HeaderPendingMessages = "Nats-Pending-Messages"
	HeaderPendingBytes    = "Nats-Pending-Bytes"
	HeaderLastConsumer    = "Nats-Last-Consumer"
	HeaderLastStream      = "Nats-Last-Stream"
)

// AppendStatus appends a header block with only a status line:
// "NATS/1.0 404 No Messages\r\n\r\n".
func AppendStatus(dst []byte, status string) []byte {
	dst = append(dst, "NATS/1.0 "...)
	dst = append(dst, status...)
	return append(dst, "\r\n\r\n"...)
}

// AppendPendingStatus appends a status with the pending counts a 408 or
// 409 carries: "NATS/1.0 408 Request Timeout\r\nNats-Pending-Messages:
// 1\r\nNats-Pending-Bytes: 0\r\n\r\n".
func AppendPendingStatus(dst []byte, status string, msgs, bytes int) []byte {
	dst = append(dst, "NATS/1.0 "...)
	dst = append(dst, status...)
	dst = append(dst, "\r\n"+HeaderPendingMessages+": "...)
	dst = strconv.AppendInt(dst, int64(msgs), 10)
	dst = append(dst, "\r\n"+HeaderPendingBytes+": "...)
	dst = strconv.AppendInt(dst, int64(bytes), 10)
	return append(dst, "\r\n\r\n"...)
}

// AppendHeartbeat appends an idle heartbeat with the last delivered
// consumer and stream sequences.
func AppendHeartbeat(dst []byte, lastConsumer, lastStream uint64) []byte {
	dst = append(dst, "NATS/1.0 "+StatusIdleHeartbeat+"\r\n"+HeaderLastConsumer+": "...)
	dst = strconv.AppendUint(dst, lastConsumer, 10)
	dst = append(dst, "\r\n"+HeaderLastStream+": "...)
	dst = strconv.AppendUint(dst, lastStream, 10)
	return append(dst, "\r\n\r\n"...)
}

// StatusMaxRequestBatch is the 409 for a pull request over max_batch.
func StatusMaxRequestBatch(max int) string {
	return "409 Exceeded MaxRequestBatch of " + strconv.Itoa(max)
}

// StatusMaxRequestExpires is the 409 for a pull request over max_expires
// (the limit in Go's duration format: "2s").
func StatusMaxRequestExpires(max time.Duration) string {
	return "409 Exceeded MaxRequestExpires of " + max.String()
}

// StatusMaxRequestMaxBytes is the 409 for a pull request over max_bytes.
func StatusMaxRequestMaxBytes(max int) string {
	return "409 Exceeded MaxRequestMaxBytes of " + strconv.Itoa(max)
}

// StatusBadRequest is the 400 for a malformed pull request, e.g. "400 Bad
// Request - unexpected end of JSON input" or "... - heartbeat value too
// large".
func StatusBadRequest(reason string) string {
	return "400 Bad Request - " + reason
}
