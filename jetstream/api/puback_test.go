package api

import (
	"strings"
	"testing"
)

// Recorded from nats-server v2.15.2: publishes to a stream PA2 with
// max_msg_size 200, with the headers named.
func TestPubAckAgainstReference(t *testing.T) {
	if got := string(AppendPubAck(nil, "PA2", "", 1, false)); got != `{"stream":"PA2","seq":1}` {
		t.Errorf("ack: %s", got)
	}
	if got := string(AppendPubAck(nil, "PA2", "", 2, true)); got != `{"stream":"PA2","seq":2,"duplicate": true}` {
		t.Errorf("duplicate: %s", got)
	}
	errs := []struct {
		e    *Error
		want string
	}{
		{JSStreamNotMatchErr.New(), `{"error":{"code":400,"err_code":10060,"description":"expected stream does not match"},"stream":"PA2","seq":0}`},
		{JSStreamWrongLastSequenceErrF.New("{seq}", "2"), `{"error":{"code":400,"err_code":10071,"description":"wrong last sequence: 2"},"stream":"PA2","seq":0}`},
		{JSStreamWrongLastMsgIDErrF.New("{id}", "id1"), `{"error":{"code":400,"err_code":10070,"description":"wrong last msg ID: id1"},"stream":"PA2","seq":0}`},
		{JSStreamMessageExceedsMaximumErr.New(), `{"error":{"code":400,"err_code":10054,"description":"message size exceeds maximum allowed"},"stream":"PA2","seq":0}`},
		{JSStreamRollupFailedF.New("{err}", "rollup not permitted"), `{"error":{"code":500,"err_code":10111,"description":"rollup not permitted"},"stream":"PA2","seq":0}`},
		{JSMessageTTLDisabledErr.New(), `{"error":{"code":400,"err_code":10166,"description":"per-message TTL is disabled"},"stream":"PA2","seq":0}`},
	}
	for _, c := range errs {
		if got := string(PubAckError("PA2", c.e)); got != c.want {
			t.Errorf("\n got %s\nwant %s", got, c.want)
		}
	}
	if got := string(AppendPubAck(nil, `a"<b`, "", 1, false)); !strings.HasPrefix(got, `{"stream":"a\"\u003cb"`) {
		t.Errorf("escaping: %s", got)
	}
	buf := make([]byte, 0, 64)
	if n := testing.AllocsPerRun(100, func() { buf = AppendPubAck(buf[:0], "ORDERS", "", 123456, false) }); n != 0 {
		t.Errorf("AppendPubAck allocates %v", n)
	}
}
