package store

import (
	"bytes"
	"fmt"
	"math/rand"
	"reflect"
	"testing"
	"time"
)

// randOp returns a random operation for a store in state st.
func randOp(rng *rand.Rand, st *State, now *int64) Op {
	*now += int64(rng.Intn(3)) * sec
	randSeq := func() uint64 { return st.FirstSeq + uint64(rng.Intn(int(st.LastSeq-st.FirstSeq+3))) - 1 }
	switch k := rng.Intn(100); {
	case k < 50:
		op := Op{Kind: OpStore, Subject: propSubjects[rng.Intn(len(propSubjects))], Msg: bytes.Repeat([]byte{byte(k)}, rng.Intn(100)), Ts: *now}
		if rng.Intn(4) == 0 {
			op.Hdr = []byte("NATS/1.0\r\n\r\n")
		}
		if rng.Intn(6) == 0 {
			op.TTL = int64(1 + rng.Intn(20))
		}
		return op
	case k < 55:
		return Op{Kind: OpStoreRaw, Subject: "raw", Msg: []byte("r"), Seq: st.LastSeq + 1 + uint64(rng.Intn(3)), Ts: *now}
	case k < 57:
		return Op{Kind: OpSkip, Seq: st.LastSeq + 1, Num: uint64(rng.Intn(3))}
	case k < 67:
		return Op{Kind: OpRemove, Seq: randSeq()}
	case k < 70:
		return Op{Kind: OpErase, Seq: randSeq()}
	case k < 72:
		return Op{Kind: OpPurge}
	case k < 78:
		return Op{Kind: OpPurgeEx, Subject: propFilters[rng.Intn(len(propFilters))], Num: uint64(rng.Intn(4))}
	case k < 81:
		return Op{Kind: OpCompact, Seq: randSeq()}
	case k < 83:
		return Op{Kind: OpTruncate, Seq: st.LastSeq - uint64(rng.Intn(int(min(st.LastSeq, 4))+1))}
	case k < 92:
		*now += int64(rng.Intn(15)) * sec
		return Op{Kind: OpExpire, Ts: *now}
	default:
		c := randConfig(rng)
		c.Compression = NoCompression
		return Op{Kind: OpUpdateConfig, Config: c}
	}
}

// TestOpLogReplay records random operations as an encoded log while
// applying them to one store, then replays the log into a new memory store
// and a new file store: every result and the final stores are the same.
// This is the property a replicated log in front of a store relies on.
func TestOpLogReplay(t *testing.T) {
	for seed := int64(1); seed <= 8; seed++ {
		t.Run(fmt.Sprint("seed ", seed), func(t *testing.T) {
			rng := rand.New(rand.NewSource(seed))
			cfg := Config{AllowMsgTTL: true, MaxAge: time.Minute}
			leader := newMemStore(cfg, fileSize) // accounts bytes as the file store does
			var log [][]byte
			var results []Result
			now := int64(1000) * sec
			for i := 0; i < 500; i++ {
				var st State
				leader.FastState(&st)
				op := randOp(rng, &st, &now)
				log = append(log, op.Append(nil))
				results = append(results, Apply(leader, &op))
			}
			for _, k := range []kind{kindMem, kindFile} {
				h := newHarness(t, k, cfg)
				if k == kindMem {
					h.s = newMemStore(cfg, fileSize) // compared with the leader byte for byte
				}
				for i, enc := range log {
					op, err := DecodeOp(enc)
					if err != nil {
						t.Fatalf("decode op %d: %v", i, err)
					}
					got := Apply(h.s, &op)
					want := results[i]
					if got.Seq != want.Seq || got.N != want.N || fmt.Sprint(got.Err) != fmt.Sprint(want.Err) {
						t.Fatalf("%s op %d %+v: got %+v, leader had %+v", k, i, op, got, want)
					}
				}
				compareStores(t, leader, h.s, func(f string, args ...any) { t.Fatalf(string(k)+": "+f, args...) })
				h.reopen()
			}
		})
	}
}

func TestOpEncoding(t *testing.T) {
	ops := []Op{
		{Kind: OpStore, Subject: "a.b", Hdr: []byte("h"), Msg: []byte("m"), Ts: -5, TTL: TTLNever},
		{Kind: OpPurgeEx, Subject: "a.*", Seq: 9, Num: 2},
		{Kind: OpUpdateConfig, Config: Config{MaxMsgs: 1, MaxBytes: 2, MaxAge: 3, MaxMsgsPerSubject: 4, MaxMsgSize: 5,
			Discard: DiscardNew, DiscardNewPerSubject: true, FirstSeq: 7, AllowMsgTTL: true, Compression: S2Compression}},
		{Kind: OpExpire, Ts: 1 << 62},
	}
	for _, op := range ops {
		got, err := DecodeOp(op.Append(nil))
		if err != nil || !reflect.DeepEqual(got, op) {
			t.Fatalf("round trip %+v: %+v %v", op, got, err)
		}
	}
	for _, bad := range [][]byte{nil, {1}, {2, 1}, {1, 0}, {1, 99}, {1, 1, 5, 'a'}, append(ops[0].Append(nil), 0)} {
		if _, err := DecodeOp(bad); err != ErrBadOp {
			t.Fatalf("decode %v: %v", bad, err)
		}
	}
	if r := Apply(NewMemStore(Config{}), &Op{}); r.Err != ErrBadOp {
		t.Fatalf("apply of no kind: %v", r.Err)
	}
}

func FuzzDecodeOp(f *testing.F) {
	f.Add((&Op{Kind: OpStore, Subject: "a", Msg: []byte("x"), Ts: 1}).Append(nil))
	f.Add((&Op{Kind: OpUpdateConfig, Config: Config{MaxMsgs: 10}}).Append(nil))
	f.Fuzz(func(t *testing.T, b []byte) {
		op, err := DecodeOp(b)
		if err != nil {
			return
		}
		again, err := DecodeOp(op.Append(nil))
		if err != nil || !reflect.DeepEqual(again, op) {
			t.Fatalf("re-encoding %+v gave %+v %v", op, again, err)
		}
	})
}
