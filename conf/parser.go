package conf

import (
	"strings"
)

// Limits that keep hostile or broken input from exhausting the stack or
// looping forever. Real configurations stay far below them.
const (
	maxNesting      = 200     // nested maps and arrays
	maxIncludeDepth = 32      // include chain length
	maxIncludes     = 10000   // included files per parse
	maxWalkSize     = 1 << 22 // values in the fully expanded tree
)

// context says which construct encloses the value being parsed; it decides
// which characters may legally follow a value.
type context int

const (
	inTop   context = iota // file body: ends at end of input
	inMap                  // { ... }
	inArray                // [ ... ]
)

// scope is one level of variable lookup: the block being built and the
// blocks around it. Variables are keys defined earlier in these blocks.
type scope struct {
	m      *Map
	parent *scope
}

// parser parses one source text (a file, an included file or the value of
// an environment variable). State shared by all of them lives in shared.
type parser struct {
	s      *scanner
	shared *shared
	depth  int // nesting of maps and arrays, including enclosing files
}

// parseFileBody parses a whole file into m. Included files start with a
// fresh scope, as in nats-server: they see the environment but not the
// variables of the file that includes them.
func (p *parser) parseFileBody(m *Map) error {
	s := p.s
	if i := strings.IndexByte(s.src, 0); i >= 0 {
		return errorf(advancePos(s.pos(), s.src[:i]), "invalid NUL byte in configuration")
	}
	// A byte order mark is not part of the first key (nats-server keeps
	// it, which only ever produces confusing "unknown field" errors).
	if strings.HasPrefix(s.src, "\uFEFF") {
		s.off = len("\uFEFF")
	}
	return p.parseBody(m, &scope{m: m}, inTop, Pos{})
}

// parseBody parses key/value pairs into m until the closing '}' (for a
// map, whose '{' is at open) or the end of input (for a file).
//
// At file level a '{' or '}' where a key could start is skipped, like
// nats-server does: that is what lets a whole file be written as one JSON
// object, and it makes stray closing braces harmless.
func (p *parser) parseBody(m *Map, sc *scope, ctx context, open Pos) error {
	s := p.s
	for {
		s.skipBlank()
		if s.eof() {
			if ctx == inMap {
				return errorf(open, "unterminated map: no '}' closes this '{' (reached end of file at line %d)", s.lastLine())
			}
			return nil
		}
		switch s.peek() {
		case '}':
			s.advance()
			if ctx == inMap {
				return nil
			}
			continue
		case '{':
			if ctx == inTop {
				s.advance()
				continue
			}
		}
		if err := p.parsePair(m, sc, ctx); err != nil {
			return err
		}
	}
}

// parsePair parses one "key value" entry (or an include directive) and
// the separator that follows it.
func (p *parser) parsePair(m *Map, sc *scope, ctx context) error {
	s := p.s
	keyPos := s.pos()
	var name string
	quoted := false
	switch b := s.peek(); b {
	case '"', '\'':
		var err error
		if name, err = s.readRawQuoted(b, "quoted key"); err != nil {
			return err
		}
		quoted = true
	case ':', '=':
		return errorf(keyPos, "unexpected %s: a key is missing before it", quoteRune(rune(b)))
	case ',', ';', '[', ']', '{':
		return errorf(keyPos, "unexpected %s: expected a key", quoteRune(rune(b)))
	case '/': // "//" was skipped as a comment; a lone '/' cannot start a key
		return errorf(keyPos, "unexpected '/': comments start with '#' or '//'")
	default:
		name = s.readBareKey()
	}

	// "include" followed by ':' or '=' is an ordinary key, as in
	// nats-server; otherwise it is the include directive.
	sawSpace := s.skipSpace()
	b := s.peek()
	if !quoted && b != ':' && b != '=' && (sawSpace || s.atLineEnd()) && strings.EqualFold(name, "include") {
		return p.parseInclude(m, keyPos, ctx)
	}

	// Without ':' or '=', nats-server lets the value start on a later line
	// ("authorization\n{"), which also allows Allman-style braces.
	crossed := false
	switch {
	case b == ':' || b == '=':
		s.advance()
		s.skipSpace()
		if s.atLineEnd() {
			return errorf(keyPos, "key %q has no value", name)
		}
	case s.atLineEnd():
		crossed = s.skipBlank()
	}
	if s.eof() || strings.IndexByte(",;]}", s.peek()) >= 0 {
		return errorf(keyPos, "key %q has no value", name)
	}

	v, err := p.parseValue(sc, ctx)
	if err != nil {
		return err
	}
	if crossed {
		// The "value" found on a later line may really be the next key:
		// "foo\nbar: 1". Report the missing value instead of a confusing
		// error about the text after "bar:".
		s.skipSpace()
		next := s.peek()
		if next == ':' || next == '=' || (v.Kind == KindString && v.Var == "" &&
			(strings.HasSuffix(v.Raw, ":") || strings.HasSuffix(v.Raw, "="))) {
			return errorf(keyPos, "key %q has no value", name)
		}
	}
	m.Set(name, keyPos, v)
	return p.afterValue(ctx)
}

// afterValue checks what follows a value: a newline, a comment, the end of
// input, a ',' (or a ';' outside arrays), or the closing bracket of the
// enclosing construct. A ',' or ';' is consumed; everything else is left
// for the caller's loop.
func (p *parser) afterValue(ctx context) error {
	s := p.s
	s.skipSpace()
	if s.atLineEnd() {
		return nil
	}
	switch s.peek() {
	case ',':
		s.advance()
		return nil
	case ';':
		if ctx != inArray {
			s.advance()
			return nil
		}
	case '}':
		if ctx != inArray {
			return nil
		}
	case ']':
		if ctx == inArray {
			return nil
		}
	}
	if ctx == inArray {
		return errorf(s.pos(), "unexpected %s after array element: expected ',', ']' or a newline", quoteRune(s.peekRune()))
	}
	return errorf(s.pos(), "unexpected %s after value: expected a newline, ',' or ';'", quoteRune(s.peekRune()))
}

// parseValue parses the value at the cursor.
func (p *parser) parseValue(sc *scope, ctx context) (*Value, error) {
	s := p.s
	pos := s.pos()
	start := s.off
	b := s.peek()
	switch {
	case b == '{':
		return p.parseMap(sc)
	case b == '[':
		return p.parseArray(sc)
	case b == '"':
		str, err := s.readDoubleQuoted()
		if err != nil {
			return nil, err
		}
		return &Value{Kind: KindString, Pos: pos, Str: str, Raw: s.src[start:s.off]}, nil
	case b == '\'':
		str, err := s.readRawQuoted('\'', "string")
		if err != nil {
			return nil, err
		}
		return &Value{Kind: KindString, Pos: pos, Str: str, Raw: s.src[start:s.off]}, nil
	case b == '(':
		str, err := s.readBlock()
		if err != nil {
			return nil, err
		}
		return &Value{Kind: KindString, Pos: pos, Str: str, Raw: s.src[start:s.off]}, nil
	case b == '$' && !isBcrypt(s.src[s.off:]):
		s.advance()
		name := s.readBare()
		if name == "" {
			return nil, errorf(pos, "'$' must be followed by a variable name")
		}
		return p.resolveVar(sc, name, pos, s.src[start:s.off])
	case s.atLineEnd():
		return nil, errorf(pos, "expected a value")
	case strings.IndexByte(",;]}", b) >= 0:
		return nil, errorf(pos, "unexpected %s: expected a value", quoteRune(rune(b)))
	}
	return classifyBare(s.readBare(), pos)
}

// isBcrypt reports whether text after the cursor is a bcrypt hash such as
// "$2a$11$...", which is a string and not a variable reference.
// nats-server only recognises "$2a$"; the other bcrypt versions are
// accepted too since no variable name can start with "2b$".
func isBcrypt(s string) bool {
	return len(s) >= 4 && s[0] == '$' && s[1] == '2' && s[3] == '$' &&
		strings.IndexByte("abxy", s[2]) >= 0
}

func (p *parser) enter(pos Pos) error {
	p.depth++
	if p.depth > maxNesting {
		return errorf(pos, "maps and arrays are nested too deeply (more than %d levels)", maxNesting)
	}
	return nil
}

// parseMap parses "{ ... }". The map is a new variable scope.
func (p *parser) parseMap(sc *scope) (*Value, error) {
	s := p.s
	open, start := s.pos(), s.off
	if err := p.enter(open); err != nil {
		return nil, err
	}
	defer func() { p.depth-- }()
	s.advance()
	m := NewMap()
	if err := p.parseBody(m, &scope{m: m, parent: sc}, inMap, open); err != nil {
		return nil, err
	}
	size, err := mapWalkSize(m, open)
	if err != nil {
		return nil, err
	}
	return &Value{Kind: KindMap, Pos: open, Map: m, Raw: s.src[start:s.off], size: size}, nil
}

// parseArray parses "[ ... ]": elements separated by ',' or newlines, with
// an optional trailing ','.
func (p *parser) parseArray(sc *scope) (*Value, error) {
	s := p.s
	open, start := s.pos(), s.off
	if err := p.enter(open); err != nil {
		return nil, err
	}
	defer func() { p.depth-- }()
	s.advance()
	elems := []*Value{}
	size := int64(1)
	for {
		s.skipBlank()
		if s.eof() {
			return nil, errorf(open, "unterminated array: no ']' closes this '[' (reached end of file at line %d)", s.lastLine())
		}
		if s.peek() == ']' {
			s.advance()
			return &Value{Kind: KindArray, Pos: open, Array: elems, Raw: s.src[start:s.off], size: size}, nil
		}
		v, err := p.parseValue(sc, inArray)
		if err != nil {
			return nil, err
		}
		elems = append(elems, v)
		if size += v.walkSize(); size > maxWalkSize {
			return nil, tooLarge(open)
		}
		if err := p.afterValue(inArray); err != nil {
			return nil, err
		}
	}
}

// mapWalkSize computes the walk size of a map value, failing when it is
// over the limit.
func mapWalkSize(m *Map, pos Pos) (int64, error) {
	size := int64(1)
	for _, k := range m.Keys {
		if size += k.Value.walkSize(); size > maxWalkSize {
			return 0, tooLarge(pos)
		}
	}
	return size, nil
}

func tooLarge(pos Pos) error {
	return errorf(pos, "this value expands to more than %d values through variable references", maxWalkSize)
}
