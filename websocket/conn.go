package websocket

import (
	"encoding/binary"
	"errors"
	"io"
	"net"
	"sync"
	"sync/atomic"
	"time"
	"unicode/utf8"

	"github.com/gobwas/ws"
)

// Close status codes the server sends (RFC 6455 section 7.4.1).
const (
	StatusNormal          = 1000
	StatusGoingAway       = 1001
	StatusProtocolError   = 1002
	StatusInvalidPayload  = 1007
	StatusPolicyViolation = 1008
	StatusMessageTooBig   = 1009
	StatusInternalError   = 1011
)

// Read buffer sizes: the buffer grows while reads fill it, as the
// server's own read buffer does.
const (
	startReadBuffer = 4096
	maxReadBuffer   = 64 * 1024
	// closeWriteTimeout bounds the close frame written on Close.
	closeWriteTimeout = 100 * time.Millisecond
	// controlWriteTimeout is the least time the reader gives a pong or
	// close frame it answers with: the write deadline in force is the
	// writer's, set for its last batch and possibly long expired.
	controlWriteTimeout = time.Second
)

// CloseError is a protocol violation by the client: the connection was
// failed with Code, which was sent to the client in a close frame.
type CloseError struct {
	Code   uint16
	Reason string
}

func (e *CloseError) Error() string { return "websocket: " + e.Reason }

// Conn is a server-side WebSocket connection seen as a byte stream: Read
// returns the payload of the client's data frames, Write sends one binary
// frame. One goroutine reads and one writes at a time (Write and the
// control frames the reader answers share a lock).
type Conn struct {
	net.Conn // the transport: TCP, or TLS for wss

	// Reader state, owned by the reading goroutine.
	rbuf       []byte
	rpos, rend int
	rem        int64   // payload bytes of the current data frame not yet read
	mask       [4]byte // the current frame's mask
	maskOff    int     // payload offset into the mask
	fin        bool    // the current data frame ends its message
	fragmented bool    // inside a fragmented message
	zmsg       bool    // the current message is compressed
	zin        []byte  // a compressed message being assembled
	zout       []byte  // decompressed bytes not yet returned
	zpos       int
	readErr    error // sticky once the connection failed or closed
	ctl        [ws.MaxControlFramePayloadSize]byte

	compress   bool         // permessage-deflate was negotiated
	maxMessage atomic.Int64 // bound on a frame, and on a compressed message before and after inflating

	wmu       sync.Mutex // guards the fields below and every frame write
	maxFrame  int        // largest data frame sent
	maxOut    int        // largest compressed message, before deflating (0: no bound)
	hdrs      []byte     // the headers of the frames being written
	wbufs     net.Buffers
	wvec      net.Buffers // what WriteTo consumes (writeFramesLocked)
	one       [1][]byte
	zbuf      []byte // a compressed message being sent
	vectored  bool   // the transport takes vectored writes (TCP)
	scratch   []byte // header and payload copied together otherwise
	closeSent bool
	broken    bool // a frame was cut short: no more frames can follow

	// dmu guards wdeadline, the write deadline the connection's owner set
	// (SetWriteDeadline, SetDeadline), which writeControl extends for its
	// frame and then puts back. Taken after wmu.
	dmu       sync.Mutex
	wdeadline time.Time

	cmu         sync.Mutex // guards the close status
	closeCode   uint16
	closeReason string
}

// newConn wraps an upgraded transport; buffered holds bytes already read
// past the HTTP request.
func newConn(nc net.Conn, buffered []byte, compress bool, maxMessage int64, maxFrame int) *Conn {
	size := startReadBuffer
	for size < len(buffered) {
		size *= 2
	}
	c := &Conn{Conn: nc, rbuf: make([]byte, size), compress: compress, maxFrame: maxFrame}
	c.maxMessage.Store(maxMessage)
	c.rend = copy(c.rbuf, buffered)
	_, c.vectored = nc.(*net.TCPConn)
	return c
}

// SetMaxMessage changes the bound on the frames (and compressed messages)
// the connection accepts, from the next frame on; any goroutine may call
// it (the server does on a reload that changes max_payload).
func (c *Conn) SetMaxMessage(n int64) {
	if n > 0 {
		c.maxMessage.Store(n)
	}
}

// Compressed reports whether permessage-deflate was negotiated.
func (c *Conn) Compressed() bool { return c.compress }

// SetCloseStatus sets the status code and reason of the close frame that
// Close sends (by default 1000 with no reason).
func (c *Conn) SetCloseStatus(code uint16, reason string) {
	if len(reason) > ws.MaxControlFramePayloadSize-2 {
		reason = reason[:ws.MaxControlFramePayloadSize-2]
	}
	c.cmu.Lock()
	c.closeCode, c.closeReason = code, reason
	c.cmu.Unlock()
}

// Read returns payload bytes of the client's data frames. It blocks only
// when it has nothing to return, and otherwise returns as many buffered
// frames' payloads as fit, so pipelined frames cost one read.
func (c *Conn) Read(p []byte) (int, error) {
	if len(p) == 0 {
		return 0, nil
	}
	n := 0
	for n < len(p) {
		if c.readErr != nil {
			break
		}
		if c.zpos < len(c.zout) {
			k := copy(p[n:], c.zout[c.zpos:])
			c.zpos += k
			n += k
			if c.zpos == len(c.zout) {
				c.zout, c.zpos = c.zout[:0], 0
				if cap(c.zout) > 4*maxReadBuffer {
					c.zout = nil // a large message: do not keep its buffer
				}
			}
			continue
		}
		if c.rem > 0 {
			if c.rpos == c.rend {
				if n > 0 {
					break
				}
				if !c.zmsg && len(p) >= len(c.rbuf) {
					// A large read: the payload goes straight into p.
					want := int(min(int64(len(p)), c.rem))
					k, err := c.Conn.Read(p[:want])
					c.unmask(p[:k])
					if k > 0 || err == nil {
						return k, nil
					}
					return c.fail(0, err)
				}
				if err := c.fill(); err != nil {
					return c.fail(0, err)
				}
				continue
			}
			k := int(min(int64(c.rend-c.rpos), c.rem))
			if c.zmsg {
				if err := c.appendCompressed(c.rbuf[c.rpos : c.rpos+k]); err != nil {
					return c.fail(n, err)
				}
			} else {
				k = copy(p[n:], c.rbuf[c.rpos:c.rpos+k])
				c.unmask(p[n : n+k])
				n += k
			}
			c.rpos += k
			if c.zmsg {
				c.rem -= int64(k)
				c.maskOff += k
			}
			if c.rem == 0 && c.fin && c.zmsg {
				if err := c.inflate(); err != nil {
					return c.fail(n, err)
				}
			}
			continue
		}
		ok, err := c.nextFrame(n == 0)
		if err != nil {
			return c.fail(n, err)
		}
		if !ok {
			break
		}
	}
	if n == 0 && c.readErr != nil {
		return 0, c.readErr
	}
	return n, nil
}

// unmask removes the client's mask from payload bytes just read; it is
// only called for uncompressed data, whose bytes go to the caller.
func (c *Conn) unmask(b []byte) {
	if len(b) == 0 {
		return
	}
	ws.Cipher(b, c.mask, c.maskOff)
	c.maskOff += len(b)
	c.rem -= int64(len(b))
}

// fail records a read error. Bytes already decoded are returned first;
// the error comes with the next Read.
func (c *Conn) fail(n int, err error) (int, error) {
	var ne net.Error
	if errors.As(err, &ne) && ne.Timeout() {
		if n > 0 {
			return n, nil
		}
		if c.rpos == c.rend && len(c.rbuf) > startReadBuffer {
			// The reader's idle deadline: give the grown buffer back.
			c.rbuf, c.rpos, c.rend = make([]byte, startReadBuffer), 0, 0
		}
		return 0, err // not sticky: a deadline may be extended
	}
	c.readErr = err
	if n > 0 {
		return n, nil
	}
	return 0, err
}

// fill reads more input into the buffer, moving unread bytes to its start
// and growing it when reads fill it.
func (c *Conn) fill() error {
	if c.rpos > 0 {
		c.rend = copy(c.rbuf, c.rbuf[c.rpos:c.rend])
		c.rpos = 0
	}
	if c.rend == len(c.rbuf) {
		if len(c.rbuf) >= maxReadBuffer {
			return nil // a whole header is buffered: the caller goes on
		}
		c.grow()
	}
	space := len(c.rbuf) - c.rend
	k, err := c.Conn.Read(c.rbuf[c.rend:])
	c.rend += k
	if k == space && len(c.rbuf) < maxReadBuffer {
		c.grow() // the read filled the buffer: the next one gets more room
	}
	if k > 0 {
		return nil
	}
	return err
}

func (c *Conn) grow() {
	nb := make([]byte, len(c.rbuf)*2)
	copy(nb, c.rbuf[:c.rend])
	c.rbuf = nb
}

// nextFrame decodes the next frame header from the buffer, reading more
// when block allows. It handles control frames completely and sets up
// data frames for Read. ok is false when it needed input and could not
// block.
func (c *Conn) nextFrame(block bool) (ok bool, err error) {
	for {
		avail := c.rend - c.rpos
		if avail >= 2 {
			need := headerSize(c.rbuf[c.rpos], c.rbuf[c.rpos+1])
			if avail >= need {
				h := parseHeader(c.rbuf[c.rpos : c.rpos+need])
				if err := c.check(h); err != nil {
					return false, err
				}
				if !h.OpCode.IsControl() {
					c.rpos += need
					c.startData(h)
					return true, nil
				}
				if avail >= need+int(h.Length) {
					c.rpos += need
					payload := c.ctl[:h.Length]
					copy(payload, c.rbuf[c.rpos:c.rpos+int(h.Length)])
					c.rpos += int(h.Length)
					ws.Cipher(payload, h.Mask, 0)
					return true, c.control(h.OpCode, payload)
				}
			}
		}
		if !block {
			return false, nil
		}
		if err := c.fill(); err != nil {
			return false, err
		}
	}
}

// headerSize is the size of the header starting with b0 b1.
func headerSize(_, b1 byte) int {
	n := 2
	if b1&0x80 != 0 {
		n += 4
	}
	switch b1 & 0x7f {
	case 126:
		n += 2
	case 127:
		n += 8
	}
	return n
}

// parseHeader decodes a complete frame header.
func parseHeader(b []byte) ws.Header {
	h := ws.Header{
		Fin:    b[0]&0x80 != 0,
		Rsv:    (b[0] & 0x70) >> 4,
		OpCode: ws.OpCode(b[0] & 0x0f),
		Masked: b[1]&0x80 != 0,
	}
	i := 2
	switch l := b[1] & 0x7f; l {
	case 126:
		h.Length = int64(binary.BigEndian.Uint16(b[2:]))
		i = 4
	case 127:
		h.Length = int64(binary.BigEndian.Uint64(b[2:]) & (1<<63 - 1))
		i = 10
	default:
		h.Length = int64(l)
	}
	if h.Masked {
		copy(h.Mask[:], b[i:i+4])
	}
	return h
}

// check applies RFC 6455's rules to a client frame header.
func (c *Conn) check(h ws.Header) error {
	state := ws.StateServerSide
	if c.compress {
		state |= ws.StateExtended
	}
	if c.fragmented {
		state |= ws.StateFragmented
	}
	if err := ws.CheckHeader(h, state); err != nil {
		return c.protocolError(StatusProtocolError, err.Error())
	}
	switch h.OpCode {
	case ws.OpContinuation, ws.OpText, ws.OpBinary, ws.OpClose, ws.OpPing, ws.OpPong:
	default:
		return c.protocolError(StatusProtocolError, "unknown opcode")
	}
	if h.Rsv&^0x4 != 0 || (h.Rsv != 0 && (h.OpCode == ws.OpContinuation || h.OpCode.IsControl())) {
		return c.protocolError(StatusProtocolError, "unexpected rsv bits")
	}
	if h.Length > c.maxMessage.Load() {
		return c.protocolError(StatusMessageTooBig, "frame too large")
	}
	return nil
}

// startData sets up the payload of a data frame for Read.
func (c *Conn) startData(h ws.Header) {
	if h.OpCode != ws.OpContinuation {
		c.zmsg = h.Rsv != 0
	}
	c.fragmented = !h.Fin
	c.fin = h.Fin
	c.rem = h.Length
	c.mask = h.Mask
	c.maskOff = 0
	if c.rem == 0 && c.fin && c.zmsg {
		if err := c.inflate(); err != nil {
			c.readErr = err
		}
	}
}

// control answers a ping with a pong, and a close with a close (echoing
// the client's code), after which the stream ends with io.EOF.
func (c *Conn) control(op ws.OpCode, payload []byte) error {
	switch op {
	case ws.OpPing:
		return c.writeControl(ws.OpPong, payload)
	case ws.OpPong:
		return nil
	}
	// Close.
	switch {
	case len(payload) == 1:
		return c.protocolError(StatusProtocolError, "invalid close frame")
	case len(payload) >= 2:
		code := ws.StatusCode(binary.BigEndian.Uint16(payload))
		reason := payload[2:]
		if err := ws.CheckCloseFrameData(code, string(reason)); err != nil {
			if !utf8.Valid(reason) {
				return c.protocolError(StatusInvalidPayload, err.Error())
			}
			return c.protocolError(StatusProtocolError, err.Error())
		}
		c.writeControl(ws.OpClose, payload[:2])
	default:
		c.writeControl(ws.OpClose, nil)
	}
	c.markCloseSent()
	return io.EOF
}

// protocolError fails the connection: the client gets a close frame with
// code, and the reader a *CloseError.
func (c *Conn) protocolError(code uint16, reason string) error {
	var body [ws.MaxControlFramePayloadSize]byte
	binary.BigEndian.PutUint16(body[:], code)
	n := 2 + copy(body[2:], reason)
	c.writeControl(ws.OpClose, body[:n])
	c.markCloseSent()
	return &CloseError{Code: code, Reason: reason}
}

func (c *Conn) markCloseSent() {
	c.wmu.Lock()
	c.closeSent = true
	c.wmu.Unlock()
}

// SetWriteDeadline sets the transport's write deadline, remembered so
// that a control frame the reader writes can extend it for its own write.
func (c *Conn) SetWriteDeadline(t time.Time) error {
	c.dmu.Lock()
	defer c.dmu.Unlock()
	c.wdeadline = t
	return c.Conn.SetWriteDeadline(t)
}

// SetDeadline sets the transport's read and write deadlines (see
// SetWriteDeadline).
func (c *Conn) SetDeadline(t time.Time) error {
	c.dmu.Lock()
	defer c.dmu.Unlock()
	c.wdeadline = t
	return c.Conn.SetDeadline(t)
}

// writeControl sends a control frame unless a close frame already went out.
// The reader calls it, at any time: the frame gets at least
// controlWriteTimeout, whatever is left of the writer's deadline, which
// is then put back.
func (c *Conn) writeControl(op ws.OpCode, payload []byte) error {
	c.wmu.Lock()
	defer c.wmu.Unlock()
	if c.closeSent || c.broken {
		return nil
	}
	c.dmu.Lock()
	defer c.dmu.Unlock()
	if least := time.Now().Add(controlWriteTimeout); !c.wdeadline.IsZero() && c.wdeadline.Before(least) {
		c.Conn.SetWriteDeadline(least)
		defer c.Conn.SetWriteDeadline(c.wdeadline)
	}
	c.one[0] = payload
	_, err := c.writeFramesLocked(op, false, c.one[:])
	c.one[0] = nil
	return err
}

// Write sends p as binary frames (compressed when negotiated) and returns
// how much of p went out. Frames hold at most MaxFrame bytes each: a large
// write batch becomes several frames in one vectored write, since clients
// bound the frames they accept (nats.go: 8 times max_payload).
func (c *Conn) Write(p []byte) (int, error) {
	c.wmu.Lock()
	defer c.wmu.Unlock()
	c.one[0] = p
	n, err := c.writeDataLocked(c.one[:])
	c.one[0] = nil
	return int(n), err
}

// WriteBuffers sends the concatenation of bufs as binary frames with a
// single vectored write, for writers that queue output in chunks. It
// returns how many payload bytes went out.
func (c *Conn) WriteBuffers(bufs [][]byte) (int64, error) {
	c.wmu.Lock()
	defer c.wmu.Unlock()
	return c.writeDataLocked(bufs)
}

// writeDataLocked sends the concatenation of pieces: as one compressed
// message (fragmented past MaxFrame) when deflate was negotiated,
// otherwise as final binary frames of at most MaxFrame bytes.
func (c *Conn) writeDataLocked(pieces [][]byte) (int64, error) {
	if c.closeSent || c.broken {
		return 0, net.ErrClosed
	}
	var total int64
	for _, b := range pieces {
		total += int64(len(b))
	}
	if c.compress {
		if c.maxOut > 0 && total > int64(c.maxOut) {
			return c.writeSplitLocked(pieces)
		}
		if err := c.writeCompressedLocked(pieces); err != nil {
			return 0, err
		}
		return total, nil
	}
	return c.writeFramesLocked(ws.OpBinary, false, pieces)
}

// writeCompressedLocked sends the concatenation of pieces as one
// compressed message.
func (c *Conn) writeCompressedLocked(pieces [][]byte) error {
	if err := c.deflate(pieces); err != nil {
		return err
	}
	c.one[0] = c.zbuf
	_, err := c.writeFramesLocked(ws.OpBinary, true, c.one[:])
	c.one[0] = nil
	if cap(c.zbuf) > maxReadBuffer*4 {
		c.zbuf = nil // written: do not keep a large buffer
	}
	return err
}

// writeSplitLocked sends the concatenation of pieces as compressed
// messages of at most maxOut bytes each before deflating.
func (c *Conn) writeSplitLocked(pieces [][]byte) (int64, error) {
	var written int64
	var group [][]byte
	size := 0
	for _, b := range pieces {
		for len(b) > 0 {
			n := min(len(b), c.maxOut-size)
			group = append(group, b[:n])
			size += n
			b = b[n:]
			if size == c.maxOut {
				if err := c.writeCompressedLocked(group); err != nil {
					return written, err
				}
				written += int64(size)
				group, size = group[:0], 0
			}
		}
	}
	if size > 0 {
		if err := c.writeCompressedLocked(group); err != nil {
			return written, err
		}
		written += int64(size)
	}
	return written, nil
}

// SetMaxOutMessage bounds the compressed messages the connection sends to
// n bytes each before deflating (0: one message per write), for peers
// that bound the messages they take (a nats-server leaf node: its
// max_payload).
func (c *Conn) SetMaxOutMessage(n int) {
	c.wmu.Lock()
	c.maxOut = n
	c.wmu.Unlock()
}

// writeFramesLocked frames the concatenation of pieces: separate final
// frames, or with compressed the fragments of one RSV1 message. It returns
// the payload bytes written; a write cut short breaks the connection,
// since no frame can follow a partial one.
func (c *Conn) writeFramesLocked(op ws.OpCode, compressed bool, pieces [][]byte) (int64, error) {
	var total int
	for _, b := range pieces {
		total += len(b)
	}
	max := c.maxFrame
	if op.IsControl() || max <= 0 {
		max = total
	}
	nframes := 1
	if total > max {
		nframes = (total + max - 1) / max
	}
	if need := nframes * ws.MaxHeaderSize; cap(c.hdrs) < need {
		c.hdrs = make([]byte, 0, need)
	}
	c.hdrs = c.hdrs[:0]
	c.wbufs = c.wbufs[:0]
	left, inFrame, frame := total, 0, 0
	header := func() {
		fl := min(max, left)
		var b0 byte
		switch {
		case !compressed:
			b0 = 0x80 | byte(op)
		case frame == 0 && fl == left:
			b0 = 0x80 | 0x40 | byte(op)
		case frame == 0:
			b0 = 0x40 | byte(op)
		case fl == left:
			b0 = 0x80 // final continuation
		default:
			b0 = 0x00
		}
		start := len(c.hdrs)
		c.hdrs = c.hdrs[:start+ws.MaxHeaderSize]
		hl := putHeader(c.hdrs[start:], b0, int64(fl))
		c.hdrs = c.hdrs[:start+hl]
		c.wbufs = append(c.wbufs, c.hdrs[start:start+hl])
		inFrame = fl
		frame++
	}
	if total == 0 {
		header()
	}
	for _, p := range pieces {
		for len(p) > 0 {
			if inFrame == 0 {
				header()
			}
			k := min(len(p), inFrame)
			c.wbufs = append(c.wbufs, p[:k])
			p = p[k:]
			inFrame -= k
			left -= k
		}
	}
	headers := int64(len(c.hdrs))
	var written int64
	var err error
	if c.vectored {
		// WriteTo consumes the slice it is called on: a field, since a
		// local would escape through the interface call and cost an
		// allocation per write.
		c.wvec = c.wbufs
		written, err = c.wvec.WriteTo(c.Conn)
		c.wvec = nil
	} else {
		// TLS: one record per write rather than one per piece.
		c.scratch = c.scratch[:0]
		for _, b := range c.wbufs {
			c.scratch = append(c.scratch, b...)
		}
		var k int
		k, err = c.Conn.Write(c.scratch)
		written = int64(k)
		if cap(c.scratch) > 4*maxReadBuffer {
			c.scratch = nil
		}
	}
	clear(c.wbufs)
	if err != nil {
		if written < headers+int64(total) {
			c.broken = true
		}
		return payloadWritten(c.hdrs, written, max, total), err
	}
	return int64(total), nil
}

// payloadWritten is how many payload bytes the first written bytes of
// frames of at most max bytes carried.
func payloadWritten(hdrs []byte, written int64, max, total int) int64 {
	var payload int64
	for i := 0; written > 0 && len(hdrs) > 0; i++ {
		hl := int64(headerSize(hdrs[0], hdrs[1]))
		hdrs = hdrs[hl:]
		written -= hl
		fl := int64(min(max, total-i*max))
		k := min(max64(written, 0), fl)
		payload += k
		written -= k
	}
	return payload
}

func max64(a, b int64) int64 {
	if a > b {
		return a
	}
	return b
}

// putHeader encodes an unmasked frame header with first byte b0 into b.
func putHeader(b []byte, b0 byte, length int64) int {
	b[0] = b0
	switch {
	case length <= 125:
		b[1] = byte(length)
		return 2
	case length <= 0xffff:
		b[1] = 126
		binary.BigEndian.PutUint16(b[2:], uint16(length))
		return 4
	default:
		b[1] = 127
		binary.BigEndian.PutUint64(b[2:], uint64(length))
		return 10
	}
}

// Close sends a close frame (see SetCloseStatus) unless one went out
// already or a write is in progress, and closes the transport.
func (c *Conn) Close() error {
	if c.wmu.TryLock() {
		if !c.closeSent && !c.broken {
			c.cmu.Lock()
			code, reason := c.closeCode, c.closeReason
			c.cmu.Unlock()
			if code == 0 {
				code = StatusNormal
			}
			var body [ws.MaxControlFramePayloadSize]byte
			binary.BigEndian.PutUint16(body[:], code)
			n := 2 + copy(body[2:], reason)
			c.Conn.SetWriteDeadline(time.Now().Add(closeWriteTimeout))
			c.one[0] = body[:n]
			c.writeFramesLocked(ws.OpClose, false, c.one[:])
			c.one[0] = nil
		}
		c.closeSent = true
		c.wmu.Unlock()
	}
	return c.Conn.Close()
}
