package parser

import (
	"bytes"
	"math/rand/v2"
	"slices"
	"strconv"
	"testing"
)

func TestParseSize(t *testing.T) {
	maxInt := strconv.Itoa(int(^uint(0) >> 1))
	for in, want := range map[string]int{
		"0": 0, "1": 1, "42": 42, "007": 7, "1048576": 1048576,
		maxInt:                    int(^uint(0) >> 1),
		"0" + maxInt:              int(^uint(0) >> 1),
		maxInt + "0":              -1,
		"99999999999999999999999": -1,
		"":                        -1, "-1": -1, "+1": -1, " 1": -1, "1 ": -1, "1a": -1, "a": -1, "1.0": -1, "١": -1,
	} {
		if got := ParseSize([]byte(in)); got != want {
			t.Errorf("ParseSize(%q) = %d, want %d", in, got, want)
		}
	}
	// The last digit of MaxInt plus one overflows.
	over := []byte(maxInt)
	over[len(over)-1]++
	if got := ParseSize(over); got != -1 {
		t.Errorf("ParseSize(%s) = %d, want -1", over, got)
	}
}

func TestSplitArgs(t *testing.T) {
	for in, want := range map[string][]string{
		"":                      nil,
		" \t ":                  nil,
		"a":                     {"a"},
		" foo 1":                {"foo", "1"},
		"\tfoo\t\tbar \t 12 \t": {"foo", "bar", "12"},
		"a b c d e":             {"a", "b", "c", "d", "e"},
		"a.very.long.subject.name.with.many.tokens _INBOX.0123456789abcdef 1024": {
			"a.very.long.subject.name.with.many.tokens", "_INBOX.0123456789abcdef", "1024"},
	} {
		var a args
		n := splitArgs([]byte(in), &a)
		if n != len(want) || !slices.EqualFunc(a[:n], want, func(b []byte, s string) bool { return string(b) == s }) {
			t.Errorf("splitArgs(%q) = %q (%d), want %q", in, a[:n], n, want)
		}
	}
	var a args
	if n := splitArgs([]byte("a b c d e f"), &a); n != maxArgs+1 {
		t.Errorf("six fields: n = %d", n)
	}
}

// TestIndexSepRandom checks the eight-bytes-at-a-time scan against a plain
// loop, with separators at every lane and bytes that differ from the
// separators by one bit (to catch a wrong lane mask).
func TestIndexSepRandom(t *testing.T) {
	alphabet := []byte{' ', '\t', 'a', 0x00, 0x08, 0x21, 0x29, 0x80, 0xa0, 0xff, 0x1f, 0x89}
	rng := rand.New(rand.NewPCG(3, 4))
	for range 200000 {
		b := make([]byte, rng.IntN(40))
		for i := range b {
			if rng.IntN(6) == 0 {
				b[i] = alphabet[rng.IntN(len(alphabet))]
			} else {
				b[i] = alphabet[2+rng.IntN(len(alphabet)-2)]
			}
		}
		want := bytes.IndexAny(b, " \t")
		if want < 0 {
			want = len(b)
		}
		if got := indexSep(b); got != want {
			t.Fatalf("indexSep(%q) = %d, want %d", b, got, want)
		}
	}
}
