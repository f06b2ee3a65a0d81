package store

import (
	"errors"
	"fmt"
	"os"
	"sync"
	"testing"
)

func TestSyncAlways(t *testing.T) {
	dir := t.TempDir()
	fc := FileConfig{Dir: dir, BlockSize: 512, SyncAlways: true}
	s, _, err := OpenFileStore(fc, Config{})
	if err != nil {
		t.Fatal(err)
	}
	for i := 1; i <= 30; i++ {
		if _, err := s.StoreMsg(fmt.Sprintf("s.%d", i%3), nil, make([]byte, 40), int64(i), 0); err != nil {
			t.Fatal(err)
		}
	}
	s.RemoveMsg(5)
	s.PurgeEx("s.1", 0, 0)
	s.Compact(8)
	if err := s.Sync(); err != nil {
		t.Fatal(err)
	}
	if err := s.Check(); err != nil {
		t.Fatal(err)
	}
	want := s.State()
	s.Stop()
	s, rec, err := OpenFileStore(fc, Config{})
	if err != nil || len(rec.Dropped) != 0 {
		t.Fatalf("reopen: %v %v", rec, err)
	}
	defer s.Stop()
	if got := s.State(); fmt.Sprint(got) != fmt.Sprint(want) {
		t.Fatalf("state %+v, want %+v", got, want)
	}
}

// TestConcurrentUse runs a writer against readers (under -race in CI).
func TestConcurrentUse(t *testing.T) {
	for _, k := range []kind{kindMem, kindFile} {
		t.Run(string(k), func(t *testing.T) {
			h := newHarness(t, k, Config{MaxMsgs: 200})
			var wg sync.WaitGroup
			stop := make(chan struct{})
			for r := 0; r < 3; r++ {
				wg.Add(1)
				go func() {
					defer wg.Done()
					var sm StoreMsg
					for {
						select {
						case <-stop:
							return
						default:
						}
						var st State
						h.s.FastState(&st)
						if _, err := h.s.LoadMsg(st.FirstSeq+1, &sm); err != nil && !errors.Is(err, ErrMsgNotFound) && !errors.Is(err, ErrStoreEOF) {
							t.Errorf("load: %v", err)
							return
						}
						h.s.LoadLastMsg("c.*", &sm)
						h.s.NumPending(st.FirstSeq, "c.>", false)
					}
				}()
			}
			for i := 0; i < 2000; i++ {
				if _, err := h.s.StoreMsg(fmt.Sprintf("c.%d", i%10), nil, []byte("concurrent"), int64(i), 0); err != nil {
					t.Fatal(err)
				}
				if i%100 == 0 {
					h.s.RemoveMsg(uint64(i - 50))
				}
			}
			close(stop)
			wg.Wait()
			h.check()
		})
	}
}

func TestClosedAndDeleted(t *testing.T) {
	for _, k := range []kind{kindMem, kindFile} {
		t.Run(string(k), func(t *testing.T) {
			h := newHarness(t, k, Config{})
			h.store("a", "b", 1)
			h.s.Stop()
			if _, err := h.s.StoreMsg("a", nil, nil, 2, 0); !errors.Is(err, ErrStoreClosed) {
				t.Fatalf("store after stop: %v", err)
			}
			if _, err := h.s.LoadMsg(1, nil); !errors.Is(err, ErrStoreClosed) {
				t.Fatalf("load after stop: %v", err)
			}
			if err := h.s.Delete(); err != nil {
				t.Fatal(err)
			}
			if k == kindFile {
				if _, err := os.Stat(h.fcfg.Dir); !os.IsNotExist(err) {
					t.Fatalf("store dir after delete: %v", err)
				}
				h.open() // a new, empty store for the cleanup's Stop
				if st := h.s.State(); st.Msgs != 0 || st.LastSeq != 0 {
					t.Fatalf("reopened after delete: %+v", st)
				}
			}
		})
	}
}

// An unwritable directory is an error at open, not a panic.
func TestOpenUnwritable(t *testing.T) {
	file := t.TempDir() + "/file"
	os.WriteFile(file, []byte("x"), 0o600)
	if _, _, err := OpenFileStore(FileConfig{Dir: file}, Config{}); err == nil {
		t.Fatal("open on a regular file succeeded")
	}
	if os.Getuid() == 0 {
		t.Skip("root can write anywhere")
	}
	dir := t.TempDir()
	os.Chmod(dir, 0o500)
	defer os.Chmod(dir, 0o700)
	if _, _, err := OpenFileStore(FileConfig{Dir: dir + "/sub"}, Config{}); err == nil {
		t.Fatal("open in an unwritable dir succeeded")
	}
	if _, _, err := OpenFileStore(FileConfig{Dir: dir}, Config{}); err == nil {
		t.Fatal("open of an unwritable dir succeeded")
	}
}

// Limits lowered while a store was closed hold as soon as it opens.
func TestOpenEnforcesLimits(t *testing.T) {
	dir := t.TempDir()
	s, _, _ := OpenFileStore(FileConfig{Dir: dir}, Config{})
	for i := 0; i < 10; i++ {
		s.StoreMsg("l", nil, []byte("m"), int64(i), 0)
	}
	s.Stop()
	s, rec, err := OpenFileStore(FileConfig{Dir: dir}, Config{MaxMsgs: 4})
	if err != nil || rec.Msgs != 4 {
		t.Fatalf("open: %+v %v", rec, err)
	}
	defer s.Stop()
	if st := s.State(); st.FirstSeq != 7 || st.Msgs != 4 {
		t.Fatalf("state %+v", st)
	}
	if err := s.Check(); err != nil {
		t.Fatal(err)
	}
}
