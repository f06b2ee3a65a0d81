package logger

import (
	"errors"
	"fmt"
	"io"
	"os"
	"sync"
	"sync/atomic"
)

// Config says where and how the process logs. The destination is the
// first that applies: File, RemoteSyslog, Syslog, else Stderr (the same
// precedence as nats-server).
type Config struct {
	Format       string // "text" (nats-server's format, the default) or "json"
	Time         bool   // timestamps (text and JSON)
	UTC          bool   // timestamps in UTC
	Debug        bool
	Trace        bool
	File         string
	SizeLimit    int64 // rotate File past this many bytes; 0: never
	MaxFiles     int   // files rotation keeps, the current one included; 0: all
	Syslog       bool  // the local syslog daemon
	RemoteSyslog string
	Tag          string    // syslog tag; default: the program's name
	Stderr       io.Writer // default os.Stderr
}

// ValidFormat reports whether f names a log format.
func ValidFormat(f string) bool { return f == "" || f == "text" || f == "json" }

// Root is the process's logger. Its destination, format and time settings
// can change while the server runs (config reload) without the server
// holding a new logger: Configure swaps what is underneath. Debug and
// trace filtering is Root's own, one atomic load, so the server's checks
// (TraceEnabled on the hot path) cost the same as with a plain logger.
type Root struct {
	debug atomic.Bool
	trace atomic.Bool

	mu   sync.RWMutex // held for reading while a line is logged
	cur  Logger
	cfg  Config
	file *FileWriter
	sys  io.Closer
}

// NewRoot returns a logger configured by c.
func NewRoot(c Config) (*Root, error) {
	r := &Root{}
	if err := r.Configure(c); err != nil {
		return nil, err
	}
	return r, nil
}

// noticer formats a line the way the logger would write it.
type noticer interface{ noticeLine(msg string) []byte }

// Configure switches to c. On error nothing changes.
func (r *Root) Configure(c Config) error {
	if !ValidFormat(c.Format) {
		return fmt.Errorf("unknown log format %q (use text or json)", c.Format)
	}
	r.mu.Lock()
	defer r.mu.Unlock()
	o := Options{Time: c.Time, UTC: c.UTC, Debug: true, Trace: true} // Root filters
	var (
		cur  Logger
		file *FileWriter
		sys  io.Closer
	)
	switch {
	case c.File != "":
		file = r.file
		switch {
		case file == nil:
			f, err := OpenFile(c.File, c.SizeLimit, c.MaxFiles)
			if err != nil {
				return err
			}
			file = f
		case file.Path() != c.File:
			if err := file.SetPath(c.File); err != nil {
				return err
			}
		}
		file.SetLimits(c.SizeLimit, c.MaxFiles)
		cur = formatted(file, c.Format, o)
		file.SetNoticeFormat(cur.(noticer).noticeLine)
	case c.RemoteSyslog != "":
		s, err := NewRemoteSyslog(c.RemoteSyslog, c.Tag, o)
		if err != nil {
			return err
		}
		cur, sys = s, s
	case c.Syslog:
		s, err := NewSyslog(c.Tag, o)
		if err != nil {
			return err
		}
		cur, sys = s, s
	default:
		w := c.Stderr
		if w == nil {
			w = os.Stderr
		}
		cur = formatted(w, c.Format, o)
	}
	if r.sys != nil {
		r.sys.Close()
	}
	if r.file != nil && r.file != file {
		r.file.Close()
	}
	r.cur, r.cfg, r.file, r.sys = cur, c, file, sys
	r.debug.Store(c.Debug)
	r.trace.Store(c.Trace)
	return nil
}

func formatted(w io.Writer, format string, o Options) Logger {
	if format == "json" {
		return NewJSON(w, o)
	}
	return NewText(w, o)
}

// Config is the configuration in force.
func (r *Root) Config() Config {
	r.mu.RLock()
	defer r.mu.RUnlock()
	return r.cfg
}

// ErrNoLogFile is Reopen's answer when the log does not go to a file.
var ErrNoLogFile = errors.New("not logging to a file")

// Reopen reopens the log file (SIGUSR1, after logrotate moved it).
func (r *Root) Reopen() error {
	r.mu.RLock()
	defer r.mu.RUnlock()
	if r.file == nil {
		return ErrNoLogFile
	}
	return r.file.Reopen()
}

// Close closes the log file or syslog connection; later lines go nowhere.
func (r *Root) Close() error {
	r.mu.Lock()
	defer r.mu.Unlock()
	var err error
	if r.file != nil {
		err = r.file.Close()
	}
	if r.sys != nil {
		err = errors.Join(err, r.sys.Close())
	}
	r.cur, r.file, r.sys = Discard{}, nil, nil
	return err
}

// SetLevels changes debug and trace output at run time.
func (r *Root) SetLevels(debug, trace bool) {
	r.debug.Store(debug)
	r.trace.Store(trace)
}

// Noticef logs at info level.
func (r *Root) Noticef(format string, v ...any) {
	r.mu.RLock()
	defer r.mu.RUnlock()
	r.cur.Noticef(format, v...)
}

// Warnf logs a warning.
func (r *Root) Warnf(format string, v ...any) {
	r.mu.RLock()
	defer r.mu.RUnlock()
	r.cur.Warnf(format, v...)
}

// Errorf logs an error.
func (r *Root) Errorf(format string, v ...any) {
	r.mu.RLock()
	defer r.mu.RUnlock()
	r.cur.Errorf(format, v...)
}

// Fatalf logs a fatal error; the caller decides whether to exit.
func (r *Root) Fatalf(format string, v ...any) {
	r.mu.RLock()
	defer r.mu.RUnlock()
	r.cur.Fatalf(format, v...)
}

// Debugf logs at debug level when enabled.
func (r *Root) Debugf(format string, v ...any) {
	if r.debug.Load() {
		r.mu.RLock()
		defer r.mu.RUnlock()
		r.cur.Debugf(format, v...)
	}
}

// Tracef logs protocol traces when enabled.
func (r *Root) Tracef(format string, v ...any) {
	if r.trace.Load() {
		r.mu.RLock()
		defer r.mu.RUnlock()
		r.cur.Tracef(format, v...)
	}
}

// LogRecord writes rec with the logger in force: as fields in JSON, as
// text lines otherwise.
func (r *Root) LogRecord(level Level, rec *Record) {
	if level == LevelDebug && !r.debug.Load() {
		return
	}
	r.mu.RLock()
	defer r.mu.RUnlock()
	if rl, ok := r.cur.(RecordLogger); ok {
		rl.LogRecord(level, rec)
		return
	}
	logLines(r.cur, level, rec)
}

// DebugEnabled reports whether debug output is on.
func (r *Root) DebugEnabled() bool { return r.debug.Load() }

// TraceEnabled reports whether trace output is on.
func (r *Root) TraceEnabled() bool { return r.trace.Load() }
