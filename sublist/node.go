package sublist

import "strings"

// The trie: a level holds the children for one token position, a node
// the subscribers whose subject ends at that token plus the next level.
// Wildcards get dedicated pointers instead of map entries so that the
// match walk visits them without hashing, and so that a published token
// "*" or ">" (legal, if odd) is looked up literally in the map and never
// mistaken for a wildcard subscription.

type level[T comparable] struct {
	nodes map[string]*node[T] // literal tokens; allocated on first use
	pwc   *node[T]            // '*' child
	fwc   *node[T]            // '>' child; never has a next level
}

type node[T comparable] struct {
	next   *level[T] // nil when no longer subject continues here
	plain  subset[T]
	queues []qgroup[T] // few per node in practice: a slice beats a map
}

type qgroup[T comparable] struct {
	name    string
	members subset[T]
}

func (l *level[T]) empty() bool {
	return len(l.nodes) == 0 && l.pwc == nil && l.fwc == nil
}

// child returns the node for tok, nil if absent.
func (l *level[T]) child(tok string) *node[T] {
	switch tok {
	case pwc:
		return l.pwc
	case fwc:
		return l.fwc
	}
	return l.nodes[tok]
}

// childOrNew returns the node for tok, creating it if needed; created
// tells the caller to account for the new node.
func (l *level[T]) childOrNew(tok string) (n *node[T], created bool) {
	if n = l.child(tok); n != nil {
		return n, false
	}
	n = &node[T]{}
	switch tok {
	case pwc:
		l.pwc = n
	case fwc:
		l.fwc = n
	default:
		if l.nodes == nil {
			l.nodes = make(map[string]*node[T])
		}
		// Clone so the trie never pins a caller's larger backing string.
		l.nodes[strings.Clone(tok)] = n
	}
	return n, true
}

func (l *level[T]) removeChild(tok string) {
	switch tok {
	case pwc:
		l.pwc = nil
	case fwc:
		l.fwc = nil
	default:
		delete(l.nodes, tok)
		if len(l.nodes) == 0 {
			l.nodes = nil // a drained map keeps its buckets otherwise
		}
	}
}

// hasSubs reports whether any subscriber ends at n.
func (n *node[T]) hasSubs() bool { return n.plain.len() > 0 || len(n.queues) > 0 }

// prunable reports whether n can be unlinked from its level. The remove
// path keeps next nil whenever the level below is empty.
func (n *node[T]) prunable() bool { return !n.hasSubs() && n.next == nil }

func (n *node[T]) add(queue string, v T) {
	if queue == "" {
		n.plain.add(v)
		return
	}
	for i := range n.queues {
		if n.queues[i].name == queue {
			n.queues[i].members.add(v)
			return
		}
	}
	g := qgroup[T]{name: strings.Clone(queue)}
	g.members.add(v)
	n.queues = append(n.queues, g)
}

func (n *node[T]) remove(queue string, v T) bool {
	if queue == "" {
		return n.plain.remove(v)
	}
	for i := range n.queues {
		g := &n.queues[i]
		if g.name != queue {
			continue
		}
		if !g.members.remove(v) {
			return false
		}
		if g.members.len() == 0 {
			last := len(n.queues) - 1
			n.queues[i] = n.queues[last]
			n.queues[last] = qgroup[T]{}
			n.queues = n.queues[:last]
			if last == 0 {
				n.queues = nil
			}
		}
		return true
	}
	return false
}

// collect appends the subscribers of every node matching the literal
// tokens toks, starting at level l. '>' children match when at least one
// token remains, '*' children consume exactly one token (recursively, as
// the literal branch continues in the loop).
func collect[T comparable](l *level[T], toks []string, b *builder[T]) {
	var pn, n *node[T]
	for i, tok := range toks {
		if l == nil {
			return
		}
		if l.fwc != nil {
			b.add(l.fwc)
		}
		if pn = l.pwc; pn != nil && i+1 < len(toks) {
			collect(pn.next, toks[i+1:], b)
		}
		n = l.nodes[tok]
		if n == nil {
			l = nil
		} else {
			l = n.next
		}
	}
	// The loop ran to the end: the last token was consumed by n and/or pn.
	if n != nil {
		b.add(n)
	}
	if pn != nil {
		b.add(pn)
	}
}

// interest is collect with an early exit and no result building.
func interest[T comparable](l *level[T], toks []string) bool {
	var pn, n *node[T]
	for i, tok := range toks {
		if l == nil {
			return false
		}
		if l.fwc != nil && l.fwc.hasSubs() {
			return true
		}
		if pn = l.pwc; pn != nil && i+1 < len(toks) && interest(pn.next, toks[i+1:]) {
			return true
		}
		n = l.nodes[tok]
		if n == nil {
			l = nil
		} else {
			l = n.next
		}
	}
	return (n != nil && n.hasSubs()) || (pn != nil && pn.hasSubs())
}
