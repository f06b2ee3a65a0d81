package store

import (
	"bytes"
	"errors"
	"os"
	"path/filepath"
	"syscall"
	"testing"
	"time"
)

// TestPwrite: pwrite writes at the offset it is given whichever way it
// takes (a raw call, os.File after a slow one, os.File for a big write)
// and reports a failed write as os.File does.
func TestPwrite(t *testing.T) {
	path := filepath.Join(t.TempDir(), "f")
	f, err := os.Create(path)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	fs := &fileStore{}
	want := []byte{}
	put := func(p []byte, off int) {
		t.Helper()
		n, err := fs.pwrite(f, p, int64(off))
		if err != nil || n != len(p) {
			t.Fatalf("pwrite %d bytes at %d: %d, %v", len(p), off, n, err)
		}
		if end := off + len(p); end > len(want) {
			want = append(want, make([]byte, end-len(want))...)
		}
		copy(want[off:], p)
		got, err := os.ReadFile(path)
		if err != nil || !bytes.Equal(got, want) {
			t.Fatalf("after pwrite at %d: file differs (%d bytes, want %d), %v", off, len(got), len(want), err)
		}
	}
	put([]byte("hello"), 3)                          // raw
	put([]byte("XY"), 0)                             // raw, before the end
	put(bytes.Repeat([]byte("b"), rawWriteMax+1), 8) // big: os.File
	fs.rawOffUntil = time.Now().Add(time.Hour)       // as after a slow raw write
	put([]byte("after a slow one"), 100)             // os.File
	fs.rawOffUntil = time.Time{}
	put(nil, 5)

	ro, err := os.Open(path)
	if err != nil {
		t.Fatal(err)
	}
	defer ro.Close()
	_, err = fs.pwrite(ro, []byte("z"), 0)
	var pe *os.PathError
	if !errors.As(err, &pe) || pe.Op != "write" || !errors.Is(err, syscall.EBADF) {
		t.Fatalf("pwrite to a read-only file: %v, want a write PathError with EBADF", err)
	}
}
