package test

import (
	"encoding/json"
	"fmt"
	"net"
	"runtime"
	"strconv"
	"strings"
	"testing"
	"time"
)

// Exact error lines nats-server v2.15.2 sends.
const (
	errUnknownOp     = "-ERR 'Unknown Protocol Operation'\r\n"
	errMaxPayload    = "-ERR 'Maximum Payload Violation'\r\n"
	errInvalidSubj   = "-ERR 'Invalid Subject'\r\n"
	errInvalidPubSub = "-ERR 'Invalid Publish Subject'\r\n"
	errAuthViolation = "-ERR 'Authorization Violation'\r\n"
	errAuthTimeout   = "-ERR 'Authentication Timeout'\r\n"
	errStale         = "-ERR 'Stale Connection'\r\n"
	errMaxConns      = "-ERR 'maximum connections exceeded'\r\n"
	errMaxSubs       = "-ERR 'maximum subscriptions exceeded'\r\n"
	errControlLine   = "-ERR 'maximum control line exceeded'\r\n"
	errNoRespHeaders = "-ERR 'no responders requires headers support'\r\n"
)

// Common CONNECT lines.
const (
	cQuiet   = "CONNECT {\"verbose\":false,\"pedantic\":false}\r\n"
	cHeaders = "CONNECT {\"verbose\":false,\"pedantic\":false,\"headers\":true}\r\n"
	cPedant  = "CONNECT {\"verbose\":false,\"pedantic\":true,\"headers\":true}\r\n"
	cVerbose = "CONNECT {\"verbose\":true,\"pedantic\":false}\r\n"
)

// protoCase is one raw input and what nats-server answers to it.
type protoCase struct {
	name   string
	in     string // sent in one write right after INFO
	want   string // exact bytes before close (closed) or before the sync PONG
	closed bool   // the server closes the connection after want
}

// protocolCases are the observations of /tmp/refnotes.md section 2.
var protocolCases = []protoCase{
	// Unknown ops and parser state errors: -ERR then close.
	{"unknown op before CONNECT", "FOO\r\n", errUnknownOp, true},
	{"unknown op", cQuiet + "FOO\r\n", errUnknownOp, true},
	{"truncated op PO", cQuiet + "PO\r\n", errUnknownOp, true},
	{"UNSUB without args", cQuiet + "UNSUB\r\n", errUnknownOp, true},
	{"payload longer than size", cQuiet + "PUB foo 5\r\nhelloXX", errUnknownOp, true},
	{"payload longer than size with CRLF", cQuiet + "PUB foo 5\r\nhelloXX\r\n", errUnknownOp, true},
	{"payload CR then garbage", cQuiet + "PUB foo 5\r\nhello\rX", errUnknownOp, true},
	{"zero payload then garbage", cQuiet + "PUB foo 0\r\nX\r\n", errUnknownOp, true},
	{"payload ended by bare LF", cQuiet + "PING\nPUB foo 0\n\nPING\n", "PONG\r\n" + errUnknownOp, true},
	{"garbage binary", cQuiet + "\x00\x01\x02\r\n", errUnknownOp, true},

	// Argument errors: nats-server closes without any -ERR.
	{"PUB missing size", cQuiet + "PUB foo\r\n", "", true},
	{"PUB non-numeric size", cQuiet + "PUB foo bar\r\n", "", true},
	{"PUB negative size", cQuiet + "PUB foo -1\r\n", "", true},
	{"PUB too many args", cQuiet + "PUB a b c d\r\n", "", true},
	{"SUB missing sid", cQuiet + "SUB foo\r\n", "", true},
	{"SUB empty subject", cQuiet + "SUB  1\r\n", "", true},
	{"SUB too many args", cQuiet + "SUB foo 1 2 3\r\n", "", true},
	{"UNSUB too many args", cQuiet + "UNSUB 1 2 3\r\n", "", true},
	{"CONNECT bad JSON", "CONNECT {bad}\r\n", "", true},
	{"CONNECT no JSON", "CONNECT\r\n", "", true},
	{"CONNECT space no JSON", "CONNECT \r\n", "", true},
	{"CONNECT wrong JSON type", "CONNECT {\"verbose\":\"yes\"}\r\n", "", true},
	{"HPUB without headers in CONNECT", cQuiet + "HPUB foo 12 12\r\nNATS/1.0\r\n\r\n\r\n", "", true},
	{"HPUB before CONNECT", "HPUB foo 12 12\r\nNATS/1.0\r\n\r\n\r\n", "", true},
	{"HPUB header size > total", cHeaders + "HPUB foo 10 5\r\n", "", true},
	{"HPUB missing sizes", cHeaders + "HPUB foo\r\n", "", true},
	{"HPUB missing total", cHeaders + "HPUB foo 12\r\n", "", true},
	{"HPUB non-numeric header size", cHeaders + "HPUB foo x 12\r\n", "", true},
	{"HPUB negative header size", cHeaders + "HPUB foo -1 5\r\n", "", true},

	// Payload limits: -ERR and close as soon as the control line is seen.
	{"PUB over max payload", cQuiet + "PUB foo 2000000\r\n", errMaxPayload, true},
	{"PUB max payload + 1", cQuiet + "PUB foo 1048577\r\n", errMaxPayload, true},
	{"HPUB over max payload", cHeaders + "HPUB foo 1048570 1048580\r\n", errMaxPayload, true},

	{"no_responders without headers", "CONNECT {\"verbose\":false,\"no_responders\":true}\r\n", errNoRespHeaders, true},
	{"no_responders with headers false", "CONNECT {\"verbose\":false,\"headers\":false,\"no_responders\":true}\r\n", errNoRespHeaders, true},

	// Invalid subscription subjects: -ERR, connection stays open.
	{"SUB empty token", cQuiet + "SUB foo..bar 1\r\n", errInvalidSubj, false},
	{"SUB > not last", cQuiet + "SUB foo.>.bar 1\r\n", errInvalidSubj, false},
	{"SUB trailing dot", cQuiet + "SUB foo. 1\r\n", errInvalidSubj, false},
	{"SUB leading dot", cQuiet + "SUB .foo 1\r\n", errInvalidSubj, false},
	{"SUB invalid then valid", cQuiet + "SUB a..b 1\r\nSUB a 2\r\nPUB a 1\r\nx\r\n", errInvalidSubj + "MSG a 2 1\r\nx\r\n", false},
	{"SUB full wildcard ok", cQuiet + "SUB > 1\r\n", "", false},
	{"SUB literal star inside token ok", cQuiet + "SUB fo*o 1\r\nSUB foo* 2\r\n", "", false},

	// UNSUB variants.
	{"UNSUB unknown sid", cQuiet + "UNSUB 99\r\n", "", false},
	{"UNSUB non-numeric max", cQuiet + "UNSUB 1 abc\r\n", "", false},

	// Before CONNECT, without auth: allowed, and verbose+pedantic are on.
	{"PUB before CONNECT", "PUB foo 0\r\n\r\n", "+OK\r\n", false},
	{"PUB wildcard before CONNECT", "PUB foo.* 0\r\n\r\n", errInvalidPubSub + "+OK\r\n", false},
	{"SUB before CONNECT", "SUB foo 1\r\n", "+OK\r\n", false},
	{"PING before CONNECT", "PING\r\n", "PONG\r\n", false},
	{"empty CONNECT is verbose", "CONNECT {}\r\n", "+OK\r\n", false},
	{"CONNECT trailing spaces", "CONNECT {}  \r\n", "+OK\r\n", false},
	{"CONNECT unknown field", "CONNECT {\"foo\":1}\r\n", "+OK\r\n", false},
	{"CONNECT twice", "CONNECT {}\r\nCONNECT {}\r\n", "+OK\r\n+OK\r\n", false},
	{"CONNECT creds without auth", "CONNECT {\"user\":\"a\",\"pass\":\"b\"}\r\n", "+OK\r\n", false},

	// Lexical leniency.
	{"lowercase ops", cQuiet + "pub foo 0\r\n\r\nping\r\n", "PONG\r\n", false},
	{"lowercase connect", "connect {\"verbose\":false}\r\n", "", false},
	{"mixed case ops", cQuiet + "PuB foo 0\r\n\r\nPiNg\r\n", "PONG\r\n", false},
	{"tabs as separators", cQuiet + "SUB\tfoo\tq\t1\r\nPUB\tfoo\t1\r\nx\r\n", "MSG foo 1 1\r\nx\r\n", false},
	{"extra spaces", cQuiet + "SUB    foo 1\r\nPUB   foo  r   1\r\nx\r\n", "MSG foo 1 r 1\r\nx\r\n", false},
	{"bare LF control lines", cQuiet + "PING\nSUB foo 1\nPUB foo 1\nx\r\n", "PONG\r\nMSG foo 1 1\r\nx\r\n", false},
	{"PING trailing spaces", cQuiet + "PING   \r\n", "PONG\r\n", false},
	{"PING with argument", cQuiet + "PING x\r\n", "PONG\r\n", false},
	{"PINGX", cQuiet + "PINGX\r\n", "PONG\r\n", false},
	{"unsolicited PONG", cQuiet + "PONG\r\n", "", false},

	// Headers are not validated.
	{"HPUB arbitrary header bytes", cHeaders + "HPUB foo 2 2\r\nab\r\n", "", false},
	{"HPUB header without payload", cHeaders + "HPUB foo 5 10\r\nhelloworld\r\n", "", false},
	{"HPUB zero sizes", cHeaders + "HPUB foo 0 0\r\n\r\n", "", false},
	{"lowercase hpub", cHeaders + "SUB foo 1\r\nhpub foo 12 12\r\nNATS/1.0\r\n\r\n\r\n", "HMSG foo 1 12 12\r\nNATS/1.0\r\n\r\n\r\n", false},

	// Verbose: +OK after CONNECT, PUB, SUB, UNSUB (also unknown sid), not PING/PONG;
	// a rejected SUB gets only the -ERR.
	{"verbose", cVerbose + "PUB foo 0\r\n\r\nSUB foo 1\r\nUNSUB 1\r\nPING\r\nPONG\r\nSUB foo..bar 2\r\nPUB foo.* 0\r\n\r\nUNSUB 77\r\n",
		"+OK\r\n+OK\r\n+OK\r\n+OK\r\nPONG\r\n" + errInvalidSubj + "+OK\r\n+OK\r\n", false},
	{"verbose HPUB", "CONNECT {\"verbose\":true,\"headers\":true}\r\nHPUB foo 12 12\r\nNATS/1.0\r\n\r\n\r\n", "+OK\r\n+OK\r\n", false},
	{"verbose pedantic", "CONNECT {\"verbose\":true,\"pedantic\":true}\r\nPUB foo.* 0\r\n\r\nSUB a..b 1\r\n",
		"+OK\r\n" + errInvalidPubSub + "+OK\r\n" + errInvalidSubj, false},

	// Pedantic: publish subjects must be valid literals.
	{"pedantic PUB star", cPedant + "PUB foo.* 0\r\n\r\n", errInvalidPubSub, false},
	{"pedantic PUB empty token", cPedant + "PUB foo..bar 0\r\n\r\n", errInvalidPubSub, false},
	{"pedantic PUB gt", cPedant + "PUB foo.> 0\r\n\r\n", errInvalidPubSub, false},
	{"pedantic PUB bare gt", cPedant + "PUB > 0\r\n\r\n", errInvalidPubSub, false},
	{"pedantic PUB bare star", cPedant + "PUB * 0\r\n\r\n", errInvalidPubSub, false},
	{"pedantic PUB leading dot", cPedant + "PUB .foo 0\r\n\r\n", errInvalidPubSub, false},
	{"pedantic PUB literal star in token", cPedant + "PUB fo*o 0\r\n\r\n", "", false},
	{"pedantic HPUB star", cPedant + "HPUB foo.* 0 0\r\n\r\n", errInvalidPubSub, false},
	{"pedantic SUB invalid", cPedant + "SUB foo..bar 1\r\nSUB foo.>.bar 1\r\n", errInvalidSubj + errInvalidSubj, false},
	// Surprise: pedantic only reports; the message is still routed.
	{"pedantic invalid PUB still delivered", cPedant + "SUB foo 1\r\nSUB foo.* 2\r\nPUB foo.* 2\r\nhi\r\n", errInvalidPubSub + "MSG foo.* 2 2\r\nhi\r\n", false},
	{"non-pedantic PUB wildcard accepted", cQuiet + "PUB foo.* 0\r\n\r\nPUB foo..bar 0\r\n\r\nPUB foo.> 0\r\n\r\n", "", false},
}

func TestProtocolErrors(t *testing.T) {
	t.Parallel()
	for _, tc := range protocolCases {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			// One server per case: cases publish on the same subjects.
			s := runServer(t, nil)
			rc := dialRaw(t, s)
			rc.send(tc.in)
			if tc.closed {
				rc.expectClose(tc.want)
				waitFor(t, waitTimeout, "closed client removed", func() bool { return s.NumClients() == 0 })
			} else {
				rc.sync(tc.want)
			}
			// The server keeps serving other clients.
			checkServerWorks(t, s)
		})
	}
}

// checkServerWorks checks a fresh client can subscribe and receive.
func checkServerWorks(t *testing.T, s testServer) {
	t.Helper()
	rc := dialRaw(t, s).connect()
	rc.send("SUB ok 1\r\nPUB ok 2\r\nok\r\n")
	rc.sync("MSG ok 1 2\r\nok\r\n")
	rc.conn.Close()
}

// An open connection waiting for a max-size payload is not an error.
func TestProtocolMaxPayloadExactlyIsFine(t *testing.T) {
	t.Parallel()
	s := runServer(t, nil)
	rc := dialRaw(t, s).connect()
	rc.send("SUB big 1\r\nPUB big 1048576\r\n")
	payload := strings.Repeat("z", 1048576)
	rc.send(payload + "\r\n")
	rc.sync("MSG big 1 1048576\r\n" + payload + "\r\n")
}

func TestProtocolAuthUserPass(t *testing.T) {
	opts := defaultOptions()
	opts.Username, opts.Password = "a", "s3cret"
	s := runServer(t, opts)
	cases := []protoCase{
		{"PING before CONNECT", "PING\r\n", errAuthViolation, true},
		{"PUB before CONNECT", "PUB foo 0\r\n\r\n", errAuthViolation, true},
		{"SUB before CONNECT", "SUB foo 1\r\n", errAuthViolation, true},
		{"unknown op before CONNECT", "FOO\r\n", errAuthViolation, true},
		{"wrong password", "CONNECT {\"user\":\"a\",\"pass\":\"b\"}\r\n", errAuthViolation, true},
		{"wrong user", "CONNECT {\"user\":\"b\",\"pass\":\"s3cret\"}\r\n", errAuthViolation, true},
		{"no credentials", "CONNECT {}\r\n", errAuthViolation, true},
		{"token instead of user", "CONNECT {\"auth_token\":\"s3cret\"}\r\n", errAuthViolation, true},
		{"bad JSON", "CONNECT {bad}\r\n", "", true},
		{"good credentials verbose", "CONNECT {\"user\":\"a\",\"pass\":\"s3cret\"}\r\n", "+OK\r\n", false},
		{"good credentials quiet", "CONNECT {\"user\":\"a\",\"pass\":\"s3cret\",\"verbose\":false}\r\n", "", false},
	}
	t.Run("cases", func(t *testing.T) {
		for _, tc := range cases {
			t.Run(tc.name, func(t *testing.T) {
				t.Parallel()
				rc := dialRaw(t, s)
				if m := rc.infoMap(); m["auth_required"] != true {
					t.Fatalf("INFO lacks auth_required:true: %s", rc.info)
				}
				rc.send(tc.in)
				if tc.closed {
					rc.expectClose(tc.want)
				} else {
					rc.sync(tc.want)
				}
			})
		}
	})
	waitFor(t, waitTimeout, "all clients gone", func() bool { return s.NumClients() == 0 })
}

func TestProtocolAuthToken(t *testing.T) {
	opts := defaultOptions()
	opts.Authorization = "tok"
	s := runServer(t, opts)
	cases := []protoCase{
		{"good token", "CONNECT {\"auth_token\":\"tok\",\"verbose\":false}\r\n", "", false},
		{"bad token", "CONNECT {\"auth_token\":\"bad\"}\r\n", errAuthViolation, true},
		{"token as user", "CONNECT {\"user\":\"tok\"}\r\n", errAuthViolation, true},
		{"no token", "CONNECT {\"verbose\":false}\r\n", errAuthViolation, true},
		{"PING before CONNECT", "PING\r\n", errAuthViolation, true},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			rc := dialRaw(t, s)
			rc.send(tc.in)
			if tc.closed {
				rc.expectClose(tc.want)
			} else {
				rc.sync(tc.want)
			}
		})
	}
}

func isReferenceOnlyInfoKey(k string) bool {
	for _, r := range referenceOnlyInfoKeys {
		if r == k {
			return true
		}
	}
	return false
}

// infoKeys returns the top-level keys of a JSON object in wire order.
func infoKeys(t *testing.T, js string) []string {
	t.Helper()
	dec := json.NewDecoder(strings.NewReader(js))
	if tok, err := dec.Token(); err != nil || tok != json.Delim('{') {
		t.Fatalf("INFO is not an object: %q", js)
	}
	var keys []string
	for dec.More() {
		tok, err := dec.Token()
		if err != nil {
			t.Fatalf("INFO JSON: %v", err)
		}
		keys = append(keys, tok.(string))
		var v json.RawMessage
		if err := dec.Decode(&v); err != nil {
			t.Fatalf("INFO JSON: %v", err)
		}
	}
	return keys
}

func TestInfoDefault(t *testing.T) {
	t.Parallel()
	s := runServer(t, nil)
	rc := dialRaw(t, s)
	want := []string{"server_id", "server_name", "version", "proto", "go", "host", "port", "headers",
		"max_payload", "client_id", "client_ip"}
	// Both servers end it with api_lvl (the JetStream API level) and xkey
	// (the server's curve key, for auth callouts): referenceOnlyInfoKeys.
	want = append(want, referenceOnlyInfoKeys...)
	if got := infoKeys(t, rc.info); strings.Join(got, ",") != strings.Join(want, ",") {
		t.Errorf("INFO keys\n got %v\nwant %v", got, want)
	}
	m := rc.infoMap()
	port := s.Addr().(*net.TCPAddr).Port
	checks := map[string]any{
		"proto": 1.0, "go": runtime.Version(), "host": "127.0.0.1", "port": float64(port),
		"headers": true, "max_payload": 1048576.0, "client_ip": "127.0.0.1",
	}
	for k, v := range checks {
		if m[k] != v {
			t.Errorf("INFO %s = %v, want %v", k, m[k], v)
		}
	}
	id, _ := m["server_id"].(string)
	if len(id) != 56 || id[0] != 'N' {
		t.Errorf("server_id %q is not a 56-char server nkey", id)
	}
	if m["server_name"] != id {
		t.Errorf("server_name %v, want server_id %q when no name is set", m["server_name"], id)
	}
	if v, _ := m["version"].(string); v == "" {
		t.Errorf("empty version")
	}
	for _, k := range []string{"auth_required", "nonce", "java", "tls_required", "connect_urls", "ldm", "api_lvl", "xkey"} {
		if _, ok := m[k]; ok && !isReferenceOnlyInfoKey(k) {
			t.Errorf("default INFO must not have %q", k)
		}
	}

	// client_id differs per connection; server_id doesn't.
	rc2 := dialRaw(t, s)
	m2 := rc2.infoMap()
	if m2["client_id"] == m["client_id"] {
		t.Errorf("two connections share client_id %v", m["client_id"])
	}
	if cid, _ := m2["client_id"].(float64); cid <= 0 {
		t.Errorf("client_id %v", m2["client_id"])
	}
	if m2["server_id"] != m["server_id"] {
		t.Errorf("server_id changed between connections")
	}

	// No INFO after a protocol-0 CONNECT.
	rc.send("CONNECT {\"verbose\":false,\"headers\":true}\r\nPING\r\nPING\r\n")
	rc.expect("PONG\r\nPONG\r\n")
	rc.sync("")
}

func TestInfoAuthRequired(t *testing.T) {
	t.Parallel()
	for _, tc := range []struct {
		name      string
		user, tok string
	}{{"userpass", "a", ""}, {"token", "", "tok"}} {
		opts := defaultOptions()
		if tc.user != "" {
			opts.Username, opts.Password = tc.user, "pw"
		}
		opts.Authorization = tc.tok
		opts.MaxPayload = 100
		s := runServer(t, opts)
		rc := dialRaw(t, s)
		want := []string{"server_id", "server_name", "version", "proto", "go", "host", "port", "headers",
			"auth_required", "max_payload", "client_id", "client_ip"}
		want = append(want, referenceOnlyInfoKeys...)
		if got := infoKeys(t, rc.info); strings.Join(got, ",") != strings.Join(want, ",") {
			t.Errorf("%s: INFO keys\n got %v\nwant %v", tc.name, got, want)
		}
		m := rc.infoMap()
		if m["auth_required"] != true || m["max_payload"] != 100.0 {
			t.Errorf("%s: INFO %s", tc.name, rc.info)
		}
		if _, ok := m["nonce"]; ok {
			t.Errorf("%s: INFO has a nonce without nkeys", tc.name)
		}
	}
}

// With "protocol":1 the server sends one extra INFO (connect_info) right
// after the first PONG following CONNECT.
func TestInfoConnectInfoAfterFirstPong(t *testing.T) {
	t.Parallel()
	s := runServer(t, nil)
	rc := dialRaw(t, s)
	base := rc.line
	rc.send("CONNECT {\"verbose\":false,\"protocol\":1}\r\nPING\r\n")
	rc.expect("PONG\r\n")
	line := rc.readLine()
	want := strings.Replace(base, "} \r\n", ",\"connect_info\":true,\"remote_account\":\"$G\"} \r\n", 1)
	if len(referenceOnlyInfoKeys) > 0 { // nats-server puts them before api_lvl
		want = strings.Replace(base, ",\"api_lvl\"", ",\"connect_info\":true,\"remote_account\":\"$G\",\"api_lvl\"", 1)
	}
	if line != want {
		t.Fatalf("connect_info INFO\n got %q\nwant %q", line, want)
	}
	// Only once.
	rc.send("PING\r\n")
	rc.sync("PONG\r\n")

	// Not without a PING: CONNECT alone sends nothing.
	rc2 := dialRaw(t, s)
	rc2.send("CONNECT {\"verbose\":true,\"protocol\":1}\r\n")
	rc2.expect("+OK\r\n")
	rc2.send("SUB x 1\r\n")
	rc2.expect("+OK\r\n")
	rc2.send("PING\r\n")
	rc2.expect("PONG\r\n")
	if line := rc2.readLine(); !strings.Contains(line, "\"connect_info\":true") {
		t.Fatalf("no connect_info INFO after first PONG: %q", line)
	}

	// A PING before CONNECT does not count.
	rc3 := dialRaw(t, s)
	rc3.send("PING\r\n")
	rc3.expect("PONG\r\n")
	rc3.send("CONNECT {\"verbose\":false,\"protocol\":1}\r\nPING\r\n")
	rc3.expect("PONG\r\n")
	if line := rc3.readLine(); !strings.Contains(line, "\"connect_info\":true") {
		t.Fatalf("no connect_info INFO after first PONG following CONNECT: %q", line)
	}
}

func TestMsgFormats(t *testing.T) {
	t.Parallel()
	s := runServer(t, nil)
	rc := dialRaw(t, s).connectWith(`{"verbose":false,"headers":true}`)
	rc.send("SUB foo 1\r\nSUB a.* 9\r\n")
	rc.send("PUB foo 5\r\nhello\r\n")
	rc.sync("MSG foo 1 5\r\nhello\r\n")
	rc.send("PUB foo bar 5\r\nhello\r\n")
	rc.sync("MSG foo 1 bar 5\r\nhello\r\n")
	rc.send("PUB foo 0\r\n\r\n")
	rc.sync("MSG foo 1 0\r\n\r\n")
	rc.send("PUB a.b 1\r\nx\r\n")
	rc.sync("MSG a.b 9 1\r\nx\r\n")
	rc.send("HPUB foo 18 23\r\nNATS/1.0\r\nA: b\r\n\r\nhello\r\n")
	rc.sync("HMSG foo 1 18 23\r\nNATS/1.0\r\nA: b\r\n\r\nhello\r\n")
	rc.send("HPUB foo rep 12 12\r\nNATS/1.0\r\n\r\n\r\n")
	rc.sync("HMSG foo 1 rep 12 12\r\nNATS/1.0\r\n\r\n\r\n")
	// Payload bytes are opaque, including CRLF and NUL inside.
	rc.send("PUB foo 6\r\na\r\n\x00\r\n\r\n")
	rc.sync("MSG foo 1 6\r\na\r\n\x00\r\n\r\n")
	// Subject with quote characters is just a literal.
	rc.send("SUB \"\" 2\r\nPUB \"\" 1\r\nx\r\n")
	rc.sync("MSG \"\" 2 1\r\nx\r\n")
}

// A subscriber that did not announce headers gets HPUBs as plain MSGs with
// the header block stripped.
func TestHeadersStrippedForNonHeaderSubscriber(t *testing.T) {
	t.Parallel()
	s := runServer(t, nil)
	sub := dialRaw(t, s).connect()
	sub.send("SUB foo 1\r\n")
	sub.sync("")
	pub := dialRaw(t, s).connectWith(`{"verbose":false,"headers":true}`)
	pub.send("HPUB foo 18 23\r\nNATS/1.0\r\nA: b\r\n\r\nhello\r\nHPUB foo 12 12\r\nNATS/1.0\r\n\r\n\r\nHPUB foo r 16 16\r\nNATS/1.0 503\r\n\r\n\r\n")
	pub.sync("")
	sub.sync("MSG foo 1 5\r\nhello\r\nMSG foo 1 0\r\n\r\nMSG foo 1 r 0\r\n\r\n")
}

func TestSubscriptionSemantics(t *testing.T) {
	t.Parallel()
	s := runServer(t, nil)
	t.Run("duplicate sid ignored", func(t *testing.T) {
		rc := dialRaw(t, s).connect()
		rc.send("SUB foo 1\r\nSUB bar 1\r\nPUB foo 1\r\na\r\nPUB bar 1\r\nb\r\n")
		rc.sync("MSG foo 1 1\r\na\r\n")
	})
	t.Run("UNSUB with non-numeric max removes", func(t *testing.T) {
		rc := dialRaw(t, s).connect()
		rc.send("SUB foo 1\r\nUNSUB 1 abc\r\nPUB foo 1\r\nx\r\n")
		rc.sync("")
	})
	t.Run("UNSUB with negative max removes", func(t *testing.T) {
		rc := dialRaw(t, s).connect()
		rc.send("SUB foo 1\r\nUNSUB 1 -5\r\nPUB foo 1\r\nx\r\n")
		rc.sync("")
	})
	t.Run("UNSUB max 0 removes", func(t *testing.T) {
		rc := dialRaw(t, s).connect()
		rc.send("SUB foo 1\r\nUNSUB 1 0\r\nPUB foo 1\r\nx\r\n")
		rc.sync("")
	})
	t.Run("UNSUB max 2", func(t *testing.T) {
		rc := dialRaw(t, s).connect()
		rc.send("SUB foo 1\r\nUNSUB 1 2\r\nPUB foo 1\r\na\r\nPUB foo 1\r\nb\r\nPUB foo 1\r\nc\r\n")
		rc.sync("MSG foo 1 1\r\na\r\nMSG foo 1 1\r\nb\r\n")
	})
	t.Run("UNSUB max already reached", func(t *testing.T) {
		rc := dialRaw(t, s).connect()
		rc.send("SUB foo 1\r\nPUB foo 1\r\na\r\nUNSUB 1 1\r\nPUB foo 1\r\nb\r\n")
		rc.sync("MSG foo 1 1\r\na\r\n")
	})
	t.Run("one message per matching sid", func(t *testing.T) {
		rc := dialRaw(t, s).connect()
		rc.send("SUB foo 1\r\nSUB > 3\r\nSUB f* 4\r\nPUB foo 1\r\nx\r\nPING\r\n")
		got, _ := rc.readN(len("MSG foo 1 1\r\nx\r\nMSG foo 3 1\r\nx\r\nPONG\r\n"), readTimeout)
		if got != "MSG foo 1 1\r\nx\r\nMSG foo 3 1\r\nx\r\nPONG\r\n" && got != "MSG foo 3 1\r\nx\r\nMSG foo 1 1\r\nx\r\nPONG\r\n" {
			t.Fatalf("got %q", got)
		}
	})
	t.Run("queue groups", func(t *testing.T) {
		rc := dialRaw(t, s).connect()
		rc.send("SUB qq q1 1\r\nSUB qq q1 2\r\nSUB qq q2 3\r\nPUB qq 1\r\na\r\nPING\r\n")
		got, _ := rc.readN(len("MSG qq 1 1\r\na\r\nMSG qq 3 1\r\na\r\nPONG\r\n"), readTimeout)
		if !strings.Contains(got, "MSG qq 3 1\r\na\r\n") || strings.Count(got, "MSG qq") != 2 ||
			!strings.HasSuffix(got, "PONG\r\n") {
			t.Fatalf("got %q", got)
		}
		rc.sync("")
	})
}

func TestNoResponders(t *testing.T) {
	t.Parallel()
	s := runServer(t, nil)
	const nr = "HMSG _INBOX.x 1 35 35\r\nNATS/1.0 503\r\nNats-Subject: foo\r\n\r\n\r\n"
	t.Run("protocol 1", func(t *testing.T) {
		rc := dialRaw(t, s)
		rc.send("CONNECT {\"verbose\":false,\"headers\":true,\"no_responders\":true,\"protocol\":1}\r\nSUB _INBOX.x 1\r\nPUB foo _INBOX.x 0\r\n\r\nPING\r\n")
		rc.expect(nr + "PONG\r\n")
		if line := rc.readLine(); !strings.HasPrefix(line, "INFO ") {
			t.Fatalf("expected connect_info INFO, got %q", line)
		}
		rc.sync("")
	})
	t.Run("protocol 0", func(t *testing.T) {
		rc := dialRaw(t, s).connectWith(`{"verbose":false,"headers":true,"no_responders":true}`)
		rc.send("SUB _INBOX.x 1\r\nPUB foo _INBOX.x 3\r\nabc\r\nHPUB foo _INBOX.x 18 18\r\nNATS/1.0\r\nA: b\r\n\r\n\r\n")
		rc.sync(nr + nr)
	})
	t.Run("wildcard reply sub", func(t *testing.T) {
		rc := dialRaw(t, s).connectWith(`{"verbose":false,"headers":true,"no_responders":true}`)
		rc.send("SUB _INBOX.* 1\r\nSUB foo.bar 2\r\nUNSUB 2\r\nPUB foo.bar _INBOX.y 0\r\n\r\n")
		rc.sync("HMSG _INBOX.y 1 39 39\r\nNATS/1.0 503\r\nNats-Subject: foo.bar\r\n\r\n\r\n")
	})
	t.Run("responder present", func(t *testing.T) {
		rc := dialRaw(t, s).connectWith(`{"verbose":false,"headers":true,"no_responders":true}`)
		rc.send("SUB _INBOX.z 1\r\nSUB svc 2\r\nPUB svc _INBOX.z 1\r\nq\r\n")
		rc.sync("MSG svc 2 _INBOX.z 1\r\nq\r\n")
	})
	t.Run("not requested", func(t *testing.T) {
		rc := dialRaw(t, s).connectWith(`{"verbose":false,"headers":true}`)
		rc.send("SUB _INBOX.x 1\r\nPUB foo _INBOX.x 0\r\n\r\n")
		rc.sync("")
	})
	t.Run("no own reply subscription", func(t *testing.T) {
		other := dialRaw(t, s).connectWith(`{"verbose":false,"headers":true}`)
		other.send("SUB _INBOX.q 1\r\n")
		other.sync("")
		rc := dialRaw(t, s).connectWith(`{"verbose":false,"headers":true,"no_responders":true}`)
		rc.send("PUB nobody _INBOX.q 0\r\n\r\n")
		rc.sync("")
		other.sync("") // only the requester's own subscription could get it
	})
	t.Run("no reply", func(t *testing.T) {
		rc := dialRaw(t, s).connectWith(`{"verbose":false,"headers":true,"no_responders":true}`)
		rc.send("SUB _INBOX.x 1\r\nPUB foo 0\r\n\r\n")
		rc.sync("")
	})
}

func TestEcho(t *testing.T) {
	t.Parallel()
	s := runServer(t, nil)
	for _, c := range []string{`{"verbose":false,"echo":false}`, `{"verbose":false,"echo":false,"protocol":1}`} {
		rc := dialRaw(t, s)
		rc.send("CONNECT " + c + "\r\nSUB foo 1\r\nSUB foo q 2\r\nPUB foo 1\r\nx\r\nPING\r\n")
		rc.expect("PONG\r\n")
		if strings.Contains(c, "protocol") {
			rc.readLine() // connect_info INFO
		}
		rc.sync("")
	}
	rc := dialRaw(t, s).connectWith(`{"verbose":false,"echo":true}`)
	rc.send("SUB foo 1\r\nPUB foo 1\r\nx\r\n")
	rc.sync("MSG foo 1 1\r\nx\r\n")

	// echo=false member of a queue group still gets other clients' messages.
	a := dialRaw(t, s).connectWith(`{"verbose":false,"echo":false}`)
	a.send("SUB eq g 1\r\n")
	a.sync("")
	b := dialRaw(t, s).connect()
	var fromB int
	for i := 0; i < 200; i++ {
		b.send("PUB eq 1\r\nx\r\n")
	}
	b.sync("")
	// a must have received all 200 (b has no member): count them.
	a.send("PING\r\n")
	want := strings.Repeat("MSG eq 1 1\r\nx\r\n", 200) + "PONG\r\n"
	a.expect(want)
	// a's own publications are not delivered to itself, even with no other member.
	a.send("PUB eq 1\r\ny\r\n")
	a.sync("")
	_ = fromB
}

// Every error in the table also closes (or not) identically when the client
// has been connected a while and has subscriptions: the state is per client.
func TestProtocolErrorDoesNotAffectOthers(t *testing.T) {
	t.Parallel()
	s := runServer(t, nil)
	good := dialRaw(t, s).connect()
	good.send("SUB x 1\r\n")
	good.sync("")
	for i, in := range []string{"FOO\r\n", "PUB foo\r\n", "PUB x 2000000\r\n", "SUB\r\n"} {
		bad := dialRaw(t, s).connect()
		bad.send("SUB x 99\r\n" + in)
		bad.readUntilClose(closeTimeout)
		good.send("PUB x " + strconv.Itoa(len(fmt.Sprint(i))) + "\r\n" + fmt.Sprint(i) + "\r\n")
		good.sync("MSG x 1 1\r\n" + fmt.Sprint(i) + "\r\n")
	}
	waitFor(t, waitTimeout, "bad clients removed", func() bool { return s.NumClients() == 1 })
	waitFor(t, waitTimeout, "bad clients' subs removed", func() bool { return s.NumSubscriptions() == 1 })
	_ = time.Second
}
