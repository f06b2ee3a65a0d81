package server

import (
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/nats-io/jwt/v2"
	"github.com/nats-io/nats.go"
	"github.com/nats-io/nkeys"
)

// opEnv is an operator with its system account, and the accounts a test
// makes, all signed in-test with jwt/v2 and nkeys.
type opEnv struct {
	t    testing.TB
	okp  nkeys.KeyPair
	opub string
	ojwt string
	sys  *opAcc
	accs []*opAcc
}

// opAcc is one account: its key pair and its current JWT.
type opAcc struct {
	e   *opEnv
	kp  nkeys.KeyPair
	pub string
	jwt string
	ac  *jwt.AccountClaims
}

func opMust(t testing.TB, err error) {
	t.Helper()
	if err != nil {
		t.Fatal(err)
	}
}

func newOpEnv(t testing.TB) *opEnv {
	okp, err := nkeys.CreateOperator()
	opMust(t, err)
	opub, _ := okp.PublicKey()
	e := &opEnv{t: t, okp: okp, opub: opub}
	e.sys = e.account("SYS", nil)
	oc := jwt.NewOperatorClaims(opub)
	oc.Name = "O"
	oc.SystemAccount = e.sys.pub
	e.ojwt, err = oc.Encode(okp)
	opMust(t, err)
	return e
}

// account makes an account; f edits its claims before signing.
func (e *opEnv) account(name string, f func(*jwt.AccountClaims)) *opAcc {
	kp, err := nkeys.CreateAccount()
	opMust(e.t, err)
	pub, _ := kp.PublicKey()
	a := &opAcc{e: e, kp: kp, pub: pub, ac: jwt.NewAccountClaims(pub)}
	a.ac.Name = name
	a.sign(f)
	e.accs = append(e.accs, a)
	return a
}

// sign re-signs the account's claims after f edits them.
func (a *opAcc) sign(f func(*jwt.AccountClaims)) string {
	if f != nil {
		f(a.ac)
	}
	s, err := a.ac.Encode(a.e.okp)
	opMust(a.e.t, err)
	a.jwt = s
	return s
}

// user makes a user of the account signed by signer (nil: the account
// key); f edits its claims. It returns the connect option and the
// user's public key.
func (a *opAcc) userBy(signer nkeys.KeyPair, f func(*jwt.UserClaims)) (nats.Option, string) {
	ukp, err := nkeys.CreateUser()
	opMust(a.e.t, err)
	upub, _ := ukp.PublicKey()
	uc := jwt.NewUserClaims(upub)
	if signer == nil {
		signer = a.kp
	} else {
		uc.IssuerAccount = a.pub
	}
	if f != nil {
		f(uc)
	}
	token, err := uc.Encode(signer)
	opMust(a.e.t, err)
	seed, _ := ukp.Seed()
	return nats.UserJWTAndSeed(token, string(seed)), upub
}

func (a *opAcc) user(f func(*jwt.UserClaims)) nats.Option {
	o, _ := a.userBy(nil, f)
	return o
}

// creds writes a .creds file for a user of the account.
func (a *opAcc) creds(f func(*jwt.UserClaims)) string {
	ukp, _ := nkeys.CreateUser()
	upub, _ := ukp.PublicKey()
	uc := jwt.NewUserClaims(upub)
	if f != nil {
		f(uc)
	}
	token, err := uc.Encode(a.kp)
	opMust(a.e.t, err)
	seed, _ := ukp.Seed()
	b, err := jwt.FormatUserConfig(token, seed)
	opMust(a.e.t, err)
	path := filepath.Join(a.e.t.TempDir(), "u.creds")
	opMust(a.e.t, os.WriteFile(path, b, 0o600))
	return path
}

// config is a configuration with the operator (as a file) and the given
// resolver; MEMORY preloads every account.
func (e *opEnv) config(resolver string) string {
	dir := e.t.TempDir()
	op := filepath.Join(dir, "op.jwt")
	opMust(e.t, os.WriteFile(op, []byte(e.ojwt), 0o600))
	var b strings.Builder
	fmt.Fprintf(&b, "operator: %q\nsystem_account: %s\n", op, e.sys.pub)
	if resolver == "" {
		resolver = "MEMORY"
	}
	fmt.Fprintf(&b, "resolver: %s\nresolver_preload: {\n", resolver)
	for _, a := range append([]*opAcc{e.sys}, e.accs...) {
		fmt.Fprintf(&b, "  %s: %q\n", a.pub, a.jwt)
	}
	b.WriteString("}\n")
	return b.String()
}

// start starts a server of the configuration config(resolver) + extra.
func (e *opEnv) start(resolver, extra string) *Server {
	o := accOpts(e.t, e.config(resolver)+extra)
	return opStartOpts(e.t, o)
}

// opStartOpts starts a server of o (logging when NATSD_TEST_LOG is set).
func opStartOpts(t testing.TB, o *Options) *Server {
	t.Helper()
	o.Host, o.Port = "127.0.0.1", RandomPort
	o.NoLog = os.Getenv("NATSD_TEST_LOG") == ""
	o.Debug = !o.NoLog
	s, err := New(o)
	opMust(t, err)
	opMust(t, s.Start())
	t.Cleanup(s.Shutdown)
	return s
}

// opConnectErr connects expecting a refusal, and returns the error.
func opConnectErr(t testing.TB, s *Server, opts ...nats.Option) error {
	t.Helper()
	nc, err := nats.Connect(s.ClientURL(), append([]nats.Option{nats.Timeout(5 * time.Second), nats.NoReconnect()}, opts...)...)
	if err == nil {
		nc.Close()
		t.Fatal("connection accepted, want refused")
	}
	return err
}

// opErrs collects the asynchronous errors of a connection.
func opErrs() (nats.Option, chan error) {
	ch := make(chan error, 16)
	return nats.ErrorHandler(func(_ *nats.Conn, _ *nats.Subscription, err error) {
		select {
		case ch <- err:
		default:
		}
	}), ch
}

func opWaitErr(t testing.TB, ch chan error, want string) {
	t.Helper()
	select {
	case err := <-ch:
		if !strings.Contains(strings.ToLower(err.Error()), strings.ToLower(want)) {
			t.Fatalf("error %q, want %q", err, want)
		}
	case <-time.After(5 * time.Second):
		t.Fatalf("no error %q", want)
	}
}

func readFileForTest(path string) ([]byte, error) { return os.ReadFile(path) }

// readConfText reads a configuration text (written as natsd.conf).
func readConfText(t testing.TB, text string) (*Options, error) {
	path := filepath.Join(t.TempDir(), "natsd.conf")
	opMust(t, os.WriteFile(path, []byte(text), 0o600))
	o, err := ProcessConfigFile(path)
	if err == nil {
		o.NoLog = true
	}
	return o, err
}
