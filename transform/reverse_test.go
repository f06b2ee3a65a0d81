package transform

import "testing"

func TestReverse(t *testing.T) {
	cases := []struct{ src, dest, subject, reversed string }{
		// Recorded from nats-server: import of service "foo.*.*" with
		// to "bar.$2.$1": a request on bar.x.y reaches foo.y.x.
		{"foo.*.*", "bar.$2.$1", "bar.x.y", "foo.y.x"},
		{"foo.*.*", "bar.{{wildcard(1)}}.{{wildcard(2)}}", "bar.x.y", "foo.x.y"},
		{"foo.*.>", "bar.$1.>", "bar.x.y.z", "foo.x.y.z"},
		{"a.b", "c.d", "c.d", "a.b"},
		{"foo.>", "", "foo.x", "foo.x"},
	}
	for _, c := range cases {
		tr, err := NewStrict(c.src, c.dest)
		if err != nil {
			t.Fatal(err)
		}
		rev, err := tr.Reverse()
		if err != nil {
			t.Errorf("%s -> %s: %v", c.src, c.dest, err)
			continue
		}
		got, err := rev.Apply(c.subject, nil)
		if err != nil || got != c.reversed {
			t.Errorf("reverse of %s -> %s on %s: %q, %v; want %q", c.src, c.dest, c.subject, got, err, c.reversed)
		}
		// Forward then reverse is the identity.
		if c.dest != "" {
			fwd, _ := rev.Apply(c.subject, nil)
			back, _ := tr.Apply(fwd, nil)
			if back != c.subject {
				t.Errorf("round trip of %s: %s -> %s", c.subject, fwd, back)
			}
		}
	}
	for _, c := range []struct{ src, dest string }{
		{"foo.*", "bar.{{partition(3,1)}}"}, {"foo.*", "bar.$1.$1"}, {"foo.*.*", "bar.$1"},
	} {
		tr, err := New(c.src, c.dest)
		if err != nil {
			t.Fatal(err)
		}
		if _, err := tr.Reverse(); err != ErrNotReversible {
			t.Errorf("%s -> %s: %v", c.src, c.dest, err)
		}
	}
}
