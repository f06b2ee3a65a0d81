package parser

import (
	"bytes"
	"testing"
)

// plainPubCases are PUB lines (line end removed) for the fast path: the
// canonical ones it takes, and near misses it must leave to the general
// path.
var plainPubCases = []struct {
	line string
	ok   bool
}{
	{"PUB foo 5", true},
	{"PUB foo.bar _INBOX.x.y 128", true},
	{"PUB a\tb 5", true}, // a tab separates fields too
	{"PUB foo bar baz 5", false},
	{"PUB  foo 5", false},
	{"PUB foo  5", false},
	{"PUB foo 5 ", false},
	{"PUB foo", false},
	{"PUB ", false},
	{"PUB", false},
	{"pub foo 5", false},
	{"PUB\tfoo 5", false},
	{"PUBX foo 5", false},
	{"PUB foo r ", false},
	{"PUB foo r  5", false},
}

// TestPlainPubAgreesWithSplitArgs: whenever the fast path takes a line, it
// finds the same fields as the general path (parseOp and splitArgs).
func TestPlainPubAgreesWithSplitArgs(t *testing.T) {
	p := New(0, 0)
	for _, tc := range plainPubCases {
		_, _, _, ok := p.plainPub([]byte(tc.line))
		if ok != tc.ok {
			t.Errorf("%q: fast path %v, want %v", tc.line, ok, tc.ok)
		}
		checkPlainPub(t, p, []byte(tc.line))
	}
	// Over the control-line limit: the general path reports it.
	small := New(8, 0)
	if _, _, _, ok := small.plainPub([]byte("PUB abcdefgh 5")); ok {
		t.Error("a line over the limit took the fast path")
	}
	if _, _, _, ok := small.plainPub([]byte("PUB abcd 5")); !ok {
		t.Error("a line at the limit missed the fast path")
	}
}

// FuzzPlainPub: the fast path never disagrees with the general one.
func FuzzPlainPub(f *testing.F) {
	for _, tc := range plainPubCases {
		f.Add([]byte(tc.line))
	}
	p := New(0, 0)
	f.Fuzz(func(t *testing.T, line []byte) { checkPlainPub(t, p, line) })
}

func checkPlainPub(t *testing.T, p *Parser, line []byte) {
	t.Helper()
	subject, reply, size, ok := p.plainPub(line)
	if !ok {
		return
	}
	op, tail := parseOp(line, p.allowed)
	if op != opPub {
		t.Fatalf("%q: fast path took a line parseOp reads as op %d", line, op)
	}
	var a args
	n := splitArgs(tail, &a)
	var want [3][]byte
	switch n {
	case 2:
		want = [3][]byte{a[0], nil, a[1]}
	case 3:
		want = [3][]byte{a[0], a[1], a[2]}
	default:
		t.Fatalf("%q: fast path took a line with %d fields", line, n)
	}
	if !bytes.Equal(subject, want[0]) || !bytes.Equal(reply, want[1]) || (reply == nil) != (want[1] == nil) || !bytes.Equal(size, want[2]) {
		t.Fatalf("%q: fast path %q %q %q, general %q %q %q", line, subject, reply, size, want[0], want[1], want[2])
	}
}
