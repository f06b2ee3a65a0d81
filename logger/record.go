package logger

import (
	"encoding/json"
	"fmt"
	"log/slog"
	"strings"
	"time"
)

// A Record is a log message whose values a log pipeline should be able to
// filter on: the startup banner, a slow consumer, a reload, lame duck, a
// route coming and going. The call site says once what the message is and
// what its values are; each format lays it out its own way:
//
//   - text (and syslog) render Text with the fields' values, exactly the
//     lines nats-server prints; each "\n" starts another log line;
//   - JSON writes one object: Msg, the connection's keys (parsed from
//     Conn, as for every connection line) and one key per field.
//
// For example
//
//	logger.Notice(s.log, logger.Record{
//		Msg:    "Lame duck grace period",
//		Text:   "Waiting %v before closing %d client connections over %v",
//		Fields: []logger.Field{logger.F("grace", g), logger.F("clients", n), logger.F("close_over", d)},
//	})
//
// is "[INF] Waiting 10s before closing 3 client connections over 20s" in
// text and {"level":"INFO","msg":"Lame duck grace period","grace":"10s",
// "clients":3,"close_over":"20s"} in JSON.
type Record struct {
	// Conn is the log prefix of the connection the message is about
	// ("127.0.0.1:4567 - cid:5 - ..."), or empty. Text puts it in front
	// of the first line, followed by " - ".
	Conn string
	// Msg is what the message is, without its values: JSON's msg.
	Msg string
	// Text is the text layout: a fmt format that takes every field's value,
	// in order. Empty means Msg alone (the fields are then JSON only).
	Text string
	// Fields are the message's values, with the keys JSON gives them.
	Fields []Field
}

// Field is one named value of a Record. Keys are snake_case. In JSON,
// durations are written as text ("1.5s"), errors and other values with a
// String method as the text they print, and values implementing
// slog.LogValuer as the value they resolve to.
type Field struct {
	Key   string
	Value any
}

// F returns the field key=value.
func F(key string, value any) Field { return Field{Key: key, Value: value} }

// Level is the severity of a Record.
type Level int8

// The levels a Record can be logged at.
const (
	LevelDebug Level = iota
	LevelInfo
	LevelWarn
	LevelError
)

// RecordLogger is implemented by loggers that lay out a Record themselves
// (as fields for JSON, or with all its text lines written at once). For any
// other Logger, Log writes the record's text lines one by one.
type RecordLogger interface {
	LogRecord(level Level, r *Record)
}

// Log writes r to l at level. Debug records are skipped unless debug output
// is on.
func Log(l Logger, level Level, r Record) {
	if level == LevelDebug && !l.DebugEnabled() {
		return
	}
	if rl, ok := l.(RecordLogger); ok {
		rl.LogRecord(level, &r)
		return
	}
	logLines(l, level, &r)
}

// logLines writes a record as text lines through l's printf methods.
func logLines(l Logger, level Level, r *Record) {
	var f func(string, ...any)
	switch level {
	case LevelDebug:
		f = l.Debugf
	case LevelWarn:
		f = l.Warnf
	case LevelError:
		f = l.Errorf
	default:
		f = l.Noticef
	}
	for _, line := range r.TextLines() {
		f("%s", line)
	}
}

// Notice logs r at info level.
func Notice(l Logger, r Record) { Log(l, LevelInfo, r) }

// Warn logs r as a warning.
func Warn(l Logger, r Record) { Log(l, LevelWarn, r) }

// Error logs r as an error.
func Error(l Logger, r Record) { Log(l, LevelError, r) }

// Debug logs r at debug level when debug output is on.
func Debug(l Logger, r Record) { Log(l, LevelDebug, r) }

// TextLines is r in the text layout, one string per log line, without
// the logger's prefix and level label.
func (r *Record) TextLines() []string {
	text := r.Msg
	if r.Text != "" {
		args := make([]any, len(r.Fields))
		for i, f := range r.Fields {
			args[i] = f.Value
		}
		text = fmt.Sprintf(r.Text, args...)
	}
	if r.Conn != "" {
		text = r.Conn + " - " + text
	}
	return strings.Split(text, "\n")
}

// jsonValue is how a field's value is written in JSON where slog's own
// choice does not suit a log pipeline: durations as text (slog writes
// nanoseconds), and values that print themselves (fmt.Stringer) as they
// print in text rather than as their Go representation, unless they say
// how to log or marshal them.
func jsonValue(v any) any {
	switch v := v.(type) {
	case time.Duration:
		return v.String()
	case error:
		return v.Error()
	case time.Time, List, slog.LogValuer, json.Marshaler:
		return v
	case fmt.Stringer:
		return v.String()
	}
	return v
}

// List is a list of names: "a, b" in text, an array in JSON.
type List []string

// String joins the names with ", ".
func (l List) String() string { return strings.Join(l, ", ") }
