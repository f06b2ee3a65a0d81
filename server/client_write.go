package server

import (
	"errors"
	"os"
	"time"
)

// maxKeptBuffer is the largest output buffer an idle connection keeps. A
// busy one keeps a larger buffer between flushes and hands it back to the
// pools after idleRelease without output.
const maxKeptBuffer = 64 * 1024

// signalFlush wakes the writer without blocking; one pending wake-up is
// enough because the writer drains everything queued when it runs.
func (c *client) signalFlush() {
	select {
	case c.flushCh <- struct{}{}:
	default:
	}
}

// writeLoop is the connection's only writer. Producers append to c.out
// under c.mu and signal; the writer swaps the buffer out and writes it with
// one syscall, so many messages are coalesced into one write. It never
// holds c.mu while writing, so producers never wait for the socket.
func (c *client) writeLoop() {
	idle := time.NewTimer(idleRelease)
	idle.Stop()
	armed := false
	for {
		select {
		case <-c.flushCh:
			if !c.flushOut() {
				idle.Stop()
				return
			}
			c.mu.Lock()
			big := cap(c.spare) > maxKeptBuffer
			c.mu.Unlock()
			if big {
				idle.Reset(idleRelease)
				armed = true
			}
		case <-idle.C:
			if armed {
				armed = false
				c.mu.Lock()
				if cap(c.spare) > maxKeptBuffer {
					putBuffer(c.spare)
					c.spare = nil
				}
				c.mu.Unlock()
			}
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

		c.conn.SetWriteDeadline(time.Now().Add(c.srv.getOpts().WriteDeadline))
		_, err := c.conn.Write(buf)

		c.mu.Lock()
		c.spare = buf[:0]
		c.noteWriteActivity()
		c.mu.Unlock()
		if err != nil {
			if errors.Is(err, os.ErrDeadlineExceeded) {
				c.srv.log.Noticef("%s - Slow Consumer Detected: WriteDeadline of %v exceeded with %d pending bytes",
					c.logPrefix(), c.srv.getOpts().WriteDeadline, len(buf))
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
	c.conn.Close()
	c.mu.Lock()
	c.out, c.spare = nil, nil
	c.mu.Unlock()
}
