package parser

import (
	"encoding/binary"
	"math"
	"math/bits"
)

// maxArgs is the largest argument count of any op (HMSG with a reply).
const maxArgs = 5

// args holds the fields of one control line. It is a fixed-size array so
// that splitting never allocates; it lives on the caller's stack.
type args [maxArgs][]byte

// isSep marks the field separators. A table lookup is cheaper than two
// comparisons in the per-byte loops.
var isSep = [256]bool{' ': true, '\t': true}

// splitArgs splits b into fields separated by runs of spaces and tabs,
// storing them in a. It returns the number of fields, or maxArgs+1 when there
// are more fields than a can hold (always an argument-count error).
func splitArgs(b []byte, a *args) int {
	n, i := 0, 0
	for {
		// Separators are usually a single space: a plain loop is best.
		for i < len(b) && isSep[b[i]] {
			i++
		}
		if i == len(b) {
			return n
		}
		start := i
		i += indexSep(b[i:])
		if n == maxArgs {
			return maxArgs + 1
		}
		a[n] = b[start:i]
		n++
	}
}

// SWAR constants: one bit per byte lane.
const (
	lanesLow  = 0x0101010101010101
	lanesHigh = 0x8080808080808080
)

// indexSep returns the index of the first space or tab in b, or len(b).
// Fields (subjects, inboxes) are often tens of bytes long, so it tests eight
// bytes per step: a lane of w^pattern is zero where the byte matches, and
// (v-lanesLow)&^v&lanesHigh flags zero lanes. That expression can also flag a
// lane above a true zero lane, never below one, so the lowest flagged lane
// is always exact.
func indexSep(b []byte) int {
	i := 0
	for ; i+8 <= len(b); i += 8 {
		w := binary.LittleEndian.Uint64(b[i:])
		sp := w ^ (' ' * lanesLow)
		tab := w ^ ('\t' * lanesLow)
		if m := ((sp-lanesLow)&^sp | (tab-lanesLow)&^tab) & lanesHigh; m != 0 {
			return i + bits.TrailingZeros64(m)>>3
		}
	}
	for ; i < len(b); i++ {
		if isSep[b[i]] {
			return i
		}
	}
	return len(b)
}

// trimSpace removes leading and trailing spaces and tabs. Unlike
// bytes.TrimSpace it leaves other whitespace alone, matching the protocol's
// definition of a field separator.
func trimSpace(b []byte) []byte {
	for len(b) > 0 && isSep[b[0]] {
		b = b[1:]
	}
	for len(b) > 0 && isSep[b[len(b)-1]] {
		b = b[:len(b)-1]
	}
	return b
}

// trimLeft removes leading spaces and tabs.
func trimLeft(b []byte) []byte {
	for len(b) > 0 && isSep[b[0]] {
		b = b[1:]
	}
	return b
}

// trimRight removes trailing spaces and tabs.
func trimRight(b []byte) []byte {
	for len(b) > 0 && isSep[b[len(b)-1]] {
		b = b[:len(b)-1]
	}
	return b
}

// isBlank reports whether b contains only spaces and tabs.
func isBlank(b []byte) bool {
	return len(trimSpace(b)) == 0
}

// safeDigits is the number of decimal digits that always fit in an int
// without overflow (18 on 64-bit platforms, 9 on 32-bit ones).
const safeDigits = 9 + 9*(math.MaxInt>>32&1)

// ParseSize parses b as a non-negative decimal number (ASCII digits only, no
// sign, no spaces). It returns -1 if b is empty, contains anything but digits
// or does not fit in an int. It never allocates.
func ParseSize(b []byte) int {
	if len(b) == 0 {
		return -1
	}
	n := 0
	if len(b) <= safeDigits {
		// Cannot overflow: skip the per-digit bound check.
		for _, c := range b {
			d := int(c) - '0'
			if d < 0 || d > 9 {
				return -1
			}
			n = n*10 + d
		}
		return n
	}
	for _, c := range b {
		d := int(c) - '0'
		if d < 0 || d > 9 {
			return -1
		}
		if n > (math.MaxInt-d)/10 {
			return -1
		}
		n = n*10 + d
	}
	return n
}
