package server

import (
	"errors"
	"os"
	"time"

	"github.com/natsd/natsd/logger"
)

// maxKeptBuffer is the largest output buffer kept between flushes without
// going through the pools; a writer going idle hands its buffer back.
const maxKeptBuffer = 64 * 1024

// writerIdleExit is how long a writer goroutine waits for more output
// before it exits. Restarting one costs about a microsecond, so a short
// wait keeps idle connections at one goroutine without hurting busy ones.
const writerIdleExit = 250 * time.Millisecond

// signalFlush wakes the writer without blocking; one pending wake-up is
// enough because the writer drains everything queued when it runs. The
// writer goroutine only exists while the connection has output: it is
// started here when needed and exits after writerIdleExit without any, so an
// idle connection costs one goroutine (its reader), not two.
func (c *client) signalFlush() {
	select {
	case c.flushCh <- struct{}{}:
	default:
	}
	if !c.writerOn.Load() && c.writerOn.CompareAndSwap(false, true) {
		c.srv.goroutine(c.writer)
	}
}

// writer is the connection's only writer while it runs. Producers append
// to c.out under c.mu and signal; the writer swaps the buffer out and
// writes it with one syscall, so many messages are coalesced into one
// write. It never holds c.mu while writing, so producers never wait for
// the socket.
func (c *client) writer() {
	idle := time.NewTimer(writerIdleExit)
	defer idle.Stop()
	for {
		select {
		case <-c.flushCh:
			if !c.flushOut() {
				return // closed: writerOn stays set, so no writer restarts
			}
			idle.Reset(writerIdleExit)
		case <-idle.C:
			// Quiet for a while: give back the buffers and exit. A signal
			// that raced with the decision is picked up by the re-check.
			c.mu.Lock()
			if cap(c.spare) > maxKeptBuffer {
				putBuffer(c.spare)
			}
			c.spare = nil
			c.mu.Unlock()
			c.writerOn.Store(false)
			// A wake-up that raced with the decision: a receive (unlike
			// len) synchronizes with the signaller's send.
			select {
			case <-c.flushCh:
				if !c.writerOn.CompareAndSwap(false, true) {
					// The signaller already started a new writer: hand the
					// wake-up on to it.
					select {
					case c.flushCh <- struct{}{}:
					default:
					}
					return
				}
				if !c.flushOut() {
					return
				}
				idle.Reset(writerIdleExit)
				continue
			default:
			}
			return
		}
	}
}

// flushOut writes everything pending. It returns false once the connection
// is closed and done with, which ends the writer.
func (c *client) flushOut() bool {
	for {
		c.mu.Lock()
		if c.closed && !c.flushOnClose {
			c.mu.Unlock()
			c.finishClose()
			return false
		}
		if len(c.out) == 0 {
			closed := c.closed
			c.mu.Unlock()
			if closed {
				c.finishClose()
				return false
			}
			return true
		}
		buf := c.out
		c.out = c.spare[:0]
		c.spare = nil
		c.mu.Unlock()

		deadline := c.srv.getOpts().WriteDeadline
		if c.kind == kindRoute {
			deadline *= routeWriteDeadlineFactor
		}
		c.conn.SetWriteDeadline(time.Now().Add(deadline))
		n, err := c.conn.Write(buf)

		c.mu.Lock()
		if err != nil && n > 0 && c.kind == kindRoute && !c.closed && errors.Is(err, os.ErrDeadlineExceeded) {
			// A route that makes progress is busy, not stalled: keep the
			// rest in front of what was queued meanwhile and go on.
			c.srv.log.Debugf("%s - Route write deadline exceeded with progress, %d bytes left", c.logPrefix(), len(buf)-n)
			merged := getBuffer(len(buf) - n + len(c.out))
			merged = append(merged, buf[n:]...)
			merged = append(merged, c.out...)
			putBuffer(c.out)
			c.out = merged
			err = nil
		}
		c.spare = buf[:0]
		c.noteWriteActivity()
		c.mu.Unlock()
		if c.route != nil {
			select {
			case c.route.drained <- struct{}{}:
			default:
			}
		}
		if err != nil {
			if errors.Is(err, os.ErrDeadlineExceeded) {
				logger.Notice(c.srv.log, logger.Record{Conn: c.logPrefix(), Msg: "Slow Consumer Detected: WriteDeadline exceeded",
					Text:   "Slow Consumer Detected: WriteDeadline of %v exceeded with %d pending bytes",
					Fields: []logger.Field{logger.F("write_deadline", deadline), logger.F("pending_bytes", len(buf))}})
				c.closeConnection(SlowConsumerWriteDeadline, false)
			} else {
				c.closeConnection(WriteError, false)
			}
			c.finishClose()
			return false
		}
	}
}

// finishClose closes the socket (which also ends the reader) and releases
// the buffers.
func (c *client) finishClose() {
	if c.kind == kindRoute {
		c.routeLinger()
	}
	c.conn.Close()
	c.mu.Lock()
	c.out, c.spare = nil, nil
	c.mu.Unlock()
}
