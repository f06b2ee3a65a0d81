package server

import (
	"bytes"
	"encoding/binary"
	"errors"
	"io"
	"net"

	"github.com/gobwas/ws"
)

// The reading end of a leaf's WebSocket connection. The read loop arms an
// idle read deadline (client_read.go) and reads on after it fires, so a
// Read that times out must lose nothing: input is parsed only once a
// whole frame is buffered, and a fragmented message is assembled across
// Reads. (gobwas' wsutil.Reader loses the part of a frame, or of a
// header, read before the timeout, and the next frame header is then
// read from the middle of a payload.)

// wsLeafReadBuffer is the read buffer's starting size; it grows to hold
// a whole frame and shrinks back once a large frame has been consumed.
const wsLeafReadBuffer = 32 << 10

var errWSLeafRsv = errors.New("websocket: unexpected rsv bits from the hub")

// newWSClientConn wraps an upgraded connection; early holds the hub's
// bytes that arrived with the upgrade response.
func newWSClientConn(conn net.Conn, early []byte, deflate bool) *wsClientConn {
	c := &wsClientConn{Conn: conn, deflate: deflate}
	c.rbuf = append(make([]byte, 0, max(len(early), wsLeafReadBuffer)), early...)
	return c
}

func (c *wsClientConn) Read(p []byte) (int, error) {
	for len(c.pending) == 0 {
		if c.readErr != nil {
			return 0, c.readErr
		}
		data, err := c.nextMessage()
		if err != nil {
			var ne net.Error
			if !errors.As(err, &ne) || !ne.Timeout() {
				c.readErr = err // a timeout is not: the deadline may be extended
			}
			return 0, err
		}
		c.pending = data
	}
	n := copy(p, c.pending)
	c.pending = c.pending[n:]
	return n, nil
}

// nextMessage returns the next complete data message (inflated when
// compressed), answering control frames. The message may alias the read
// buffer: it is only called once the previous one was consumed.
func (c *wsClientConn) nextMessage() ([]byte, error) {
	for {
		h, hl, err := c.frameHeader()
		if err != nil {
			return nil, err
		}
		if hl == 0 || len(c.rbuf)-c.rpos < hl+int(h.Length) {
			need := 0
			if hl > 0 {
				need = hl + int(h.Length)
			}
			if err := c.fill(need); err != nil {
				return nil, err
			}
			continue
		}
		payload := c.rbuf[c.rpos+hl : c.rpos+hl+int(h.Length)]
		c.rpos += hl + int(h.Length)
		if h.OpCode.IsControl() {
			if err := c.control(h.OpCode, payload); err != nil {
				return nil, err
			}
			continue
		}
		first := h.OpCode != ws.OpContinuation
		if first {
			c.msg = c.msg[:0]
			if cap(c.msg) > 4*wsLeafReadBuffer {
				c.msg = nil // the last message was large: do not keep its buffer
			}
			c.compressed = h.Rsv&0x4 != 0
			if h.Fin && !c.compressed {
				return payload, nil // the common case: no copy
			}
		}
		if len(c.msg)+len(payload) > wsMaxLeafMessage {
			return nil, errWSLeafTooLarge
		}
		c.msg = append(c.msg, payload...)
		c.inMsg = !h.Fin
		if c.inMsg {
			continue
		}
		if c.compressed {
			return inflateWSMessage(c.msg)
		}
		return c.msg, nil
	}
}

// frameHeader decodes the header of the next buffered frame; hl is 0
// when the header is not all buffered yet.
func (c *wsClientConn) frameHeader() (h ws.Header, hl int, err error) {
	b := c.rbuf[c.rpos:]
	if len(b) < 2 {
		return h, 0, nil
	}
	hl = 2
	if b[1]&0x80 != 0 {
		hl += 4
	}
	switch b[1] & 0x7f {
	case 126:
		hl += 2
	case 127:
		hl += 8
	}
	if len(b) < hl {
		return h, 0, nil
	}
	h = ws.Header{
		Fin:    b[0]&0x80 != 0,
		Rsv:    (b[0] & 0x70) >> 4,
		OpCode: ws.OpCode(b[0] & 0x0f),
		Masked: b[1]&0x80 != 0,
	}
	switch l := b[1] & 0x7f; l {
	case 126:
		h.Length = int64(binary.BigEndian.Uint16(b[2:]))
	case 127:
		if b[2]&0x80 != 0 {
			return h, 0, ws.ErrHeaderLengthMSB
		}
		h.Length = int64(binary.BigEndian.Uint64(b[2:]))
	default:
		h.Length = int64(l)
	}
	state := ws.StateClientSide
	if c.deflate {
		state |= ws.StateExtended
	}
	if c.inMsg {
		state |= ws.StateFragmented
	}
	if err := ws.CheckHeader(h, state); err != nil {
		return h, 0, err
	}
	if h.Rsv&^0x4 != 0 || (h.Rsv != 0 && (h.OpCode == ws.OpContinuation || h.OpCode.IsControl())) {
		return h, 0, errWSLeafRsv // RSV1 only on a message's first data frame
	}
	if h.Length > wsMaxLeafMessage {
		return h, 0, errWSLeafTooLarge
	}
	return h, hl, nil
}

// fill reads more input, making room for a frame of need bytes (0: the
// header is incomplete) at the start of the buffer. Nothing buffered is
// lost when the read fails.
func (c *wsClientConn) fill(need int) error {
	if c.rpos == len(c.rbuf) && cap(c.rbuf) > 4*wsLeafReadBuffer {
		c.rbuf, c.rpos = make([]byte, 0, wsLeafReadBuffer), 0 // a large frame was consumed
	}
	if c.rpos > 0 && (c.rpos == len(c.rbuf) || len(c.rbuf) == cap(c.rbuf) || need > cap(c.rbuf)-c.rpos) {
		n := copy(c.rbuf[:cap(c.rbuf)], c.rbuf[c.rpos:])
		c.rbuf, c.rpos = c.rbuf[:n], 0
	}
	if need > cap(c.rbuf) {
		nb := make([]byte, len(c.rbuf), need)
		copy(nb, c.rbuf)
		c.rbuf = nb
	}
	n, err := c.Conn.Read(c.rbuf[len(c.rbuf):cap(c.rbuf)])
	c.rbuf = c.rbuf[:len(c.rbuf)+n]
	if n > 0 {
		return nil
	}
	if err == nil {
		return io.ErrNoProgress
	}
	return err
}

// control answers a ping with a pong, and a close with a close echoing
// the hub's code, after which the stream ends.
func (c *wsClientConn) control(op ws.OpCode, payload []byte) error {
	switch op {
	case ws.OpPing:
		return c.writeControl(ws.OpPong, payload)
	case ws.OpPong:
		return nil
	}
	if len(payload) >= 2 {
		payload = payload[:2]
	} else {
		payload = nil
	}
	c.writeControl(ws.OpClose, payload)
	return io.EOF
}

// writeControl sends a masked control frame in one write, under the
// write lock so that it never interleaves with a data frame.
func (c *wsClientConn) writeControl(op ws.OpCode, payload []byte) error {
	h := ws.Header{Fin: true, OpCode: op, Masked: true, Mask: ws.NewMask(), Length: int64(len(payload))}
	var b [ws.MaxHeaderSize + ws.MaxControlFramePayloadSize]byte
	buf := bytes.NewBuffer(b[:0])
	if err := ws.WriteHeader(buf, h); err != nil {
		return err
	}
	start := buf.Len()
	buf.Write(payload)
	ws.Cipher(buf.Bytes()[start:], h.Mask, 0)
	c.wmu.Lock()
	defer c.wmu.Unlock()
	_, err := c.Conn.Write(buf.Bytes())
	return err
}
