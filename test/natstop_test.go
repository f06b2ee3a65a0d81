//go:build !refserver

package test

// nats-top (github.com/nats-io/nats-top) against natsd: the test builds the
// real tool with the go command, points it at an in-process natsd with two
// named nats.go clients, and reads the snapshot nats-top writes with -o. It
// proves that the monitoring endpoints nats-top polls (/varz, and /connz
// with limit, sort and subs) are served in a form the tool understands.

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"net"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/nats-io/nats.go"

	"github.com/natsd/natsd/server"
)

const (
	natsTopModule  = "github.com/nats-io/nats-top"
	natsTopVersion = "v0.6.1"
)

// natsTopSums pins nats-top v0.6.1 (its zip and its go.mod), so that the
// fallback build in natsTopBinary needs no checksum-database lookup.
const natsTopSums = natsTopModule + " " + natsTopVersion + " h1:cIQPvny+bItlVsCvdzZhvjN3LatAyTFseOP5c3fT14g=\n" +
	natsTopModule + " " + natsTopVersion + "/go.mod h1:dSoB3FoN0GCl0pDwhyCTs333Shee7Hllau4wIasaLAg=\n"

// natsTopColumns is nats-top's connection table header, after HOST, CID
// and NAME.
var natsTopColumns = []string{"SUBS", "PENDING", "MSGS_TO", "MSGS_FROM", "BYTES_TO", "BYTES_FROM", "LANG", "VERSION", "UPTIME", "LAST_ACTIVITY"}

func TestNatsTop(t *testing.T) {
	if testing.Short() {
		t.Skip("builds nats-top with the go command")
	}
	bin := natsTopBinary(t)

	s, err := server.New(&server.Options{Host: "127.0.0.1", Port: -1, HTTPHost: "127.0.0.1", HTTPPort: -1, NoLog: true})
	if err != nil {
		t.Fatal(err)
	}
	if err := s.Start(); err != nil {
		t.Fatal(err)
	}
	defer s.Shutdown()
	mon, ok := s.MonitorAddr().(*net.TCPAddr)
	if !ok {
		t.Fatalf("monitoring address %v", s.MonitorAddr())
	}
	monPort := strconv.Itoa(mon.Port)

	// top-a connects first (the lower CID) and is the quieter one: one
	// subscription, 2 messages delivered to it. top-b has three
	// subscriptions and 9 messages delivered to it.
	a, err := nats.Connect(s.ClientURL(), nats.Name("top-a"))
	if err != nil {
		t.Fatal(err)
	}
	defer a.Close()
	b, err := nats.Connect(s.ClientURL(), nats.Name("top-b"))
	if err != nil {
		t.Fatal(err)
	}
	defer b.Close()
	subA, err := a.SubscribeSync("top.a")
	if err != nil {
		t.Fatal(err)
	}
	var subsB []*nats.Subscription
	for i := 1; i <= 3; i++ {
		sub, err := b.SubscribeSync(fmt.Sprintf("top.b.%d", i))
		if err != nil {
			t.Fatal(err)
		}
		subsB = append(subsB, sub)
	}
	flush(t, a)
	flush(t, b)
	for i := 1; i <= 3; i++ {
		for range 3 {
			if err := a.Publish(fmt.Sprintf("top.b.%d", i), []byte("hello")); err != nil {
				t.Fatal(err)
			}
		}
	}
	for range 2 {
		if err := b.Publish("top.a", []byte("hi")); err != nil {
			t.Fatal(err)
		}
	}
	flush(t, a)
	flush(t, b)
	for _, sub := range subsB {
		for range 3 {
			nextMsg(t, sub)
		}
	}
	for range 2 {
		nextMsg(t, subA)
	}
	natsTopWaitCounts(t, "http://"+mon.String()+"/connz", map[string]int64{"top-a": 2, "top-b": 9})

	t.Run("plain", func(t *testing.T) {
		out := runNatsTop(t, bin, "-s", "127.0.0.1", "-m", monPort, "-n", "10")
		lines := strings.Split(out, "\n")
		head := "NATS server version " + server.Version + " (uptime: "
		if !strings.HasPrefix(lines[0], head) {
			t.Fatalf("first line %q, want prefix %q", lines[0], head)
		}
		// nats-top prints a polling error after the uptime.
		if l := strings.TrimSpace(lines[0]); !strings.HasSuffix(l, ")") {
			t.Errorf("nats-top reported an error: %q", l)
		}
		for _, want := range []string{
			"  ID:   " + s.ID() + "\n",
			"  In:   Msgs: 11  Bytes: ",
			"  Out:  Msgs: 11  Bytes: ",
			"\nConnections Polled: 2\n",
		} {
			if !strings.Contains(out, want) {
				t.Errorf("output lacks %q", want)
			}
		}
		header, rows := natsTopTable(t, lines, func(l string) []string { return strings.Fields(l) })
		if want := append([]string{"HOST", "CID", "NAME"}, natsTopColumns...); !slices.Equal(header, want) {
			t.Fatalf("header %q, want %q", header, want)
		}
		natsTopCheckRows(t, rows, []natsTopRow{
			{name: "top-a", subs: "1", msgsTo: "2", msgsFrom: "9"},
			{name: "top-b", subs: "3", msgsTo: "9", msgsFrom: "2"},
		})
	})

	t.Run("sort-csv", func(t *testing.T) {
		out := runNatsTop(t, bin, "-s", "127.0.0.1", "-m", monPort, "-n", "10",
			"-sort", "msgs_to", "-l", ",", "-b", "-u")
		lines := strings.Split(out, "\n")
		if !strings.HasPrefix(lines[0], "NATS server version,"+server.Version+",(uptime: ") {
			t.Fatalf("first line %q", lines[0])
		}
		if !strings.Contains(out, "\nConnections Polled:,2\n") {
			t.Errorf("output lacks the connection count")
		}
		header, rows := natsTopTable(t, lines, func(l string) []string { return strings.Split(l, ",") })
		if want := append(append([]string{"HOST", "CID", "NAME"}, natsTopColumns...), "SUBSCRIPTIONS"); !slices.Equal(header, want) {
			t.Fatalf("header %q, want %q", header, want)
		}
		// Busiest first: top-b got 9 messages, top-a 2.
		natsTopCheckRows(t, rows, []natsTopRow{
			{name: "top-b", subs: "3", msgsTo: "9", msgsFrom: "2", subjects: []string{"top.b.1", "top.b.2", "top.b.3"}},
			{name: "top-a", subs: "1", msgsTo: "2", msgsFrom: "9", subjects: []string{"top.a"}},
		})
	})

	t.Run("sort-limit", func(t *testing.T) {
		out := runNatsTop(t, bin, "-s", "127.0.0.1", "-m", monPort, "-n", "1", "-sort", "msgs_to")
		if !strings.Contains(out, "\nConnections Polled: 1\n") {
			t.Errorf("output lacks %q", "Connections Polled: 1")
		}
		_, rows := natsTopTable(t, strings.Split(out, "\n"), func(l string) []string { return strings.Fields(l) })
		natsTopCheckRows(t, rows, []natsTopRow{{name: "top-b", subs: "3", msgsTo: "9", msgsFrom: "2"}})
	})
}

// natsTopRow is what a test expects of one connection row.
type natsTopRow struct {
	name, subs, msgsTo, msgsFrom string
	subjects                     []string // with -u; nil to skip
}

// natsTopTable splits the connection table that follows the "HOST ..."
// header line into its header and rows.
func natsTopTable(t *testing.T, lines []string, split func(string) []string) (header []string, rows [][]string) {
	t.Helper()
	for i, l := range lines {
		if f := split(strings.TrimSpace(l)); len(f) > 0 && f[0] == "HOST" {
			header = f
			for _, r := range lines[i+1:] {
				if strings.TrimSpace(r) != "" {
					rows = append(rows, split(strings.TrimSpace(r)))
				}
			}
			return header, rows
		}
	}
	t.Fatal("no connection table in the output")
	return nil, nil
}

// natsTopCheckRows checks the rows, in order, against want: columns are
// HOST CID NAME SUBS PENDING MSGS_TO MSGS_FROM BYTES_TO BYTES_FROM LANG
// VERSION UPTIME LAST_ACTIVITY [SUBSCRIPTIONS].
func natsTopCheckRows(t *testing.T, rows [][]string, want []natsTopRow) {
	t.Helper()
	if len(rows) != len(want) {
		t.Fatalf("%d connection rows, want %d: %q", len(rows), len(want), rows)
	}
	for i, w := range want {
		r := rows[i]
		if len(r) < 13 {
			t.Fatalf("row %d has %d columns: %q", i, len(r), r)
		}
		got := natsTopRow{name: r[2], subs: r[3], msgsTo: r[5], msgsFrom: r[6]}
		if got.name != w.name || got.subs != w.subs || got.msgsTo != w.msgsTo || got.msgsFrom != w.msgsFrom {
			t.Errorf("row %d: name %s subs %s msgs_to %s msgs_from %s, want name %s subs %s msgs_to %s msgs_from %s (%q)",
				i, got.name, got.subs, got.msgsTo, got.msgsFrom, w.name, w.subs, w.msgsTo, w.msgsFrom, r)
		}
		if r[9] != "go" || r[10] != nats.Version {
			t.Errorf("row %d: lang %q version %q, want go %s", i, r[9], r[10], nats.Version)
		}
		if w.subjects != nil {
			if len(r) != 14 {
				t.Fatalf("row %d: %d columns, want 14 with SUBSCRIPTIONS: %q", i, len(r), r)
			}
			subjects := strings.Fields(r[13])
			slices.Sort(subjects)
			if !slices.Equal(subjects, w.subjects) {
				t.Errorf("row %d: subscriptions %q, want %q", i, subjects, w.subjects)
			}
		}
	}
}

// natsTopWaitCounts waits until /connz shows each named connection with
// its expected out_msgs, so the snapshots see settled counters.
func natsTopWaitCounts(t *testing.T, url string, want map[string]int64) {
	t.Helper()
	client := &http.Client{Timeout: 2 * time.Second}
	var last string
	deadline := time.Now().Add(10 * time.Second)
	for {
		resp, err := client.Get(url)
		if err == nil {
			var connz struct {
				Conns []struct {
					Name    string `json:"name"`
					OutMsgs int64  `json:"out_msgs"`
				} `json:"connections"`
			}
			err = json.NewDecoder(resp.Body).Decode(&connz)
			resp.Body.Close()
			if err == nil {
				got := make(map[string]int64)
				for _, c := range connz.Conns {
					got[c.Name] = c.OutMsgs
				}
				if fmt.Sprint(got) == fmt.Sprint(want) {
					return
				}
				last = fmt.Sprint(got)
			}
		}
		if err != nil {
			last = err.Error()
		}
		if time.Now().After(deadline) {
			t.Fatalf("/connz out_msgs by name: %s, want %v", last, want)
		}
		time.Sleep(10 * time.Millisecond)
	}
}

// runNatsTop runs nats-top with args plus "-o FILE" (one snapshot, then
// exit) and returns the file's contents.
func runNatsTop(t *testing.T, bin string, args ...string) string {
	t.Helper()
	file := filepath.Join(t.TempDir(), "snapshot.txt")
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	cmd := exec.CommandContext(ctx, bin, append(args, "-o", file)...)
	cmd.WaitDelay = 5 * time.Second
	out, err := cmd.CombinedOutput()
	if err != nil {
		t.Fatalf("%s: %v\n%s", cmd, err, out)
	}
	data, err := os.ReadFile(file)
	if err != nil {
		t.Fatalf("%s wrote no snapshot (%v); it printed:\n%s", cmd, err, out)
	}
	t.Logf("$ %s\n%s", strings.Join(cmd.Args, " "), data)
	return string(data)
}

// natsTopBinary builds nats-top and returns its path. It first runs
// "go install github.com/nats-io/nats-top@v0.6.1" (module-aware, outside
// this module). That needs the checksum database and the proxy's version
// list for nats-top, which some module proxies do not serve; when that is
// why it fails, it builds the same version from a throwaway module that
// requires it, with natsTopSums pinning nats-top and nats-top's own go.sum
// pinning its dependencies. The test is skipped only when the module cannot
// be fetched at all; any other failure (a compile error, a checksum
// mismatch) fails it.
func natsTopBinary(t *testing.T) string {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 3*time.Minute)
	defer cancel()
	binDir := t.TempDir()
	bin := filepath.Join(binDir, "nats-top")
	run := func(dir string, env []string, args ...string) (string, error) {
		cmd := exec.CommandContext(ctx, "go", args...)
		cmd.Dir = dir
		cmd.Env = append(os.Environ(), append([]string{"GOFLAGS=-mod=mod", "GOWORK=off"}, env...)...)
		cmd.WaitDelay = 5 * time.Second
		out, err := cmd.CombinedOutput()
		if err != nil && ctx.Err() != nil {
			t.Skipf("building nats-top took over 3 minutes (module proxy unreachable?): go %s: %v\n%s",
				strings.Join(args, " "), err, out)
		}
		return string(out), err
	}

	out, err := run(binDir, []string{"GOBIN=" + binDir}, "install", natsTopModule+"@"+natsTopVersion)
	if err == nil {
		t.Logf("built with: GOFLAGS=-mod=mod GOBIN=%s go install %s@%s", binDir, natsTopModule, natsTopVersion)
		return bin
	}
	if !goFetchFailed(out) {
		t.Fatalf("go install %s@%s: %v\n%s", natsTopModule, natsTopVersion, err, out)
	}
	t.Logf("go install %s@%s cannot fetch or verify the module, building it from a pinned module instead:\n%s",
		natsTopModule, natsTopVersion, out)

	mod := t.TempDir()
	gomod := "module natstopbuild\n\ngo 1.20\n\nrequire " + natsTopModule + " " + natsTopVersion + "\n"
	if err := os.WriteFile(filepath.Join(mod, "go.mod"), []byte(gomod), 0o644); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(filepath.Join(mod, "go.sum"), []byte(natsTopSums), 0o644); err != nil {
		t.Fatal(err)
	}
	out, err = run(mod, nil, "mod", "download", "-json", natsTopModule)
	var dl struct{ Dir, Error string }
	if jerr := json.Unmarshal([]byte(out), &dl); err == nil && jerr != nil {
		err = fmt.Errorf("decoding go mod download output: %w", jerr)
	}
	if err == nil && dl.Dir == "" {
		err = errors.New("go mod download gave no directory")
	}
	if err != nil {
		if goFetchFailed(out) {
			t.Skipf("cannot fetch %s@%s: %v\n%s", natsTopModule, natsTopVersion, err, out)
		}
		t.Fatalf("go mod download %s: %v\n%s", natsTopModule, err, out)
	}
	depSums, err := os.ReadFile(filepath.Join(dl.Dir, "go.sum"))
	if err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(filepath.Join(mod, "go.sum"), []byte(natsTopSums+string(depSums)), 0o644); err != nil {
		t.Fatal(err)
	}
	out, err = run(mod, nil, "build", "-o", bin, natsTopModule)
	if err != nil {
		if goFetchFailed(out) {
			t.Skipf("cannot fetch the dependencies of %s@%s: %v\n%s", natsTopModule, natsTopVersion, err, out)
		}
		t.Fatalf("go build %s: %v\n%s", natsTopModule, err, out)
	}
	t.Logf("built with: GOFLAGS=-mod=mod go build -o %s %s (in a module requiring %s %s)", bin, natsTopModule, natsTopModule, natsTopVersion)
	return bin
}

// goFetchFailed reports whether the go command's output says a module could
// not be fetched or verified for want of the network, the module proxy or
// the checksum database, rather than because the code does not build or a
// checksum does not match.
func goFetchFailed(out string) bool {
	if strings.Contains(out, "checksum mismatch") || strings.Contains(out, "SECURITY ERROR") {
		return false
	}
	for _, m := range []string{
		"dial tcp", "no such host", "connection refused", "connection reset", "i/o timeout",
		"network is unreachable", "TLS handshake timeout", "server response:",
		"module lookup disabled", "unrecognized import path", "verifying module:",
		"verifying go.mod:", "loading deprecation", "403 Forbidden", "404 Not Found", "410 Gone",
		"proxyconnect",
	} {
		if strings.Contains(out, m) {
			return true
		}
	}
	return false
}
