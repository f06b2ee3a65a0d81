package api

import (
	"bufio"
	"encoding/json"
	"os"
	"reflect"
	"strings"
	"testing"
)

// TestConsumerCreateAgainstReference replays CONSUMER.CREATE requests
// sent to nats-server v2.15.2 (testdata/consumer_create.tsv) through
// Decode, SetDefaults and Validate and compares with its answers
// (testdata/ref/<name>.json): the same error, or the same config less the
// server's _nats.* metadata.
func TestConsumerCreateAgainstReference(t *testing.T) {
	f, err := os.Open("testdata/consumer_create.tsv")
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	sc := bufio.NewScanner(f)
	sc.Buffer(make([]byte, 1<<16), 1<<16)
	n := 0
	for sc.Scan() {
		parts := strings.SplitN(sc.Text(), "\t", 3)
		if len(parts) != 3 {
			continue
		}
		name, body := parts[0], parts[2]
		want, err := os.ReadFile("testdata/ref/" + name + ".json")
		if err != nil {
			t.Fatalf("%s: %v", name, err)
		}
		var ref ConsumerInfoResponse
		if err := json.Unmarshal(want, &ref); err != nil {
			t.Fatalf("%s: %v", name, err)
		}
		if ref.Error != nil && (ref.Error.ErrCode == JSStreamMismatchErr || ref.Error.ErrCode == JSConsumerDurableNameNotMatchSubjectErr) {
			continue // names in the subject are the server's check
		}
		n++
		var req CreateConsumerRequest
		var gotErr *Error
		if gotErr = Decode([]byte(body), &req); gotErr == nil {
			req.Config.SetDefaults()
			gotErr = req.Config.Validate(ValidateOptions{Create: true})
		}
		if ref.Error != nil {
			if gotErr == nil || *gotErr != *ref.Error {
				t.Errorf("%s: got %+v, want %+v", name, gotErr, *ref.Error)
			}
			continue
		}
		if gotErr != nil {
			t.Errorf("%s: got %+v, want success", name, *gotErr)
			continue
		}
		wantCfg := *ref.Config
		for _, k := range []string{"_nats.level", "_nats.req.level", "_nats.ver"} {
			delete(wantCfg.Metadata, k)
		}
		if len(wantCfg.Metadata) == 0 {
			wantCfg.Metadata = nil
		}
		if !reflect.DeepEqual(req.Config, wantCfg) {
			g, _ := json.Marshal(req.Config)
			w, _ := json.Marshal(wantCfg)
			t.Errorf("%s: config\n got %s\nwant %s", name, g, w)
		}
	}
	if n < 30 {
		t.Fatalf("only %d cases", n)
	}
}

func TestConsumerDescriptionTooLong(t *testing.T) {
	c := ConsumerConfig{Durable: "CF8", AckPolicy: AckExplicit, Description: strings.Repeat("a", 4200)}
	c.SetDefaults()
	e := c.Validate(ValidateOptions{})
	if e == nil || e.Code != 400 || e.ErrCode != 10107 || e.Description != "consumer description is too long, maximum allowed is 4096" {
		t.Errorf("%+v", e)
	}
}
