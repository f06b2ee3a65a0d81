package conf

import (
	"strings"
	"unicode/utf8"
)

// scanner is the low-level cursor over one source text. The format is
// context sensitive (the same characters mean different things in a key, a
// bare value or an include path), so instead of producing a token stream
// up front the scanner offers small readers that the parser calls for the
// construct it expects next.
type scanner struct {
	src  string
	file string
	off  int // byte offset of the next character
	line int
	col  int
}

func newScanner(file, src string) *scanner {
	return &scanner{src: src, file: file, line: 1, col: 1}
}

func (s *scanner) eof() bool { return s.off >= len(s.src) }

// peek returns the next byte, or 0 at end of input. NUL bytes are rejected
// before scanning starts, so 0 unambiguously means end of input.
func (s *scanner) peek() byte {
	if s.off < len(s.src) {
		return s.src[s.off]
	}
	return 0
}

func (s *scanner) peekAt(n int) byte {
	if s.off+n < len(s.src) {
		return s.src[s.off+n]
	}
	return 0
}

// peekRune returns the next full character, for error messages.
func (s *scanner) peekRune() rune {
	r, _ := utf8.DecodeRuneInString(s.src[s.off:])
	return r
}

func (s *scanner) pos() Pos { return Pos{File: s.file, Line: s.line, Col: s.col} }

// lastLine is the number of the file's last line, for errors that reach
// the end of the file: the line a final newline ends, not the empty one
// after it (nats-server counts that one, which names a line an editor
// does not show).
func (s *scanner) lastLine() int {
	n := 1 + strings.Count(s.src, "\n")
	if n > 1 && strings.HasSuffix(s.src, "\n") {
		n--
	}
	return n
}

// advance consumes one byte. Columns count runes, so UTF-8 continuation
// bytes do not move the column.
func (s *scanner) advance() {
	b := s.src[s.off]
	s.off++
	switch {
	case b == '\n':
		s.line++
		s.col = 1
	case b&0xC0 != 0x80:
		s.col++
	}
}

// advanceTo consumes bytes up to (not including) offset end.
func (s *scanner) advanceTo(end int) {
	for s.off < end {
		s.advance()
	}
}

func isSpace(b byte) bool   { return b == ' ' || b == '\t' }
func isNewline(b byte) bool { return b == '\n' || b == '\r' }
func isDigit(b byte) bool   { return '0' <= b && b <= '9' }

// isValueEnd reports the bytes that end a bare (unquoted) value. Note that
// '#' and "//" are not among them: nats-server only treats them as a
// comment at a token boundary, so "foo#bar" is a single value.
func isValueEnd(b byte) bool {
	switch b {
	case ' ', '\t', '\n', '\r', ',', ';', '}', ']':
		return true
	}
	return false
}

// isKeyEnd reports the bytes that end a bare key.
func isKeyEnd(b byte) bool {
	switch b {
	case ' ', '\t', '\n', '\r', ':', '=':
		return true
	}
	return false
}

// atComment reports whether a comment starts at the cursor.
func (s *scanner) atComment() bool {
	b := s.peek()
	return b == '#' || (b == '/' && s.peekAt(1) == '/')
}

// atLineEnd reports end of input, a newline or a comment at the cursor:
// the places where a value is missing.
func (s *scanner) atLineEnd() bool {
	return s.eof() || isNewline(s.peek()) || s.atComment()
}

// skipSpace skips blanks on the current line and reports whether any were
// skipped.
func (s *scanner) skipSpace() bool {
	start := s.off
	for !s.eof() && isSpace(s.peek()) {
		s.advance()
	}
	return s.off > start
}

// skipComment skips to the end of the line, leaving the newline in place.
func (s *scanner) skipComment() {
	end := strings.IndexAny(s.src[s.off:], "\r\n")
	if end < 0 {
		end = len(s.src) - s.off
	}
	s.advanceTo(s.off + end)
}

// skipBlank skips blanks, comments and newlines, reporting whether at least
// one newline was crossed.
func (s *scanner) skipBlank() (newline bool) {
	for !s.eof() {
		b := s.peek()
		switch {
		case isSpace(b):
			s.advance()
		case isNewline(b):
			newline = true
			s.advance()
		case s.atComment():
			s.skipComment()
		default:
			return newline
		}
	}
	return newline
}

// readUntil consumes and returns bytes up to the first one for which stop
// returns true (or end of input).
func (s *scanner) readUntil(stop func(byte) bool) string {
	start := s.off
	for !s.eof() && !stop(s.peek()) {
		s.advance()
	}
	return s.src[start:s.off]
}

// readBare reads an unquoted value (also variable names and bare include
// paths): everything up to whitespace, ',', ';', '}' or ']'.
func (s *scanner) readBare() string { return s.readUntil(isValueEnd) }

// readBareKey reads an unquoted key: everything up to whitespace, ':' or
// '='. Keys may therefore contain characters like '{' or '#', as they can
// in nats-server.
func (s *scanner) readBareKey() string { return s.readUntil(isKeyEnd) }

// readRawQuoted reads a string delimited by q with no escape processing
// (single-quoted values and all quoted keys). The cursor must be on the
// opening quote. The string may span lines.
func (s *scanner) readRawQuoted(q byte, what string) (string, error) {
	open := s.pos()
	i := strings.IndexByte(s.src[s.off+1:], q)
	if i < 0 {
		return "", errorf(open, "unterminated %s: missing closing %c", what, q)
	}
	start := s.off + 1
	s.advanceTo(start + i + 1)
	return s.src[start : start+i], nil
}

// readDoubleQuoted reads a double-quoted string, processing escapes. The
// cursor must be on the opening quote.
func (s *scanner) readDoubleQuoted() (string, error) {
	open := s.pos()
	start := s.off + 1
	i := start
	for i < len(s.src) && s.src[i] != '"' {
		if s.src[i] == '\\' {
			i++ // the escaped byte can never close the string
		}
		i++
	}
	if i >= len(s.src) {
		return "", errorf(open, "unterminated string: missing closing \"")
	}
	s.advance() // opening quote
	contentPos := s.pos()
	s.advanceTo(i + 1)
	return unescape(s.src[start:i], contentPos)
}

// readBlock reads a block string: '(' followed by text up to a line that
// holds only ')'. The value is everything between the parentheses,
// including the newline before the closing line, as nats-server does. The
// cursor must be on '('.
func (s *scanner) readBlock() (string, error) {
	open := s.pos()
	start := s.off + 1
	from := start
	for {
		j := strings.Index(s.src[from:], "\n)")
		if j < 0 {
			return "", errorf(open, "unterminated block string: no line with a lone ')' closes the '('")
		}
		closing := from + j + 1
		after := closing + 1
		if after >= len(s.src) || isNewline(s.src[after]) {
			s.advanceTo(after)
			return s.src[start:closing], nil
		}
		from = closing
	}
}

// advancePos returns the position reached after text starting at p.
func advancePos(p Pos, text string) Pos {
	for i := 0; i < len(text); i++ {
		switch b := text[i]; {
		case b == '\n':
			p.Line++
			p.Col = 1
		case b&0xC0 != 0x80:
			p.Col++
		}
	}
	return p
}

// unescape processes backslash escapes in double-quoted strings and, as in
// nats-server, in bare values. Accepted: \t \n \r \" \\ \xHH (a raw byte)
// and \uHHHH (a Unicode code point; nats-server rejects this one, it is
// accepted here as a convenience). pos is the position of s[0], used to
// point errors at the offending backslash.
func unescape(s string, pos Pos) (string, error) {
	i := strings.IndexByte(s, '\\')
	if i < 0 {
		return s, nil
	}
	var b strings.Builder
	b.Grow(len(s))
	for i >= 0 {
		b.WriteString(s[:i])
		bad := func(msg string) error {
			return errorf(advancePos(pos, s[:i]), "%s", msg)
		}
		if i+1 >= len(s) {
			return "", bad(`a '\' must be followed by an escape character: \t \n \r \" \\ \xHH or \uHHHH`)
		}
		n := 2
		switch c := s[i+1]; c {
		case 't':
			b.WriteByte('\t')
		case 'n':
			b.WriteByte('\n')
		case 'r':
			b.WriteByte('\r')
		case '"':
			b.WriteByte('"')
		case '\\':
			b.WriteByte('\\')
		case 'x':
			v, ok := hexValue(s, i+2, 2)
			if !ok {
				return "", bad(`expected two hexadecimal digits after \x`)
			}
			b.WriteByte(byte(v))
			n = 4
		case 'u':
			v, ok := hexValue(s, i+2, 4)
			if !ok {
				return "", bad(`expected four hexadecimal digits after \u`)
			}
			b.WriteRune(rune(v)) // surrogates become U+FFFD
			n = 6
		default:
			r, _ := utf8.DecodeRuneInString(s[i+1:])
			return "", bad("invalid escape " + quoteRune(r) + `; allowed escapes are \t \n \r \" \\ \xHH and \uHHHH`)
		}
		pos = advancePos(pos, s[:i+n])
		s = s[i+n:]
		i = strings.IndexByte(s, '\\')
	}
	b.WriteString(s)
	return b.String(), nil
}

// hexValue parses n hex digits of s starting at off.
func hexValue(s string, off, n int) (uint32, bool) {
	if off+n > len(s) {
		return 0, false
	}
	var v uint32
	for _, c := range []byte(s[off : off+n]) {
		var d byte
		switch {
		case '0' <= c && c <= '9':
			d = c - '0'
		case 'a' <= c && c <= 'f':
			d = c - 'a' + 10
		case 'A' <= c && c <= 'F':
			d = c - 'A' + 10
		default:
			return 0, false
		}
		v = v<<4 | uint32(d)
	}
	return v, true
}

// quoteRune renders a character for an error message, spelling out the
// invisible ones.
func quoteRune(r rune) string {
	switch r {
	case '\n':
		return "newline"
	case '\r':
		return "carriage return"
	case '\t':
		return "tab"
	case 0:
		return "end of input"
	}
	return "'" + string(r) + "'"
}
