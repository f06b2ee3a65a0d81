package main

import (
	"path/filepath"
	"strings"
	"testing"
)

// TestConfigTestAccounts: -t reports a bad accounts block with its
// position and the accounts involved, and accepts a good one.
func TestConfigTestAccounts(t *testing.T) {
	cfg := filepath.Join(t.TempDir(), "acc.conf")
	writeConfig(t, cfg, "accounts {\n  A: { exports: [ { stream: \"a.>\" } ] }\n  B: {\n    imports: [ { stream: { account: A, subject: \"b.>\" } } ]\n  }\n}\n")
	var out, errOut strings.Builder
	if code := run([]string{"-t", "-c", cfg}, &out, &errOut); code != 1 {
		t.Fatalf("-t on a bad import: exit %d", code)
	}
	want := cfg + `:4:16: account "B" imports stream "b.>" from account "A", which does not export it`
	if !strings.Contains(errOut.String(), want) {
		t.Fatalf("-t printed %q, want %q", errOut.String(), want)
	}
	writeConfig(t, cfg, "accounts {\n  A: { exports: [ { stream: \"a.>\" } ] }\n  B: { imports: [ { stream: { account: A, subject: \"a.x\" }, prefix: p } ] }\n}\n")
	out.Reset()
	errOut.Reset()
	if code := run([]string{"-t", "-c", cfg}, &out, &errOut); code != 0 {
		t.Fatalf("-t on a good file: exit %d: %s", code, errOut.String())
	}
}
