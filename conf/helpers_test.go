package conf

import (
	"errors"
	"io/fs"
	"reflect"
	"strings"
	"testing"
)

// memFS serves files from a map, as the injectable ReadFile.
type memFS map[string]string

func (f memFS) ReadFile(path string) ([]byte, error) {
	s, ok := f[path]
	if !ok {
		return nil, &fs.PathError{Op: "open", Path: path, Err: fs.ErrNotExist}
	}
	return []byte(s), nil
}

// env is a fake environment for LookupEnv.
type env map[string]string

func (e env) LookupEnv(name string) (string, bool) {
	v, ok := e[name]
	return v, ok
}

// testOptions isolates tests from the real environment and file system.
func testOptions(files memFS, vars env) Options {
	if files == nil {
		files = memFS{}
	}
	return Options{ReadFile: files.ReadFile, LookupEnv: vars.LookupEnv}
}

// mustParse parses src as "test.conf" or fails the test.
func mustParse(t *testing.T, src string) *Map {
	t.Helper()
	m, err := testOptions(nil, nil).Parse("test.conf", src)
	if err != nil {
		t.Fatalf("parse %q: %v", src, err)
	}
	return m
}

// parseErr parses src and returns the error message, failing the test if
// parsing succeeds or the error is not an *Error.
func parseErr(t *testing.T, opts Options, name, src string) string {
	t.Helper()
	_, err := opts.Parse(name, src)
	if err == nil {
		t.Fatalf("parse %q: expected an error", src)
	}
	var e *Error
	if !errors.As(err, &e) {
		t.Fatalf("parse %q: error %T is not *Error: %v", src, err, err)
	}
	return err.Error()
}

func checkTree(t *testing.T, src string, got *Map, want map[string]any) {
	t.Helper()
	if g := got.Interface(); !reflect.DeepEqual(g, want) {
		t.Errorf("parse %q:\n got  %#v\n want %#v", src, g, want)
	}
}

func containsAll(s string, parts ...string) bool {
	for _, p := range parts {
		if !strings.Contains(s, p) {
			return false
		}
	}
	return true
}
