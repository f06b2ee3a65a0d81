package main

import (
	"io"
	"strings"
	"testing"
	"time"

	"github.com/natsd/natsd/server"
)

func TestParseFlagsSpellings(t *testing.T) {
	tests := []struct {
		args  []string
		check func(c *command) bool
	}{
		{[]string{"-a", "127.0.0.1"}, func(c *command) bool { return c.opts.Host == "127.0.0.1" }},
		{[]string{"-js"}, func(c *command) bool { return c.opts.JetStream.Enabled }},
		{[]string{"--jetstream", "--store_dir", "/d"}, func(c *command) bool { return c.opts.JetStream.Enabled && c.opts.JetStream.StoreDir == "/d" }},
		{[]string{"-sd", "/e"}, func(c *command) bool { return !c.opts.JetStream.Enabled && c.opts.JetStream.StoreDir == "/e" }},
		{[]string{"--addr", "10.0.0.1"}, func(c *command) bool { return c.opts.Host == "10.0.0.1" }},
		{[]string{"--net=1.2.3.4"}, func(c *command) bool { return c.opts.Host == "1.2.3.4" }},
		{[]string{"-p", "4333"}, func(c *command) bool { return c.opts.Port == 4333 }},
		{[]string{"--port", "-1"}, func(c *command) bool { return c.opts.Port == -1 }},
		{[]string{"-n", "a"}, func(c *command) bool { return c.opts.ServerName == "a" }},
		{[]string{"--server_name", "b"}, func(c *command) bool { return c.opts.ServerName == "b" }},
		{[]string{"--name", "c"}, func(c *command) bool { return c.opts.ServerName == "c" }},
		{[]string{"-P", "/tmp/x.pid"}, func(c *command) bool { return c.opts.PidFile == "/tmp/x.pid" }},
		{[]string{"-l", "/tmp/x.log"}, func(c *command) bool { return c.opts.LogFile == "/tmp/x.log" }},
		{[]string{}, func(c *command) bool { return c.opts.Logtime }},
		{[]string{"-T=false"}, func(c *command) bool { return !c.opts.Logtime }},
		{[]string{"-D"}, func(c *command) bool { return c.opts.Debug && !c.opts.Trace }},
		{[]string{"-V"}, func(c *command) bool { return c.opts.Trace && !c.opts.Debug }},
		{[]string{"-DV"}, func(c *command) bool { return c.opts.Trace && c.opts.Debug }},
		{[]string{"--debug", "--trace"}, func(c *command) bool { return c.opts.Trace && c.opts.Debug }},
		{[]string{"-m", "8222"}, func(c *command) bool { return c.opts.HTTPPort == 8222 && !c.opts.HTTPNoDashboard }},
		{[]string{"--profile", "6060"}, func(c *command) bool { return c.opts.ProfPort == 6060 }},
		{[]string{"-profile=-1"}, func(c *command) bool { return c.opts.ProfPort == -1 }},
		{[]string{"--http_dashboard=false"}, func(c *command) bool { return c.opts.HTTPNoDashboard }},
		{[]string{"--http_dashboard"}, func(c *command) bool { return !c.opts.HTTPNoDashboard }},
		{[]string{"--user", "u", "--pass", "p"}, func(c *command) bool { return c.opts.Username == "u" && c.opts.Password == "p" }},
		{[]string{"--auth", "tok"}, func(c *command) bool { return c.opts.Authorization == "tok" }},
		{[]string{"-v"}, func(c *command) bool { return c.showVersion }},
		{[]string{"--version"}, func(c *command) bool { return c.showVersion }},
		{[]string{"-h"}, func(c *command) bool { return c.showHelp }},
		{[]string{"--help"}, func(c *command) bool { return c.showHelp }},
		{[]string{"--max_payload", "2MB"}, func(c *command) bool { return c.opts.MaxPayload == 2<<20 }},
		{[]string{"--max_payload", "2m"}, func(c *command) bool { return c.opts.MaxPayload == 2000000 }},
		{[]string{"--max_pending", "1kb"}, func(c *command) bool { return c.opts.MaxPending == 1024 }},
		{[]string{"--max_control_line", "512"}, func(c *command) bool { return c.opts.MaxControlLine == 512 }},
		{[]string{"--max_connections", "10"}, func(c *command) bool { return c.opts.MaxConnections == 10 }},
		{[]string{"--write_deadline", "3s"}, func(c *command) bool { return c.opts.WriteDeadline == 3*time.Second }},
		{[]string{"--ping_interval", "1m"}, func(c *command) bool { return c.opts.PingInterval == time.Minute }},
		{[]string{"--ping_max", "5"}, func(c *command) bool { return c.opts.MaxPingsOut == 5 }},
		{[]string{"--auth_timeout", "1s"}, func(c *command) bool { return c.opts.AuthTimeout == time.Second }},
	}
	for _, tt := range tests {
		c, err := parseFlags(tt.args, io.Discard)
		if err != nil {
			t.Errorf("%v: %v", tt.args, err)
			continue
		}
		if !tt.check(c) {
			t.Errorf("%v: parsed to %+v", tt.args, *c.opts)
		}
	}
}

func TestParseFlagsErrors(t *testing.T) {
	for _, args := range [][]string{
		{"--no-such-flag"},
		{"-p", "abc"},
		{"--max_payload", "12x"},
		{"--max_payload", "-5"},
		{"--write_deadline", "soon"},
		{"--ping_interval", "-1s"},
		{"--http_dashboard=maybe"},
		{"stray"},
	} {
		if _, err := parseFlags(args, io.Discard); err == nil {
			t.Errorf("%v: expected an error", args)
		}
	}
}

func TestRunExitCodes(t *testing.T) {
	var out, errOut strings.Builder
	if code := run([]string{"--version"}, &out, &errOut); code != 0 || out.String() != "natsd: v"+server.NatsdVersion+" (compatible with nats-server v"+server.CompatVersion+")\n" {
		t.Errorf("--version: code %d, output %q", code, out.String())
	}
	out.Reset()
	if code := run([]string{"--help"}, &out, &errOut); code != 0 || !strings.Contains(out.String(), "--max_pending") {
		t.Errorf("--help: code %d", code)
	}
	errOut.Reset()
	if code := run([]string{"--bogus"}, &out, &errOut); code == 0 || !strings.Contains(errOut.String(), "bogus") {
		t.Errorf("--bogus: code %d, stderr %q", code, errOut.String())
	}
	errOut.Reset()
	if code := run([]string{"-p", "70000"}, &out, &errOut); code == 0 || !strings.Contains(errOut.String(), "port") {
		t.Errorf("bad port: code %d, stderr %q", code, errOut.String())
	}
}
