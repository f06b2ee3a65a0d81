package server

import (
	"bufio"
	"fmt"
	"os"
	"path/filepath"
	"regexp"
	"sort"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/nats-io/nats.go"
)

// JetStream transcripts: testdata/jstranscript/<name>.txt is a script of
// requests and publishes; <name>.ref is what nats-server v2.15.2 answered
// to it, recorded once with the same runner and the same masking (times,
// ids, inboxes and generated names hidden, everything else byte for byte).
// The test replays each script against natsd and wants the same text.
//
// Script lines: "req SUBJ BODY" (a request, its answer printed; "req2"
// sends it from a second connection), "pub SUBJ
// BODY", "jpub SUBJ BODY" (a publish that waits for its PubAck), "sub SUBJ" (collect what arrives), "unsub SUBJ", "dump" (print
// what was collected, less $JS.EVENT.ADVISORY.API audit events, which natsd
// does not send), "sleep MS", "## comment" (printed), "# comment".

var (
	transcriptMask     = regexp.MustCompile(`"(created|ts|time|id|last_active|pause_remaining|start|timestamp|ack_time|pin_id|pinned_id|pinned_client_id|server_id|host|server)":("[^"]*"|-?\d+)`)
	transcriptPinnedTS = regexp.MustCompile(`"pinned_ts":"[1-9][^"]*"`)
	transcriptEphName  = regexp.MustCompile(`"stream_name":"([^"]*)","name":"[A-Za-z0-9]{8}"`)
	transcriptInbox    = regexp.MustCompile(`_INBOX\.[A-Za-z0-9]+(\.[A-Za-z0-9*]+)?`)
	transcriptDump     = regexp.MustCompile(`(?m)^-- dump (\d+)$`)
	transcriptAckTS    = regexp.MustCompile(`(\$JS\.ACK\.[^.]+\.[^.]+\.\d+\.\d+\.\d+\.)\d+`)
)

// transcriptWait bounds a dump's wait for the messages the reference
// printed.
const transcriptWait = 10 * time.Second

func transcriptMasked(s string) string {
	s = transcriptMask.ReplaceAllString(s, `"$1":*`)
	s = transcriptPinnedTS.ReplaceAllString(s, `"pinned_ts":*`)
	s = transcriptEphName.ReplaceAllString(s, `"stream_name":"$1","name":*`)
	s = transcriptInbox.ReplaceAllString(s, `_INBOX.*`)
	return transcriptAckTS.ReplaceAllString(s, `${1}TS`)
}

func transcriptMsg(m *nats.Msg) string {
	var b strings.Builder
	fmt.Fprintf(&b, "  subj=%s reply=%s", transcriptMasked(m.Subject), transcriptMasked(m.Reply))
	if len(m.Header) > 0 {
		keys := make([]string, 0, len(m.Header))
		for k := range m.Header {
			keys = append(keys, k)
		}
		sort.Strings(keys)
		fmt.Fprintf(&b, " status=%q", m.Header.Get("Status")+" "+m.Header.Get("Description"))
		for _, k := range keys {
			if k == "Status" || k == "Description" {
				continue
			}
			v := transcriptMasked(strings.Join(m.Header[k], ","))
			if k == "Nats-Pin-Id" {
				v = "*"
			}
			fmt.Fprintf(&b, " %s=%s", k, v)
		}
	}
	fmt.Fprintf(&b, " data=%s", transcriptMasked(string(m.Data)))
	return b.String()
}

// runTranscript runs a script against url and returns its transcript.
// dumps are the message counts the reference's dumps printed, in order:
// a dump waits (up to transcriptWait) for that many before it settles, so
// that a loaded machine's late advisories are not missed.
func runTranscript(t *testing.T, url, script string, dumps []int) string {
	t.Helper()
	nc, err := nats.Connect(url)
	if err != nil {
		t.Fatal(err)
	}
	defer nc.Close()
	nc2, err := nats.Connect(url) // "req2": the same request from another connection
	if err != nil {
		t.Fatal(err)
	}
	defer nc2.Close()
	var (
		mu   sync.Mutex
		got  []*nats.Msg
		out  strings.Builder
		subs = map[string]*nats.Subscription{}
	)
	sc := bufio.NewScanner(strings.NewReader(script))
	sc.Buffer(make([]byte, 1<<20), 1<<20)
	for sc.Scan() {
		line := sc.Text()
		if line == "" || strings.HasPrefix(line, "#") {
			if strings.HasPrefix(line, "##") {
				fmt.Fprintln(&out, line)
			}
			continue
		}
		parts := strings.SplitN(line, " ", 3)
		arg := func(i int) string {
			if i < len(parts) {
				return parts[i]
			}
			return ""
		}
		switch parts[0] {
		case "req", "req2":
			conn := nc
			if parts[0] == "req2" {
				conn = nc2
			}
			m, err := conn.Request(arg(1), []byte(arg(2)), 2*time.Second)
			fmt.Fprintf(&out, "> %s %s\n", arg(1), arg(2))
			if err != nil {
				fmt.Fprintf(&out, "< ERR %v\n", err)
			} else {
				fmt.Fprintf(&out, "<%s\n", transcriptMsg(m))
			}
		case "jpub": // a publish to a stream, waiting for its ack
			if _, err := nc.Request(arg(1), []byte(arg(2)), 2*time.Second); err != nil {
				t.Fatalf("%s: %v", line, err)
			}
		case "pub":
			nc.Publish(arg(1), []byte(arg(2)))
			nc.Flush()
		case "sub":
			s, err := nc.Subscribe(arg(1), func(m *nats.Msg) {
				mu.Lock()
				got = append(got, m)
				mu.Unlock()
			})
			if err != nil {
				t.Fatal(err)
			}
			subs[arg(1)] = s
			nc.Flush()
		case "unsub":
			subs[arg(1)].Unsubscribe()
		case "sleep":
			ms, _ := strconv.Atoi(arg(1))
			time.Sleep(time.Duration(ms) * time.Millisecond)
		case "dump":
			nc.Flush()
			count := func() int {
				n := 0
				for _, m := range got {
					if m.Subject != "$JS.EVENT.ADVISORY.API" {
						n++
					}
				}
				return n
			}
			if len(dumps) > 0 {
				for end := time.Now().Add(transcriptWait); time.Now().Before(end); time.Sleep(10 * time.Millisecond) {
					mu.Lock()
					n := count()
					mu.Unlock()
					if n >= dumps[0] {
						break
					}
				}
				dumps = dumps[1:]
			}
			time.Sleep(100 * time.Millisecond) // anything beyond
			mu.Lock()
			n := count()
			fmt.Fprintf(&out, "-- dump %d\n", n)
			for _, m := range got {
				if m.Subject != "$JS.EVENT.ADVISORY.API" {
					fmt.Fprintln(&out, transcriptMsg(m))
				}
			}
			got = nil
			mu.Unlock()
		default:
			t.Fatalf("bad script line %q", line)
		}
	}
	return out.String()
}

// TestJetStreamTranscripts replays the recorded nats-server sessions.
func TestJetStreamTranscripts(t *testing.T) {
	scripts, _ := filepath.Glob("testdata/jstranscript/*.txt")
	if len(scripts) == 0 {
		t.Fatal("no transcripts")
	}
	for _, path := range scripts {
		name := strings.TrimSuffix(filepath.Base(path), ".txt")
		t.Run(name, func(t *testing.T) {
			t.Parallel() // mostly waiting out the 2s of unanswered requests
			script, err := os.ReadFile(path)
			if err != nil {
				t.Fatal(err)
			}
			want, err := os.ReadFile(strings.TrimSuffix(path, ".txt") + ".ref")
			if err != nil {
				t.Fatal(err)
			}
			s := jsStart(t, "", nil)
			var dumps []int
			for _, m := range transcriptDump.FindAllStringSubmatch(string(want), -1) {
				n, _ := strconv.Atoi(m[1])
				dumps = append(dumps, n)
			}
			got := runTranscript(t, s.ClientURL(), string(script), dumps)
			if got == string(want) {
				return
			}
			gl, wl := strings.Split(got, "\n"), strings.Split(string(want), "\n")
			for i := 0; i < max(len(gl), len(wl)); i++ {
				var g, w string
				if i < len(gl) {
					g = gl[i]
				}
				if i < len(wl) {
					w = wl[i]
				}
				if g != w {
					t.Errorf("line %d differs:\n got %s\nwant %s", i+1, g, w)
				}
			}
		})
	}
}
