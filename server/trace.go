package server

import (
	"regexp"
	"strconv"
	"strings"

	"github.com/natsd/natsd/auth"
)

// Protocol tracing (-V) in nats-server's format:
//
//	127.0.0.1:39006 - cid:5 - "v1.0:go:me" - <<- [PUB foo 5]
//
// Every trace call sits behind c.tracing(), one atomic load, so tracing
// costs nothing when it is off.

// setLogPrefix recomputes the prefix of the client's log lines; it changes
// once CONNECT names the client. Only the reader calls it.
func (c *client) setLogPrefix() {
	var b strings.Builder
	b.WriteString(c.conn.RemoteAddr().String())
	if c.kind == kindRoute {
		b.WriteString(" - rid:")
		b.WriteString(strconv.FormatUint(c.cid, 10))
		c.prefix.Store(b.String())
		return
	}
	if c.kind == kindLeaf {
		b.WriteString(" - lid:")
		b.WriteString(strconv.FormatUint(c.cid, 10))
		if c.opts.Name != "" {
			b.WriteString(` - "`)
			b.WriteString(c.opts.Name)
			b.WriteByte('"')
		}
		c.prefix.Store(b.String())
		return
	}
	if c.ws != nil {
		b.WriteString(" - wid:") // nats-server's tag for WebSocket clients
	} else {
		b.WriteString(" - cid:")
	}
	b.WriteString(strconv.FormatUint(c.cid, 10))
	if c.connected {
		// "v1.0:go:name", leaving out the parts the client did not send
		// (nothing at all when it sent none), as nats-server does.
		var parts []string
		if c.opts.Version != "" {
			parts = append(parts, "v"+c.opts.Version)
		}
		if c.opts.Lang != "" {
			parts = append(parts, c.opts.Lang)
		}
		if c.opts.Name != "" {
			parts = append(parts, c.opts.Name)
		}
		if len(parts) > 0 {
			b.WriteString(` - "`)
			b.WriteString(strings.Join(parts, ":"))
			b.WriteByte('"')
		}
		// "ACC/user:name" or "ACC/nkey:U...": who the client is, as
		// authenticated (a no_auth_user included), and its account; with
		// no users configured, the user name CONNECT sent (as nats-server).
		kind, name := "/user:", c.opts.Username
		if id := c.identity.Load(); id != nil && id.Name != "" {
			switch id.Method {
			case auth.MethodNkey:
				kind, name = "/nkey:", id.Name
			case auth.MethodUser:
				name = id.Name
			}
		}
		if name != "" {
			b.WriteString(` - "`)
			b.WriteString(c.acc.Load().name)
			b.WriteString(kind)
			b.WriteString(name)
			b.WriteByte('"')
		}
	}
	c.prefix.Store(b.String())
}

func (c *client) logPrefix() string {
	if p, ok := c.prefix.Load().(string); ok {
		return p
	}
	return c.conn.RemoteAddr().String() + " - cid:" + strconv.FormatUint(c.cid, 10)
}

func (c *client) tracing() bool { return c.srv.log.TraceEnabled() }

// traceIn logs an op received from the client.
func (c *client) traceIn(op string, args ...[]byte) {
	c.srv.log.Tracef("%s - <<- [%s]", c.logPrefix(), joinArgs(op, args))
}

// traceOut logs an op sent to the client.
func (c *client) traceOut(op string, args ...[]byte) {
	c.srv.log.Tracef("%s - ->> [%s]", c.logPrefix(), joinArgs(op, args))
}

// tracePayload logs a message payload.
func (c *client) tracePayload(dir string, payload []byte) {
	c.srv.log.Tracef("%s - %s MSG_PAYLOAD: [%s]", c.logPrefix(), dir, strconv.Quote(string(payload)))
}

func joinArgs(op string, args [][]byte) string {
	var b strings.Builder
	b.WriteString(op)
	for _, a := range args {
		if len(a) == 0 {
			continue
		}
		b.WriteByte(' ')
		b.Write(a)
	}
	return b.String()
}

var redactPass = regexp.MustCompile(`("(?:pass|auth_token|jwt)"\s*:\s*)"(?:[^"\\]|\\.)*"`)

// redactConnect hides passwords and tokens in a traced CONNECT, and user
// JWTs too (a bearer JWT is a password; nats-server traces JWTs as sent).
func redactConnect(arg []byte) []byte {
	return redactPass.ReplaceAll(arg, []byte(`$1"[REDACTED]"`))
}

// traceDelivery logs a MSG or HMSG sent to this client.
func (c *client) traceDelivery(subject []byte, sid string, reply []byte, hdrLen int, msg []byte) {
	size := strconv.AppendInt(nil, int64(len(msg)), 10)
	if hdrLen > 0 {
		c.traceOut("HMSG", subject, []byte(sid), reply, strconv.AppendInt(nil, int64(hdrLen), 10), size)
	} else {
		c.traceOut("MSG", subject, []byte(sid), reply, size)
	}
	c.tracePayload("->>", msg)
}
