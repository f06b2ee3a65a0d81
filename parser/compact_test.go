package parser

import (
	"bytes"
	"strconv"
	"testing"
)

// A large payload split across calls keeps its scratch buffer for the next
// message, and Compact releases it once the parser is between ops.
func TestCompactReleasesLargeScratch(t *testing.T) {
	p := New(0, 0)
	var rec recorder
	size := 200 << 10
	msg := append([]byte("PUB big "+strconv.Itoa(size)+"\r\n"), bytes.Repeat([]byte("x"), size)...)
	msg = append(msg, "\r\n"...)
	half := len(msg) / 2
	for i := 0; i < 2; i++ {
		if err := p.Parse(msg[:half], &rec); err != nil {
			t.Fatal(err)
		}
		// Mid-payload: Compact must keep what is buffered.
		before := p.ScratchSize()
		p.Compact()
		if p.ScratchSize() != before {
			t.Fatalf("Compact dropped a buffer in the middle of a payload")
		}
		if err := p.Parse(msg[half:], &rec); err != nil {
			t.Fatal(err)
		}
	}
	if p.ScratchSize() < size {
		t.Fatalf("scratch %d: the payload buffer was not kept", p.ScratchSize())
	}
	var nop nopHandler
	allocs := testing.AllocsPerRun(5, func() {
		p.Parse(msg[:half], &nop)
		p.Parse(msg[half:], &nop)
	})
	if allocs != 0 {
		t.Errorf("%v allocations per large split message", allocs)
	}
	p.Compact()
	if p.ScratchSize() > maxKeptScratch {
		t.Fatalf("scratch %d after Compact", p.ScratchSize())
	}
}

// Reading straight into PayloadBuffer gives the same calls as Parse.
func TestPayloadBufferDirectFill(t *testing.T) {
	p := New(0, 0)
	var rec recorder
	if p.PayloadBuffer() != nil {
		t.Fatal("PayloadBuffer outside a payload")
	}
	in := []byte("PUB foo reply 10\r\n0123")
	if err := p.Parse(in, &rec); err != nil {
		t.Fatal(err)
	}
	pb := p.PayloadBuffer()
	if len(pb) != 8 {
		t.Fatalf("PayloadBuffer has %d bytes, want 8", len(pb))
	}
	n := copy(pb, "456")
	if err := p.PayloadFilled(n, &rec); err != nil {
		t.Fatal(err)
	}
	if len(rec.calls) != 0 {
		t.Fatal("delivered before the payload was complete")
	}
	n = copy(p.PayloadBuffer(), "789\r\n")
	if err := p.PayloadFilled(n, &rec); err != nil {
		t.Fatal(err)
	}
	want := `PUB "foo" "reply" "0123456789"`
	if len(rec.calls) != 1 || rec.calls[0] != want {
		t.Fatalf("calls %q, want %q", rec.calls, want)
	}
	// A payload not ending in CRLF is refused as with Parse.
	p.Parse([]byte("PUB foo 1\r\n"), &rec)
	copy(p.PayloadBuffer(), "xyz")
	if err := p.PayloadFilled(3, &rec); err == nil {
		t.Fatal("bad payload end accepted")
	}
	if err := New(0, 0).PayloadFilled(1, &rec); err == nil {
		t.Fatal("PayloadFilled outside a payload accepted")
	}
}
