package logger

import (
	"bytes"
	"context"
	"fmt"
	"io"
	"log/slog"
	"net"
	"strconv"
	"strings"
	"sync/atomic"
	"time"
)

// Levels of the JSON log beyond slog's own.
const (
	levelTrace = slog.Level(-8)
	levelFatal = slog.Level(12)
)

// JSON is a Logger writing one JSON object per line with log/slog:
//
//	{"time":"2026-11-28T01:41:21.475680Z","level":"DEBUG","msg":"Client connection created","cid":5,"kind":"Client","remote":"127.0.0.1:4567"}
//
// The keys are stable: time (omitted when log times are off), level
// (TRACE, DEBUG, INFO, WARN, ERROR, FATAL) and msg always; for lines about
// a connection cid, kind and remote, and when known client_name,
// client_lang, client_version, account, user and subject.
//
// Records (see Record) are written with their own msg and keys.
//
// The server logs connection lines as text with nats-server's prefix
// ("127.0.0.1:4567 - cid:5 - ..."); JSON parses that prefix into keys, so
// the server's logging calls are the same for every format.
type JSON struct {
	h     slog.Handler
	time  bool
	utc   bool
	debug atomic.Bool
	trace atomic.Bool
}

// NewJSON returns a JSON logger writing to w.
func NewJSON(w io.Writer, o Options) *JSON {
	l := &JSON{h: newJSONHandler(w, o.UTC), time: o.Time, utc: o.UTC}
	l.debug.Store(o.Debug)
	l.trace.Store(o.Trace)
	return l
}

func newJSONHandler(w io.Writer, utc bool) slog.Handler {
	return slog.NewJSONHandler(w, &slog.HandlerOptions{
		Level: levelTrace,
		ReplaceAttr: func(groups []string, a slog.Attr) slog.Attr {
			if len(groups) > 0 {
				return a
			}
			switch a.Key {
			case slog.LevelKey:
				return slog.String(slog.LevelKey, levelName(a.Value.Any().(slog.Level)))
			case slog.TimeKey:
				if utc {
					return slog.Time(slog.TimeKey, a.Value.Time().UTC())
				}
			}
			return a
		},
	})
}

func levelName(l slog.Level) string {
	switch {
	case l <= levelTrace:
		return "TRACE"
	case l >= levelFatal:
		return "FATAL"
	}
	return l.String()
}

// SetLevels changes debug and trace output at run time.
func (l *JSON) SetLevels(debug, trace bool) {
	l.debug.Store(debug)
	l.trace.Store(trace)
}

func (l *JSON) record(level slog.Level, msg string) slog.Record {
	var now time.Time
	if l.time {
		now = time.Now()
	}
	r := slog.NewRecord(now, level, msg, 0)
	if c, rest, ok := parseConnPrefix(msg); ok {
		r.Message = rest
		r.AddAttrs(c.attrs()...)
	}
	return r
}

func (l *JSON) output(level slog.Level, format string, v []any) {
	_ = l.h.Handle(context.Background(), l.record(level, fmt.Sprintf(format, v...)))
}

var slogLevels = [...]slog.Level{LevelDebug: slog.LevelDebug, LevelInfo: slog.LevelInfo, LevelWarn: slog.LevelWarn, LevelError: slog.LevelError}

// LogRecord writes r as one JSON object: its Msg, the keys of its
// connection and one key per field.
func (l *JSON) LogRecord(level Level, r *Record) {
	if level == LevelDebug && !l.debug.Load() {
		return
	}
	var now time.Time
	if l.time {
		now = time.Now()
	}
	rec := slog.NewRecord(now, slogLevels[level], r.Msg, 0)
	if r.Conn != "" {
		if c, _, ok := parseConnPrefix(r.Conn + " - "); ok {
			rec.AddAttrs(c.attrs()...)
		} else {
			rec.AddAttrs(slog.String("conn", r.Conn))
		}
	}
	for _, f := range r.Fields {
		rec.AddAttrs(slog.Any(f.Key, jsonValue(f.Value)))
	}
	_ = l.h.Handle(context.Background(), rec)
}

// noticeLine formats an info line without writing it.
func (l *JSON) noticeLine(msg string) []byte {
	var b bytes.Buffer
	_ = newJSONHandler(&b, l.utc).Handle(context.Background(), l.record(slog.LevelInfo, msg))
	return b.Bytes()
}

// Noticef logs at info level.
func (l *JSON) Noticef(format string, v ...any) { l.output(slog.LevelInfo, format, v) }

// Warnf logs a warning.
func (l *JSON) Warnf(format string, v ...any) { l.output(slog.LevelWarn, format, v) }

// Errorf logs an error.
func (l *JSON) Errorf(format string, v ...any) { l.output(slog.LevelError, format, v) }

// Fatalf logs a fatal error; the caller decides whether to exit.
func (l *JSON) Fatalf(format string, v ...any) { l.output(levelFatal, format, v) }

// Debugf logs at debug level when enabled.
func (l *JSON) Debugf(format string, v ...any) {
	if l.debug.Load() {
		l.output(slog.LevelDebug, format, v)
	}
}

// Tracef logs protocol traces when enabled.
func (l *JSON) Tracef(format string, v ...any) {
	if l.trace.Load() {
		l.output(levelTrace, format, v)
	}
}

// DebugEnabled reports whether debug output is on.
func (l *JSON) DebugEnabled() bool { return l.debug.Load() }

// TraceEnabled reports whether trace output is on.
func (l *JSON) TraceEnabled() bool { return l.trace.Load() }

// connInfo is what a connection log line's prefix says.
type connInfo struct {
	remote                 string
	kind                   string
	id                     uint64
	name, lang, version    string
	account, user, subject string
}

func (c *connInfo) attrs() []slog.Attr {
	a := []slog.Attr{slog.Uint64("cid", c.id), slog.String("kind", c.kind), slog.String("remote", c.remote)}
	for _, kv := range [...]struct{ k, v string }{
		{"client_name", c.name}, {"client_lang", c.lang}, {"client_version", c.version},
		{"account", c.account}, {"user", c.user}, {"subject", c.subject},
	} {
		if kv.v != "" {
			a = append(a, slog.String(kv.k, kv.v))
		}
	}
	return a
}

// connKinds maps the id labels of nats-server's connection prefixes to the
// connection kinds /connz reports.
var connKinds = map[string]string{"cid": "Client", "rid": "Router", "gid": "Gateway", "lid": "Leafnode"}

// parseConnPrefix splits a connection log line,
//
//	127.0.0.1:4567 - cid:5 - "v1.2.0:go:name" - "$G/user:bob" - <<- [PUB foo 2]
//
// into what it says about the connection and the rest of the message.
func parseConnPrefix(msg string) (connInfo, string, bool) {
	var c connInfo
	remote, rest, ok := strings.Cut(msg, " - ")
	if !ok {
		return c, msg, false
	}
	if _, port, err := net.SplitHostPort(remote); err != nil || port == "" {
		return c, msg, false
	}
	idPart, rest, ok := strings.Cut(rest, " - ")
	if !ok {
		return c, msg, false
	}
	label, num, _ := strings.Cut(idPart, ":")
	kind, known := connKinds[label]
	id, err := strconv.ParseUint(num, 10, 64)
	if !known || err != nil {
		return c, msg, false
	}
	c.remote, c.kind, c.id = remote, kind, id
	for strings.HasPrefix(rest, `"`) {
		seg, after, ok := strings.Cut(rest[1:], `" - `)
		if !ok {
			break
		}
		switch {
		case strings.HasPrefix(seg, "v"):
			parts := strings.SplitN(seg[1:], ":", 3)
			c.version = parts[0]
			if len(parts) > 1 {
				c.lang = parts[1]
			}
			if len(parts) > 2 {
				c.name = parts[2]
			}
		case strings.Contains(seg, "/user:"):
			c.account, c.user, _ = strings.Cut(seg, "/user:")
		default:
			c.subject = subjectOf(rest)
			return c, rest, true
		}
		rest = after
	}
	c.subject = subjectOf(rest)
	return c, rest, true
}

// subjectOf finds the subject a connection log line is about: the subject
// of a traced PUB, SUB or MSG, or the quoted subject of a permission
// violation.
func subjectOf(msg string) string {
	if strings.HasPrefix(msg, "<<- [") || strings.HasPrefix(msg, "->> [") {
		f := strings.Fields(strings.TrimSuffix(msg[len("<<- ["):], "]"))
		if len(f) >= 2 {
			switch f[0] {
			case "PUB", "HPUB", "SUB", "MSG", "HMSG", "LMSG", "LS+", "LS-":
				return f[1]
			case "RMSG", "HRMSG", "RS+", "RS-":
				if len(f) >= 3 {
					return f[2]
				}
			}
		}
		return ""
	}
	for _, marker := range []string{`Subject "`, `Removed sub "`} {
		if _, after, ok := strings.Cut(msg, marker); ok {
			if s, _, ok := strings.Cut(after, `"`); ok {
				return s
			}
		}
	}
	return ""
}
