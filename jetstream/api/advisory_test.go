package api

import (
	"bufio"
	"bytes"
	"encoding/json"
	"os"
	"testing"
)

// TestAdvisoriesRoundTrip decodes the advisories nats-server v2.15.2
// published during a stream and consumer lifecycle, refusing unknown
// fields, and encodes them back byte for byte.
func TestAdvisoriesRoundTrip(t *testing.T) {
	f, err := os.Open("testdata/advisories/lifecycle.jsonl")
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	sc := bufio.NewScanner(f)
	sc.Buffer(make([]byte, 1<<20), 1<<20)
	n := 0
	for sc.Scan() {
		line := bytes.TrimSpace(sc.Bytes())
		if len(line) == 0 {
			continue
		}
		var ev TypedEvent
		if err := json.Unmarshal(line, &ev); err != nil {
			t.Fatal(err)
		}
		var v any
		switch ev.Type {
		case StreamActionType:
			v = &StreamAction{}
		case ConsumerActionType:
			v = &ConsumerAction{}
		case APIAuditType:
			v = &APIAudit{}
		default:
			t.Fatalf("type %q", ev.Type)
		}
		dec := json.NewDecoder(bytes.NewReader(line))
		dec.DisallowUnknownFields()
		if err := dec.Decode(v); err != nil {
			t.Fatalf("%s: %v", line, err)
		}
		out, _ := json.Marshal(v)
		if !bytes.Equal(out, line) {
			t.Errorf("\n got %s\nwant %s", out, line)
		}
		n++
	}
	if n != 10 {
		t.Errorf("%d advisories", n)
	}
}
