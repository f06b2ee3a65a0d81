package parser

import "math"

// maxArgs is the largest argument count of any op (HMSG with a reply).
const maxArgs = 5

// args holds the fields of one control line. It is a fixed-size array so
// that splitting never allocates; it lives on the caller's stack.
type args [maxArgs][]byte

// splitArgs splits b into fields separated by runs of spaces and tabs,
// storing them in a. It returns the number of fields, or maxArgs+1 when there
// are more fields than a can hold (always an argument-count error).
func splitArgs(b []byte, a *args) int {
	n, i := 0, 0
	for {
		for i < len(b) && (b[i] == ' ' || b[i] == '\t') {
			i++
		}
		if i == len(b) {
			return n
		}
		start := i
		for i < len(b) && b[i] != ' ' && b[i] != '\t' {
			i++
		}
		if n == maxArgs {
			return maxArgs + 1
		}
		a[n] = b[start:i]
		n++
	}
}

// trimSpace removes leading and trailing spaces and tabs. Unlike
// bytes.TrimSpace it leaves other whitespace alone, matching the protocol's
// definition of a field separator.
func trimSpace(b []byte) []byte {
	for len(b) > 0 && (b[0] == ' ' || b[0] == '\t') {
		b = b[1:]
	}
	for len(b) > 0 && (b[len(b)-1] == ' ' || b[len(b)-1] == '\t') {
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
