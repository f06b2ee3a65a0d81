package parser

import (
	"errors"
	"fmt"
	"strings"
)

// recorder is a Handler that records every call as a string, copying the
// slices it receives (they are only valid during the call).
type recorder struct {
	calls []string
	// failAt makes the failAt-th call (1-based) return errStop.
	failAt int
	// pinned decodes RMSG arguments without an account.
	pinned bool
}

var errStop = errors.New("handler stop")

// q formats an optional field, distinguishing absent (nil) from empty.
func q(b []byte) string {
	if b == nil {
		return "-"
	}
	return fmt.Sprintf("%q", b)
}

func (r *recorder) add(format string, a ...any) error {
	r.calls = append(r.calls, fmt.Sprintf(format, a...))
	if r.failAt > 0 && len(r.calls) == r.failAt {
		return errStop
	}
	return nil
}

func (r *recorder) ProcessConnect(arg []byte) error { return r.add("CONNECT %q", arg) }
func (r *recorder) ProcessInfo(arg []byte) error    { return r.add("INFO %q", arg) }
func (r *recorder) ProcessPub(subject, reply, payload []byte) error {
	return r.add("PUB %q %s %q", subject, q(reply), payload)
}
func (r *recorder) ProcessHPub(subject, reply []byte, hdrLen int, msg []byte) error {
	return r.add("HPUB %q %s %d %q", subject, q(reply), hdrLen, msg)
}
func (r *recorder) ProcessSub(subject, queue, sid []byte) error {
	return r.add("SUB %q %s %q", subject, q(queue), sid)
}
func (r *recorder) ProcessUnsub(sid []byte, max int) error { return r.add("UNSUB %q %d", sid, max) }
func (r *recorder) ProcessPing() error                     { return r.add("PING") }
func (r *recorder) ProcessPong() error                     { return r.add("PONG") }
func (r *recorder) ProcessOK() error                       { return r.add("+OK") }
func (r *recorder) ProcessErr(arg []byte) error            { return r.add("-ERR %q", arg) }
func (r *recorder) ProcessMsg(subject, sid, reply, payload []byte) error {
	return r.add("MSG %q %q %s %q", subject, sid, q(reply), payload)
}
func (r *recorder) ProcessHMsg(subject, sid, reply []byte, hdrLen int, msg []byte) error {
	return r.add("HMSG %q %q %s %d %q", subject, sid, q(reply), hdrLen, msg)
}

func (r *recorder) ProcessRSub(account, subject, queue []byte, weight int) error {
	return r.add("RS+ %q %q %s %d", account, subject, q(queue), weight)
}
func (r *recorder) ProcessRUnsub(account, subject, queue []byte) error {
	return r.add("RS- %q %q %s", account, subject, q(queue))
}

// ProcessRMsg records the decoded fields, so the tests check
// ParseRMsgArgs too.
func (r *recorder) ProcessRMsg(args []byte, hdrLen int, msg []byte) error {
	var a RMsgArgs
	parse := ParseRMsgArgs
	if r.pinned {
		parse = ParsePinnedRMsgArgs
	}
	if !parse(args, &a) {
		return r.add("RMSG bad args %q", args)
	}
	qs := make([]string, a.NumQueues)
	for i := range qs {
		qs[i] = string(a.NextQueue())
	}
	return r.add("RMSG %q %q %q %s %d %q", a.Account, a.Subject, qs, q(a.Reply), hdrLen, msg)
}

// newParser returns a fresh parser in the mode of tc.
func newParser(tc parseCase) *Parser {
	p := New(0, 0)
	p.SetRouteMode(tc.route || tc.pinned)
	p.SetPinned(tc.pinned)
	return p
}

// feed parses the chunks in order with a fresh parser and returns the
// recorded calls and the first error.
func feed(p *Parser, chunks ...[]byte) ([]string, error) {
	r := &recorder{pinned: p.pinned}
	for _, c := range chunks {
		if err := p.Parse(c, r); err != nil {
			return r.calls, err
		}
	}
	return r.calls, nil
}

// sentinels lists the package errors, to classify an error in tests.
var sentinels = []error{ErrUnknownOp, ErrControlLine, ErrMaxPayload, ErrBadArgs, ErrBadPayloadEnd, errStop}

// errClass returns the sentinel err wraps, nil for nil, or err itself when
// it wraps none (which tests report as a failure).
func errClass(err error) error {
	if err == nil {
		return nil
	}
	for _, s := range sentinels {
		if errors.Is(err, s) {
			return s
		}
	}
	return err
}

func join(calls []string) string { return strings.Join(calls, "\n") }
