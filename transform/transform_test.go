package transform

import (
	"errors"
	"math/rand/v2"
	"testing"
)

// The expectations below were recorded from nats-server v2.15.2: each
// mapping was loaded from a config file's `mappings` block, the subject
// published, and the subject the message arrived on (at a ">" subscriber)
// noted.
var applyTests = []struct {
	src, dest, subject, want string
}{
	// ADR-30's examples.
	{">", "uno.>", "one.two.three", "uno.one.two.three"},
	{">", ">", "one.two.three", "one.two.three"},
	{">", "eins.zwei.drei.vier.>", "four.five.six", "eins.zwei.drei.vier.four.five.six"},
	{"one.>", "uno.>", "one.two.three", "uno.two.three"},
	{"one.two.>", "uno.dos.>", "one.two.three", "uno.dos.three"},
	{"one", "uno", "one", "uno"},
	{"one.*.three.*.five", "uno.$2.$1", "one.two.three.four.five", "uno.four.two"},
	{"one.*.three.*.five", "uno.{{wildcard(2)}}.{{wildcard(1)}}", "one.two.three.four.five", "uno.four.two"},
	{"*.two.three.>", "uno.$1.>", "one.two.three.four.five", "uno.one.four.five"},
	{"*", "{{split(1,-)}}", "-abc-def--ghij-", "abc.def.ghij"},
	{"*", "{{splitfromleft(1,3)}}", "12345", "123.45"},
	{"*", "{{SplitFromRight(1,3)}}", "12345", "12.345"},
	{"*", "{{SliceFromLeft(1,3)}}", "1234567890", "123.456.789.0"},
	{"*", "{{SliceFromRight(1,3)}}", "1234567890", "1.234.567.890"},

	// Tokens that look like functions or wildcards but are literals.
	{"a.*", "r.{{wildcard(1)}}{{wildcard(1)}}x", "a.hello", "r.{{wildcard(1)}}{{wildcard(1)}}x"},
	{"b.*", "r.a{{wildcard(1)}}", "b.hello", "r.a{{wildcard(1)}}"},
	{"c.*", "r.{{wildcard(1)}}x", "c.hello", "r.{{wildcard(1)}}x"},
	{"d.*", "r.{{}}", "d.hello", "r.{{}}"},
	{"f.*", "r.x$1", "f.hello", "r.x$1"},
	{"g.*", "r.$1x", "g.hello", "r.$1x"},
	{"h.*", "r.$a.$", "h.hello", "r.$a.$"},
	{"i.*", "r.{{wildcard(1)", "i.hello", "r.{{wildcard(1)"},
	{"c.*", "r.{{wildcard(1.0)}}", "c.hello", "r.{{wildcard(1.0)}}"}, // split on "."
	{"g.*", "r.{{split(1,.)}}", "g.hello", "r.{{split(1,.)}}"},

	// Lenient spellings that are functions.
	{"j.*", "r.{{ wildcard( 1 ) }}", "j.hello", "r.hello"},
	{"a.*", "r.{{{wildcard(1)}}", "a.hello", "r.hello"},
	{"b.*", "r.{{wildcard(1)}}}", "b.hello", "r.hello"},
	{"d.*", "r.$01.$+1", "d.hello", "r.hello.hello"},
	{"e.*", "r.{{wildcard(+1)}}.{{Wildcard(01)}}", "e.hello", "r.hello.hello"},

	// A wildcard index of 0 or below is the subject's first token.
	{"e.*", "r.$0", "e.hello", "r.e"},
	{"x.*", "r.$-1", "x.hello", "r.x"},
	{"h.*", "r.{{wildcard(0)}}.{{wildcard(-1)}}", "h.hello", "r.h.h"},
	{"h.y.*", "r.$0", "h.y.w", "r.h"},
	{"g.*.*", "r.$0.$-1.$1.$2", "g.foo.bar", "r.g.g.foo.bar"},
	{"j.*", "r.{{split(0,-)}}", "j.a-b", "r.j"},
	{"*.*", "r.{{wildcard(2)}}.{{wildcard(1)}}", "ab.cd", "r.cd.ab"},

	// split.
	{"k.*", "r.{{split(1,ab)}}", "k.xabyabz", "r.x.y.z"},
	{"q.*", "r.{{Split(1,ab)}}", "q.xabab", "r.x"},
	{"q.*", "r.{{Split(1,ab)}}", "q.abxab", "r.x"},
	{"m.*", "r.{{split(1,-)}}", "m.abc", "r.abc"},
	{"o.*", "r.{{split(1, -)}}", "o.a-b", "r.a.b"},
	{"f.*", "r.{{split(1,)}}", "f.hello", "r.h.e.l.l.o"},

	// Positions and sizes out of range leave the token whole.
	{"m.*", "r.{{left(1,2)}}", "m.hello", "r.he"},
	{"m.*", "r.{{left(1,2)}}", "m.h", "r.h"},
	{"n.*", "r.{{right(1,2)}}", "n.hello", "r.lo"},
	{"n.*", "r.{{right(1,2)}}", "n.h", "r.h"},
	{"o.*", "r.{{left(1,0)}}", "o.hello", "r.hello"},
	{"p.*", "r.{{left(1,-2)}}", "p.hello", "r.hello"},
	{"q.*", "r.{{splitfromleft(1,0)}}", "q.hello", "r.hello"},
	{"s.*", "r.{{slicefromleft(1,0)}}", "s.hello", "r.hello"},
	{"k.*", "r.{{splitfromleft(1,-1)}}.{{splitfromright(1,0)}}.{{splitfromright(1,9)}}.{{splitfromleft(1,9)}}", "k.hello", "r.hello.hello.hello.hello"},
	{"l.*", "r.{{slicefromleft(1,2)}}.x.{{slicefromright(1,2)}}.y.{{slicefromright(1,9)}}.{{slicefromleft(1,-1)}}", "l.hello", "r.he.ll.o.x.h.el.lo.y.hello.hello"},
	{"l.*", "r.{{slicefromleft(1,2)}}.x.{{slicefromright(1,2)}}.y.{{slicefromright(1,9)}}.{{slicefromleft(1,-1)}}", "l.hellos", "r.he.ll.os.x.he.ll.os.y.hellos.hellos"},
	{"l.*", "r.{{slicefromleft(1,2)}}.x.{{slicefromright(1,2)}}.y.{{slicefromright(1,9)}}.{{slicefromleft(1,-1)}}", "l.h", "r.h.x.h.y.h.h"},
	{"n.*", "r.{{right(1,0)}}.{{right(1,9)}}.{{left(1,9)}}.{{right(1,5)}}.{{left(1,5)}}", "n.hello", "r.hello.hello.hello.hello.hello"},
	{"k.*", "r.{{splitfromleft(1,5)}}.x.{{splitfromright(1,5)}}.y.{{splitfromleft(1,1)}}.z.{{splitfromright(1,1)}}", "k.hello", "r.hello.x.hello.y.h.ello.z.hell.o"},
	{"s.*", "r.{{slicefromleft(1,5)}}.x.{{slicefromright(1,5)}}.y.{{slicefromleft(1,1)}}.z.{{slicefromright(1,1)}}", "s.hello", "r.hello.x.hello.y.h.e.l.l.o.z.h.e.l.l.o"},

	// Byte-wise, except split with an empty delimiter (per character).
	{"u.*", "r.{{slicefromright(1,3)}}.x.{{slicefromleft(1,3)}}.y.{{splitfromright(1,3)}}.{{splitfromleft(1,3)}}.{{split(1,é)}}.{{split(1,)}}.{{left(1,2)}}.{{right(1,2)}}",
		"u.aébécd", "r.a\xc3.\xa9b\xc3.\xa9cd.x.aé.bé.cd.y.aéb\xc3.\xa9cd.aé.bécd.a.b.cd.a.é.b.é.c.d.a\xc3.cd"},
	{"u.*", "r.{{slicefromright(1,3)}}.x.{{slicefromleft(1,3)}}.y.{{splitfromright(1,3)}}.{{splitfromleft(1,3)}}.{{split(1,é)}}.{{split(1,)}}.{{left(1,2)}}.{{right(1,2)}}",
		"u.1234567890", "r.1.234.567.890.x.123.456.789.0.y.1234567.890.123.4567890.1234567890.1.2.3.4.5.6.7.8.9.0.12.90"},

	// partition: FNV-1a of the selected tokens concatenated, or of the
	// whole subject, modulo the count (as uint32: a negative count shows
	// the raw hash).
	{"u.*", "r.{{partition(-3,1)}}", "u.hello", "r.1335831723"},
	{"t.*", "r.{{partition(0,1)}}", "t.hello", "r.0"},
	{"a.*.*", "r.{{partition(-3,1,2)}}", "a.foo.bar", "r.3214735720"},
	{"c.*.*", "r.{{partition(-3,2,1)}}", "c.foo.bar", "r.2437414762"},
	{"d.*.*", "r.{{partition(-3,1,1)}}", "d.foo.bar", "r.4200053009"},
	{"b.*.*", "r.{{partition(-3)}}", "b.foo.bar", "r.2811635896"},
	{"e.*.*", "r.{{partition(3)}}", "e.foo.bar", "r.0"},
	{"j.*.>", "r.{{partition(-3,1)}}.>", "j.foo.bar.baz", "r.2851307223.bar.baz"},
	{"i.*", "r.{{partition(3,0)}}.{{partition(-3,-1)}}", "i.hello", "r.2.3960223172"},
	{"x.*", "a.{{partition(-3,1)}}.{{partition(-3,1,1)}}.{{partition(-3,0,1)}}", "x.z", "a.4278997933.1466432373.1466138183"},
	{"foo", "a.{{partition(-3,1)}}", "foo", "a.2166136261"},
	{"x.y", "a.{{partition(-3,1)}}.{{partition(-3,1,2)}}.{{partition(-3,2)}}.{{partition(-3,5)}}.{{partition(-3,0)}}", "x.y", "a.2166136261.2166136261.2166136261.2166136261.2166136261"},
	{"p.*", "r.{{partition(3,1)}}.{{partition(5,1)}}.{{partition(10,1)}}.{{partition(7)}}", "p.a", "r.1.0.0.6"},
	{"p.*", "r.{{partition(3,1)}}.{{partition(5,1)}}.{{partition(10,1)}}.{{partition(7)}}", "p.b", "r.1.2.7.1"},
	{"p.*", "r.{{partition(3,1)}}.{{partition(5,1)}}.{{partition(10,1)}}.{{partition(7)}}", "p.foo", "r.0.3.3.4"},
	{"p.*", "r.{{partition(3,1)}}.{{partition(5,1)}}.{{partition(10,1)}}.{{partition(7)}}", "p.bar", "r.2.2.2.3"},
	{"p.*", "r.{{partition(3,1)}}.{{partition(5,1)}}.{{partition(10,1)}}.{{partition(7)}}", "p.customer-1", "r.1.3.3.0"},
	{"p.*", "r.{{partition(3,1)}}.{{partition(5,1)}}.{{partition(10,1)}}.{{partition(7)}}", "p.customer-2", "r.0.2.2.6"},
	{"p.*", "r.{{partition(3,1)}}.{{partition(5,1)}}.{{partition(10,1)}}.{{partition(7)}}", "p.12345", "r.0.4.4.2"},
	{"p.*", "r.{{partition(3,1)}}.{{partition(5,1)}}.{{partition(10,1)}}.{{partition(7)}}", "p.order_99", "r.1.0.0.0"},
	{"q.*.*", "r.{{partition(4,2,1)}}.{{partition(16,1,2)}}.{{partition(100)}}", "q.x.y", "r.0.10.31"},
	{"q.*.*", "r.{{partition(4,2,1)}}.{{partition(16,1,2)}}.{{partition(100)}}", "q.east.17", "r.0.0.7"},
	{"q.*.*", "r.{{partition(4,2,1)}}.{{partition(16,1,2)}}.{{partition(100)}}", "q.user42.eu", "r.2.14.21"},

	// random() with a count of 0 or below is always 0.
	{"v.*", "r.{{random(0)}}.{{random(-1)}}", "v.hello", "r.0.0"},

	// Dropping source wildcards is allowed outside imports.
	{"foo.*.*", "bar.$1", "foo.a.b", "bar.a"},
	{"foo.*", "bar", "foo.a", "bar"},
	{"foo", "foo", "foo", "foo"},
	{"*", "$1.x", "a", "a.x"},
	{"foo.*.>", "bar.$1.>", "foo.a.b.c", "bar.a.b.c"},

	// Identity (empty destination; nats-server 2.15.2 crashes on publish).
	{"foo.>", "", "foo.a.b", "foo.a.b"},
}

func TestApply(t *testing.T) {
	for _, tc := range applyTests {
		tr, err := New(tc.src, tc.dest)
		if err != nil {
			t.Errorf("New(%q, %q): %v", tc.src, tc.dest, err)
			continue
		}
		got, err := tr.Apply(tc.subject, nil)
		if err != nil || got != tc.want {
			t.Errorf("%q -> %q on %q: got %q, %v; want %q", tc.src, tc.dest, tc.subject, got, err, tc.want)
		}
		// Append onto a non-empty buffer keeps the prefix.
		b, err := tr.Append([]byte("pre:"), []byte(tc.subject), nil)
		if err != nil || string(b) != "pre:"+tc.want {
			t.Errorf("Append: got %q, %v", b, err)
		}
	}
}

// The expectations were recorded from `nats-server -c file -t` with the
// mapping in a top-level `mappings` block; its message is
// `Error adding mapping for "<src>" to "<dest>" : <this text>`.
var errorTests = []struct {
	src, dest, want string
	kind            error
}{
	{"foo", "bar.{{unknown(1)}}", "invalid mapping destination: unknown function in {{unknown(1)}}", ErrUnknownFunction},
	{"foo.*", "bar.{{wildcard(2)}}", "invalid mapping destination: wildcard index out of range in {{wildcard(2)}}: [2]", ErrWildcardOutOfRange},
	{"foo.*", "bar.$2", "invalid mapping destination: wildcard index out of range in $2: [2]", ErrWildcardOutOfRange},
	{"foo.*", "bar.{{partition(3,2)}}", "invalid mapping destination: wildcard index out of range in {{partition(3,2)}}: [2]", ErrWildcardOutOfRange},
	{"foo.*", "a.{{partition(3,2,3)}}", "invalid mapping destination: wildcard index out of range in {{partition(3,2,3)}}: [2]", ErrWildcardOutOfRange},
	{"foo.*", "a.{{partition(3,0,2)}}", "invalid mapping destination: wildcard index out of range in {{partition(3,0,2)}}: [2]", ErrWildcardOutOfRange},
	{"foo.*", "a.$3.$2", "invalid mapping destination: wildcard index out of range in $3: [3]", ErrWildcardOutOfRange},
	{"foo.*", "a.{{left(3,1)}}", "invalid mapping destination: wildcard index out of range in {{left(3,1)}}: [3]", ErrWildcardOutOfRange},
	{"foo.*", "a.{{split(3,-)}}", "invalid mapping destination: wildcard index out of range in {{split(3,-)}}: [3]", ErrWildcardOutOfRange},
	{"foo.*", "r.{{wildcard(99999999999)}}", "invalid mapping destination: wildcard index out of range in {{wildcard(99999999999)}}: [99999999999]", ErrWildcardOutOfRange},
	{"foo", "a.$1", "invalid mapping destination: wildcard index out of range in $1", ErrWildcardOutOfRange},
	{"foo", "a.$0", "invalid mapping destination: wildcard index out of range in $0", ErrWildcardOutOfRange},
	{"foo", "a.{{wildcard(1)}}", "invalid mapping destination: wildcard index out of range in {{wildcard(1)}}", ErrWildcardOutOfRange},
	{"foo", "a.{{split(1,-)}}", "invalid mapping destination: wildcard index out of range in {{split(1,-)}}", ErrWildcardOutOfRange},
	{"foo", "a.{{left(1,1)}}", "invalid mapping destination: wildcard index out of range in {{left(1,1)}}", ErrWildcardOutOfRange},
	{"foo.*", "bar.{{split(1)}}", "invalid mapping destination: not enough arguments passed to the function in {{split(1)}}", ErrNotEnoughArgs},
	{"foo.*", "bar.{{splitfromleft(1)}}", "invalid mapping destination: not enough arguments passed to the function in {{splitfromleft(1)}}", ErrNotEnoughArgs},
	{"foo.*", "bar.{{wildcard()}}", "invalid mapping destination: not enough arguments passed to the function in {{wildcard()}}", ErrNotEnoughArgs},
	{"foo.*", "bar.{{random(1,2)}}", "invalid mapping destination: not enough arguments passed to the function in {{random(1,2)}}", ErrNotEnoughArgs},
	{"foo.*", "bar.{{wildcard(1,2)}}", "invalid mapping destination: too many arguments passed to the function in {{wildcard(1,2)}}", ErrTooManyArgs},
	{"foo.*", "r.{{wildcard( 1, )}}", "invalid mapping destination: too many arguments passed to the function in {{wildcard( 1, )}}", ErrTooManyArgs},
	{"foo.*", "bar.{{split(1,-,x)}}", "invalid mapping destination: too many arguments passed to the function in {{split(1,-,x)}}", ErrTooManyArgs},
	{"foo.*", "r.{{split(1,,)}}", "invalid mapping destination: too many arguments passed to the function in {{split(1,,)}}", ErrTooManyArgs},
	{"foo.*", "bar.{{splitfromleft(1,2,3)}}", "invalid mapping destination: too many arguments passed to the function in {{splitfromleft(1,2,3)}}", ErrTooManyArgs},
	{"foo.*", "bar.{{wildcard(a)}}", "invalid mapping destination: function argument is invalid or in the wrong format in {{wildcard(a)}}", ErrBadArgument},
	{"foo.*", "bar.{{random()}}", "invalid mapping destination: function argument is invalid or in the wrong format in {{random()}}", ErrBadArgument},
	{"foo.*", "bar.{{partition(a,1)}}", "invalid mapping destination: function argument is invalid or in the wrong format in {{partition(a,1)}}", ErrBadArgument},
	{"foo.*", "bar.{{partition()}}", "invalid mapping destination: function argument is invalid or in the wrong format in {{partition()}}", ErrBadArgument},
	{"foo.*", "r.{{partition(3,1,)}}", "invalid mapping destination: function argument is invalid or in the wrong format in {{partition(3,1,)}}", ErrBadArgument},
	{"foo.*", "r.{{partition(3,,1)}}", "invalid mapping destination: function argument is invalid or in the wrong format in {{partition(3,,1)}}", ErrBadArgument},
	{"foo.*", "r.{{partition(99999999999,1)}}", "invalid mapping destination: function argument is invalid or in the wrong format in {{partition(99999999999,1)}}", ErrBadArgument},
	{"foo.*", "r.{{random(2147483648)}}", "invalid mapping destination: function argument is invalid or in the wrong format in {{random(2147483648)}}", ErrBadArgument},
	{"foo.*", "r.{{random(a)}}", "invalid mapping destination: function argument is invalid or in the wrong format in {{random(a)}}", ErrBadArgument},
	{"foo.*", "r.{{splitfromleft(1,a)}}", "invalid mapping destination: function argument is invalid or in the wrong format in {{splitfromleft(1,a)}}", ErrBadArgument},
	{"foo.*", "r.{{splitfromleft(a,1)}}", "invalid mapping destination: function argument is invalid or in the wrong format in {{splitfromleft(a,1)}}", ErrBadArgument},
	{"foo.*", "r.{{wildcard((1))}}", "invalid mapping destination: function argument is invalid or in the wrong format in {{wildcard((1))}}", ErrBadArgument},
	{"foo.*", "r.{{wildcard( $1 )}}", "invalid mapping destination: function argument is invalid or in the wrong format in {{wildcard( $1 )}}", ErrBadArgument},
	{"foo.*", "{{wildcard(1)}}{{wildcard(1)}}", "invalid mapping destination: function argument is invalid or in the wrong format in {{wildcard(1)}}{{wildcard(1)}}", ErrBadArgument},
	{"foo.*", "bar.{{WILDCARD(1)}}", "invalid mapping destination: unknown function in {{WILDCARD(1)}}", ErrUnknownFunction},
	{"foo.*", "bar.{{wildCard(1)}}", "invalid mapping destination: unknown function in {{wildCard(1)}}", ErrUnknownFunction},
	{"foo.*", "{{nope}}", "invalid mapping destination: unknown function in {{nope}}", ErrUnknownFunction},
	{"foo.*", "r.{{ }}", "invalid mapping destination: unknown function in {{ }}", ErrUnknownFunction},
	{"foo.*", "r.{{wildcard}}", "invalid mapping destination: unknown function in {{wildcard}}", ErrUnknownFunction},
	{"foo.*", "r.{{wildcard(1)x}}", "invalid mapping destination: unknown function in {{wildcard(1)x}}", ErrUnknownFunction},
	{"foo.*", "r.{{x wildcard(1)}}", "invalid mapping destination: unknown function in {{x wildcard(1)}}", ErrUnknownFunction},
	{"foo.*", "r.{{a_b(1)}}", "invalid mapping destination: unknown function in {{a_b(1)}}", ErrUnknownFunction},
	{"foo.*", "a.{{unknown(3,-)}}.$7", "invalid mapping destination: unknown function in {{unknown(3,-)}}", ErrUnknownFunction},
	{"foo", "bar..x", "invalid mapping destination: invalid transform", ErrInvalidTransform},
	{"foo", "a b", "invalid mapping destination: invalid transform", ErrInvalidTransform},
	{"foo.*", "r.{{wildcard(1)}} ", "invalid mapping destination: invalid transform", ErrInvalidTransform},
	{"foo.*.>", "bar.>.$1", "invalid mapping destination: invalid transform in $1", ErrInvalidTransform},
	{"foo.>", "bar.>.>", "invalid mapping destination: invalid transform in >", ErrInvalidTransform},
	{"foo.*", "bar.*", "invalid subject", ErrBadSubject},
	{"foo.>", "bar.*", "invalid subject", ErrBadSubject},
	{"foo.>", "bar", "invalid subject", ErrBadSubject},
	{"foo", "bar.>", "invalid subject", ErrBadSubject},
	{"foo.*", "bar.>", "invalid subject", ErrBadSubject},
	{"foo.>", "bar.$1", "invalid subject", ErrBadSubject},
	{"foo.>", "$1", "invalid subject", ErrBadSubject},
	{"foo", "a.*.b", "invalid subject", ErrBadSubject},
	{"foo..", "bar", "invalid subject", ErrBadSubject},
	{"", "bar", "invalid subject", ErrBadSubject},
}

func TestErrors(t *testing.T) {
	for _, tc := range errorTests {
		tr, err := New(tc.src, tc.dest)
		if err == nil {
			t.Errorf("New(%q, %q) = %v, want error %q", tc.src, tc.dest, tr, tc.want)
			continue
		}
		if err.Error() != tc.want {
			t.Errorf("New(%q, %q): got %q, want %q", tc.src, tc.dest, err, tc.want)
		}
		if !errors.Is(err, tc.kind) {
			t.Errorf("New(%q, %q): %v is not %v", tc.src, tc.dest, err, tc.kind)
		}
		if tc.kind != ErrBadSubject && !errors.Is(err, ErrInvalidMappingDestination) {
			t.Errorf("New(%q, %q): %v is not ErrInvalidMappingDestination", tc.src, tc.dest, err)
		}
	}
}

// Destinations nats-server accepts at startup that look odd.
func TestAccepted(t *testing.T) {
	for _, d := range []string{
		"bar.$0", "bar", "bar.{{partition(0,1)}}", "bar.{{partition(3)}}", "bar.{{split(1,-)}}",
		"bar.{{left(1,2)}}", "bar.{{right(1,2)}}", "bar.{{random(3)}}", "bar.{{Wildcard(1)}}",
		"bar.{{wildcard(1)", "r.{{ wildcard (1) }}", "r.{{splitFromLeft(1,2)}}", "r.{{Splitfromleft(1,2)}}",
		"r.{{Partition(3,1)}}", "r.{{Left(1,2)}}", "r.{{Random(3)}}", "r.{{random(-1)}}",
		"r.{{partition(3,1,1)}}", "r.{{partition(-3,1)}}", "r.{{split(1, )}}", "r.$a", "r.$",
		"r.$-1", "{{}}", "a{{wildcard(1)}}", "{{wildcard(1)}}x", "r.{{wildcard(1 )}}",
	} {
		if _, err := New("foo.*", d); err != nil {
			t.Errorf("New(foo.*, %q): %v", d, err)
		}
	}
	for _, d := range []string{"a.{{partition(3,1)}}", "a.{{partition(3)}}", "a.{{random(3)}}", "a.{{partition(3,0)}}"} {
		if _, err := New("foo", d); err != nil {
			t.Errorf("New(foo, %q): %v", d, err)
		}
	}
}

// Import transforms (recorded from stream and service imports with `to`).
func TestStrict(t *testing.T) {
	_, err := NewStrict("foo.*.*", "bar.$1")
	if err == nil || err.Error() != "invalid mapping destination: not using all of the token wildcard(s) in bar.$1" ||
		!errors.Is(err, ErrNotAllWildcards) {
		t.Errorf("unused wildcard: %v", err)
	}
	_, err = NewStrict("foo.*.*", "bar.{{partition(3,1,2)}}")
	if err == nil || err.Error() != "invalid mapping destination: the only mapping function allowed for import transforms is {{Wildcard()}} in {{partition(3,1,2)}}" {
		t.Errorf("function: %v", err)
	}
	tr, err := NewStrict("foo.*.*", "bar.$2.{{wildcard(1)}}")
	if err != nil {
		t.Fatal(err)
	}
	if got, _ := tr.Apply("foo.a.b", nil); got != "bar.b.a" {
		t.Errorf("got %q", got)
	}
	if _, err := New("foo.*.*", "bar.$1"); err != nil {
		t.Errorf("non-strict: %v", err)
	}
}

func TestNoMatch(t *testing.T) {
	cases := []struct{ src, subject string }{
		{"foo", "bar"}, {"foo", "foo.bar"}, {"foo.*", "foo"}, {"foo.*", "foo.a.b"},
		{"foo.>", "foo"}, {"foo.>", "bar.a"}, {"*.b", "a.c"}, {"foo", ""}, {"foo.*", "foo."},
		{"foo.*", "foo..x"}, {">", ""},
	}
	for _, c := range cases {
		tr, err := New(c.src, "x")
		if c.src == "foo.>" || c.src == ">" {
			tr, err = New(c.src, "x.>")
		}
		if err != nil {
			t.Fatal(err)
		}
		if tr.Match([]byte(c.subject)) {
			t.Errorf("%q matches %q", c.src, c.subject)
		}
		if b, err := tr.Append(nil, []byte(c.subject), nil); err != ErrNoMatch || len(b) != 0 {
			t.Errorf("Append(%q) on %q: %q, %v", c.subject, c.src, b, err)
		}
	}
}

func TestLongSubject(t *testing.T) {
	tr, err := New("a.>", "b.{{partition(-3)}}.>")
	if err != nil {
		t.Fatal(err)
	}
	subj := "a"
	for i := 0; i < 200; i++ {
		subj += ".t"
	}
	got, err := tr.Apply(subj, nil)
	if err != nil || got[:2] != "b." || got[len(got)-len(subj)+2:] != subj[2:] {
		t.Fatalf("got %q, %v", got, err)
	}
}

func TestRandomFunction(t *testing.T) {
	tr, err := New("p.*", "r.{{random(3)}}")
	if err != nil {
		t.Fatal(err)
	}
	r := rand.New(rand.NewPCG(1, 2))
	seen := map[string]int{}
	for i := 0; i < 300; i++ {
		got, err := tr.Apply("p.x", r)
		if err != nil {
			t.Fatal(err)
		}
		seen[got]++
	}
	if len(seen) != 3 || seen["r.0"] == 0 || seen["r.1"] == 0 || seen["r.2"] == 0 {
		t.Errorf("random(3) gave %v", seen)
	}
}
