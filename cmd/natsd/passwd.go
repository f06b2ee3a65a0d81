package main

import (
	"bufio"
	"crypto/rand"
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"strings"

	"golang.org/x/crypto/bcrypt"
	"golang.org/x/term"

	"github.com/natsd/natsd/auth"
)

// passwdUsage is the help of `natsd passwd`, natsd's counterpart of
// nats-server's mkpasswd tool.
const passwdUsage = `Usage: natsd passwd [--cost <n>] [--generate]

Prints the bcrypt hash of a password, for the password fields of the
authorization block. The password is read from standard input (its first
line), or prompted for twice, without echo, when standard input is a
terminal.

Options:
        --cost <n>                   bcrypt cost, 4 to 31 (default: 11)
    -g, --generate                   Generate a random password; print it and its hash
`

// runPasswd runs `natsd passwd` and returns the exit code.
func runPasswd(args []string, in io.Reader, stdout, stderr io.Writer) int {
	fs := flag.NewFlagSet("natsd passwd", flag.ContinueOnError)
	fs.SetOutput(stderr)
	fs.Usage = func() { fmt.Fprint(stderr, passwdUsage) }
	cost := fs.Int("cost", auth.DefaultBcryptCost, "")
	var generate bool
	fs.BoolVar(&generate, "g", false, "")
	fs.BoolVar(&generate, "generate", false, "")
	if err := fs.Parse(args); err != nil {
		if errors.Is(err, flag.ErrHelp) {
			fmt.Fprint(stdout, passwdUsage)
			return 0
		}
		return 1
	}
	fail := func(err error) int {
		fmt.Fprintf(stderr, "natsd passwd: %v\n", err)
		return 1
	}
	if fs.NArg() > 0 {
		return fail(fmt.Errorf("unexpected argument %q", fs.Arg(0)))
	}
	if *cost < bcrypt.MinCost || *cost > bcrypt.MaxCost {
		return fail(fmt.Errorf("cost %d is out of range (%d to %d)", *cost, bcrypt.MinCost, bcrypt.MaxCost))
	}
	var pass string
	if generate {
		pass = rand.Text()
	} else {
		var err error
		if pass, err = readPassword(in, stderr); err != nil {
			return fail(err)
		}
	}
	hash, err := auth.HashPassword(pass, *cost)
	if err != nil {
		return fail(err)
	}
	if generate {
		fmt.Fprintf(stdout, "pass: %s\nbcrypt hash: %s\n", pass, hash)
	} else {
		fmt.Fprintln(stdout, hash)
	}
	return 0
}

// readPassword prompts twice without echo on a terminal, and otherwise
// takes the first line of in.
func readPassword(in io.Reader, prompt io.Writer) (string, error) {
	if f, ok := in.(*os.File); ok && term.IsTerminal(int(f.Fd())) {
		read := func(label string) (string, error) {
			fmt.Fprint(prompt, label)
			b, err := term.ReadPassword(int(f.Fd()))
			fmt.Fprintln(prompt)
			return string(b), err
		}
		p1, err := read("Enter password: ")
		if err != nil {
			return "", err
		}
		p2, err := read("Reenter password: ")
		if err != nil {
			return "", err
		}
		if p1 != p2 {
			return "", errors.New("passwords do not match")
		}
		if p1 == "" {
			return "", errors.New("empty password")
		}
		return p1, nil
	}
	line, err := bufio.NewReader(in).ReadString('\n')
	if err != nil && !errors.Is(err, io.EOF) {
		return "", err
	}
	pass := strings.TrimRight(line, "\r\n")
	if pass == "" {
		return "", errors.New("empty password (give it on standard input)")
	}
	return pass, nil
}
