package transform

import (
	"regexp"
	"strconv"
	"strings"

	"github.com/natsd/natsd/sublist"
)

// opKind is what one destination token does.
type opKind uint8

const (
	opLiteral opKind = iota
	opRest           // ">": the tokens the source's ">" matched
	opWildcard
	opPartition
	opSplit
	opSplitFromLeft
	opSplitFromRight
	opSliceFromLeft
	opSliceFromRight
	opLeft
	opRight
	opRandom
)

// op is one compiled destination token.
type op struct {
	kind  opKind
	lit   string // opLiteral: the text; opSplit: the delimiter
	pos   int    // subject token position of the function's wildcard argument
	n     int32  // count, position or size argument
	keys  []int  // opPartition: subject token positions hashed; nil hashes the whole subject
	empty bool   // opPartition: hash the empty key (indexes given, source has no "*")
}

// function describes one mapping function: its name pattern, how many
// arguments it takes, and how it is compiled.
type function struct {
	re   *regexp.Regexp
	kind opKind
}

// funcPattern builds the regular expression matching a "{{name(args)}}"
// token for a function whose name has the given CamelCase words: each
// word's first letter may be in either case, the rest is lower case. The
// expression is unanchored and its argument group greedy, which is what
// makes "{{{wildcard(1)}}" a function and "{{wildcard(1)}}{{wildcard(1)}}"
// one with a malformed argument, as on nats-server.
func funcPattern(words ...string) *regexp.Regexp {
	var b strings.Builder
	b.WriteString(`\{\{\s*`)
	for _, w := range words {
		b.WriteString("[" + strings.ToLower(w[:1]) + strings.ToUpper(w[:1]) + "]" + w[1:])
	}
	b.WriteString(`\s*\((.*)\)\s*\}\}`)
	return regexp.MustCompile(b.String())
}

// functions is tried in order; longer names that share a prefix with a
// shorter one come first ("splitfromleft" before "split").
var functions = []function{
	{funcPattern("wildcard"), opWildcard},
	{funcPattern("partition"), opPartition},
	{funcPattern("split", "From", "Left"), opSplitFromLeft},
	{funcPattern("split", "From", "Right"), opSplitFromRight},
	{funcPattern("slice", "From", "Left"), opSliceFromLeft},
	{funcPattern("slice", "From", "Right"), opSliceFromRight},
	{funcPattern("split"), opSplit},
	{funcPattern("left"), opLeft},
	{funcPattern("right"), opRight},
	{funcPattern("random"), opRandom},
}

// isFunctionToken reports whether a destination token is meant as a
// mapping function: it is wrapped in "{{" and "}}" with something inside.
// Anything else ("a{{wildcard(1)}}", "{{}}") is a literal.
func isFunctionToken(tok string) bool {
	return len(tok) > 4 && strings.HasPrefix(tok, "{{") && strings.HasSuffix(tok, "}}")
}

// parser carries what token compilation needs to know about the source.
type parser struct {
	wcPos  []int  // subject token position of each source "*", in order
	used   []bool // strict mode: which "*" the destination used
	strict bool
}

// index resolves a 1-based wildcard index to a subject token position. An
// index of 0 or below refers to the first token, as on nats-server.
func (p *parser) index(tok string, i int64) (int, error) {
	if len(p.wcPos) == 0 {
		return 0, destErr(ErrWildcardOutOfRange, tok)
	}
	if i > int64(len(p.wcPos)) {
		return 0, &DestinationError{Kind: ErrWildcardOutOfRange, Token: tok, Index: i, HasIndex: true}
	}
	if i <= 0 {
		return 0, nil
	}
	if p.used != nil {
		p.used[i-1] = true
	}
	return p.wcPos[i-1], nil
}

// compileToken compiles one destination token (not ">").
func (p *parser) compileToken(tok string) (op, error) {
	if len(tok) > 1 && tok[0] == '$' {
		if i, err := strconv.Atoi(tok[1:]); err == nil {
			pos, err := p.index(tok, int64(i))
			return op{kind: opWildcard, pos: pos}, err
		}
		return op{kind: opLiteral, lit: tok}, nil
	}
	if !isFunctionToken(tok) {
		return op{kind: opLiteral, lit: tok}, nil
	}
	for _, f := range functions {
		m := f.re.FindStringSubmatch(tok)
		if m == nil {
			continue
		}
		if p.strict && f.kind != opWildcard {
			return op{}, destErr(ErrImportFunction, tok)
		}
		return p.compileFunction(f.kind, tok, splitArgs(m[1]))
	}
	return op{}, destErr(ErrUnknownFunction, tok)
}

// splitArgs splits a function's argument list on commas and trims each
// argument. An empty list has no arguments.
func splitArgs(s string) []string {
	if strings.TrimSpace(s) == "" {
		return nil
	}
	args := strings.Split(s, ",")
	for i := range args {
		args[i] = strings.TrimSpace(args[i])
	}
	return args
}

func (p *parser) compileFunction(kind opKind, tok string, args []string) (op, error) {
	o := op{kind: kind}
	switch kind {
	case opRandom:
		if len(args) == 0 {
			return o, destErr(ErrBadArgument, tok)
		}
		if len(args) > 1 {
			// nats-server reports too many arguments to random() this way.
			return o, destErr(ErrNotEnoughArgs, tok)
		}
		n, err := strconv.ParseInt(args[0], 10, 32)
		if err != nil {
			return o, destErr(ErrBadArgument, tok)
		}
		o.n = int32(n)
		return o, nil

	case opPartition:
		if len(args) == 0 {
			return o, destErr(ErrBadArgument, tok)
		}
		n, err := strconv.ParseInt(args[0], 10, 32)
		if err != nil {
			return o, destErr(ErrBadArgument, tok)
		}
		o.n = int32(n)
		idx := make([]int64, 0, len(args)-1)
		for _, a := range args[1:] {
			i, err := strconv.ParseInt(a, 10, 64)
			if err != nil {
				return o, destErr(ErrBadArgument, tok)
			}
			idx = append(idx, i)
		}
		if len(idx) == 0 {
			return o, nil // hash the whole subject
		}
		if len(p.wcPos) == 0 {
			// No "*" to refer to: nats-server accepts this; the key is empty.
			o.empty = true
			return o, nil
		}
		o.keys = make([]int, len(idx))
		for k, i := range idx {
			if o.keys[k], err = p.index(tok, i); err != nil {
				return o, err
			}
		}
		return o, nil

	case opWildcard:
		if len(args) == 0 {
			return o, destErr(ErrNotEnoughArgs, tok)
		}
		if len(args) > 1 {
			return o, destErr(ErrTooManyArgs, tok)
		}
		i, err := strconv.ParseInt(args[0], 10, 64)
		if err != nil {
			return o, destErr(ErrBadArgument, tok)
		}
		o.pos, err = p.index(tok, i)
		return o, err
	}

	// The two-argument functions: (wildcard index, delimiter or number).
	if len(args) < 2 {
		return o, destErr(ErrNotEnoughArgs, tok)
	}
	if len(args) > 2 {
		return o, destErr(ErrTooManyArgs, tok)
	}
	i, err := strconv.ParseInt(args[0], 10, 64)
	if err != nil {
		return o, destErr(ErrBadArgument, tok)
	}
	if kind == opSplit {
		o.lit = args[1]
	} else {
		n, err := strconv.ParseInt(args[1], 10, 32)
		if err != nil {
			return o, destErr(ErrBadArgument, tok)
		}
		o.n = int32(n)
	}
	o.pos, err = p.index(tok, i)
	return o, err
}

// hasSpace reports whether s contains white space that makes a subject
// token invalid.
func hasSpace(s string) bool {
	return strings.ContainsAny(s, " \t\r\n\f")
}

// compile builds a Transform; see New and NewStrict.
func compile(src, dest string, strict bool) (*Transform, error) {
	if !sublist.ValidSubject(src) {
		return nil, ErrBadSubject
	}
	t := &Transform{src: src, dest: dest, srcToks: strings.Split(src, ".")}
	var p parser
	for i, tok := range t.srcToks {
		switch tok {
		case "*":
			p.wcPos = append(p.wcPos, i)
		case ">":
			t.fwc = true
		}
	}
	t.wildcards = len(p.wcPos)
	if t.fwc {
		t.fixed = len(t.srcToks) - 1
	} else {
		t.fixed = len(t.srcToks)
	}
	if dest == "" {
		t.identity = true
		return t, nil
	}

	toks := strings.Split(dest, ".")
	destFWC := false
	for _, tok := range toks {
		switch {
		case tok == "*":
			return nil, ErrBadSubject
		case tok == ">":
			destFWC = true
		case tok == "" || (!isFunctionToken(tok) && hasSpace(tok)):
			return nil, destErr(ErrInvalidTransform, "")
		}
	}
	if destFWC != t.fwc {
		return nil, ErrBadSubject
	}

	p.strict = strict
	if strict {
		p.used = make([]bool, len(p.wcPos))
	}
	t.ops = make([]op, 0, len(toks))
	afterFWC := false
	for _, tok := range toks {
		if afterFWC {
			return nil, destErr(ErrInvalidTransform, tok)
		}
		if tok == ">" {
			afterFWC = true
			t.ops = append(t.ops, op{kind: opRest})
			continue
		}
		o, err := p.compileToken(tok)
		if err != nil {
			return nil, err
		}
		if o.kind == opRandom {
			t.random = true
		}
		t.ops = append(t.ops, o)
	}
	t.constant = true
	for _, o := range t.ops {
		if o.kind != opLiteral {
			t.constant = false
		}
	}
	if strict {
		for _, u := range p.used {
			if !u {
				return nil, destErr(ErrNotAllWildcards, dest)
			}
		}
	}
	return t, nil
}
