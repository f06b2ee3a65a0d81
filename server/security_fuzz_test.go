package server

import (
	"bufio"
	"encoding/json"
	"net"
	"strings"
	"testing"
	"time"

	"github.com/nats-io/nkeys"

	"github.com/natsd/natsd/auth"
)

// FuzzConnectJSON sends arbitrary CONNECT arguments to a server with
// users, nkeys and permissions configured. Whatever the input, the server
// answers (PONG, +OK or -ERR) or closes the connection, never lets an
// unauthenticated client subscribe, and stays up for the next client.
func FuzzConnectJSON(f *testing.F) {
	kp, _ := nkeys.CreateUser()
	pub, _ := kp.PublicKey()
	for _, seed := range []string{
		`{"verbose":false,"user":"a","pass":"a"}`,
		`{"user":"a","pass":"b"}`,
		`{"nkey":"` + pub + `","sig":"AAAA"}`,
		`{"nkey":"` + pub + `"}`,
		`{"auth_token":"x","user":"a"}`,
		`{"user":["a"],"pass":{"x":1}}`,
		`{"protocol":1e309,"verbose":"yes"}`,
		`{"echo":null,"headers":true,"no_responders":true}`,
		`{"user":"a\u0000","pass":"a"}`,
		`{"user":"a","pass":"a"`,
		`{}`, `[]`, `null`, `"x"`, ``, `{"a":` + strings.Repeat("[", 500) + `}`,
		`{"sig":"` + strings.Repeat("A", 2000) + `"}`,
	} {
		f.Add(seed)
	}
	s, err := New(&Options{
		Host: "127.0.0.1", Port: RandomPort, NoLog: true, AuthTimeout: time.Second,
		Users: []*auth.User{
			{Username: "a", Password: "a", Permissions: &auth.Permissions{Subscribe: &auth.SubjectPermission{Allow: []string{"ok.>"}}}},
			{Nkey: pub},
		},
	})
	if err != nil {
		f.Fatal(err)
	}
	if err := s.Start(); err != nil {
		f.Fatal(err)
	}
	f.Cleanup(s.Shutdown)
	f.Fuzz(func(t *testing.T, arg string) {
		if strings.ContainsAny(arg, "\r\n") {
			return // a line break ends the CONNECT line: a different test
		}
		conn, err := net.DialTimeout("tcp", s.Addr().String(), secWait)
		if err != nil {
			t.Fatal(err)
		}
		defer conn.Close()
		conn.SetDeadline(time.Now().Add(secWait))
		br := bufio.NewReader(conn)
		if l, err := br.ReadString('\n'); err != nil || !strings.HasPrefix(l, "INFO ") {
			t.Fatalf("INFO: %q %v", l, err)
		}
		conn.Write([]byte("CONNECT " + arg + "\r\nSUB secret 1\r\nPING\r\n"))
		authenticated := false
		for {
			l, err := br.ReadString('\n')
			if err != nil {
				break // closed by the server
			}
			l = strings.TrimSuffix(l, "\r\n")
			switch {
			case l == "PONG":
				authenticated = true
			case l == "+OK", strings.HasPrefix(l, "INFO "), strings.HasPrefix(l, "-ERR '"):
			default:
				t.Fatalf("unexpected reply %q to CONNECT %q", l, arg)
			}
			if authenticated {
				break
			}
		}
		if s.NumSubscriptions() != 0 {
			t.Fatalf("CONNECT %q: a subscription to a denied subject exists", arg)
		}
		var creds struct{ User, Pass any }
		json.Unmarshal([]byte(arg), &creds)
		if authenticated && (creds.User != "a" || creds.Pass != "a") {
			t.Fatalf("CONNECT %q authenticated", arg)
		}
	})
}
