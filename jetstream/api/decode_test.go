package api

import "testing"

// The descriptions were recorded from nats-server v2.15.2's answers to
// STREAM.CREATE requests with these bodies.
func TestDecodeErrors(t *testing.T) {
	cases := []struct{ body, want string }{
		{`xx`, "invalid JSON: invalid character 'x' looking for beginning of value at offset 1"},
		{`{"name":"WT","max_msgs":"x"}`, "invalid JSON: json: cannot unmarshal string into Go struct field StreamConfigRequest.StreamConfig.max_msgs of type int64"},
		{`{"name":"X"`, "invalid JSON: unexpected EOF"},
		{`{"name":1}`, "invalid JSON: json: cannot unmarshal number into Go struct field StreamConfigRequest.StreamConfig.name of type string"},
		{`{"name":"TR","subjects":["tr"]} x`, "invalid JSON: invalid character 'x' looking for beginning of value at offset 33"},
		{`[]`, "invalid JSON: json: cannot unmarshal array into Go value of type server.StreamConfigRequest"},
		{`{"name":"X",}`, "invalid JSON: invalid character '}' looking for beginning of object key string at offset 13"},
		{`{"name":"x","template_owner":"x"}`, `invalid JSON: json: unknown field "template_owner"`},
		{`{"name":"BST","subjects":["bst"],"storage":"bogus"}`, `invalid JSON: can not unmarshal "\"bogus\""`},
		{`{"name":"BR","subjects":["br"],"retention":"bogus"}`, `invalid JSON: can not unmarshal "\"bogus\""`},
		{`{"name":"BD","subjects":["bd"],"discard":"bogus"}`, `invalid JSON: can not unmarshal "\"bogus\""`},
		{`{"name":"BC","subjects":["bc"],"compression":"bogus"}`, "invalid JSON: unknown compression algorithm"},
	}
	for _, c := range cases {
		var req StreamConfigRequest
		err := Decode([]byte(c.body), &req)
		if err == nil {
			t.Errorf("%s: no error", c.body)
			continue
		}
		if err.Code != 400 || err.ErrCode != JSInvalidJSONErr || err.Description != c.want {
			t.Errorf("%s:\n got %d %d %q\nwant 400 10025 %q", c.body, err.Code, err.ErrCode, err.Description, c.want)
		}
	}
	for _, ok := range []string{``, `  `, `null`, `{"name":"A"}`, "{\"name\":\"A\"}\n"} {
		var req StreamConfigRequest
		if err := Decode([]byte(ok), &req); err != nil {
			t.Errorf("%q: %v", ok, err)
		}
	}
}
