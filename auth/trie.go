package auth

import "strings"

// patternSet is an immutable token trie of permission entries, built by
// Compile and then shared read-only by every connection of a user (safe
// for concurrent use because nothing writes to it after construction).
//
// A lookup walks the trie with the tokens of a subject taken literally:
// wildcard nodes (pwc, fwc) match any token, literal children only their
// own text. This is the reference server's lookup rule, including for
// subscription subjects: "SUB foo.>" is checked as the text "foo.>", so
// an allow entry "foo.*" admits it (the "*" node swallows the ">" token).
type patternSet struct {
	root  pnode
	n     int     // number of entries
	items []entry // the entries, in configuration order, for analyses
}

// entry is one compiled permission entry: a subject pattern and, for a
// subscribe queue permission ("foo.> workers"), a queue pattern.
type entry struct {
	subject, queue string
}

type pnode struct {
	lits     map[string]*pnode
	pwc, fwc *pnode
	plain    bool     // a plain (queue-less) entry ends here
	queues   []string // queue patterns of entries ending here
}

// add inserts e; e.subject must be a valid pattern.
func (s *patternSet) add(e entry) {
	n := &s.root
	for rest := e.subject; ; {
		tok, r, more := strings.Cut(rest, ".")
		n = n.childOrNew(tok)
		if !more {
			break
		}
		rest = r
	}
	if e.queue == "" {
		n.plain = true
	} else {
		n.queues = append(n.queues, e.queue)
	}
	s.n++
	s.items = append(s.items, e)
}

// childOrNew returns the child of n for pattern token tok, creating it.
func (n *pnode) childOrNew(tok string) *pnode {
	switch tok {
	case pwc:
		if n.pwc == nil {
			n.pwc = &pnode{}
		}
		return n.pwc
	case fwc:
		if n.fwc == nil {
			n.fwc = &pnode{}
		}
		return n.fwc
	}
	c := n.lits[tok]
	if c == nil {
		c = &pnode{}
		if n.lits == nil {
			n.lits = make(map[string]*pnode)
		}
		n.lits[tok] = c
	}
	return c
}

// matchResult accumulates what a lookup found.
type matchResult struct {
	plain   bool // a plain entry matched
	queued  bool // at least one queue entry matched
	queueOK bool // a matched queue entry admits the queue looked up
}

// lookup matches the literal subject (with optional queue q) against
// the set. subject must not have empty tokens. It does not allocate.
func (s *patternSet) lookup(subject, q string) matchResult {
	var r matchResult
	if s != nil && s.n > 0 {
		s.root.walk(subject, q, &r)
	}
	return r
}

func (n *pnode) walk(rest, q string, r *matchResult) {
	tok, next, more := strings.Cut(rest, ".")
	if n.fwc != nil {
		r.take(n.fwc, q) // ">" takes this token and all that follow
	}
	if c := n.pwc; c != nil {
		if more {
			c.walk(next, q, r)
		} else {
			r.take(c, q)
		}
	}
	if c := n.lits[tok]; c != nil {
		if more {
			c.walk(next, q, r)
		} else {
			r.take(c, q)
		}
	}
}

func (r *matchResult) take(n *pnode, q string) {
	if n.plain {
		r.plain = true
	}
	if len(n.queues) == 0 {
		return
	}
	r.queued = true
	if q != "" && !r.queueOK {
		for _, p := range n.queues {
			if queueMatches(q, p) {
				r.queueOK = true
				return
			}
		}
	}
}
