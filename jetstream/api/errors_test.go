package api

import (
	"encoding/json"
	"errors"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
)

// TestErrorTableAgainstReference checks every error nats-server v2.15.2
// answered with in testdata/ref against the table: the same code, and a
// description the table's template produces.
func TestErrorTableAgainstReference(t *testing.T) {
	files, _ := filepath.Glob("testdata/ref/*.json")
	seen := map[ErrorCode]bool{}
	for _, f := range files {
		data, err := os.ReadFile(f)
		if err != nil {
			t.Fatal(err)
		}
		var r Response
		if err := json.Unmarshal(data, &r); err != nil || r.Error == nil {
			continue
		}
		e := r.Error
		seen[e.ErrCode] = true
		if got := e.ErrCode.HTTPCode(); got != e.Code {
			t.Errorf("%s: %d has code %d in the table, reference %d", f, e.ErrCode, got, e.Code)
		}
		tmpl := e.ErrCode.Description()
		re := "^" + regexp.MustCompile(`\\\{[a-z_]+\\\}`).ReplaceAllString(regexp.QuoteMeta(tmpl), ".*") + "$"
		if !regexp.MustCompile(re).MatchString(e.Description) {
			t.Errorf("%s: %q does not fit the table's %q", f, e.Description, tmpl)
		}
	}
	if len(seen) < 15 {
		t.Errorf("only %d distinct err_codes captured", len(seen))
	}
}

func TestErrorAPI(t *testing.T) {
	e := JSStreamNotFoundErr.New()
	if e.Code != 404 || e.ErrCode != 10059 || e.Description != "stream not found" || e.Error() != "stream not found (10059)" {
		t.Errorf("%+v %q", e, e.Error())
	}
	b, _ := json.Marshal(e)
	if string(b) != `{"code":404,"err_code":10059,"description":"stream not found"}` {
		t.Errorf("%s", b)
	}
	f := JSStreamInvalidConfigF.New("{err}", "max age can not be negative")
	if f.Description != "max age can not be negative" || f.Code != 500 {
		t.Errorf("%+v", f)
	}
	var err error = f
	if !errors.Is(err, JSStreamInvalidConfigF.New()) || errors.Is(err, e) {
		t.Error("errors.Is compares err_codes")
	}
	if !IsError(err, JSStreamNotFoundErr, JSStreamInvalidConfigF) || IsError(err, JSStreamNotFoundErr) || IsError(errors.New("x"), JSStreamNotFoundErr) {
		t.Error("IsError")
	}
	if u := ErrorCode(9999).New(); u.Code != 500 || u.ErrCode != 9999 {
		t.Errorf("unknown: %+v", u)
	}
	// Every template token is a {word}, and every row has a description.
	for c, d := range errorTable {
		if d.description == "" || d.code < 400 || d.code > 599 {
			t.Errorf("%d: %+v", c, d)
		}
		if strings.Count(d.description, "{") != strings.Count(d.description, "}") {
			t.Errorf("%d: unbalanced template %q", c, d.description)
		}
	}
}
