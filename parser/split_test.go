package parser

import (
	"fmt"
	"math/rand/v2"
	"strings"
	"testing"
)

// TestSplitEveryBoundary replays every parse case cut in two at every byte
// boundary, and byte by byte: the handler must see the same calls and the
// same error as with the whole input.
func TestSplitEveryBoundary(t *testing.T) {
	for _, tc := range parseCases {
		t.Run(tc.name, func(t *testing.T) {
			in := []byte(tc.in)
			for i := 0; i <= len(in); i++ {
				calls, err := feed(newParser(tc), in[:i], in[i:])
				if errClass(err) != tc.err || join(calls) != join(tc.calls) {
					t.Fatalf("split at %d: calls:\n%s\nerr %v\nwant:\n%s\nerr %v",
						i, join(calls), err, join(tc.calls), tc.err)
				}
			}
			chunks := make([][]byte, len(in))
			for i := range in {
				chunks[i] = in[i : i+1]
			}
			calls, err := feed(newParser(tc), chunks...)
			if errClass(err) != tc.err || join(calls) != join(tc.calls) {
				t.Fatalf("byte by byte: calls:\n%s\nerr %v\nwant:\n%s\nerr %v",
					join(calls), err, join(tc.calls), tc.err)
			}
		})
	}
}

// TestSplitThreeWays cuts the short cases at every pair of boundaries, so that
// a cut in the control line and another in the payload are both covered.
func TestSplitThreeWays(t *testing.T) {
	for _, tc := range parseCases {
		in := []byte(tc.in)
		if len(in) > 64 {
			continue
		}
		for i := 0; i <= len(in); i++ {
			for j := i; j <= len(in); j++ {
				calls, err := feed(newParser(tc), in[:i], in[i:j], in[j:])
				if errClass(err) != tc.err || join(calls) != join(tc.calls) {
					t.Fatalf("%s: split at %d,%d: calls:\n%s\nerr %v", tc.name, i, j, join(calls), err)
				}
			}
		}
	}
}

// pipeline builds n ops of every kind in one buffer with the calls they must
// produce.
func pipeline(n int) ([]byte, []string) {
	var b strings.Builder
	var want []string
	for i := range n {
		switch i % 9 {
		case 0:
			p := strings.Repeat("p", i%50)
			fmt.Fprintf(&b, "PUB foo.%d %d\r\n%s\r\n", i, len(p), p)
			want = append(want, fmt.Sprintf(`PUB "foo.%d" - %q`, i, p))
		case 1:
			fmt.Fprintf(&b, "pub foo.%d _INBOX.%d 3\r\nabc\r\n", i, i)
			want = append(want, fmt.Sprintf(`PUB "foo.%d" "_INBOX.%d" "abc"`, i, i))
		case 2:
			fmt.Fprintf(&b, "HPUB h.%d 12 15\r\nNATS/1.0\r\n\r\nxyz\r\n", i)
			want = append(want, fmt.Sprintf(`HPUB "h.%d" - 12 "NATS/1.0\r\n\r\nxyz"`, i))
		case 3:
			fmt.Fprintf(&b, "SUB s.%d q %d\r\n", i, i)
			want = append(want, fmt.Sprintf(`SUB "s.%d" "q" "%d"`, i, i))
		case 4:
			fmt.Fprintf(&b, "UNSUB %d %d\n", i, i)
			want = append(want, fmt.Sprintf(`UNSUB "%d" %d`, i, i))
		case 5:
			b.WriteString("PING\r\n")
			want = append(want, "PING")
		case 6:
			b.WriteString("pong\r\n")
			want = append(want, "PONG")
		case 7:
			fmt.Fprintf(&b, "MSG m.%d %d r 2\r\nhi\r\n", i, i)
			want = append(want, fmt.Sprintf(`MSG "m.%d" "%d" "r" "hi"`, i, i))
		case 8:
			fmt.Fprintf(&b, "CONNECT {\"n\":%d}\r\n", i)
			want = append(want, fmt.Sprintf(`CONNECT "{\"n\":%d}"`, i))
		}
	}
	return []byte(b.String()), want
}

func TestPipelined(t *testing.T) {
	in, want := pipeline(5000)
	calls, err := feed(New(0, 0), in)
	if err != nil {
		t.Fatal(err)
	}
	if len(calls) != len(want) || join(calls) != join(want) {
		t.Fatalf("got %d calls, want %d", len(calls), len(want))
	}
}

// TestPipelinedRandomChunks feeds a long pipeline in chunks of random sizes,
// like a socket would deliver it.
func TestPipelinedRandomChunks(t *testing.T) {
	in, want := pipeline(3000)
	rng := rand.New(rand.NewPCG(1, 2))
	for round := range 20 {
		p := New(0, 0)
		r := &recorder{}
		for rest := in; len(rest) > 0; {
			n := min(len(rest), 1+rng.IntN(1<<(round%12+1)))
			if err := p.Parse(rest[:n], r); err != nil {
				t.Fatalf("round %d: %v", round, err)
			}
			rest = rest[n:]
		}
		if join(r.calls) != join(want) {
			t.Fatalf("round %d: got %d calls, want %d", round, len(r.calls), len(want))
		}
	}
}
