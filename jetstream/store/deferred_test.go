package store

import (
	"errors"
	"os"
	"path/filepath"
	"testing"
)

// TestDeferWrites: records wait in memory until Flush (a copy of the
// directory taken before the flush recovers none of them, one taken after
// recovers all), reads and removals in between see them, and a failed
// write sticks so that nothing unwritten is ever reported as stored.
func TestDeferWrites(t *testing.T) {
	dir := t.TempDir()
	s, _, err := OpenFileStore(FileConfig{Dir: dir, DeferWrites: true}, Config{MaxMsgs: 8})
	if err != nil {
		t.Fatal(err)
	}
	for i := 0; i < 10; i++ {
		if _, err := s.StoreMsg("a", nil, []byte("x"), int64(i+1), 0); err != nil {
			t.Fatal(err)
		}
	}
	snapshot := func() Store {
		t.Helper()
		cp := t.TempDir()
		ents, _ := os.ReadDir(dir)
		for _, e := range ents {
			b, _ := os.ReadFile(filepath.Join(dir, e.Name()))
			os.WriteFile(filepath.Join(cp, e.Name()), b, 0o600)
		}
		c, _, err := OpenFileStore(FileConfig{Dir: cp}, Config{})
		if err != nil {
			t.Fatal(err)
		}
		t.Cleanup(func() { c.Stop() })
		return c
	}
	var st State
	if snapshot().FastState(&st); st.Msgs != 0 {
		t.Fatalf("before Flush the disk holds %d messages", st.Msgs)
	}
	if err := s.Flush(); err != nil {
		t.Fatal(err)
	}
	if snapshot().FastState(&st); st.Msgs != 8 || st.FirstSeq != 3 || st.LastSeq != 10 {
		t.Fatalf("after Flush: %+v", st)
	}
	// A load writes what waits before it reads.
	s.StoreMsg("b", nil, []byte("y"), 20, 0)
	if sm, err := s.LoadLastMsg("b", nil); err != nil || string(sm.Msg) != "y" {
		t.Fatalf("load of a deferred record: %v %v", sm, err)
	}
	if err := s.Check(); err != nil {
		t.Fatal(err)
	}
	// A write that fails sticks.
	fs := s.(*fileStore)
	s.StoreMsg("c", nil, []byte("z"), 21, 0)
	fs.mu.Lock()
	fs.active.f.Close() // the next write fails
	fs.mu.Unlock()
	if err := s.Flush(); err == nil {
		t.Fatal("flush into a closed file succeeded")
	}
	if _, err := s.StoreMsg("c", nil, nil, 22, 0); err == nil {
		t.Fatal("store after a failed flush succeeded")
	}
	if err := s.Flush(); err == nil || errors.Is(err, ErrStoreClosed) {
		t.Fatalf("the error does not stick: %v", err)
	}
}
