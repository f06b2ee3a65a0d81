package server

import (
	"errors"
	"net"
	"os"
	"runtime"
	"sync/atomic"
	"syscall"
	"time"
	"unsafe"

	"github.com/natsd/natsd/logger"
	"github.com/natsd/natsd/outq"
)

// maxWriteChunks bounds one vectored write: 64 chunks (2 MiB) fill any
// socket buffer, and the iovec array the runtime keeps per socket for
// writev stays small (1 KiB) however large a backlog once was.
const maxWriteChunks = 64

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
		c.writers.Add(1)
		c.srv.goroutine(c.writer)
	}
}

// writer is the connection's only writer while it runs. Producers append
// to c.out under c.mu and signal; the writer hands everything queued to the
// kernel in one vectored write (writev), so many messages are coalesced into
// one system call, and gives the written chunks back. It never holds c.mu
// while writing, so producers never wait for the socket.
func (c *client) writer() {
	idle := time.NewTimer(writerIdleExit)
	defer idle.Stop()
	for {
		select {
		case <-c.flushCh:
			if !c.writerFlush() {
				return // closed: writerOn stays set, so no writer restarts
			}
			idle.Reset(writerIdleExit)
		case <-idle.C:
			// Quiet for a while: give back the chunk list and exit. A
			// signal that raced with the decision is picked up by the
			// re-check.
			c.mu.Lock()
			c.out.Trim()
			c.mu.Unlock()
			c.wbufs, c.wvec, c.wgather = nil, nil, nil
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
				if !c.writerFlush() {
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

// writerFlush is the writer goroutine's flush: flushOut under the right
// to write. When writeInline holds that right, it skips: writeInline signals
// again when it is done if anything is left.
func (c *client) writerFlush() bool {
	if !c.writing.CompareAndSwap(false, true) {
		return true
	}
	if !c.flushOut() {
		return false // done with: writing stays set
	}
	c.writing.Store(false)
	return true
}

// flushOut writes everything pending. It returns false once the connection
// is closed and done with, which ends the writer.
//
// The write deadline covers a round: the bytes pending when the round
// starts, written in one or more vectored writes of at most maxWriteChunks
// chunks. So a connection has write_deadline to take what was queued for
// it, whatever the size of its backlog, as with one write of it all. And
// max_pending applies to what was queued after the round began, as if the
// round had left the queue (c.outRound).
func (c *client) flushOut() bool {
	var round int64 // bytes left in the current round
	var deadline time.Duration
	for {
		c.mu.Lock()
		if c.closed && !c.flushOnClose {
			c.mu.Unlock()
			c.finishClose()
			return false
		}
		z := c.z
		if z != nil && z.rawLeft == 0 {
			// The plain part is out: the rest is an S2 stream.
			c.mu.Unlock()
			return c.flushCompressed(z)
		}
		pending := c.out.Len()
		if pending == 0 {
			closed := c.closed
			c.mu.Unlock()
			if closed {
				c.finishClose()
				return false
			}
			return true
		}
		c.wbufs = c.out.Peek(c.wbufs[:0], maxWriteChunks)
		if z != nil {
			c.wbufs = truncateChunks(c.wbufs, z.rawLeft)
		}
		newRound := round <= 0
		if newRound {
			round = int64(pending)
			c.outRound = round
		}
		c.mu.Unlock()

		if newRound {
			deadline = c.srv.getOpts().WriteDeadline
			if c.kind == kindRoute {
				deadline *= routeWriteDeadlineFactor
			}
			c.conn.SetWriteDeadline(time.Now().Add(deadline))
		}
		n, err := c.writeChunks()
		clear(c.wbufs) // no references to chunks back in the pool
		round -= n

		c.mu.Lock()
		c.out.Consume(int(n))
		if c.z != nil {
			c.z.rawLeft = max(c.z.rawLeft-int(n), 0)
		}
		if err != nil && n > 0 && c.kind == kindRoute && !c.closed && errors.Is(err, os.ErrDeadlineExceeded) {
			// A route that makes progress is busy, not stalled: go on
			// with a new deadline.
			c.srv.log.Debugf("%s - Route write deadline exceeded with progress, %d bytes left", c.logPrefix(), c.out.Len())
			err, round = nil, 0
		}
		c.outRound = max(round, 0)
		c.noteWriteActivity()
		c.mu.Unlock()
		if c.route != nil {
			select {
			case c.route.drained <- struct{}{}:
			default:
			}
		}
		if err != nil {
			c.writeFailed(err, deadline, pending)
			return false
		}
	}
}

// truncateChunks keeps the first n bytes of bufs.
func truncateChunks(bufs [][]byte, n int) [][]byte {
	for i, b := range bufs {
		if len(b) >= n {
			bufs[i] = b[:n]
			clear(bufs[i+1:])
			return bufs[:i+1]
		}
		n -= len(b)
	}
	return bufs
}

// writeFailed closes the connection after a failed write, as a slow
// consumer when the write deadline passed.
func (c *client) writeFailed(err error, deadline time.Duration, pending int) {
	if errors.Is(err, os.ErrDeadlineExceeded) {
		logger.Notice(c.srv.log, logger.Record{Conn: c.logPrefix(), Msg: "Slow Consumer Detected: WriteDeadline exceeded",
			Text:   "Slow Consumer Detected: WriteDeadline of %v exceeded with %d pending bytes",
			Fields: []logger.Field{logger.F("write_deadline", deadline), logger.F("pending_bytes", pending)}})
		c.closeConnection(SlowConsumerWriteDeadline, false)
	} else {
		c.closeConnection(WriteError, false)
	}
	c.finishClose()
}

// inlineMax is the most output writeInline writes without a writer.
const inlineMax = outq.SmallSize

// inlineChunks is the most chunks writeInline hands to one write: output of
// at most inlineMax bytes spans two at most (a small chunk that filled up
// and the start of the next one).
const inlineChunks = 2

// writeInline flushes a connection's small output from the goroutine that
// produced it: its own reader (a reply to its request, the INFO, a PONG,
// an +OK), the ping timer, or the reader of another connection that
// delivered to it (a request to a responder, the reply to the requester,
// a message to a quiet subscriber). When the socket is free (no flush in
// progress) and the output is small, the caller writes it itself with one
// non-blocking vectored write: that saves the hand-off to the writer
// goroutine (a wake-up, often of another thread, and a context switch:
// the larger part of a request-reply round trip's server cost and
// latency) and, on a connection that does its handshake and then idles
// answering pings (most of a large fleet), a writer goroutine whose stack
// and timer would outlive the output by writerIdleExit.
//
// The write never waits for the socket: whatever the kernel does not take
// at once (a full socket buffer, an error) stays queued for the writer
// goroutine, which waits, applies the write deadline and reports errors.
// So a slow subscriber never slows the reader that delivers to it, and
// under load, when output exceeds inlineMax or a writer is already busy
// with the socket, the writer coalesces it as before. A WebSocket, TLS,
// route or leaf connection always goes to signalFlush.
func (c *client) writeInline() {
	if c.raw == nil || !c.writing.CompareAndSwap(false, true) {
		c.signalFlush()
		return
	}
	c.mu.Lock()
	pending := c.out.Len()
	if c.closed || pending == 0 || pending > inlineMax {
		c.mu.Unlock()
		c.releaseWriter()
		return
	}
	var some [inlineChunks][]byte
	bufs := c.out.Peek(some[:0], inlineChunks)
	c.outRound = int64(pending)
	c.mu.Unlock()
	n := c.writeNoWait(bufs)
	clear(some[:])
	c.mu.Lock()
	c.out.Consume(n)
	c.outRound = 0
	c.noteWriteActivity()
	c.out.Trim() // the list goes back to the queue's own storage: no allocation next time
	c.mu.Unlock()
	c.releaseWriter()
}

// writeNoWait writes bufs to the socket in one writev that does not wait
// for room, and returns how much the kernel took (0 on any error: the
// writer goroutine meets it again and closes the connection). It needs
// the right to write (c.writing).
func (c *client) writeNoWait(bufs [][]byte) int {
	for i, b := range bufs {
		c.iov[i] = syscall.Iovec{Base: &b[0]}
		c.iov[i].SetLen(len(b))
	}
	c.niov, c.nwritten = len(bufs), 0
	err := c.raw.Write(c.rawWritev)
	if err != nil && errors.Is(err, os.ErrDeadlineExceeded) {
		// The deadline of the writer goroutine's last round, long
		// over: the write would fail on it until the writer set a new
		// one. No round is running (the right to write is ours) and
		// every round sets its own, so clear it and write.
		c.conn.SetWriteDeadline(time.Time{})
		c.nwritten = 0
		err = c.raw.Write(c.rawWritev)
	}
	clear(c.iov[:]) // no references to chunks back in the pool
	if err != nil {
		return 0
	}
	return c.nwritten
}

// writevOnce is c.rawWritev, the callback of writeNoWait's raw write: one
// writev of c.iov[:c.niov], done whatever the outcome (returning true
// tells the runtime not to wait for the socket to become writable).
//
// It is a raw system call: the socket is non-blocking, so the call never
// waits, and the runtime's ordinary entry (entersyscall) would wake its
// monitor thread (sysmon), asleep whenever the server was idle, once per
// request: a futex wake-up and a few of its sleeps that a server answering
// one request at a time pays for every message.
func (c *client) writevOnce(fd uintptr) bool {
	for {
		n, _, errno := syscall.RawSyscall(syscall.SYS_WRITEV, fd, uintptr(unsafe.Pointer(&c.iov[0])), uintptr(c.niov))
		if errno == syscall.EINTR {
			continue
		}
		if errno == 0 {
			c.nwritten = int(n)
		}
		return true
	}
}

// setRawConn enables writeInline for a plain TCP client connection; called
// before the reader starts, once c.conn is final.
func (c *client) setRawConn() {
	tcp, ok := c.conn.(*net.TCPConn)
	if !ok || c.kind != kindClient || c.ws != nil {
		return
	}
	raw, err := tcp.SyscallConn()
	if err != nil {
		return
	}
	c.raw = raw
	c.rawWritev = c.writevOnce // one closure per connection, not per write
	c.rawr = &rawReader{}
	c.rawr.fn = c.rawr.read
}

// releaseWriter gives the right to write back after writeInline, and
// wakes a writer for whatever arrived meanwhile (a writer that was woken
// while the right was held skipped its flush) or was left unwritten.
func (c *client) releaseWriter() {
	c.writing.Store(false)
	c.mu.Lock()
	need := c.out.Len() > 0 || c.closed
	c.mu.Unlock()
	if need {
		c.signalFlush()
	}
}

// buffersWriter is a connection that writes several buffers at once
// itself (websocket.Conn), which net.Buffers.WriteTo cannot know of.
type buffersWriter interface {
	WriteBuffers(bufs [][]byte) (int64, error)
}

// tlsRecord is the most a TLS record carries: below it, writing one piece
// instead of several saves records and system calls.
const tlsRecord = 16 << 10

// writeChunks writes c.wbufs. A TCP socket takes them in one writev. A
// TLS connection has no vectored write and writes each chunk as at least
// one record and one system call, so pieces that fit in one record are
// first gathered into one (a small first chunk and the start of the next
// one, typically); larger chunks already fill records.
func (c *client) writeChunks() (int64, error) {
	// A WebSocket connection frames all the chunks and writes them in one
	// vectored write of its own.
	if bw, ok := c.conn.(buffersWriter); ok {
		return bw.WriteBuffers(c.wbufs)
	}
	if _, vectored := c.conn.(*net.TCPConn); !vectored && len(c.wbufs) > 1 {
		total := 0
		for _, b := range c.wbufs {
			total += len(b)
		}
		if total <= tlsRecord {
			if c.wgather == nil {
				c.wgather = make([]byte, 0, tlsRecord)
			}
			g := c.wgather[:0]
			for _, b := range c.wbufs {
				g = append(g, b...)
			}
			n, err := c.conn.Write(g)
			return int64(n), err
		}
	}
	// WriteTo consumes c.wvec (a field: a local would escape through the
	// interface call, one allocation per write).
	c.wvec = c.wbufs
	return c.wvec.WriteTo(c.conn)
}

// finishClose closes the socket (which also ends the reader) and releases
// the pending output.
func (c *client) finishClose() {
	if c.kind == kindRoute {
		c.routeLinger()
	}
	c.conn.Close()
	c.mu.Lock()
	large := c.out.Len() >= collectAfter
	c.out.Reset()
	c.outRound = 0
	c.mu.Unlock()
	c.wbufs, c.wvec, c.wgather = nil, nil, nil
	if large {
		collectSoon()
	}
}

// collectAfter is the backlog whose release is worth a garbage collection:
// a slow consumer cut off at max_pending leaves tens of MiB that the
// runtime would otherwise only collect (and give back to the OS) once the
// heap grew to twice its peak, possibly minutes later.
const collectAfter = 8 << 20

// lastCollect is when collectSoon last started a collection (UnixNano).
var lastCollect atomic.Int64

// collectSoon starts a garbage collection in the background, at most one
// a second: it blocks nobody (the message path does not allocate), and the
// runtime's scavenger then returns the freed memory to the OS.
func collectSoon() {
	now := time.Now().UnixNano()
	last := lastCollect.Load()
	if now-last < int64(time.Second) || !lastCollect.CompareAndSwap(last, now) {
		return
	}
	go runtime.GC()
}
