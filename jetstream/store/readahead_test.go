package store

import (
	"fmt"
	"testing"
)

// TestFileReadAhead: loading a file store in order through the read-ahead
// window gives every message as stored, big ones (read alone) included;
// after Truncate a sequence stored again at the same place reads back
// new, and removed messages stay gone.
func TestFileReadAhead(t *testing.T) {
	for _, defer_ := range []bool{false, true} {
		s, _, err := OpenFileStore(FileConfig{Dir: t.TempDir(), DeferWrites: defer_}, Config{})
		if err != nil {
			t.Fatal(err)
		}
		body := func(i int) []byte {
			if i%97 == 0 {
				return make([]byte, 40<<10+i) // past a quarter of the window
			}
			return []byte(fmt.Sprintf("message %d", i))
		}
		const n = 3000
		for i := 1; i <= n; i++ {
			if _, err := s.StoreMsg(fmt.Sprintf("s.%d", i%5), nil, body(i), int64(i), 0); err != nil {
				t.Fatal(err)
			}
		}
		s.RemoveMsg(10)
		var sm StoreMsg
		seen := 0
		for seq := uint64(1); ; {
			m, err := s.LoadNextMsg(">", seq, &sm)
			if err != nil {
				break
			}
			if string(m.Msg) != string(body(int(m.Seq))) || m.Subject != fmt.Sprintf("s.%d", m.Seq%5) || m.Seq == 10 {
				t.Fatalf("seq %d: %q", m.Seq, m.Msg)
			}
			seen++
			seq = m.Seq + 1
		}
		if seen != n-1 {
			t.Fatalf("saw %d", seen)
		}
		if err := s.Truncate(n - 5); err != nil {
			t.Fatal(err)
		}
		s.StoreMsg("s.x", nil, []byte("replaced"), 1, 0)
		if m, err := s.LoadMsg(n-4, &sm); err != nil || string(m.Msg) != "replaced" {
			t.Fatalf("after truncate: %v %q", err, m.Msg)
		}
		s.Stop()
	}
}

// TestFileReadWindowsRandom: random loads over more data than the read
// windows hold, interleaved with new messages on the same subjects (the
// tail of the active block grows past windows read earlier), always give
// the latest message of a subject, with and without DeferWrites.
func TestFileReadWindowsRandom(t *testing.T) {
	for _, defer_ := range []bool{false, true} {
		s, _, err := OpenFileStore(FileConfig{Dir: t.TempDir(), DeferWrites: defer_, BlockSize: 256 << 10}, Config{})
		if err != nil {
			t.Fatal(err)
		}
		const keys = 3000 // about 1 MiB of records in four blocks: more than the windows
		latest := make([]string, keys)
		put := func(k, v int) {
			latest[k] = fmt.Sprintf("value %d of key %d %0300d", v, k, 0)
			if _, err := s.StoreMsg(fmt.Sprintf("kv.%d", k), nil, []byte(latest[k]), 1, 0); err != nil {
				t.Fatal(err)
			}
		}
		for k := 0; k < keys; k++ {
			put(k, 0)
		}
		var sm StoreMsg
		x := uint32(7)
		for i := 0; i < 20000; i++ {
			x = x*1664525 + 1013904223
			k := int(x>>8) % keys
			if i%10 == 0 {
				put(k, i)
			}
			m, err := s.LoadLastMsg(fmt.Sprintf("kv.%d", k), &sm)
			if err != nil || string(m.Msg) != latest[k] {
				t.Fatalf("defer %v, get %d of key %d: %v %.30q, want %.30q", defer_, i, k, err, m.Msg, latest[k])
			}
		}
		s.Stop()
	}
}
