package sublist

import (
	"math/rand/v2"
	"sync/atomic"
)

// Stats is a snapshot of a Sublist's counters for monitoring
// (/subsz, /varz). Field names and JSON tags follow nats-server.
type Stats struct {
	NumSubs      uint32  `json:"num_subscriptions"`
	NumCache     uint32  `json:"num_cache"`
	NumInserts   uint64  `json:"num_inserts"`
	NumRemoves   uint64  `json:"num_removes"`
	NumMatches   uint64  `json:"num_matches"`
	CacheHitRate float64 `json:"cache_hit_rate"`
	MaxFanout    uint32  `json:"max_fanout"`
	AvgFanout    float64 `json:"avg_fanout"`
}

// matchCounters counts matches without adding a shared hot spot to the
// lock-free cache-hit path: the counts are spread over padded stripes,
// each on its own cache line, picked at random per call (the runtime's
// per-thread generator, a few ns and no shared state). Stats sums them.
type matchCounters struct {
	stripes [numStripes]struct {
		hits, misses atomic.Uint64
		_            [64 - 16]byte
	}
}

const numStripes = 16 // power of two

func (c *matchCounters) hit()  { c.stripes[rand.Uint32()&(numStripes-1)].hits.Add(1) }
func (c *matchCounters) miss() { c.stripes[rand.Uint32()&(numStripes-1)].misses.Add(1) }

func (c *matchCounters) load() (hits, misses uint64) {
	for i := range c.stripes {
		hits += c.stripes[i].hits.Load()
		misses += c.stripes[i].misses.Load()
	}
	return hits, misses
}

// Stats returns a snapshot of the counters. The fan-out figures cover the
// results currently in the match cache, as in nats-server.
func (s *Sublist[T]) Stats() Stats {
	hits, misses := s.ctr.load()
	st := Stats{
		NumSubs:    s.count.Load(),
		NumInserts: s.inserts.Load(),
		NumRemoves: s.removes.Load(),
		NumMatches: hits + misses,
	}
	if st.NumMatches > 0 {
		st.CacheHitRate = float64(hits) / float64(st.NumMatches)
	}
	if s.cache != nil {
		n, maxF, avgF := s.cache.stats()
		st.NumCache = uint32(n)
		st.MaxFanout = uint32(maxF)
		st.AvgFanout = avgF
	}
	return st
}
