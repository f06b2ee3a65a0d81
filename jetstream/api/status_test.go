package api

import (
	"testing"
	"time"
)

// The header blocks were read off the wire (HMSG) from nats-server v2.15.2
// answering CONSUMER.MSG.NEXT requests.
func TestStatusAgainstReference(t *testing.T) {
	cases := []struct{ got, want string }{
		{string(AppendStatus(nil, StatusNoMessages)), "NATS/1.0 404 No Messages\r\n\r\n"},
		{string(AppendPendingStatus(nil, StatusRequestTimeout, 1, 0)), "NATS/1.0 408 Request Timeout\r\nNats-Pending-Messages: 1\r\nNats-Pending-Bytes: 0\r\n\r\n"},
		{string(AppendStatus(nil, StatusMaxRequestBatch(5))), "NATS/1.0 409 Exceeded MaxRequestBatch of 5\r\n\r\n"},
		{string(AppendStatus(nil, StatusPushBased)), "NATS/1.0 409 Consumer is push based\r\n\r\n"},
		{string(AppendHeartbeat(nil, 1, 1)), "NATS/1.0 100 Idle Heartbeat\r\nNats-Last-Consumer: 1\r\nNats-Last-Stream: 1\r\n\r\n"},
		// Seen through nats.go's parsed headers.
		{StatusMaxRequestExpires(2 * time.Second), "409 Exceeded MaxRequestExpires of 2s"},
		{StatusMaxRequestMaxBytes(1000), "409 Exceeded MaxRequestMaxBytes of 1000"},
		{StatusBadRequest("unexpected end of JSON input"), "400 Bad Request - unexpected end of JSON input"},
		{StatusBadRequest("heartbeat value too large"), "400 Bad Request - heartbeat value too large"},
		{StatusConsumerDeleted, "409 Consumer Deleted"},
		{StatusMaxBytesExceeded, "409 Message Size Exceeds MaxBytes"},
	}
	for _, c := range cases {
		if c.got != c.want {
			t.Errorf("got %q, want %q", c.got, c.want)
		}
	}
}
