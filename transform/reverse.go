package transform

import (
	"errors"
	"strconv"
	"strings"
)

// ErrNotReversible: Reverse needs a destination of literals, ">" and
// wildcard references only, each "*" used at most once.
var ErrNotReversible = errors.New("transform can not be reversed")

// Reverse returns the transform that undoes t, as a service import needs:
// an import of "foo.*.*" with `to: "bar.$2.$1"` maps the exporter's
// foo.a.b to bar.b.a, and a request the importer sends on bar.x.y reaches
// the exporter on foo.y.x (checked against nats-server v2.15.2). The
// reverse's source is t's destination with its wildcard references
// replaced by "*"; its destination is t's source with each "*" replaced by
// a reference to the token that carried it.
func (t *Transform) Reverse() (*Transform, error) {
	if t.identity {
		return New(t.src, "")
	}
	// ord[k] is the 1-based "*" number, in the reverse's source, of the
	// destination token that used t's wildcard k.
	ord := make([]int, t.wildcards)
	var src []string
	n := 0
	for _, o := range t.ops {
		switch o.kind {
		case opLiteral:
			src = append(src, o.lit)
		case opRest:
			src = append(src, ">")
		case opWildcard:
			k := t.wildcardIndex(o.pos)
			if k < 0 || ord[k] != 0 {
				return nil, ErrNotReversible
			}
			n++
			ord[k] = n
			src = append(src, "*")
		default:
			return nil, ErrNotReversible
		}
	}
	dest := make([]string, len(t.srcToks))
	k := 0
	for i, tok := range t.srcToks {
		switch tok {
		case "*":
			if ord[k] == 0 {
				return nil, ErrNotReversible
			}
			dest[i] = "$" + strconv.Itoa(ord[k])
			k++
		default:
			dest[i] = tok
		}
	}
	return NewStrict(strings.Join(src, "."), strings.Join(dest, "."))
}

// wildcardIndex returns which source "*" (0-based) sits at subject token
// position pos, or -1.
func (t *Transform) wildcardIndex(pos int) int {
	k := 0
	for i, tok := range t.srcToks {
		if tok != "*" {
			continue
		}
		if i == pos {
			return k
		}
		k++
	}
	return -1
}
