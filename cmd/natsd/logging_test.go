package main

import (
	"encoding/json"
	"fmt"
	"io"
	"net"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/nats-io/nats.go"

	"github.com/natsd/natsd/logger"
)

// refDigestConf and refDigest: nats-server v2.15 -t prints this digest for
// this file.
const (
	refDigestConf = "listen: \"127.0.0.1:-1\"\n# the digest ignores comments and layout\nlogtime = false\n"
	refDigest     = "81fd0eeb50836829066e090e15e34353f3f8f73cea119008036c2cee4635911a"
)

func TestParseLoggingFlags(t *testing.T) {
	c, err := parseFlags([]string{"-s", "-r", "udp://h:514", "--log_size_limit", "10MB",
		"--log_format", "json", "--ports_file_dir", "/tmp/p"}, io.Discard)
	if err != nil {
		t.Fatal(err)
	}
	o := c.opts
	if !o.Syslog || o.RemoteSyslog != "udp://h:514" || o.LogSizeLimit != 10<<20 || o.LogFormat != "json" || o.PortsFileDir != "/tmp/p" {
		t.Errorf("options %+v", o)
	}
	c, err = parseFlags([]string{"--syslog", "--remote_syslog=tcp://h:1", "--log_size_limit=1k"}, io.Discard)
	if err != nil || !c.opts.Syslog || c.opts.RemoteSyslog != "tcp://h:1" || c.opts.LogSizeLimit != 1000 {
		t.Errorf("long spellings: %+v, %v", c, err)
	}
	if _, err := parseFlags([]string{"--log_format", "xml"}, io.Discard); err == nil {
		t.Error("--log_format xml accepted")
	}
	cfg := filepath.Join(t.TempDir(), "natsd.conf")
	writeConfig(t, cfg, "port: 4222\nlog_format: xml\n")
	if _, err := parseFlags([]string{"-c", cfg}, io.Discard); err == nil || !strings.Contains(err.Error(), cfg+":2:") {
		t.Errorf("log_format xml in a file: %v", err)
	}
}

func TestConfigDigest(t *testing.T) {
	cfg := filepath.Join(t.TempDir(), "d.conf")
	writeConfig(t, cfg, refDigestConf)
	var out, errOut strings.Builder
	if code := run([]string{"-t", "-c", cfg}, &out, &errOut); code != 0 {
		t.Fatalf("-t: %d %s", code, errOut.String())
	}
	if want := "natsd: configuration file " + cfg + " is valid (sha256:" + refDigest + ")\n"; out.String() != want {
		t.Errorf("-t printed %q, want %q", out.String(), want)
	}
}

func TestProcessConfigLineAndPortsFile(t *testing.T) {
	if testing.Short() {
		t.Skip("builds the binary")
	}
	bin := buildBinary(t)
	dir := t.TempDir()
	cfg := filepath.Join(dir, "d.conf")
	writeConfig(t, cfg, refDigestConf)
	cmd, url, lines := startProcess(t, bin, "-c", cfg, "-m", "-1", "--profile", "-1", "--ports_file_dir", dir)
	// The config line comes before the listening line startProcess waited
	// for; the channel kept it.
	waitLine(t, lines, "[INF] Using configuration file: "+cfg+" (sha256:"+refDigest+")")

	portsFile := filepath.Join(dir, fmt.Sprintf("natsd_%d.ports", cmd.Process.Pid))
	var p struct{ Nats, Monitoring, Profile []string }
	waitFor(t, 10*time.Second, func() bool {
		b, err := os.ReadFile(portsFile)
		return err == nil && json.Unmarshal(b, &p) == nil
	})
	if len(p.Nats) != 1 || p.Nats[0] != url {
		t.Errorf("ports file nats %v, want [%s]", p.Nats, url)
	}
	if len(p.Monitoring) != 1 || !regexp.MustCompile(`^http://127\.0\.0\.1:\d+$`).MatchString(p.Monitoring[0]) {
		t.Errorf("ports file monitoring %v", p.Monitoring)
	}
	if len(p.Profile) != 1 || !regexp.MustCompile(`^http://127\.0\.0\.1:\d+$`).MatchString(p.Profile[0]) {
		t.Errorf("ports file profile %v", p.Profile)
	} else if resp, err := http.Get(p.Profile[0] + "/debug/pprof/cmdline"); err != nil || resp.StatusCode != 200 {
		t.Errorf("GET the profiling port's /debug/pprof/cmdline: %v", err)
	} else {
		resp.Body.Close()
	}
	cmd.Process.Signal(syscall.SIGTERM)
	if code := waitExit(t, cmd); code != 0 {
		t.Fatalf("exit code %d", code)
	}
	if _, err := os.Stat(portsFile); !os.IsNotExist(err) {
		t.Errorf("ports file left behind: %v", err)
	}
}

// TestProcessLogRotation fills a small log file with protocol traces: it
// rotates into timestamped backups, at most logfile_max_num files remain,
// and SIGUSR1 still reopens the file.
func TestProcessLogRotation(t *testing.T) {
	if testing.Short() {
		t.Skip("builds the binary")
	}
	bin := buildBinary(t)
	dir := t.TempDir()
	logPath := filepath.Join(dir, "natsd.log")
	cfg := filepath.Join(dir, "natsd.conf")
	writeConfig(t, cfg, fmt.Sprintf(`
listen: "127.0.0.1:-1"
log_file: %q
logfile_size_limit: 2KB
logfile_max_num: 3
trace: true
`, logPath))
	cmd := startFileLoggedProcess(t, bin, logPath, "-c", cfg)
	url := "nats://" + listenAddrFromLog(t, dir)
	nc, err := nats.Connect(url, nats.NoReconnect(), nats.Timeout(10*time.Second))
	if err != nil {
		t.Fatal(err)
	}
	defer nc.Close()
	backupRe := regexp.MustCompile(`^natsd\.log\.\d{4}\.\d\d\.\d\d\.\d\d\.\d\d\.\d\d\.\d{9}$`)
	waitFor(t, 20*time.Second, func() bool {
		nc.Publish("rotate.me", make([]byte, 100))
		nc.Flush()
		b, _ := os.ReadFile(logPath)
		return strings.Contains(string(b), "Purged log file")
	})
	backups := logger.Backups(logPath)
	if len(backups) != 2 {
		t.Errorf("%d backups, want 2 (3 files with the current one): %v", len(backups), backups)
	}
	for _, b := range backups {
		if !backupRe.MatchString(filepath.Base(b)) {
			t.Errorf("backup name %s", b)
		}
	}
	cur, _ := os.ReadFile(logPath)
	if !regexp.MustCompile(`^\[\d+\] \S+ \S+ \[INF\] Rotated log, backup saved as "` + regexp.QuoteMeta(dir)).Match(cur) {
		t.Errorf("the current file starts %.200q", cur)
	}

	// SIGUSR1 after an external move: a new file is started.
	moved := logPath + ".moved"
	if err := os.Rename(logPath, moved); err != nil {
		t.Fatal(err)
	}
	cmd.Process.Signal(syscall.SIGUSR1)
	waitFor(t, 10*time.Second, func() bool {
		b, err := os.ReadFile(logPath)
		return err == nil && strings.Contains(string(b), "File log re-opened")
	})
}

// listenAddrFromLog finds the client address in the log file in dir.
func listenAddrFromLog(t *testing.T, dir string) string {
	t.Helper()
	b, err := os.ReadFile(filepath.Join(dir, "natsd.log"))
	if err != nil {
		t.Fatal(err)
	}
	m := listenRe.FindSubmatch(b)
	if m == nil {
		t.Fatalf("no listen line in %q", b)
	}
	return string(m[1])
}

// TestProcessJSONLog runs with log_format json and protocol traces: every
// line is a JSON object, connection lines carry cid, kind, remote and
// subject, and the password in CONNECT stays redacted.
func TestProcessJSONLog(t *testing.T) {
	if testing.Short() {
		t.Skip("builds the binary")
	}
	bin := buildBinary(t)
	cmd := exec.Command(bin, "-a", "127.0.0.1", "-p", "-1", "-DV", "--log_format", "json", "--user", "alice", "--pass", "s3cr3t-pw")
	stderr, err := cmd.StderrPipe()
	if err != nil {
		t.Fatal(err)
	}
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { cmd.Process.Kill(); cmd.Wait() })
	// The decoder goroutine owns both channels and closes them at the end
	// of the log; raw is big enough never to block it.
	lines := make(chan map[string]any, 1000)
	raw := make(chan string, 100000)
	go func() {
		defer close(raw)
		defer close(lines)
		dec := json.NewDecoder(stderr)
		for {
			var m map[string]any
			if err := dec.Decode(&m); err != nil {
				return
			}
			select {
			case lines <- m:
			default: // nobody is waiting for lines any more
			}
			b, _ := json.Marshal(m)
			raw <- string(b)
		}
	}()
	next := func(match func(m map[string]any) bool) map[string]any {
		t.Helper()
		timeout := time.After(10 * time.Second)
		for {
			select {
			case m, ok := <-lines:
				if !ok {
					t.Fatal("log ended")
				}
				if match(m) {
					return m
				}
			case <-timeout:
				t.Fatal("no matching JSON log line")
			}
		}
	}
	ready := next(func(m map[string]any) bool { return m["msg"] == "Listening for client connections" })
	addr, _ := ready["addr"].(string)
	if ready["level"] != "INFO" || ready["time"] == nil || addr == "" {
		t.Errorf("listening line %v", ready)
	}
	nc, err := nats.Connect("nats://alice:s3cr3t-pw@"+addr, nats.NoReconnect(), nats.Timeout(10*time.Second))
	if err != nil {
		t.Fatal(err)
	}
	defer nc.Close()
	nc.Publish("orders.new", []byte("hi"))
	nc.Flush()

	pub := next(func(m map[string]any) bool { return m["msg"] == "<<- [PUB orders.new 2]" })
	if pub["level"] != "TRACE" || pub["kind"] != "Client" || pub["subject"] != "orders.new" || pub["user"] != "alice" {
		t.Errorf("PUB trace %v", pub)
	}
	if _, ok := pub["cid"].(float64); !ok {
		t.Errorf("cid %v", pub["cid"])
	}
	if host, _, err := net.SplitHostPort(fmt.Sprint(pub["remote"])); err != nil || host != "127.0.0.1" {
		t.Errorf("remote %v", pub["remote"])
	}
	cmd.Process.Signal(syscall.SIGTERM)
	waitExit(t, cmd)
	var sawConnect bool
	for l := range raw { // ends when the decoder reaches the end of the log
		if strings.Contains(l, "s3cr3t-pw") {
			t.Errorf("password in the log: %s", l)
		}
		sawConnect = sawConnect || strings.Contains(l, "CONNECT")
	}
	if !sawConnect {
		t.Error("no traced CONNECT")
	}
}

// TestProcessRemoteSyslog logs to a UDP syslog listener.
func TestProcessRemoteSyslog(t *testing.T) {
	if testing.Short() {
		t.Skip("builds the binary")
	}
	bin := buildBinary(t)
	pc, err := net.ListenPacket("udp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer pc.Close()
	cmd := exec.Command(bin, "-a", "127.0.0.1", "-p", "-1", "-D", "-r", "udp://"+pc.LocalAddr().String())
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { cmd.Process.Kill(); cmd.Wait() })
	readyRe := regexp.MustCompile(fmt.Sprintf(`^<5>\S+ \S+ natsd\[%d\]: Server is ready\n$`, cmd.Process.Pid))
	pc.SetReadDeadline(time.Now().Add(20 * time.Second))
	buf := make([]byte, 8192)
	for {
		n, _, err := pc.ReadFrom(buf)
		if err != nil {
			t.Fatalf("no 'Server is ready' from syslog: %v", err)
		}
		if readyRe.Match(buf[:n]) {
			break
		}
	}
	cmd.Process.Signal(syscall.SIGTERM)
	if code := waitExit(t, cmd); code != 0 {
		t.Fatalf("exit code %d", code)
	}
}

// TestProcessReloadLogging changes the log's time stamps, format and file
// with SIGHUP.
func TestProcessReloadLogging(t *testing.T) {
	if testing.Short() {
		t.Skip("builds the binary")
	}
	bin := buildBinary(t)
	dir := t.TempDir()
	cfg := filepath.Join(dir, "natsd.conf")
	writeConfig(t, cfg, "listen: \"127.0.0.1:-1\"\nlogtime: false\n")
	cmd, _, lines := startProcess(t, bin, "-c", cfg)
	noTime := regexp.MustCompile(`^\[\d+\] \[INF\] Server is ready$`)
	waitMatch(t, lines, noTime)

	writeConfig(t, cfg, "listen: \"127.0.0.1:-1\"\nlogtime: true\nlogtime_utc: true\n")
	cmd.Process.Signal(syscall.SIGHUP)
	withTime := regexp.MustCompile(`^\[\d+\] \d{4}/\d\d/\d\d \d\d:\d\d:\d\d\.\d{6} \[INF\] Reloaded server configuration: changed logtime, logtime_utc$`)
	waitMatch(t, lines, withTime)

	logPath := filepath.Join(dir, "natsd.log")
	writeConfig(t, cfg, fmt.Sprintf("listen: \"127.0.0.1:-1\"\nlog_file: %q\nlog_format: json\n", logPath))
	cmd.Process.Signal(syscall.SIGHUP)
	waitFor(t, 10*time.Second, func() bool {
		b, err := os.ReadFile(logPath)
		if err != nil {
			return false
		}
		var m map[string]any
		return json.Unmarshal(b, &m) == nil && m["msg"] == "Reloaded server configuration" && m["changed"] != nil
	})
	cmd.Process.Signal(syscall.SIGTERM)
	if code := waitExit(t, cmd); code != 0 {
		t.Fatalf("exit code %d", code)
	}
	b, _ := os.ReadFile(logPath)
	if !strings.Contains(string(b), `"msg":"Server Exiting.."`) {
		t.Errorf("log file %q", b)
	}
}

// waitMatch waits for a log line matching re.
func waitMatch(t *testing.T, lines <-chan string, re *regexp.Regexp) {
	t.Helper()
	timeout := time.After(10 * time.Second)
	for {
		select {
		case l, ok := <-lines:
			if !ok {
				t.Fatalf("log ended before a line matching %s", re)
			}
			if re.MatchString(l) {
				return
			}
		case <-timeout:
			t.Fatalf("no log line matching %s", re)
		}
	}
}
