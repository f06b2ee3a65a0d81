package accounts

import "strings"

// MapSubject maps literal, a subject matched by pattern from, onto
// pattern to: the tokens that matched from's wildcards fill to's
// wildcards in order (a ">" takes the rest). Validate makes sure both
// patterns have the same wildcards. A literal from maps to to as is.
func MapSubject(from, to, literal string) string {
	if !strings.ContainsAny(to, "*>") {
		return to
	}
	// Collect the tokens matched by each wildcard of from.
	var caps []string
	rest := literal
	for pf := from; ; {
		ft, frest, fmore := strings.Cut(pf, ".")
		if ft == ">" {
			caps = append(caps, rest)
			break
		}
		lt, lrest, _ := strings.Cut(rest, ".")
		if ft == "*" {
			caps = append(caps, lt)
		}
		if !fmore {
			break
		}
		pf, rest = frest, lrest
	}
	var b strings.Builder
	b.Grow(len(to) + len(literal))
	i := 0
	for pt := to; ; {
		tt, trest, tmore := strings.Cut(pt, ".")
		if b.Len() > 0 {
			b.WriteByte('.')
		}
		if (tt == "*" || tt == ">") && i < len(caps) {
			b.WriteString(caps[i])
			i++
		} else {
			b.WriteString(tt)
		}
		if !tmore {
			break
		}
		pt = trest
	}
	return b.String()
}
