package accounts

import (
	"strings"
	"testing"

	"github.com/natsd/natsd/conf"
)

func pos(line int) conf.Pos { return conf.Pos{File: "x.conf", Line: line, Col: 3} }

func TestValidate(t *testing.T) {
	a := func() *Account {
		return &Account{Name: "A", Pos: pos(1), Exports: []*Export{
			{Subject: "pub.>", Pos: pos(2)},
			{Subject: "priv.*", Accounts: []string{"C"}, Pos: pos(3)},
			{Subject: "svc.>", Service: true, Pos: pos(4)},
		}}
	}
	cases := []struct {
		name string
		accs func() []*Account
		want string // substring of the error; "" = valid
	}{
		{"public stream", func() []*Account {
			return []*Account{a(), {Name: "B", Imports: []*Import{{Account: "A", Subject: "pub.x", Prefix: "fromA", Pos: pos(9)}}}}
		}, ""},
		{"service with to", func() []*Account {
			return []*Account{a(), {Name: "B", Imports: []*Import{{Account: "A", Subject: "svc.*", To: "a.*", Service: true}}}}
		}, ""},
		{"unknown account", func() []*Account {
			return []*Account{a(), {Name: "B", Imports: []*Import{{Account: "Z", Subject: "pub.x", Pos: pos(9)}}}}
		}, `x.conf:9:3: account "B" imports stream "pub.x" from account "Z", which is not defined`},
		{"not exported", func() []*Account {
			return []*Account{a(), {Name: "B", Imports: []*Import{{Account: "A", Subject: "other", Pos: pos(9)}}}}
		}, `account "B" imports stream "other" from account "A", which does not export it`},
		{"wider than export", func() []*Account {
			return []*Account{a(), {Name: "B", Imports: []*Import{{Account: "A", Subject: ">", Pos: pos(9)}}}}
		}, `which does not export it`},
		{"stream import of a service", func() []*Account {
			return []*Account{a(), {Name: "B", Imports: []*Import{{Account: "A", Subject: "svc.x", Pos: pos(9)}}}}
		}, `which does not export it`},
		{"private not listed", func() []*Account {
			return []*Account{a(), {Name: "B", Imports: []*Import{{Account: "A", Subject: "priv.x", Pos: pos(9)}}}, {Name: "C"}}
		}, `x.conf:9:3: account "B" imports stream "priv.x" from account "A", whose export (x.conf:3:3) is private to C and does not list "B"`},
		{"private listed", func() []*Account {
			return []*Account{a(), {Name: "C", Imports: []*Import{{Account: "A", Subject: "priv.x"}}}}
		}, ""},
		{"self import", func() []*Account {
			x := a()
			x.Exports[1].Accounts = nil
			x.Imports = []*Import{{Account: "A", Subject: "pub.x", Pos: pos(7)}}
			return []*Account{x}
		}, `imports stream "pub.x" from itself`},
		{"prefix and to", func() []*Account {
			return []*Account{a(), {Name: "B", Imports: []*Import{{Account: "A", Subject: "pub.x", Prefix: "p", To: "q"}}}, {Name: "C"}}
		}, "with both prefix and to"},
		{"to wildcards differ", func() []*Account {
			return []*Account{a(), {Name: "B", Imports: []*Import{{Account: "A", Subject: "pub.*", To: "q"}}}, {Name: "C"}}
		}, "same wildcards"},
		{"bad subject", func() []*Account {
			return []*Account{{Name: "A", Exports: []*Export{{Subject: "a..b", Pos: pos(2)}}}}
		}, `exports stream "a..b", which is not a valid subject`},
		{"duplicate account", func() []*Account {
			return []*Account{{Name: "A", Pos: pos(1)}, {Name: "A", Pos: pos(5)}}
		}, `x.conf:5:3: account "A" is defined twice (first at x.conf:1:3)`},
		{"stream cycle", func() []*Account {
			return []*Account{
				{Name: "A", Exports: []*Export{{Subject: "x.>"}}, Imports: []*Import{{Account: "B", Subject: "y.>", To: "x.>", Pos: pos(4)}}},
				{Name: "B", Exports: []*Export{{Subject: "y.>"}}, Imports: []*Import{{Account: "A", Subject: "x.>", To: "y.>", Pos: pos(8)}}},
			}
		}, `imports form a cycle: stream "y.>" goes round accounts B -> A -> B`},
		{"service cycle of three", func() []*Account {
			return []*Account{
				{Name: "A", Exports: []*Export{{Subject: "s", Service: true}}, Imports: []*Import{{Account: "B", Subject: "s", Service: true}}},
				{Name: "B", Exports: []*Export{{Subject: "s", Service: true}}, Imports: []*Import{{Account: "C", Subject: "s", Service: true}}},
				{Name: "C", Exports: []*Export{{Subject: "s", Service: true}}, Imports: []*Import{{Account: "A", Subject: "s", Service: true}}},
			}
		}, "imports form a cycle: service"},
		{"both ways without overlap is fine", func() []*Account {
			return []*Account{
				{Name: "A", Exports: []*Export{{Subject: "a.>"}}, Imports: []*Import{{Account: "B", Subject: "b.>"}}},
				{Name: "B", Exports: []*Export{{Subject: "b.>"}}, Imports: []*Import{{Account: "A", Subject: "a.>"}}},
			}
		}, ""},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			err := Validate(tc.accs())
			switch {
			case tc.want == "" && err != nil:
				t.Fatalf("unexpected error: %v", err)
			case tc.want != "" && err == nil:
				t.Fatalf("no error, want %q", tc.want)
			case tc.want != "" && !strings.Contains(err.Error(), tc.want):
				t.Fatalf("error %q, want %q", err, tc.want)
			}
		})
	}
}

func TestMapSubject(t *testing.T) {
	cases := []struct{ from, to, lit, want string }{
		{"foo", "bar", "foo", "bar"},
		{"foo.*", "bar.*", "foo.x", "bar.x"},
		{"foo.*.*", "bar.*.baz.*", "foo.1.2", "bar.1.baz.2"},
		{"foo.>", "bar.>", "foo.a.b.c", "bar.a.b.c"},
		{"a.*.>", "z.*.y.>", "a.1.2.3", "z.1.y.2.3"},
		{"a.>", "b", "a.x.y", "b"},
		{"*", "x.*", "q", "x.q"},
	}
	for _, c := range cases {
		if got := MapSubject(c.from, c.to, c.lit); got != c.want {
			t.Errorf("MapSubject(%q,%q,%q) = %q, want %q", c.from, c.to, c.lit, got, c.want)
		}
	}
	buf := make([]byte, 0, 64)
	lit := []byte("a.1.2.3")
	if n := testing.AllocsPerRun(100, func() { buf = AppendMapped(buf[:0], "a.*.>", "z.*.y.>", lit) }); n != 0 {
		t.Errorf("AppendMapped allocates %v times", n)
	}
}

func BenchmarkAppendMapped(b *testing.B) {
	buf := make([]byte, 0, 64)
	lit := []byte("orders.eu.1234.created")
	b.ReportAllocs()
	for i := 0; i < b.N; i++ {
		buf = AppendMapped(buf[:0], "orders.*.>", "imported.*.>", lit)
	}
}

func TestResponseType(t *testing.T) {
	for _, n := range []string{"singleton", "stream", "chunked"} {
		rt, ok := ParseResponseType(n)
		if !ok || rt.String() != n {
			t.Errorf("%q: %v %v", n, rt, ok)
		}
	}
	if _, ok := ParseResponseType("many"); ok {
		t.Error("accepted many")
	}
}

func TestExportAllows(t *testing.T) {
	e := &Export{Accounts: []string{"A"}}
	if !e.Allows("A") || e.Allows("B") || !(&Export{}).Allows("B") {
		t.Fatal("Allows")
	}
}
