// Package logger writes natsd's log in nats-server's text format
//
//	[pid] 2006/01/02 15:04:05.000000 [INF] message
//
// or as one JSON object per line (JSON). Messages that carry values the
// operator filters on are Records (record.go): text lays them out as
// nats-server does, JSON writes their values as keys.
//
// It is a leaf package: it knows nothing of the server.
package logger

import (
	"fmt"
	"io"
	"os"
	"strconv"
	"sync"
	"sync/atomic"
	"time"
)

// Logger is what the server logs through. Debug and trace output are
// filtered by the implementation, so callers need not check levels first
// unless building the message is expensive (see DebugEnabled, TraceEnabled).
type Logger interface {
	Noticef(format string, v ...any)
	Warnf(format string, v ...any)
	Errorf(format string, v ...any)
	Fatalf(format string, v ...any)
	Debugf(format string, v ...any)
	Tracef(format string, v ...any)
	DebugEnabled() bool
	TraceEnabled() bool
}

// Text is a Logger that writes nats-server's text format to an io.Writer.
type Text struct {
	mu      sync.Mutex
	w       io.Writer
	prefix  []byte // "[pid] "
	logtime bool
	utc     bool
	debug   atomic.Bool
	trace   atomic.Bool
	buf     []byte
}

// Options select what a Text logger prints.
type Options struct {
	Time  bool // prefix each line with the date and time
	UTC   bool // print times in UTC
	Debug bool
	Trace bool
}

// NewText returns a logger writing to w.
func NewText(w io.Writer, o Options) *Text {
	l := &Text{
		w:       w,
		prefix:  []byte("[" + strconv.Itoa(os.Getpid()) + "] "),
		logtime: o.Time,
		utc:     o.UTC,
	}
	l.debug.Store(o.Debug)
	l.trace.Store(o.Trace)
	return l
}

// SetLevels changes debug and trace output at run time (config reload).
func (l *Text) SetLevels(debug, trace bool) {
	l.debug.Store(debug)
	l.trace.Store(trace)
}

// SetWriter swaps the destination (log file reopen).
func (l *Text) SetWriter(w io.Writer) {
	l.mu.Lock()
	l.w = w
	l.mu.Unlock()
}

func (l *Text) output(label string, format string, v []any) {
	l.mu.Lock()
	defer l.mu.Unlock()
	b := l.appendLine(l.buf[:0], label, format, v)
	_, _ = l.w.Write(b)
	if cap(b) <= 4096 {
		l.buf = b
	}
}

// appendLine formats one log line onto b.
func (l *Text) appendLine(b []byte, label string, format string, v []any) []byte {
	b = append(b, l.prefix...)
	if l.logtime {
		now := time.Now()
		if l.utc {
			now = now.UTC()
		}
		b = now.AppendFormat(b, "2006/01/02 15:04:05.000000 ")
	}
	b = append(b, label...)
	b = fmt.Appendf(b, format, v...)
	return append(b, '\n')
}

var levelLabels = [...]string{LevelDebug: "[DBG] ", LevelInfo: "[INF] ", LevelWarn: "[WRN] ", LevelError: "[ERR] "}

// LogRecord writes r's text lines in one write, so that no other line
// comes between them.
func (l *Text) LogRecord(level Level, r *Record) {
	if level == LevelDebug && !l.debug.Load() {
		return
	}
	label := levelLabels[level]
	l.mu.Lock()
	defer l.mu.Unlock()
	b := l.buf[:0]
	for _, line := range r.TextLines() {
		b = l.appendLine(b, label, "%s", []any{line})
	}
	_, _ = l.w.Write(b)
	if cap(b) <= 4096 {
		l.buf = b
	}
}

// noticeLine formats an info line without writing it (a rotating file
// writes its own notices at the top of a new file).
func (l *Text) noticeLine(msg string) []byte {
	return l.appendLine(nil, "[INF] ", "%s", []any{msg})
}

// Noticef logs at info level.
func (l *Text) Noticef(format string, v ...any) { l.output("[INF] ", format, v) }

// Warnf logs a warning.
func (l *Text) Warnf(format string, v ...any) { l.output("[WRN] ", format, v) }

// Errorf logs an error.
func (l *Text) Errorf(format string, v ...any) { l.output("[ERR] ", format, v) }

// Fatalf logs a fatal error; the caller decides whether to exit.
func (l *Text) Fatalf(format string, v ...any) { l.output("[FTL] ", format, v) }

// Debugf logs at debug level when enabled.
func (l *Text) Debugf(format string, v ...any) {
	if l.debug.Load() {
		l.output("[DBG] ", format, v)
	}
}

// Tracef logs protocol traces when enabled.
func (l *Text) Tracef(format string, v ...any) {
	if l.trace.Load() {
		l.output("[TRC] ", format, v)
	}
}

// DebugEnabled reports whether debug output is on.
func (l *Text) DebugEnabled() bool { return l.debug.Load() }

// TraceEnabled reports whether trace output is on.
func (l *Text) TraceEnabled() bool { return l.trace.Load() }

// Discard is a Logger that prints nothing.
type Discard struct{}

func (Discard) Noticef(string, ...any) {}
func (Discard) Warnf(string, ...any)   {}
func (Discard) Errorf(string, ...any)  {}
func (Discard) Fatalf(string, ...any)  {}
func (Discard) Debugf(string, ...any)  {}
func (Discard) Tracef(string, ...any)  {}

// DebugEnabled is always false.
func (Discard) DebugEnabled() bool { return false }

// TraceEnabled is always false.
func (Discard) TraceEnabled() bool { return false }
