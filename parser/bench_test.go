package parser

import (
	"bytes"
	"fmt"
	"testing"
)

// nopHandler discards every op; benchmarks measure the parser alone.
type nopHandler struct{ n int }

func (h *nopHandler) ProcessConnect([]byte) error     { return nil }
func (h *nopHandler) ProcessInfo([]byte) error        { return nil }
func (h *nopHandler) ProcessPub(_, _, _ []byte) error { h.n++; return nil }
func (h *nopHandler) ProcessHPub(_, _ []byte, _ int, _ []byte) error {
	h.n++
	return nil
}
func (h *nopHandler) ProcessSub(_, _, _ []byte) error    { h.n++; return nil }
func (h *nopHandler) ProcessUnsub([]byte, int) error     { return nil }
func (h *nopHandler) ProcessPing() error                 { return nil }
func (h *nopHandler) ProcessPong() error                 { return nil }
func (h *nopHandler) ProcessOK() error                   { return nil }
func (h *nopHandler) ProcessErr([]byte) error            { return nil }
func (h *nopHandler) ProcessMsg(_, _, _, _ []byte) error { return nil }
func (h *nopHandler) ProcessHMsg(_, _, _ []byte, _ int, _ []byte) error {
	return nil
}
func (h *nopHandler) ProcessRSub(_, _, _ []byte, _ int) error { h.n++; return nil }
func (h *nopHandler) ProcessRUnsub(_, _, _ []byte) error      { return nil }
func (h *nopHandler) ProcessRMsg(args []byte, _ int, _ []byte) error {
	var a RMsgArgs
	if ParseRMsgArgs(args, &a) {
		for range a.NumQueues {
			a.NextQueue()
		}
	}
	h.n++
	return nil
}

// opsPerBuf is how many ops each benchmark buffer pipelines.
const opsPerBuf = 1000

func repeatOp(op []byte) []byte { return bytes.Repeat(op, opsPerBuf) }

func pubOp(size int) []byte {
	return fmt.Appendf(nil, "PUB foo.bar.baz %d\r\n%s\r\n", size, bytes.Repeat([]byte("x"), size))
}

// benchParse parses buf once per iteration; results are per op.
func benchParse(b *testing.B, op []byte, chunk int) {
	buf := repeatOp(op)
	p := New(0, 0)
	h := &nopHandler{}
	b.ReportAllocs()
	b.SetBytes(int64(len(op)))
	b.ResetTimer()
	for i := 0; i < b.N; i += opsPerBuf {
		for rest := buf; len(rest) > 0; {
			n := min(chunk, len(rest))
			if err := p.Parse(rest[:n], h); err != nil {
				b.Fatal(err)
			}
			rest = rest[n:]
		}
	}
}

func BenchmarkParsePub(b *testing.B) {
	for _, size := range []int{0, 16, 128, 1024} {
		b.Run(fmt.Sprintf("%dB", size), func(b *testing.B) {
			op := pubOp(size)
			benchParse(b, op, len(op)*opsPerBuf)
		})
	}
}

// BenchmarkParseSplit feeds the pipeline in read-sized chunks that cut
// control lines and payloads, exercising the scratch-buffer paths.
func BenchmarkParseSplit(b *testing.B) {
	for _, c := range []struct{ size, chunk int }{{16, 1000}, {128, 4096}, {4096, 1000}} {
		b.Run(fmt.Sprintf("%dB/chunk%d", c.size, c.chunk), func(b *testing.B) {
			benchParse(b, pubOp(c.size), c.chunk)
		})
	}
}

func BenchmarkParseHPub(b *testing.B) {
	hdr := "NATS/1.0\r\nKey: Value\r\n\r\n"
	payload := string(bytes.Repeat([]byte("x"), 128))
	op := fmt.Appendf(nil, "HPUB foo.bar.baz _INBOX.abc %d %d\r\n%s%s\r\n", len(hdr), len(hdr)+len(payload), hdr, payload)
	benchParse(b, op, len(op)*opsPerBuf)
}

func BenchmarkParseSub(b *testing.B) {
	op := []byte("SUB foo.bar.baz queue 12345\r\n")
	benchParse(b, op, len(op)*opsPerBuf)
}

// TestZeroAllocs asserts that steady-state parsing does not allocate, both
// for whole buffers and for input cut inside control lines and payloads.
func TestZeroAllocs(t *testing.T) {
	if testing.CoverMode() != "" {
		t.Skip("coverage instrumentation")
	}
	for _, c := range []struct {
		name  string
		op    []byte
		chunk int
	}{
		{"pub16", pubOp(16), 1 << 30},
		{"pub128 split", pubOp(128), 100},
		{"pub4096 split", pubOp(4096), 1000},
		{"sub", []byte("SUB foo q 1\r\nUNSUB 1 2\r\nPING\r\n"), 1 << 30},
		{"hpub split", []byte("HPUB foo r 12 14\r\nNATS/1.0\r\n\r\nhi\r\n"), 7},
		{"route", []byte("RS+ $G foo q 2\r\nRS- $G foo\r\nRMSG $G foo + r q 2\r\nhi\r\n"), 1 << 30},
		{"rmsg split", []byte("HMSG $G foo.bar + _INBOX.x q1 q2 12 14\r\nNATS/1.0\r\n\r\nhi\r\n"), 9},
	} {
		buf := repeatOp(c.op)
		p := New(0, 0)
		p.SetRouteMode(c.name == "route" || c.name == "rmsg split")
		h := &nopHandler{}
		run := func() {
			for rest := buf; len(rest) > 0; {
				n := min(c.chunk, len(rest))
				if err := p.Parse(rest[:n], h); err != nil {
					t.Fatal(err)
				}
				rest = rest[n:]
			}
		}
		run() // warm up the scratch buffers
		if a := testing.AllocsPerRun(20, run); a != 0 {
			t.Errorf("%s: %v allocs per run, want 0", c.name, a)
		}
	}
}

func BenchmarkParseRMsg(b *testing.B) {
	op := []byte("RMSG $G foo.bar.baz + _INBOX.abc workers 128\r\n" + string(bytes.Repeat([]byte("x"), 128)) + "\r\n")
	buf := repeatOp(op)
	p := New(0, 0)
	p.SetRouteMode(true)
	h := &nopHandler{}
	b.ReportAllocs()
	b.SetBytes(int64(len(op)))
	b.ResetTimer()
	for i := 0; i < b.N; i += opsPerBuf {
		if err := p.Parse(buf, h); err != nil {
			b.Fatal(err)
		}
	}
}
