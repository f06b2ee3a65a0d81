package store

import (
	"os"
	"runtime"
	"syscall"
	"time"
	"unsafe"
)

// Small writes to a block file (a batch of records, a deleted flag) are
// made with a raw pwrite(2) (syscall.RawSyscall6), not os.File.WriteAt.
//
// Why: Go's usual system call entry wakes the runtime's monitor thread
// (sysmon) whenever it slept because the process was idle, and a server
// storing one message per request (a KV put awaited by its client) goes
// idle between requests: every put paid that wake-up and the monitor's
// short sleeps after it, about a sixth of the server's CPU per put
// (measured with perf). A write of a few hundred bytes into the page cache
// returns in microseconds, as long as the kernel does not throttle the
// writer (too much dirty memory): a raw call holds its P meanwhile, and a
// stop-the-world pause waits for it. So a raw write that took longer than
// rawSlow turns raw writes off for rawOff, and big writes never use one.
// Durability is the same either way: the same pwrite(2) reaches the page
// cache before the call returns.
const (
	rawWriteMax = 64 << 10
	rawSlow     = time.Millisecond
	rawOff      = 10 * time.Second
)

// pwrite writes all of p at off in f (fs.mu is held, so f stays open).
func (fs *fileStore) pwrite(f *os.File, p []byte, off int64) (int, error) {
	if len(p) == 0 || len(p) > rawWriteMax || !fs.rawOffUntil.IsZero() && time.Now().Before(fs.rawOffUntil) {
		return f.WriteAt(p, off)
	}
	fd := f.Fd() // a regular file: Fd changes nothing about it
	start := time.Now()
	done := 0
	for done < len(p) {
		n, _, e := syscall.RawSyscall6(syscall.SYS_PWRITE64, fd, uintptr(unsafe.Pointer(&p[done])), uintptr(len(p)-done), uintptr(off+int64(done)), 0, 0)
		if e == syscall.EINTR {
			continue
		}
		if e != 0 {
			runtime.KeepAlive(f)
			return done, &os.PathError{Op: "write", Path: f.Name(), Err: e}
		}
		if n == 0 {
			runtime.KeepAlive(f)
			return done, &os.PathError{Op: "write", Path: f.Name(), Err: syscall.EIO}
		}
		done += int(n)
	}
	runtime.KeepAlive(f)
	if time.Since(start) > rawSlow {
		fs.rawOffUntil = time.Now().Add(rawOff)
	}
	return done, nil
}
