package server

import (
	"io"
	"os"
	"syscall"
	"unsafe"
)

// rawReader reads a plain TCP client connection with raw read(2) calls
// (syscall.RawSyscall) through the socket's syscall.RawConn (c.raw, set by
// setRawConn), so the runtime's poller still waits when there is nothing
// to read, and read deadlines and Close behave as with net.Conn.
//
// Why: the socket is non-blocking, so read(2) never blocks, yet Go's
// ordinary system call entry (entersyscall) wakes the runtime's monitor
// thread (sysmon) whenever it went to sleep because every P was idle. A
// server answering one request at a time (a KV get or put, a
// request-reply) goes idle between requests, so every request paid a
// futex wake-up of sysmon and a few of its 20 µs sleeps: about a fifth of
// the server's CPU per operation, measured with perf. A raw call skips
// entersyscall; holding the P for the few microseconds a non-blocking call
// takes is what entersyscall's fast path does anyway. writeInline's
// non-blocking writev is raw for the same reason (client_write.go).
//
// Only the connection's reader uses it.
type rawReader struct {
	p     []byte
	n     int
	errno syscall.Errno
	fn    func(fd uintptr) bool // r.read, built once so a read allocates nothing
}

// read is the RawConn.Read callback: one read(2), false to wait for input.
func (r *rawReader) read(fd uintptr) bool {
	for {
		n, _, e := syscall.RawSyscall(syscall.SYS_READ, fd, uintptr(unsafe.Pointer(unsafe.SliceData(r.p))), uintptr(len(r.p)))
		switch e {
		case syscall.EINTR:
			continue
		case syscall.EAGAIN:
			return false
		}
		r.n, r.errno = int(n), e
		return true
	}
}

// readRaw reads into b as net.Conn's Read does: it waits for input under
// the read deadline and returns io.EOF at the end of the stream.
func (c *client) readRaw(b []byte) (int, error) {
	if len(b) == 0 {
		return 0, nil
	}
	r := c.rawr
	r.p, r.n, r.errno = b, 0, 0
	err := c.raw.Read(r.fn)
	r.p = nil
	switch {
	case err != nil:
		return 0, err
	case r.errno != 0:
		return 0, os.NewSyscallError("read", r.errno)
	case r.n == 0:
		return 0, io.EOF
	}
	return r.n, nil
}
