package store

import (
	"bytes"
	"errors"
	"fmt"
	"reflect"
	"testing"
	"time"
)

// kind names a store implementation under test.
type kind string

const (
	kindMem     kind = "mem"
	kindFile    kind = "file"
	kindFileEnc kind = "file-aes" // the file store encrypted at rest
)

// harness holds a store of one kind and can reopen it (file only), so the
// same test body runs against both implementations.
type harness struct {
	t    testing.TB
	kind kind
	cfg  Config
	fcfg FileConfig
	s    Store
}

func newHarness(t testing.TB, k kind, cfg Config) *harness {
	t.Helper()
	h := &harness{t: t, kind: k, cfg: cfg}
	if k == kindMem {
		h.s = NewMemStore(cfg)
	} else {
		h.fcfg = FileConfig{Dir: t.TempDir(), BlockSize: 1024}
		if k == kindFileEnc {
			h.fcfg.Cipher, h.fcfg.Key = AES256GCM, []byte("test key")
		}
		h.open()
	}
	t.Cleanup(func() { h.s.Stop() })
	return h
}

func (h *harness) open() Recovery {
	h.t.Helper()
	s, rec, err := OpenFileStore(h.fcfg, h.cfg)
	if err != nil {
		h.t.Fatalf("open: %v", err)
	}
	h.s = s
	return rec
}

// reopen stops and reopens a file store and checks that the state
// survived; a memory store stays as it is.
func (h *harness) reopen() {
	h.t.Helper()
	h.check()
	if h.kind == kindMem {
		return
	}
	before := h.s.State()
	h.cfg = h.s.Config()
	if err := h.s.Stop(); err != nil {
		h.t.Fatalf("stop: %v", err)
	}
	rec := h.open()
	if len(rec.Dropped) != 0 {
		h.t.Fatalf("clean reopen dropped %v", rec.Dropped)
	}
	if after := h.s.State(); !reflect.DeepEqual(before, after) {
		h.t.Fatalf("state changed over reopen:\nbefore %+v\nafter  %+v", before, after)
	}
	h.check()
}

func (h *harness) check() {
	h.t.Helper()
	if err := h.s.Check(); err != nil {
		h.t.Fatalf("check: %v", err)
	}
}

// store stores a message that must be accepted and returns its sequence.
func (h *harness) store(subj, msg string, ts int64) uint64 {
	h.t.Helper()
	seq, err := h.s.StoreMsg(subj, nil, []byte(msg), ts, 0)
	if err != nil {
		h.t.Fatalf("store %s: %v", subj, err)
	}
	return seq
}

// seqs lists the live sequences, in order.
func (h *harness) seqs() []uint64 {
	h.t.Helper()
	var out []uint64
	var sm StoreMsg
	for seq := uint64(0); ; seq++ {
		m, err := h.s.LoadNextMsg("", seq, &sm)
		if errors.Is(err, ErrStoreEOF) {
			return out
		}
		if err != nil {
			h.t.Fatalf("load next %d: %v", seq, err)
		}
		out = append(out, m.Seq)
		seq = m.Seq
	}
}

func eqSeqs(t testing.TB, what string, got []uint64, want ...uint64) {
	t.Helper()
	if len(got) == 0 && len(want) == 0 {
		return
	}
	if !reflect.DeepEqual(got, want) {
		t.Fatalf("%s: got %v, want %v", what, got, want)
	}
}

// both runs body against a memory and a file store.
func both(t *testing.T, cfg Config, body func(t *testing.T, h *harness)) {
	for _, k := range []kind{kindMem, kindFile, kindFileEnc} {
		t.Run(string(k), func(t *testing.T) {
			h := newHarness(t, k, cfg)
			body(t, h)
			h.reopen()
		})
	}
}

const sec = int64(time.Second)

func TestStoreAndLoad(t *testing.T) {
	both(t, Config{}, func(t *testing.T, h *harness) {
		hdr := []byte("NATS/1.0\r\nA: b\r\n\r\n")
		for i := 1; i <= 20; i++ {
			var hd []byte
			if i%2 == 0 {
				hd = hdr
			}
			seq, err := h.s.StoreMsg(fmt.Sprintf("foo.%d", i%3), hd, bytes.Repeat([]byte{byte(i)}, i*10), int64(i)*sec, 0)
			if err != nil || seq != uint64(i) {
				t.Fatalf("store %d: seq %d err %v", i, seq, err)
			}
		}
		h.reopen()
		var sm StoreMsg
		for i := 1; i <= 20; i++ {
			m, err := h.s.LoadMsg(uint64(i), &sm)
			if err != nil {
				t.Fatalf("load %d: %v", i, err)
			}
			if m.Subject != fmt.Sprintf("foo.%d", i%3) || m.Seq != uint64(i) || m.Ts != int64(i)*sec ||
				!bytes.Equal(m.Msg, bytes.Repeat([]byte{byte(i)}, i*10)) {
				t.Fatalf("load %d: got %q seq %d ts %d len %d", i, m.Subject, m.Seq, m.Ts, len(m.Msg))
			}
			if (i%2 == 0) != bytes.Equal(m.Hdr, hdr) || (i%2 != 0 && m.Hdr != nil) {
				t.Fatalf("load %d: header %q", i, m.Hdr)
			}
		}
		if _, err := h.s.LoadMsg(21, nil); !errors.Is(err, ErrStoreEOF) {
			t.Fatalf("load past end: %v", err)
		}
		if _, err := h.s.LoadMsg(0, nil); !errors.Is(err, ErrMsgNotFound) {
			t.Fatalf("load 0: %v", err)
		}
		st := h.s.State()
		if st.Msgs != 20 || st.FirstSeq != 1 || st.LastSeq != 20 || st.FirstTime != sec || st.LastTime != 20*sec || st.NumSubjects != 3 {
			t.Fatalf("state %+v", st)
		}
		var bytesWant uint64
		for i := 1; i <= 20; i++ {
			bytesWant += uint64(len("foo.0") + i*10 + 16)
			if i%2 == 0 {
				bytesWant += uint64(len(hdr))
			}
		}
		if st.Bytes != bytesWant {
			t.Fatalf("bytes %d, want %d", st.Bytes, bytesWant)
		}
	})
}

func TestBadInput(t *testing.T) {
	both(t, Config{MaxMsgSize: 10}, func(t *testing.T, h *harness) {
		for _, subj := range []string{"", "foo.*", "foo.>", "foo..bar", ".foo", "foo bar"} {
			if _, err := h.s.StoreMsg(subj, nil, nil, 0, 0); !errors.Is(err, ErrBadSubject) {
				t.Fatalf("subject %q: %v", subj, err)
			}
		}
		if _, err := h.s.StoreMsg("foo", []byte("12345"), []byte("123456"), 0, 0); !errors.Is(err, ErrMsgTooLarge) {
			t.Fatalf("too large: %v", err)
		}
		if _, err := h.s.StoreMsg("foo", nil, nil, 0, 5); !errors.Is(err, ErrMsgTTLDisabled) {
			t.Fatalf("ttl: %v", err)
		}
		if err := h.s.StoreRawMsg("foo", nil, nil, 0, 0, 0); !errors.Is(err, ErrSequenceMismatch) {
			t.Fatalf("raw at 0: %v", err)
		}
		if st := h.s.State(); st.Msgs != 0 || st.LastSeq != 0 || st.FirstSeq != 1 {
			t.Fatalf("state after refusals %+v", st)
		}
	})
}

func TestLoadLastAndNext(t *testing.T) {
	both(t, Config{}, func(t *testing.T, h *harness) {
		subjs := []string{"a.x", "b.y", "a.z", "b.y", "a.x", "c", "a.z.1"}
		for i, s := range subjs {
			h.store(s, "m", int64(i+1))
		}
		h.reopen()
		last := map[string]uint64{"a.x": 5, "b.y": 4, "a.z": 3, "c": 6, "a.*": 5, "a.>": 7, ">": 7, "": 7, "*.y": 4, "a.z.*": 7}
		for f, want := range last {
			m, err := h.s.LoadLastMsg(f, nil)
			if err != nil || m.Seq != want {
				t.Fatalf("last %q: %v %v, want %d", f, m, err, want)
			}
		}
		if _, err := h.s.LoadLastMsg("d", nil); !errors.Is(err, ErrMsgNotFound) {
			t.Fatalf("last of nothing: %v", err)
		}
		next := []struct {
			f     string
			start uint64
			want  uint64 // 0: EOF
		}{
			{"", 0, 1}, {"", 3, 3}, {"a.x", 2, 5}, {"a.*", 2, 3}, {"a.*", 6, 0}, {"a.>", 6, 7},
			{"b.y", 5, 0}, {"*.y", 1, 2}, {"c", 1, 6}, {"zz", 1, 0}, {"", 8, 0},
		}
		for _, c := range next {
			m, err := h.s.LoadNextMsg(c.f, c.start, nil)
			if c.want == 0 {
				if !errors.Is(err, ErrStoreEOF) {
					t.Fatalf("next %q from %d: %v %v, want EOF", c.f, c.start, m, err)
				}
				continue
			}
			if err != nil || m.Seq != c.want {
				t.Fatalf("next %q from %d: %v %v, want %d", c.f, c.start, m, err, c.want)
			}
		}
		// The last of a subject moves back when its last message goes.
		h.s.RemoveMsg(5)
		if m, err := h.s.LoadLastMsg("a.x", nil); err != nil || m.Seq != 1 {
			t.Fatalf("last a.x after remove: %v %v", m, err)
		}
		h.check()
	})
}

func TestRemoveAndErase(t *testing.T) {
	both(t, Config{}, func(t *testing.T, h *harness) {
		for i := 1; i <= 10; i++ {
			h.store("s."+fmt.Sprint(i%2), "secret-payload", int64(i))
		}
		for _, c := range []struct {
			seq   uint64
			erase bool
			ok    bool
		}{{1, false, true}, {1, false, false}, {5, true, true}, {6, false, true}, {99, false, false}, {2, true, true}} {
			var ok bool
			var err error
			if c.erase {
				ok, err = h.s.EraseMsg(c.seq)
			} else {
				ok, err = h.s.RemoveMsg(c.seq)
			}
			if err != nil || ok != c.ok {
				t.Fatalf("remove %d erase %v: %v %v", c.seq, c.erase, ok, err)
			}
			h.check()
		}
		st := h.s.State()
		if st.Msgs != 6 || st.FirstSeq != 3 || st.LastSeq != 10 || st.NumDeleted != 2 || !reflect.DeepEqual(st.Deleted, []uint64{5, 6}) {
			t.Fatalf("state %+v", st)
		}
		if _, err := h.s.LoadMsg(5, nil); !errors.Is(err, ErrMsgNotFound) {
			t.Fatalf("load erased: %v", err)
		}
		// Removing the last message keeps the last sequence.
		h.s.RemoveMsg(10)
		h.reopen()
		if st := h.s.State(); st.LastSeq != 10 || st.Msgs != 5 {
			t.Fatalf("after removing last: %+v", st)
		}
		if seq := h.store("s.0", "x", 11); seq != 11 {
			t.Fatalf("next seq %d", seq)
		}
	})
}

func TestFirstSeqAndRaw(t *testing.T) {
	both(t, Config{FirstSeq: 100}, func(t *testing.T, h *harness) {
		if st := h.s.State(); st.FirstSeq != 100 || st.LastSeq != 99 {
			t.Fatalf("new store %+v", st)
		}
		h.reopen()
		if seq := h.store("a", "1", 1); seq != 100 {
			t.Fatalf("first seq %d", seq)
		}
		if err := h.s.StoreRawMsg("a", nil, []byte("2"), 105, 2, 0); err != nil {
			t.Fatal(err)
		}
		if err := h.s.StoreRawMsg("a", nil, []byte("2"), 105, 2, 0); !errors.Is(err, ErrSequenceMismatch) {
			t.Fatalf("raw again: %v", err)
		}
		if err := h.s.SkipMsgs(110, 5); !errors.Is(err, ErrSequenceMismatch) {
			t.Fatalf("skip wrong seq: %v", err)
		}
		if err := h.s.SkipMsgs(106, 5); err != nil {
			t.Fatal(err)
		}
		h.reopen()
		st := h.s.State()
		if st.Msgs != 2 || st.FirstSeq != 100 || st.LastSeq != 110 || !reflect.DeepEqual(st.Deleted, []uint64{101, 102, 103, 104, 106, 107, 108, 109, 110}) {
			t.Fatalf("state %+v", st)
		}
		if seq := h.store("b", "3", 3); seq != 111 {
			t.Fatalf("after skip seq %d", seq)
		}
		h.s.Purge()
		if err := h.s.SkipMsgs(112, 3); err != nil {
			t.Fatal(err)
		}
		h.reopen()
		if st := h.s.State(); st.Msgs != 0 || st.FirstSeq != 115 || st.LastSeq != 114 {
			t.Fatalf("skip on empty %+v", st)
		}
	})
}
