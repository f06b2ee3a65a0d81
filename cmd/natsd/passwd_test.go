package main

import (
	"strings"
	"testing"

	"golang.org/x/crypto/bcrypt"
)

func TestPasswd(t *testing.T) {
	var out, errOut strings.Builder
	if code := runPasswd([]string{"--cost", "4"}, strings.NewReader("s3cr3t pass\n"), &out, &errOut); code != 0 {
		t.Fatalf("code %d: %s", code, errOut.String())
	}
	hash := strings.TrimSuffix(out.String(), "\n")
	if !strings.HasPrefix(hash, "$2a$04$") || strings.Contains(hash, "\n") {
		t.Fatalf("output %q", out.String())
	}
	if bcrypt.CompareHashAndPassword([]byte(hash), []byte("s3cr3t pass")) != nil {
		t.Fatal("the hash does not match the password")
	}

	// --generate prints a fresh password and its hash, as mkpasswd does.
	out.Reset()
	if code := runPasswd([]string{"-g", "--cost=4"}, strings.NewReader(""), &out, &errOut); code != 0 {
		t.Fatalf("--generate: code %d", code)
	}
	var pass, gen string
	for _, line := range strings.Split(strings.TrimSpace(out.String()), "\n") {
		if v, ok := strings.CutPrefix(line, "pass: "); ok {
			pass = v
		}
		if v, ok := strings.CutPrefix(line, "bcrypt hash: "); ok {
			gen = v
		}
	}
	if len(pass) < 20 || bcrypt.CompareHashAndPassword([]byte(gen), []byte(pass)) != nil {
		t.Fatalf("--generate output %q", out.String())
	}

	for _, tt := range []struct {
		args  []string
		input string
		want  string
	}{
		{nil, "", "empty password"},
		{[]string{"--cost", "3"}, "x\n", "out of range"},
		{[]string{"--cost", "32"}, "x\n", "out of range"},
		{[]string{"extra"}, "x\n", "unexpected argument"},
		{nil, strings.Repeat("x", 80) + "\n", "password length exceeds 72 bytes"},
	} {
		errOut.Reset()
		if code := runPasswd(tt.args, strings.NewReader(tt.input), &out, &errOut); code == 0 || !strings.Contains(errOut.String(), tt.want) {
			t.Errorf("%v: code %d, stderr %q, want %q", tt.args, code, errOut.String(), tt.want)
		}
	}
}

func TestPasswdThroughRun(t *testing.T) {
	var out, errOut strings.Builder
	if code := run([]string{"passwd", "--help"}, &out, &errOut); code != 0 || !strings.Contains(out.String(), "Usage: natsd passwd") {
		t.Fatalf("natsd passwd --help: code %d, %q %q", code, out.String(), errOut.String())
	}
}
