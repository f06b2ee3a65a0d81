package websocket

import (
	"bytes"
	"crypto/rand"
	"errors"
	"io"
	"testing"

	"github.com/gobwas/ws"
	"github.com/gobwas/ws/wsflate"
)

// TestLargeCompressedMessageNotRetained: once a large compressed message
// has been read, the connection does not keep its compressed or inflated
// buffers (up to max_message each, for the connection's lifetime).
func TestLargeCompressedMessageNotRetained(t *testing.T) {
	msg := make([]byte, 1<<20) // random: both buffers are about 1 MiB
	rand.Read(msg)
	z, err := wsflate.CompressFrame(ws.NewBinaryFrame(msg))
	if err != nil {
		t.Fatal(err)
	}
	mc := &memConn{in: clientFrame(true, 4, ws.OpBinary, z.Payload)}
	c := newConn(mc, nil, true, 4<<20, 0)
	got, err := readAll(c, 32<<10)
	if !errors.Is(err, io.EOF) || !bytes.Equal(got, msg) {
		t.Fatalf("read %d bytes, err %v", len(got), err)
	}
	if cap(c.zout) > 4*maxReadBuffer || cap(c.zin) > 4*maxReadBuffer {
		t.Fatalf("kept %d bytes inflated and %d compressed after the message", cap(c.zout), cap(c.zin))
	}
}
