package main

import (
	"context"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/nats-io/nats.go"
	"github.com/nats-io/nats.go/jetstream"
)

// TestJetStreamKill9LosesNothingAcked: every message acknowledged before
// a SIGKILL is there after the restart (the ack goes out only after the
// store wrote the record), and the startup logs the JetStream banner.
func TestJetStreamKill9LosesNothingAcked(t *testing.T) {
	if testing.Short() {
		t.Skip("builds the binary")
	}
	bin := buildBinary(t)
	dir := t.TempDir()
	args := []string{"-a", "127.0.0.1", "-p", "-1", "-js", "-sd", dir}
	cmd, url, lines := startProcess(t, bin, args...)
	nc, err := nats.Connect(url, nats.NoReconnect(), nats.Timeout(10*time.Second))
	if err != nil {
		t.Fatal(err)
	}
	js, _ := jetstream.New(nc)
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	if _, err := js.CreateStream(ctx, jetstream.StreamConfig{Name: "K", Subjects: []string{"k.>"}}); err != nil {
		t.Fatal(err)
	}
	// Synchronous publishes, then a burst of asynchronous ones; the kill
	// comes right after the last ack arrives.
	var acked uint64
	for i := 0; i < 200; i++ {
		ack, err := js.Publish(ctx, "k.sync", []byte("payload"))
		if err != nil {
			t.Fatal(err)
		}
		acked = ack.Sequence
	}
	futs := make([]jetstream.PubAckFuture, 0, 2000)
	for i := 0; i < 2000; i++ {
		f, err := js.PublishAsync("k.async", []byte("payload"))
		if err != nil {
			t.Fatal(err)
		}
		futs = append(futs, f)
	}
	for _, f := range futs {
		select {
		case a := <-f.Ok():
			if a.Sequence > acked {
				acked = a.Sequence
			}
		case err := <-f.Err():
			t.Fatal(err)
		case <-ctx.Done():
			t.Fatal("acks did not arrive")
		}
	}
	cmd.Process.Signal(syscall.SIGKILL)
	waitExit(t, cmd)
	nc.Close()
	var banner bool
	for l := range lines {
		if strings.Contains(l, `Store Directory: "`+dir+`/jetstream"`) {
			banner = true
		}
	}
	if !banner {
		t.Error("no Store Directory line in the startup log")
	}

	_, url, _ = startProcess(t, bin, args...)
	nc2, err := nats.Connect(url, nats.Timeout(10*time.Second))
	if err != nil {
		t.Fatal(err)
	}
	defer nc2.Close()
	js2, _ := jetstream.New(nc2)
	st, err := js2.Stream(ctx, "K")
	if err != nil {
		t.Fatal(err)
	}
	state := st.CachedInfo().State
	if state.LastSeq < acked || state.Msgs < acked {
		t.Fatalf("after kill -9: %d messages, last %d; %d were acknowledged", state.Msgs, state.LastSeq, acked)
	}
	m, err := st.GetMsg(ctx, acked)
	if err != nil || string(m.Data) != "payload" {
		t.Fatalf("last acked message: %v %v", m, err)
	}
}
