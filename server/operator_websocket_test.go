package server

import (
	"strings"
	"testing"

	"github.com/nats-io/jwt/v2"
	"github.com/nats-io/nats.go"
	"github.com/nats-io/nkeys"
)

// TestOperatorWebsocket: JWT users over WebSocket (connection type
// WEBSOCKET), and a bearer JWT in the jwt_cookie.
func TestOperatorWebsocket(t *testing.T) {
	e := newOpEnv(t)
	a := e.account("A", nil)
	s := e.start("", "websocket { host: 127.0.0.1, port: -1, no_tls: true, jwt_cookie: nats_jwt }\n")
	wsConnect(t, s, a.user(func(uc *jwt.UserClaims) { uc.AllowedConnectionTypes.Add(jwt.ConnectionTypeWebsocket) })).Close()
	if _, err := nats.Connect(s.WebsocketURL(), nats.NoReconnect(),
		a.user(func(uc *jwt.UserClaims) { uc.AllowedConnectionTypes.Add(jwt.ConnectionTypeStandard) })); err == nil ||
		!strings.Contains(err.Error(), "Authorization Violation") {
		t.Fatalf("standard-only user over websocket: %v", err)
	}

	ukp, _ := nkeys.CreateUser()
	upub, _ := ukp.PublicKey()
	uc := jwt.NewUserClaims(upub)
	uc.BearerToken = true
	token, err := uc.Encode(a.kp)
	opMust(t, err)
	wsDialRaw(t, s, "Cookie: nats_jwt="+token).login(`{"verbose":false}`)
	r := wsDialRaw(t, s, "Cookie: nats_jwt=garbage")
	r.line()
	r.send("CONNECT {\"verbose\":false}\r\nPING\r\n")
	if l := r.line(); l != "-ERR 'Authorization Violation'\r\n" {
		t.Fatalf("bad cookie: %q", l)
	}
}
