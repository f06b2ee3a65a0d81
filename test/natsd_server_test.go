//go:build !refserver

package test

import (
	"testing"

	"github.com/natsd/natsd/server"
)

// referenceOnlyInfoKeys are the INFO fields nats-server sends last (the
// JetStream API level and the server's curve key); natsd sends them too,
// in the same place.
var referenceOnlyInfoKeys = []string{"api_lvl", "xkey"}

// startServer starts an in-process natsd server.
func startServer(t testing.TB, o *srvOpts) testServer {
	t.Helper()
	opts := &server.Options{
		Host:             "127.0.0.1",
		Port:             -1,
		NoLog:            true,
		MaxPayload:       o.MaxPayload,
		MaxControlLine:   o.MaxControlLine,
		MaxConnections:   o.MaxConnections,
		MaxSubscriptions: o.MaxSubscriptions,
		MaxPending:       o.MaxPending,
		WriteDeadline:    o.WriteDeadline,
		PingInterval:     o.PingInterval,
		MaxPingsOut:      o.MaxPingsOut,
		AuthTimeout:      o.AuthTimeout,
		Username:         o.Username,
		Password:         o.Password,
		Authorization:    o.Authorization,
	}
	s, err := server.New(opts)
	if err != nil {
		t.Fatalf("server.New: %v", err)
	}
	if err := s.Start(); err != nil {
		t.Fatalf("server.Start: %v", err)
	}
	return s
}
