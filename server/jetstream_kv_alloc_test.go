package server

import (
	"bufio"
	"fmt"
	"io"
	"runtime"
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
