package server

import (
	"bytes"
	"errors"
	"io"
	"os"
	"time"

	"github.com/klauspost/compress/s2"
	"github.com/natsd/natsd/logger"
	"github.com/natsd/natsd/parser"
)

// Route compression (cluster.compression), negotiated as nats-server
// negotiates it, learned from its byte stream:
//
//   - Each side's first INFO names its configured mode ("accept" by
//     default). The soliciting side, once it has the accepting side's INFO,
//     answers with an INFO naming the outcome: "off" when either side is
//     off or both merely accept, else its own mode (the peer's when it only
//     accepts, s2_fast for a peer's s2_auto).
//   - When the outcome is not off, everything each side sends after its
//     plain INFO is one S2 stream (the framing format, "\xff\x06\x00\x00S2sTwO"
//     first), starting with the INFO again, compressed; that INFO
//     completes the handshake (a pooled connection's plain INFO does not
//     name its pool index). The accepting side
//     switches as soon as it reads the soliciting side's INFO; the
//     soliciting side sends nothing compressed until the accepting side's
//     compressed INFO has arrived, so neither side ever finds compressed
//     bytes in the same read as the plain INFO before them.
//   - Each side compresses at its own level (the reader does not care);
//     with s2_auto the level follows the route's RTT: below the first
//     threshold (10ms) uncompressed S2 frames ("s2_uncompressed" in
//     /routez), then s2_fast, s2_better, and s2_best above the last.
//
// The writer keeps its coalescing: what it would have written in one
// vectored write is compressed as one batch and flushed as one S2 frame
// (or a few), so compression costs a copy per batch, not per message.
// Compressed bytes a slow peer has not taken yet wait in the route's sink;
// no new batch is compressed until they are written, so max_pending still
// bounds what a route holds.

// Route compression modes.
const (
	compressionOff          = "off"
	compressionAccept       = "accept"
	compressionS2Fast       = "s2_fast"
	compressionS2Better     = "s2_better"
	compressionS2Best       = "s2_best"
	compressionS2Auto       = "s2_auto"
	compressionUncompressed = "s2_uncompressed" // s2_auto's level at a low RTT
)

// defaultRTTThresholds are s2_auto's RTT thresholds: below the first the
// route sends uncompressed S2 frames, then s2_fast, s2_better, s2_best.
var defaultRTTThresholds = []time.Duration{10 * time.Millisecond, 50 * time.Millisecond, 100 * time.Millisecond}

// routeZBlockSize is the S2 block size of a route's stream: batches are
// flushed anyway, so large blocks would only cost memory per route.
const routeZBlockSize = 64 << 10

// compressionMode is the configured mode ("" = accept).
func (c *ClusterOpts) compressionMode() string {
	if c.Compression == "" {
		return compressionAccept
	}
	return c.Compression
}

// negotiateCompression is the mode a route uses given this side's
// configured mode and the peer's (from its INFO; "" from servers that do
// not compress).
func negotiateCompression(mine, theirs string) string {
	switch {
	case mine == compressionOff || theirs == "" || theirs == compressionOff:
		return compressionOff
	case mine == compressionAccept && theirs == compressionAccept:
		return compressionOff
	case mine == compressionAccept && theirs == compressionS2Auto:
		// Only the side that chose s2_auto follows the RTT.
		return compressionS2Fast
	case mine == compressionAccept:
		return theirs
	}
	return mine
}

// levelForRTT is s2_auto's level for a round-trip time.
func levelForRTT(rtt time.Duration, thresholds []time.Duration) string {
	levels := [...]string{compressionUncompressed, compressionS2Fast, compressionS2Better, compressionS2Best}
	for i, t := range thresholds {
		if i == len(levels)-1 {
			break
		}
		if rtt < t {
			return levels[i]
		}
	}
	return levels[min(len(thresholds), len(levels)-1)]
}

// routeZ is a route's compression state once negotiated.
type routeZ struct {
	// Guarded by client.mu.
	mode    string // negotiated: a level or s2_auto
	level   string // the level in use (what /routez shows)
	rawLeft int    // bytes at the head of client.out still to go out plain
	hold    bool   // compressed output waits for the peer's compressed INFO

	// Writer-owned.
	zw      *s2.Writer
	zwLevel string
	sink    bytes.Buffer // compressed bytes not yet written
}

func newRouteZ(mode string, rtt time.Duration, thresholds []time.Duration) *routeZ {
	z := &routeZ{mode: mode, level: mode}
	if mode == compressionS2Auto {
		z.level = levelForRTT(rtt, thresholds)
	}
	return z
}

// rttThresholds are the configured s2_auto thresholds.
func (c *ClusterOpts) rttThresholds() []time.Duration {
	if len(c.CompressionRTT) > 0 {
		return c.CompressionRTT
	}
	return defaultRTTThresholds
}

// levelOptions are the S2 writer options of a level.
func levelOptions(level string) []s2.WriterOption {
	opts := []s2.WriterOption{s2.WriterConcurrency(1), s2.WriterBlockSize(routeZBlockSize)}
	switch level {
	case compressionS2Better:
		opts = append(opts, s2.WriterBetterCompression())
	case compressionS2Best:
		opts = append(opts, s2.WriterBestCompression())
	case compressionUncompressed:
		opts = append(opts, s2.WriterUncompressed())
	}
	return opts
}

// compress appends the S2 frames of bufs to the sink, at the current
// level. A level change starts a new writer, whose stream identifier the
// reader accepts mid-stream.
func (z *routeZ) compress(bufs [][]byte, level string) (int64, error) {
	if z.zw == nil || z.zwLevel != level {
		z.zw = s2.NewWriter(&z.sink, levelOptions(level)...)
		z.zwLevel = level
	}
	var n int64
	for _, b := range bufs {
		if _, err := z.zw.Write(b); err != nil {
			return n, err
		}
		n += int64(len(b))
	}
	return n, z.zw.Flush()
}

// startCompression switches c's output to the negotiated mode's S2
// stream: what is queued so far goes out plain, everything after it
// compressed. hold keeps the compressed part back until releaseHold.
func (c *client) startCompression(mode string, hold bool) {
	o := c.srv.getOpts()
	c.mu.Lock()
	z := newRouteZ(mode, c.mon.rtt, o.Cluster.rttThresholds())
	z.rawLeft = c.out.Len()
	z.hold = hold
	c.route.z = z
	c.route.zNegotiating = false
	c.mu.Unlock()
}

// releaseHold lets the compressed output go (the peer's compressed INFO
// arrived, so the peer reads compressed input).
func (c *client) releaseHold() {
	c.mu.Lock()
	if z := c.route.z; z != nil {
		z.hold = false
	}
	c.mu.Unlock()
	c.signalFlush()
}

// endNegotiation records that the route does not compress.
func (c *client) endNegotiation() {
	c.mu.Lock()
	c.route.zNegotiating = false
	c.mu.Unlock()
}

// startDecompression makes the reader decompress everything after the
// INFO that ended the plain part: rest (what the parser left in the read
// buffer) first, then the connection.
func (c *client) startDecompression(rest []byte) {
	src := io.Reader(c.conn)
	if len(rest) > 0 {
		src = io.MultiReader(bytes.NewReader(bytes.Clone(rest)), c.conn)
	}
	// The idle release uses read deadlines, which would break the S2
	// reader mid-frame; a compressed route keeps its buffers.
	c.conn.SetReadDeadline(time.Time{})
	c.zin = s2.NewReader(src)
}

// compressionLevel is what /routez shows: the level in use, or off.
func (r *route) compressionLevel() string {
	if r.z == nil {
		return compressionOff
	}
	return r.z.level
}

// adjustLevel follows the RTT for s2_auto (called with c.mu held).
func (c *client) adjustLevel() {
	z := c.route.z
	if z == nil || z.mode != compressionS2Auto {
		return
	}
	if l := levelForRTT(c.mon.rtt, c.srv.getOpts().Cluster.rttThresholds()); l != z.level {
		c.srv.log.Debugf("%s - Route compression level now %s (rtt %v)", c.logPrefix(), l, c.mon.rtt)
		z.level = l
	}
}

// flushCompressed is flushOut for a route whose output is an S2 stream:
// it compresses what is queued as one batch into the sink and writes the
// sink. It returns false once the connection is closed and done with.
func (c *client) flushCompressed(z *routeZ) bool {
	for {
		c.mu.Lock()
		if c.closed && !c.flushOnClose {
			c.mu.Unlock()
			c.finishClose()
			return false
		}
		pending := c.out.Len()
		// On close, what is held goes too: the peer has switched unless
		// the handshake failed, and then nothing matters.
		held := z.hold && !c.closed
		if held || (pending == 0 && z.sink.Len() == 0) {
			closed := c.closed
			c.mu.Unlock()
			if closed {
				c.finishClose()
				return false
			}
			return true
		}
		level := z.level
		if z.sink.Len() == 0 {
			c.wbufs = c.out.Peek(c.wbufs[:0], maxWriteChunks)
		} else {
			c.wbufs = c.wbufs[:0]
		}
		c.mu.Unlock()

		var err error
		if len(c.wbufs) > 0 {
			var n int64
			n, err = z.compress(c.wbufs, level)
			clear(c.wbufs)
			c.mu.Lock()
			c.out.Consume(int(n))
			c.outRound = 0
			c.mu.Unlock()
		}
		var w int
		if err == nil {
			deadline := c.srv.getOpts().WriteDeadline * routeWriteDeadlineFactor
			c.conn.SetWriteDeadline(time.Now().Add(deadline))
			w, err = c.conn.Write(z.sink.Bytes())
			z.sink.Next(w)
			if z.sink.Len() == 0 {
				z.sink.Reset()
			}
		}
		c.mu.Lock()
		c.noteWriteActivity()
		closed := c.closed
		c.mu.Unlock()
		select {
		case c.route.drained <- struct{}{}:
		default:
		}
		if err == nil {
			continue
		}
		if w > 0 && !closed && errors.Is(err, os.ErrDeadlineExceeded) {
			c.srv.log.Debugf("%s - Route write deadline exceeded with progress, %d bytes left", c.logPrefix(), z.sink.Len())
			continue
		}
		if errors.Is(err, os.ErrDeadlineExceeded) {
			logger.Notice(c.srv.log, logger.Record{Conn: c.logPrefix(), Msg: "Slow Consumer Detected: WriteDeadline exceeded",
				Text:   "Slow Consumer Detected: WriteDeadline exceeded with %d pending bytes",
				Fields: []logger.Field{logger.F("pending_bytes", z.sink.Len())}})
			c.closeConnection(SlowConsumerWriteDeadline, false)
		} else {
			c.closeConnection(WriteError, false)
		}
		c.finishClose()
		return false
	}
}

// stopForCompression is what routeInfo returns when the input after the
// INFO it handled is compressed.
var stopForCompression = parser.ErrStop
