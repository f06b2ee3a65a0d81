package api

import (
	"bufio"
	"encoding/json"
	"os"
	"reflect"
	"strings"
	"testing"
)

// TestStreamCreateAgainstReference replays STREAM.CREATE requests that were
// sent to nats-server v2.15.2 (testdata/stream_create.tsv: name, subject,
// body) through Decode, SetDefaults and Validate, and compares with the
// answer the reference gave (testdata/ref/<name>.json): the same error
// JSON, or the same resulting config (less the server's _nats.* metadata).
// Requests whose answer depends on server state (a name in use, overlap
// with another stream, the name in the subject) are left out of the file.
func TestStreamCreateAgainstReference(t *testing.T) {
	f, err := os.Open("testdata/stream_create.tsv")
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	sc := bufio.NewScanner(f)
	n := 0
	for sc.Scan() {
		parts := strings.SplitN(sc.Text(), "\t", 3)
		if len(parts) != 3 {
			continue
		}
		name, subject, body := parts[0], parts[1], parts[2]
		want, err := os.ReadFile("testdata/ref/" + name + ".json")
		if err != nil {
			t.Fatalf("%s: %v", name, err)
		}
		var ref StreamCreateResponse
		if err := json.Unmarshal(want, &ref); err != nil {
			t.Fatalf("%s: %v", name, err)
		}
		if ref.Error != nil && ref.Error.ErrCode == JSStreamMismatchErr {
			continue // the name in the subject is the server's check
		}
		n++
		got, gotErr := createConfig(strings.TrimPrefix(subject, APIStreamCreate), []byte(body))
		if ref.Error != nil {
			if gotErr == nil {
				t.Errorf("%s: no error, want %+v", name, *ref.Error)
			} else if *gotErr != *ref.Error {
				t.Errorf("%s: got %+v, want %+v", name, *gotErr, *ref.Error)
			}
			continue
		}
		if gotErr != nil {
			t.Errorf("%s: got %+v, want success", name, *gotErr)
			continue
		}
		wantCfg := ref.Config
		for _, k := range []string{"_nats.level", "_nats.req.level", "_nats.ver"} {
			delete(wantCfg.Metadata, k)
		}
		if len(wantCfg.Metadata) == 0 {
			wantCfg.Metadata = nil
		}
		if !reflect.DeepEqual(*got, wantCfg) {
			g, _ := json.Marshal(got)
			w, _ := json.Marshal(wantCfg)
			t.Errorf("%s: config\n got %s\nwant %s", name, g, w)
		}
	}
	if n < 40 {
		t.Fatalf("only %d cases", n)
	}
}

// createConfig does what a STREAM.CREATE handler does without state.
func createConfig(subjectName string, body []byte) (*StreamConfig, *Error) {
	var req StreamConfigRequest
	if e := Decode(body, &req); e != nil {
		return nil, e
	}
	if req.Name != subjectName {
		return nil, JSStreamMismatchErr.New()
	}
	cfg := req.StreamConfig
	cfg.SetDefaults()
	if e := cfg.Validate(ValidateOptions{Create: true}); e != nil {
		return nil, e
	}
	return &cfg, nil
}

func TestStreamNameLimits(t *testing.T) {
	// Recorded from the reference with a 300-byte name and a 4200-byte
	// description.
	long := strings.Repeat("N", 300)
	_, e := createConfig(long, []byte(`{"name":"`+long+`","subjects":["ln"]}`))
	if e == nil || e.Code != 500 || e.ErrCode != 10052 || e.Description != "stream name is too long, maximum allowed is 255" {
		t.Errorf("long name: %+v", e)
	}
	_, e = createConfig("LD", []byte(`{"name":"LD","subjects":["ld"],"description":"`+strings.Repeat("a", 4200)+`"}`))
	if e == nil || e.Code != 500 || e.ErrCode != 10052 || e.Description != "stream description is too long, maximum allowed is 4096" {
		t.Errorf("long description: %+v", e)
	}
}

// Update rules, recorded from STREAM.UPDATE requests to the reference.
func TestStreamUpdate(t *testing.T) {
	base := func() StreamConfig {
		c := StreamConfig{Name: "S1", Subjects: []string{"s1.>"}}
		c.SetDefaults()
		return c
	}
	cases := []struct {
		name   string
		old    func(*StreamConfig)
		update func(*StreamConfig)
		want   string
	}{
		{"storage", nil, func(c *StreamConfig) { c.Storage = MemoryStorage }, "stream configuration update can not change storage type"},
		{"to workqueue", nil, func(c *StreamConfig) { c.Retention = WorkQueuePolicy }, "stream configuration update can not change retention policy to/from workqueue"},
		{"to interest", nil, func(c *StreamConfig) { c.Retention = InterestPolicy }, ""},
		{"unseal", func(c *StreamConfig) { c.Sealed = true }, nil, "stream configuration update can not unseal a sealed stream"},
		{"seal", nil, func(c *StreamConfig) { c.Sealed = true }, ""},
		{"deny delete", func(c *StreamConfig) { c.DenyDelete = true }, nil, "stream configuration update can not cancel deny message deletes"},
		{"ttl off", func(c *StreamConfig) { c.AllowMsgTTL = true }, nil, "message TTL status can not be disabled"},
		{"mirror", func(c *StreamConfig) { c.Subjects = nil; c.Mirror = &StreamSource{Name: "A"} },
			func(c *StreamConfig) { c.Subjects = nil; c.Mirror = &StreamSource{Name: "B"} }, "stream mirror configuration can not be updated"},
	}
	for _, c := range cases {
		old, upd := base(), base()
		if c.old != nil {
			c.old(&old)
		}
		if c.update != nil {
			c.update(&upd)
		}
		e := upd.ValidateUpdate(&old, ValidateOptions{})
		switch {
		case c.want == "" && e != nil:
			t.Errorf("%s: %+v", c.name, *e)
		case c.want != "" && (e == nil || e.Description != c.want):
			t.Errorf("%s: got %+v, want %q", c.name, e, c.want)
		}
	}
	if e := JSStreamMirrorNotUpdatableErr.New(); e.Code != 400 || e.ErrCode != 10055 {
		t.Errorf("mirror not updatable: %+v", e)
	}
}
