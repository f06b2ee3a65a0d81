package server

import (
	"context"
	"crypto/tls"
	"io"
	"net"
	"net/url"
	"sync"
	"time"

	"github.com/gobwas/ws"
	"github.com/gobwas/ws/wsutil"
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
	conn, br, _, err := d.Dial(ctx, target.String())
	if err != nil {
		return nil, err
	}
	wc := &wsClientConn{Conn: conn}
	var src io.Reader = conn
	if br != nil && br.Buffered() > 0 {
		src = io.MultiReader(br, conn) // the hub's first frames came with the upgrade
	} else if br != nil {
		ws.PutReader(br)
	}
	wc.rw = struct {
		io.Reader
		io.Writer
	}{src, lockedWriter{wc}}
	return wc, nil
}

// wsClientConn is the client end of a WebSocket connection as a byte
// stream: writes go out as masked binary frames, reads return the
// payload of the hub's data frames; control frames are answered.
type wsClientConn struct {
	net.Conn
	rw      io.ReadWriter
	wmu     sync.Mutex
	pending []byte
}

func (c *wsClientConn) Read(p []byte) (int, error) {
	for len(c.pending) == 0 {
		data, op, err := wsutil.ReadServerData(c.rw)
		if err != nil {
			return 0, err
		}
		if op == ws.OpBinary || op == ws.OpText {
			c.pending = data
		}
	}
	n := copy(p, c.pending)
	c.pending = c.pending[n:]
	return n, nil
}

func (c *wsClientConn) Write(p []byte) (int, error) {
	c.wmu.Lock()
	defer c.wmu.Unlock()
	if err := wsutil.WriteClientMessage(c.Conn, ws.OpBinary, p); err != nil {
		return 0, err
	}
	return len(p), nil
}

// lockedWriter writes control frame answers under the connection's write
// lock, so they never interleave with a data frame.
type lockedWriter struct{ c *wsClientConn }

func (w lockedWriter) Write(p []byte) (int, error) {
	w.c.wmu.Lock()
	defer w.c.wmu.Unlock()
	return w.c.Conn.Write(p)
}
