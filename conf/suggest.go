package conf

import "strings"

// DidYouMean returns the entry of known closest to name, for "unknown
// field" errors, or "" when nothing is close enough. Comparison ignores
// case; "close" means at most two single-character edits, and fewer edits
// than name has characters so short names do not match everything. Ties go
// to the earliest entry of known.
func DidYouMean(name string, known []string) string {
	n := strings.ToLower(name)
	best, bestDist := "", 3
	for _, k := range known {
		d := editDistance(n, strings.ToLower(k), bestDist)
		if d < bestDist && d < len([]rune(n)) {
			best, bestDist = k, d
		}
	}
	return best
}

// editDistance is the Levenshtein distance between a and b, counted in
// runes. It gives up early (returning limit) once the distance is known to
// be at least limit, which keeps lookups over long option tables cheap.
func editDistance(a, b string, limit int) int {
	ra, rb := []rune(a), []rune(b)
	if d := len(ra) - len(rb); d >= limit || -d >= limit {
		return limit
	}
	prev := make([]int, len(rb)+1)
	cur := make([]int, len(rb)+1)
	for j := range prev {
		prev[j] = j
	}
	for i := 1; i <= len(ra); i++ {
		cur[0] = i
		rowMin := cur[0]
		for j := 1; j <= len(rb); j++ {
			cost := 1
			if ra[i-1] == rb[j-1] {
				cost = 0
			}
			cur[j] = min(prev[j]+1, cur[j-1]+1, prev[j-1]+cost)
			rowMin = min(rowMin, cur[j])
		}
		if rowMin >= limit {
			return limit
		}
		prev, cur = cur, prev
	}
	return min(prev[len(rb)], limit)
}
