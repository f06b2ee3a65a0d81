package server

import (
	"encoding/base64"
	"encoding/json"
	"fmt"
	"strings"
	"testing"

	"github.com/nats-io/jwt/v2"
	"github.com/nats-io/nkeys"
)

// TestOperatorWebsocket: JWT users over WebSocket (connection type
// WEBSOCKET), and a bearer JWT in the jwt_cookie.
func TestOperatorWebsocket(t *testing.T) {
	e := newOpEnv(t)
	a := e.account("A", nil)
	s := e.start("", "websocket { host: 127.0.0.1, port: -1, no_tls: true, jwt_cookie: nats_jwt }\n")
	wsConnect(t, s, a.user(func(uc *jwt.UserClaims) { uc.AllowedConnectionTypes.Add(jwt.ConnectionTypeWebsocket) })).Close()
	// A user allowed STANDARD connections only, over raw WebSocket frames
	// (so the -ERR is read before the close, whatever the timing).
	skp, _ := nkeys.CreateUser()
	spub, _ := skp.PublicKey()
	suc := jwt.NewUserClaims(spub)
	suc.AllowedConnectionTypes.Add(jwt.ConnectionTypeStandard)
	stoken, err := suc.Encode(a.kp)
	opMust(t, err)
	rs := wsDialRaw(t, s)
	info := rs.line()
	var ij struct {
		Nonce string `json:"nonce"`
	}
	opMust(t, json.Unmarshal([]byte(strings.TrimPrefix(strings.TrimSpace(info), "INFO ")), &ij))
	sig, _ := skp.Sign([]byte(ij.Nonce))
	rs.send(fmt.Sprintf("CONNECT {\"verbose\":false,\"jwt\":%q,\"sig\":%q}\r\nPING\r\n", stoken, base64.RawURLEncoding.EncodeToString(sig)))
	if l := rs.line(); l != "-ERR 'Authorization Violation'\r\n" {
		t.Fatalf("standard-only user over websocket: %q", l)
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
