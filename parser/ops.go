package parser

// opKind identifies a protocol operation.
type opKind uint8

const (
	opNone opKind = iota
	opPub
	opHPub
	opSub
	opUnsub
	opPing
	opPong
	opConnect
	opInfo
	opOK
	opErr
	opMsg
	opHMsg
	opRSub   // RS+ (route mode only)
	opRUnsub // RS- (route mode only)
	opRMsg   // RMSG (route mode only)
	opRHMsg  // HMSG with an account (route mode only)
	opLSub   // LS+ (leaf mode only)
	opLUnsub // LS- (leaf mode only)
	opLMsg   // LMSG (leaf mode only)
	numOps
)

// opSet is a set of ops, one bit per opKind: the ops a parser's mode
// accepts. Any other keyword is an unknown op.
type opSet uint32

func (s opSet) has(op opKind) bool { return s&(1<<op) != 0 }

// clientOps are the ops of the client protocol; routeOps those of the
// route protocol (see SetRouteMode), where HMSG is the route's own.
const (
	clientOps = opSet(1<<opPub | 1<<opHPub | 1<<opSub | 1<<opUnsub | 1<<opPing | 1<<opPong |
		1<<opConnect | 1<<opInfo | 1<<opOK | 1<<opErr | 1<<opMsg | 1<<opHMsg)
	routeOps = opSet(1<<opPing | 1<<opPong | 1<<opConnect | 1<<opInfo | 1<<opOK | 1<<opErr |
		1<<opRSub | 1<<opRUnsub | 1<<opRMsg | 1<<opRHMsg)
	// leafOps are the leaf node protocol's: a leaf connection is bound
	// to one account, so its ops carry none (HMSG is the route's, in its
	// pinned form).
	leafOps = opSet(1<<opPing | 1<<opPong | 1<<opConnect | 1<<opInfo | 1<<opOK | 1<<opErr |
		1<<opLSub | 1<<opLUnsub | 1<<opLMsg | 1<<opRHMsg)
)

// opSpec describes an op keyword. Keywords are stored in lower case;
// matching folds ASCII letters only.
type opSpec struct {
	kw string
	// bare ops take no arguments and may be followed directly by the line
	// end; all other keywords must be followed by a space or tab.
	bare bool
}

var ops = [numOps]opSpec{
	opPub:     {kw: "pub"},
	opHPub:    {kw: "hpub"},
	opSub:     {kw: "sub"},
	opUnsub:   {kw: "unsub"},
	opPing:    {kw: "ping", bare: true},
	opPong:    {kw: "pong", bare: true},
	opConnect: {kw: "connect"},
	opInfo:    {kw: "info"},
	opOK:      {kw: "+ok", bare: true},
	opErr:     {kw: "-err"},
	opMsg:     {kw: "msg"},
	opHMsg:    {kw: "hmsg"},
	opRSub:    {kw: "rs+"},
	opRUnsub:  {kw: "rs-"},
	opRMsg:    {kw: "rmsg"},
	opRHMsg:   {kw: "hmsg"},
	opLSub:    {kw: "ls+"},
	opLUnsub:  {kw: "ls-"},
	opLMsg:    {kw: "lmsg"},
}

// maxKeyword is the length of the longest keyword plus its separator
// ("connect "): once a partial line is this long its keyword is decided.
const maxKeyword = len("connect") + 1

// lower folds an ASCII upper-case letter to lower case and leaves every other
// byte unchanged. (A plain "| 0x20" would also map e.g. '\r' to '-'.)
func lower(c byte) byte {
	if 'A' <= c && c <= 'Z' {
		return c + 'a' - 'A'
	}
	return c
}

// hasKeyword reports whether b starts with kw, ignoring ASCII case.
func hasKeyword(b []byte, kw string) bool {
	if len(b) < len(kw) {
		return false
	}
	for i := 0; i < len(kw); i++ {
		if lower(b[i]) != kw[i] {
			return false
		}
	}
	return true
}

// parseOp identifies the op keyword at the start of a complete control line
// (line end already removed). It returns the op and the rest of the line,
// which starts at the separator; opNone if the line does not start with a
// keyword followed by a valid separator, or if the op is not in allowed.
func parseOp(line []byte, allowed opSet) (opKind, []byte) {
	if len(line) == 0 {
		return opNone, nil
	}
	// Switch on the first byte to try at most two keywords.
	op := opNone
	switch lower(line[0]) {
	case 'p':
		switch {
		case hasKeyword(line, "pub"):
			op = opPub
		case hasKeyword(line, "ping"):
			op = opPing
		case hasKeyword(line, "pong"):
			op = opPong
		}
	case 'h':
		switch {
		case hasKeyword(line, "hpub"):
			op = opHPub
		case hasKeyword(line, "hmsg"):
			op = opHMsg
			if allowed.has(opRHMsg) {
				op = opRHMsg
			}
		}
	case 's':
		if hasKeyword(line, "sub") {
			op = opSub
		}
	case 'u':
		if hasKeyword(line, "unsub") {
			op = opUnsub
		}
	case 'm':
		if hasKeyword(line, "msg") {
			op = opMsg
		}
	case 'c':
		if hasKeyword(line, "connect") {
			op = opConnect
		}
	case 'i':
		if hasKeyword(line, "info") {
			op = opInfo
		}
	case 'r':
		switch {
		case hasKeyword(line, "rs+"):
			op = opRSub
		case hasKeyword(line, "rs-"):
			op = opRUnsub
		case hasKeyword(line, "rmsg"):
			op = opRMsg
		}
	case 'l':
		switch {
		case hasKeyword(line, "ls+"):
			op = opLSub
		case hasKeyword(line, "ls-"):
			op = opLUnsub
		case hasKeyword(line, "lmsg"):
			op = opLMsg
		}
	case '+':
		if hasKeyword(line, "+ok") {
			op = opOK
		}
	case '-':
		if hasKeyword(line, "-err") {
			op = opErr
		}
	}
	if op == opNone || !allowed.has(op) {
		return opNone, nil
	}
	rest := line[len(ops[op].kw):]
	if ops[op].bare {
		// As with nats-server, whatever follows PING, PONG or +OK is
		// ignored: "PINGX" is a PING.
		return op, rest
	}
	if len(rest) == 0 {
		if op == opConnect {
			// "CONNECT" alone is a CONNECT with bad JSON, not an
			// unknown op, in nats-server.
			return op, rest
		}
		return opNone, nil
	}
	if rest[0] != ' ' && rest[0] != '\t' {
		return opNone, nil
	}
	return op, rest
}

// validPrefix reports whether head, the first bytes of a control line whose
// end has not arrived yet, can still become a valid op: it must match the
// start of a keyword and, if long enough, the separator after it. total is
// the number of bytes of the line received so far (head is at most
// maxKeyword of them). It is only used for partial lines, so that garbage is
// rejected immediately rather than buffered until a line end shows up.
func validPrefix(head []byte, total int, allowed opSet) bool {
	for op := opNone + 1; op < numOps; op++ {
		if !allowed.has(op) {
			continue
		}
		kw := ops[op].kw
		n := min(len(head), len(kw))
		if !hasKeyword(head[:n], kw[:n]) {
			continue
		}
		if len(head) <= len(kw) {
			return true
		}
		if ops[op].bare {
			return true // anything may follow PING, PONG and +OK
		}
		switch head[len(kw)] {
		case ' ', '\t':
			return true
		case '\r':
			// "CONNECT\r" may still become "CONNECT\r\n".
			if op == opConnect && total == len(kw)+1 {
				return true
			}
		}
	}
	return false
}
