package conf

import (
	"os"
	"path/filepath"
)

// Options customises parsing. The zero value reads files with os.ReadFile
// and variables with os.LookupEnv.
type Options struct {
	// ReadFile reads the main file (for ParseFile) and included files.
	ReadFile func(path string) ([]byte, error)
	// LookupEnv resolves $VARIABLES not defined in the configuration.
	LookupEnv func(name string) (string, bool)
}

// shared is the state common to a file, its includes and environment
// variable values during one parse.
type shared struct {
	readFile     func(string) ([]byte, error)
	lookupEnv    func(string) (string, bool)
	includeStack []string // cleaned paths of the files being parsed
	includes     int
	envStack     []string // environment variables being parsed
	envCache     map[string]*Value
}

func (o Options) shared() *shared {
	sh := &shared{readFile: o.ReadFile, lookupEnv: o.LookupEnv}
	if sh.readFile == nil {
		sh.readFile = os.ReadFile
	}
	if sh.lookupEnv == nil {
		sh.lookupEnv = os.LookupEnv
	}
	return sh
}

// Parse parses configuration text. name is used in positions and error
// messages and as the base for relative include paths; it may be empty
// (positions then show "<input>" and includes are relative to the current
// directory).
func (o Options) Parse(name, data string) (*Map, error) {
	sh := o.shared()
	if name != "" {
		sh.includeStack = []string{filepath.Clean(name)}
	}
	m := NewMap()
	p := &parser{s: newScanner(name, data), shared: sh}
	if err := p.parseFileBody(m); err != nil {
		return nil, err
	}
	if _, err := mapWalkSize(m, Pos{File: name, Line: 1, Col: 1}); err != nil {
		return nil, err
	}
	return m, nil
}

// ParseFile reads and parses the configuration file at path.
func (o Options) ParseFile(path string) (*Map, error) {
	sh := o.shared()
	data, err := sh.readFile(path)
	if err != nil {
		return nil, &Error{Pos: Pos{File: path}, Msg: "cannot read configuration file: " + readReason(err), Err: err}
	}
	return o.Parse(path, string(data))
}

// Parse parses configuration text that has no file name, reading included
// files and environment variables from the operating system.
func Parse(data string) (*Map, error) { return Options{}.Parse("", data) }

// ParseFile parses the configuration file at path.
func ParseFile(path string) (*Map, error) { return Options{}.ParseFile(path) }

// ParseFileWith parses the configuration file at path, reading it and the
// files it includes with readFile (for example from an in-memory map in
// tests).
func ParseFileWith(path string, readFile func(string) ([]byte, error)) (*Map, error) {
	return Options{ReadFile: readFile}.ParseFile(path)
}
