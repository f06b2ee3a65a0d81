package store

import (
	"bytes"
	"errors"
	"fmt"
	"math/rand"
	"os"
	"reflect"
	"strconv"
	"testing"
	"time"
)

var propSubjects = []string{"a", "b.x", "b.y", "c.x.1", "c.y.1", "c.x.2"}
var propFilters = []string{"", ">", "a", "b.*", "b.x", "c.>", "c.*.1", "*.x", "zz"}

// TestPropertyFileMatchesMemory applies the same random operations to a
// memory store and a file store (small blocks, reopened now and then) and
// requires the same results and the same state after every one.
func TestPropertyFileMatchesMemory(t *testing.T) {
	seeds, ops := 12, 400
	if testing.Short() {
		seeds = 3
	}
	if n, err := strconv.Atoi(os.Getenv("STORE_PROP_SEEDS")); err == nil {
		seeds = n // a longer run by hand: STORE_PROP_SEEDS=500
	}
	for seed := int64(1); seed <= int64(seeds); seed++ {
		t.Run(fmt.Sprint("seed ", seed), func(t *testing.T) {
			runProperty(t, seed, ops)
		})
	}
}

func randConfig(rng *rand.Rand) Config {
	cfg := Config{AllowMsgTTL: true, Compression: Compression(rng.Intn(2))}
	if rng.Intn(3) == 0 {
		cfg.MaxMsgs = int64(5 + rng.Intn(40))
	}
	if rng.Intn(3) == 0 {
		cfg.MaxBytes = int64(500 + rng.Intn(3000))
	}
	if rng.Intn(3) == 0 {
		cfg.MaxMsgsPerSubject = int64(1 + rng.Intn(6))
	}
	if rng.Intn(3) == 0 {
		cfg.MaxAge = time.Duration(20+rng.Intn(100)) * time.Second
	}
	if rng.Intn(4) == 0 {
		cfg.Discard = DiscardNew
		cfg.DiscardNewPerSubject = rng.Intn(2) == 0
	}
	return cfg
}

func runProperty(t *testing.T, seed int64, ops int) {
	rng := rand.New(rand.NewSource(seed))
	cfg := randConfig(rng)
	mem := newMemStore(cfg, fileSize) // accounts bytes as the file store does
	fh := newHarness(t, kindFile, cfg)
	fh.fcfg.BlockSize = 256 + int64(rng.Intn(1024))
	if rng.Intn(3) == 0 {
		fh.fcfg.Cipher, fh.fcfg.Key = ChaCha20Poly1305, []byte("prop")
	}
	deferred := rng.Intn(2) == 0
	fh.fcfg.DeferWrites = deferred
	fh.s.Stop()
	fh.open()
	now := int64(1000) * sec
	var log []string
	fail := func(format string, args ...any) {
		t.Helper()
		t.Fatalf("seed %d after %v:\n%s", seed, log, fmt.Sprintf(format, args...))
	}
	same := func(what string, a, b any) {
		t.Helper()
		if !reflect.DeepEqual(a, b) {
			fail("%s: mem %+v, file %+v", what, a, b)
		}
	}
	sameErr := func(what string, a, b error) {
		t.Helper()
		if (a == nil) != (b == nil) || (a != nil && a.Error() != b.Error()) {
			fail("%s: mem err %v, file err %v", what, a, b)
		}
	}
	for i := 0; i < ops; i++ {
		fs := fh.s
		now += int64(rng.Intn(3)) * sec
		var st State
		mem.FastState(&st)
		randSeq := func() uint64 { return st.FirstSeq + uint64(rng.Intn(int(st.LastSeq-st.FirstSeq+3))) - 1 }
		switch op := rng.Intn(100); {
		case op < 45:
			subj := propSubjects[rng.Intn(len(propSubjects))]
			var hdr []byte
			if rng.Intn(3) == 0 {
				hdr = []byte("NATS/1.0\r\nH: 1\r\n\r\n")
			}
			msg := bytes.Repeat([]byte{byte(i)}, rng.Intn(150))
			var ttl int64
			switch rng.Intn(8) {
			case 0:
				ttl = int64(1 + rng.Intn(30))
			case 1:
				ttl = TTLNever
			}
			log = append(log, fmt.Sprintf("store(%s,%d,%d)", subj, len(msg), ttl))
			s1, e1 := mem.StoreMsg(subj, hdr, msg, now, ttl)
			s2, e2 := fs.StoreMsg(subj, hdr, msg, now, ttl)
			sameErr("store", e1, e2)
			same("store seq", s1, s2)
			if deferred && rng.Intn(4) == 0 {
				log = append(log, "flush")
				if err := fs.Flush(); err != nil {
					fail("flush: %v", err)
				}
			}
		case op < 50:
			seq := st.LastSeq + 1 + uint64(rng.Intn(4))
			log = append(log, fmt.Sprintf("raw(%d)", seq))
			sameErr("raw", mem.StoreRawMsg("a", nil, []byte("raw"), seq, now, 0), fs.StoreRawMsg("a", nil, []byte("raw"), seq, now, 0))
		case op < 52:
			n := uint64(rng.Intn(4))
			log = append(log, fmt.Sprintf("skip(%d)", n))
			sameErr("skip", mem.SkipMsgs(st.LastSeq+1, n), fs.SkipMsgs(st.LastSeq+1, n))
		case op < 65:
			seq, erase := randSeq(), rng.Intn(4) == 0
			log = append(log, fmt.Sprintf("remove(%d,%v)", seq, erase))
			var ok1, ok2 bool
			var e1, e2 error
			if erase {
				ok1, e1 = mem.EraseMsg(seq)
				ok2, e2 = fs.EraseMsg(seq)
			} else {
				ok1, e1 = mem.RemoveMsg(seq)
				ok2, e2 = fs.RemoveMsg(seq)
			}
			sameErr("remove", e1, e2)
			same("removed", ok1, ok2)
		case op < 67:
			log = append(log, "purge")
			n1, _ := mem.Purge()
			n2, _ := fs.Purge()
			same("purge", n1, n2)
		case op < 74:
			f := propFilters[rng.Intn(len(propFilters))]
			var seq, keep uint64
			if rng.Intn(2) == 0 {
				seq = randSeq()
			} else if rng.Intn(2) == 0 {
				keep = uint64(rng.Intn(5))
			}
			log = append(log, fmt.Sprintf("purgeEx(%q,%d,%d)", f, seq, keep))
			n1, _ := mem.PurgeEx(f, seq, keep)
			n2, _ := fs.PurgeEx(f, seq, keep)
			same("purgeEx", n1, n2)
		case op < 77:
			seq := randSeq() + uint64(rng.Intn(3))
			log = append(log, fmt.Sprintf("compact(%d)", seq))
			n1, _ := mem.Compact(seq)
			n2, _ := fs.Compact(seq)
			same("compact", n1, n2)
		case op < 79:
			seq := st.LastSeq - uint64(rng.Intn(int(min(st.LastSeq, 6))+1))
			log = append(log, fmt.Sprintf("truncate(%d)", seq))
			sameErr("truncate", mem.Truncate(seq), fs.Truncate(seq))
		case op < 87:
			now += int64(rng.Intn(20)) * sec
			log = append(log, fmt.Sprintf("expire(%d)", now/sec))
			var x1, x2 []uint64
			mem.ExpireOld(now, func(seq uint64, _ string) { x1 = append(x1, seq) })
			fs.ExpireOld(now, func(seq uint64, _ string) { x2 = append(x2, seq) })
			same("expired", x1, x2)
			same("next expiry", mem.NextExpiry(), fs.NextExpiry())
		case op < 90:
			c := randConfig(rng)
			c.Compression = cfg.Compression
			log = append(log, fmt.Sprintf("config(%+v)", c))
			sameErr("config", mem.UpdateConfig(c), fs.UpdateConfig(c))
		default:
			log = append(log, "reopen")
			fh.reopen()
		}
		compareStores(t, mem, fh.s, fail)
	}
}

func compareStores(t *testing.T, mem, fs Store, fail func(string, ...any), ignoreLastTime ...bool) {
	t.Helper()
	if err := mem.Check(); err != nil {
		fail("mem check: %v", err)
	}
	if err := fs.Check(); err != nil {
		fail("file check: %v", err)
	}
	s1, s2 := mem.State(), fs.State()
	if len(ignoreLastTime) > 0 { // and Bytes, which memory and file count differently
		s1.LastTime, s2.LastTime = 0, 0
		s1.Bytes, s2.Bytes = 0, 0
	}
	if !reflect.DeepEqual(s1, s2) {
		fail("state: mem %+v, file %+v", s1, s2)
	}
	var a, b StoreMsg
	for seq := s1.FirstSeq; seq <= s1.LastSeq; seq++ {
		m1, e1 := mem.LoadMsg(seq, &a)
		m2, e2 := fs.LoadMsg(seq, &b)
		if !errors.Is(e1, e2) && !(e1 != nil && e2 != nil && e1.Error() == e2.Error()) {
			fail("load %d: %v vs %v", seq, e1, e2)
		}
		if e1 == nil && (m1.Subject != m2.Subject || !bytes.Equal(m1.Hdr, m2.Hdr) || !bytes.Equal(m1.Msg, m2.Msg) || m1.Ts != m2.Ts || m1.TTL != m2.TTL) {
			fail("load %d differs", seq)
		}
	}
	for _, f := range propFilters {
		m1, e1 := mem.LoadLastMsg(f, &a)
		m2, e2 := fs.LoadLastMsg(f, &b)
		if (e1 == nil) != (e2 == nil) || (e1 == nil && m1.Seq != m2.Seq) {
			fail("last %q: %v %v / %v %v", f, m1, e1, m2, e2)
		}
		start := s1.FirstSeq + 1
		m1, e1 = mem.LoadNextMsg(f, start, &a)
		m2, e2 = fs.LoadNextMsg(f, start, &b)
		if (e1 == nil) != (e2 == nil) || (e1 == nil && m1.Seq != m2.Seq) {
			fail("next %q: %v %v / %v %v", f, m1, e1, m2, e2)
		}
		if x, y := mem.FilteredState(start, f), fs.FilteredState(start, f); x != y {
			fail("filtered %q: %+v / %+v", f, x, y)
		}
		if x, y := mem.SubjectsTotals(f), fs.SubjectsTotals(f); !reflect.DeepEqual(x, y) {
			fail("totals %q: %v / %v", f, x, y)
		}
		mid := (s1.FirstSeq + s1.LastSeq) / 2
		x, _ := mem.MultiLastSeqs([]string{f, "a"}, mid, 0)
		y, _ := fs.MultiLastSeqs([]string{f, "a"}, mid, 0)
		if !reflect.DeepEqual(x, y) {
			fail("multi last %q up to %d: %v / %v", f, mid, x, y)
		}
	}
}
