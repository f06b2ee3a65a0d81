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

// S2 compression of a server-to-server connection (a route or a leaf
// connection), after the handshake that agreed on it (route_compress.go,
// leafnode_compress.go). Both kinds share this state and code path:
//
//   - Each side's output becomes one S2 stream (the framing format,
//     "\xff\x06\x00\x00S2sTwO" first) from a chosen point on: what was
//     queued before it (the plain INFO) goes out plain, the rest
//     compressed (startCompression).
//   - The reader switches to decompressing at the op that ends the plain
//     part: the handler returns stopForCompression, the parser stops
//     there, and the reader reads the rest of its buffer, then the
//     connection, through an S2 reader (startDecompression).
//   - Each side compresses at its own level (the reader does not care);
//     with s2_auto the level follows the connection's RTT: below the
//     first threshold (10ms) uncompressed S2 frames ("s2_uncompressed"
//     in /routez and /leafz), then s2_fast, s2_better, and s2_best above
//     the last.
//
// The writer keeps its coalescing: what it would have written in one
// vectored write is compressed as one batch and flushed as one S2 frame
// (or a few), so compression costs a copy per batch, not per message.
// Compressed bytes a slow peer has not taken yet wait in the sink; no new
// batch is compressed until they are written, so max_pending still bounds
// what a connection holds.

// Compression modes (cluster.compression, leafnodes.compression and a
// remote's compression).
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
// connection sends uncompressed S2 frames, then s2_fast, s2_better, s2_best.
var defaultRTTThresholds = []time.Duration{10 * time.Millisecond, 50 * time.Millisecond, 100 * time.Millisecond}

// zBlockSize is the S2 block size of a compressed stream: batches are
// flushed anyway, so large blocks would only cost memory per connection.
const zBlockSize = 64 << 10

// negotiateCompression is the mode a connection uses given this side's
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

// zState is a connection's compression state once negotiated.
type zState struct {
	// Guarded by client.mu.
	mode       string          // negotiated: a level or s2_auto
	level      string          // the level in use (what /routez and /leafz show)
	thresholds []time.Duration // s2_auto's RTT thresholds
	rawLeft    int             // bytes at the head of client.out still to go out plain
	hold       bool            // compressed output waits for releaseHold

	// Writer-owned.
	zw      *s2.Writer
	zwLevel string
	sink    bytes.Buffer // compressed bytes not yet written
}

func newZState(mode string, rtt time.Duration, thresholds []time.Duration) *zState {
	if len(thresholds) == 0 {
		thresholds = defaultRTTThresholds
	}
	z := &zState{mode: mode, level: mode, thresholds: thresholds}
	if mode == compressionS2Auto {
		z.level = levelForRTT(rtt, thresholds)
	}
	return z
}

// levelOptions are the S2 writer options of a level.
func levelOptions(level string) []s2.WriterOption {
	opts := []s2.WriterOption{s2.WriterConcurrency(1), s2.WriterBlockSize(zBlockSize)}
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
func (z *zState) compress(bufs [][]byte, level string) (int64, error) {
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
func (c *client) startCompression(mode string, thresholds []time.Duration, hold bool) {
	c.mu.Lock()
	z := newZState(mode, c.mon.rtt, thresholds)
	z.rawLeft = c.out.Len()
	z.hold = hold
	c.z = z
	c.zNegotiating = false
	c.mu.Unlock()
}

// releaseHold lets the compressed output go (the peer reads compressed
// input now).
func (c *client) releaseHold() {
	c.mu.Lock()
	if z := c.z; z != nil {
		z.hold = false
	}
	c.mu.Unlock()
	c.signalFlush()
}

// endNegotiation records that the connection does not compress.
func (c *client) endNegotiation() {
	c.mu.Lock()
	c.zNegotiating = false
	c.mu.Unlock()
}

// startDecompression makes the reader decompress everything after the
// op that ended the plain part: rest (what the parser left in the read
// buffer) first, then the connection.
func (c *client) startDecompression(rest []byte) {
	src := io.Reader(c.conn)
	if len(rest) > 0 {
		src = io.MultiReader(bytes.NewReader(bytes.Clone(rest)), c.conn)
	}
	// The idle release uses read deadlines, which would break the S2
	// reader mid-frame; a compressed connection keeps its buffers.
	c.conn.SetReadDeadline(time.Time{})
	c.zin = s2.NewReader(src)
}

// compressionLevel is what /routez and /leafz show: the level in use, or
// off (called with c.mu held).
func (c *client) compressionLevel() string {
	if c.z == nil {
		return compressionOff
	}
	return c.z.level
}

// adjustLevel follows the RTT for s2_auto (called with c.mu held).
func (c *client) adjustLevel() {
	z := c.z
	if z == nil || z.mode != compressionS2Auto {
		return
	}
	if l := levelForRTT(c.mon.rtt, z.thresholds); l != z.level {
		c.srv.log.Debugf("%s - Compression level now %s (rtt %v)", c.logPrefix(), l, c.mon.rtt)
		z.level = l
	}
}

// flushCompressed is flushOut for a connection whose output is an S2
// stream: it compresses what is queued as one batch into the sink and
// writes the sink. It returns false once the connection is closed and
// done with.
func (c *client) flushCompressed(z *zState) bool {
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
			deadline := c.srv.getOpts().WriteDeadline
			if c.kind == kindRoute {
				deadline *= routeWriteDeadlineFactor
			}
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
		if c.route != nil {
			select {
			case c.route.drained <- struct{}{}:
			default:
			}
		}
		if err == nil {
			continue
		}
		if w > 0 && !closed && errors.Is(err, os.ErrDeadlineExceeded) {
			c.srv.log.Debugf("%s - Write deadline exceeded with progress, %d bytes left", c.logPrefix(), z.sink.Len())
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

// stopForCompression is what an INFO handler returns when the input after
// the INFO it handled is compressed.
var stopForCompression = parser.ErrStop
