package server

import (
	"errors"
	"io"
	"net"
	"time"

	"github.com/natsd/natsd/parser"
)

// Read buffer sizes: an idle connection holds the smallest, a busy one
// grows to the largest and shrinks back when traffic calms down.
const (
	minReadBuffer   = 512
	startReadBuffer = 512
	maxReadBuffer   = 64 * 1024
)

// readLoop is the connection's only reader: it parses every op in a read
// before it flushes, so pipelined input costs one flush per read.
func (c *client) readLoop() {
	buf := make([]byte, startReadBuffer)
	shortReads := 0
	for {
		n, err := c.conn.Read(buf)
		if n > 0 {
			perr := c.parser.Parse(buf[:n], c)
			c.flushPending()
			if perr != nil {
				c.protocolError(perr)
				return
			}
			// Grow when a read fills the buffer; shrink after a run of
			// reads that would have fit in half of it.
			if n == len(buf) && len(buf) < maxReadBuffer {
				buf = make([]byte, len(buf)*2)
				shortReads = 0
			} else if n < len(buf)/2 && len(buf) > minReadBuffer {
				if shortReads++; shortReads > 2 {
					buf = make([]byte, len(buf)/2)
					shortReads = 0
				}
			}
		}
		if err != nil {
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
			return
		}
	}
}

// flushPending wakes the writers of every connection this read batch
// produced output for, once per batch rather than once per message.
func (c *client) flushPending() {
	for i, r := range c.flushSet {
		r.signalFlush()
		c.flushSet[i] = nil
	}
	c.flushSet = c.flushSet[:0]
}

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
	var ce *clientError
	switch {
	case errors.As(err, &ce):
		if ce.text != "" {
			c.sendErr(ce.text)
		}
		c.closeConnection(ce.reason, true)
	case errors.Is(err, parser.ErrControlLine):
		c.sendErrAndClose(errControlLine, MaxControlLineExceeded)
	case errors.Is(err, parser.ErrMaxPayload):
		c.sendErrAndClose(errMaxPayload, MaxPayloadExceeded)
	default:
		c.srv.log.Debugf("%s - Client parser ERROR: %v", c.logPrefix(), err)
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
	wasIdle := len(c.out) == 0
	c.out = append(c.out, b...)
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
	return nil
}

// ProcessPong resets the count of unanswered pings.
func (c *client) ProcessPong() error {
	if c.tracing() {
		c.traceIn("PONG")
	}
	c.mu.Lock()
	c.pingsOut = 0
	c.lastActivity = time.Now()
	c.mu.Unlock()
	return nil
}

// ProcessInfo ignores INFO from clients, as nats-server does.
func (c *client) ProcessInfo([]byte) error { return nil }

// ProcessOK ignores +OK from clients.
func (c *client) ProcessOK() error { return nil }

// ProcessErr ignores -ERR from clients.
func (c *client) ProcessErr([]byte) error { return nil }

// ProcessMsg: clients do not send MSG.
func (c *client) ProcessMsg(_, _, _, _ []byte) error { return parser.ErrUnknownOp }

// ProcessHMsg: clients do not send HMSG.
func (c *client) ProcessHMsg(_, _, _ []byte, _ int, _ []byte) error { return parser.ErrUnknownOp }

// requireConnect enforces that a server requiring auth sees CONNECT first.
func (c *client) requireConnect() error {
	if !c.connected && c.srv.opts.authRequired() {
		c.srv.log.Errorf("%s - Authorization Error - No CONNECT", c.logPrefix())
		return &clientError{text: errAuthorization, reason: AuthenticationViolation}
	}
	return nil
}
