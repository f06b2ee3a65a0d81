package server

import (
	"bytes"
	"compress/flate"
	"errors"
	"io"
	"sync"
)

// permessage-deflate on the leaf's end of a WebSocket connection (a
// remote's ws_compression), without context takeover either way, as
// nats-server leaves offer it: each message is deflated on its own, so
// the compressors come from pools instead of being held per connection.
// The hub's end is the websocket package's.

// wsMaxLeafMessage bounds a message from the hub, compressed and inflated.
const wsMaxLeafMessage = 64 << 20

var errWSLeafTooLarge = errors.New("websocket message from the hub too large")

var (
	leafDeflaters = sync.Pool{New: func() any {
		w, _ := flate.NewWriter(nil, flate.BestSpeed)
		return w
	}}
	leafInflaters = sync.Pool{New: func() any { return flate.NewReader(bytes.NewReader(nil)) }}
)

// wsDeflateTail ends a sync flush; RFC 7692 has the sender drop it.
var wsDeflateTail = []byte{0x00, 0x00, 0xff, 0xff}

// wsInflateTail is the dropped tail plus an empty final block, so the
// inflater reaches io.EOF at the end of the message.
var wsInflateTail = []byte{0x00, 0x00, 0xff, 0xff, 0x01, 0x00, 0x00, 0xff, 0xff}

// deflateWSMessage appends the deflated concatenation of bufs to dst.
func deflateWSMessage(dst []byte, bufs [][]byte) ([]byte, error) {
	buf := bytes.NewBuffer(dst)
	fw := leafDeflaters.Get().(*flate.Writer)
	defer leafDeflaters.Put(fw)
	fw.Reset(buf)
	for _, b := range bufs {
		if _, err := fw.Write(b); err != nil {
			return dst, err
		}
	}
	if err := fw.Flush(); err != nil {
		return dst, err
	}
	out := bytes.TrimSuffix(buf.Bytes(), wsDeflateTail)
	if len(out) == 0 {
		out = append(out, 0x00) // an empty message is an empty stored block
	}
	return out, nil
}

// inflateWSMessage inflates one compressed message.
func inflateWSMessage(data []byte) ([]byte, error) {
	fr := leafInflaters.Get().(io.ReadCloser)
	defer leafInflaters.Put(fr)
	fr.(flate.Resetter).Reset(io.MultiReader(bytes.NewReader(data), bytes.NewReader(wsInflateTail)), nil)
	out, err := io.ReadAll(io.LimitReader(fr, wsMaxLeafMessage+1))
	if err != nil {
		return nil, err
	}
	if len(out) > wsMaxLeafMessage {
		return nil, errWSLeafTooLarge
	}
	return out, nil
}
