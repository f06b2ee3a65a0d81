package server

import (
	"context"
	"fmt"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/nats-io/jwt/v2"
	"github.com/nats-io/nats.go/jetstream"
)

// TestOperatorJetStream: an account JWT's JetStream limits turn JetStream
// on for the account, at start and when the account is pushed later;
// an account without them gets "JetStream not enabled for account".
func TestOperatorJetStream(t *testing.T) {
	e := newOpEnv(t)
	jsOn := func(ac *jwt.AccountClaims) {
		ac.Limits.JetStreamLimits = jwt.JetStreamLimits{MemoryStorage: -1, DiskStorage: -1, Streams: -1, Consumer: -1}
	}
	a := e.account("A", jsOn)
	off := e.account("OFF", nil)
	dir := t.TempDir()
	s := e.start(fmt.Sprintf("{ type: full, dir: %q }", filepath.Join(dir, "jwt")),
		fmt.Sprintf("jetstream: { store_dir: %q }\n", dir))
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	stream := func(acc *opAcc) error {
		nc := clConnect(t, s, acc.user(nil))
		js, err := jetstream.New(nc)
		opMust(t, err)
		_, err = js.CreateStream(ctx, jetstream.StreamConfig{Name: "S", Subjects: []string{"s.>"}})
		return err
	}
	opMust(t, stream(a))
	if err := stream(off); err == nil || !strings.Contains(err.Error(), "not enabled") {
		t.Fatalf("account without JetStream: %v", err)
	}
	b := e.account("B", jsOn)
	sys := clConnect(t, s, e.sys.user(nil))
	if r := claimsRequest(t, sys, "$SYS.REQ.CLAIMS.UPDATE", b.jwt); r.Error != nil {
		t.Fatal(r.Error)
	}
	opMust(t, stream(b))
}

// TestOperatorJetStreamTieredR1: an account JWT with only tiered limits
// gets its R1 tier as its JetStream limits (natsd's streams have one
// replica), and the tier's stream count is enforced with nats-server's
// error.
func TestOperatorJetStreamTieredR1(t *testing.T) {
	e := newOpEnv(t)
	a := e.account("A", func(ac *jwt.AccountClaims) {
		ac.Limits.JetStreamTieredLimits = jwt.JetStreamTieredLimits{
			"R1": {MemoryStorage: -1, DiskStorage: -1, Streams: 1, Consumer: -1}}
	})
	dir := t.TempDir()
	s := e.start("", fmt.Sprintf("jetstream: { store_dir: %q }\n", dir))
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	js, err := jetstream.New(clConnect(t, s, a.user(nil)))
	opMust(t, err)
	_, err = js.CreateStream(ctx, jetstream.StreamConfig{Name: "S1", Subjects: []string{"s1"}})
	opMust(t, err)
	_, err = js.CreateStream(ctx, jetstream.StreamConfig{Name: "S2", Subjects: []string{"s2"}})
	if err == nil || !strings.Contains(err.Error(), "maximum number of streams reached") {
		t.Fatalf("second stream over the R1 tier: %v", err)
	}
}
