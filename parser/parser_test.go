package parser

import (
	"bytes"
	"errors"
	"strings"
	"testing"
)

// parseCase is one input with the calls and error it must produce. The
// table is shared by the split tests, which replay every case cut at every
// byte boundary.
type parseCase struct {
	name   string
	in     string
	calls  []string
	err    error
	route  bool // parse in route mode
	pinned bool // parse in route mode, pinned to an account (SetPinned)
}

var parseCases = []parseCase{
	// PUB
	{name: "pub", in: "PUB foo 5\r\nhello\r\n", calls: []string{`PUB "foo" - "hello"`}},
	{name: "pub reply", in: "PUB foo bar 5\r\nhello\r\n", calls: []string{`PUB "foo" "bar" "hello"`}},
	{name: "pub empty", in: "PUB foo 0\r\n\r\n", calls: []string{`PUB "foo" - ""`}},
	{name: "pub lower", in: "pub foo 2\r\nhi\r\n", calls: []string{`PUB "foo" - "hi"`}},
	{name: "pub mixed case", in: "Pub foo 2\r\nhi\r\n", calls: []string{`PUB "foo" - "hi"`}},
	{name: "pub tabs and spaces", in: "PUB\t  foo \t\tbar\t 2 \t\r\nhi\r\n", calls: []string{`PUB "foo" "bar" "hi"`}},
	{name: "pub bare lf", in: "PUB foo 2\nhi\r\n", calls: []string{`PUB "foo" - "hi"`}},
	{name: "pub payload with crlf", in: "PUB foo 4\r\n\r\n\r\n\r\n", calls: []string{`PUB "foo" - "\r\n\r\n"`}},
	{name: "pub payload looks like op", in: "PUB foo 6\r\nPING\r\n\r\nPONG\r\n", calls: []string{`PUB "foo" - "PING\r\n"`, "PONG"}},
	{name: "pub leading zeros", in: "PUB foo 002\r\nhi\r\n", calls: []string{`PUB "foo" - "hi"`}},
	// HPUB
	{name: "hpub", in: "HPUB foo 12 14\r\nNATS/1.0\r\n\r\nhi\r\n", calls: []string{`HPUB "foo" - 12 "NATS/1.0\r\n\r\nhi"`}},
	{name: "hpub reply", in: "hpub foo bar 12 12\r\nNATS/1.0\r\n\r\n\r\n", calls: []string{`HPUB "foo" "bar" 12 "NATS/1.0\r\n\r\n"`}},
	// SUB / UNSUB
	{name: "sub", in: "SUB foo 1\r\n", calls: []string{`SUB "foo" - "1"`}},
	{name: "sub queue", in: "sub foo.* q 22\r\n", calls: []string{`SUB "foo.*" "q" "22"`}},
	{name: "sub tabs", in: "SUB\tfoo\t\tq\t1\t\r\n", calls: []string{`SUB "foo" "q" "1"`}},
	{name: "sub bare lf", in: "SUB foo 1\n", calls: []string{`SUB "foo" - "1"`}},
	{name: "unsub", in: "UNSUB 1\r\n", calls: []string{`UNSUB "1" 0`}},
	{name: "unsub max", in: "unsub 1 10\r\n", calls: []string{`UNSUB "1" 10`}},
	// Bare ops
	{name: "ping", in: "PING\r\n", calls: []string{"PING"}},
	{name: "ping lower", in: "ping\r\n", calls: []string{"PING"}},
	{name: "ping trailing ws", in: "PING  \t\r\n", calls: []string{"PING"}},
	{name: "ping bare lf", in: "PING\n", calls: []string{"PING"}},
	{name: "pong", in: "PONG\r\n", calls: []string{"PONG"}},
	{name: "pong mixed", in: "pOnG \r\n", calls: []string{"PONG"}},
	{name: "ok", in: "+OK\r\n", calls: []string{"+OK"}},
	{name: "ok lower", in: "+ok\n", calls: []string{"+OK"}},
	// JSON and text ops
	{name: "connect", in: "CONNECT {\"verbose\":false}\r\n", calls: []string{`CONNECT "{\"verbose\":false}"`}},
	{name: "connect lower tabs", in: "connect\t {\"a\": 1} \r\n", calls: []string{`CONNECT "{\"a\": 1}"`}},
	{name: "connect empty", in: "CONNECT \r\n", calls: []string{`CONNECT ""`}},
	{name: "info", in: "INFO {\"server_id\":\"x\"}\r\n", calls: []string{`INFO "{\"server_id\":\"x\"}"`}},
	{name: "err", in: "-ERR 'Unknown Protocol Operation'\r\n", calls: []string{`-ERR "'Unknown Protocol Operation'"`}},
	// MSG / HMSG
	{name: "msg", in: "MSG foo 1 5\r\nhello\r\n", calls: []string{`MSG "foo" "1" - "hello"`}},
	{name: "msg reply", in: "msg foo 1 bar 5\r\nhello\r\n", calls: []string{`MSG "foo" "1" "bar" "hello"`}},
	{name: "hmsg", in: "HMSG foo 1 12 14\r\nNATS/1.0\r\n\r\nhi\r\n", calls: []string{`HMSG "foo" "1" - 12 "NATS/1.0\r\n\r\nhi"`}},
	{name: "hmsg reply", in: "HMSG foo 1 bar 12 14\r\nNATS/1.0\r\n\r\nhi\r\n", calls: []string{`HMSG "foo" "1" "bar" 12 "NATS/1.0\r\n\r\nhi"`}},
	// Pipelines
	{name: "pipeline", in: "CONNECT {}\r\nPING\r\nSUB a 1\r\nPUB a 1\r\nx\r\nHPUB a r 2 3\r\n\r\nx\r\nUNSUB 1 5\r\nPONG\n",
		calls: []string{`CONNECT "{}"`, "PING", `SUB "a" - "1"`, `PUB "a" - "x"`, `HPUB "a" "r" 2 "\r\nx"`, `UNSUB "1" 5`, "PONG"}},

	// ErrUnknownOp
	{name: "unknown op", in: "FOO bar\r\n", err: ErrUnknownOp},
	{name: "unknown op no line end", in: "XYZ", err: ErrUnknownOp},
	{name: "pub no separator", in: "PUBX foo 1\r\n", err: ErrUnknownOp},
	{name: "pub no args", in: "PUB\r\n", err: ErrUnknownOp},
	// As with nats-server, anything after PING, PONG and +OK is ignored.
	{name: "ping garbage", in: "PINGX\r\n", calls: []string{"PING"}},
	{name: "ping args", in: "PING x\r\n", calls: []string{"PING"}},
	{name: "ping double cr", in: "PING\r\r\n", calls: []string{"PING"}},
	{name: "ok garbage", in: "+OKAY\r\n", calls: []string{"+OK"}},
	{name: "err no separator", in: "-ERR\r\n", err: ErrUnknownOp},
	{name: "connect no separator", in: "CONNECT\r\n", calls: []string{`CONNECT ""`}},
	{name: "connect word", in: "CONNECTX\r\n", err: ErrUnknownOp},
	{name: "empty line", in: "\r\n", err: ErrUnknownOp},
	{name: "bare lf", in: "\n", err: ErrUnknownOp},
	{name: "leading space", in: " PING\r\n", err: ErrUnknownOp},
	{name: "after valid op", in: "PING\r\nBOGUS\r\n", calls: []string{"PING"}, err: ErrUnknownOp},
	{name: "vertical tab is not plus", in: "\vOK\r\n", err: ErrUnknownOp},
	{name: "cr is not minus", in: "\rERR x\r\n", err: ErrUnknownOp},
	// ErrBadArgs
	{name: "pub one arg", in: "PUB foo\r\n", err: ErrBadArgs},
	{name: "pub too many", in: "PUB a b c 1\r\n", err: ErrBadArgs},
	{name: "pub negative", in: "PUB foo -1\r\n", err: ErrBadArgs},
	{name: "pub plus sign", in: "PUB foo +1\r\n", err: ErrBadArgs},
	{name: "pub non numeric", in: "PUB foo 1a\r\n", err: ErrBadArgs},
	{name: "pub overflow", in: "PUB foo 99999999999999999999999\r\n", err: ErrBadArgs},
	{name: "hpub hdr > total", in: "HPUB foo 10 5\r\n", err: ErrBadArgs},
	{name: "hpub two args", in: "HPUB foo 5\r\n", err: ErrBadArgs},
	{name: "hpub too many", in: "HPUB a b c 1 2\r\n", err: ErrBadArgs},
	{name: "hpub bad hdr", in: "HPUB foo x 5\r\n", err: ErrBadArgs},
	{name: "sub one arg", in: "SUB foo\r\n", err: ErrBadArgs},
	{name: "sub too many", in: "SUB a b c d\r\n", err: ErrBadArgs},
	{name: "unsub no args", in: "UNSUB \r\n", err: ErrBadArgs},
	// A max that is not a number means no max (nats-server).
	{name: "unsub bad max", in: "UNSUB 1 x\r\n", calls: []string{`UNSUB "1" 0`}},
	{name: "unsub negative max", in: "UNSUB 1 -5\r\n", calls: []string{`UNSUB "1" 0`}},
	{name: "unsub too many", in: "UNSUB 1 2 3\r\n", err: ErrBadArgs},
	{name: "msg two args", in: "MSG a 1\r\n", err: ErrBadArgs},
	{name: "msg too many", in: "MSG a 1 r x 2\r\n", err: ErrBadArgs},
	{name: "hmsg three args", in: "HMSG a 1 2\r\n", err: ErrBadArgs},
	{name: "hmsg hdr > total", in: "HMSG a 1 r 3 2\r\n", err: ErrBadArgs},
	{name: "hmsg six args", in: "HMSG a 1 r x 1 2\r\n", err: ErrBadArgs},
	// ErrMaxPayload
	{name: "pub max payload", in: "PUB foo 1048577\r\n", err: ErrMaxPayload},
	{name: "hpub max payload", in: "HPUB foo 1 1048577\r\n", err: ErrMaxPayload},
	{name: "msg max payload", in: "MSG foo 1 1048577\r\n", err: ErrMaxPayload},
	// ErrBadPayloadEnd
	{name: "payload too long", in: "PUB foo 2\r\nabc\r\n", err: ErrBadPayloadEnd},
	{name: "payload lf only", in: "PUB foo 2\r\nab\n\n", err: ErrBadPayloadEnd},
	{name: "hpub payload end", in: "HPUB foo 0 1\r\nxyz", err: ErrBadPayloadEnd},
	// ErrControlLine
	// The limit counts the arguments: the bytes after the keyword and its
	// separators.
	{name: "control line", in: "PUB " + strings.Repeat("a", 4095) + " 1\r\nx\r\n", err: ErrControlLine},
	{name: "control line connect", in: "CONNECT {\"x\":\"" + strings.Repeat("a", 4090) + "\"}\r\n", err: ErrControlLine},
	{name: "control line no end", in: "SUB " + strings.Repeat("a", 5000), err: ErrControlLine},
	{name: "bare op arguments not limited", in: "PING" + strings.Repeat(" ", 4093) + "x\r\n", calls: []string{"PING"}},
	{name: "control line exactly at limit", in: "SUB   " + strings.Repeat("a", 4094) + " 1\r\n", calls: []string{`SUB "` + strings.Repeat("a", 4094) + `" - "1"`}},
	{name: "control line at limit", in: "SUB " + strings.Repeat("a", 4090) + " 1\r\n", calls: []string{`SUB "` + strings.Repeat("a", 4090) + `" - "1"`}},

	// Route ops are unknown to a client parser.
	{name: "client rs+", in: "RS+ foo\r\n", err: ErrUnknownOp},
	{name: "client rs-", in: "RS- foo\r\n", err: ErrUnknownOp},
	{name: "client rmsg", in: "RMSG foo 0 0 2\r\nhi\r\n", err: ErrUnknownOp},
	{name: "client rmsg partial", in: "RMS", err: ErrUnknownOp},
	// Route mode: RS+, RS-, RMSG, HMSG (nats-server's format, with the
	// account) and the shared ops.
	{route: true, name: "rs+", in: "RS+ $G foo\r\n", calls: []string{`RS+ "$G" "foo" - 0`}},
	{route: true, name: "rs+ queue", in: "rs+ A foo.* workers 3\r\n", calls: []string{`RS+ "A" "foo.*" "workers" 3`}},
	{route: true, name: "rs+ tabs", in: "RS+\tA\tfoo\t q\t12 \r\n", calls: []string{`RS+ "A" "foo" "q" 12`}},
	{route: true, name: "rs-", in: "RS- A foo\r\n", calls: []string{`RS- "A" "foo" -`}},
	{route: true, name: "rs- queue", in: "RS- A foo q\r\n", calls: []string{`RS- "A" "foo" "q"`}},
	{route: true, name: "rmsg", in: "RMSG $G foo 5\r\nhello\r\n", calls: []string{`RMSG "$G" "foo" [] - 0 "hello"`}},
	{route: true, name: "rmsg reply", in: "RMSG A foo _INBOX.1 2\r\nhi\r\n", calls: []string{`RMSG "A" "foo" [] "_INBOX.1" 0 "hi"`}},
	{route: true, name: "rmsg queues", in: "RMSG A foo | q1 q2 2\r\nhi\r\n", calls: []string{`RMSG "A" "foo" ["q1" "q2"] - 0 "hi"`}},
	{route: true, name: "rmsg queues reply", in: "rmsg  A\tfoo + r  q1 2 \r\nhi\r\n", calls: []string{`RMSG "A" "foo" ["q1"] "r" 0 "hi"`}},
	{route: true, name: "hmsg", in: "HMSG A foo r 12 14\r\nNATS/1.0\r\n\r\nhi\r\n", calls: []string{`RMSG "A" "foo" [] "r" 12 "NATS/1.0\r\n\r\nhi"`}},
	{route: true, name: "hmsg queues", in: "HMSG A foo + r q 12 14\r\nNATS/1.0\r\n\r\nhi\r\n", calls: []string{`RMSG "A" "foo" ["q"] "r" 12 "NATS/1.0\r\n\r\nhi"`}},
	{route: true, name: "hmsg queues no reply", in: "HMSG A foo | q 12 12\r\nNATS/1.0\r\n\r\n\r\n", calls: []string{`RMSG "A" "foo" ["q"] - 12 "NATS/1.0\r\n\r\n"`}},
	{route: true, name: "rmsg empty", in: "RMSG A foo 0\r\n\r\n", calls: []string{`RMSG "A" "foo" [] - 0 ""`}},
	{route: true, name: "route pipeline", in: "CONNECT {}\r\nINFO {}\r\nPING\r\nRS+ $G a\r\nRMSG $G a 1\r\nx\r\nRS- $G a\r\nPONG\r\n-ERR 'x'\r\n+OK\r\n",
		calls: []string{`CONNECT "{}"`, `INFO "{}"`, "PING", `RS+ "$G" "a" - 0`, `RMSG "$G" "a" [] - 0 "x"`, `RS- "$G" "a" -`, "PONG", `-ERR "'x'"`, "+OK"}},
	// A route pinned to one account: the ops carry no account.
	{pinned: true, name: "pinned rs+", in: "RS+ $SYS.REQ.>\r\n", calls: []string{`RS+ "" "$SYS.REQ.>" - 0`}},
	{pinned: true, name: "pinned rs+ queue", in: "RS+ foo q 2\r\n", calls: []string{`RS+ "" "foo" "q" 2`}},
	{pinned: true, name: "pinned rs-", in: "RS- foo\r\nRS- foo q\r\n", calls: []string{`RS- "" "foo" -`, `RS- "" "foo" "q"`}},
	{pinned: true, name: "pinned rmsg", in: "RMSG foo 2\r\nhi\r\nRMSG foo r 1\r\nx\r\n", calls: []string{`RMSG "" "foo" [] - 0 "hi"`, `RMSG "" "foo" [] "r" 0 "x"`}},
	{pinned: true, name: "pinned rmsg queues", in: "RMSG foo + r q1 q2 2\r\nhi\r\nRMSG foo | q 0\r\n\r\n", calls: []string{`RMSG "" "foo" ["q1" "q2"] "r" 0 "hi"`, `RMSG "" "foo" ["q"] - 0 ""`}},
	{pinned: true, name: "pinned hmsg", in: "HMSG foo r 12 14\r\nNATS/1.0\r\n\r\nhi\r\n", calls: []string{`RMSG "" "foo" [] "r" 12 "NATS/1.0\r\n\r\nhi"`}},
	{pinned: true, name: "pinned rs+ with account", in: "RS+ A foo\r\n", err: ErrBadArgs},
	{pinned: true, name: "pinned rs+ no args", in: "RS+ \r\n", err: ErrBadArgs},
	{pinned: true, name: "pinned rs- too many", in: "RS- A foo q\r\n", err: ErrBadArgs},
	{pinned: true, name: "pinned rmsg extra", in: "RMSG foo r x 2\r\nhi\r\n", err: ErrBadArgs},
	{route: true, name: "route pub", in: "PUB foo 0\r\n\r\n", err: ErrUnknownOp},
	{route: true, name: "route sub", in: "SUB foo 1\r\n", err: ErrUnknownOp},
	{route: true, name: "route msg", in: "MSG foo 1 0\r\n\r\n", err: ErrUnknownOp},
	{route: true, name: "route garbage", in: "RSX foo\r\n", err: ErrUnknownOp},
	{route: true, name: "rs+ no separator", in: "RS+foo\r\n", err: ErrUnknownOp},
	{route: true, name: "rs+ no args", in: "RS+ \r\n", err: ErrBadArgs},
	{route: true, name: "rs+ no subject", in: "RS+ A\r\n", err: ErrBadArgs},
	{route: true, name: "rs+ queue no weight", in: "RS+ A foo q\r\n", err: ErrBadArgs},
	{route: true, name: "rs+ zero weight", in: "RS+ A foo q 0\r\n", err: ErrBadArgs},
	{route: true, name: "rs+ bad weight", in: "RS+ A foo q x\r\n", err: ErrBadArgs},
	{route: true, name: "rs+ too many", in: "RS+ A foo q 1 2\r\n", err: ErrBadArgs},
	{route: true, name: "rs- too many", in: "RS- A foo q x\r\n", err: ErrBadArgs},
	{route: true, name: "rmsg no subject", in: "RMSG A 2\r\nhi\r\n", err: ErrBadArgs},
	{route: true, name: "rmsg no size", in: "RMSG A foo\r\n", err: ErrBadArgs},
	{route: true, name: "rmsg extra field", in: "RMSG A foo r x 2\r\n", err: ErrBadArgs},
	{route: true, name: "rmsg plus no queue", in: "RMSG A foo + r 2\r\n", err: ErrBadArgs},
	{route: true, name: "rmsg bar no queue", in: "RMSG A foo | 2\r\n", err: ErrBadArgs},
	{route: true, name: "hmsg hdr > total", in: "HMSG A foo 3 2\r\n", err: ErrBadArgs},
	{route: true, name: "hmsg no hdr", in: "HMSG A foo 2\r\n", err: ErrBadArgs},
	{route: true, name: "rmsg bad size", in: "RMSG A foo -2\r\n", err: ErrBadArgs},
	{route: true, name: "rmsg max payload", in: "RMSG A foo 1048577\r\n", err: ErrMaxPayload},
	{route: true, name: "rmsg payload end", in: "RMSG A foo 1\r\nxy\r\n", err: ErrBadPayloadEnd},
	{route: true, name: "rmsg control line", in: "RMSG A " + strings.Repeat("a", 4096) + " 1\r\nx\r\n", err: ErrControlLine},
}

func TestParse(t *testing.T) {
	for _, tc := range parseCases {
		t.Run(tc.name, func(t *testing.T) {
			calls, err := feed(newParser(tc), []byte(tc.in))
			checkResult(t, tc, calls, err)
		})
	}
}

// checkResult compares a parse outcome with the expectation of tc.
func checkResult(t *testing.T, tc parseCase, calls []string, err error) {
	t.Helper()
	if got := errClass(err); got != tc.err {
		t.Fatalf("error = %v, want %v", err, tc.err)
	}
	if join(calls) != join(tc.calls) {
		t.Fatalf("calls:\n%s\nwant:\n%s", join(calls), join(tc.calls))
	}
}

func TestConnectLongLine(t *testing.T) {
	// CONNECT and INFO are limited like any op (as in nats-server); a
	// server expecting long JWTs raises max_control_line.
	json := `{"jwt":"` + strings.Repeat("x", 100000) + `"}`
	for _, op := range []string{"CONNECT", "INFO"} {
		if _, err := feed(New(0, 0), []byte(op+" "+json+"\r\n")); !errors.Is(err, ErrControlLine) {
			t.Fatalf("%s over the default limit: err %v", op, err)
		}
		calls, err := feed(New(200000, 0), []byte(op+" "+json+"\r\n"))
		if err != nil || len(calls) != 1 {
			t.Fatalf("%s under a raised limit: calls %d, err %v", op, len(calls), err)
		}
		// Cut before the line end: rejected while accumulating.
		long := []byte(op + " " + json)
		if _, err := feed(New(0, 0), long); !errors.Is(err, ErrControlLine) {
			t.Fatalf("%s over the limit, no line end: err %v", op, err)
		}
	}
}

func TestHandlerErrorStopsParse(t *testing.T) {
	in := []byte("PING\r\nPUB a 1\r\nx\r\nPONG\r\n")
	for fail := 1; fail <= 3; fail++ {
		r := &recorder{failAt: fail}
		err := New(0, 0).Parse(in, r)
		if err != errStop {
			t.Fatalf("failAt %d: err = %v, want the handler's error unchanged", fail, err)
		}
		if len(r.calls) != fail {
			t.Fatalf("failAt %d: %d calls after the error", fail, len(r.calls))
		}
	}
}

func TestHandlerErrorOnSplitPayload(t *testing.T) {
	r := &recorder{failAt: 1}
	p := New(0, 0)
	if err := p.Parse([]byte("PUB a 3\r\nx"), r); err != nil {
		t.Fatal(err)
	}
	if err := p.Parse([]byte("yz\r\n"), r); err != errStop {
		t.Fatalf("err = %v, want errStop", err)
	}
}

func TestLimits(t *testing.T) {
	p := New(16, 4)
	if _, err := feed(p, []byte("PUB foo 5\r\nhello\r\n")); !errors.Is(err, ErrMaxPayload) {
		t.Fatalf("max payload: %v", err)
	}
	p = New(16, 4)
	if _, err := feed(p, []byte("SUB foo.bar.baz.qux 1\r\n")); !errors.Is(err, ErrControlLine) {
		t.Fatalf("control line: %v", err)
	}
	// SetLimits between calls takes effect for the next op.
	p = New(16, 4)
	calls, err := feed(p, []byte("PUB foo 4\r\nhell\r\n"))
	if err != nil || len(calls) != 1 {
		t.Fatalf("within limits: %v %v", calls, err)
	}
	p.SetLimits(0, 0)
	calls, err = feed(p, []byte("PUB foo 5\r\nhello\r\nSUB foo.bar.baz 1\r\n"))
	if err != nil || len(calls) != 2 {
		t.Fatalf("after SetLimits: %v %v", calls, err)
	}
	if p.maxControlLine != DefaultMaxControlLine || p.maxPayload != DefaultMaxPayload {
		t.Fatalf("defaults not applied: %d %d", p.maxControlLine, p.maxPayload)
	}
	p.SetLimits(-1, -1)
	if p.maxControlLine != DefaultMaxControlLine || p.maxPayload != DefaultMaxPayload {
		t.Fatalf("negative limits: %d %d", p.maxControlLine, p.maxPayload)
	}
}

func TestPayloadSlicesPointIntoBuffer(t *testing.T) {
	// A complete message must be delivered without copying.
	buf := []byte("PUB foo 5\r\nhello\r\n")
	h := &sliceCheck{buf: buf}
	if err := New(0, 0).Parse(buf, h); err != nil {
		t.Fatal(err)
	}
	if !h.ok {
		t.Fatal("payload was not a slice of the input buffer")
	}
}

type sliceCheck struct {
	recorder
	buf []byte
	ok  bool
}

func (s *sliceCheck) ProcessPub(subject, reply, payload []byte) error {
	s.ok = &payload[0] == &s.buf[11] && &subject[0] == &s.buf[4]
	return nil
}

func TestScratchReleasedAfterBigMessage(t *testing.T) {
	p := New(200<<10, 0)
	size := 200 << 10
	msg := append([]byte("PUB foo 204800\r\n"), bytes.Repeat([]byte("z"), size)...)
	msg = append(msg, "\r\n"...)
	r := &recorder{}
	for i := 0; i < len(msg); i += 4096 {
		if err := p.Parse(msg[i:min(i+4096, len(msg))], r); err != nil {
			t.Fatal(err)
		}
	}
	if len(r.calls) != 1 {
		t.Fatalf("calls: %d", len(r.calls))
	}
	p.Compact()
	if p.pay != nil {
		t.Fatalf("payload scratch of %d bytes kept after Compact", cap(p.pay))
	}
	// Same for a long CONNECT line.
	line := []byte("CONNECT " + strings.Repeat("x", 100<<10) + "\r\n")
	if err := p.Parse(line[:10], r); err != nil {
		t.Fatal(err)
	}
	if err := p.Parse(line[10:], r); err != nil {
		t.Fatal(err)
	}
	if p.line != nil {
		t.Fatalf("line scratch of %d bytes kept", cap(p.line))
	}
}

func TestParseRMsgArgs(t *testing.T) {
	for _, c := range []struct {
		in     string
		ok     bool
		queues []string
		reply  string
	}{
		{"A foo", true, nil, ""},
		{"A foo r", true, nil, "r"},
		{"A foo | a b", true, []string{"a", "b"}, ""},
		{"A\tfoo  +\tr  a\tb  ", true, []string{"a", "b"}, "r"},
		{"A", false, nil, ""},
		{"", false, nil, ""},
		{"A foo r x", false, nil, ""},
		{"A foo +", false, nil, ""},
		{"A foo + r", false, nil, ""},
		{"A foo |", false, nil, ""},
	} {
		var a RMsgArgs
		if ok := ParseRMsgArgs([]byte(c.in), &a); ok != c.ok {
			t.Fatalf("%q: ok = %v", c.in, ok)
		}
		if !c.ok {
			continue
		}
		var qs []string
		for range a.NumQueues {
			qs = append(qs, string(a.NextQueue()))
		}
		if strings.Join(qs, ",") != strings.Join(c.queues, ",") || string(a.Reply) != c.reply || string(a.Subject) != "foo" || string(a.Account) != "A" {
			t.Fatalf("%q: subject %q queues %q reply %q", c.in, a.Subject, qs, a.Reply)
		}
	}
}

// TestSetRouteModeLimits: a route parser takes the limits it is given, like
// a client parser (the server raises them once a route is authenticated).
func TestSetRouteModeLimits(t *testing.T) {
	p := New(0, 64)
	p.SetRouteMode(true)
	if _, err := feed(p, []byte("RMSG $G foo 65\r\n")); !errors.Is(err, ErrMaxPayload) {
		t.Fatalf("err = %v", err)
	}
	p = New(0, 0)
	p.SetRouteMode(true)
	p.SetRouteMode(false)
	if _, err := feed(p, []byte("RS+ foo\r\n")); !errors.Is(err, ErrUnknownOp) {
		t.Fatalf("back in client mode: err = %v", err)
	}
}
