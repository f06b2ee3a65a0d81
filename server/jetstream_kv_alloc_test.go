package server

import (
	"bufio"
	"fmt"
	"io"
	"runtime"
	"strings"
	"testing"

	"github.com/nats-io/nats.go/jetstream"
)

// kvOps sends n requests (each with reply "in") in one write and reads
// their n replies (HMSG or MSG, with payload), allocating nothing itself.
func kvOps(t *testing.T, conn io.Writer, br *bufio.Reader, n int, b []byte) {
	t.Helper()
	if _, err := conn.Write(b); err != nil {
		t.Fatal(err)
	}
	for i := 0; i < n; i++ {
		line, err := br.ReadSlice('\n')
		if err != nil {
			t.Fatal(err)
		}
		// The total size is the last field of MSG and HMSG alike.
		j := len(line) - 3
		for j > 0 && line[j-1] != ' ' {
			j--
		}
		size := 0
		for _, d := range line[j : len(line)-2] {
			if d < '0' || d > '9' {
				t.Fatalf("reply %q", line)
			}
			size = size*10 + int(d-'0')
		}
		if _, err := br.Discard(size + 2); err != nil {
			t.Fatal(err)
		}
	}
}

// TestKVAllocations: a KV put (a publish into the bucket's file stream,
// acked) and a KV get (a direct get of a subject's last message, served
// inline) allocate next to nothing per operation in the server once warm.
func TestKVAllocations(t *testing.T) {
	if raceEnabled {
		t.Skip("the race detector allocates; run without -race")
	}
	s := jsStart(t, "", nil)
	_, js := jsConnect(t, s)
	if _, err := js.CreateKeyValue(jsCtx(t), jetstream.KeyValueConfig{Bucket: "A", Storage: jetstream.FileStorage}); err != nil {
		t.Fatal(err)
	}
	conn, br := rawConn(t, s, `{"verbose":false,"headers":true}`)
	io.WriteString(conn, "SUB in 1\r\nPING\r\n")
	if l, _ := br.ReadString('\n'); l != "PONG\r\n" {
		t.Fatalf("sub: %q", l)
	}
	const keys, batch, rounds = 500, 500, 10
	val := string(make([]byte, 128))
	put := func(i int) string {
		return fmt.Sprintf("PUB $KV.A.k%d in %d\r\n%s\r\n", i%keys, len(val), val)
	}
	get := func(i int) string { return fmt.Sprintf("PUB $JS.API.DIRECT.GET.KV_A.$KV.A.k%d in 0\r\n\r\n", i*7%keys) }
	for _, op := range []struct {
		name string
		req  func(int) string
		max  float64
	}{{"put", put, 0.1}, {"get", get, 0.1}} {
		var reqs []byte
		for i := 0; i < batch; i++ {
			reqs = append(reqs, op.req(i)...)
		}
		kvOps(t, conn, br, batch, reqs) // warm up
		var before, after runtime.MemStats
		runtime.ReadMemStats(&before)
		for r := 0; r < rounds; r++ {
			kvOps(t, conn, br, batch, reqs)
		}
		runtime.ReadMemStats(&after)
		perOp := float64(after.Mallocs-before.Mallocs) / float64(batch*rounds)
		t.Logf("%s: %.2f allocations per operation", op.name, perOp)
		if perOp > op.max {
			t.Errorf("%s: %.2f allocations per operation, want at most %.2f", op.name, perOp, op.max)
		}
	}
}

// TestDirectGetLastBySubject: the inline direct get of a subject's last
// message answers a missing subject with a 404, checks a body as
// nats-server does (JSON selecting nothing more, else a 408), and answers
// nothing for a stream without allow_direct.
func TestDirectGetLastBySubject(t *testing.T) {
	s := jsStart(t, "", nil)
	_, js := jsConnect(t, s)
	ctx := jsCtx(t)
	for _, cfg := range []jetstream.StreamConfig{
		{Name: "D", Subjects: []string{"d.>"}, AllowDirect: true},
		{Name: "N", Subjects: []string{"n.>"}},
	} {
		if _, err := js.CreateStream(ctx, cfg); err != nil {
			t.Fatal(err)
		}
	}
	for _, subj := range []string{"d.a", "d.b", "d.a", "n.a"} {
		if _, err := js.Publish(ctx, subj, []byte("v-"+subj)); err != nil {
			t.Fatal(err)
		}
	}
	conn, br := rawConn(t, s, `{"verbose":false,"headers":true}`)
	io.WriteString(conn, "SUB in 1\r\nPING\r\n")
	if l, _ := br.ReadString('\n'); l != "PONG\r\n" {
		t.Fatalf("sub: %q", l)
	}
	for _, tc := range []struct {
		req, want string // want: the reply's status line or headers
	}{
		{"PUB $JS.API.DIRECT.GET.D.d.a in 0\r\n\r\n", "NATS/1.0\r\nNats-Stream: D\r\nNats-Subject: d.a\r\nNats-Sequence: 3\r\n"},
		{"PUB $JS.API.DIRECT.GET.D.d.b in 0\r\n\r\n", "NATS/1.0\r\nNats-Stream: D\r\nNats-Subject: d.b\r\nNats-Sequence: 2\r\n"},
		{"PUB $JS.API.DIRECT.GET.D.d.zz in 0\r\n\r\n", "NATS/1.0 404 Message Not Found\r\n\r\n"},
		// A body is a JSON request that may ask for nothing more (what
		// nats-server 2.15.2 answers).
		{"PUB $JS.API.DIRECT.GET.D.d.a in 2\r\n{}\r\n", "NATS/1.0\r\nNats-Stream: D\r\nNats-Subject: d.a\r\nNats-Sequence: 3\r\n"},
		{"PUB $JS.API.DIRECT.GET.D.d.a in 4\r\nnull\r\n", "NATS/1.0\r\nNats-Stream: D\r\nNats-Subject: d.a\r\nNats-Sequence: 3\r\n"},
		{"PUB $JS.API.DIRECT.GET.D.d.a in 9\r\n{\"foo\":1}\r\n", "NATS/1.0\r\nNats-Stream: D\r\nNats-Subject: d.a\r\nNats-Sequence: 3\r\n"},
		{"PUB $JS.API.DIRECT.GET.D.d.a in 15\r\n{\"max_bytes\":5}\r\n", "NATS/1.0\r\nNats-Stream: D\r\nNats-Subject: d.a\r\nNats-Sequence: 3\r\n"},
		{"PUB $JS.API.DIRECT.GET.D.d.a in 9\r\n{\"seq\":1}\r\n", "NATS/1.0 408 Bad Request\r\n\r\n"},
		{"PUB $JS.API.DIRECT.GET.D.d.a in 11\r\n{\"batch\":2}\r\n", "NATS/1.0 408 Bad Request\r\n\r\n"},
		{"PUB $JS.API.DIRECT.GET.D.d.a in 15\r\n{\"up_to_seq\":5}\r\n", "NATS/1.0 408 Bad Request\r\n\r\n"},
		{"PUB $JS.API.DIRECT.GET.D.d.a in 22\r\n{\"next_by_subj\":\"d.b\"}\r\n", "NATS/1.0 408 Bad Request\r\n\r\n"},
		{"PUB $JS.API.DIRECT.GET.D.d.a in 1\r\nx\r\n", "NATS/1.0 408 Malformed Request\r\n\r\n"},
		{"PUB $JS.API.DIRECT.GET.D.d.a in 1\r\n \r\n", "NATS/1.0 408 Malformed Request\r\n\r\n"},
		{"PUB $JS.API.DIRECT.GET.D.d.a in 5\r\n{} {}\r\n", "NATS/1.0 408 Malformed Request\r\n\r\n"},
		{"PUB $JS.API.DIRECT.GET.D.d.a in 11\r\n{\"seq\":\"x\"}\r\n", "NATS/1.0 408 Malformed Request\r\n\r\n"},
		{"PUB $JS.API.DIRECT.GET.N.n.a in 0\r\n\r\nPING\r\n", "PONG"}, // no answer
	} {
		io.WriteString(conn, tc.req)
		line, err := br.ReadString('\n')
		if err != nil {
			t.Fatal(err)
		}
		if tc.want == "PONG" {
			if line != "PONG\r\n" {
				t.Fatalf("%q: got %q, want no answer", tc.req, line)
			}
			continue
		}
		var hlen, total int
		if _, err := fmt.Sscanf(line, "HMSG in 1 %d %d\r\n", &hlen, &total); err != nil {
			t.Fatalf("%q: reply %q", tc.req, line)
		}
		body := make([]byte, total+2)
		if _, err := io.ReadFull(br, body); err != nil {
			t.Fatal(err)
		}
		hdr := string(body[:hlen])
		if !strings.HasPrefix(hdr, tc.want) {
			t.Fatalf("%q: headers %q, want them to start with %q", tc.req, hdr, tc.want)
		}
		if strings.Contains(tc.want, "Nats-Sequence") {
			subj := strings.TrimSpace(strings.SplitN(strings.SplitN(hdr, "Nats-Subject: ", 2)[1], "\r\n", 2)[0])
			if msg := string(body[hlen:total]); msg != "v-"+subj || !strings.Contains(hdr, "Nats-Time-Stamp: ") {
				t.Fatalf("%q: message %q, headers %q", tc.req, msg, hdr)
			}
		}
	}
}
