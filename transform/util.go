package transform

import (
	"bytes"
	"unicode/utf8"
)

// utf8Len is the length of the UTF-8 sequence at the start of b (1 for an
// invalid byte), so split(n,) never cuts a character in half.
func utf8Len(b []byte) int {
	_, n := utf8.DecodeRune(b)
	if n == 0 {
		return 1
	}
	return n
}

// indexString is bytes.Index with a string separator, without converting
// it to a []byte per call.
func indexString(b []byte, sep string) int {
	if len(sep) == 1 {
		return bytes.IndexByte(b, sep[0])
	}
	for i := 0; i+len(sep) <= len(b); i++ {
		if string(b[i:i+len(sep)]) == sep {
			return i
		}
	}
	return -1
}
