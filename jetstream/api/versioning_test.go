package api

import (
	"encoding/json"
	"os"
	"path/filepath"
	"testing"
)

// TestRequiredLevelAgainstReference recomputes "_nats.req.level" for every
// stream and consumer config the reference returned on create and
// compares.
func TestRequiredLevelAgainstReference(t *testing.T) {
	files, _ := filepath.Glob("testdata/ref/*.json")
	n := 0
	for _, f := range files {
		data, _ := os.ReadFile(f)
		var env Response
		if json.Unmarshal(data, &env) != nil || env.Error != nil {
			continue
		}
		var want string
		var got int
		switch env.Type {
		case StreamCreateResponseType:
			var r StreamCreateResponse
			if err := json.Unmarshal(data, &r); err != nil {
				t.Fatal(err)
			}
			want, got = r.Config.Metadata[MetaRequiredLevel], r.Config.RequiredLevel()
			if r.Config.Metadata[MetaServerLevel] != "5" || r.Config.Metadata[MetaServerVersion] != "2.15.2" {
				t.Errorf("%s: server metadata %v", f, r.Config.Metadata)
			}
		case ConsumerCreateResponseType:
			var r ConsumerInfoResponse
			if err := json.Unmarshal(data, &r); err != nil {
				t.Fatal(err)
			}
			want, got = r.Config.Metadata[MetaRequiredLevel], r.Config.RequiredLevel()
		default:
			continue
		}
		n++
		if md := SetRequiredLevel(nil, got); md[MetaRequiredLevel] != want {
			t.Errorf("%s: level %d, reference %s", f, got, want)
		}
	}
	if n < 40 {
		t.Errorf("only %d configs", n)
	}
	md := WithServerMetadata(map[string]string{"a": "b"}, "2.15.2")
	if len(md) != 3 || md[MetaServerLevel] != "5" {
		t.Errorf("%v", md)
	}
}
