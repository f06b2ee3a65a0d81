package transform

// Destination is one weighted destination of a mapping.
type Destination struct {
	// Subject is the destination template (see New).
	Subject string
	// Weight is the percentage (0..100) of messages sent to Subject.
	Weight uint8
	// Cluster, when set, scopes the destination to servers of that cluster.
	Cluster string
}

// choice is a destination with the upper bound of its slice of [0, 100).
type choice struct {
	t   *Transform
	cum int
}

// group is the set of destinations used by servers of one cluster (or by
// servers of any other cluster). When the weights add up to less than 100,
// the remainder leaves the subject unchanged, as on nats-server.
type group struct {
	choices []choice
	total   int
}

// Mapping is a source subject with one or more weighted destinations, as in
// the `mappings` configuration block: `foo: bar` is a single destination of
// weight 100; `foo: [{destination: bar, weight: 20%}, ...]` a weighted list.
// It is immutable and safe for concurrent use.
type Mapping struct {
	src       string
	match     *Transform // identity on the source, for the remainder
	def       group
	byCluster map[string]*group
}

// NewMapping compiles a mapping from src to the given destinations. The
// weights of the destinations without a cluster, and those of each
// cluster, may add up to at most 100; a destination subject may appear only
// once.
func NewMapping(src string, dests []Destination) (*Mapping, error) {
	id, err := New(src, "")
	if err != nil {
		return nil, err
	}
	m := &Mapping{src: src, match: id}
	seen := make(map[string]bool, len(dests))
	for _, d := range dests {
		if d.Weight > 100 {
			return nil, ErrBadWeight
		}
		if seen[d.Subject] {
			return nil, &DuplicateError{Destination: d.Subject}
		}
		seen[d.Subject] = true
		t, err := New(src, d.Subject)
		if err != nil {
			return nil, err
		}
		g := &m.def
		if d.Cluster != "" {
			if m.byCluster == nil {
				m.byCluster = make(map[string]*group)
			}
			if g = m.byCluster[d.Cluster]; g == nil {
				g = &group{}
				m.byCluster[d.Cluster] = g
			}
		}
		g.total += int(d.Weight)
		if g.total > 100 {
			return nil, ErrTotalWeight
		}
		if d.Weight > 0 {
			g.choices = append(g.choices, choice{t: t, cum: g.total})
		}
	}
	return m, nil
}

// Source returns the mapping's source filter.
func (m *Mapping) Source() string { return m.src }

// HasWildcards reports whether the source has "*" or ">" tokens.
func (m *Mapping) HasWildcards() bool { return m.match.HasWildcards() }

// Match reports whether subject matches the mapping's source.
func (m *Mapping) Match(subject []byte) bool { return m.match.Match(subject) }

// Append appends the mapped subject to dst. cluster is the name of the
// cluster of the server the message was published to ("" if none): its
// cluster-scoped destinations take precedence over the others, and when
// their weights add up to less than 100 the rest keeps the subject (as on
// nats-server, checked with a two-node cluster; a lone server with a
// `cluster` block but no routes ignored cluster-scoped destinations there,
// so the caller should pass "" until it is part of a cluster). r picks the
// weighted destination and serves random(); it may be nil. The subject
// must match the source (ErrNoMatch otherwise).
func (m *Mapping) Append(dst, subject []byte, cluster string, r Rand) ([]byte, error) {
	g := &m.def
	if m.byCluster != nil && cluster != "" {
		if cg := m.byCluster[cluster]; cg != nil {
			g = cg
		}
	}
	if len(g.choices) == 1 && g.total == 100 {
		return g.choices[0].t.Append(dst, subject, r)
	}
	if len(g.choices) > 0 {
		v := intN(r, 100)
		for i := range g.choices {
			if v < g.choices[i].cum {
				return g.choices[i].t.Append(dst, subject, r)
			}
		}
	}
	return m.match.Append(dst, subject, r)
}
