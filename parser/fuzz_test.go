package parser

import (
	"slices"
	"testing"
)

// FuzzParse checks that the parser never panics, that every error it returns
// wraps one of the sentinel errors, and that cutting the input anywhere (in
// two chunks, and byte by byte for short inputs) changes neither the handler
// calls nor the kind of error.
func FuzzParse(f *testing.F) {
	for _, tc := range parseCases {
		if len(tc.in) < 256 && !tc.route {
			f.Add([]byte(tc.in), uint16(len(tc.in)/2), false)
			f.Add([]byte(tc.in), uint16(3), true)
		}
	}
	f.Add([]byte("PUB a 3\r\nabc\r\nHPUB b r 1 2\r\nxy\r\nPING\r\n"), uint16(17), true)
	f.Add([]byte("CONNECT {\"verbose\":true,\"pedantic\":false}\r\nSUB > 1\r\n"), uint16(9), true)
	f.Fuzz(func(t *testing.T, in []byte, cut uint16, small bool) { fuzzSplit(t, in, cut, small, false) })
}

// FuzzParseRoute is FuzzParse in route mode (RS+, RS-, RMSG, HMSG).
func FuzzParseRoute(f *testing.F) {
	for _, tc := range parseCases {
		if len(tc.in) < 256 && (tc.route || tc.pinned) {
			f.Add([]byte(tc.in), uint16(len(tc.in)/2), false)
			f.Add([]byte(tc.in), uint16(3), true)
		}
	}
	f.Add([]byte("RS+ $G a q 2\r\nRMSG $G a + r q 3\r\nxyz\r\nHMSG A a | q 12 14\r\nNATS/1.0\r\n\r\nhi\r\nRS- $G a q\r\nPING\r\n"), uint16(21), true)
	f.Fuzz(func(t *testing.T, in []byte, cut uint16, small bool) { fuzzSplit(t, in, cut, small, true) })
}

// FuzzParsePinned is FuzzParseRoute on a route pinned to one account
// (SetPinned: the ops carry no account).
func FuzzParsePinned(f *testing.F) {
	for _, tc := range parseCases {
		if len(tc.in) < 256 && (tc.route || tc.pinned) {
			f.Add([]byte(tc.in), uint16(len(tc.in)/2), false)
		}
	}
	f.Add([]byte("RS+ a q 2\r\nRMSG a + r q 3\r\nxyz\r\nHMSG a | q 12 14\r\nNATS/1.0\r\n\r\nhi\r\nRS- a q\r\nPING\r\n"), uint16(21), true)
	f.Fuzz(func(t *testing.T, in []byte, cut uint16, small bool) { fuzzSplitMode(t, in, cut, small, true, true) })
}

func fuzzSplit(t *testing.T, in []byte, cut uint16, small, route bool) {
	fuzzSplitMode(t, in, cut, small, route, false)
}

func fuzzSplitMode(t *testing.T, in []byte, cut uint16, small, route, pinned bool) {
	newParser := func() *Parser {
		p := New(0, 0)
		if small {
			// Small limits reach the limit checks with short inputs.
			p = New(32, 64)
		}
		p.SetRouteMode(route)
		p.SetPinned(pinned)
		return p
	}
	calls, err := feed(newParser(), in)
	class := errClass(err)
	if err != nil && !slices.Contains(sentinels, class) {
		t.Fatalf("error %v wraps no sentinel", err)
	}
	i := int(cut) % (len(in) + 1)
	calls2, err2 := feed(newParser(), in[:i], in[i:])
	if errClass(err2) != class || !slices.Equal(calls2, calls) {
		t.Fatalf("split at %d:\n%s\nerr %v\nwhole:\n%s\nerr %v", i, join(calls2), err2, join(calls), err)
	}
	if len(in) <= 256 {
		chunks := make([][]byte, len(in))
		for j := range in {
			chunks[j] = in[j : j+1]
		}
		calls3, err3 := feed(newParser(), chunks...)
		if errClass(err3) != class || !slices.Equal(calls3, calls) {
			t.Fatalf("byte by byte:\n%s\nerr %v\nwhole:\n%s\nerr %v", join(calls3), err3, join(calls), err)
		}
	}
}
