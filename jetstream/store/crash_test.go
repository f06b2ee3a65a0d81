package store

import (
	"bytes"
	"encoding/binary"
	"fmt"
	"math/rand"
	"os"
	"path/filepath"
	"reflect"
	"sort"
	"strings"
	"testing"
)

// testMsg is the payload of message i in the crash tests.
func testMsg(i int) []byte { return bytes.Repeat([]byte{byte('a' + i%26)}, 20+i%50) }

// crashKey, when set, makes the crash tests' stores encrypted.
var crashCipher Cipher

func crashFileConfig(dir string) FileConfig {
	fc := FileConfig{Dir: dir, BlockSize: 2048, Cipher: crashCipher}
	if crashCipher != NoCipher {
		fc.Key = []byte("crash key")
	}
	return fc
}

// fillStore writes n messages into a new file store in dir and stops it.
func fillStore(t *testing.T, dir string, cfg Config, n int) {
	t.Helper()
	s, _, err := OpenFileStore(crashFileConfig(dir), cfg)
	if err != nil {
		t.Fatal(err)
	}
	for i := 1; i <= n; i++ {
		var hdr []byte
		if i%3 == 0 {
			hdr = []byte("NATS/1.0\r\nK: v\r\n\r\n")
		}
		if _, err := s.StoreMsg(fmt.Sprintf("s.%d", i%4), hdr, testMsg(i), int64(i)*sec, 0); err != nil {
			t.Fatal(err)
		}
	}
	if err := s.Stop(); err != nil {
		t.Fatal(err)
	}
}

// blocks returns the block files of dir in order.
func blocks(t *testing.T, dir string) []string {
	t.Helper()
	m, _ := filepath.Glob(filepath.Join(dir, "*.blk"))
	sort.Slice(m, func(i, j int) bool {
		a, b := filepath.Base(m[i]), filepath.Base(m[j])
		return len(a) < len(b) || (len(a) == len(b) && a < b)
	})
	return m
}

// recordOffsets lists the record offsets of a block file.
func recordOffsets(t *testing.T, path string) []int64 {
	t.Helper()
	data, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	h, err := decodeBlockHeader(data)
	if err != nil {
		t.Fatal(err)
	}
	var d *decoder
	if crashCipher != NoCipher {
		aead, _ := newAEAD(crashCipher, []byte("crash key"))
		d = &decoder{aead: aead}
	}
	var offs []int64
	for off := int64(blockHeaderSize); off < int64(len(data)); {
		r, err := decodeRecord(data[off:], h, uint32(off), d)
		if err != nil {
			t.Fatalf("%s at %d: %v", path, off, err)
		}
		offs = append(offs, off)
		off += int64(r.length)
	}
	return offs
}

func copyDir(t *testing.T, src string) string {
	t.Helper()
	dst := t.TempDir()
	ents, _ := os.ReadDir(src)
	for _, e := range ents {
		b, err := os.ReadFile(filepath.Join(src, e.Name()))
		if err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(filepath.Join(dst, e.Name()), b, 0o640); err != nil {
			t.Fatal(err)
		}
	}
	return dst
}

// verifyMsgs opens dir and checks that messages 1..n are there, intact.
func verifyMsgs(t *testing.T, dir string, cfg Config, n int) (Store, Recovery) {
	t.Helper()
	s, rec, err := OpenFileStore(crashFileConfig(dir), cfg)
	if err != nil {
		t.Fatalf("open: %v", err)
	}
	if err := s.Check(); err != nil {
		t.Fatalf("check: %v", err)
	}
	st := s.State()
	if st.Msgs != uint64(n) || st.LastSeq != uint64(n) || st.FirstSeq != 1 {
		t.Fatalf("state %+v, want %d msgs", st, n)
	}
	var sm StoreMsg
	for i := 1; i <= n; i++ {
		m, err := s.LoadMsg(uint64(i), &sm)
		if err != nil || !bytes.Equal(m.Msg, testMsg(i)) || m.Subject != fmt.Sprintf("s.%d", i%4) {
			t.Fatalf("msg %d: %v %v", i, m, err)
		}
	}
	return s, rec
}

func TestCrashCutLastRecord(t *testing.T) {
	for _, comp := range []Compression{NoCompression, S2Compression, 99} {
		t.Run(fmt.Sprint("compression ", comp), func(t *testing.T) {
			if comp == 99 { // encrypted and compressed
				comp, crashCipher = S2Compression, ChaCha20Poly1305
				defer func() { crashCipher = NoCipher }()
			}
			cfg := Config{Compression: comp}
			const n = 60
			dir := t.TempDir()
			fillStore(t, dir, cfg, n)
			blks := blocks(t, dir)
			if len(blks) < 2 {
				t.Fatalf("want several blocks, got %d", len(blks))
			}
			last := blks[len(blks)-1]
			offs := recordOffsets(t, last)
			start := offs[len(offs)-1]
			fi, _ := os.Stat(last)
			for cut := start; cut < fi.Size(); cut++ {
				d := copyDir(t, dir)
				if err := os.Truncate(filepath.Join(d, filepath.Base(last)), cut); err != nil {
					t.Fatal(err)
				}
				s, rec := verifyMsgs(t, d, cfg, n-1)
				if dropped := cut - start; dropped > 0 {
					if len(rec.Dropped) != 1 || rec.Dropped[0].Bytes != dropped || rec.Dropped[0].Offset != start {
						t.Fatalf("cut at %d: dropped %v, want %d bytes at %d", cut, rec.Dropped, dropped, start)
					}
				} else if len(rec.Dropped) != 0 {
					t.Fatalf("cut at a record boundary dropped %v", rec.Dropped)
				}
				// The store goes on from the last message that survived.
				if seq, err := s.StoreMsg("s.x", nil, []byte("after"), 1, 0); err != nil || seq != n {
					t.Fatalf("store after recovery: %d %v", seq, err)
				}
				if err := s.Check(); err != nil {
					t.Fatal(err)
				}
				s.Stop()
			}
		})
	}
}

func TestCrashGarbageTail(t *testing.T) {
	const n = 40
	dir := t.TempDir()
	fillStore(t, dir, Config{}, n)
	blks := blocks(t, dir)
	last := blks[len(blks)-1]
	rng := rand.New(rand.NewSource(1))
	lengthLike := make([]byte, 40)
	binary.LittleEndian.PutUint32(lengthLike, 40) // a plausible length, a bad checksum
	garbage := [][]byte{{0}, {0xff, 0xff, 0xff, 0xff}, make([]byte, 4096), lengthLike}
	for i := 0; i < 20; i++ {
		g := make([]byte, 1+rng.Intn(300))
		rng.Read(g)
		garbage = append(garbage, g)
	}
	for i, g := range garbage {
		d := copyDir(t, dir)
		f, err := os.OpenFile(filepath.Join(d, filepath.Base(last)), os.O_APPEND|os.O_WRONLY, 0)
		if err != nil {
			t.Fatal(err)
		}
		f.Write(g)
		f.Close()
		s, rec := verifyMsgs(t, d, Config{}, n)
		if len(rec.Dropped) != 1 || rec.Dropped[0].Bytes != int64(len(g)) {
			t.Fatalf("garbage %d (%d bytes): dropped %v", i, len(g), rec.Dropped)
		}
		s.Stop()
		// A second open finds a clean store.
		s, rec = verifyMsgs(t, d, Config{}, n)
		if len(rec.Dropped) != 0 {
			t.Fatalf("second open dropped %v", rec.Dropped)
		}
		s.Stop()
	}
}

func TestCrashDamagedMiddleBlock(t *testing.T) {
	const n = 60
	dir := t.TempDir()
	fillStore(t, dir, Config{}, n)
	blks := blocks(t, dir)
	first := blks[0]
	offs := recordOffsets(t, first)
	k := len(offs) / 2
	data, _ := os.ReadFile(first)
	data[offs[k]+10] ^= 0x55 // a flipped bit inside record k's body
	os.WriteFile(first, data, 0o640)
	s, rec, err := OpenFileStore(FileConfig{Dir: dir, BlockSize: 2048}, Config{})
	if err != nil {
		t.Fatal(err)
	}
	defer s.Stop()
	if err := s.Check(); err != nil {
		t.Fatal(err)
	}
	if len(rec.Dropped) != 1 || rec.Dropped[0].Block != filepath.Base(first) || rec.Dropped[0].Offset != offs[k] {
		t.Fatalf("dropped %v", rec.Dropped)
	}
	// Records k.. of the first block are gone, everything else is there.
	st := s.State()
	lost := uint64(len(offs) - k)
	if st.Msgs != n-lost || st.LastSeq != n || st.FirstSeq != 1 || st.NumDeleted != lost {
		t.Fatalf("state %+v, lost %d", st, lost)
	}
	if m, err := s.LoadMsg(n, nil); err != nil || !bytes.Equal(m.Msg, testMsg(n)) {
		t.Fatalf("last msg: %v %v", m, err)
	}
}

func TestCrashBadBlockHeader(t *testing.T) {
	for _, damage := range []string{"magic", "empty", "short"} {
		t.Run(damage, func(t *testing.T) {
			const n = 60
			dir := t.TempDir()
			fillStore(t, dir, Config{}, n)
			blks := blocks(t, dir)
			victim := blks[1]
			lost := uint64(len(recordOffsets(t, victim)))
			data, _ := os.ReadFile(victim)
			switch damage {
			case "magic":
				data[0] = 'X'
			case "empty":
				data = nil
			case "short":
				data = data[:10]
			}
			os.WriteFile(victim, data, 0o640)
			s, rec, err := OpenFileStore(FileConfig{Dir: dir, BlockSize: 2048}, Config{})
			if err != nil {
				t.Fatal(err)
			}
			defer s.Stop()
			if err := s.Check(); err != nil {
				t.Fatal(err)
			}
			if len(rec.Dropped) != 1 || !strings.Contains(rec.Dropped[0].Reason, ".bad") {
				t.Fatalf("dropped %v", rec.Dropped)
			}
			if _, err := os.Stat(victim + ".bad"); err != nil {
				t.Fatalf("damaged block not kept aside: %v", err)
			}
			if st := s.State(); st.Msgs != n-lost || st.LastSeq != n {
				t.Fatalf("state %+v, lost %d", st, lost)
			}
			// New blocks never reuse the damaged block's number.
			for i := 0; i < 40; i++ {
				if _, err := s.StoreMsg("x", nil, make([]byte, 100), 0, 0); err != nil {
					t.Fatal(err)
				}
			}
			if err := s.Check(); err != nil {
				t.Fatal(err)
			}
		})
	}
}

func TestEraseOverwritesOnDisk(t *testing.T) {
	dir := t.TempDir()
	s, _, err := OpenFileStore(FileConfig{Dir: dir}, Config{})
	if err != nil {
		t.Fatal(err)
	}
	defer s.Stop()
	secret := []byte("top-secret-payload-0123456789")
	s.StoreMsg("a", nil, []byte("keep"), 1, 0)
	s.StoreMsg("secret.subject", []byte("NATS/1.0\r\nX: hidden-header\r\n\r\n"), secret, 2, 0)
	s.StoreMsg("a", nil, []byte("keep"), 3, 0)
	if ok, err := s.EraseMsg(2); !ok || err != nil {
		t.Fatalf("erase: %v %v", ok, err)
	}
	for _, p := range blocks(t, dir) {
		data, _ := os.ReadFile(p)
		for _, needle := range []string{string(secret), "hidden-header", "secret.subject"} {
			if bytes.Contains(data, []byte(needle)) {
				t.Fatalf("%s still holds %q", p, needle)
			}
		}
	}
	if err := s.Check(); err != nil {
		t.Fatal(err)
	}
	s.Stop()
	s2, rec, err := OpenFileStore(FileConfig{Dir: dir}, Config{})
	if err != nil || len(rec.Dropped) != 0 {
		t.Fatalf("reopen: %v %v", rec, err)
	}
	defer s2.Stop()
	if st := s2.State(); st.Msgs != 2 || !reflect.DeepEqual(st.Deleted, []uint64{2}) {
		t.Fatalf("state %+v", st)
	}
}

func TestCompressionOnDisk(t *testing.T) {
	sizes := map[Compression]int64{}
	body := bytes.Repeat([]byte("compressible text "), 200)
	for _, comp := range []Compression{NoCompression, S2Compression} {
		dir := t.TempDir()
		s, _, err := OpenFileStore(FileConfig{Dir: dir}, Config{Compression: comp})
		if err != nil {
			t.Fatal(err)
		}
		for i := 0; i < 50; i++ {
			s.StoreMsg("c", []byte("NATS/1.0\r\n\r\n"), body, int64(i), 0)
		}
		s.Stop()
		s, _, err = OpenFileStore(FileConfig{Dir: dir}, Config{Compression: comp})
		if err != nil {
			t.Fatal(err)
		}
		for i := 1; i <= 50; i++ {
			m, err := s.LoadMsg(uint64(i), nil)
			if err != nil || !bytes.Equal(m.Msg, body) || string(m.Hdr) != "NATS/1.0\r\n\r\n" {
				t.Fatalf("load %d: %v", i, err)
			}
		}
		if err := s.Check(); err != nil {
			t.Fatal(err)
		}
		st := s.State()
		if st.Bytes != 50*MsgSize("c", []byte("NATS/1.0\r\n\r\n"), body) {
			t.Fatalf("accounted bytes %d do not depend on compression", st.Bytes)
		}
		s.Stop()
		for _, p := range blocks(t, dir) {
			fi, _ := os.Stat(p)
			sizes[comp] += fi.Size()
		}
	}
	if sizes[S2Compression]*4 > sizes[NoCompression] {
		t.Fatalf("s2 %d bytes on disk, plain %d", sizes[S2Compression], sizes[NoCompression])
	}
}

// TestRecordOverhead pins the bytes on disk per message.
func TestRecordOverhead(t *testing.T) {
	var e encoder
	h := blockHeader{baseSeq: 1000, baseTs: 1_700_000_000 * sec}
	subj := "bench.subject.01" // 16 bytes
	rec := e.encode(h, 0, 1000+5000, h.baseTs+int64(59*sec), subj, nil, make([]byte, 128), 0, false)
	if over := len(rec) - len(subj) - 128; over > 19 {
		t.Fatalf("overhead %d bytes per 128 B message", over)
	}
}
