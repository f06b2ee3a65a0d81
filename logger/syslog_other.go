//go:build windows || plan9

package logger

import "errors"

// Syslog is not available on this system.
type Syslog struct{ Discard }

var errNoSyslog = errors.New("syslog is not supported on this system")

// NewSyslog fails: there is no syslog here.
func NewSyslog(string, Options) (*Syslog, error) { return nil, errNoSyslog }

// NewRemoteSyslog fails: log/syslog is not available here.
func NewRemoteSyslog(string, string, Options) (*Syslog, error) { return nil, errNoSyslog }

// SetLevels does nothing.
func (*Syslog) SetLevels(bool, bool) {}

// Close does nothing.
func (*Syslog) Close() error { return nil }
