package websocket

import (
	"bytes"
	"compress/flate"
	"io"
	"sync"

	"github.com/gobwas/ws"
)

// permessage-deflate (RFC 7692) without context takeover in either
// direction, so each message is compressed on its own and the compressors
// are shared through pools instead of held per connection (a deflate
// writer holds about a megabyte).

var (
	deflaters = sync.Pool{New: func() any {
		w, _ := flate.NewWriter(nil, flate.BestSpeed)
		return w
	}}
	inflaters = sync.Pool{New: func() any { return flate.NewReader(bytes.NewReader(nil)) }}
)

// deflateTail is what a sync flush ends with; RFC 7692 has the sender drop
// it and the receiver add it back.
var deflateTail = []byte{0x00, 0x00, 0xff, 0xff}

// inflateTail is deflateTail followed by an empty final block, so the
// inflater reaches io.EOF at the end of the message.
var inflateTail = []byte{0x00, 0x00, 0xff, 0xff, 0x01, 0x00, 0x00, 0xff, 0xff}

// appendWriter appends to a byte slice.
type appendWriter struct{ b *[]byte }

func (w appendWriter) Write(p []byte) (int, error) {
	*w.b = append(*w.b, p...)
	return len(p), nil
}

// deflate compresses the concatenation of bufs into c.zbuf (which the
// caller releases once written when it grew large).
func (c *Conn) deflate(bufs [][]byte) error {
	c.zbuf = c.zbuf[:0]
	fw := deflaters.Get().(*flate.Writer)
	defer deflaters.Put(fw)
	fw.Reset(appendWriter{&c.zbuf})
	for _, b := range bufs {
		if _, err := fw.Write(b); err != nil {
			return err
		}
	}
	if err := fw.Flush(); err != nil {
		return err
	}
	c.zbuf = bytes.TrimSuffix(c.zbuf, deflateTail)
	if len(c.zbuf) == 0 {
		c.zbuf = append(c.zbuf, 0x00) // an empty message is an empty stored block
	}
	return nil
}

// appendCompressed adds unmasked payload bytes to the message being
// assembled.
func (c *Conn) appendCompressed(b []byte) error {
	if int64(len(c.zin)+len(b)) > c.maxMessage.Load() {
		return c.protocolError(StatusMessageTooBig, "compressed message too large")
	}
	start := len(c.zin)
	c.zin = append(c.zin, b...)
	ws.Cipher(c.zin[start:], c.mask, c.maskOff)
	return nil
}

// inflate decompresses the message assembled in c.zin into c.zout.
func (c *Conn) inflate() error {
	c.zin = append(c.zin, inflateTail...)
	fr := inflaters.Get().(io.ReadCloser)
	defer inflaters.Put(fr)
	src := bytes.NewReader(c.zin)
	fr.(flate.Resetter).Reset(src, nil)
	c.zout, c.zpos = c.zout[:0], 0
	buf := bytes.NewBuffer(c.zout)
	n, err := buf.ReadFrom(io.LimitReader(fr, c.maxMessage.Load()+1))
	c.zout = buf.Bytes()
	c.zin = c.zin[:0]
	if cap(c.zin) > 4*maxReadBuffer {
		c.zin = nil // a large message: do not keep its buffer
	}
	c.zmsg = false
	if err != nil {
		return c.protocolError(StatusInvalidPayload, "invalid compressed message")
	}
	if n > c.maxMessage.Load() {
		return c.protocolError(StatusMessageTooBig, "message too large")
	}
	return nil
}
