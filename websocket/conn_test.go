package websocket

import (
	"bytes"
	"compress/flate"
	"encoding/binary"
	"errors"
	"fmt"
	"io"
	"net"
	"testing"
	"time"

	"github.com/gobwas/ws"
	"github.com/gobwas/ws/wsflate"
)

// memConn is a net.Conn over fixed input, delivered in chunks of at most
// chunk bytes (0: all at once), recording what is written.
type memConn struct {
	in    []byte
	chunk int
	out   bytes.Buffer
}

func (m *memConn) Read(p []byte) (int, error) {
	if len(m.in) == 0 {
		return 0, io.EOF
	}
	n := len(p)
	if m.chunk > 0 && n > m.chunk {
		n = m.chunk
	}
	n = copy(p[:n], m.in)
	m.in = m.in[n:]
	return n, nil
}
func (m *memConn) Write(p []byte) (int, error)      { return m.out.Write(p) }
func (m *memConn) Close() error                     { return nil }
func (m *memConn) LocalAddr() net.Addr              { return &net.TCPAddr{} }
func (m *memConn) RemoteAddr() net.Addr             { return &net.TCPAddr{} }
func (m *memConn) SetDeadline(time.Time) error      { return nil }
func (m *memConn) SetReadDeadline(time.Time) error  { return nil }
func (m *memConn) SetWriteDeadline(time.Time) error { return nil }

// clientFrame is a masked frame as a client sends it.
func clientFrame(fin bool, rsv byte, op ws.OpCode, payload []byte) []byte {
	var b bytes.Buffer
	mask := [4]byte{0x12, 0x34, 0x56, 0x78}
	h := ws.Header{Fin: fin, Rsv: rsv, OpCode: op, Length: int64(len(payload)), Masked: true, Mask: mask}
	ws.WriteHeader(&b, h)
	p := append([]byte(nil), payload...)
	ws.Cipher(p, mask, 0)
	b.Write(p)
	return b.Bytes()
}

func closeBody(code uint16, reason string) []byte {
	b := make([]byte, 2, 2+len(reason))
	binary.BigEndian.PutUint16(b, code)
	return append(b, reason...)
}

// serverFrames decodes what the server wrote.
func serverFrames(t *testing.T, b []byte) []ws.Frame {
	t.Helper()
	var out []ws.Frame
	r := bytes.NewReader(b)
	for r.Len() > 0 {
		f, err := ws.ReadFrame(r)
		if err != nil {
			t.Fatalf("server wrote a bad frame: %v", err)
		}
		if f.Header.Masked {
			t.Fatal("server frames must not be masked")
		}
		out = append(out, f)
	}
	return out
}

func readAll(c *Conn, bufSize int) ([]byte, error) {
	var got []byte
	buf := make([]byte, bufSize)
	for {
		n, err := c.Read(buf)
		got = append(got, buf[:n]...)
		if err != nil {
			return got, err
		}
	}
}

// Data frames of every length encoding, fragmented messages and control
// frames between fragments decode to the payload stream, however the
// input is split and whatever the reader's buffer size.
func TestReadStream(t *testing.T) {
	var in, want []byte
	for _, n := range []int{0, 1, 125, 126, 127, 4000, 65535, 65536, 70000} {
		p := bytes.Repeat([]byte{byte('a' + n%26)}, n)
		in = append(in, clientFrame(true, 0, ws.OpBinary, p)...)
		want = append(want, p...)
	}
	in = append(in, clientFrame(false, 0, ws.OpText, []byte("frag-1 "))...)
	in = append(in, clientFrame(true, 0, ws.OpPing, []byte("are you there"))...)
	in = append(in, clientFrame(false, 0, ws.OpContinuation, []byte("frag-2 "))...)
	in = append(in, clientFrame(true, 0, ws.OpPong, nil)...)
	in = append(in, clientFrame(true, 0, ws.OpContinuation, []byte("frag-3"))...)
	want = append(want, "frag-1 frag-2 frag-3"...)
	in = append(in, clientFrame(true, 0, ws.OpClose, closeBody(1000, "bye"))...)

	for _, chunk := range []int{0, 1, 7, 1000} {
		for _, bufSize := range []int{1, 512, 8192, 100000} {
			mc := &memConn{in: append([]byte(nil), in...), chunk: chunk}
			c := newConn(mc, nil, false, 1<<20, 0)
			got, err := readAll(c, bufSize)
			if !errors.Is(err, io.EOF) {
				t.Fatalf("chunk %d buf %d: end %v, want EOF after the close frame", chunk, bufSize, err)
			}
			if !bytes.Equal(got, want) {
				t.Fatalf("chunk %d buf %d: got %d bytes, want %d", chunk, bufSize, len(got), len(want))
			}
			frames := serverFrames(t, mc.out.Bytes())
			if len(frames) != 2 || frames[0].Header.OpCode != ws.OpPong || string(frames[0].Payload) != "are you there" ||
				frames[1].Header.OpCode != ws.OpClose || binary.BigEndian.Uint16(frames[1].Payload) != 1000 {
				t.Fatalf("chunk %d buf %d: server answered %v", chunk, bufSize, frames)
			}
		}
	}
}

// Bytes that arrived with the HTTP request are read first.
func TestReadBufferedAfterRequest(t *testing.T) {
	f := clientFrame(true, 0, ws.OpBinary, []byte("PING\r\n"))
	c := newConn(&memConn{in: f[5:]}, f[:5], false, 1<<20, 0)
	got, _ := readAll(c, 64)
	if string(got) != "PING\r\n" {
		t.Fatalf("got %q", got)
	}
}

// Protocol violations fail the connection with the right close code.
func TestBadFrames(t *testing.T) {
	unmasked := func(op ws.OpCode, p []byte) []byte {
		var b bytes.Buffer
		ws.WriteFrame(&b, ws.NewFrame(op, true, p))
		return b.Bytes()
	}
	long := bytes.Repeat([]byte("x"), 126)
	for _, tc := range []struct {
		name string
		in   []byte
		code uint16
	}{
		{"unmasked", unmasked(ws.OpBinary, []byte("PING\r\n")), StatusProtocolError},
		{"reserved opcode", clientFrame(true, 0, ws.OpCode(3), nil), StatusProtocolError},
		{"reserved control opcode", clientFrame(true, 0, ws.OpCode(0xb), nil), StatusProtocolError},
		{"oversized ping", clientFrame(true, 0, ws.OpPing, long), StatusProtocolError},
		{"fragmented ping", clientFrame(false, 0, ws.OpPing, []byte("x")), StatusProtocolError},
		{"continuation first", clientFrame(true, 0, ws.OpContinuation, []byte("x")), StatusProtocolError},
		{"new message inside fragments", append(clientFrame(false, 0, ws.OpBinary, []byte("a")), clientFrame(true, 0, ws.OpBinary, []byte("b"))...), StatusProtocolError},
		{"rsv1 without compression", clientFrame(true, 4, ws.OpBinary, []byte("x")), StatusProtocolError},
		{"rsv2", clientFrame(true, 2, ws.OpBinary, []byte("x")), StatusProtocolError},
		{"close with one byte", clientFrame(true, 0, ws.OpClose, []byte{3}), StatusProtocolError},
		{"close code 1005", clientFrame(true, 0, ws.OpClose, closeBody(1005, "")), StatusProtocolError},
		{"close code 999", clientFrame(true, 0, ws.OpClose, closeBody(999, "")), StatusProtocolError},
		{"close code 1016", clientFrame(true, 0, ws.OpClose, closeBody(1016, "")), StatusProtocolError},
		{"close reason not utf-8", clientFrame(true, 0, ws.OpClose, closeBody(1000, "\xff\xfe")), StatusInvalidPayload},
		{"frame too large", clientFrame(true, 0, ws.OpBinary, make([]byte, 1<<20+1)), StatusMessageTooBig},
	} {
		t.Run(tc.name, func(t *testing.T) {
			mc := &memConn{in: tc.in}
			c := newConn(mc, nil, false, 1<<20, 0)
			got, err := readAll(c, 512)
			var ce *CloseError
			if !errors.As(err, &ce) || ce.Code != tc.code {
				t.Fatalf("error %v (read %q), want close code %d", err, got, tc.code)
			}
			frames := serverFrames(t, mc.out.Bytes())
			if len(frames) != 1 || frames[0].Header.OpCode != ws.OpClose || binary.BigEndian.Uint16(frames[0].Payload) != tc.code {
				t.Fatalf("server sent %v, want one close frame with %d", frames, tc.code)
			}
			// Nothing more is read or written after the failure.
			if n, err := c.Read(make([]byte, 10)); n != 0 || err == nil {
				t.Fatalf("read after failure: %d %v", n, err)
			}
			if _, err := c.Write([]byte("x")); err == nil {
				t.Fatal("write after close frame succeeded")
			}
		})
	}
}

// Each Write is one unmasked final binary frame; WriteBuffers sends its
// pieces as one frame; Close sends the status set for it.
func TestWriteFraming(t *testing.T) {
	mc := &memConn{}
	c := newConn(mc, nil, false, 1<<20, 0)
	big := bytes.Repeat([]byte("y"), 70000)
	for _, p := range [][]byte{[]byte("MSG a 1 2\r\nhi\r\n"), bytes.Repeat([]byte("z"), 300), big} {
		if n, err := c.Write(p); n != len(p) || err != nil {
			t.Fatalf("write: %d %v", n, err)
		}
	}
	if n, err := c.WriteBuffers([][]byte{[]byte("PING"), []byte("\r\n"), big}); n != int64(6+len(big)) || err != nil {
		t.Fatalf("write buffers: %d %v", n, err)
	}
	c.SetCloseStatus(StatusGoingAway, "Server Shutdown")
	c.Close()
	frames := serverFrames(t, mc.out.Bytes())
	if len(frames) != 5 {
		t.Fatalf("%d frames, want 5", len(frames))
	}
	for i, want := range []int{15, 300, 70000, 70006} {
		h := frames[i].Header
		if !h.Fin || h.OpCode != ws.OpBinary || h.Rsv != 0 || int(h.Length) != want {
			t.Fatalf("frame %d: %+v", i, h)
		}
	}
	if f := frames[4]; f.Header.OpCode != ws.OpClose || binary.BigEndian.Uint16(f.Payload) != 1001 || string(f.Payload[2:]) != "Server Shutdown" {
		t.Fatalf("close frame %+v %q", f.Header, f.Payload)
	}
}

// With permessage-deflate, compressed client messages (also fragmented)
// inflate into the stream and server frames are compressed with RSV1.
func TestCompression(t *testing.T) {
	msg := bytes.Repeat([]byte("PUB compressed.subject 5\r\nhello\r\n"), 50)
	z, err := wsflate.CompressFrame(ws.NewBinaryFrame(msg))
	if err != nil {
		t.Fatal(err)
	}
	var in []byte
	in = append(in, clientFrame(true, 4, ws.OpBinary, z.Payload)...)
	half := len(z.Payload) / 2
	in = append(in, clientFrame(false, 4, ws.OpBinary, z.Payload[:half])...)
	in = append(in, clientFrame(true, 0, ws.OpContinuation, z.Payload[half:])...)
	in = append(in, clientFrame(true, 0, ws.OpBinary, []byte("plain"))...) // RSV1 off: not compressed
	mc := &memConn{in: in, chunk: 13}
	c := newConn(mc, nil, true, 1<<20, 0)
	got, err := readAll(c, 100)
	if !errors.Is(err, io.EOF) || !bytes.Equal(got, append(append(append([]byte(nil), msg...), msg...), "plain"...)) {
		t.Fatalf("read %d bytes, err %v", len(got), err)
	}

	c.Write(msg)
	frames := serverFrames(t, mc.out.Bytes())
	if len(frames) != 1 || frames[0].Header.Rsv != 4 || len(frames[0].Payload) >= len(msg) {
		t.Fatalf("server frame %+v", frames[0].Header)
	}
	plain, err := wsflate.DecompressFrame(frames[0])
	if err != nil || !bytes.Equal(plain.Payload, msg) {
		t.Fatalf("server frame inflates to %d bytes, %v", len(plain.Payload), err)
	}

	// A message inflating past the bound fails with 1009.
	bomb, _ := wsflate.CompressFrame(ws.NewBinaryFrame(make([]byte, 1<<20)))
	mc = &memConn{in: clientFrame(true, 4, ws.OpBinary, bomb.Payload)}
	c = newConn(mc, nil, true, 64*1024, 0)
	_, err = readAll(c, 512)
	var ce *CloseError
	if !errors.As(err, &ce) || ce.Code != StatusMessageTooBig {
		t.Fatalf("inflating past the bound: %v", err)
	}
}

// Reading small frames and writing batches allocates nothing.
func TestAllocs(t *testing.T) {
	frame := clientFrame(true, 0, ws.OpBinary, []byte("PUB a 5\r\nhello\r\n"))
	batch := bytes.Repeat(frame, 64)
	mc := &memConn{}
	c := newConn(mc, nil, false, 1<<20, 0)
	buf := make([]byte, 4096)
	out := bytes.Repeat([]byte("MSG a 1 5\r\nhello\r\n"), 20)
	mc.out.Grow(1 << 20)
	allocs := testing.AllocsPerRun(200, func() {
		mc.in = batch
		for len(mc.in) > 0 || c.rpos < c.rend {
			if _, err := c.Read(buf); err != nil {
				t.Fatal(err)
			}
		}
		c.Write(out)
		mc.out.Reset()
	})
	if allocs != 0 {
		t.Fatalf("%.1f allocations per batch, want 0", allocs)
	}
}

// FuzzRead: any input fails or decodes, never panics, and after a
// failure nothing more is read.
func FuzzRead(f *testing.F) {
	f.Add(clientFrame(true, 0, ws.OpBinary, []byte("PING\r\n")), false)
	f.Add(clientFrame(false, 0, ws.OpBinary, []byte("a")), true)
	f.Add(clientFrame(true, 4, ws.OpBinary, []byte{0x00}), true)
	f.Add(clientFrame(true, 0, ws.OpClose, closeBody(1000, "x")), false)
	f.Add([]byte{0x82, 0xff, 0, 0, 0, 0, 0, 0, 0, 1}, false)
	f.Fuzz(func(t *testing.T, in []byte, compress bool) {
		c := newConn(&memConn{in: in, chunk: 3}, nil, compress, 1<<16, 0)
		buf := make([]byte, 100)
		for i := 0; i < 10000; i++ {
			if _, err := c.Read(buf); err != nil {
				return
			}
		}
	})
}

// Writes larger than MaxFrame go out as several frames in one write:
// final binary frames, or the fragments of one compressed message.
func TestWriteSplitsFrames(t *testing.T) {
	mc := &memConn{}
	c := newConn(mc, nil, false, 1<<20, 1000)
	data := make([]byte, 4500)
	for i := range data {
		data[i] = byte(i)
	}
	if n, err := c.Write(data[:2500]); n != 2500 || err != nil {
		t.Fatalf("write: %d %v", n, err)
	}
	if n, err := c.WriteBuffers([][]byte{data[2500:2800], data[2800:4300], nil, data[4300:]}); n != 2000 || err != nil {
		t.Fatalf("write buffers: %d %v", n, err)
	}
	frames := serverFrames(t, mc.out.Bytes())
	var got []byte
	var sizes []int
	for _, f := range frames {
		if !f.Header.Fin || f.Header.OpCode != ws.OpBinary || f.Header.Rsv != 0 {
			t.Fatalf("frame %+v", f.Header)
		}
		got = append(got, f.Payload...)
		sizes = append(sizes, len(f.Payload))
	}
	if !bytes.Equal(got, data) || fmt.Sprint(sizes) != "[1000 1000 500 1000 1000]" {
		t.Fatalf("frame sizes %v, payload equal %v", sizes, bytes.Equal(got, data))
	}

	mc = &memConn{}
	c = newConn(mc, nil, true, 1<<20, 100)
	rnd := make([]byte, 3000) // incompressible enough to need several frames
	for i := range rnd {
		rnd[i] = byte(i * 7919 >> 3)
	}
	c.Write(rnd)
	frames = serverFrames(t, mc.out.Bytes())
	if len(frames) < 2 {
		t.Fatalf("%d frames, want fragments", len(frames))
	}
	var z []byte
	for i, f := range frames {
		last := i == len(frames)-1
		wantOp, wantRsv := ws.OpContinuation, byte(0)
		if i == 0 {
			wantOp, wantRsv = ws.OpBinary, 4
		}
		if f.Header.Fin != last || f.Header.OpCode != wantOp || f.Header.Rsv != wantRsv || len(f.Payload) > 100 {
			t.Fatalf("fragment %d: %+v", i, f.Header)
		}
		z = append(z, f.Payload...)
	}
	plain, err := io.ReadAll(flate.NewReader(bytes.NewReader(append(z, 0, 0, 0xff, 0xff, 1, 0, 0, 0xff, 0xff))))
	if err != nil || !bytes.Equal(plain, rnd) {
		t.Fatalf("fragments inflate to %d bytes, %v", len(plain), err)
	}
}

// BenchmarkReadSmallFrames decodes 64 pipelined 16-byte frames per round.
func BenchmarkReadSmallFrames(b *testing.B) {
	frame := clientFrame(true, 0, ws.OpBinary, []byte("PUB a 5\r\nhello\r\n"))
	batch := bytes.Repeat(frame, 64)
	mc := &memConn{}
	c := newConn(mc, nil, false, 1<<20, 0)
	buf := make([]byte, 4096)
	b.SetBytes(int64(len(batch)))
	b.ReportAllocs()
	for b.Loop() {
		mc.in = batch
		for len(mc.in) > 0 || c.rpos < c.rend {
			c.Read(buf)
		}
	}
}

// BenchmarkWrite frames a 32 KB write batch.
func BenchmarkWrite(b *testing.B) {
	mc := &memConn{}
	mc.out.Grow(1 << 20)
	c := newConn(mc, nil, false, 1<<20, DefaultMaxFrame)
	out := make([]byte, 32*1024)
	b.SetBytes(int64(len(out)))
	b.ReportAllocs()
	for b.Loop() {
		c.Write(out)
		mc.out.Reset()
	}
}

// With SetMaxOutMessage, a compressed batch goes out as several messages
// of at most that many bytes each before deflating, each inflating on its
// own.
func TestWriteMaxOutMessage(t *testing.T) {
	mc := &memConn{}
	c := newConn(mc, nil, true, 1<<20, 0)
	c.SetMaxOutMessage(1000)
	data := bytes.Repeat([]byte("0123456789abcdef"), 2500/16+1)[:2500]
	if n, err := c.WriteBuffers([][]byte{data[:700], data[700:2100], data[2100:]}); n != 2500 || err != nil {
		t.Fatalf("write buffers: %d %v", n, err)
	}
	var got []byte
	var sizes []int
	for _, f := range serverFrames(t, mc.out.Bytes()) {
		if !f.Header.Fin || f.Header.Rsv != 4 {
			t.Fatalf("frame %+v", f.Header)
		}
		plain, err := wsflate.DecompressFrame(f)
		if err != nil {
			t.Fatal(err)
		}
		got = append(got, plain.Payload...)
		sizes = append(sizes, len(plain.Payload))
	}
	if !bytes.Equal(got, data) || fmt.Sprint(sizes) != "[1000 1000 500]" {
		t.Fatalf("message sizes %v, payload equal %v", sizes, bytes.Equal(got, data))
	}
}
