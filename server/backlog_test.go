package server

import (
	"reflect"
	"testing"
)

func TestTopBacklog(t *testing.T) {
	out := []byte("MSG a.b 1 5\r\nhello\r\n" +
		"PING\r\n" +
		"MSG big 2 reply 10\r\n0123456789\r\n" +
		"HMSG a.b 1 12 14\r\nNATS/1.0\r\n\r\nhi\r\n" +
		"-ERR 'x'\r\n" +
		"MSG big 2 10\r\n01234") // cut off mid-payload
	got := topBacklog(out, 2)
	want := []subjectBacklog{
		{Subject: "a.b", Bytes: len("MSG a.b 1 5\r\nhello\r\n") + len("HMSG a.b 1 12 14\r\nNATS/1.0\r\n\r\nhi\r\n"), Msgs: 2},
		{Subject: "big", Bytes: len("MSG big 2 reply 10\r\n0123456789\r\n") + len("MSG big 2 10\r\n01234"), Msgs: 2},
	}
	if !reflect.DeepEqual(got, want) {
		t.Fatalf("got %+v\nwant %+v", got, want)
	}
	if s := formatBacklog(got[1:]); s != `"big" 51 bytes in 2 msgs` {
		t.Errorf("formatBacklog = %q", s)
	}
	if len(topBacklog(nil, 3)) != 0 || len(topBacklog([]byte("garbage"), 3)) != 0 {
		t.Error("empty input gave a backlog")
	}
}
