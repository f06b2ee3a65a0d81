package auth

import (
	"errors"
	"testing"
)

func mustCompile(t testing.TB, p *Permissions) *Checker {
	t.Helper()
	c, err := Compile(p)
	if err != nil {
		t.Fatalf("Compile: %v", err)
	}
	return c
}

func pubPerm(allow, deny []string) *Permissions {
	return &Permissions{Publish: &SubjectPermission{Allow: allow, Deny: deny}}
}

func subPerm(allow, deny []string) *Permissions {
	return &Permissions{Subscribe: &SubjectPermission{Allow: allow, Deny: deny}}
}

func TestCompileNilWhenUnrestricted(t *testing.T) {
	for _, p := range []*Permissions{
		nil,
		{},
		{Publish: &SubjectPermission{}, Subscribe: &SubjectPermission{}},
		{Publish: &SubjectPermission{Allow: []string{}}, Subscribe: &SubjectPermission{Deny: []string{}}},
	} {
		if c := mustCompile(t, p); c != nil {
			t.Errorf("Compile(%+v) = %p, want nil", p, c)
		}
	}
	var c *Checker // nil allows everything
	if !c.CanPublish(nil, []byte("x")) || !c.CanSubscribe("x", "q") || !c.CanDeliver(c.NewCache(), []byte("x"), "") ||
		c.SubNeedsDeliveryCheck(">", "") || c.NewResponses() != nil || c.PublishRestricted() || c.SubscribeRestricted() {
		t.Fatal("nil Checker must allow everything")
	}
}

func TestCompileErrors(t *testing.T) {
	tests := []struct {
		p    *Permissions
		want string
	}{
		{pubPerm([]string{"foo..bar"}, nil), `subject "foo..bar" is not a valid subject`},
		{pubPerm(nil, []string{"foo.>.bar"}), `subject "foo.>.bar" is not a valid subject`},
		{pubPerm([]string{""}, nil), `subject "" is not a valid subject`},
		{pubPerm([]string{"foo q"}, nil), `subject "foo q" is not a valid subject`},
		{subPerm([]string{"foo q r"}, nil), `subject "foo q r" is not a valid subject`},
		{subPerm([]string{"ok", "foo bar baz"}, nil), `subject "foo bar baz" is not a valid subject`},
		{subPerm([]string{" foo"}, nil), `subject " foo" is not a valid subject`},
		{subPerm(nil, []string{"foo q.."}), `queue "q.." is not a valid queue`},
		{subPerm(nil, []string{"foo >.x"}), `queue ">.x" is not a valid queue`},
		{subPerm(nil, []string{"a..b q"}), `subject "a..b" is not a valid subject`},
	}
	for _, tt := range tests {
		_, err := Compile(tt.p)
		var pe *PermissionError
		if err == nil || err.Error() != tt.want || !errors.As(err, &pe) {
			t.Errorf("Compile(%+v) = %v, want %q", tt.p, err, tt.want)
		}
	}
	// Accepted forms.
	for _, s := range []string{"foo  q", "foo\tq", "foo.> work.*", "> >", "*.x *"} {
		if _, err := Compile(subPerm([]string{s}, nil)); err != nil {
			t.Errorf("subscribe entry %q: %v", s, err)
		}
	}
}

func TestCanPublish(t *testing.T) {
	tests := []struct {
		name    string
		p       *Permissions
		yes, no []string
	}{
		{"allow+deny", pubPerm([]string{"foo.*", "bar"}, []string{"foo.secret"}),
			[]string{"foo.x", "bar"}, []string{"foo.secret", "baz", "foo", "foo.x.y", "bar.x"}},
		{"deny only", pubPerm(nil, []string{"secret.>"}),
			[]string{"secret", "any", "a.b.c"}, []string{"secret.a", "secret.a.b"}},
		{"deny wins", pubPerm([]string{">"}, []string{">"}), nil, []string{"a", "a.b"}},
		{"fwc", pubPerm([]string{"a.>"}, nil), []string{"a.b", "a.b.c"}, []string{"a", "b.a"}},
		{"pwc", pubPerm([]string{"*.b.*"}, nil), []string{"a.b.c", "x.b.y"}, []string{"a.b", "a.b.c.d", "a.c.c"}},
		{"literal tokens", pubPerm([]string{"foo*.bar"}, nil), []string{"foo*.bar"}, []string{"fooo.bar"}},
		{"empty tokens refused", pubPerm(nil, []string{"x"}), []string{"ok"}, []string{"", ".a", "a.", "a..b"}},
		// allow_responses without an allow list: only responses.
		{"response only", &Permissions{Response: &ResponsePermission{}}, nil, []string{"other", "_INBOX.1"}},
		{"response + deny", &Permissions{Publish: &SubjectPermission{Deny: []string{"ok.>"}}, Response: &ResponsePermission{}},
			nil, []string{"any", "ok.x"}},
		{"response + allow", &Permissions{Publish: &SubjectPermission{Allow: []string{"ok.>"}}, Response: &ResponsePermission{}},
			[]string{"ok.a"}, []string{"other"}},
		{"subscribe only", subPerm([]string{"x"}, nil), []string{"anything"}, nil},
	}
	for _, tt := range tests {
		c := mustCompile(t, tt.p)
		cache := c.NewCache()
		for pass := 0; pass < 2; pass++ { // miss, then hit
			for _, s := range tt.yes {
				if !c.CanPublish(cache, []byte(s)) || !c.CanPublish(nil, []byte(s)) {
					t.Errorf("%s: publish %q refused", tt.name, s)
				}
			}
			for _, s := range tt.no {
				if c.CanPublish(cache, []byte(s)) || c.CanPublish(nil, []byte(s)) {
					t.Errorf("%s: publish %q allowed", tt.name, s)
				}
			}
		}
	}
}

type subCase struct {
	subject, queue string
	ok             bool
}

// The subscribe tables reproduce sessions against nats-server v2.15.2.
func TestCanSubscribeReference(t *testing.T) {
	tests := []struct {
		name  string
		p     *Permissions
		cases []subCase
	}{
		{"allow list and deny", subPerm([]string{"foo.bar", "q.> workers", "sub.>"}, []string{"sub.secret"}), []subCase{
			{"foo.bar", "", true},
			{"foo.*", "", false}, // broader than the allow list
			{"foo.>", "", false},
			{"nope", "", false},
			{"q.a", "workers", true},
			{"q.a", "other", false},
			{"q.a", "", false},     // queue entries do not admit plain subs
			{"foo.bar", "g", true}, // plain entries admit any queue
			{"sub.*", "", true},    // overlaps the deny: filtered at delivery
			{"sub.secret", "", false},
			{"sub.>", "", true},
			{">", "", false},
		}},
		{"textual lookup", subPerm([]string{"foo.*", "q.> workers", "w.> work.*", "m.>", "m.> mq"}, nil), []subCase{
			{"foo.>", "", true}, // "*" swallows the ">" token
			{"foo.*", "", true},
			{"foo.a", "", true},
			{"*.a", "", false},
			{"q.a.b", "workers", true},
			{"q.*", "workers", true},
			{"q.>", "workers", true},
			{"w.a", "work.1", true},
			{"w.a", "work", false},
			{"w.a", "work.*", true},
			{"w.a", "work.>", false},
			{"m.a", "anyq", false}, // a queue entry matches: it decides
			{"m.a", "mq", true},
			{"m.a", "", true},
			{"q.a", "workers.x", false},
		}},
		{"queue patterns", subPerm([]string{"w.> work.>", "v.> *", "u.> a.*.c", "t.> >"}, nil), []subCase{
			{"w.a", "work.a.b", true},
			{"w.a", "work.a", true},
			{"w.a", "work", false},
			{"w.a", "work.>", true},
			{"w.a", "work.*", true},
			{"v.a", "anything", true},
			{"v.a", "*", true},
			{"v.a", "a.b", false},
			{"v.a", ">", false},
			{"u.a", "a.b.c", true},
			{"u.a", "a.*.c", true},
			{"u.a", "a.x.c.d", false},
			{"t.a", "q", true},
			{"t.a", "q.r.s", true},
			{"t.a", ">", true},
			{"t.a", "*", true},
		}},
		{"deny with queues", subPerm(nil, []string{"d.> badq", "e.*", "e.x qq", "f.>"}), []subCase{
			{"d.a", "", true},
			{"d.a", "badq", false},
			{"d.a", "goodq", true},
			{"e.a", "", false},
			{"e.a", "q", false},
			{"e.x", "qq", false},
			{"e.x", "other", false},
			{"e.>", "", false}, // deny "e.*" swallows ">"
			{">", "", true},
			{"*.a", "", true},
			{"f.*", "", false},
			{"d.*", "badq", false},
			{"d.>", "", true},
			{"*.a", "badq", true},
		}},
		{"deny queue patterns", subPerm(nil, []string{"d.> bad.*", "e.> >"}), []subCase{
			{"d.a", "bad.x", false},
			{"d.a", "bad.>", true},
			{"d.a", "bad", true},
			{"d.a", "bad.*", false},
			{"e.a", "q", false},
			{"e.a", "", true},
		}},
		{"allow and deny wildcard", subPerm([]string{"*.x"}, []string{"a.x"}), []subCase{
			{"*.x", "", true},
			{"a.x", "", false},
			{"b.x", "", true},
			{">", "", false},
			{"*.*", "", false},
		}},
		{"invalid subjects", subPerm(nil, []string{"zzz"}), []subCase{
			{"", "", false}, {"a..b", "", false}, {".a", "", false}, {"ok", "", true},
		}},
	}
	for _, tt := range tests {
		c := mustCompile(t, tt.p)
		for _, sc := range tt.cases {
			if got := c.CanSubscribe(sc.subject, sc.queue); got != sc.ok {
				t.Errorf("%s: CanSubscribe(%q, %q) = %v, want %v", tt.name, sc.subject, sc.queue, got, sc.ok)
			}
		}
	}
}

type delCase struct {
	sub, queue string
	needs      bool
	yes, no    []string // messages delivered / withheld (checked when needs)
}

func TestDeliveryFilter(t *testing.T) {
	tests := []struct {
		name  string
		p     *Permissions
		cases []delCase
	}{
		// Reference: "SUB > 1" of a user with this deny list received
		// d.a, z.a and g but not e.a, e.x, f.x; "*.a badq" did not get
		// d.a, "*.a goodq" did.
		{"deny overlaps", subPerm(nil, []string{"d.> badq", "e.*", "e.x qq", "f.>"}), []delCase{
			{">", "", true, []string{"d.a", "z.a", "g", "e.a.b"}, []string{"e.a", "e.x", "f.x", "f.x.y"}},
			{"*.a", "badq", true, []string{"z.a"}, []string{"d.a", "e.a"}},
			{"*.a", "goodq", true, []string{"d.a", "z.a"}, []string{"e.a"}},
			{"*.x", "zz", true, []string{"z.x"}, []string{"e.x"}},
			{"z.*", "", false, nil, nil},
			{"d.*", "", false, nil, nil}, // "d.> badq" does not concern plain subs
			{"d.*", "goodq", false, nil, nil},
			{"g", "", false, nil, nil}, // literal subs never need it
		}},
		{"deny under allow", subPerm([]string{"*.x"}, []string{"a.x"}), []delCase{
			{"*.x", "", true, []string{"b.x"}, []string{"a.x"}},
			{"b.x", "", false, nil, nil},
		}},
		// Deliberate difference: the reference delivers foo.a.b here.
		{"beyond allow", subPerm([]string{"foo.*"}, nil), []delCase{
			{"foo.>", "", true, []string{"foo.a"}, []string{"foo.a.b"}},
			{"foo.*", "", false, nil, nil},
		}},
		{"queue entries", subPerm([]string{"m.>", "m.x mq", "n.* nq", "o.> *"}, nil), []delCase{
			{"m.*", "", false, nil, nil},
			{"m.*", "other", true, []string{"m.y"}, []string{"m.x"}},
			{"m.*", "mq", false, nil, nil}, // admitted by m.> everywhere, m.x for mq
			{"n.*", "nq", false, nil, nil},
			{"o.>", "anyq", false, nil, nil},
		}},
		{"allow fwc", subPerm([]string{"a.>"}, nil), []delCase{
			{"a.*", "", false, nil, nil},
			{"a.>", "", false, nil, nil},
		}},
	}
	for _, tt := range tests {
		c := mustCompile(t, tt.p)
		cache := c.NewCache()
		for _, dc := range tt.cases {
			if !c.CanSubscribe(dc.sub, dc.queue) {
				t.Fatalf("%s: SUB %q %q refused", tt.name, dc.sub, dc.queue)
			}
			if got := c.SubNeedsDeliveryCheck(dc.sub, dc.queue); got != dc.needs {
				t.Errorf("%s: SubNeedsDeliveryCheck(%q, %q) = %v, want %v", tt.name, dc.sub, dc.queue, got, dc.needs)
			}
			for pass := 0; pass < 2; pass++ {
				for _, m := range dc.yes {
					if !c.CanDeliver(cache, []byte(m), dc.queue) || !c.CanDeliver(nil, []byte(m), dc.queue) {
						t.Errorf("%s: %q withheld from %q %q", tt.name, m, dc.sub, dc.queue)
					}
				}
				for _, m := range dc.no {
					if c.CanDeliver(cache, []byte(m), dc.queue) || c.CanDeliver(nil, []byte(m), dc.queue) {
						t.Errorf("%s: %q delivered to %q %q", tt.name, m, dc.sub, dc.queue)
					}
				}
			}
		}
	}
}

func TestPermissionsCopy(t *testing.T) {
	p := &Permissions{
		Publish:  &SubjectPermission{Allow: []string{"a"}},
		Response: &ResponsePermission{MaxMsgs: -3, Expires: -1},
	}
	c := mustCompile(t, p)
	p.Publish.Allow[0] = "changed"
	got := c.Permissions()
	if got.Publish.Allow[0] != "a" {
		t.Fatal("Checker shares the caller's slices")
	}
	if r := c.ResponsePermission(); r.MaxMsgs != 1 || r.Expires != 0 || got.Response.MaxMsgs != 1 {
		t.Fatalf("response defaults not applied: %+v", r)
	}
	if !c.PublishRestricted() || c.SubscribeRestricted() {
		t.Fatal("restriction flags")
	}
}
