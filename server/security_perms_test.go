package server

import (
	"fmt"
	"math/rand/v2"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/nats-io/nats.go"

	"github.com/natsd/natsd/auth"
)

// Authorization tests: what a user may publish, subscribe to and receive.

// secPerm builds an allow/deny pair; nil lists stay nil.
func secPerm(allow, deny []string) *auth.SubjectPermission {
	return &auth.SubjectPermission{Allow: allow, Deny: deny}
}

// secUsers is a users list where each user's password is its name.
func secUsers(perms map[string]*auth.Permissions) []*auth.User {
	var users []*auth.User
	for name, p := range perms {
		users = append(users, &auth.User{Username: name, Password: name, Permissions: p})
	}
	return users
}

// secAs logs in a raw connection as user (password = name).
func secAs(t *testing.T, s *Server, user string) *secRaw {
	t.Helper()
	return secLogin(t, s, fmt.Sprintf(`{"user":%q,"pass":%q,"verbose":false,"protocol":1}`, user, user))
}

func TestSecPublishDenied(t *testing.T) {
	s := secStart(t, &Options{Users: secUsers(map[string]*auth.Permissions{
		"pub": {Publish: secPerm([]string{"foo.>", "x"}, nil)},
		"sub": nil,
	})}, nil)
	sub := secAs(t, s, "sub")
	sub.send("SUB > 1\r\n")
	sub.barrier()

	r := secAs(t, s, "pub")
	r.send("PUB y 1\r\ny\r\nPUB foo 1\r\nf\r\nPUB foo.bar 3\r\nabc\r\nPUB x 1\r\nx\r\nPING\r\n")
	r.expect(`-ERR 'Permissions Violation for Publish to "y"'`)
	r.expect(`-ERR 'Permissions Violation for Publish to "foo"'`)
	r.expect("PONG") // still open, and the allowed messages went through
	if got := sub.barrier(); strings.Join(got, "|") != "MSG foo.bar 1 3 abc|MSG x 1 1 x" {
		t.Fatalf("subscriber got %q", got)
	}
	// The same with nats.go: an async error, and the connection works on.
	nc, errs := secNats(t, s, nats.UserInfo("pub", "pub"))
	nc.Publish("nope", []byte("1"))
	secExpectErr(t, errs, `Permissions Violation for Publish to "nope"`)
	nc.Publish("foo.after", []byte("2"))
	if err := nc.Flush(); err != nil {
		t.Fatal(err)
	}
	if got := sub.barrier(); strings.Join(got, "|") != "MSG foo.after 1 1 2" {
		t.Fatalf("subscriber got %q", got)
	}
	// A denied request is refused too: its reply subject does not help.
	r.send("PUB z _INBOX.1 1\r\nz\r\nPING\r\n")
	r.expect(`-ERR 'Permissions Violation for Publish to "z"'`)
	r.expect("PONG")
}

func TestSecSubscribeDenied(t *testing.T) {
	s := secStart(t, &Options{Users: secUsers(map[string]*auth.Permissions{
		"a": {Subscribe: secPerm([]string{"foo.>", "q.> workers"}, nil)},
	})}, nil)
	r := secAs(t, s, "a")
	r.send("SUB bar 1\r\nSUB bar grp 2\r\nSUB q.x 3\r\nSUB q.x other 4\r\nSUB q.x workers 5\r\nSUB foo.x 6\r\nSUB foo.y grp 7\r\nPING\r\n")
	r.expect(`-ERR 'Permissions Violation for Subscription to "bar"'`)
	r.expect(`-ERR 'Permissions Violation for Subscription to "bar" using queue "grp"'`)
	r.expect(`-ERR 'Permissions Violation for Subscription to "q.x"'`)
	r.expect(`-ERR 'Permissions Violation for Subscription to "q.x" using queue "other"'`)
	r.expect("PONG")
	if n := s.NumSubscriptions(); n != 3 {
		t.Fatalf("%d subscriptions, want the 3 allowed ones", n)
	}
	// The allowed ones work: publish on each and read back.
	r.send("PUB foo.x 1\r\n1\r\nPUB q.x 1\r\n2\r\nPUB foo.y 1\r\n3\r\nPUB bar 1\r\n4\r\n")
	if got := r.barrier(); strings.Join(got, "|") != "MSG foo.x 6 1 1|MSG q.x 5 1 2|MSG foo.y 7 1 3" {
		t.Fatalf("got %q", got)
	}

	nc, errs := secNats(t, s, nats.UserInfo("a", "a"))
	if _, err := nc.SubscribeSync("bar"); err != nil {
		t.Fatal(err)
	}
	secExpectErr(t, errs, `Permissions Violation for Subscription to "bar"`)
	if _, err := nc.QueueSubscribeSync("q.y", "other"); err != nil {
		t.Fatal(err)
	}
	secExpectErr(t, errs, `Permissions Violation for Subscription to "q.y" using queue "other"`)
	ok, err := nc.SubscribeSync("foo.z")
	if err != nil {
		t.Fatal(err)
	}
	nc.Publish("foo.z", []byte("still works"))
	if m, err := ok.NextMsg(secWait); err != nil || string(m.Data) != "still works" {
		t.Fatalf("after a refused SUB: %v %v", m, err)
	}
}

func TestSecDenyOverridesAllow(t *testing.T) {
	s := secStart(t, &Options{Users: secUsers(map[string]*auth.Permissions{
		"a": {
			Publish:   secPerm([]string{"foo.>"}, []string{"foo.secret", "foo.*.private"}),
			Subscribe: secPerm([]string{"foo.>"}, []string{"foo.secret", "foo.*.private"}),
		},
		"p": nil,
	})}, nil)
	r := secAs(t, s, "a")
	r.send("PUB foo.secret 1\r\nx\r\nPUB foo.b.private 1\r\nx\r\nSUB foo.secret 1\r\nSUB foo.a.private 2\r\nSUB foo.* 3\r\nSUB foo.> 4\r\nPING\r\n")
	r.expect(`-ERR 'Permissions Violation for Publish to "foo.secret"'`)
	r.expect(`-ERR 'Permissions Violation for Publish to "foo.b.private"'`)
	r.expect(`-ERR 'Permissions Violation for Subscription to "foo.secret"'`)
	r.expect(`-ERR 'Permissions Violation for Subscription to "foo.a.private"'`)
	r.expect("PONG")
	// foo.* and foo.> are allowed, but never deliver the denied subjects.
	p := secAs(t, s, "p")
	p.send("PUB foo.secret 1\r\ns\r\nPUB foo.a.private 1\r\ns\r\nPUB foo.open 1\r\no\r\nPUB foo.a.public 1\r\no\r\n")
	p.barrier()
	want := "MSG foo.a.public 4 1 o|MSG foo.open 3 1 o|MSG foo.open 4 1 o"
	if got := r.barrier(); secSorted(got) != want {
		t.Fatalf("got %q, want %q", got, want)
	}
}

func TestSecWildcardAndQueueNeverReceiveDenied(t *testing.T) {
	s := secStart(t, &Options{Users: secUsers(map[string]*auth.Permissions{
		"limited": {Subscribe: secPerm([]string{">"}, []string{"secret.>"})},
		"full":    nil,
	})}, nil)
	lim := secAs(t, s, "limited")
	lim.send("SUB > 1\r\nSUB *.* 2\r\nSUB > q 3\r\n")
	full := secAs(t, s, "full")
	full.send("SUB > q 1\r\n")
	lim.barrier()
	full.barrier()

	pub := secAs(t, s, "full")
	const n = 50
	var b strings.Builder
	for i := 0; i < n; i++ {
		fmt.Fprintf(&b, "PUB secret.%d 1\r\ns\r\nPUB public.%d 1\r\np\r\n", i, i)
	}
	pub.send(b.String())
	pub.barrier()

	// count counts the deliveries of subjects with prefix to sid.
	count := func(msgs []string, prefix, sid string) int {
		c := 0
		for _, m := range msgs {
			if f := strings.Fields(m); len(f) > 2 && strings.HasPrefix(f[1], prefix) && f[2] == sid {
				c++
			}
		}
		return c
	}
	lm, fm := lim.barrier(), full.barrier()
	for _, sid := range []string{"1", "2", "3"} {
		if c := count(lm, "secret.", sid); c != 0 {
			t.Fatalf("the limited user received %d secret messages on sid %s", c, sid)
		}
	}
	if c1, c2 := count(lm, "public.", "1"), count(lm, "public.", "2"); c1 != n || c2 != n {
		t.Fatalf("limited: %d and %d public messages on > and *.*, want %d", c1, c2, n)
	}
	// Each queue message reached exactly one member; the secret ones all
	// went to the member allowed to have them.
	if c := count(fm, "secret.", "1"); c != n {
		t.Fatalf("full got %d of %d secret messages through the queue", c, n)
	}
	if q1, q2 := count(lm, "public.", "3"), count(fm, "public.", "1"); q1+q2 != n {
		t.Fatalf("public queue messages: %d + %d, want %d", q1, q2, n)
	}
}

// secSorted joins the lines in order: deliveries of one message to
// several subscriptions of a connection come in no defined order.
func secSorted(lines []string) string {
	lines = slices.Clone(lines)
	slices.Sort(lines)
	return strings.Join(lines, "|")
}

// secMatch is an independent subject matcher for the leak test.
func secMatch(pattern, subject string) bool {
	p, s := strings.Split(pattern, "."), strings.Split(subject, ".")
	for i, tok := range p {
		if tok == ">" {
			return len(s) > i
		}
		if i >= len(s) || (tok != "*" && tok != s[i]) {
			return false
		}
	}
	return len(p) == len(s)
}

// TestSecNoLeakRandomized publishes random subjects to users with
// different deny lists, all subscribed through wildcards and queue
// groups, and checks every delivery against the user's permissions.
func TestSecNoLeakRandomized(t *testing.T) {
	denies := map[string][]string{
		"u0": {"a.>"},
		"u1": {"*.b"},
		"u2": {"a.b", "c.*"},
		"u3": {"b.a.>", "c"},
		"u4": nil,
	}
	perms := map[string]*auth.Permissions{"pub": nil}
	for u, d := range denies {
		perms[u] = &auth.Permissions{Subscribe: secPerm(nil, d)}
	}
	s := secStart(t, &Options{Users: secUsers(perms)}, nil)
	conns := map[string]*secRaw{}
	for u := range denies {
		r := secAs(t, s, u)
		r.send("SUB > 1\r\nSUB *.* 2\r\nSUB a.> 3\r\nSUB > grp 4\r\nSUB *.b grp2 5\r\n")
		r.barrier()
		conns[u] = r
	}
	tokens := []string{"a", "b", "c"}
	rng := rand.New(rand.NewPCG(1, 2))
	pub := secAs(t, s, "pub")
	var b strings.Builder
	for i := 0; i < 400; i++ {
		n := 1 + rng.IntN(3)
		parts := make([]string, n)
		for j := range parts {
			parts[j] = tokens[rng.IntN(len(tokens))]
		}
		fmt.Fprintf(&b, "PUB %s 1\r\nx\r\n", strings.Join(parts, "."))
	}
	pub.send(b.String())
	pub.barrier()
	total := 0
	for u, r := range conns {
		for _, m := range r.barrier() {
			f := strings.Fields(m)
			if f[0] != "MSG" {
				t.Fatalf("%s: unexpected %q", u, m)
			}
			for _, d := range denies[u] {
				if secMatch(d, f[1]) {
					t.Fatalf("%s received %q, denied by %q", u, f[1], d)
				}
			}
			total++
		}
	}
	if total == 0 {
		t.Fatal("nothing delivered at all")
	}
}

func TestSecAllowResponses(t *testing.T) {
	// Long enough for the allowed replies to get through on a loaded
	// machine (300 ms was not always), short enough to wait out below.
	const expires = 2 * time.Second
	s := secStart(t, &Options{Users: secUsers(map[string]*auth.Permissions{
		"svc": {
			Subscribe: secPerm([]string{"svc.>"}, nil),
			Response:  &auth.ResponsePermission{MaxMsgs: 2, Expires: expires},
		},
		"client": nil,
	})}, nil)
	svc, svcErrs := secNats(t, s, nats.UserInfo("svc", "svc"))
	requests, err := svc.SubscribeSync("svc.echo")
	if err != nil {
		t.Fatal(err)
	}
	if err := svc.Flush(); err != nil {
		t.Fatal(err)
	}
	cl, _ := secNats(t, s, nats.UserInfo("client", "client"))

	// Publishing on its own is refused: allow_responses with no publish
	// allow list means "may only answer".
	svc.Publish("svc.other", nil)
	secExpectErr(t, svcErrs, `Permissions Violation for Publish to "svc.other"`)
	svc.Publish("_INBOX.guess", nil)
	secExpectErr(t, svcErrs, `Permissions Violation for Publish to "_INBOX.guess"`)

	inbox := nats.NewInbox()
	replies, err := cl.SubscribeSync(inbox)
	if err != nil {
		t.Fatal(err)
	}
	if err := cl.PublishRequest("svc.echo", inbox, []byte("ping")); err != nil {
		t.Fatal(err)
	}
	req, err := requests.NextMsg(secWait)
	if err != nil {
		t.Fatal(err)
	}
	got := time.Now()
	// Two replies are allowed (max 2), the third is not.
	for i := 0; i < 3; i++ {
		svc.Publish(req.Reply, []byte{byte('0' + i)})
	}
	secExpectErr(t, svcErrs, `Permissions Violation for Publish to "`+inbox+`"`)
	for i := 0; i < 2; i++ {
		m, err := replies.NextMsg(secWait)
		if err != nil || string(m.Data) != string(rune('0'+i)) {
			t.Fatalf("reply %d: %v %v", i, m, err)
		}
	}
	if err := cl.Flush(); err != nil {
		t.Fatal(err)
	}
	if n, _, _ := replies.Pending(); n != 0 {
		t.Fatalf("%d replies beyond max", n)
	}

	// A new request renews the allowance, which then expires.
	cl.PublishRequest("svc.echo", inbox, []byte("again"))
	if _, err := requests.NextMsg(secWait); err != nil {
		t.Fatal(err)
	}
	got = time.Now()
	time.Sleep(time.Until(got.Add(expires + 50*time.Millisecond))) // the expiry itself is under test
	svc.Publish(inbox, []byte("late"))
	secExpectErr(t, svcErrs, `Permissions Violation for Publish to "`+inbox+`"`)
	if err := cl.Flush(); err != nil {
		t.Fatal(err)
	}
	if n, _, _ := replies.Pending(); n != 0 {
		t.Fatalf("a reply after expiry was delivered")
	}
}

func TestSecReloadRevokesSubscriptions(t *testing.T) {
	l := &secLog{}
	before := map[string]*auth.Permissions{
		"a": {Publish: secPerm([]string{">"}, nil), Subscribe: secPerm([]string{"foo.>", "bar"}, nil)},
		"p": nil,
	}
	o := &Options{Users: secUsers(before)}
	s := secStart(t, o, l)
	r := secAs(t, s, "a")
	r.send("SUB foo.> 1\r\nSUB bar 2\r\nSUB bar q 3\r\nSUB foo.x qq 4\r\n")
	r.barrier()
	nc, errs := secNats(t, s, nats.UserInfo("a", "a"))
	ncSub, err := nc.SubscribeSync("foo.nats")
	if err != nil {
		t.Fatal(err)
	}
	if err := nc.Flush(); err != nil {
		t.Fatal(err)
	}

	after := o.Clone()
	after.Users = secUsers(map[string]*auth.Permissions{
		"a": {Publish: secPerm([]string{"bar"}, nil), Subscribe: secPerm([]string{"bar"}, nil)},
		"p": nil,
	})
	s.SetConfigLoader(func() (*Options, error) { return after.Clone(), nil })
	if err := s.Reload(); err != nil {
		t.Fatal(err)
	}
	r.expect(`-ERR 'Permissions Violation for Subscription to "foo.>" (sid "1")'`)
	r.expect(`-ERR 'Permissions Violation for Subscription to "foo.x" using queue "qq" (sid "4")'`)
	l.waitFor(t, `Removed sub "foo.>" (sid "1") for User "a" - not authorized`)
	l.waitFor(t, `Removed sub "foo.x" using queue "qq" (sid "4") for User "a" - not authorized`)
	secExpectErr(t, errs, `Permissions Violation for Subscription to "foo.nats"`)

	// The removed subscriptions get nothing; the kept ones work; the new
	// publish permissions apply at once.
	p := secAs(t, s, "p")
	p.send("PUB foo.x 1\r\nx\r\nPUB foo.nats 1\r\nx\r\nPUB bar 1\r\nb\r\n")
	p.barrier()
	if got := r.barrier(); secSorted(got) != "MSG bar 2 1 b|MSG bar 3 1 b" {
		t.Fatalf("after reload: %q", got)
	}
	if err := nc.Flush(); err != nil {
		t.Fatal(err)
	}
	if n, _, _ := ncSub.Pending(); n != 0 {
		t.Fatal("a revoked nats.go subscription still received")
	}
	r.send("PUB foo.y 1\r\ny\r\nPING\r\n")
	r.expect(`-ERR 'Permissions Violation for Publish to "foo.y"'`)
	r.expect("PONG")
	if n := s.NumSubscriptions(); n != 2 {
		t.Fatalf("%d subscriptions after reload, want 2", n)
	}
}
