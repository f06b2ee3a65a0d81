package store

import (
	"bytes"
	"errors"
	"os"
	"testing"
)

func TestEncryptionAtRest(t *testing.T) {
	for _, c := range []Cipher{AES256GCM, ChaCha20Poly1305} {
		dir := t.TempDir()
		fc := FileConfig{Dir: dir, BlockSize: 4096, Cipher: c, Key: []byte("secret")}
		s, _, err := OpenFileStore(fc, Config{Compression: S2Compression})
		if err != nil {
			t.Fatal(err)
		}
		payload := bytes.Repeat([]byte("plaintext-payload "), 20)
		for i := 0; i < 30; i++ {
			if _, err := s.StoreMsg("private.subject", []byte("NATS/1.0\r\nSecret-Header: 1\r\n\r\n"), payload, int64(i), 0); err != nil {
				t.Fatal(err)
			}
		}
		s.EraseMsg(3)
		s.Stop()
		for _, p := range blocks(t, dir) {
			data, _ := os.ReadFile(p)
			for _, needle := range []string{"plaintext-payload", "private.subject", "Secret-Header"} {
				if bytes.Contains(data, []byte(needle)) {
					t.Fatalf("cipher %d: %s holds %q in the clear", c, p, needle)
				}
			}
		}
		before := snapshotFiles(t, dir)
		// Without the key, or with another, the store does not open and
		// nothing on disk changes.
		if _, _, err := OpenFileStore(FileConfig{Dir: dir, BlockSize: 4096}, Config{}); !errors.Is(err, ErrNoKey) {
			t.Fatalf("open without key: %v", err)
		}
		wrong := fc
		wrong.Key = []byte("other")
		if _, _, err := OpenFileStore(wrong, Config{}); !errors.Is(err, ErrWrongKey) {
			t.Fatalf("open with another key: %v", err)
		}
		if after := snapshotFiles(t, dir); !bytes.Equal(before, after) {
			t.Fatal("a refused open changed the files")
		}
		s, rec, err := OpenFileStore(fc, Config{Compression: S2Compression})
		if err != nil || len(rec.Dropped) != 0 || rec.Msgs != 29 {
			t.Fatalf("reopen: %+v %v", rec, err)
		}
		m, err := s.LoadLastMsg("private.subject", nil)
		if err != nil || !bytes.Equal(m.Msg, payload) || m.Seq != 30 {
			t.Fatalf("load: %v %v", m, err)
		}
		if err := s.Check(); err != nil {
			t.Fatal(err)
		}
		s.Stop()
	}
}

// A store written in the clear keeps working once encryption is turned on:
// old blocks stay readable, new ones are encrypted.
func TestEncryptionTurnedOn(t *testing.T) {
	dir := t.TempDir()
	s, _, _ := OpenFileStore(FileConfig{Dir: dir, BlockSize: 1024}, Config{})
	for i := 0; i < 20; i++ {
		s.StoreMsg("clear", nil, []byte("old message in the clear"), int64(i), 0)
	}
	s.Stop()
	fc := FileConfig{Dir: dir, BlockSize: 1024, Cipher: AES256GCM, Key: []byte("k")}
	s, _, err := OpenFileStore(fc, Config{})
	if err != nil {
		t.Fatal(err)
	}
	for i := 0; i < 20; i++ {
		s.StoreMsg("sealed", nil, []byte("new message sealed"), int64(i), 0)
	}
	if err := s.Check(); err != nil {
		t.Fatal(err)
	}
	s.Stop()
	s, _, err = OpenFileStore(fc, Config{})
	if err != nil {
		t.Fatal(err)
	}
	defer s.Stop()
	if st := s.State(); st.Msgs != 40 {
		t.Fatalf("state %+v", st)
	}
	for _, subj := range []string{"clear", "sealed"} {
		if _, err := s.LoadLastMsg(subj, nil); err != nil {
			t.Fatalf("%s: %v", subj, err)
		}
	}
	if err := s.Check(); err != nil {
		t.Fatal(err)
	}
}

// snapshotFiles concatenates the names and contents of dir's files.
func snapshotFiles(t *testing.T, dir string) []byte {
	t.Helper()
	var out []byte
	ents, _ := os.ReadDir(dir)
	for _, e := range ents {
		b, _ := os.ReadFile(dir + "/" + e.Name())
		out = append(append(out, e.Name()...), b...)
	}
	return out
}
