package server

import (
	"bytes"
	"errors"
	"io"
	"net"
	"os"
	"testing"

	"github.com/gobwas/ws"
)

// scriptedConn is a transport whose reads return the given chunks in
// order, a read deadline expiring between any two of them (as the read
// loop's idle deadline does at any point of a stream); writes are kept.
type scriptedConn struct {
	net.Conn
	chunks  [][]byte
	timeout bool
	written bytes.Buffer
}

func (s *scriptedConn) Read(p []byte) (int, error) {
	if s.timeout {
		s.timeout = false
		return 0, os.ErrDeadlineExceeded
	}
	if len(s.chunks) == 0 {
		return 0, io.EOF
	}
	n := copy(p, s.chunks[0])
	if s.chunks[0] = s.chunks[0][n:]; len(s.chunks[0]) == 0 {
		s.chunks = s.chunks[1:]
		s.timeout = true
	}
	return n, nil
}

func (s *scriptedConn) Write(p []byte) (int, error) { return s.written.Write(p) }

// hubFrame is an unmasked frame from the hub.
func hubFrame(fin bool, rsv1 bool, op ws.OpCode, payload []byte) []byte {
	var b bytes.Buffer
	ws.WriteHeader(&b, ws.Header{Fin: fin, Rsv: ws.Rsv(rsv1, false, false), OpCode: op, Length: int64(len(payload))})
	b.Write(payload)
	return b.Bytes()
}

// TestLeafWSReadSurvivesDeadline: the leaf's WebSocket reader loses
// nothing when a read deadline expires in the middle of a frame header, a
// payload, or a fragmented compressed message (with a ping between its
// fragments): reading on after the timeout returns the whole stream. It
// lost the partial frame before, and then parsed a payload as a header.
func TestLeafWSReadSurvivesDeadline(t *testing.T) {
	text := bytes.Repeat([]byte("compressible text "), 20000)
	random := make([]byte, 70000)
	for i := range random {
		random[i] = byte(i * 7919 >> 3)
	}
	z, err := deflateWSMessage(nil, [][]byte{text})
	if err != nil {
		t.Fatal(err)
	}
	third := len(z) / 3
	var stream bytes.Buffer
	stream.Write(hubFrame(true, false, ws.OpBinary, []byte("PING\r\n")))
	stream.Write(hubFrame(true, false, ws.OpBinary, random))
	stream.Write(hubFrame(false, true, ws.OpBinary, z[:third]))
	stream.Write(hubFrame(false, false, ws.OpContinuation, z[third:2*third]))
	stream.Write(hubFrame(true, false, ws.OpPing, []byte("hb")))
	stream.Write(hubFrame(true, false, ws.OpContinuation, z[2*third:]))
	stream.Write(hubFrame(true, true, ws.OpBinary, []byte{0x00})) // an empty compressed message
	stream.Write(hubFrame(true, false, ws.OpBinary, []byte("PONG\r\n")))
	want := append(append(append([]byte("PING\r\n"), random...), text...), "PONG\r\n"...)

	for _, step := range []int{1, 3, 7, 1000, 40000} {
		sc := &scriptedConn{}
		for b := stream.Bytes(); len(b) > 0; {
			n := min(step, len(b))
			sc.chunks = append(sc.chunks, b[:n])
			b = b[n:]
		}
		c := newWSClientConn(sc, nil, true)
		var got []byte
		buf := make([]byte, 4096)
		for {
			n, err := c.Read(buf)
			got = append(got, buf[:n]...)
			if errors.Is(err, os.ErrDeadlineExceeded) {
				continue
			}
			if err == io.EOF {
				break
			}
			if err != nil {
				t.Fatalf("chunks of %d: read: %v after %d bytes", step, err, len(got))
			}
		}
		if !bytes.Equal(got, want) {
			t.Fatalf("chunks of %d: got %d bytes, want %d", step, len(got), len(want))
		}
		// The ping was answered with a masked pong carrying its payload.
		f, err := ws.ReadFrame(&sc.written)
		if err != nil || f.Header.OpCode != ws.OpPong || !f.Header.Masked {
			t.Fatalf("chunks of %d: answer %+v, %v", step, f.Header, err)
		}
		if ws.Cipher(f.Payload, f.Header.Mask, 0); string(f.Payload) != "hb" {
			t.Fatalf("chunks of %d: pong payload %q", step, f.Payload)
		}
	}
}

// TestLeafWSReadRejectsBadFrames: a frame the hub may not send fails the
// stream with an error (not a timeout), and stays failed.
func TestLeafWSReadRejectsBadFrames(t *testing.T) {
	for name, frames := range map[string][][]byte{
		"masked":               {append([]byte{0x82, 0x81, 1, 2, 3, 4}, 'x')},
		"rsv1 on continuation": {hubFrame(false, true, ws.OpBinary, []byte{0}), hubFrame(true, true, ws.OpContinuation, []byte{0})},
		"continuation first":   {hubFrame(true, false, ws.OpContinuation, []byte("x"))},
		"reserved opcode":      {hubFrame(true, false, ws.OpCode(3), []byte("x"))},
	} {
		c := newWSClientConn(&scriptedConn{chunks: frames}, nil, true)
		buf := make([]byte, 64)
		var err error
		for err == nil || errors.Is(err, os.ErrDeadlineExceeded) {
			_, err = c.Read(buf)
		}
		if err == io.EOF {
			t.Fatalf("%s: accepted", name)
		}
		if _, again := c.Read(buf); again != err {
			t.Fatalf("%s: error %v, then %v", name, err, again)
		}
	}
}
