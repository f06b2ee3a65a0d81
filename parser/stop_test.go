package parser

import (
	"errors"
	"testing"
)

// stopOnInfo stops parsing after an INFO, as a route does when the rest
// of the stream is compressed.
type stopOnInfo struct{ recorder }

func (s *stopOnInfo) ProcessInfo(arg []byte) error {
	s.add("INFO %q", arg)
	return ErrStop
}

func TestStopLeavesRest(t *testing.T) {
	for _, tc := range []struct {
		name  string
		parts []string
		rest  string
	}{
		{"whole", []string{"PING\r\nINFO {}\r\n\xff\x06\x00\x00S2sTwO"}, "\xff\x06\x00\x00S2sTwO"},
		{"split line", []string{"PING\r\nIN", "FO {\"a\":1}\r\n\xffabc"}, "\xffabc"},
		{"nothing after", []string{"INFO {}\r\n"}, ""},
	} {
		t.Run(tc.name, func(t *testing.T) {
			p := New(0, 0)
			p.SetRouteMode(true)
			h := &stopOnInfo{}
			var err error
			for _, part := range tc.parts {
				if err = p.Parse([]byte(part), h); err != nil {
					break
				}
			}
			if !errors.Is(err, ErrStop) {
				t.Fatalf("err = %v, want ErrStop", err)
			}
			if got := string(p.Rest()); got != tc.rest {
				t.Fatalf("rest = %q, want %q", got, tc.rest)
			}
			// The parser is clean: plain input parses again.
			if err := p.Parse([]byte("PONG\r\n"), h); err != nil {
				t.Fatal(err)
			}
			if last := h.calls[len(h.calls)-1]; last != "PONG" {
				t.Fatalf("last call %q", last)
			}
			if p.Rest() != nil {
				t.Fatal("Rest survives the next Parse")
			}
		})
	}
}
