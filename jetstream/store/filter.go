package store

import "strings"

// filter is a parsed subject filter, split into tokens once so that
// matching many subjects against it does not split it again.
type filter struct {
	all     bool   // "" or ">": everything
	literal bool   // no wildcards: compare strings
	subj    string // the filter as given
	toks    []string
}

func newFilter(f string) filter {
	if f == "" || f == ">" {
		return filter{all: true, subj: f}
	}
	if !strings.ContainsAny(f, "*>") {
		return filter{literal: true, subj: f}
	}
	toks := strings.Split(f, ".")
	lit := true
	for _, t := range toks {
		if t == "*" || t == ">" {
			lit = false
		}
	}
	return filter{literal: lit, subj: f, toks: toks}
}

// match reports whether the literal subject subj matches the filter.
func (f *filter) match(subj string) bool {
	switch {
	case f.all:
		return true
	case f.literal:
		return f.subj == subj
	}
	for i, pt := range f.toks {
		if pt == ">" {
			return subj != ""
		}
		if subj == "" {
			return false
		}
		tok, rest, more := strings.Cut(subj, ".")
		if pt != "*" && pt != tok {
			return false
		}
		if !more {
			return i == len(f.toks)-1
		}
		subj = rest
	}
	return false
}

// validStoreSubject reports whether subj can be stored: a non-empty
// literal subject without empty tokens.
func validStoreSubject(subj string) bool {
	// One pass over the bytes: this runs for every stored message.
	start := 0
	for i := 0; i <= len(subj); i++ {
		if i == len(subj) || subj[i] == '.' {
			if tok := subj[start:i]; tok == "" || tok == "*" || tok == ">" {
				return false
			}
			start = i + 1
			continue
		}
		switch subj[i] {
		case ' ', '\t', '\r', '\n':
			return false
		}
	}
	return true
}
