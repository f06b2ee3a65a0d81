package sublist

import (
	"fmt"
	"strconv"
	"sync"
	"testing"
)

// benchSubject returns the i-th subscription subject of a set. Literal
// sets look like service subjects; wildcard-heavy sets mix '*' and '>'
// at several depths so that a match explores several branches.
func benchSubject(i int, wildcards bool) string {
	a, b, c := strconv.Itoa(i%10), strconv.Itoa(i%100), strconv.Itoa(i)
	if !wildcards {
		return "svc." + a + "." + b + "." + c
	}
	switch i % 4 {
	case 0:
		return "svc." + a + ".*." + c
	case 1:
		return "svc.*." + b + "." + c
	case 2:
		return "svc." + a + "." + b + ".>"
	default:
		return "svc." + a + "." + b + "." + c
	}
}

type benchKey struct {
	n         int
	wildcards bool
	cache     bool
}

var (
	benchMu    sync.Mutex
	benchLists = map[benchKey]*Sublist[*int]{}
)

// benchList builds (once) a sublist with n subscriptions.
func benchList(n int, wildcards, cache bool) *Sublist[*int] {
	benchMu.Lock()
	defer benchMu.Unlock()
	k := benchKey{n, wildcards, cache}
	if s := benchLists[k]; s != nil {
		return s
	}
	s := New[*int](cache)
	for i := 0; i < n; i++ {
		if err := s.Insert(benchSubject(i, wildcards), "", new(int)); err != nil {
			panic(err)
		}
	}
	benchLists[k] = s
	return s
}

var benchSizes = []int{1, 10_000, 100_000}

func BenchmarkInsert(b *testing.B) {
	for _, wc := range []bool{false, true} {
		b.Run(fmt.Sprintf("wildcards=%v", wc), func(b *testing.B) {
			subs := make([]string, b.N)
			for i := range subs {
				subs[i] = benchSubject(i, wc)
			}
			v := new(int)
			s := New[*int](true)
			b.ReportAllocs()
			b.ResetTimer()
			for i := 0; i < b.N; i++ {
				s.Insert(subs[i], "", v)
			}
		})
	}
}

func BenchmarkRemove(b *testing.B) {
	for _, wc := range []bool{false, true} {
		b.Run(fmt.Sprintf("wildcards=%v", wc), func(b *testing.B) {
			subs := make([]string, b.N)
			v := new(int)
			s := New[*int](true)
			for i := range subs {
				subs[i] = benchSubject(i, wc)
				s.Insert(subs[i], "", v)
			}
			b.ReportAllocs()
			b.ResetTimer()
			for i := 0; i < b.N; i++ {
				if err := s.Remove(subs[i], "", v); err != nil {
					b.Fatal(err)
				}
			}
		})
	}
}

// BenchmarkMatch: cache=true measures the cache-hit path (one subject,
// repeatedly); cache=false measures a full trie walk every time.
func BenchmarkMatch(b *testing.B) {
	for _, cache := range []bool{true, false} {
		for _, wc := range []bool{false, true} {
			for _, n := range benchSizes {
				name := fmt.Sprintf("cache=%v/wildcards=%v/subs=%d", cache, wc, n)
				b.Run(name, func(b *testing.B) {
					s := benchList(n, wc, cache)
					// Matches subscription 7 % n (and, in the wildcard
					// set, several overlapping wildcard subscriptions).
					subj := []byte(benchSubject(7%n, false))
					if len(s.Match(subj).Plain) == 0 {
						b.Fatal("benchmark subject matches nothing")
					}
					b.ReportAllocs()
					b.ResetTimer()
					for i := 0; i < b.N; i++ {
						s.Match(subj)
					}
				})
			}
		}
	}
}

// BenchmarkMatchNoInterest: publishing where nobody listens (cache off).
func BenchmarkMatchNoInterest(b *testing.B) {
	s := benchList(100_000, true, false)
	subj := []byte("svc.7.8.nobody")
	b.ReportAllocs()
	for i := 0; i < b.N; i++ {
		s.Match(subj)
	}
}

// BenchmarkMatchUnique: every publish has a new subject (reply inboxes):
// a miss, a trie walk and a cache fill with eviction each time.
func BenchmarkMatchUnique(b *testing.B) {
	s := benchList(100_000, true, true)
	subjs := make([][]byte, 4096)
	for i := range subjs {
		subjs[i] = []byte("svc.7.7." + strconv.Itoa(1_000_000+i))
	}
	b.ReportAllocs()
	for i := 0; i < b.N; i++ {
		s.Match(subjs[i%len(subjs)])
	}
}

func BenchmarkHasInterest(b *testing.B) {
	for _, cache := range []bool{true, false} {
		b.Run(fmt.Sprintf("cache=%v", cache), func(b *testing.B) {
			s := benchList(100_000, true, cache)
			subj := []byte("svc.7.7.7")
			s.Match(subj) // fill the cache
			b.ReportAllocs()
			for i := 0; i < b.N; i++ {
				s.HasInterest(subj)
			}
		})
	}
}

func BenchmarkMatchParallel(b *testing.B) {
	for _, cache := range []bool{true, false} {
		b.Run(fmt.Sprintf("cache=%v", cache), func(b *testing.B) {
			s := benchList(100_000, true, cache)
			subjs := [][]byte{[]byte("svc.7.7.7"), []byte("svc.1.1.1"), []byte("svc.3.33.333"), []byte("svc.5.55.5555")}
			b.ReportAllocs()
			b.RunParallel(func(pb *testing.PB) {
				i := 0
				for pb.Next() {
					s.Match(subjs[i%len(subjs)])
					i++
				}
			})
		})
	}
}

// BenchmarkMatchParallelChurn: parallel cache-hit matches while another
// goroutine keeps subscribing and unsubscribing a literal subject.
func BenchmarkMatchParallelChurn(b *testing.B) {
	s := New[*int](true)
	for i := 0; i < 10_000; i++ {
		s.Insert(benchSubject(i, true), "", new(int))
	}
	stop := make(chan struct{})
	done := make(chan struct{})
	go func() {
		defer close(done)
		v := new(int)
		for i := 0; ; i++ {
			select {
			case <-stop:
				return
			default:
			}
			subj := "_INBOX." + strconv.Itoa(i%1000)
			s.Insert(subj, "", v)
			s.Remove(subj, "", v)
		}
	}()
	subj := []byte("svc.7.7.7")
	b.ReportAllocs()
	b.ResetTimer()
	b.RunParallel(func(pb *testing.PB) {
		for pb.Next() {
			s.Match(subj)
		}
	})
	b.StopTimer()
	close(stop)
	<-done
}
