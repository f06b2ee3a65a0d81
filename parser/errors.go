package parser

import (
	"errors"
	"fmt"
)

// Sentinel errors returned (possibly wrapped with detail) by Parse. Match them
// with errors.Is.
var (
	// ErrUnknownOp reports an unknown or malformed op keyword, or garbage
	// where an op should start.
	ErrUnknownOp = errors.New("unknown protocol operation")
	// ErrControlLine reports a control line longer than the configured
	// maximum.
	ErrControlLine = errors.New("maximum control line exceeded")
	// ErrMaxPayload reports a message size larger than the configured
	// maximum payload.
	ErrMaxPayload = errors.New("maximum payload violation")
	// ErrBadArgs reports a wrong number of arguments, a non-numeric or
	// negative size, or a header size larger than the total size.
	ErrBadArgs = errors.New("invalid protocol arguments")
	// ErrBadPayloadEnd reports a payload that is not followed by CRLF.
	ErrBadPayloadEnd = errors.New("payload not terminated by CRLF")
	// ErrStop is not a protocol error: a handler returns it to stop Parse
	// right after the current op, because the input that follows is not
	// protocol (a route switching to a compressed stream). Parse returns
	// it, and Rest gives the input that was not parsed; the parser is in
	// a clean state, ready for more input.
	ErrStop = errors.New("parse stopped by the handler")
)

// maxDetail bounds how much of the offending input is quoted in an error, so
// that a hostile multi-kilobyte line does not end up in the logs verbatim.
const maxDetail = 64

// clip returns at most maxDetail bytes of b for an error message.
// It returns a copy so that callers' buffers (some on the stack) do not
// escape to the heap through fmt.
func clip(b []byte) string {
	if len(b) > maxDetail {
		b = b[:maxDetail]
	}
	return string(b)
}

// The helpers below build wrapped errors. They allocate, which is fine: they
// only run on error paths, after which the connection is closed.

func errUnknownOp(b []byte) error {
	return fmt.Errorf("%w: %q", ErrUnknownOp, clip(b))
}

func errControlLine(n, limit int) error {
	return fmt.Errorf("%w: line of %d bytes or more, limit %d", ErrControlLine, n, limit)
}

func errBadArgs(line []byte) error {
	return fmt.Errorf("%w: %q", ErrBadArgs, clip(line))
}

func errMaxPayload(size, limit int) error {
	return fmt.Errorf("%w: size %d, limit %d", ErrMaxPayload, size, limit)
}

func errBadPayloadEnd(got []byte) error {
	return fmt.Errorf("%w: got %q", ErrBadPayloadEnd, clip(got))
}
