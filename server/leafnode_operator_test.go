package server

import (
	"bufio"
	"encoding/base64"
	"encoding/json"
	"fmt"
	"net"
	"net/url"
	"os"
	"strings"
	"testing"
	"time"

	"github.com/nats-io/jwt/v2"
	"github.com/nats-io/nats.go"
	"github.com/nats-io/nkeys"
)

// Leaf nodes in operator mode: a remote logs in with a .creds file, the
// leaf lands in the user's account, and the account JWT's `leaf` limit
// caps the leaf connections. Each check runs against a natsd hub and,
// with NATS_REF_SERVER, against a nats-server hub, with the same answers.

// rawLeafLogin runs the leaf handshake by hand on addr with the user of
// the .creds file and returns the hub's first answer after CONNECT+PING
// (PONG, or the -ERR line).
func rawLeafLogin(t *testing.T, addr, creds string) string {
	t.Helper()
	conn, err := net.DialTimeout("tcp", addr, 2*time.Second)
	opMust(t, err)
	defer conn.Close()
	conn.SetDeadline(time.Now().Add(5 * time.Second))
	br := bufio.NewReader(conn)
	line, err := br.ReadString('\n')
	opMust(t, err)
	var info struct {
		Nonce string `json:"nonce"`
	}
	if !strings.HasPrefix(line, "INFO ") || json.Unmarshal([]byte(line[5:]), &info) != nil {
		t.Fatalf("first line %q, want INFO", line)
	}
	b, err := os.ReadFile(creds)
	opMust(t, err)
	token, err := nkeys.ParseDecoratedJWT(b)
	opMust(t, err)
	kp, err := nkeys.ParseDecoratedNKey(b)
	opMust(t, err)
	sig, err := kp.Sign([]byte(info.Nonce))
	opMust(t, err)
	skp, _ := nkeys.CreateServer()
	sid, _ := skp.PublicKey()
	m, _ := json.Marshal(map[string]any{"server_id": sid, "name": "raw", "headers": true, "protocol": 1,
		"jwt": token, "sig": base64.RawURLEncoding.EncodeToString(sig)})
	fmt.Fprintf(conn, "CONNECT %s\r\nPING\r\n", m)
	for {
		line, err := br.ReadString('\n')
		if err != nil {
			return "closed: " + err.Error()
		}
		if strings.HasPrefix(line, "-ERR") || strings.HasPrefix(line, "PONG") {
			return strings.TrimSpace(line)
		}
	}
}

// opLeafEnv is an operator with account A (at most one leaf node), B
// (no limit) and Z (`leaf: 0`: none).
func opLeafEnv(t *testing.T) (e *opEnv, a, b *opAcc) {
	e = newOpEnv(t)
	a = e.account("A", func(ac *jwt.AccountClaims) { ac.Limits.LeafNodeConn = 1 })
	b = e.account("B", nil)
	e.account("Z", func(ac *jwt.AccountClaims) { ac.Limits.LeafNodeConn = 0 }) // no leaf nodes at all
	return e, a, b
}

// opLeafChecks: a leaf client reaches A's subscribers of the hub (and
// they reach it), B's stay isolated.
func opLeafChecks(t *testing.T, hubURL string, a, b *opAcc, leafURL string) {
	ca, err := nats.Connect(hubURL, a.user(nil))
	opMust(t, err)
	defer ca.Close()
	cb, err := nats.Connect(hubURL, b.user(nil))
	opMust(t, err)
	defer cb.Close()
	lc := refConnect(t, leafURL)
	sa, _ := ca.SubscribeSync("up")
	sb, _ := cb.SubscribeSync("up")
	ca.Flush()
	cb.Flush()
	waitDelivers(t, lc, "up", sa)
	lc.Publish("up", []byte("x"))
	lc.Flush()
	nextMsg(t, sa)
	noMsg(t, sb, 200*time.Millisecond)
	ls, _ := lc.SubscribeSync("down")
	lc.Flush()
	waitDelivers(t, ca, "down", ls)
	cb.Publish("down", []byte("b"))
	cb.Flush()
	noMsg(t, ls, 200*time.Millisecond)
}

// opLeafRefusals: a second leaf of A is over the account's limit, as is
// any leaf of Z; a user
// of an unknown account and a user allowed STANDARD connections only are
// refused; a user of B (no leaf limit) gets in.
func opLeafRefusals(t *testing.T, leafAddr string, a, b *opAcc) {
	if got, want := rawLeafLogin(t, leafAddr, a.creds(nil)), "-ERR 'maximum account active connections exceeded'"; got != want {
		t.Errorf("second leaf of A: %q, want %q", got, want)
	}
	stranger := newOpEnv(t).account("X", nil)
	if got, want := rawLeafLogin(t, leafAddr, stranger.creds(nil)), "-ERR 'Authorization Violation'"; got != want {
		t.Errorf("unknown account: %q, want %q", got, want)
	}
	onlyStd := b.creds(func(uc *jwt.UserClaims) { uc.AllowedConnectionTypes.Add(jwt.ConnectionTypeStandard) })
	if got, want := rawLeafLogin(t, leafAddr, onlyStd), "-ERR 'Authorization Violation'"; got != want {
		t.Errorf("STANDARD-only user as a leaf: %q, want %q", got, want)
	}
	z := a.e.accs[len(a.e.accs)-1] // Z, made last
	if z.ac.Name != "Z" {
		t.Fatalf("account %q, want Z", z.ac.Name)
	}
	if got, want := rawLeafLogin(t, leafAddr, z.creds(nil)), "-ERR 'maximum account active connections exceeded'"; got != want {
		t.Errorf("leaf of an account with leaf: 0: %q, want %q", got, want)
	}
	if got := rawLeafLogin(t, leafAddr, b.creds(nil)); got != "PONG" {
		t.Errorf("leaf of B: %q, want PONG", got)
	}
}

func opLeafRemote(t *testing.T, hubLeafURL, creds string) *Options {
	u, err := url.Parse(hubLeafURL)
	opMust(t, err)
	lo := leafOpts("leaf")
	lo.LeafNode.Remotes = []*RemoteLeafOpts{{URLs: []*url.URL{u}, Credentials: creds}}
	return lo
}

// TestLeafOperatorNatsdHub: a natsd leaf with credentials on a natsd hub
// in operator mode.
func TestLeafOperatorNatsdHub(t *testing.T) {
	e, a, b := opLeafEnv(t)
	hub := e.start("MEMORY", "leafnodes { listen: 127.0.0.1:-1 }\n")
	lf := clStart(t, opLeafRemote(t, leafURLOf(hub), a.creds(nil)))
	waitLeafs(t, hub, 1)
	if got := hub.leafConns()[0].acc.Load().name; got != a.pub {
		t.Fatalf("leaf bound to %q, want account A %q", got, a.pub)
	}
	opLeafChecks(t, hub.ClientURL(), a, b, lf.ClientURL())
	opLeafRefusals(t, hub.LeafAddr().String(), a, b)
	waitLeafs(t, hub, 1) // the refused ones and B's raw leaf are gone
}

// TestLeafOperatorInteropRefHub: a natsd leaf with credentials on a
// nats-server hub in operator mode, and the same refusals.
func TestLeafOperatorInteropRefHub(t *testing.T) {
	e, a, b := opLeafEnv(t)
	ref := startRef(t, "listen: 127.0.0.1:-1\nleafnodes { listen: 127.0.0.1:-1 }\n"+e.config("MEMORY"))
	lf := clStart(t, opLeafRemote(t, ref.leafURL, a.creds(nil)))
	waitLeafs(t, lf, 1)
	opLeafChecks(t, ref.clientURL, a, b, lf.ClientURL())
	opLeafRefusals(t, ref.listenAddr["leafnode"], a, b)
}

// TestLeafOperatorInteropRefLeaf: a nats-server leaf with credentials on
// a natsd hub in operator mode.
func TestLeafOperatorInteropRefLeaf(t *testing.T) {
	if os.Getenv("NATS_REF_SERVER") == "" {
		t.Skip("NATS_REF_SERVER is not set")
	}
	e, a, b := opLeafEnv(t)
	hub := e.start("MEMORY", "leafnodes { listen: 127.0.0.1:-1 }\n")
	ref := startRef(t, fmt.Sprintf("listen: 127.0.0.1:-1\nleafnodes { reconnect: \"100ms\", remotes: [ { url: %q, credentials: %q } ] }\n",
		leafURLOf(hub), a.creds(nil)))
	waitLeafs(t, hub, 1)
	if got := hub.leafConns()[0].acc.Load().name; got != a.pub {
		t.Fatalf("leaf bound to %q, want account A %q", got, a.pub)
	}
	opLeafChecks(t, hub.ClientURL(), a, b, ref.clientURL)
}

// TestLeafOperatorRevoked: revoking the leaf's user in its account's JWT
// disconnects the leaf at the hub, and its reconnects are refused.
func TestLeafOperatorRevoked(t *testing.T) {
	e, a, _ := opLeafEnv(t)
	hub := e.start("MEMORY", "leafnodes { listen: 127.0.0.1:-1 }\n")
	creds := a.creds(nil)
	clStart(t, opLeafRemote(t, leafURLOf(hub), creds))
	waitLeafs(t, hub, 1)
	b, err := os.ReadFile(creds)
	opMust(t, err)
	token, err := nkeys.ParseDecoratedJWT(b)
	opMust(t, err)
	uc, err := jwt.DecodeUserClaims(token)
	opMust(t, err)
	a.sign(func(ac *jwt.AccountClaims) { ac.Revoke(uc.Subject) })
	_, err = hub.updateAccountJWT(a.pub, a.jwt)
	opMust(t, err)
	waitLeafs(t, hub, 0)
	if got := rawLeafLogin(t, hub.LeafAddr().String(), creds); got != "-ERR 'Authorization Violation'" {
		t.Fatalf("revoked user as a leaf: %q", got)
	}
}

// TestLeafOperatorWebsocket: a leaf over WebSocket is of connection type
// LEAFNODE_WS: a user allowed only that gets in over WebSocket and is
// refused over the leaf port.
func TestLeafOperatorWebsocket(t *testing.T) {
	e, a, _ := opLeafEnv(t)
	hub := e.start("MEMORY", "leafnodes { listen: 127.0.0.1:-1 }\nwebsocket { host: 127.0.0.1, port: -1, no_tls: true }\n")
	wsOnly := a.creds(func(uc *jwt.UserClaims) { uc.AllowedConnectionTypes.Add(jwt.ConnectionTypeLeafnodeWS) })
	if got := rawLeafLogin(t, hub.LeafAddr().String(), wsOnly); got != "-ERR 'Authorization Violation'" {
		t.Fatalf("LEAFNODE_WS-only user on the leaf port: %q", got)
	}
	lf := clStart(t, opLeafRemote(t, hub.WebsocketURL(), wsOnly))
	waitLeafs(t, hub, 1)
	waitLeafs(t, lf, 1)
}
