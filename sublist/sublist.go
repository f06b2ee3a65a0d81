package sublist

import (
	"errors"
	"strings"
	"sync"
	"sync/atomic"
)

// Errors returned by Insert and Remove.
var (
	ErrInvalidSubject = errors.New("sublist: invalid subject")
	ErrInvalidQueue   = errors.New("sublist: invalid queue name")
	ErrNotFound       = errors.New("sublist: subscription not found")
)

// Sublist is a concurrency-safe subject index. T is the subscription
// handle (typically a pointer); handles are compared with ==.
type Sublist[T comparable] struct {
	mu    sync.RWMutex // guards the trie (root and everything below)
	root  *level[T]
	nodes int        // live trie nodes, under mu; lets tests check pruning
	empty *Result[T] // shared empty result (generic: one per instance)
	cache *cache[T]  // nil when disabled

	// Written under mu (so they are consistent with the trie) but read
	// lock-free.
	gen     atomic.Uint64
	count   atomic.Uint32
	inserts atomic.Uint64
	removes atomic.Uint64

	ctr matchCounters
}

// New returns an empty index. cache=false disables the match cache
// (option disable_sublist_cache): every Match then walks the trie.
func New[T comparable](cache bool) *Sublist[T] {
	s := &Sublist[T]{root: &level[T]{}, empty: &Result[T]{}}
	if cache {
		s.cache = newCache[T]()
	}
	return s
}

// Insert adds v under subject and queue group queue ("" for none).
// Inserting the same (subject, queue, v) twice stores it twice; Remove
// then has to be called twice too.
func (s *Sublist[T]) Insert(subject, queue string, v T) error {
	if !ValidSubject(subject) {
		return ErrInvalidSubject
	}
	if queue != "" && !ValidQueueName(queue) {
		return ErrInvalidQueue
	}
	s.mu.Lock()
	l := s.root
	var n *node[T]
	for rest := subject; ; {
		tok, r, more := strings.Cut(rest, ".")
		var created bool
		if n, created = l.childOrNew(tok); created {
			s.nodes++
		}
		if !more {
			break
		}
		if n.next == nil {
			n.next = &level[T]{}
		}
		l, rest = n.next, r
	}
	n.add(queue, v)
	s.changed(subject)
	s.count.Add(1)
	s.inserts.Add(1)
	s.mu.Unlock()
	return nil
}

// pathStep records one descent of Remove so empty nodes can be pruned
// bottom-up without a second walk.
type pathStep[T comparable] struct {
	l   *level[T]
	n   *node[T]
	tok string
}

// Remove removes one occurrence of v under subject and queue. It returns
// ErrNotFound if there is none. Nodes and levels left empty are pruned so
// memory is returned after unsubscribes.
func (s *Sublist[T]) Remove(subject, queue string, v T) error {
	if !ValidSubject(subject) {
		return ErrInvalidSubject
	}
	if queue != "" && !ValidQueueName(queue) {
		return ErrInvalidQueue
	}
	var buf [maxStackTokens]pathStep[T]
	path := buf[:0]

	s.mu.Lock()
	defer s.mu.Unlock()
	l := s.root
	for rest := subject; ; {
		tok, r, more := strings.Cut(rest, ".")
		n := l.child(tok)
		if n == nil {
			return ErrNotFound
		}
		path = append(path, pathStep[T]{l, n, tok})
		if !more {
			break
		}
		if l = n.next; l == nil {
			return ErrNotFound
		}
		rest = r
	}
	if !path[len(path)-1].n.remove(queue, v) {
		return ErrNotFound
	}
	for i := len(path) - 1; i >= 0; i-- {
		st := path[i]
		if !st.n.prunable() {
			break
		}
		st.l.removeChild(st.tok)
		s.nodes--
		if i == 0 || !st.l.empty() {
			break
		}
		path[i-1].n.next = nil // keeps prunable() a field check
	}
	s.changed(subject)
	s.count.Add(^uint32(0))
	s.removes.Add(1)
	return nil
}

// changed publishes a trie change to lock-free readers: the generation
// first (so in-flight cache fills computed before it are rejected), then
// the invalidation of affected cache entries, then the generation again.
// A lock-free cache hit between the first bump and the invalidation still
// returns the old result; the second bump makes sure a caller that read
// the generation in that window (and may keep that result in its own
// cache, keyed by the generation it read) sees it move once more and
// drops it. Called with mu held.
func (s *Sublist[T]) changed(subject string) {
	s.gen.Add(1)
	if s.cache != nil {
		s.cache.invalidate(subject)
	}
	s.gen.Add(1)
}

// Generation returns a counter that increases on every successful Insert
// and Remove (by two: see changed). Callers keeping their own match caches
// read it before calling Match and drop their cache when it has moved on;
// a result obtained after reading generation g is then never kept past
// the end of a change that started after g was read.
func (s *Sublist[T]) Generation() uint64 { return s.gen.Load() }

// Count returns the number of stored subscriptions.
func (s *Sublist[T]) Count() uint32 { return s.count.Load() }

// ForEach calls fn for every stored subscription, with queue "" for plain
// ones. It holds the read lock throughout: fn must not call back into the
// Sublist (a concurrent writer would deadlock it).
func (s *Sublist[T]) ForEach(fn func(subject, queue string, v T)) {
	s.mu.RLock()
	defer s.mu.RUnlock()
	var buf [maxStackTokens]string
	forEach(s.root, buf[:0], fn)
}

func forEach[T comparable](l *level[T], path []string, fn func(subject, queue string, v T)) {
	visit := func(tok string, n *node[T]) {
		p := append(path, tok)
		if n.hasSubs() {
			subject := strings.Join(p, ".")
			for _, v := range n.plain.items {
				fn(subject, "", v)
			}
			for _, g := range n.queues {
				for _, v := range g.members.items {
					fn(subject, g.name, v)
				}
			}
		}
		if n.next != nil {
			forEach(n.next, p, fn)
		}
	}
	for tok, n := range l.nodes {
		visit(tok, n)
	}
	if l.pwc != nil {
		visit(pwc, l.pwc)
	}
	if l.fwc != nil {
		visit(fwc, l.fwc)
	}
}
