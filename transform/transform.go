package transform

import (
	"math/rand/v2"
	"strconv"
)

// Rand is the source of the random choices (weighted destinations and
// random()). *math/rand/v2.Rand implements it. A nil Rand uses the
// math/rand/v2 top-level functions, which are safe for concurrent use and
// do not allocate.
type Rand interface {
	// IntN returns a number in [0, n); n > 0.
	IntN(n int) int
}

func intN(r Rand, n int) int {
	if r == nil {
		return rand.IntN(n)
	}
	return r.IntN(n)
}

// Transform is a compiled subject transform. It is immutable and safe for
// concurrent use.
type Transform struct {
	src, dest string
	srcToks   []string
	ops       []op
	wildcards int  // number of "*" in the source
	fixed     int  // source tokens before a final ">" (all of them without one)
	fwc       bool // the source ends with ">"
	identity  bool // empty destination: the subject is left as is
	constant  bool // every destination token is a literal: the result is dest
	random    bool // uses random()
}

// New compiles the transform from source filter src to destination
// template dest, as a `mappings` entry or a stream subject transform
// (which may drop source wildcards). An empty dest is the identity.
func New(src, dest string) (*Transform, error) { return compile(src, dest, false) }

// NewStrict compiles a transform for an account import: the destination
// must use every source "*" and no mapping function but wildcard().
func NewStrict(src, dest string) (*Transform, error) { return compile(src, dest, true) }

// Source returns the source filter.
func (t *Transform) Source() string { return t.src }

// Destination returns the destination template.
func (t *Transform) Destination() string { return t.dest }

// HasWildcards reports whether the source has "*" or ">" tokens (a
// literal source can be looked up by exact subject).
func (t *Transform) HasWildcards() bool { return t.wildcards > 0 || t.fwc }

// maxStackTokens is how many subject tokens Append tracks without
// allocating; longer subjects still work, at the cost of one allocation.
const maxStackTokens = 64

// Match reports whether subject matches the transform's source.
func (t *Transform) Match(subject []byte) bool {
	var buf [maxStackTokens]int32
	_, ok := t.tokenize(subject, buf[:0])
	return ok
}

// tokenize records the end offset of each subject token in ends and checks
// the subject against the source filter.
func (t *Transform) tokenize(subject []byte, ends []int32) ([]int32, bool) {
	if len(subject) == 0 {
		return ends, false
	}
	start := 0
	for i := 0; i <= len(subject); i++ {
		if i < len(subject) && subject[i] != '.' {
			continue
		}
		n := len(ends)
		if i == start {
			return ends, false // empty token
		}
		if n < t.fixed {
			st := t.srcToks[n]
			if st != "*" && st != string(subject[start:i]) {
				return ends, false
			}
		} else if !t.fwc {
			return ends, false // more tokens than the source
		}
		ends = append(ends, int32(i))
		start = i + 1
	}
	if t.fwc {
		return ends, len(ends) > t.fixed
	}
	return ends, len(ends) == t.fixed
}

// Apply returns the transformed subject. It allocates; the server's hot
// path uses Append.
func (t *Transform) Apply(subject string, r Rand) (string, error) {
	b, err := t.Append(make([]byte, 0, len(subject)+len(t.dest)), []byte(subject), r)
	return string(b), err
}

// Append appends the transform of subject to dst and returns the extended
// buffer. The subject must match the source (ErrNoMatch otherwise). r is
// used only by random(); it may be nil. Append does not allocate beyond
// growing dst, for subjects of up to 64 tokens.
func (t *Transform) Append(dst, subject []byte, r Rand) ([]byte, error) {
	if t.constant && !t.HasWildcards() {
		// The common rename ("foo: bar"): no need to find the tokens.
		if string(subject) != t.src {
			return dst, ErrNoMatch
		}
		return append(dst, t.dest...), nil
	}
	var buf [maxStackTokens]int32
	ends, ok := t.tokenize(subject, buf[:0])
	if !ok {
		return dst, ErrNoMatch
	}
	if t.identity {
		return append(dst, subject...), nil
	}
	tok := func(pos int) []byte {
		start := int32(0)
		if pos > 0 {
			start = ends[pos-1] + 1
		}
		return subject[start:ends[pos]]
	}
	for i := range t.ops {
		o := &t.ops[i]
		if i > 0 {
			dst = append(dst, '.')
		}
		switch o.kind {
		case opLiteral:
			dst = append(dst, o.lit...)
		case opRest:
			start := int32(0)
			if t.fixed > 0 {
				start = ends[t.fixed-1] + 1
			}
			dst = append(dst, subject[start:]...)
		case opWildcard:
			dst = append(dst, tok(o.pos)...)
		case opPartition:
			h := uint32(fnvOffset)
			switch {
			case o.empty:
			case o.keys == nil:
				h = fnv1a(h, subject)
			default:
				for _, k := range o.keys {
					h = fnv1a(h, tok(k))
				}
			}
			if o.n == 0 {
				dst = append(dst, '0')
			} else {
				dst = strconv.AppendUint(dst, uint64(h%uint32(o.n)), 10)
			}
		case opRandom:
			v := 0
			if o.n > 0 {
				v = intN(r, int(o.n))
			}
			dst = strconv.AppendInt(dst, int64(v), 10)
		case opSplit:
			dst = appendSplit(dst, tok(o.pos), o.lit)
		case opSplitFromLeft:
			dst = appendCut(dst, tok(o.pos), int(o.n))
		case opSplitFromRight:
			v := tok(o.pos)
			dst = appendCut(dst, v, len(v)-int(o.n))
		case opSliceFromLeft:
			dst = appendSlices(dst, tok(o.pos), int(o.n), false)
		case opSliceFromRight:
			dst = appendSlices(dst, tok(o.pos), int(o.n), true)
		case opLeft:
			v := tok(o.pos)
			if n := int(o.n); n > 0 && n < len(v) {
				v = v[:n]
			}
			dst = append(dst, v...)
		case opRight:
			v := tok(o.pos)
			if n := int(o.n); n > 0 && n < len(v) {
				v = v[len(v)-n:]
			}
			dst = append(dst, v...)
		}
	}
	return dst, nil
}

const (
	fnvOffset = 2166136261
	fnvPrime  = 16777619
)

// fnv1a continues a 32-bit FNV-1a hash over b: partition() hashes with it
// so subjects land in the same partitions as on nats-server.
func fnv1a(h uint32, b []byte) uint32 {
	for _, c := range b {
		h ^= uint32(c)
		h *= fnvPrime
	}
	return h
}

// appendSplit appends v split on delim into tokens, dropping empty parts.
// An empty delim splits between UTF-8 characters.
func appendSplit(dst, v []byte, delim string) []byte {
	first := true
	emit := func(part []byte) {
		if len(part) == 0 {
			return
		}
		if !first {
			dst = append(dst, '.')
		}
		first = false
		dst = append(dst, part...)
	}
	if delim == "" {
		for i := 0; i < len(v); {
			n := utf8Len(v[i:])
			emit(v[i : i+n])
			i += n
		}
		return dst
	}
	for {
		i := indexString(v, delim)
		if i < 0 {
			emit(v)
			return dst
		}
		emit(v[:i])
		v = v[i+len(delim):]
	}
}

// appendCut appends v cut in two tokens at byte offset at, or v whole when
// at is not strictly inside it.
func appendCut(dst, v []byte, at int) []byte {
	if at <= 0 || at >= len(v) {
		return append(dst, v...)
	}
	dst = append(dst, v[:at]...)
	dst = append(dst, '.')
	return append(dst, v[at:]...)
}

// appendSlices appends v cut into tokens of size bytes, counted from the
// left or from the right, or v whole when size is not strictly inside it.
func appendSlices(dst, v []byte, size int, fromRight bool) []byte {
	if size <= 0 || size >= len(v) {
		return append(dst, v...)
	}
	first := len(v) % size
	if !fromRight || first == 0 {
		first = size
	}
	dst = append(dst, v[:first]...)
	for i := first; i < len(v); i += size {
		dst = append(dst, '.')
		dst = append(dst, v[i:min(i+size, len(v))]...)
	}
	return dst
}
