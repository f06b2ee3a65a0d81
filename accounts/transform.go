package accounts

import "strings"

// maxCaptures bounds the wildcards a mapping carries over; Validate
// refuses patterns with more.
const maxCaptures = 16

// MapSubject maps literal, a subject matched by pattern from, onto
// pattern to: the tokens that matched from's wildcards fill to's
// wildcards in order (a ">" takes the rest). Validate makes sure both
// patterns have the same wildcards. A to without wildcards is used as is.
func MapSubject(from, to, literal string) string {
	return string(AppendMapped(nil, from, to, []byte(literal)))
}

// AppendMapped is MapSubject appending to dst; it does not allocate when
// dst has room, so imports can map subjects on the hot path.
func AppendMapped(dst []byte, from, to string, literal []byte) []byte {
	if strings.IndexByte(to, '*') < 0 && strings.IndexByte(to, '>') < 0 {
		return append(dst, to...)
	}
	// Where each wildcard of from matched in literal.
	var caps [maxCaptures][2]int
	n := 0
	pos := 0
	for pf := from; n < maxCaptures; {
		ft, frest, fmore := strings.Cut(pf, ".")
		end := pos
		for end < len(literal) && literal[end] != '.' {
			end++
		}
		if ft == ">" {
			caps[n] = [2]int{pos, len(literal)}
			n++
			break
		}
		if ft == "*" {
			caps[n] = [2]int{pos, end}
			n++
		}
		if !fmore || end >= len(literal) {
			break
		}
		pf, pos = frest, end+1
	}
	i := 0
	first := true
	for pt := to; ; {
		tt, trest, tmore := strings.Cut(pt, ".")
		if !first {
			dst = append(dst, '.')
		}
		first = false
		if (tt == "*" || tt == ">") && i < n {
			dst = append(dst, literal[caps[i][0]:caps[i][1]]...)
			i++
		} else {
			dst = append(dst, tt...)
		}
		if !tmore {
			break
		}
		pt = trest
	}
	return dst
}
