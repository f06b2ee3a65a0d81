package parser

import "bytes"

// Handler receives each parsed operation. All byte slices passed are only
// valid during the call (they may point into the caller's read buffer or into
// the parser's scratch buffers). A non-nil error returned by a handler stops
// Parse, which returns that same error.
type Handler interface {
	ProcessConnect(arg []byte) error                                      // the JSON after "CONNECT "
	ProcessInfo(arg []byte) error                                         // the JSON after "INFO "
	ProcessPub(subject, reply, payload []byte) error                      // reply nil when absent; payload without trailing CRLF
	ProcessHPub(subject, reply []byte, hdrLen int, msg []byte) error      // msg = headers + payload, hdrLen = header size
	ProcessSub(subject, queue, sid []byte) error                          // queue nil when absent
	ProcessUnsub(sid []byte, max int) error                               // max = 0 when absent
	ProcessPing() error                                                   // PING
	ProcessPong() error                                                   // PONG
	ProcessOK() error                                                     // +OK
	ProcessErr(arg []byte) error                                          // the text after "-ERR "
	ProcessMsg(subject, sid, reply, payload []byte) error                 // MSG; reply nil when absent
	ProcessHMsg(subject, sid, reply []byte, hdrLen int, msg []byte) error // HMSG; reply nil when absent

	// Route mode only (see SetRouteMode).
	ProcessRSub(account, subject, queue []byte, weight int) error // RS+; queue nil and weight 0 when absent
	ProcessRUnsub(account, subject, queue []byte) error           // RS-; queue nil when absent
	// ProcessRMsg receives RMSG and the route's HMSG: args are the fields
	// before the sizes (decode them with ParseRMsgArgs; the parser has
	// checked them), msg = headers + payload, hdrLen = header size (0 =
	// no headers).
	ProcessRMsg(args []byte, hdrLen int, msg []byte) error
}

// Default limits, used when New or SetLimits is given a value <= 0.
const (
	DefaultMaxControlLine = 4096
	DefaultMaxPayload     = 1 << 20
	// MaxJSONLine caps CONNECT and INFO lines, which are exempt from the
	// control-line limit because clients send long JWTs in CONNECT.
	MaxJSONLine = 1 << 20
)

// maxKeptScratch is the capacity above which Compact releases a scratch
// buffer. A payload buffer is otherwise kept between messages, so a stream
// of large messages reuses one buffer instead of allocating one each.
// after its op is delivered, so memory goes back down after a big message.
const maxKeptScratch = 64 << 10

// state is the position of the parser between two Parse calls.
type state uint8

const (
	stateOp      state = iota // at the start of a control line, nothing buffered
	stateLine                 // inside a control line, its start is in p.line
	statePayload              // inside a payload, its start is in p.pay
)

// Parser is the per-connection protocol state. Use New; the zero value is
// not ready for use.
type Parser struct {
	state          state
	maxControlLine int
	maxPayload     int
	allowed        opSet // the ops of the mode: client, route or leaf
	pinned         bool  // route ops carry no account (SetPinned)

	// line accumulates a control line cut by the end of a Parse call.
	line []byte

	// Pending op while in statePayload. Its arguments were copied into
	// argBuf (subject, then sid, then reply, ending at the given offsets),
	// because the buffer they came from is gone once Parse returns.
	pendOp   opKind
	argBuf   []byte
	subjEnd  int
	sidEnd   int
	replyEnd int
	hasReply bool
	hdrLen   int
	size     int    // payload size, excluding the trailing CRLF
	pay      []byte // payload received so far, followed by its CRLF

	// rest is the input left when a handler stopped Parse (ErrStop).
	rest []byte
}

// New returns a Parser with the given limits. maxControlLine is the longest
// control line (op and arguments, excluding the line end) accepted, except
// for CONNECT and INFO which are capped at MaxJSONLine instead; maxPayload is
// the largest total size accepted for PUB and HPUB, and also for MSG and HMSG
// so that a peer cannot make the parser buffer an unbounded payload. Values
// <= 0 select the defaults (4096 and 1 MiB).
func New(maxControlLine, maxPayload int) *Parser {
	p := &Parser{allowed: clientOps}
	p.SetLimits(maxControlLine, maxPayload)
	return p
}

// SetRouteMode switches the parser between the client protocol (the
// default) and the route protocol (nats-server v2's, with accounts): INFO,
// CONNECT, PING, PONG, +OK, -ERR, RS+, RS-, RMSG, HMSG. Each mode reports the
// other's ops as unknown, so a client sending RS+ gets the same error as
// for any unknown op. Call it between Parse calls, before any input of the
// new mode.
func (p *Parser) SetRouteMode(route bool) {
	if route {
		p.allowed = routeOps
	} else {
		p.allowed = clientOps
	}
}

// SetLeafMode switches the parser to the leaf node protocol
// (nats-server's): INFO, CONNECT, PING, PONG, +OK, -ERR and
//
//	LS+ <subject> [<queue> <weight>]
//	LS- <subject> [<queue>]
//	LMSG <subject> [+ <reply> <queue>... | | <queue>... | <reply>] <size>
//	HMSG (the same) <hdr_size> <total_size>
//
// A leaf connection is bound to one account, so no op carries one: they
// are a pinned route's ops (see SetPinned) under other names, and reach
// the same handler methods (ProcessRSub, ProcessRUnsub, ProcessRMsg) with
// a nil account. Call it before any input of the leaf protocol.
func (p *Parser) SetLeafMode() {
	p.allowed = leafOps
	p.pinned = true
}

// SetPinned switches a route-mode parser to the ops of a route pinned to
// one account (nats-server's per-account routes, and its system account
// route): RS+, RS-, RMSG and HMSG then carry no account, as in
//
//	RS+ <subject> [<queue> <weight>]
//	RS- <subject> [<queue>]
//	RMSG <subject> [+ <reply> | |] [<queue>...] <size>
//
// and the handler gets a nil account (ProcessRMsg's args start at the
// subject: decode them with ParsePinnedRMsgArgs). Call it between Parse
// calls.
func (p *Parser) SetPinned(pinned bool) { p.pinned = pinned }

// SetLimits changes the limits (see New). It may be called between Parse
// calls, e.g. on a configuration reload; a message whose size was already
// accepted is not checked again.
func (p *Parser) SetLimits(maxControlLine, maxPayload int) {
	if maxControlLine <= 0 {
		maxControlLine = DefaultMaxControlLine
	}
	if maxPayload <= 0 {
		maxPayload = DefaultMaxPayload
	}
	p.maxControlLine = maxControlLine
	p.maxPayload = maxPayload
}

// Parse consumes buf completely. buf may end anywhere, in the middle of an
// op, an argument or a payload; the state carries over to the next call.
// Parse returns the first error, either a (wrapped) sentinel error of this
// package or the error of a Handler method. After an error the parser state
// is undefined.
func (p *Parser) Parse(buf []byte, h Handler) error {
	p.rest = nil
	for len(buf) > 0 {
		switch p.state {
		case stateOp:
			nl := bytes.IndexByte(buf, '\n')
			if nl < 0 {
				// The line is cut: keep it for the next call.
				if err := p.checkPartial(buf); err != nil {
					return err
				}
				p.line = append(p.line[:0], buf...)
				p.state = stateLine
				return nil
			}
			n, err := p.processLine(buf[:nl], buf[nl+1:], h)
			if err != nil {
				return p.stopped(err, buf[nl+1+n:])
			}
			buf = buf[nl+1+n:]

		case stateLine:
			nl := bytes.IndexByte(buf, '\n')
			end := nl
			if nl < 0 {
				end = len(buf)
			}
			// Check before appending so an endless line is never buffered
			// beyond the limit.
			if err := p.checkPartial(buf[:end]); err != nil {
				return err
			}
			p.line = append(p.line, buf[:end]...)
			if nl < 0 {
				return nil
			}
			p.state = stateOp
			n, err := p.processLine(p.line, buf[nl+1:], h)
			if err != nil {
				return p.stopped(err, buf[nl+1+n:])
			}
			if cap(p.line) > maxKeptScratch {
				p.line = nil
			}
			buf = buf[nl+1+n:]

		case statePayload:
			need := p.size + 2 - len(p.pay)
			if need > len(buf) {
				p.pay = append(p.pay, buf...)
				return nil
			}
			p.pay = append(p.pay, buf[:need]...)
			buf = buf[need:]
			if err := p.deliverPending(h); err != nil {
				return err
			}
		}
	}
	return nil
}

// stopped records the unparsed input when a handler returned ErrStop.
// Only control-line ops without a payload (INFO) stop parsing, so the
// parser is back at the start of an op.
func (p *Parser) stopped(err error, rest []byte) error {
	if err == ErrStop {
		p.rest = rest
	}
	return err
}

// Rest is the input a handler's ErrStop left unparsed, valid until the
// next Parse call (it points into Parse's buffer).
func (p *Parser) Rest() []byte { return p.rest }

// checkPartial validates a control line whose end has not been seen yet: the
// bytes already in p.line (when in stateLine) followed by more. It rejects a
// line that cannot become a valid op, and one whose arguments already exceed
// the limit, so an endless line is never buffered beyond it.
func (p *Parser) checkPartial(more []byte) error {
	var prev []byte
	if p.state == stateLine {
		prev = p.line
	}
	total := len(prev) + len(more)
	if total == 0 {
		return nil
	}
	var head [maxKeyword]byte
	n := copy(head[:], prev)
	n += copy(head[n:], more)
	if !validPrefix(head[:n], total, p.allowed) {
		return errUnknownOp(head[:n])
	}
	if n < maxKeyword {
		// The keyword is not decided yet: leave the length check to the
		// complete line so that the error is the same whatever the split.
		return nil
	}
	op, _ := parseOp(head[:n], p.allowed)
	if op == opNone {
		return nil // e.g. "CONNECT\r": decided by the line end
	}
	kw := len(ops[op].kw)
	if ops[op].bare {
		// PING and friends ignore their arguments, but an endless line is
		// still not buffered.
		if total > MaxJSONLine {
			return errControlLine(total, MaxJSONLine)
		}
		return nil
	}
	args := total - kw - leadingSeps(prev, more, kw)
	if last := lastByte(prev, more); last == '\r' {
		args-- // may be the CR of the line end
	}
	if args > p.maxControlLine {
		return errControlLine(args, p.maxControlLine)
	}
	return nil
}

// leadingSeps counts the separators that start at offset from in the
// concatenation of a and b.
func leadingSeps(a, b []byte, from int) int {
	n := 0
	for i := from; i < len(a)+len(b); i++ {
		c := byte(0)
		if i < len(a) {
			c = a[i]
		} else {
			c = b[i-len(a)]
		}
		if !isSep[c] {
			break
		}
		n++
	}
	return n
}

func lastByte(a, b []byte) byte {
	if len(b) > 0 {
		return b[len(b)-1]
	}
	return a[len(a)-1]
}

// deliverPending hands a payload accumulated across Parse calls to the
// handler and returns to stateOp. p.pay holds the payload and its CRLF.
func (p *Parser) deliverPending(h Handler) error {
	payload := p.pay[:p.size]
	if end := p.pay[p.size:]; end[0] != '\r' || end[1] != '\n' {
		return errBadPayloadEnd(end)
	}
	subject := p.argBuf[:p.subjEnd]
	sid := p.argBuf[p.subjEnd:p.sidEnd]
	var reply []byte
	if p.hasReply {
		reply = p.argBuf[p.sidEnd:p.replyEnd]
	}
	err := p.dispatch(p.pendOp, subject, sid, reply, p.hdrLen, payload, h)
	p.state = stateOp
	p.pay = p.pay[:0]
	return err
}

// deferPayload saves a message op whose payload is not complete in the
// current buffer: its arguments are copied (their buffer is about to go) and
// the start of the payload, rest, is buffered. It returns len(rest).
func (p *Parser) deferPayload(op opKind, subject, sid, reply []byte, rest []byte) int {
	p.pendOp = op
	p.argBuf = append(p.argBuf[:0], subject...)
	p.subjEnd = len(p.argBuf)
	p.argBuf = append(p.argBuf, sid...)
	p.sidEnd = len(p.argBuf)
	p.argBuf = append(p.argBuf, reply...)
	p.replyEnd = len(p.argBuf)
	p.hasReply = reply != nil
	// size <= maxPayload, so preallocating the whole message is bounded.
	if need := p.size + 2; cap(p.pay) < need {
		p.pay = make([]byte, 0, need)
	}
	p.pay = append(p.pay[:0], rest...)
	p.state = statePayload
	return len(rest)
}

// ScratchSize is the memory the parser holds in scratch buffers.
func (p *Parser) ScratchSize() int {
	return cap(p.line) + cap(p.argBuf) + cap(p.pay)
}

// Compact releases scratch buffers above the kept size, unless an op is
// in progress. The caller does it when the connection has gone quiet, so
// memory goes back down after a burst of large messages.
func (p *Parser) Compact() {
	if p.state != stateOp {
		return
	}
	if cap(p.pay) > maxKeptScratch {
		p.pay = nil
	}
	if cap(p.line) > maxKeptScratch {
		p.line = nil
	}
	if cap(p.argBuf) > maxKeptScratch {
		p.argBuf = nil
	}
}

// PayloadBuffer returns, while a payload is being received across Parse
// calls, the part of the parser's payload buffer still to be filled (the
// rest of the payload and its CRLF), so that the caller can read the socket
// straight into it and save a copy of large messages. It returns nil when no
// payload is pending. Report what was read with PayloadFilled.
func (p *Parser) PayloadBuffer() []byte {
	if p.state != statePayload {
		return nil
	}
	n := len(p.pay)
	return p.pay[n : p.size+2 : p.size+2]
}

// PayloadFilled records that the first n bytes of PayloadBuffer were
// filled, and delivers the message once it is complete.
func (p *Parser) PayloadFilled(n int, h Handler) error {
	if p.state != statePayload || len(p.pay)+n > p.size+2 {
		return errBadPayloadEnd(nil)
	}
	p.pay = p.pay[:len(p.pay)+n]
	if len(p.pay) == p.size+2 {
		return p.deliverPending(h)
	}
	return nil
}
