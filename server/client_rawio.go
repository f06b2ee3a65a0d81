package server

import (
	"errors"
	"io"
	"net"
	"os"
	"syscall"
	"unsafe"
)

// rawIO reads and writes a plain TCP client connection with raw system
// calls (syscall.RawSyscall) through the socket's syscall.RawConn, so the
// runtime's poller still waits when the socket has nothing to read or no
// room to write, and deadlines and Close behave as with net.Conn.
//
// Why: the socket is non-blocking, so read(2) and write(2) on it never
// block, yet Go's ordinary system call entry (entersyscall) wakes the
// runtime's monitor thread (sysmon) whenever it has gone to sleep because
// every P was idle. A server answering one request at a time (a KV get or
// put, a request-reply) goes idle between requests, so every request paid
// a futex wake-up of sysmon and then a few of its 20 µs sleeps before it
// slept again: about a fifth of the server's CPU per operation, measured
// with perf. A raw call skips entersyscall; holding the P for the few
// microseconds a non-blocking call takes is what entersyscall's fast path
// does anyway (sysmon only retakes a P after 20 µs).
//
// A rawIO is used by one reader (Read) and one writer at a time (Write,
// under the client's writing flag); their state is separate.
type rawIO struct {
	rc syscall.RawConn
	r  rawOp
	w  rawOp
}

// rawOp is one direction's call in progress. fn is built once, so a call
// allocates nothing.
type rawOp struct {
	p     []byte
	n     int
	errno syscall.Errno
	wait  bool // false: report EAGAIN instead of waiting (wouldBlock)
	block bool // the last call found the socket not ready
	fn    func(fd uintptr) bool
}

func newRawIO(tc *net.TCPConn) *rawIO {
	rc, err := tc.SyscallConn()
	if err != nil {
		return nil
	}
	io := &rawIO{rc: rc}
	io.r.fn = io.r.read
	io.w.fn = io.w.write
	return io
}

// read is the RawConn.Read callback: one read(2), false to wait for input.
func (o *rawOp) read(fd uintptr) bool {
	for {
		n, _, e := syscall.RawSyscall(syscall.SYS_READ, fd, uintptr(unsafe.Pointer(unsafe.SliceData(o.p))), uintptr(len(o.p)))
		switch e {
		case syscall.EINTR:
			continue
		case syscall.EAGAIN:
			return false
		}
		o.n, o.errno = int(n), e
		return true
	}
}

// write is the RawConn.Write callback: write(2) until o.p is out; false
// to wait for room (or, without o.wait, to report that it would block).
func (o *rawOp) write(fd uintptr) bool {
	for len(o.p) > 0 {
		n, _, e := syscall.RawSyscall(syscall.SYS_WRITE, fd, uintptr(unsafe.Pointer(unsafe.SliceData(o.p))), uintptr(len(o.p)))
		switch e {
		case 0:
			o.n += int(n)
			o.p = o.p[n:]
		case syscall.EINTR:
		case syscall.EAGAIN:
			if !o.wait {
				o.block = true
				return true
			}
			return false
		default:
			o.errno = e
			return true
		}
	}
	return true
}

// Read reads into p as net.Conn's Read does: waits for input under the
// read deadline, io.EOF at the end.
func (r *rawIO) Read(p []byte) (int, error) {
	if len(p) == 0 {
		return 0, nil
	}
	o := &r.r
	o.p = p
	err := r.rc.Read(o.fn)
	o.p = nil
	switch {
	case err != nil:
		return 0, err
	case o.errno != 0:
		return 0, os.NewSyscallError("read", o.errno)
	case o.n == 0:
		return 0, io.EOF
	}
	return o.n, nil
}

// Write writes all of p. A socket that takes it at once costs no
// deadline; one that has no room gets setDeadline called before the wait.
func (r *rawIO) Write(p []byte, setDeadline func()) (int, error) {
	o := &r.w
	o.p, o.n, o.errno, o.wait, o.block = p, 0, 0, false, false
	err := r.rc.Write(o.fn)
	if err == nil && o.errno == 0 && !o.block {
		return o.n, nil
	}
	if err != nil && !errors.Is(err, os.ErrDeadlineExceeded) {
		o.p = nil
		return o.n, err
	}
	// No room, or a deadline left over from an earlier write: wait
	// under a fresh deadline.
	if o.errno == 0 {
		setDeadline()
		o.wait = true
		err = r.rc.Write(o.fn)
	}
	o.p = nil
	if err == nil && o.errno != 0 {
		err = os.NewSyscallError("write", o.errno)
	}
	return o.n, err
}

// useRawIO gives a plain TCP client connection its rawIO; it runs before
// the connection's reader, writer and timers start.
func (c *client) useRawIO() {
	if tc, ok := c.conn.(*net.TCPConn); ok && c.kind == kindClient && c.ws == nil {
		c.rawio = newRawIO(tc)
	}
}
