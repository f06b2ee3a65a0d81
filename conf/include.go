package conf

import (
	"errors"
	"io/fs"
	"path/filepath"
	"strings"
)

// parseInclude handles "include <path>" once the keyword and the blanks
// after it have been consumed. The path may be double-quoted, single-quoted
// or bare; it is taken literally (no variables), as in nats-server.
func (p *parser) parseInclude(m *Map, pos Pos, ctx context) error {
	s := p.s
	var (
		path string
		err  error
	)
	switch b := s.peek(); {
	case s.atLineEnd():
		return errorf(pos, "include needs a file name")
	case b == '"':
		path, err = s.readDoubleQuoted()
	case b == '\'':
		path, err = s.readRawQuoted('\'', "string")
	default:
		path = s.readBare()
	}
	if err != nil {
		return err
	}
	if path == "" {
		return errorf(pos, "include needs a file name")
	}
	// Check the rest of the line first so syntax errors in this file are
	// reported before problems inside the included one.
	if err := p.afterValue(ctx); err != nil {
		return err
	}
	return p.includeFile(m, path, pos)
}

// includeFile parses the file named by ref, relative to the directory of
// the including file, and merges its top-level keys into m (later keys
// override earlier ones, in both directions, as if the text were inline).
func (p *parser) includeFile(m *Map, ref string, pos Pos) error {
	sh := p.shared
	path := ref
	if !filepath.IsAbs(path) {
		path = filepath.Join(filepath.Dir(p.s.file), path)
	}
	clean := filepath.Clean(path)
	for i, f := range sh.includeStack {
		if f == clean {
			chain := append(append([]string{}, sh.includeStack[i:]...), clean)
			return errorf(pos, "include cycle: %s", strings.Join(chain, " -> "))
		}
	}
	if len(sh.includeStack) >= maxIncludeDepth {
		return errorf(pos, "includes are nested too deeply (more than %d levels)", maxIncludeDepth)
	}
	sh.includes++
	if sh.includes > maxIncludes {
		return errorf(pos, "too many included files (more than %d)", maxIncludes)
	}
	data, err := sh.readFile(path)
	if err != nil {
		return &Error{Pos: pos, Msg: "include " + quoteIfNeeded(ref) + ": cannot read " + path + ": " + readReason(err), Err: err}
	}

	sh.includeStack = append(sh.includeStack, clean)
	defer func() { sh.includeStack = sh.includeStack[:len(sh.includeStack)-1] }()

	inc := NewMap()
	sub := &parser{s: newScanner(path, string(data)), shared: sh, depth: p.depth}
	if err := sub.parseFileBody(inc); err != nil {
		return err
	}
	for _, k := range inc.Keys {
		m.setKey(k)
	}
	return nil
}

// readReason strips the operation and path from file errors, which the
// message already names.
func readReason(err error) string {
	var pe *fs.PathError
	if errors.As(err, &pe) {
		return pe.Err.Error()
	}
	return err.Error()
}

func quoteIfNeeded(s string) string {
	if strings.ContainsAny(s, " \t\"'") {
		return `"` + strings.ReplaceAll(s, `"`, `\"`) + `"`
	}
	return s
}
