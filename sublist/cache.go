package sublist

import (
	"hash/maphash"
	"strings"
	"sync"
	"sync/atomic"
)

// The match cache maps a literal subject to its (immutable) Result.
//
// Design choice: lock-free reads. The cache is a fixed, set-associative
// table of atomic pointers to immutable entries: a lookup hashes the
// subject, picks a set and compares at most cacheWays entries, with no
// mutex and no allocation. This keeps a cache hit free of the shared
// RWMutex reader counter, which otherwise becomes the bottleneck when many
// cores publish at once. Writers (fills, invalidations, evictions) are
// serialized by the cache's own mutex, so a miss never takes the trie's
// write lock.
//
// Bounded by construction: cacheSets*cacheWays entries. When a set is
// full, a per-set CLOCK hand evicts an entry that has not been hit since
// the hand last passed, so a stream of one-shot subjects (reply inboxes)
// cycles through unreferenced slots instead of flushing hot subjects.
//
// Correctness on Insert/Remove: the sublist bumps its generation under
// its write lock and then drops every cached subject the changed
// subscription matches (one set probe for a literal subject, a scan of
// the table otherwise). A fill carries the generation its result was
// computed at and is discarded if that is no longer current, so a result
// computed before a concurrent change can never be stored after the
// invalidation that should have removed it.
const (
	cacheSets = 128
	cacheWays = 8
	// cacheSize is the maximum number of cached match results.
	cacheSize = cacheSets * cacheWays
)

type cacheEntry[T comparable] struct {
	hash uint64
	key  string
	res  *Result[T]
	// ref is the CLOCK reference bit, set on hit. It is only written
	// when clear, so a hot entry's cache line stays shared across cores.
	ref atomic.Bool
}

type cache[T comparable] struct {
	seed  maphash.Seed
	slots [cacheSize]atomic.Pointer[cacheEntry[T]]

	mu   sync.Mutex // serializes all slot writes and the fields below
	n    int        // occupied slots
	hand [cacheSets]uint8
}

func newCache[T comparable]() *cache[T] {
	return &cache[T]{seed: maphash.MakeSeed()}
}

func (c *cache[T]) hash(key string) uint64 { return maphash.String(c.seed, key) }

// set returns the slots of the set that hash h maps to.
func (c *cache[T]) set(h uint64) []atomic.Pointer[cacheEntry[T]] {
	base := int(h%cacheSets) * cacheWays
	return c.slots[base : base+cacheWays]
}

// get returns the cached result for key (hash h), nil on a miss.
func (c *cache[T]) get(h uint64, key string) *Result[T] {
	set := c.set(h)
	for i := range set {
		if e := set[i].Load(); e != nil && e.hash == h && e.key == key {
			if !e.ref.Load() {
				e.ref.Store(true)
			}
			return e.res
		}
	}
	return nil
}

// put stores r for key unless the sublist generation moved past gen
// (r may then be stale: the invalidation for that change may already
// have run).
func (c *cache[T]) put(h uint64, key string, r *Result[T], gen uint64, cur *atomic.Uint64) {
	c.mu.Lock()
	defer c.mu.Unlock()
	if cur.Load() != gen {
		return
	}
	set := c.set(h)
	free := -1
	for i := range set {
		e := set[i].Load()
		if e == nil {
			if free < 0 {
				free = i
			}
		} else if e.hash == h && e.key == key {
			return // a concurrent miss filled it with the same result
		}
	}
	if free < 0 {
		free = c.victim(h, set)
	} else {
		c.n++
	}
	set[free].Store(&cacheEntry[T]{hash: h, key: strings.Clone(key), res: r})
}

// victim advances the set's CLOCK hand to an unreferenced entry, clearing
// reference bits on the way; it terminates within two turns.
func (c *cache[T]) victim(h uint64, set []atomic.Pointer[cacheEntry[T]]) int {
	hand := &c.hand[h%cacheSets]
	for {
		i := int(*hand) % cacheWays
		*hand = uint8((i + 1) % cacheWays)
		if e := set[i].Load(); e.ref.Load() {
			e.ref.Store(false)
			continue
		}
		return i
	}
}

// invalidate drops every cached subject that subscription subject
// matches. The caller has already bumped the sublist generation.
func (c *cache[T]) invalidate(subject string) {
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.n == 0 {
		return
	}
	if isLiteral(subject) {
		// A literal subscription matches only its own text.
		h := c.hash(subject)
		set := c.set(h)
		for i := range set {
			if e := set[i].Load(); e != nil && e.hash == h && e.key == subject {
				set[i].Store(nil)
				c.n--
				return
			}
		}
		return
	}
	for i := range c.slots {
		if e := c.slots[i].Load(); e != nil && matchLiteral(subject, e.key) {
			c.slots[i].Store(nil)
			c.n--
		}
	}
}

// stats returns the number of entries and the max and mean fan-out
// (plain subscribers plus queue groups) over the cached results.
func (c *cache[T]) stats() (n int, maxFanout int, avgFanout float64) {
	c.mu.Lock()
	defer c.mu.Unlock()
	total := 0
	for i := range c.slots {
		e := c.slots[i].Load()
		if e == nil {
			continue
		}
		f := len(e.res.Plain) + len(e.res.Queues)
		total += f
		maxFanout = max(maxFanout, f)
	}
	if c.n > 0 {
		avgFanout = float64(total) / float64(c.n)
	}
	return c.n, maxFanout, avgFanout
}
