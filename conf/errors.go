package conf

import (
	"fmt"
	"strconv"
)

// Pos is a position in a configuration file. Line and Col are 1-based; Col
// counts characters (runes), not bytes, so it matches what editors show.
// A zero Line means the position names only a file (for example when the
// file itself cannot be read).
type Pos struct {
	File string
	Line int
	Col  int
}

// String formats the position as "file:line:col". Input parsed without a
// file name is shown as "<input>" so messages never start with a bare colon.
func (p Pos) String() string {
	f := p.File
	if f == "" {
		f = "<input>"
	}
	if p.Line <= 0 {
		return f
	}
	return f + ":" + strconv.Itoa(p.Line) + ":" + strconv.Itoa(p.Col)
}

// Error is the error type returned by the parser and by the Value
// conversion helpers. It always carries the position it refers to, which is
// the position inside an included file when the problem is there.
type Error struct {
	Pos Pos
	Msg string
	// Err is the underlying cause, if any (for example the error returned
	// while reading an included file), so callers can use errors.Is.
	Err error
}

// Error formats the error as "file:line:col: message".
func (e *Error) Error() string { return e.Pos.String() + ": " + e.Msg }

// Unwrap returns the underlying cause, if any.
func (e *Error) Unwrap() error { return e.Err }

// errorf builds an *Error. It returns the error interface type on purpose:
// returning a typed nil *Error through an error interface is a classic Go
// trap, and every call site here wants a non-nil error anyway.
func errorf(pos Pos, format string, args ...any) error {
	return &Error{Pos: pos, Msg: fmt.Sprintf(format, args...)}
}
