package parser

// processLine handles one complete control line. line excludes the '\n' (a
// preceding '\r' is stripped here); rest is the input after the line. For
// message ops the payload is taken from rest when complete there, otherwise
// it is deferred to statePayload. It returns how many bytes of rest were
// consumed.
func (p *Parser) processLine(line, rest []byte, h Handler) (int, error) {
	if n := len(line); n > 0 && line[n-1] == '\r' {
		line = line[:n-1]
	}
	if subject, reply, sizeArg, ok := p.plainPub(line); ok {
		return p.message(opPub, line, subject, nil, reply, nil, sizeArg, rest, h)
	}
	op, tail := parseOp(line, p.allowed)
	if op == opNone {
		return 0, errUnknownOp(line)
	}
	// As in nats-server, the limit applies to the arguments: the bytes
	// after the keyword and its separators. It is checked before anything
	// else, so that a split line (checked while accumulating) fails the
	// same way.
	if !ops[op].bare && len(tail) > p.maxControlLine {
		// (Trimming only shortens: a tail within the limit needs no trim.)
		if n := len(trimLeft(tail)); n > p.maxControlLine {
			return 0, errControlLine(n, p.maxControlLine)
		}
	}

	switch op {
	case opPing, opPong, opOK:
		switch op {
		case opPing:
			return 0, h.ProcessPing()
		case opPong:
			return 0, h.ProcessPong()
		default:
			return 0, h.ProcessOK()
		}
	case opConnect:
		return 0, h.ProcessConnect(trimSpace(tail))
	case opInfo:
		return 0, h.ProcessInfo(trimSpace(tail))
	case opErr:
		return 0, h.ProcessErr(trimSpace(tail))
	}

	switch op { // the leaf ops are the pinned route ones under other names
	case opLSub:
		op = opRSub
	case opLUnsub:
		op = opRUnsub
	case opLMsg:
		op = opRMsg
	}
	if op == opRMsg || op == opRHMsg {
		return p.processRMsg(op, line, tail, rest, h)
	}

	var a args
	n := splitArgs(tail, &a)
	switch op {
	case opRSub: // RS+ <account> <subject> [<queue> <weight>]
		acc := 0 // where the subject is: after the account, unless pinned
		if !p.pinned {
			if n == 0 {
				return 0, errBadArgs(line)
			}
			acc = 1
		}
		var account []byte
		if acc == 1 {
			account = a[0]
		}
		switch n - acc {
		case 1:
			return 0, h.ProcessRSub(account, a[acc], nil, 0)
		case 3:
			w := ParseSize(a[acc+2])
			// A leaf connection may announce a queue group with weight 0
			// (nats-server takes it).
			if w < 1 && (w < 0 || p.allowed != leafOps) {
				return 0, errBadArgs(line)
			}
			return 0, h.ProcessRSub(account, a[acc], a[acc+1], w)
		}
		return 0, errBadArgs(line)
	case opRUnsub: // RS- <account> <subject> [<queue>]
		acc := 0
		if !p.pinned {
			if n == 0 {
				return 0, errBadArgs(line)
			}
			acc = 1
		}
		var account []byte
		if acc == 1 {
			account = a[0]
		}
		switch n - acc {
		case 1:
			return 0, h.ProcessRUnsub(account, a[acc], nil)
		case 2:
			return 0, h.ProcessRUnsub(account, a[acc], a[acc+1])
		}
		return 0, errBadArgs(line)
	case opSub:
		switch n {
		case 2:
			return 0, h.ProcessSub(a[0], nil, a[1])
		case 3:
			return 0, h.ProcessSub(a[0], a[1], a[2])
		}
		return 0, errBadArgs(line)
	case opUnsub:
		switch n {
		case 1:
			return 0, h.ProcessUnsub(a[0], 0)
		case 2:
			// A max that is not a number means no max, as in nats-server.
			return 0, h.ProcessUnsub(a[0], max(ParseSize(a[1]), 0))
		}
		return 0, errBadArgs(line)
	}

	// Message ops: locate subject, sid, reply and the size fields.
	var subject, sid, reply, hdrArg, sizeArg []byte
	switch op {
	case opPub: // PUB <subject> [reply] <size>
		switch n {
		case 2:
			subject, sizeArg = a[0], a[1]
		case 3:
			subject, reply, sizeArg = a[0], a[1], a[2]
		default:
			return 0, errBadArgs(line)
		}
	case opHPub: // HPUB <subject> [reply] <hdr> <total>
		switch n {
		case 3:
			subject, hdrArg, sizeArg = a[0], a[1], a[2]
		case 4:
			subject, reply, hdrArg, sizeArg = a[0], a[1], a[2], a[3]
		default:
			return 0, errBadArgs(line)
		}
	case opMsg: // MSG <subject> <sid> [reply] <size>
		switch n {
		case 3:
			subject, sid, sizeArg = a[0], a[1], a[2]
		case 4:
			subject, sid, reply, sizeArg = a[0], a[1], a[2], a[3]
		default:
			return 0, errBadArgs(line)
		}
	case opHMsg: // HMSG <subject> <sid> [reply] <hdr> <total>
		switch n {
		case 4:
			subject, sid, hdrArg, sizeArg = a[0], a[1], a[2], a[3]
		case 5:
			subject, sid, reply, hdrArg, sizeArg = a[0], a[1], a[2], a[3], a[4]
		default:
			return 0, errBadArgs(line)
		}
	}
	return p.message(op, line, subject, sid, reply, hdrArg, sizeArg, rest, h)
}

// plainPub recognizes the PUB line nearly every publisher sends, in the
// canonical form "PUB <subject> [reply] <size>": upper case, one space
// between fields, within the control-line limit. It returns the fields
// without going through parseOp and splitArgs (a third of the parser's
// cost per message). Anything else, including every malformed line, is
// left to the general path, which decides what it is.
func (p *Parser) plainPub(line []byte) (subject, reply, sizeArg []byte, ok bool) {
	if len(line) < 4 || line[0] != 'P' || line[1] != 'U' || line[2] != 'B' || line[3] != ' ' ||
		!p.allowed.has(opPub) || len(line)-4 > p.maxControlLine {
		return nil, nil, nil, false
	}
	tail := line[4:]
	i := indexSep(tail)
	if i == 0 || i == len(tail) {
		return nil, nil, nil, false
	}
	subject, tail = tail[:i], tail[i+1:]
	i = indexSep(tail)
	if i == 0 || len(tail) == 0 {
		return nil, nil, nil, false
	}
	if i == len(tail) {
		return subject, nil, tail, true
	}
	reply, tail = tail[:i], tail[i+1:]
	if len(tail) == 0 || indexSep(tail) != len(tail) {
		return nil, nil, nil, false
	}
	return subject, reply, tail, true
}

// message checks a message op's sizes and hands it to the handler, or
// defers it until its payload has arrived.
func (p *Parser) message(op opKind, line, subject, sid, reply, hdrArg, sizeArg, rest []byte, h Handler) (int, error) {
	size := ParseSize(sizeArg)
	if size < 0 {
		return 0, errBadArgs(line)
	}
	hdr := 0
	if hdrArg != nil {
		if hdr = ParseSize(hdrArg); hdr < 0 || hdr > size {
			return 0, errBadArgs(line)
		}
	}
	if size > p.maxPayload {
		return 0, errMaxPayload(size, p.maxPayload)
	}

	if len(rest) >= size+2 {
		// Fast path: the whole payload is here, hand out slices of buf.
		if rest[size] != '\r' || rest[size+1] != '\n' {
			return 0, errBadPayloadEnd(rest[size : size+2])
		}
		if op == opPub {
			// The most common op: skip the dispatch call.
			return size + 2, h.ProcessPub(subject, reply, rest[:size])
		}
		return size + 2, p.dispatch(op, subject, sid, reply, hdr, rest[:size], h)
	}
	p.size, p.hdrLen = size, hdr
	return p.deferPayload(op, subject, sid, reply, rest), nil
}

// processRMsg handles the route's message ops, as nats-server sends them
// (without the account on a pinned route, see SetPinned):
//
//	RMSG <account> <subject> [<reply>] <size>
//	RMSG <account> <subject> + <reply> <queue>... <size>
//	RMSG <account> <subject> | <queue>... <size>
//	HMSG (the same) <hdr_size> <total_size>
//
// The fields before the sizes go to the handler as one slice (checked here
// with ParseRMsgArgs), so the variable number of queue names needs no
// argument array.
func (p *Parser) processRMsg(op opKind, line, tail, rest []byte, h Handler) (int, error) {
	tail = trimSpace(tail)
	sizeArg, argsPart := lastField(tail)
	hdr := 0
	if op == opRHMsg {
		var hdrArg []byte
		hdrArg, argsPart = lastField(argsPart)
		if hdr = ParseSize(hdrArg); len(hdrArg) == 0 || hdr < 0 {
			return 0, errBadArgs(line)
		}
	}
	argsPart = trimSpace(argsPart)
	var ra RMsgArgs
	if !parseRMsgArgs(argsPart, &ra, p.pinned) {
		return 0, errBadArgs(line)
	}
	size := ParseSize(sizeArg)
	if size < 0 || hdr > size {
		return 0, errBadArgs(line)
	}
	if size > p.maxPayload {
		return 0, errMaxPayload(size, p.maxPayload)
	}
	if len(rest) >= size+2 {
		if rest[size] != '\r' || rest[size+1] != '\n' {
			return 0, errBadPayloadEnd(rest[size : size+2])
		}
		return size + 2, h.ProcessRMsg(argsPart, hdr, rest[:size])
	}
	p.size, p.hdrLen = size, hdr
	return p.deferPayload(opRMsg, argsPart, nil, nil, rest), nil
}

// lastField splits the last separator-delimited field off b (which has no
// trailing separators): it returns the field and what precedes it.
func lastField(b []byte) (field, before []byte) {
	i := len(b)
	for i > 0 && !isSep[b[i-1]] {
		i--
	}
	return b[i:], trimRight(b[:i])
}

// RMsgArgs are the decoded fields of an RMSG or HMSG before its sizes.
type RMsgArgs struct {
	Account []byte
	Subject []byte
	Reply   []byte // nil when absent
	// NumQueues is the number of queue groups the receiver must serve;
	// NextQueue returns them in order.
	NumQueues int
	queues    []byte
}

// ParseRMsgArgs decodes "<account> <subject> [<reply>]",
// "<account> <subject> + <reply> <queue>..." or
// "<account> <subject> | <queue>..." into a without allocating, and
// reports whether the fields are well formed.
func ParseRMsgArgs(args []byte, a *RMsgArgs) bool { return parseRMsgArgs(args, a, false) }

// ParsePinnedRMsgArgs is ParseRMsgArgs for a route pinned to one account
// (see SetPinned): the fields start at the subject and Account is nil.
func ParsePinnedRMsgArgs(args []byte, a *RMsgArgs) bool { return parseRMsgArgs(args, a, true) }

func parseRMsgArgs(args []byte, a *RMsgArgs, pinned bool) bool {
	*a = RMsgArgs{}
	var acc []byte
	rest := args
	if !pinned {
		if acc, rest = nextField(rest); len(acc) == 0 {
			return false
		}
	}
	subject, rest := nextField(rest)
	if len(subject) == 0 {
		return false
	}
	a.Account, a.Subject = acc, subject
	third, rest := nextField(rest)
	switch {
	case len(third) == 1 && (third[0] == '+' || third[0] == '|'):
		if third[0] == '+' {
			var reply []byte
			if reply, rest = nextField(rest); len(reply) == 0 {
				return false
			}
			a.Reply = reply
		}
		a.queues = rest
		for {
			var q []byte
			if q, rest = nextField(rest); len(q) == 0 {
				break
			}
			a.NumQueues++
		}
		return a.NumQueues > 0
	case len(third) > 0:
		a.Reply = third
	}
	return len(trimLeft(rest)) == 0
}

// NextQueue returns the next queue name; call it NumQueues times.
func (a *RMsgArgs) NextQueue() []byte {
	q, rest := nextField(a.queues)
	a.queues = rest
	return q
}

// nextField returns the first field of b and what follows it.
func nextField(b []byte) (field, rest []byte) {
	b = trimLeft(b)
	i := indexSep(b)
	return b[:i], b[i:]
}

// dispatch calls the handler method of a message op.
func (p *Parser) dispatch(op opKind, subject, sid, reply []byte, hdr int, payload []byte, h Handler) error {
	switch op {
	case opRMsg:
		return h.ProcessRMsg(subject, hdr, payload)
	case opPub:
		return h.ProcessPub(subject, reply, payload)
	case opHPub:
		return h.ProcessHPub(subject, reply, hdr, payload)
	case opMsg:
		return h.ProcessMsg(subject, sid, reply, payload)
	default:
		return h.ProcessHMsg(subject, sid, reply, hdr, payload)
	}
}
