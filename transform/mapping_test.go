package transform

import (
	"errors"
	"math/rand/v2"
	"testing"
)

// fixedRand always draws the same number (modulo n).
type fixedRand int

func (f fixedRand) IntN(n int) int { return int(f) % n }

func TestMappingErrors(t *testing.T) {
	// Texts recorded from nats-server: `Error adding mapping for "foo" : <text>`.
	cases := []struct {
		dests []Destination
		want  string
	}{
		{[]Destination{{Subject: "bar", Weight: 60}, {Subject: "baz", Weight: 50}}, "total weight needs to be <= 100"},
		{[]Destination{{Subject: "a", Weight: 60, Cluster: "x"}, {Subject: "b", Weight: 60, Cluster: "x"}}, "total weight needs to be <= 100"},
		{[]Destination{{Subject: "a", Weight: 50}, {Subject: "a", Weight: 50}}, `duplicate entry for "a"`},
		{[]Destination{{Subject: "a", Weight: 50, Cluster: "x"}, {Subject: "a", Weight: 50}}, `duplicate entry for "a"`},
		{[]Destination{{Subject: "a", Weight: 0}, {Subject: "a", Weight: 0}}, `duplicate entry for "a"`},
		{[]Destination{{Subject: "a.$1", Weight: 50}}, "invalid mapping destination: wildcard index out of range in $1"},
		{[]Destination{{Subject: "a", Weight: 101}}, "invalid weight for mapping destination"},
	}
	for _, c := range cases {
		_, err := NewMapping("foo", c.dests)
		if err == nil || err.Error() != c.want {
			t.Errorf("%+v: got %v, want %q", c.dests, err, c.want)
		}
	}
	if _, err := NewMapping("foo", []Destination{{Subject: "a", Weight: 60, Cluster: "x"}, {Subject: "b", Weight: 60, Cluster: "y"}, {Subject: "c", Weight: 60}}); err != nil {
		t.Errorf("per-cluster totals: %v", err)
	}
	if _, err := NewMapping("foo..", nil); !errors.Is(err, ErrBadSubject) {
		t.Errorf("bad source: %v", err)
	}
}

func TestMappingWeights(t *testing.T) {
	m, err := NewMapping("foo.*", []Destination{
		{Subject: "a.$1", Weight: 20},
		{Subject: "b.$1", Weight: 30},
		{Subject: "never", Weight: 0},
	})
	if err != nil {
		t.Fatal(err)
	}
	for _, c := range []struct {
		draw int
		want string
	}{{0, "a.x"}, {19, "a.x"}, {20, "b.x"}, {49, "b.x"}, {50, "foo.x"}, {99, "foo.x"}} {
		got, err := m.Append(nil, []byte("foo.x"), "", fixedRand(c.draw))
		if err != nil || string(got) != c.want {
			t.Errorf("draw %d: got %q, %v; want %q", c.draw, got, err, c.want)
		}
	}
	if _, err := m.Append(nil, []byte("bar.x"), "", nil); err != ErrNoMatch {
		t.Errorf("no match: %v", err)
	}

	// The split converges on the weights.
	r := rand.New(rand.NewPCG(7, 7))
	counts := map[string]int{}
	const n = 10000
	for i := 0; i < n; i++ {
		got, _ := m.Append(nil, []byte("foo.x"), "", r)
		counts[string(got)]++
	}
	for subj, want := range map[string]int{"a.x": 2000, "b.x": 3000, "foo.x": 5000} {
		if c := counts[subj]; c < want-400 || c > want+400 {
			t.Errorf("%s: %d of %d, want about %d", subj, c, n, want)
		}
	}
	if counts["never"] != 0 {
		t.Errorf("weight 0 chosen %d times", counts["never"])
	}
}

func TestMappingSingle(t *testing.T) {
	m, err := NewMapping("foo", []Destination{{Subject: "bar", Weight: 100}})
	if err != nil {
		t.Fatal(err)
	}
	// A single 100% destination draws no random number: a Rand that
	// panics proves it.
	got, err := m.Append(nil, []byte("foo"), "", panicRand{})
	if err != nil || string(got) != "bar" {
		t.Fatalf("got %q, %v", got, err)
	}
	if m.Source() != "foo" || m.HasWildcards() || !m.Match([]byte("foo")) || m.Match([]byte("foo.x")) {
		t.Error("accessors")
	}
}

type panicRand struct{}

func (panicRand) IntN(int) int { panic("drew a random number") }

func TestMappingCluster(t *testing.T) {
	// ADR-30's example.
	m, err := NewMapping("foo", []Destination{
		{Subject: "foo.west", Weight: 100, Cluster: "west"},
		{Subject: "foo.central", Weight: 100, Cluster: "central"},
		{Subject: "foo.east", Weight: 100, Cluster: "east"},
		{Subject: "foo.elsewhere", Weight: 100},
	})
	if err != nil {
		t.Fatal(err)
	}
	for cluster, want := range map[string]string{
		"west": "foo.west", "central": "foo.central", "east": "foo.east", "south": "foo.elsewhere", "": "foo.elsewhere",
	} {
		got, err := m.Append(nil, []byte("foo"), cluster, nil)
		if err != nil || string(got) != want {
			t.Errorf("cluster %q: got %q, %v; want %q", cluster, got, err, want)
		}
	}
	// A cluster group below 100% keeps the subject for the rest (recorded
	// on a two-node nats-server cluster: 50% to c, 50% unchanged), and does
	// not fall back to the non-cluster destinations.
	m2, err := NewMapping("foo", []Destination{{Subject: "a", Weight: 50, Cluster: "x"}, {Subject: "b", Weight: 100}})
	if err != nil {
		t.Fatal(err)
	}
	for draw, want := range map[int]string{0: "a", 49: "a", 50: "foo", 99: "foo"} {
		if got, _ := m2.Append(nil, []byte("foo"), "x", fixedRand(draw)); string(got) != want {
			t.Errorf("cluster group draw %d: %q, want %q", draw, got, want)
		}
	}
	// Only cluster-scoped destinations: other clusters keep the subject.
	m, err = NewMapping("foo", []Destination{{Subject: "bar", Weight: 100, Cluster: "x"}})
	if err != nil {
		t.Fatal(err)
	}
	if got, _ := m.Append(nil, []byte("foo"), "y", nil); string(got) != "foo" {
		t.Errorf("other cluster: %q", got)
	}
	if got, _ := m.Append(nil, []byte("foo"), "x", nil); string(got) != "bar" {
		t.Errorf("cluster x: %q", got)
	}
}
