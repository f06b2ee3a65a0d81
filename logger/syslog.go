//go:build !windows && !plan9

package logger

import (
	"fmt"
	"log/syslog"
	"net"
	"net/url"
	"strings"
	"sync/atomic"
)

// Syslog is a Logger writing to the local syslog daemon or a remote one,
// as nats-server does: the message without the text format's prefix and
// level label, with the severity carrying the level (info and trace lines
// are notices, debug lines debug, warnings warning, errors err, fatal
// errors crit) and the tag naming the program.
type Syslog struct {
	w     *syslog.Writer
	debug atomic.Bool
	trace atomic.Bool
}

// NewSyslog connects to the local syslog daemon (/dev/log and the usual
// alternatives). tag defaults to the program's name.
func NewSyslog(tag string, o Options) (*Syslog, error) {
	w, err := syslog.New(syslog.LOG_NOTICE, tag)
	if err != nil {
		return nil, fmt.Errorf("error connecting to syslog: %w", err)
	}
	return newSyslog(w, o), nil
}

// NewRemoteSyslog connects to the syslog server at addr: udp://host:port,
// tcp://host:port or unix:///path (a datagram or stream socket). The port
// defaults to 514, and a bare host:port means UDP.
func NewRemoteSyslog(addr, tag string, o Options) (*Syslog, error) {
	network, raddr, err := syslogAddr(addr)
	if err != nil {
		return nil, err
	}
	var w *syslog.Writer
	if network == "unix" {
		// /dev/log is usually a datagram socket; some daemons listen on a
		// stream socket.
		if w, err = syslog.Dial("unixgram", raddr, syslog.LOG_NOTICE, tag); err != nil {
			w, err = syslog.Dial("unix", raddr, syslog.LOG_NOTICE, tag)
		}
	} else {
		w, err = syslog.Dial(network, raddr, syslog.LOG_NOTICE, tag)
	}
	if err != nil {
		return nil, fmt.Errorf("error connecting to remote syslog %s: %w", addr, err)
	}
	return newSyslog(w, o), nil
}

func newSyslog(w *syslog.Writer, o Options) *Syslog {
	l := &Syslog{w: w}
	l.debug.Store(o.Debug)
	l.trace.Store(o.Trace)
	return l
}

// syslogAddr turns a remote_syslog URL into a network and address.
func syslogAddr(addr string) (network, raddr string, err error) {
	if !strings.Contains(addr, "://") {
		addr = "udp://" + addr
	}
	u, err := url.Parse(addr)
	if err != nil {
		return "", "", fmt.Errorf("remote syslog address %q: %w", addr, err)
	}
	switch u.Scheme {
	case "udp", "tcp":
		host := u.Host
		if host == "" {
			return "", "", fmt.Errorf("remote syslog address %q has no host", addr)
		}
		if _, _, err := net.SplitHostPort(host); err != nil {
			host = net.JoinHostPort(strings.Trim(host, "[]"), "514")
		}
		return u.Scheme, host, nil
	case "unix":
		if u.Path == "" {
			return "", "", fmt.Errorf("remote syslog address %q has no socket path", addr)
		}
		return "unix", u.Path, nil
	}
	return "", "", fmt.Errorf("remote syslog address %q: unknown network %q (use udp, tcp or unix)", addr, u.Scheme)
}

// SetLevels changes debug and trace output at run time.
func (l *Syslog) SetLevels(debug, trace bool) {
	l.debug.Store(debug)
	l.trace.Store(trace)
}

// Close closes the connection to the syslog daemon.
func (l *Syslog) Close() error { return l.w.Close() }

// Noticef logs at info level.
func (l *Syslog) Noticef(format string, v ...any) { _ = l.w.Notice(fmt.Sprintf(format, v...)) }

// Warnf logs a warning.
func (l *Syslog) Warnf(format string, v ...any) { _ = l.w.Warning(fmt.Sprintf(format, v...)) }

// Errorf logs an error.
func (l *Syslog) Errorf(format string, v ...any) { _ = l.w.Err(fmt.Sprintf(format, v...)) }

// Fatalf logs a fatal error; the caller decides whether to exit.
func (l *Syslog) Fatalf(format string, v ...any) { _ = l.w.Crit(fmt.Sprintf(format, v...)) }

// Debugf logs at debug level when enabled.
func (l *Syslog) Debugf(format string, v ...any) {
	if l.debug.Load() {
		_ = l.w.Debug(fmt.Sprintf(format, v...))
	}
}

// Tracef logs protocol traces, as notices, when enabled.
func (l *Syslog) Tracef(format string, v ...any) {
	if l.trace.Load() {
		_ = l.w.Notice(fmt.Sprintf(format, v...))
	}
}

// DebugEnabled reports whether debug output is on.
func (l *Syslog) DebugEnabled() bool { return l.debug.Load() }

// TraceEnabled reports whether trace output is on.
func (l *Syslog) TraceEnabled() bool { return l.trace.Load() }
