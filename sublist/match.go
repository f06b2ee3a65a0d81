package sublist

import (
	"slices"
	"unsafe"
)

// Result is the set of subscribers matching a literal subject. Results
// are immutable once returned: they may be cached and handed to many
// goroutines at once, so callers must never modify them.
type Result[T comparable] struct {
	// Plain holds the non-queue subscribers, in no particular order.
	Plain []T
	// Queues holds one entry per queue group; a message goes to one
	// member of each group (the caller picks which).
	Queues []QueueGroup[T]
}

// QueueGroup is the set of matching members of one queue group. Members
// of the same group subscribed on different (overlapping) subjects are
// merged into a single group.
type QueueGroup[T comparable] struct {
	Name    string
	Members []T
}

// maxStackTokens bounds the token array kept on the stack during a match;
// deeper subjects (rare) spill to the heap via append.
const maxStackTokens = 32

// tokenize splits subject into buf, reporting false when the subject is
// empty or has an empty token (nothing can match it).
func tokenize(subject string, buf []string) ([]string, bool) {
	if subject == "" {
		return nil, false
	}
	start := 0
	for i := 0; i < len(subject); i++ {
		if subject[i] == tsep {
			if i == start {
				return nil, false
			}
			buf = append(buf, subject[start:i])
			start = i + 1
		}
	}
	if start == len(subject) {
		return nil, false
	}
	return append(buf, subject[start:]), true
}

// builder accumulates a result during the trie walk. It holds copies
// only: node slices keep changing after the walk, results must not.
// The first few plain subscribers go to an inline array that is only ever
// copied by value (never sliced), so the builder stays on the match's
// stack and a typical small result costs a single allocation.
type builder[T comparable] struct {
	small  [resultInline]T
	nsmall int
	plain  []T // all plain subscribers once small has overflowed
	queues []QueueGroup[T]
}

// resultInline is the number of plain subscribers stored inline in a
// result's own allocation (most subjects have a handful of subscribers).
const resultInline = 4

// resultBox lets a small result and its Plain slice share one allocation.
type resultBox[T comparable] struct {
	r     Result[T]
	plain [resultInline]T
}

func (b *builder[T]) add(n *node[T]) {
	items := n.plain.items
	if b.plain == nil && b.nsmall+len(items) <= resultInline {
		b.nsmall += copy(b.small[b.nsmall:], items)
	} else {
		if b.plain == nil {
			b.plain = make([]T, b.nsmall, max(2*resultInline, b.nsmall+len(items)))
			copy(b.plain, b.small[:b.nsmall])
		}
		b.plain = append(b.plain, items...)
	}
	for i := range n.queues {
		g := &n.queues[i]
		if j := b.group(g.name); j >= 0 {
			b.queues[j].Members = append(b.queues[j].Members, g.members.items...)
		} else {
			b.queues = append(b.queues, QueueGroup[T]{Name: g.name, Members: slices.Clone(g.members.items)})
		}
	}
}

// result returns the accumulated result, or empty when nothing matched.
func (b *builder[T]) result(empty *Result[T]) *Result[T] {
	if b.plain != nil {
		return &Result[T]{Plain: b.plain, Queues: b.queues}
	}
	if b.nsmall == 0 && len(b.queues) == 0 {
		return empty
	}
	box := &resultBox[T]{plain: b.small}
	box.r.Queues = b.queues
	if b.nsmall > 0 {
		box.r.Plain = box.plain[:b.nsmall:b.nsmall] // appending must copy
	}
	return &box.r
}

func (b *builder[T]) group(name string) int {
	for j := range b.queues {
		if b.queues[j].Name == name {
			return j
		}
	}
	return -1
}

// Match returns the subscribers whose subject matches the literal subject.
// The result is never nil and must not be modified. subject is only read
// during the call and may be reused by the caller afterwards.
func (s *Sublist[T]) Match(subject []byte) *Result[T] {
	// Zero-copy view: the string never outlives this call (the cache
	// clones its keys), so the caller's buffer may be reused afterwards.
	return s.match(unsafe.String(unsafe.SliceData(subject), len(subject)))
}

// MatchString is Match for a string subject.
func (s *Sublist[T]) MatchString(subject string) *Result[T] { return s.match(subject) }

// match is the hot path. A cache hit takes no lock at all (see cache.go)
// and performs one striped atomic add; a miss walks the trie under the
// read lock and then offers the result to the cache.
func (s *Sublist[T]) match(subject string) *Result[T] {
	var h uint64
	if s.cache != nil {
		h = s.cache.hash(subject)
		if r := s.cache.get(h, subject); r != nil {
			s.ctr.hit()
			return r
		}
	}
	s.ctr.miss()

	var buf [maxStackTokens]string
	toks, ok := tokenize(subject, buf[:0])
	if !ok {
		return s.empty
	}
	var b builder[T]
	s.mu.RLock()
	// Stable while the read lock is held: writers bump it under the
	// write lock, after changing the trie.
	gen := s.gen.Load()
	collect(s.root, toks, &b)
	s.mu.RUnlock()

	r := b.result(s.empty)
	if s.cache != nil {
		s.cache.put(h, subject, r, gen, &s.gen)
	}
	return r
}

// HasInterest reports whether at least one subscription matches the
// literal subject. It uses the cache when it can but, unlike Match, never
// fills it (and is not counted in NumMatches).
func (s *Sublist[T]) HasInterest(subject []byte) bool {
	subj := unsafe.String(unsafe.SliceData(subject), len(subject))
	if s.cache != nil {
		if r := s.cache.get(s.cache.hash(subj), subj); r != nil {
			return len(r.Plain) > 0 || len(r.Queues) > 0
		}
	}
	var buf [maxStackTokens]string
	toks, ok := tokenize(subj, buf[:0])
	if !ok {
		return false
	}
	s.mu.RLock()
	found := interest(s.root, toks)
	s.mu.RUnlock()
	return found
}

// MatchInto is Match without the cache, filling dst (reusing its slices)
// instead of allocating a result. It is for subjects that are unique per
// message, such as JetStream's ack replies: caching them would only evict
// useful entries and cost allocations. dst is the caller's: the result is
// valid until the caller's next MatchInto with the same dst.
func (s *Sublist[T]) MatchInto(subject []byte, dst *Result[T]) *Result[T] {
	subj := unsafe.String(unsafe.SliceData(subject), len(subject))
	var buf [maxStackTokens]string
	toks, ok := tokenize(subj, buf[:0])
	dst.Plain, dst.Queues = dst.Plain[:0], dst.Queues[:0]
	if !ok {
		return dst
	}
	var b builder[T]
	s.mu.RLock()
	collect(s.root, toks, &b)
	s.mu.RUnlock()
	if b.plain != nil {
		dst.Plain = append(dst.Plain, b.plain...)
	} else {
		dst.Plain = append(dst.Plain, b.small[:b.nsmall]...)
	}
	dst.Queues = append(dst.Queues, b.queues...)
	return dst
}
