package parser

import (
	"errors"
	"slices"
	"testing"
)

// leafCases are inputs of the leaf node protocol, in the form nats-server
// sends them (captured from a nats-server hub and leaf).
var leafCases = []struct {
	name string
	in   string
	want []string
	err  error
}{
	{"interest", "LS+ foo.*\r\nLS+ bar q1 2\r\nLS- bar q1\r\nLS- foo.*\r\n",
		[]string{`RS+ "" "foo.*" - 0`, `RS+ "" "bar" "q1" 2`, `RS- "" "bar" "q1"`, `RS- "" "foo.*" -`}, nil},
	{"lmsg", "LMSG svc _INBOX.x.y 3\r\nreq\r\n", []string{`RMSG "" "svc" [] "_INBOX.x.y" 0 "req"`}, nil},
	{"lmsg queue", "LMSG bar | q1 1\r\nq\r\n", []string{`RMSG "" "bar" ["q1"] - 0 "q"`}, nil},
	{"lmsg queue reply", "LMSG bar + r q1 q2 0\r\n\r\n", []string{`RMSG "" "bar" ["q1" "q2"] "r" 0 ""`}, nil},
	{"hmsg", "HMSG foo.x 18 23\r\nNATS/1.0\r\nA: b\r\n\r\nhello\r\n", []string{`RMSG "" "foo.x" [] - 18 "NATS/1.0\r\nA: b\r\n\r\nhello"`}, nil},
	{"lowercase", "ls+ a\r\nlmsg a 0\r\n\r\n", []string{`RS+ "" "a" - 0`, `RMSG "" "a" [] - 0 ""`}, nil},
	{"control", "PING\r\nPONG\r\nINFO {}\r\nCONNECT {}\r\n-ERR 'x'\r\n", []string{"PING", "PONG", `INFO "{}"`, `CONNECT "{}"`, `-ERR "'x'"`}, nil},
	{"no pub", "PUB a 0\r\n\r\n", nil, ErrUnknownOp},
	{"no sub", "SUB a 1\r\n", nil, ErrUnknownOp},
	{"no rs+", "RS+ $G a\r\n", nil, ErrUnknownOp},
	{"no rmsg", "RMSG $G a 0\r\n\r\n", nil, ErrUnknownOp},
	{"ls+ weight 0", "LS+ a q 0\r\n", []string{`RS+ "" "a" "q" 0`}, nil},
	{"ls+ bad weight", "LS+ a q x\r\n", nil, ErrBadArgs},
	{"ls+ no subject", "LS+ \r\n", nil, ErrBadArgs},
	{"ls- too many", "LS- a q x\r\n", nil, ErrBadArgs},
	{"lmsg bad size", "LMSG a x\r\n", nil, ErrBadArgs},
	{"lmsg empty queues", "LMSG a | 0\r\n\r\n", nil, ErrBadArgs},
}

func newLeafParser(small bool) *Parser {
	p := New(0, 0)
	if small {
		p = New(32, 64)
	}
	p.SetLeafMode()
	return p
}

func TestLeafMode(t *testing.T) {
	for _, tc := range leafCases {
		t.Run(tc.name, func(t *testing.T) {
			in := []byte(tc.in)
			calls, err := feed(newLeafParser(false), in)
			if !errors.Is(err, tc.err) || (err == nil) != (tc.err == nil) {
				t.Fatalf("err %v, want %v", err, tc.err)
			}
			if tc.err == nil && !slices.Equal(calls, tc.want) {
				t.Fatalf("calls\n%s\nwant\n%s", join(calls), join(tc.want))
			}
			// Byte by byte gives the same.
			chunks := make([][]byte, len(in))
			for j := range in {
				chunks[j] = in[j : j+1]
			}
			calls2, err2 := feed(newLeafParser(false), chunks...)
			if errClass(err2) != errClass(err) || !slices.Equal(calls2, calls) {
				t.Fatalf("byte by byte: %v %v", calls2, err2)
			}
		})
	}
}

// FuzzParseLeaf checks that the leaf parser never panics and parses the
// same whatever the split.
func FuzzParseLeaf(f *testing.F) {
	for _, tc := range leafCases {
		f.Add([]byte(tc.in), uint16(len(tc.in)/2), false)
	}
	f.Fuzz(func(t *testing.T, in []byte, cut uint16, small bool) {
		calls, err := feed(newLeafParser(small), in)
		class := errClass(err)
		if err != nil && !slices.Contains(sentinels, class) {
			t.Fatalf("error %v wraps no sentinel", err)
		}
		i := int(cut) % (len(in) + 1)
		calls2, err2 := feed(newLeafParser(small), in[:i], in[i:])
		if errClass(err2) != class || !slices.Equal(calls2, calls) {
			t.Fatalf("split at %d: %v %v / %v %v", i, calls2, err2, calls, err)
		}
	})
}
