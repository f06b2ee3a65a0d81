package server

import (
	"errors"
	"io"
	"net"
	"os"
	"time"

	"github.com/natsd/natsd/parser"
)

// Read buffer sizes: an idle connection holds the smallest, a busy one
// grows to the largest and shrinks back when traffic calms down.
const (
	minReadBuffer   = 512
	startReadBuffer = 512
	maxReadBuffer   = 64 * 1024
	// idleRelease is how long a connection holding large buffers must be
	// quiet before they are released.
	idleRelease = 2 * time.Second
	// directReadMin is the payload remainder from which the reader reads
	// into the parser's payload buffer instead of its own.
	directReadMin = 4096
)

// readLoop is the connection's only reader: it parses every op in a read
// before it flushes, so pipelined input costs one flush per read.
//
// Memory follows traffic: the read buffer grows while reads fill it and
// shrinks after a run of short reads, and once a connection that holds
// large buffers has been quiet for idleRelease, a read deadline wakes the
// reader to release them (the parser's scratch included).
func (c *client) readLoop() {
	c.writeInline() // the INFO, unless a writer already took it
	buf := make([]byte, startReadBuffer)
	shortReads := 0
	idleArmed, readsSinceArm := false, 0
	for {
		// The rest of a large payload is read straight into the parser's
		// payload buffer, which saves copying it.
		direct := c.parser.PayloadBuffer()
		useDirect := len(direct) >= directReadMin
		var n int
		var err error
		if useDirect {
			n, err = c.read(direct)
		} else {
			n, err = c.read(buf)
		}
		if n > 0 {
			readsSinceArm++
			c.recentIn.Store(true)
			if g := c.srv.optsGen.Load(); g != c.optsGen && c.kind == kindClient {
				c.optsGen = g
				o := c.srv.getOpts()
				c.parser.SetLimits(int(o.MaxControlLine), int(c.maxPayload()))
			}
			inBefore := c.inMsgs.Load()
			var perr error
			if useDirect {
				perr = c.parser.PayloadFilled(n, c)
			} else {
				perr = c.parser.Parse(buf[:n], c)
			}
			c.addBatchIn()
			c.noteReadActivity(inBefore)
			c.flushPending()
			if perr == parser.ErrStop {
				// A route's or leaf's input is compressed from here on.
				c.startDecompression(c.parser.Rest())
				perr, idleArmed = nil, false
			}
			if perr != nil {
				c.protocolError(perr)
				return
			}
			if !useDirect {
				buf, shortReads = resizeReadBuffer(buf, n, shortReads)
			}
			if !idleArmed && c.zin == nil && (len(buf) > minReadBuffer || c.parser.ScratchSize() > minReadBuffer) {
				idleArmed, readsSinceArm = true, 0
				c.conn.SetReadDeadline(time.Now().Add(idleRelease))
			}
		}
		if err == nil {
			continue
		}
		if idleArmed && errors.Is(err, os.ErrDeadlineExceeded) {
			if readsSinceArm == 0 && c.parser.PayloadBuffer() == nil {
				// Quiet since the deadline was set: give the memory back.
				c.parser.Compact()
				buf = make([]byte, minReadBuffer)
				idleArmed = false
				c.conn.SetReadDeadline(time.Time{})
			} else {
				readsSinceArm = 0
				c.conn.SetReadDeadline(time.Now().Add(idleRelease))
			}
			continue
		}
		c.readFailed(err)
		return
	}
}

// addBatchIn adds the counts of the batch just parsed to the connection's
// totals, before the batch's output (a PONG) is flushed, so a client that
// saw its PONG sees its messages counted.
func (c *client) addBatchIn() {
	if c.batchIn == 0 {
		return
	}
	c.inMsgs.Add(c.batchIn)
	c.inBytes.Add(c.batchInBytes)
	c.batchIn, c.batchInBytes = 0, 0
}

// read reads the connection, through the decompressor on a compressed
// route.
func (c *client) read(b []byte) (int, error) {
	if c.zin != nil {
		return c.zin.Read(b)
	}
	if c.rawr != nil {
		return c.readRaw(b)
	}
	return c.conn.Read(b)
}

// resizeReadBuffer grows the buffer when a read filled it, and halves it
// after a run of reads that would have fit in half of it.
func resizeReadBuffer(buf []byte, n, shortReads int) ([]byte, int) {
	if n == len(buf) && len(buf) < maxReadBuffer {
		return make([]byte, len(buf)*2), 0
	}
	if n < len(buf)/2 && len(buf) > minReadBuffer {
		if shortReads++; shortReads > 2 {
			return make([]byte, len(buf)/2), 0
		}
	}
	return buf, shortReads
}

// readFailed closes the connection after a read error, with the matching
// reason.
func (c *client) readFailed(err error) {
	if c.route != nil {
		close(c.route.peerGone)
		c.routeReadFailed(err)
	}
	reason := ReadError
	if errors.Is(err, io.EOF) {
		reason = ClientClosed
	}
	if errors.Is(err, net.ErrClosed) {
		reason = 0 // closed by us; the reason is already recorded
	}
	if reason != 0 {
		c.closeConnection(reason, false)
	}
}

// flushPending flushes the output this read batch produced, once per
// batch rather than once per message: the first few connections' small
// output is written right here (writeInline), the others' writers are
// woken first so that they run meanwhile on other threads.
func (c *client) flushPending() {
	if len(c.jsAcks.acks) > 0 {
		c.flushJetStreamAcks()
	}
	set := c.flushSet
	if len(set) > inlineTargets {
		for _, r := range set[inlineTargets:] {
			if r == c {
				c.writeInline()
			} else {
				r.signalFlush()
			}
		}
		set = set[:inlineTargets]
	}
	for _, r := range set {
		r.writeInline()
	}
	clear(c.flushSet)
	c.flushSet = c.flushSet[:0]
}

// inlineTargets is how many connections a read batch writes to inline at
// most: a message fanned out to many quiet subscribers wakes their
// writers instead, which share the work across threads, rather than
// making the publisher's reader write to every socket in turn.
const inlineTargets = 4

// markFlush records that r has new output to be flushed after this batch.
// Callers mark r only when their append found r's output empty: whoever
// makes the output non-empty owns the wake-up, and later appends ride on
// it, because the writer takes everything queued when it runs. So a
// subscriber is marked about once per batch, not once per message.
func (c *client) markFlush(r *client) {
	c.flushSet = append(c.flushSet, r)
}

// protocolError maps a parse or handler error to nats-server's -ERR reply
// and closes the connection.
func (c *client) protocolError(err error) {
	if c.kind == kindRoute {
		c.routeProtocolError(err)
		return
	}
	if c.kind == kindLeaf {
		c.leafProtocolError(err)
		return
	}
	var ce *clientError
	switch {
	case !c.connected && c.authRequired() && !errors.As(err, &ce):
		// A server requiring auth answers anything but CONNECT first
		// with an authorization error.
		c.sendErrAndClose(errAuthorization, AuthenticationViolation)
	case errors.As(err, &ce):
		if ce.text != "" {
			c.sendErrAndClose(ce.text, ce.reason)
		} else {
			c.closeConnection(ce.reason, true)
		}
	case errors.Is(err, parser.ErrControlLine):
		c.sendErrAndClose(errControlLine, MaxControlLineExceeded)
	case errors.Is(err, parser.ErrMaxPayload):
		c.sendErrAndClose(errMaxPayload, MaxPayloadExceeded)
	case errors.Is(err, parser.ErrBadArgs):
		// nats-server closes on malformed arguments without a word.
		c.srv.log.Errorf("%s - Client protocol arguments error: %v", c.logPrefix(), err)
		c.closeConnection(ParseError, true)
	default:
		c.srv.log.Errorf("%s - Client parser ERROR: %v", c.logPrefix(), err)
		c.sendErrAndClose(errUnknownOp, ParseError)
	}
}

// clientError is a handler's way to stop parsing with a specific reply.
type clientError struct {
	text   string
	reason ClosedReason
}

func (e *clientError) Error() string { return e.text }

// queue appends raw protocol to the client's own output.
func (c *client) queue(b string) {
	c.mu.Lock()
	wasIdle := c.out.Len() == 0
	c.out.AppendString(b)
	c.mu.Unlock()
	if wasIdle {
		c.markFlush(c)
	}
}

func (c *client) sendOK() {
	if c.opts.Verbose {
		if c.tracing() {
			c.traceOut("OK")
		}
		c.queue("+OK\r\n")
	}
}

// ProcessPing answers with PONG.
func (c *client) ProcessPing() error {
	if c.tracing() {
		c.traceIn("PING")
	}
	if err := c.requireConnect(); err != nil {
		return err
	}
	if c.tracing() {
		c.traceOut("PONG")
	}
	c.queue("PONG\r\n")
	if c.connectInfoDue && c.kind == kindClient {
		c.connectInfoDue = false
		c.queue(string(c.srv.connectInfo(c)))
	}
	return nil
}

// ProcessPong resets the count of unanswered pings.
func (c *client) ProcessPong() error {
	if c.tracing() {
		c.traceIn("PONG")
	}
	c.mu.Lock()
	c.pingsOut = 0
	c.mon.pong(time.Now())
	c.adjustLevel()
	c.mu.Unlock()
	return nil
}

// ProcessInfo ignores INFO from clients, as nats-server does; a route's
// INFO registers it or updates what it gossips.
func (c *client) ProcessInfo(arg []byte) error {
	if c.kind == kindRoute {
		if c.tracing() {
			c.traceIn("INFO", arg)
		}
		return c.routeInfo(arg)
	}
	if c.kind == kindLeaf {
		if c.tracing() {
			c.traceIn("INFO", arg)
		}
		return c.leafInfo(arg)
	}
	return nil
}

// ProcessOK ignores +OK from clients.
func (c *client) ProcessOK() error { return nil }

// ProcessErr ignores -ERR from clients; a route's is logged (the peer
// refused us, e.g. with wrong route credentials, and closes the route).
func (c *client) ProcessErr(arg []byte) error {
	if c.kind == kindRoute {
		return c.routeErr(arg)
	}
	if c.kind == kindLeaf {
		return c.leafErr(arg)
	}
	return nil
}

// ProcessMsg: clients do not send MSG.
func (c *client) ProcessMsg(_, _, _, _ []byte) error { return parser.ErrUnknownOp }

// ProcessHMsg: clients do not send HMSG.
func (c *client) ProcessHMsg(_, _, _ []byte, _ int, _ []byte) error { return parser.ErrUnknownOp }

// requireConnect enforces that a server requiring auth sees CONNECT first.
func (c *client) requireConnect() error {
	if !c.connected && c.authRequired() {
		c.srv.log.Errorf("%s - Authorization Error - No CONNECT", c.logPrefix())
		return &clientError{text: errAuthorization, reason: AuthenticationViolation}
	}
	return nil
}
