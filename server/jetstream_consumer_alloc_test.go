package server

import (
	"fmt"
	"io"
	"runtime"
	"strings"
	"testing"

	"github.com/nats-io/nats.go/jetstream"
)

// TestConsumerDeliveryAllocations: delivering a stored message to a pull
// request and taking its ack allocates (close to) nothing per message in
// steady state, on file and memory streams.
func TestConsumerDeliveryAllocations(t *testing.T) {
	if raceEnabled {
		t.Skip("the race detector allocates; run without -race")
	}
	s := jsStart(t, "", nil)
	_, js := jsConnect(t, s)
	ctx := jsCtx(t)
	const batch, rounds = 1000, 10
	for _, storage := range []jetstream.StorageType{jetstream.FileStorage, jetstream.MemoryStorage} {
		name := "CA" + storage.String()
		st, err := js.CreateStream(ctx, jetstream.StreamConfig{Name: name, Subjects: []string{name}, Storage: storage})
		if err != nil {
			t.Fatal(err)
		}
		msg := make([]byte, 128)
		for i := 0; i < batch*(rounds+2); i++ {
			js.PublishAsync(name, msg)
		}
		<-js.PublishAsyncComplete()
		if _, err := st.CreateConsumer(ctx, jetstream.ConsumerConfig{Durable: "C", AckPolicy: jetstream.AckExplicitPolicy, MaxAckPending: 2 * batch}); err != nil {
			t.Fatal(err)
		}
		conn, br := rawConn(t, s, `{"verbose":false}`)
		io.WriteString(conn, "SUB in 1\r\nPING\r\n")
		if l, _ := br.ReadString('\n'); l != "PONG\r\n" {
			t.Fatalf("sub: %q", l)
		}
		pull := []byte(fmt.Sprintf("PUB $JS.API.CONSUMER.MSG.NEXT.%s.C in 14\r\n{\"batch\":%d}\r\n", name, batch))
		acks := make([]byte, 0, batch*80)
		pump := func(n int) {
			for r := 0; r < n; r++ {
				conn.Write(pull)
				acks = acks[:0]
				for i := 0; i < batch; i++ {
					line, err := br.ReadSlice('\n')
					if err != nil {
						t.Fatal(err)
					}
					// MSG <subject> <sid> <reply> <size>
					f := strings.Fields(string(line)) // one allocation for the copy, one for the slice
					if len(f) != 5 || f[0] != "MSG" {
						t.Fatalf("line %q", line)
					}
					acks = append(acks, "PUB "...)
					acks = append(acks, f[3]...)
					acks = append(acks, " 0\r\n\r\n"...)
					if _, err := br.Discard(128 + 2); err != nil {
						t.Fatal(err)
					}
				}
				conn.Write(acks)
			}
		}
		pump(1)
		var before, after runtime.MemStats
		runtime.ReadMemStats(&before)
		pump(rounds)
		runtime.ReadMemStats(&after)
		total := batch * rounds
		if allocs := after.Mallocs - before.Mallocs - uint64(2*total); allocs > uint64(total/10) {
			t.Fatalf("%s: %d allocations beyond the test's for %d messages", storage, allocs, total)
		}
	}
}
