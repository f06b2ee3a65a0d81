// Command authcallout is a tiny auth callout service for natsd (and
// nats-server): it authenticates users from an htpasswd file of bcrypt
// hashes and places each in an account.
//
//	htpasswd -B -c users.htpasswd alice     # or: user:$2y$...[:ACCOUNT] lines
//	nsc generate nkey --account > issuer.nk  # the auth_callout issuer (any account nkey seed)
//	authcallout -s nats://127.0.0.1:4222 -user auth -password pwd \
//	    -issuer issuer.nk -htpasswd users.htpasswd [-xkey xkey.nk] [-account APP]
//
// The server's authorization block names the issuer's public key and the
// service's user:
//
//	authorization {
//	  users: [ { user: auth, password: pwd } ]
//	  auth_callout { issuer: A..., auth_users: [ auth ] }
//	}
package main

import (
	"flag"
	"log"
	"os"
	"os/signal"
	"strings"

	"github.com/nats-io/nats.go"
	"github.com/nats-io/nkeys"
)

func main() {
	url := flag.String("s", nats.DefaultURL, "server URL")
	user := flag.String("user", "auth", "the service's user (one of auth_users)")
	pass := flag.String("password", "", "the service's password")
	issuerFile := flag.String("issuer", "", "file holding the issuer's account nkey seed (SA...)")
	xkeyFile := flag.String("xkey", "", "file holding the service's xkey seed (SX...), when auth_callout has an xkey")
	htpasswd := flag.String("htpasswd", "", "htpasswd file of bcrypt hashes")
	account := flag.String("account", "$G", "account of users whose line names none")
	flag.Parse()

	sv := &service{account: *account}
	sv.issuer = mustKey(*issuerFile)
	if *xkeyFile != "" {
		sv.xkp = mustKey(*xkeyFile)
	}
	f, err := os.Open(*htpasswd)
	if err != nil {
		log.Fatal(err)
	}
	sv.users, err = parseHtpasswd(f)
	f.Close()
	if err != nil {
		log.Fatalf("%s: %v", *htpasswd, err)
	}
	nc, err := nats.Connect(*url, nats.UserInfo(*user, *pass), nats.MaxReconnects(-1))
	if err != nil {
		log.Fatal(err)
	}
	if _, err := sv.serve(nc); err != nil {
		log.Fatal(err)
	}
	log.Printf("serving %d users on %s", len(sv.users), nc.ConnectedUrl())
	ch := make(chan os.Signal, 1)
	signal.Notify(ch, os.Interrupt)
	<-ch
	nc.Drain()
}

func mustKey(path string) nkeys.KeyPair {
	b, err := os.ReadFile(path)
	if err != nil {
		log.Fatal(err)
	}
	kp, err := nkeys.FromSeed([]byte(strings.TrimSpace(string(b))))
	if err != nil {
		log.Fatalf("%s: %v", path, err)
	}
	return kp
}
