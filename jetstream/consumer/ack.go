package consumer

import (
	"bytes"
	"encoding/json"
	"strconv"
	"time"
)

// AckPrefix starts every ack reply subject.
const AckPrefix = "$JS.ACK."

// AppendAckReply appends the reply subject of a delivered message, the
// one nats-server uses and clients parse for the message's metadata:
// $JS.ACK.<stream>.<consumer>.<delivered>.<sseq>.<cseq>.<ts>.<pending>.
func AppendAckReply(dst []byte, stream, consumer string, delivered, sseq, cseq uint64, ts int64, pending uint64) []byte {
	dst = append(dst, AckPrefix...)
	dst = append(dst, stream...)
	dst = append(dst, '.')
	dst = append(dst, consumer...)
	dst = append(dst, '.')
	dst = strconv.AppendUint(dst, delivered, 10)
	dst = append(dst, '.')
	dst = strconv.AppendUint(dst, sseq, 10)
	dst = append(dst, '.')
	dst = strconv.AppendUint(dst, cseq, 10)
	dst = append(dst, '.')
	dst = strconv.AppendInt(dst, ts, 10)
	dst = append(dst, '.')
	return strconv.AppendUint(dst, pending, 10)
}

// AckReply is what an ack reply subject says about its message.
type AckReply struct {
	Delivered uint64
	Stream    uint64
	Consumer  uint64
}

// ParseAckReply reads the numbers of an ack subject whose
// "$JS.ACK.<stream>.<consumer>." prefix the caller matched already: tail
// is "<delivered>.<sseq>.<cseq>.<ts>.<pending>". It does not allocate.
func ParseAckReply(tail []byte) (AckReply, bool) {
	var v [5]uint64
	for i := 0; i < 5; i++ {
		end := bytes.IndexByte(tail, '.')
		if i == 4 {
			if end >= 0 {
				return AckReply{}, false
			}
			end = len(tail)
		} else if end < 0 {
			return AckReply{}, false
		}
		n, ok := parseUint(tail[:end])
		if !ok {
			return AckReply{}, false
		}
		v[i] = n
		if i < 4 {
			tail = tail[end+1:]
		}
	}
	return AckReply{Delivered: v[0], Stream: v[1], Consumer: v[2]}, true
}

func parseUint(b []byte) (uint64, bool) {
	if len(b) == 0 || len(b) > 20 {
		return 0, false
	}
	var n uint64
	for _, c := range b {
		if c < '0' || c > '9' {
			return 0, false
		}
		d := uint64(c - '0')
		if n > (1<<64-1-d)/10 {
			return 0, false
		}
		n = n*10 + d
	}
	return n, true
}

// AckKind is what an ack body asks for.
type AckKind uint8

// The ack kinds, as clients send them.
const (
	AckAck      AckKind = iota // "+ACK" or an empty body
	AckNak                     // "-NAK", optionally with a delay
	AckProgress                // "+WPI": still working, restart the ack timer
	AckNext                    // "+NXT": ack and pull the next messages
	AckTerm                    // "+TERM": never redeliver, with an optional reason
	AckUnknown
)

// Ack is a parsed ack body.
type Ack struct {
	Kind  AckKind
	Delay time.Duration // -NAK's delay (0: redeliver now; < 0 none given)
	// Next is +NXT's pull request body (may be empty).
	Next []byte
	// Reason is +TERM's reason.
	Reason string
}

// ParseAck reads an ack body. "-NAK {"delay": ns}" and "-NAK" followed by
// a duration in Go's format (as some clients send) give a delay.
func ParseAck(body []byte) Ack {
	body = bytes.TrimSpace(body)
	switch {
	case len(body) == 0 || bytes.Equal(body, []byte("+ACK")):
		return Ack{Kind: AckAck}
	case bytes.HasPrefix(body, []byte("-NAK")):
		a := Ack{Kind: AckNak}
		rest := bytes.TrimSpace(body[4:])
		if len(rest) > 0 {
			if rest[0] == '{' {
				var d struct {
					Delay int64 `json:"delay"`
				}
				if json.Unmarshal(rest, &d) == nil {
					a.Delay = time.Duration(d.Delay)
				}
			} else if d, err := time.ParseDuration(string(rest)); err == nil {
				a.Delay = d
			}
		}
		return a
	case bytes.HasPrefix(body, []byte("+WPI")):
		return Ack{Kind: AckProgress}
	case bytes.HasPrefix(body, []byte("+NXT")):
		return Ack{Kind: AckNext, Next: bytes.TrimSpace(body[4:])}
	case bytes.HasPrefix(body, []byte("+TERM")):
		return Ack{Kind: AckTerm, Reason: string(bytes.TrimSpace(body[5:]))}
	case bytes.HasPrefix(body, []byte("+ACK")):
		return Ack{Kind: AckAck}
	}
	return Ack{Kind: AckUnknown}
}
