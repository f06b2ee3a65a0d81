package server

import (
	"bytes"
	"fmt"
	"log/slog"
	"sort"
	"strings"

	"github.com/natsd/natsd/parser"
)

// When a connection is cut off as a slow consumer, the operator wants to
// know what it was falling behind on. Rather than count bytes per subject
// on the hot path, the pending output itself is scanned once, at cut-off
// time: it is a sequence of MSG/HMSG frames whose subjects are right there.

// subjectBacklog is the pending bytes of one subject.
type subjectBacklog struct {
	Subject string
	Bytes   int
	Msgs    int
}

// topBacklog returns the n subjects with the most pending bytes in out,
// which holds protocol frames as written to a client. Anything that does
// not parse as MSG/HMSG (PING, INFO, -ERR) is skipped line by line.
func topBacklog(out []byte, n int) []subjectBacklog {
	tally := map[string]*subjectBacklog{}
	for len(out) > 0 {
		nl := bytes.IndexByte(out, '\n')
		if nl < 0 {
			break
		}
		line := bytes.TrimRight(out[:nl], "\r")
		frame := nl + 1
		fields := bytes.Fields(line)
		isMsg := len(fields) >= 4 && bytes.Equal(fields[0], []byte("MSG"))
		isHMsg := len(fields) >= 5 && bytes.Equal(fields[0], []byte("HMSG"))
		isRMsg := len(fields) >= 5 && bytes.Equal(fields[0], []byte("RMSG")) // a route's
		if isMsg || isHMsg || isRMsg {
			size := parser.ParseSize(fields[len(fields)-1])
			if size >= 0 {
				frame += size + 2
				subj := string(fields[1])
				b := tally[subj]
				if b == nil {
					b = &subjectBacklog{Subject: subj}
					tally[subj] = b
				}
				b.Bytes += min(frame, len(out))
				b.Msgs++
			}
		}
		if frame > len(out) {
			break
		}
		out = out[frame:]
	}
	list := make([]subjectBacklog, 0, len(tally))
	for _, b := range tally {
		list = append(list, *b)
	}
	sort.Slice(list, func(i, j int) bool {
		if list[i].Bytes != list[j].Bytes {
			return list[i].Bytes > list[j].Bytes
		}
		return list[i].Subject < list[j].Subject
	})
	if len(list) > n {
		list = list[:n]
	}
	return list
}

// backlogList is a slow consumer's largest backlogs as a log field: the
// text of formatBacklog, a list of objects in JSON.
type backlogList []subjectBacklog

func (l backlogList) String() string { return formatBacklog(l) }

// LogValue is the JSON form: [{"subject":"a.b","bytes":1024,"msgs":4}].
func (l backlogList) LogValue() slog.Value {
	type entry struct {
		Subject string `json:"subject"`
		Bytes   int    `json:"bytes"`
		Msgs    int    `json:"msgs"`
	}
	out := make([]entry, len(l))
	for i, b := range l {
		out[i] = entry{b.Subject, b.Bytes, b.Msgs}
	}
	return slog.AnyValue(out)
}

// formatBacklog renders a backlog for the log: `"a.b" 1.2 MiB in 42 msgs, ...`.
func formatBacklog(list []subjectBacklog) string {
	parts := make([]string, len(list))
	for i, b := range list {
		parts[i] = fmt.Sprintf("%q %d bytes in %d msgs", b.Subject, b.Bytes, b.Msgs)
	}
	return strings.Join(parts, ", ")
}
