package auth

import (
	"strings"

	"github.com/natsd/natsd/sublist"
)

// Subject helpers private to the permission code. They work on strings
// that were validated once, at Compile time (patterns), or that come
// straight off the wire (literals); none of them allocates.
//
// Terminology: a pattern is a permission entry (may contain the whole
// token wildcards "*" and a final ">"); a literal is a published subject,
// or a subscription subject being checked *as if* it were literal: the
// reference server checks "SUB foo.*" by looking the text "foo.*" up in
// the permission list, so a "*" or ">" token in it is only matched by a
// pattern wildcard, never by the same literal token in a pattern.

const (
	pwc = "*"
	fwc = ">"
)

// validPattern reports whether s is a valid permission subject.
func validPattern(s string) bool { return sublist.ValidSubject(s) }

// hasEmptyToken reports whether the literal s is empty or has an empty
// token; such a subject can never be published to and matches nothing.
func hasEmptyToken(s string) bool {
	return s == "" || s[0] == '.' || s[len(s)-1] == '.' || strings.Contains(s, "..")
}

// isLiteral reports whether s contains no wildcard token.
func isLiteral(s string) bool {
	for {
		tok, rest, more := strings.Cut(s, ".")
		if tok == pwc || tok == fwc {
			return false
		}
		if !more {
			return true
		}
		s = rest
	}
}

// subset reports whether every literal matched by pattern s is also
// matched by pattern p. Both must be valid patterns.
func subset(s, p string) bool {
	for {
		st, srest, smore := strings.Cut(s, ".")
		pt, prest, pmore := strings.Cut(p, ".")
		switch {
		case pt == fwc:
			return true
		case st == fwc:
			return false
		case pt == pwc:
		case st != pt:
			return false
		}
		if !smore || !pmore {
			return smore == pmore
		}
		s, p = srest, prest
	}
}

// intersect reports whether some literal subject is matched by both
// patterns a and b. Both must be valid patterns.
func intersect(a, b string) bool {
	for {
		at, arest, amore := strings.Cut(a, ".")
		bt, brest, bmore := strings.Cut(b, ".")
		if at == fwc || bt == fwc {
			return true
		}
		if at != pwc && bt != pwc && at != bt {
			return false
		}
		if !amore || !bmore {
			return amore == bmore
		}
		a, b = arest, brest
	}
}

// queueMatches reports whether the queue group q of a subscription is
// covered by the queue pattern of a permission entry. Black-box testing
// of the reference gives: an identical name always matches; otherwise
// the pattern's wildcards apply with subset semantics, so pattern
// "work.*" admits "work.1" and "work.*" but not "work.>" nor "work",
// and pattern ">" admits every name.
func queueMatches(q, pattern string) bool {
	if q == pattern {
		return true
	}
	return validPattern(q) && subset(q, pattern)
}
