package store

import (
	"fmt"
	"os"
	"path/filepath"
	"runtime"
	"strconv"
	"testing"
	"time"
)

func benchStore(b *testing.B, k kind, cfg Config) Store {
	b.Helper()
	if k == kindMem {
		return NewMemStore(cfg)
	}
	s, _, err := OpenFileStore(FileConfig{Dir: b.TempDir()}, cfg)
	if err != nil {
		b.Fatal(err)
	}
	b.Cleanup(func() { s.Stop() })
	return s
}

// dirBytes is the size of the files in dir.
func dirBytes(dir string) int64 {
	var n int64
	ents, _ := os.ReadDir(dir)
	for _, e := range ents {
		if fi, err := e.Info(); err == nil {
			n += fi.Size()
		}
	}
	return n
}

// BenchmarkStoreMsg stores 128-byte messages on a 16-byte subject. For the
// file store it reports the bytes on disk per message.
func BenchmarkStoreMsg(b *testing.B) {
	msg := make([]byte, 128)
	for _, k := range []kind{kindMem, kindFile, kindFileEnc} {
		b.Run(string(k), func(b *testing.B) {
			dir := b.TempDir()
			var s Store
			if k == kindMem {
				s = NewMemStore(Config{})
			} else {
				fc := FileConfig{Dir: dir}
				if k == kindFileEnc {
					fc.Cipher, fc.Key = AES256GCM, []byte("bench")
				}
				var err error
				if s, _, err = OpenFileStore(fc, Config{}); err != nil {
					b.Fatal(err)
				}
			}
			defer s.Stop()
			b.SetBytes(128)
			b.ReportAllocs()
			ts := time.Now().UnixNano()
			for i := 0; i < b.N; i++ {
				if _, err := s.StoreMsg("bench.subject.01", nil, msg, ts+int64(i), 0); err != nil {
					b.Fatal(err)
				}
			}
			b.StopTimer()
			if k != kindMem {
				b.ReportMetric(float64(dirBytes(dir))/float64(b.N), "disk-B/msg")
			}
		})
	}
}

func BenchmarkLoadMsg(b *testing.B) {
	const n = 100_000
	msg := make([]byte, 128)
	for _, k := range []kind{kindMem, kindFile} {
		b.Run(string(k), func(b *testing.B) {
			s := benchStore(b, k, Config{})
			for i := 0; i < n; i++ {
				s.StoreMsg("bench.subject.01", nil, msg, int64(i), 0)
			}
			var sm StoreMsg
			b.ReportAllocs()
			b.ResetTimer()
			for i := 0; i < b.N; i++ {
				if _, err := s.LoadMsg(uint64(i%n)+1, &sm); err != nil {
					b.Fatal(err)
				}
			}
		})
	}
}

// BenchmarkLoadLastMsg loads the last message of one of 10,000 subjects
// (a key-value get).
func BenchmarkLoadLastMsg(b *testing.B) {
	const keys, n = 10_000, 100_000
	msg := make([]byte, 128)
	subjs := make([]string, keys)
	for i := range subjs {
		subjs[i] = "$KV.bench." + strconv.Itoa(i)
	}
	for _, k := range []kind{kindMem, kindFile} {
		b.Run(string(k), func(b *testing.B) {
			s := benchStore(b, k, Config{})
			for i := 0; i < n; i++ {
				s.StoreMsg(subjs[i%keys], nil, msg, int64(i), 0)
			}
			var sm StoreMsg
			b.ReportAllocs()
			b.ResetTimer()
			for i := 0; i < b.N; i++ {
				if _, err := s.LoadLastMsg(subjs[i%keys], &sm); err != nil {
					b.Fatal(err)
				}
			}
		})
	}
}

// BenchmarkRecovery times opening a file store of STORE_BENCH_MB megabytes
// (default 64) of 128-byte messages: STORE_BENCH_MB=1024 for the 1 GB
// figure, by hand.
func BenchmarkRecovery(b *testing.B) {
	mb := 64
	if v, err := strconv.Atoi(os.Getenv("STORE_BENCH_MB")); err == nil {
		mb = v
	}
	dir := filepath.Join(b.TempDir(), "store")
	s, _, err := OpenFileStore(FileConfig{Dir: dir}, Config{})
	if err != nil {
		b.Fatal(err)
	}
	msg := make([]byte, 128)
	subjs := make([]string, 1000)
	for i := range subjs {
		subjs[i] = fmt.Sprintf("bench.subject.%d", i)
	}
	for i := 0; dirBytes(dir) < int64(mb)<<20; i++ {
		for j := 0; j < 10000; j++ {
			s.StoreMsg(subjs[j%len(subjs)], nil, msg, int64(i*10000+j), 0)
		}
	}
	var st State
	s.FastState(&st)
	s.Stop()
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		s, rec, err := OpenFileStore(FileConfig{Dir: dir}, Config{})
		if err != nil || rec.Msgs != st.Msgs {
			b.Fatalf("open: %v %+v", err, rec)
		}
		s.Stop()
	}
	// Memory the index of an open store holds, per message.
	var before, after runtime.MemStats
	runtime.GC()
	runtime.ReadMemStats(&before)
	s, _, _ = OpenFileStore(FileConfig{Dir: dir}, Config{})
	runtime.GC()
	runtime.ReadMemStats(&after)
	s.Stop()
	b.ReportMetric(float64(after.HeapAlloc-before.HeapAlloc)/float64(st.Msgs), "heap-B/msg")
	b.ReportMetric(float64(st.Msgs), "msgs")
	b.ReportMetric(float64(dirBytes(dir))/(1<<20), "MB")
}

// BenchmarkLoadLastMsgRandom loads the last message of random keys among
// 2,000 (the compare.sh kv-get scenario's working set: it fits the read
// windows, so a file-store get makes no system call).
func BenchmarkLoadLastMsgRandom(b *testing.B) {
	const keys = 2_000
	msg := make([]byte, 128)
	subjs := make([]string, keys)
	for i := range subjs {
		subjs[i] = "$KV.bench." + strconv.Itoa(i)
	}
	for _, k := range []kind{kindMem, kindFile} {
		b.Run(string(k), func(b *testing.B) {
			s := benchStore(b, k, Config{})
			for i := 0; i < keys; i++ {
				s.StoreMsg(subjs[i], nil, msg, int64(i), 0)
			}
			var sm StoreMsg
			x := uint32(1)
			b.ReportAllocs()
			b.ResetTimer()
			for i := 0; i < b.N; i++ {
				x = x*1664525 + 1013904223
				if _, err := s.LoadLastMsg(subjs[int(x>>8)%keys], &sm); err != nil {
					b.Fatal(err)
				}
			}
		})
	}
}
