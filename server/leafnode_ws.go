package server

import (
	"bytes"
	"context"
	"crypto/tls"
	"net"
	"net/url"
	"sync"
	"time"

	"github.com/gobwas/httphead"
	"github.com/gobwas/ws"
	"github.com/gobwas/ws/wsflate"
)

// Leaf connections over WebSocket, as nats-server has them: the leaf
// dials the hub's websocket port (a ws:// or wss:// remote URL) with GET
// /leafnode, and the leaf node protocol then runs in binary frames. The
// hub side is the WebSocket listener's (websocket.go hands it connections
// upgraded on /leafnode); the leaf side is the client end below, built on
// gobwas/ws (already the server side's frame codec).

// leafWSPath is the path a leaf's upgrade request asks for.
const leafWSPath = "/leafnode"

// dialLeafWS connects to a hub's websocket port and upgrades.
func (r *leafRemote) dialLeafWS(ctx context.Context, u *url.URL) (net.Conn, error) {
	d := ws.Dialer{Timeout: 2 * time.Second}
	if u.Scheme == "wss" {
		cfg := &tls.Config{MinVersion: tls.VersionTLS12}
		if r.opts.TLSConfig != nil {
			cfg = r.opts.TLSConfig.Clone()
		}
		if cfg.ServerName == "" {
			cfg.ServerName = u.Hostname()
		}
		d.TLSConfig = cfg
	}
	target := *u
	target.User = nil // credentials go in CONNECT
	if target.Path == "" || target.Path == "/" {
		target.Path = leafWSPath
	}
	if r.opts.WSCompression {
		// permessage-deflate, no context takeover either way (what
		// nats-server leaves offer); the hub may decline.
		d.Extensions = []httphead.Option{wsflate.Parameters{ServerNoContextTakeover: true, ClientNoContextTakeover: true}.Option()}
	}
	conn, br, hs, err := d.Dial(ctx, target.String())
	if err != nil {
		return nil, err
	}
	deflate := false
	for _, e := range hs.Extensions {
		if string(e.Name) == "permessage-deflate" {
			deflate = true
		}
	}
	var early []byte
	if br != nil {
		if n := br.Buffered(); n > 0 {
			b, _ := br.Peek(n) // the hub's first frames came with the upgrade
			early = bytes.Clone(b)
		}
		ws.PutReader(br)
	}
	wc := newWSClientConn(conn, early, deflate)
	return wc, nil
}

// wsClientConn is the client end of a WebSocket connection as a byte
// stream: writes go out as masked binary frames (one message per write,
// compressed when permessage-deflate was agreed), reads return the
// payload of the hub's data messages, inflated when compressed; control
// frames are answered.
type wsClientConn struct {
	net.Conn
	deflate bool // permessage-deflate agreed (leafnode_ws_compress.go)

	// Reader-owned (leafnode_ws_read.go).
	rbuf       []byte // input not yet parsed, from rpos
	rpos       int
	msg        []byte // payload of the data message being assembled
	inMsg      bool   // inside a fragmented data message
	compressed bool   // the message being assembled is deflated
	pending    []byte // a complete message not yet returned
	readErr    error  // sticky once the stream failed

	// Under wmu: the message size limit (0 = wsLeafMessageSize), and the
	// buffers of the message being written.
	wmu        sync.Mutex
	maxMessage int
	raw, zbuf  []byte
	frame      bytes.Buffer
}

// wsLeafMessageSize is the most a leaf puts in one WebSocket message.
const wsLeafMessageSize = 64 << 10

func (c *wsClientConn) Write(p []byte) (int, error) {
	n, err := c.WriteBuffers([][]byte{p})
	return int(n), err
}

// WriteBuffers sends the concatenation of bufs as messages of at most
// wsLeafMessageSize bytes each (before compression), so that a batch of the
// writer costs few frames and deflate runs, and no message exceeds what
// the hub takes (nats-server refuses a WebSocket message larger than its
// max_payload).
func (c *wsClientConn) WriteBuffers(bufs [][]byte) (int64, error) {
	c.wmu.Lock()
	defer c.wmu.Unlock()
	limit := c.maxMessage
	if limit <= 0 || limit > wsLeafMessageSize {
		limit = wsLeafMessageSize
	}
	var total int64
	raw := c.raw[:0]
	for _, b := range bufs {
		for len(b) > 0 {
			n := min(len(b), limit-len(raw))
			raw = append(raw, b[:n]...)
			b = b[n:]
			if len(raw) == limit {
				if err := c.writeMessage(raw); err != nil {
					return total, err
				}
				total += int64(len(raw))
				raw = raw[:0]
			}
		}
	}
	if len(raw) > 0 {
		if err := c.writeMessage(raw); err != nil {
			return total, err
		}
		total += int64(len(raw))
	}
	c.raw = raw[:0]
	return total, nil
}

// writeMessage sends raw (which it masks in place) as one message, in one
// write (under wmu).
func (c *wsClientConn) writeMessage(raw []byte) error {
	h := ws.Header{Fin: true, OpCode: ws.OpBinary, Masked: true, Mask: ws.NewMask()}
	payload := raw
	if c.deflate {
		var err error
		if c.zbuf, err = deflateWSMessage(c.zbuf[:0], [][]byte{raw}); err != nil {
			return err
		}
		payload = c.zbuf
		h.Rsv = ws.Rsv(true, false, false)
	}
	h.Length = int64(len(payload))
	ws.Cipher(payload, h.Mask, 0)
	c.frame.Reset()
	if err := ws.WriteHeader(&c.frame, h); err != nil {
		return err
	}
	c.frame.Write(payload)
	_, err := c.Conn.Write(c.frame.Bytes())
	return err
}

// setMaxMessage lowers the message size to a hub's small max_payload.
func (c *wsClientConn) setMaxMessage(maxPayload int32) {
	c.wmu.Lock()
	c.maxMessage = int(maxPayload)
	c.wmu.Unlock()
}
