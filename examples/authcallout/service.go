package main

import (
	"bufio"
	"fmt"
	"io"
	"strings"

	"github.com/nats-io/jwt/v2"
	"github.com/nats-io/nats.go"
	"github.com/nats-io/nkeys"
	"golang.org/x/crypto/bcrypt"
)

// entry is one user of the htpasswd file.
type entry struct {
	hash    []byte
	account string
}

// service answers authorization requests from the users of an htpasswd
// file: a user whose password matches its bcrypt hash gets a user JWT
// placing it in its account (the optional third field of its line, else
// the default account), anyone else an error.
type service struct {
	issuer  nkeys.KeyPair // signs responses and user JWTs (the auth_callout issuer)
	xkp     nkeys.KeyPair // opens requests and seals responses (nil: no encryption)
	users   map[string]entry
	account string // default account
}

// parseHtpasswd reads "user:bcrypt-hash[:account]" lines; blank lines and
// lines starting with # are skipped.
func parseHtpasswd(r io.Reader) (map[string]entry, error) {
	users := make(map[string]entry)
	sc := bufio.NewScanner(r)
	for n := 1; sc.Scan(); n++ {
		line := strings.TrimSpace(sc.Text())
		if line == "" || strings.HasPrefix(line, "#") {
			continue
		}
		parts := strings.Split(line, ":")
		if len(parts) < 2 || parts[0] == "" || !strings.HasPrefix(parts[1], "$2") {
			return nil, fmt.Errorf("line %d: want user:bcrypt-hash[:account]", n)
		}
		e := entry{hash: []byte(parts[1])}
		if len(parts) > 2 {
			e.account = parts[2]
		}
		users[parts[0]] = e
	}
	return users, sc.Err()
}

// handle answers one request.
func (sv *service) handle(m *nats.Msg) {
	data := m.Data
	serverXkey := m.Header.Get("Nats-Server-Xkey")
	if sv.xkp != nil {
		if serverXkey == "" {
			return // an unsealed request when we expect sealed ones: ignore
		}
		opened, err := sv.xkp.Open(data, serverXkey)
		if err != nil {
			return
		}
		data = opened
	}
	req, err := jwt.DecodeAuthorizationRequestClaims(string(data))
	if err != nil {
		return
	}
	resp := jwt.NewAuthorizationResponseClaims(req.UserNkey)
	resp.Audience = req.Server.ID
	if u, ok := sv.check(req.ConnectOptions.Username, req.ConnectOptions.Password); ok {
		uc := jwt.NewUserClaims(req.UserNkey)
		uc.Name = req.ConnectOptions.Username
		uc.Audience = u
		resp.Jwt, err = uc.Encode(sv.issuer)
		if err != nil {
			resp.Jwt, resp.Error = "", "cannot sign the user JWT"
		}
	} else {
		resp.Error = "invalid user or password"
	}
	token, err := resp.Encode(sv.issuer)
	if err != nil {
		return
	}
	out := []byte(token)
	if sv.xkp != nil {
		if out, err = sv.xkp.Seal(out, serverXkey); err != nil {
			return
		}
	}
	m.Respond(out)
}

// check verifies a user's password and returns its account.
func (sv *service) check(user, pass string) (string, bool) {
	e, ok := sv.users[user]
	if !ok || bcrypt.CompareHashAndPassword(e.hash, []byte(pass)) != nil {
		return "", false
	}
	if e.account != "" {
		return e.account, true
	}
	return sv.account, true
}

// serve subscribes the service on nc.
func (sv *service) serve(nc *nats.Conn) (*nats.Subscription, error) {
	return nc.Subscribe("$SYS.REQ.USER.AUTH", sv.handle)
}
