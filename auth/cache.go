package auth

// Cache remembers a Checker's recent decisions for one connection. It is
// used by one goroutine only (the connection's reader for publishes, or
// whichever goroutine delivers to it, under that connection's lock) and
// takes no locks itself.
//
// Each map is bounded by CacheSize entries; when one is full, a quarter
// of it (arbitrary entries, courtesy of Go's map iteration order) is
// dropped, so a stream of unique subjects costs an occasional cheap
// sweep rather than unbounded memory. A Cache is tied to the Checker
// that created it; used with another one (after a reload swapped the
// user's permissions) it silently starts over, so a connection can keep
// a single Cache for its whole life.
type Cache struct {
	owner *Checker
	pub   map[string]bool            // publish decisions
	del   map[string]bool            // delivery decisions, plain subs
	qdel  map[string]map[string]bool // delivery decisions by queue group
}

// CacheSize bounds each decision map of a Cache (and the number of
// queue groups tracked for delivery decisions).
const CacheSize = 512

// NewCache returns an empty per-connection cache for c. It is valid for
// a nil Checker too (which never uses it).
func (c *Checker) NewCache() *Cache { return &Cache{owner: c} }

// reset empties the cache and binds it to c.
func (k *Cache) reset(c *Checker) {
	*k = Cache{owner: c}
}

// Len returns the number of cached decisions.
func (k *Cache) Len() int {
	n := len(k.pub) + len(k.del)
	for _, m := range k.qdel {
		n += len(m)
	}
	return n
}

// cachePut stores key → v in m (creating it), pruning it when full.
func cachePut(m map[string]bool, key string, v bool) map[string]bool {
	if m == nil {
		m = make(map[string]bool, 16)
	} else if len(m) >= CacheSize {
		prune(m)
	}
	m[key] = v
	return m
}

// prune drops a quarter of a full map.
func prune[V any](m map[string]V) {
	n := len(m) / 4
	for k := range m {
		if n <= 0 {
			break
		}
		delete(m, k)
		n--
	}
}

func (k *Cache) putQueue(queue, subject string, v bool) {
	m := k.qdel[queue]
	if m == nil {
		if k.qdel == nil {
			k.qdel = make(map[string]map[string]bool)
		} else if len(k.qdel) >= CacheSize {
			prune(k.qdel)
		}
	}
	k.qdel[queue] = cachePut(m, subject, v)
}
