package store

import (
	"os"
	"path/filepath"
	"testing"
)

// FuzzDecodeRecord feeds arbitrary bytes to the record decoder: it must
// never panic, and a record it accepts must lie inside its input and
// decode its body.
func FuzzDecodeRecord(f *testing.F) {
	var e encoder
	h := blockHeader{baseSeq: 10, baseTs: 1000}
	f.Add(append([]byte(nil), e.encode(h, 0, 12, 2000, "foo.bar", []byte("NATS/1.0\r\n\r\n"), []byte("hello"), 0, false)...))
	f.Add(append([]byte(nil), e.encode(h, 0, 10, 0, "a", nil, make([]byte, 300), 5, true)...))
	f.Add(append([]byte(nil), e.encode(h, 0, 99, -5, "x.y.z", nil, nil, TTLNever, false)...))
	f.Add([]byte{})
	f.Add([]byte{12, 0, 0, 0, 0, 0, 0, 1, 'a', 0, 0, 0})
	ee := encoder{}
	ee.aead, _ = newAEAD(ChaCha20Poly1305, []byte("fuzz"))
	f.Add(append([]byte(nil), ee.encode(blockHeader{baseSeq: 10, baseTs: 1000, encrypted: true}, 0, 11, 1000, "enc", nil, []byte("sealed"), 0, false)...))
	f.Fuzz(func(t *testing.T, data []byte) {
		aead, _ := newAEAD(ChaCha20Poly1305, []byte("fuzz"))
		he := h
		he.encrypted = true
		_, _ = decodeRecord(data, he, 0, &decoder{aead: aead})
		r, err := decodeRecord(data, h, 0, nil)
		if err != nil {
			return
		}
		if r.length > len(data) || r.length < minRecordSize || r.seq < h.baseSeq || (len(r.subj) == 0 && r.flags&flErased == 0) {
			t.Fatalf("accepted a bad record: %+v", r)
		}
		if r.flags&flErased == 0 {
			if _, _, _, err := r.decodeBody(nil); err != nil {
				t.Fatalf("accepted record's body does not decode: %v", err)
			}
		}
	})
}

// FuzzRecoverBlock writes a valid record followed by arbitrary bytes as a
// block and opens the store: opening must succeed, keep the valid record
// and leave a store that passes its check.
func FuzzRecoverBlock(f *testing.F) {
	var e encoder
	h := blockHeader{baseSeq: 1, baseTs: 0}
	good := append([]byte(nil), e.encode(h, 0, 1, 5, "good", nil, []byte("kept"), 0, false)...)
	f.Add(append([]byte(nil), e.encode(h, 0, 2, 6, "two", nil, []byte("x"), 0, false)...))
	f.Add([]byte{0xff, 0, 0, 0})
	f.Add(append([]byte(nil), e.encode(h, 0, 1, 6, "dup", nil, []byte("x"), 0, false)...))
	f.Fuzz(func(t *testing.T, tail []byte) {
		dir := t.TempDir()
		data := append(append(h.encode(), good...), tail...)
		if err := os.WriteFile(filepath.Join(dir, "1.blk"), data, 0o640); err != nil {
			t.Fatal(err)
		}
		s, _, err := OpenFileStore(FileConfig{Dir: dir}, Config{})
		if err != nil {
			t.Fatalf("open: %v", err)
		}
		defer s.Stop()
		if err := s.Check(); err != nil {
			t.Fatalf("check: %v", err)
		}
		m, err := s.LoadMsg(1, nil)
		if err != nil || string(m.Msg) != "kept" {
			t.Fatalf("valid record lost: %v %v", m, err)
		}
		if _, err := s.StoreMsg("after", nil, []byte("y"), 7, 0); err != nil {
			t.Fatalf("store after recovery: %v", err)
		}
		if err := s.Check(); err != nil {
			t.Fatalf("check after store: %v", err)
		}
	})
}
