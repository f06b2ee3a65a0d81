package store

import (
	"errors"
	"fmt"
	"reflect"
	"testing"
	"time"
)

func TestLimits(t *testing.T) {
	size := MsgSize("s.0", nil, []byte("0123456789")) // 29
	cases := []struct {
		name string
		cfg  Config
		n    int   // messages offered, subjects s.(i%3)
		errs []int // indexes (1-based) refused
		want []uint64
	}{
		{"max msgs old", Config{MaxMsgs: 3}, 6, nil, []uint64{4, 5, 6}},
		{"max msgs new", Config{MaxMsgs: 3, Discard: DiscardNew}, 6, []int{4, 5, 6}, []uint64{1, 2, 3}},
		{"max bytes old", Config{MaxBytes: int64(size) * 2}, 5, nil, []uint64{4, 5}},
		{"max bytes new", Config{MaxBytes: int64(size)*2 + 5, Discard: DiscardNew}, 4, []int{3, 4}, []uint64{1, 2}},
		{"per subject old", Config{MaxMsgsPerSubject: 1}, 7, nil, []uint64{5, 6, 7}},
		{"per subject with discard new removes old", Config{MaxMsgsPerSubject: 1, Discard: DiscardNew}, 5, nil, []uint64{3, 4, 5}},
		{"discard new per subject", Config{MaxMsgsPerSubject: 1, Discard: DiscardNew, DiscardNewPerSubject: true}, 5, []int{4, 5}, []uint64{1, 2, 3}},
		{"msgs and per subject", Config{MaxMsgs: 2, MaxMsgsPerSubject: 1}, 4, nil, []uint64{3, 4}},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			both(t, c.cfg, func(t *testing.T, h *harness) {
				refused := map[int]bool{}
				for _, i := range c.errs {
					refused[i] = true
				}
				var seq uint64
				for i := 1; i <= c.n; i++ {
					got, err := h.s.StoreMsg(fmt.Sprintf("s.%d", i%3), nil, []byte("0123456789"), int64(i), 0)
					if refused[i] {
						if !errors.Is(err, ErrMaxMsgs) && !errors.Is(err, ErrMaxBytes) && !errors.Is(err, ErrMaxMsgsPerSubject) {
							t.Fatalf("msg %d: want a limit error, got seq %d err %v", i, got, err)
						}
						continue
					}
					if err != nil || got != seq+1 {
						t.Fatalf("msg %d: seq %d err %v (last %d)", i, got, err, seq)
					}
					seq = got
					h.check()
				}
				eqSeqs(t, "live", h.seqs(), c.want...)
			})
		})
	}
}

func TestLimitErrors(t *testing.T) {
	both(t, Config{MaxMsgs: 1, MaxBytes: 100, MaxMsgsPerSubject: 1, Discard: DiscardNew, DiscardNewPerSubject: true}, func(t *testing.T, h *harness) {
		h.store("a", "x", 1)
		if _, err := h.s.StoreMsg("b", nil, nil, 2, 0); !errors.Is(err, ErrMaxMsgs) {
			t.Fatalf("max msgs: %v", err)
		}
		h.s.UpdateConfig(Config{MaxMsgs: 10, MaxBytes: 100, MaxMsgsPerSubject: 1, Discard: DiscardNew, DiscardNewPerSubject: true})
		if _, err := h.s.StoreMsg("a", nil, nil, 2, 0); !errors.Is(err, ErrMaxMsgsPerSubject) {
			t.Fatalf("per subject: %v", err)
		}
		if _, err := h.s.StoreMsg("b", nil, make([]byte, 80), 2, 0); !errors.Is(err, ErrMaxBytes) {
			t.Fatalf("max bytes: %v", err)
		}
		// A message bigger than MaxBytes on its own is refused even with
		// DiscardOld, rather than emptying the store.
		h.s.UpdateConfig(Config{MaxBytes: 50})
		if _, err := h.s.StoreMsg("b", nil, make([]byte, 80), 2, 0); !errors.Is(err, ErrMaxBytes) {
			t.Fatalf("over max bytes alone: %v", err)
		}
		if st := h.s.State(); st.Msgs != 1 || st.LastSeq != 1 {
			t.Fatalf("state %+v", st)
		}
	})
}

func TestUpdateConfigEnforces(t *testing.T) {
	both(t, Config{}, func(t *testing.T, h *harness) {
		for i := 1; i <= 12; i++ {
			h.store(fmt.Sprintf("s.%d", i%4), "m", int64(i))
		}
		if err := h.s.UpdateConfig(Config{MaxMsgsPerSubject: 2}); err != nil {
			t.Fatal(err)
		}
		eqSeqs(t, "per subject 2", h.seqs(), 5, 6, 7, 8, 9, 10, 11, 12)
		h.check()
		h.s.UpdateConfig(Config{MaxMsgsPerSubject: 2, MaxMsgs: 5, Discard: DiscardNew})
		eqSeqs(t, "max msgs 5", h.seqs(), 8, 9, 10, 11, 12)
		h.reopen()
		if h.s.Config().MaxMsgs != 5 {
			t.Fatalf("config %+v", h.s.Config())
		}
	})
}

func TestPurgeEx(t *testing.T) {
	// Messages 1..10 on subjects a.x a.y a.x a.y ... (odd a.x, even a.y),
	// then 11 on b.z; 4 is removed first.
	cases := []struct {
		subj      string
		seq, keep uint64
		purged    uint64
		want      []uint64
	}{
		{"", 0, 0, 10, nil},
		{">", 0, 0, 10, nil},
		{"", 6, 0, 4, []uint64{6, 7, 8, 9, 10, 11}},
		{"", 0, 3, 7, []uint64{9, 10, 11}},
		{"", 0, 20, 0, []uint64{1, 2, 3, 5, 6, 7, 8, 9, 10, 11}},
		{"", 1, 0, 0, []uint64{1, 2, 3, 5, 6, 7, 8, 9, 10, 11}},
		{"", 50, 0, 10, nil},
		{"a.x", 0, 0, 5, []uint64{2, 6, 8, 10, 11}},
		{"a.x", 0, 2, 3, []uint64{2, 6, 7, 8, 9, 10, 11}},
		{"a.x", 6, 0, 3, []uint64{2, 6, 7, 8, 9, 10, 11}},
		{"a.*", 0, 0, 9, []uint64{11}},
		{"a.*", 0, 1, 8, []uint64{10, 11}}, // keep counts all matches together
		{"a.*", 5, 0, 3, []uint64{5, 6, 7, 8, 9, 10, 11}},
		{"a.>", 0, 3, 6, []uint64{8, 9, 10, 11}},
		{"*.z", 0, 0, 1, []uint64{1, 2, 3, 5, 6, 7, 8, 9, 10}},
		{"nope", 0, 0, 0, []uint64{1, 2, 3, 5, 6, 7, 8, 9, 10, 11}},
		{"a.y", 0, 10, 0, []uint64{1, 2, 3, 5, 6, 7, 8, 9, 10, 11}},
	}
	for _, c := range cases {
		t.Run(fmt.Sprintf("%q seq %d keep %d", c.subj, c.seq, c.keep), func(t *testing.T) {
			both(t, Config{}, func(t *testing.T, h *harness) {
				for i := 1; i <= 10; i++ {
					h.store(map[bool]string{true: "a.x", false: "a.y"}[i%2 == 1], "m", int64(i))
				}
				h.store("b.z", "m", 11)
				h.s.RemoveMsg(4)
				n, err := h.s.PurgeEx(c.subj, c.seq, c.keep)
				if err != nil || n != c.purged {
					t.Fatalf("purged %d err %v, want %d", n, err, c.purged)
				}
				eqSeqs(t, "live", h.seqs(), c.want...)
				h.check()
				if st := h.s.State(); st.LastSeq != max(11, c.seq) && st.LastSeq != c.seq-1 {
					t.Fatalf("last seq %d", st.LastSeq)
				}
			})
		})
	}
}

func TestCompactAndTruncate(t *testing.T) {
	fill := func(h *harness) {
		for i := 1; i <= 20; i++ {
			h.store(fmt.Sprintf("s.%d", i%3), "0123456789012345678901234567890123456789", int64(i)*sec)
		}
		h.s.RemoveMsg(12)
	}
	t.Run("compact", func(t *testing.T) {
		both(t, Config{}, func(t *testing.T, h *harness) {
			fill(h)
			n, err := h.s.Compact(10)
			if err != nil || n != 9 {
				t.Fatalf("compact: %d %v", n, err)
			}
			eqSeqs(t, "live", h.seqs(), 10, 11, 13, 14, 15, 16, 17, 18, 19, 20)
			h.reopen()
			if n, _ := h.s.Compact(5); n != 0 {
				t.Fatalf("compact below first removed %d", n)
			}
			n, _ = h.s.Compact(30)
			if st := h.s.State(); n != 10 || st.FirstSeq != 30 || st.LastSeq != 29 || st.Msgs != 0 {
				t.Fatalf("compact past end: %d %+v", n, st)
			}
			h.reopen()
			if seq := h.store("x", "y", 100); seq != 30 {
				t.Fatalf("seq after compact %d", seq)
			}
		})
	})
	t.Run("truncate", func(t *testing.T) {
		both(t, Config{}, func(t *testing.T, h *harness) {
			fill(h)
			if err := h.s.Truncate(30); !errors.Is(err, ErrInvalidSequence) {
				t.Fatalf("truncate past end: %v", err)
			}
			if err := h.s.Truncate(14); err != nil {
				t.Fatal(err)
			}
			st := h.s.State()
			if st.LastSeq != 14 || st.Msgs != 13 || st.LastTime != 14*sec || !reflect.DeepEqual(st.Deleted, []uint64{12}) {
				t.Fatalf("state %+v", st)
			}
			h.reopen()
			if seq := h.store("s.1", "again", 99*sec); seq != 15 {
				t.Fatalf("seq after truncate %d", seq)
			}
			if m, err := h.s.LoadLastMsg("s.1", nil); err != nil || m.Seq != 15 || string(m.Msg) != "again" {
				t.Fatalf("last s.1: %v %v", m, err)
			}
			if err := h.s.Truncate(12); err != nil {
				t.Fatal(err)
			}
			h.reopen()
			if st := h.s.State(); st.LastSeq != 12 || st.Msgs != 11 {
				t.Fatalf("truncate to a deleted seq: %+v", st)
			}
			if err := h.s.Truncate(0); err != nil {
				t.Fatal(err)
			}
			h.reopen()
			if st := h.s.State(); st.LastSeq != 0 || st.FirstSeq != 1 || st.Msgs != 0 {
				t.Fatalf("truncate to 0: %+v", st)
			}
		})
	})
	t.Run("purge keeps sequence", func(t *testing.T) {
		both(t, Config{}, func(t *testing.T, h *harness) {
			fill(h)
			if n, err := h.s.Purge(); n != 19 || err != nil {
				t.Fatalf("purge %d %v", n, err)
			}
			h.reopen()
			if st := h.s.State(); st.FirstSeq != 21 || st.LastSeq != 20 || st.LastTime != 20*sec || st.NumSubjects != 0 {
				t.Fatalf("state %+v", st)
			}
			if seq := h.store("a", "b", 21*sec); seq != 21 {
				t.Fatalf("seq %d", seq)
			}
		})
	})
}

func TestExpire(t *testing.T) {
	both(t, Config{MaxAge: 10 * time.Second, AllowMsgTTL: true}, func(t *testing.T, h *harness) {
		var seqs []uint64
		add := func(subj string, ts, ttl int64) {
			seq, err := h.s.StoreMsg(subj, nil, []byte("m"), ts*sec, ttl)
			if err != nil {
				t.Fatal(err)
			}
			seqs = append(seqs, seq)
		}
		add("a", 1, 0)        // 1: ages out at 11
		add("b", 2, 3)        // 2: TTL out at 5
		add("c", 3, TTLNever) // 3: never
		add("d", 4, 0)        // 4: at 14
		add("e", 5, 60)       // 5: TTL 65, but MaxAge at 15
		h.reopen()
		if next := h.s.NextExpiry(); next != 5*sec {
			t.Fatalf("next expiry %d", next)
		}
		var got []string
		fn := func(seq uint64, subj string) { got = append(got, fmt.Sprintf("%d:%s", seq, subj)) }
		if n := h.s.ExpireOld(4*sec, fn); n != 0 {
			t.Fatalf("expired %d at 4", n)
		}
		if n := h.s.ExpireOld(5*sec, fn); n != 1 {
			t.Fatalf("expired %d at 5", n)
		}
		if next := h.s.NextExpiry(); next != 11*sec {
			t.Fatalf("next expiry %d", next)
		}
		h.reopen()
		if n := h.s.ExpireOld(14*sec, fn); n != 2 {
			t.Fatalf("expired %d at 14", n)
		}
		if n := h.s.ExpireOld(100*sec, fn); n != 1 {
			t.Fatalf("expired %d at 100", n)
		}
		if want := []string{"2:b", "1:a", "4:d", "5:e"}; !reflect.DeepEqual(got, want) {
			t.Fatalf("expired %v, want %v", got, want)
		}
		eqSeqs(t, "left", h.seqs(), 3)
		if next := h.s.NextExpiry(); next != 0 {
			t.Fatalf("next expiry with only a never message: %d", next)
		}
		m, err := h.s.LoadMsg(3, nil)
		if err != nil || m.TTL != TTLNever {
			t.Fatalf("load never: %v %v", m, err)
		}
	})
}

func TestFilteredStateAndPending(t *testing.T) {
	both(t, Config{}, func(t *testing.T, h *harness) {
		subjs := []string{"a.1", "a.2", "b.1", "a.1", "b.2", "a.2", "a.1", "c"}
		for i, s := range subjs {
			h.store(s, "m", int64(i+1))
		}
		h.s.RemoveMsg(4)
		h.reopen()
		cases := []struct {
			seq  uint64
			f    string
			want SimpleState
			lps  uint64
		}{
			{0, "", SimpleState{7, 1, 8}, 5},
			{2, ">", SimpleState{6, 2, 8}, 5},
			{0, "a.1", SimpleState{2, 1, 7}, 1},
			{2, "a.1", SimpleState{1, 7, 7}, 1},
			{0, "a.*", SimpleState{4, 1, 7}, 2},
			{3, "a.*", SimpleState{2, 6, 7}, 2},
			{0, "*.2", SimpleState{3, 2, 6}, 2},
			{8, "a.>", SimpleState{}, 0},
			{0, "zz", SimpleState{}, 0},
			{9, "", SimpleState{}, 0},
		}
		for _, c := range cases {
			if got := h.s.FilteredState(c.seq, c.f); got != c.want {
				t.Fatalf("filtered %d %q: %+v, want %+v", c.seq, c.f, got, c.want)
			}
			n, vt := h.s.NumPending(c.seq, c.f, false)
			if n != c.want.Msgs || vt != 8 {
				t.Fatalf("pending %d %q: %d %d", c.seq, c.f, n, vt)
			}
			if n, _ := h.s.NumPending(c.seq, c.f, true); n != c.lps {
				t.Fatalf("pending last per subject %d %q: %d, want %d", c.seq, c.f, n, c.lps)
			}
		}
		tot := h.s.SubjectsTotals("a.*")
		if !reflect.DeepEqual(tot, map[string]uint64{"a.1": 2, "a.2": 2}) {
			t.Fatalf("totals %v", tot)
		}
		if tot := h.s.SubjectsTotals(""); len(tot) != 5 {
			t.Fatalf("all totals %v", tot)
		}
	})
}
