package sublist

import "strings"

const (
	// tsep separates subject tokens.
	tsep = '.'
	// pwc is the single-token wildcard, only special as a whole token.
	pwc = "*"
	// fwc is the full wildcard, only special as the whole last token.
	fwc = ">"
)

// subjectChars is the set of raw byte sequences the validators accept:
// subjects arrive both as strings (config, tests) and as []byte straight
// out of the protocol parser, and validation should not force a
// conversion on either.
type subjectChars interface{ ~string | ~[]byte }

// isSpace reports whether c is whitespace that the protocol uses as an
// argument separator; such a byte can never be part of a subject.
func isSpace(c byte) bool {
	return c == ' ' || c == '\t' || c == '\r' || c == '\n'
}

// validSubject is the shared scanner behind the exported validators. With
// wildcards=true whole-token '*' and a last whole-token '>' are accepted;
// with wildcards=false any wildcard token rejects the subject.
func validSubject[S subjectChars](s S, wildcards bool) bool {
	n := len(s)
	if n == 0 {
		return false
	}
	start := 0
	for i := 0; i <= n; i++ {
		if i < n && s[i] != tsep {
			if isSpace(s[i]) {
				return false
			}
			continue
		}
		switch i - start {
		case 0:
			return false // empty token: leading, trailing or doubled '.'
		case 1:
			switch s[start] {
			case '*':
				if !wildcards {
					return false
				}
			case '>':
				// '>' swallows the rest of the subject, so anything
				// after it cannot be matched: reject like nats-server.
				if !wildcards || i != n {
					return false
				}
			}
		}
		start = i + 1
	}
	return true
}

// ValidSubject reports whether subject is valid for a subscription:
// non-empty tokens, no whitespace, '*' and '>' allowed as whole tokens and
// '>' only as the last token. Tokens such as "foo*" are plain literals.
func ValidSubject(subject string) bool { return validSubject(subject, true) }

// ValidSubjectBytes is ValidSubject for a byte slice (parser buffers).
func ValidSubjectBytes(subject []byte) bool { return validSubject(subject, true) }

// ValidLiteralSubject reports whether subject is valid and contains no
// wildcard token, i.e. whether it may be published to.
func ValidLiteralSubject(subject string) bool { return validSubject(subject, false) }

// ValidLiteralSubjectBytes is ValidLiteralSubject for a byte slice.
func ValidLiteralSubjectBytes(subject []byte) bool { return validSubject(subject, false) }

// ValidQueueName reports whether queue is usable as a queue group name:
// non-empty and free of whitespace.
func ValidQueueName(queue string) bool {
	if queue == "" {
		return false
	}
	for i := 0; i < len(queue); i++ {
		if isSpace(queue[i]) {
			return false
		}
	}
	return true
}

// hasEmptyToken reports whether s is empty or has an empty token. Such a
// subject cannot be published to, so it matches nothing.
func hasEmptyToken(s string) bool {
	return s == "" || s[0] == tsep || s[len(s)-1] == tsep || strings.Contains(s, "..")
}

// isLiteral reports whether a (valid) subscription subject has no
// wildcard token, in which case it can only match its own text.
func isLiteral(subject string) bool {
	for rest := subject; ; {
		tok, r, more := strings.Cut(rest, ".")
		if tok == pwc || tok == fwc {
			return false
		}
		if !more {
			return true
		}
		rest = r
	}
}

// SubjectMatches reports whether the subscription subject pattern (which
// may contain wildcards) matches the published subject literal. Wildcard
// characters in literal are taken literally, exactly as Match does: a
// publish to "foo.*" reaches "foo.*" and "foo.>" subscribers but not
// "foo.bar" ones. Invalid patterns and literals with empty tokens match
// nothing.
func SubjectMatches(pattern, literal string) bool {
	if !ValidSubject(pattern) || hasEmptyToken(literal) {
		return false
	}
	return matchLiteral(pattern, literal)
}

// matchLiteral is SubjectMatches without validation, for callers (the
// cache) that only ever hold valid inputs.
func matchLiteral(pattern, literal string) bool {
	for {
		pt, prest, pmore := strings.Cut(pattern, ".")
		lt, lrest, lmore := strings.Cut(literal, ".")
		switch pt {
		case fwc:
			return true // at least lt remains, which is all '>' needs
		case pwc:
		default:
			if pt != lt {
				return false
			}
		}
		if !pmore || !lmore {
			return pmore == lmore
		}
		pattern, literal = prest, lrest
	}
}

// SubjectIsSubset reports whether every literal subject matched by sub is
// also matched by super (both subscription subjects, possibly with
// wildcards). Invalid subjects are never subsets nor supersets.
func SubjectIsSubset(sub, super string) bool {
	if !ValidSubject(sub) || !ValidSubject(super) {
		return false
	}
	for {
		st, srest, smore := strings.Cut(sub, ".")
		pt, prest, pmore := strings.Cut(super, ".")
		switch {
		case pt == fwc:
			return true // sub has at least st left here
		case st == fwc:
			return false // sub reaches arbitrarily deep, super does not
		case pt == pwc:
			// any single token of sub (literal or '*') is covered
		case st != pt:
			return false // includes sub '*' against a super literal
		}
		if !smore || !pmore {
			return smore == pmore
		}
		sub, super = srest, prest
	}
}

// SubjectsOverlap reports whether some literal subject matches both
// subscription subjects a and b (wildcards allowed in either): two
// imports or two streams that overlap would both claim it.
func SubjectsOverlap(a, b string) bool {
	for {
		at, arest, amore := strings.Cut(a, ".")
		bt, brest, bmore := strings.Cut(b, ".")
		if at == ">" || bt == ">" {
			return true
		}
		if at != "*" && bt != "*" && at != bt {
			return false
		}
		if !amore || !bmore {
			return amore == bmore
		}
		a, b = arest, brest
	}
}
