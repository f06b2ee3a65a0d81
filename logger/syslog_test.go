//go:build !windows && !plan9

package logger

import (
	"bytes"
	"fmt"
	"net"
	"os"
	"path/filepath"
	"regexp"
	"testing"
	"time"
)

func TestSyslogAddr(t *testing.T) {
	for _, tc := range []struct{ in, network, addr string }{
		{"udp://localhost:514", "udp", "localhost:514"},
		{"udp://127.0.0.1", "udp", "127.0.0.1:514"},
		{"tcp://[::1]:6514", "tcp", "[::1]:6514"},
		{"tcp://[::1]", "tcp", "[::1]:514"},
		{"unix:///dev/log", "unix", "/dev/log"},
		{"syslog.example.com:1514", "udp", "syslog.example.com:1514"},
	} {
		n, a, err := syslogAddr(tc.in)
		if err != nil || n != tc.network || a != tc.addr {
			t.Errorf("%s: %s %s %v, want %s %s", tc.in, n, a, err, tc.network, tc.addr)
		}
	}
	for _, bad := range []string{"foo://x:1", "udp://", "unix://", "udp://%zz"} {
		if _, _, err := syslogAddr(bad); err == nil {
			t.Errorf("%s: no error", bad)
		}
	}
}

// readPackets collects datagrams from c until n have arrived.
func readPackets(t *testing.T, c net.PacketConn, n int) []string {
	t.Helper()
	var out []string
	buf := make([]byte, 64<<10)
	c.SetReadDeadline(time.Now().Add(10 * time.Second))
	for len(out) < n {
		k, _, err := c.ReadFrom(buf)
		if err != nil {
			t.Fatalf("after %d packets: %v", len(out), err)
		}
		out = append(out, string(buf[:k]))
	}
	return out
}

// Remote lines carry an RFC 3339 time and the host name; lines to a local
// socket the traditional short time only, as the daemon adds the host.
const (
	remoteHeader = `\d{4}-\d\d-\d\dT\S+ \S+ `
	localHeader  = `[A-Z][a-z]{2} [ \d]\d \d\d:\d\d:\d\d `
)

func checkSyslogLines(t *testing.T, got []string, header, tag string) {
	t.Helper()
	want := []struct{ pri, msg string }{
		{"5", "Server is ready"}, {"4", "warn 1"}, {"3", "err 2"}, {"2", "fatal"}, {"7", "debug"}, {"5", "trace"},
	}
	re := regexp.MustCompile(`^<(\d+)>` + header + regexp.QuoteMeta(tag) + `\[` + fmt.Sprint(os.Getpid()) + `\]: (.*)\n$`)
	for i, w := range want {
		m := re.FindStringSubmatch(got[i])
		if m == nil || m[1] != w.pri || m[2] != w.msg {
			t.Errorf("packet %d: %q, want priority %s and %q", i, got[i], w.pri, w.msg)
		}
	}
}

func logAll(l *Syslog) {
	l.Noticef("Server is %s", "ready")
	l.Debugf("hidden")
	l.Tracef("hidden")
	l.Warnf("warn %d", 1)
	l.Errorf("err %d", 2)
	l.Fatalf("fatal")
	l.SetLevels(true, true)
	l.Debugf("debug")
	l.Tracef("trace")
}

func TestRemoteSyslogUDP(t *testing.T) {
	pc, err := net.ListenPacket("udp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer pc.Close()
	l, err := NewRemoteSyslog("udp://"+pc.LocalAddr().String(), "natsd", Options{})
	if err != nil {
		t.Fatal(err)
	}
	defer l.Close()
	logAll(l)
	checkSyslogLines(t, readPackets(t, pc, 6), remoteHeader, "natsd")
}

func TestRemoteSyslogUnixgram(t *testing.T) {
	sock := filepath.Join(t.TempDir(), "log")
	pc, err := net.ListenPacket("unixgram", sock)
	if err != nil {
		t.Skipf("unixgram: %v", err)
	}
	defer pc.Close()
	l, err := NewRemoteSyslog("unix://"+sock, "natsd-test", Options{})
	if err != nil {
		t.Fatal(err)
	}
	defer l.Close()
	logAll(l)
	checkSyslogLines(t, readPackets(t, pc, 6), localHeader, "natsd-test")
}

func TestRemoteSyslogTCP(t *testing.T) {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer ln.Close()
	got := make(chan string, 1)
	go func() {
		c, err := ln.Accept()
		if err != nil {
			return
		}
		defer c.Close()
		c.SetReadDeadline(time.Now().Add(10 * time.Second))
		buf := make([]byte, 4096)
		n, _ := c.Read(buf)
		got <- string(buf[:n])
	}()
	l, err := NewRemoteSyslog("tcp://"+ln.Addr().String(), "natsd", Options{})
	if err != nil {
		t.Fatal(err)
	}
	defer l.Close()
	l.Noticef("over tcp")
	select {
	case s := <-got:
		if !regexp.MustCompile(`^<5>\S+ \S+ natsd\[\d+\]: over tcp\n`).MatchString(s) {
			t.Errorf("got %q", s)
		}
	case <-time.After(10 * time.Second):
		t.Fatal("nothing received")
	}
}

func TestRemoteSyslogRefused(t *testing.T) {
	if _, err := NewRemoteSyslog("unix://"+filepath.Join(t.TempDir(), "none"), "", Options{}); err == nil {
		t.Fatal("connected to a missing socket")
	}
}

func TestRootRemoteSyslogPrecedence(t *testing.T) {
	pc, err := net.ListenPacket("udp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer pc.Close()
	var b bytes.Buffer
	// Remote syslog wins over local syslog (which may not exist here).
	r, err := NewRoot(Config{Stderr: &b, Syslog: true, RemoteSyslog: "udp://" + pc.LocalAddr().String(), Tag: "natsd"})
	if err != nil {
		t.Fatal(err)
	}
	defer r.Close()
	r.Noticef("hello")
	if got := readPackets(t, pc, 1)[0]; !regexp.MustCompile(`^<5>.* natsd\[\d+\]: hello\n$`).MatchString(got) {
		t.Errorf("got %q", got)
	}
	if b.Len() != 0 {
		t.Errorf("stderr got %q", b.String())
	}
}
