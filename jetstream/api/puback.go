package api

import (
	"encoding/json"
	"strconv"
)

// AppendPubAck appends a successful PubAck as nats-server writes it, for
// the publish hot path without reflection or allocation:
// {"stream":"S","seq":2} and, for a duplicate, {"stream":"S","seq":2,"duplicate": true}
// (with the space, as the reference sends it). A domain, when set, follows
// the sequence (this position was not observed on the reference).
func AppendPubAck(dst []byte, stream, domain string, seq uint64, duplicate bool) []byte {
	dst = append(dst, `{"stream":`...)
	dst = appendJSONString(dst, stream)
	dst = append(dst, `,"seq":`...)
	dst = strconv.AppendUint(dst, seq, 10)
	if domain != "" {
		dst = append(dst, `,"domain":`...)
		dst = appendJSONString(dst, domain)
	}
	if duplicate {
		dst = append(dst, `,"duplicate": true`...)
	}
	return append(dst, '}')
}

// appendJSONString appends s as a JSON string. Names are plain ASCII in
// practice; anything else goes through encoding/json for exact escaping.
func appendJSONString(dst []byte, s string) []byte {
	for i := 0; i < len(s); i++ {
		c := s[i]
		if c < 0x20 || c >= 0x7f || c == '"' || c == '\\' || c == '<' || c == '>' || c == '&' {
			b, _ := json.Marshal(s)
			return append(dst, b...)
		}
	}
	dst = append(dst, '"')
	dst = append(dst, s...)
	return append(dst, '"')
}

// PubAckError returns the JSON of a failed publish as nats-server sends
// it: {"error":{...},"stream":"S","seq":0}.
func PubAckError(stream string, e *Error) []byte {
	b, _ := json.Marshal(PubAckResponse{Error: e, PubAck: &PubAck{Stream: stream}})
	return b
}
