package api

import (
	"bufio"
	"encoding/json"
	"os"
	"strings"
	"testing"
)

// FuzzStreamConfig feeds arbitrary STREAM.CREATE bodies through Decode,
// SetDefaults and Validate: nothing panics, every error is a complete API
// error, and a config that passes survives a JSON round trip unchanged.
func FuzzStreamConfig(f *testing.F) {
	if fh, err := os.Open("testdata/stream_create.tsv"); err == nil {
		sc := bufio.NewScanner(fh)
		for sc.Scan() {
			if p := strings.SplitN(sc.Text(), "\t", 3); len(p) == 3 {
				f.Add([]byte(p[2]))
			}
		}
		fh.Close()
	}
	f.Fuzz(func(t *testing.T, body []byte) {
		var req StreamConfigRequest
		if e := Decode(body, &req); e != nil {
			if e.ErrCode != JSInvalidJSONErr || e.Code != 400 {
				t.Fatalf("decode error %+v", e)
			}
			return
		}
		cfg := req.StreamConfig
		cfg.SetDefaults()
		if e := cfg.Validate(ValidateOptions{Create: true}); e != nil {
			if e.Description == "" || e.Code == 0 || e.ErrCode == 0 {
				t.Fatalf("incomplete error %+v", e)
			}
			return
		}
		b, err := json.Marshal(&cfg)
		if err != nil {
			t.Fatal(err)
		}
		var back StreamConfig
		if err := json.Unmarshal(b, &back); err != nil {
			t.Fatalf("%s: %v", b, err)
		}
		back2, _ := json.Marshal(&back)
		if string(back2) != string(b) {
			t.Fatalf("round trip:\n%s\n%s", b, back2)
		}
	})
}

// FuzzParse checks that Parse never panics and that what it returns
// names the tokens of the subject.
func FuzzParse(f *testing.F) {
	for _, s := range []string{"$JS.API.INFO", "$JS.API.CONSUMER.CREATE.S.C.f.>", "$JS.API.DIRECT.GET.S.a.b", "$JS.API.STREAM.INFO.X", "$JS.API.CONSUMER.INFO.S.C"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, subject string) {
		r, ok := Parse(subject)
		if !ok {
			return
		}
		if r.Op == OpUnknown {
			t.Fatal("ok with OpUnknown")
		}
		for _, part := range []string{r.Stream, r.Consumer, r.Filter} {
			if !strings.Contains(subject, part) {
				t.Fatalf("%q: %+v", subject, r)
			}
		}
		if strings.Contains(r.Stream, ".") || strings.Contains(r.Consumer, ".") {
			t.Fatalf("%q: name with a dot %+v", subject, r)
		}
	})
}
