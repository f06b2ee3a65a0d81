package server

import (
	"encoding/json"
	"slices"
	"strings"
	"time"

	"github.com/natsd/natsd/conf"
)

// Leaf connection compression (leafnodes.compression on the hub, a
// remote's compression on the leaf), negotiated as nats-server negotiates
// it, learned from its byte stream:
//
//   - The hub's first INFO names its configured mode (s2_auto by default
//     for leaf nodes, unlike routes).
//   - The leaf agrees on a mode as routes do (negotiateCompression: off
//     when either side is off or both merely accept; the peer's mode when
//     it only accepts, s2_fast for a peer's s2_auto). When that is off it
//     sends its CONNECT in the clear, with "compress_mode":"off".
//     Otherwise it answers with a near-empty INFO in the clear (its own
//     id of the connection as client_id, and its agreed mode), and everything it sends after that
//     is one S2 stream, starting with CONNECT ("compress_mode" naming the
//     level it writes at), held back until the hub's compressed INFO has
//     arrived (a nats-server hub refuses a CONNECT that comes sooner). It
//     reads everything after the hub's first INFO as an S2 stream.
//   - The hub, on that INFO, agrees on its own mode with the leaf's and
//     sends everything after its first INFO as an S2 stream, starting
//     with its INFO again (naming that mode). A leaf that sends CONNECT
//     first does not compress. Until one of the two arrives, the hub sends
//     nothing (pings wait), since the leaf may already read S2.
//   - Each side writes at its own level; /leafz shows it per connection.
//
// Over WebSocket there is no S2: the hub's INFO names no mode (the
// WebSocket's permessage-deflate, a remote's ws_compression, compresses
// instead), as with nats-server.

// leafCompressionDefault is the leaf node mode when none is configured.
const leafCompressionDefault = compressionS2Auto

// leafCompressionMode is a configured leaf mode, with the default.
func leafCompressionMode(m string) string {
	if m == "" {
		return leafCompressionDefault
	}
	return m
}

// leafZConfig is this side's configured mode and s2_auto thresholds for
// c; off over WebSocket.
func (c *client) leafZConfig() (string, []time.Duration) {
	if c.leafOverWS() {
		return compressionOff, nil
	}
	if c.leaf.solicited {
		ro := c.leaf.remote.opts
		return leafCompressionMode(ro.Compression), ro.CompressionRTT
	}
	o := c.srv.getOpts()
	return leafCompressionMode(o.LeafNode.Compression), o.LeafNode.CompressionRTT
}

// leafOverWS reports whether c runs over WebSocket.
func (c *client) leafOverWS() bool {
	if c.leaf.ws {
		return true
	}
	if r := c.leaf.remote; r != nil {
		r.mu.Lock()
		defer r.mu.Unlock()
		return r.url != nil && (r.url.Scheme == "ws" || r.url.Scheme == "wss")
	}
	return false
}

// leafInfoCompression is the mode the hub's INFO to c names: the agreed
// one once known, else the configured one; none over WebSocket.
func (s *Server) leafInfoCompression(c *client) string {
	if c.leaf == nil {
		return leafCompressionMode(s.getOpts().LeafNode.Compression)
	}
	if c.leafOverWS() {
		return ""
	}
	if m := c.leaf.zMode.Load(); m != nil {
		return *m
	}
	mode, _ := c.leafZConfig()
	return mode
}

// leafHubNegotiates reports whether an accepted connection must wait for
// the leaf's choice before sending anything after its INFO.
func (c *client) leafHubNegotiates() bool {
	mode, _ := c.leafZConfig()
	return mode != compressionOff
}

// leafAcceptedInfo handles an INFO on an accepted connection: before
// CONNECT, the leaf's answer that it compresses; later INFOs carry
// nothing natsd uses.
func (c *client) leafAcceptedInfo(arg []byte) error {
	if c.leaf.registered || c.zin != nil {
		return nil
	}
	var info leafInfoMsg
	if err := json.Unmarshal(arg, &info); err != nil {
		c.srv.log.Errorf("%s - Invalid leafnode INFO: %v", c.logPrefix(), err)
		return &clientError{reason: ProtocolViolation}
	}
	mine, thresholds := c.leafZConfig()
	mode := negotiateCompression(mine, info.Compression)
	if mode == compressionOff {
		// The leaf's INFO names no mode we agree to: it writes in the
		// clear, and so do we.
		c.endNegotiation()
		return nil
	}
	c.srv.log.Debugf("%s - Leafnode compression %s", c.logPrefix(), mode)
	c.leaf.zMode.Store(&mode)
	c.startCompression(mode, thresholds, false)
	c.queueLeaf(c.srv.leafInfoLine(c, false))
	return stopForCompression
}

// leafSolicitedZ is the leaf side's choice on the hub's first INFO: off,
// or a mode, in which case the leaf's INFO is queued in the clear and the
// output is compressed from here on. level is what CONNECT names.
func (c *client) leafSolicitedZ(hub *leafInfoMsg) (mode, level string) {
	mine, thresholds := c.leafZConfig()
	mode = negotiateCompression(mine, hub.Compression)
	if mode == compressionOff {
		return mode, compressionOff
	}
	c.srv.log.Debugf("%s - Leafnode compression %s", c.logPrefix(), mode)
	c.leaf.zMode.Store(&mode)
	b, _ := json.Marshal(&leafInfoMsg{ClientID: c.cid, Compression: mode}) // the other fields empty, as nats-server's
	c.queueLeaf(append(append([]byte("INFO "), b...), " \r\n"...))
	c.startCompression(mode, thresholds, true)
	c.leaf.zAwait = true
	c.mu.Lock()
	level = c.compressionLevel()
	c.mu.Unlock()
	return mode, level
}

// parseLeafCompression reads leafnodes.compression or a remote's: a mode,
// a boolean, or { mode, rtt_thresholds }, as cluster.compression, except
// that true, "on" and "enabled" mean s2_auto (nats-server's leaf default)
// rather than accept.
func parseLeafCompression(v *conf.Value) (string, []time.Duration, error) {
	switch v.Kind {
	case conf.KindBool:
		if b, _ := v.AsBool(); b {
			return compressionS2Auto, nil, nil
		}
		return compressionOff, nil, nil
	case conf.KindString:
		s, _ := v.AsString()
		switch strings.ToLower(s) {
		case "on", "enabled", "true":
			return compressionS2Auto, nil, nil
		}
	case conf.KindMap:
	default:
		kind := v.Kind.String()
		switch v.Kind {
		case conf.KindInt:
			kind = "int64" // nats-server's text names the Go type
		case conf.KindFloat:
			kind = "float64"
		}
		return "", nil, v.Errorf("field %q should be a boolean or a structure, got %s", "compression", kind)
	}
	var tmp Options
	err := setClusterCompression(&tmp, v)
	return tmp.Cluster.Compression, tmp.Cluster.CompressionRTT, err
}

// leafZInfoSeen handles a hub's INFO after its first on the leaf side:
// the first of them, on a compressed connection, is the hub's compressed
// INFO, which lets our compressed output go.
func (c *client) leafZInfoSeen() {
	if c.leaf.zAwait {
		c.leaf.zAwait = false
		c.releaseHold()
	}
}

// reloadLeafCompression applies a reloaded leafnodes.compression to the
// accepted leaf connections (new ones agree on the new mode anyway): a
// changed mode closes them, so that they reconnect and agree again (as
// nats-server does for the connections that need it); changed s2_auto
// thresholds apply in place. A remote's compression is part of the
// remote, which a reload restarts when it changes (leafnode_reload.go).
func (s *Server) reloadLeafCompression(old, cur *LeafNodeOpts) {
	modeChanged := leafCompressionMode(old.Compression) != leafCompressionMode(cur.Compression)
	if !modeChanged && slices.Equal(old.CompressionRTT, cur.CompressionRTT) {
		return
	}
	thresholds := cur.CompressionRTT
	if len(thresholds) == 0 {
		thresholds = defaultRTTThresholds
	}
	for _, c := range s.leafConns() {
		if c.leaf.solicited || c.leaf.ws {
			continue
		}
		if modeChanged {
			s.log.Debugf("%s - Leafnode compression changed by reload, closing", c.logPrefix())
			c.closeConnection(ClientClosed, true)
			continue
		}
		c.mu.Lock()
		if c.z != nil {
			c.z.thresholds = thresholds
			c.adjustLevel()
		}
		c.mu.Unlock()
	}
}
