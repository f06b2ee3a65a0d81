package conf

import (
	"strings"
	"time"
)

// Kind identifies the type of a parsed Value.
type Kind int

// The kinds of values the format can express. Durations have no kind of
// their own: like nats-server, the parser keeps them as strings ("2s") or
// integers (seconds) and AsDuration interprets them.
const (
	KindInvalid Kind = iota
	KindString
	KindInt
	KindFloat
	KindBool
	KindTime
	KindMap
	KindArray
)

// String returns a human-readable kind name used in error messages.
func (k Kind) String() string {
	switch k {
	case KindString:
		return "string"
	case KindInt:
		return "integer"
	case KindFloat:
		return "float"
	case KindBool:
		return "boolean"
	case KindTime:
		return "datetime"
	case KindMap:
		return "map"
	case KindArray:
		return "array"
	}
	return "invalid"
}

// Value is one parsed value with the position where it appears. Only the
// field matching Kind is meaningful. Values are shared when a variable is
// referenced several times, so treat them as read-only.
type Value struct {
	Kind  Kind
	Pos   Pos
	Str   string
	Int   int64
	Float float64
	Bool  bool
	Time  time.Time
	Map   *Map
	Array []*Value
	// Raw is the source text of the value (for a variable reference, the
	// "$NAME" text), kept for error messages.
	Raw string
	// Var is the name of the variable this value was obtained from, or "".
	Var string

	// size counts the values a full walk of this one visits (0 means 1).
	// Variables share values instead of copying them, so a small file can
	// describe an enormous tree ([$a, $a] nested a few dozen times); the
	// parser bounds this count so consumers can walk results safely.
	size int64
}

// walkSize returns how many values a full walk of v visits.
func (v *Value) walkSize() int64 {
	if v.size == 0 {
		return 1
	}
	return v.size
}

// Key is one key of a Map with its position and value.
type Key struct {
	Name  string
	Pos   Pos
	Value *Value
	// Used reports that the key was referenced as a $variable. nats-server
	// does not report such keys as unknown fields, and consumers of this
	// package should do the same.
	Used bool

	gen int // when the key was last set, to find the latest case variant
}

// Map is a parsed block. It keeps keys in the order they were first
// defined and the spelling the author used; lookups with Get ignore case,
// matching how nats-server matches option names.
//
// A key defined twice with the same spelling keeps its first slot and takes
// the later value and position (the last definition wins, as in
// nats-server). Keys that differ only in case are distinct entries; Get
// returns the most recently defined one.
//
// Keys must be treated as read-only; use Set to add entries so the lookup
// indexes stay in sync.
type Map struct {
	Keys []Key

	gen   int            // counts setKey calls
	exact map[string]int // name -> index in Keys; built once the map grows
	fold  map[string]int // lower-cased name -> index of the latest definition
}

// indexAbove is the size from which lookups use hash indexes. Most blocks
// are small, and a linear scan avoids allocating two maps for each of them.
const indexAbove = 8

// NewMap returns an empty Map. The zero Map is also ready to use.
func NewMap() *Map { return &Map{} }

// Set defines name (replacing a previous definition with the same spelling).
func (m *Map) Set(name string, pos Pos, v *Value) {
	m.setKey(Key{Name: name, Pos: pos, Value: v})
}

func (m *Map) setKey(k Key) {
	m.gen++
	k.gen = m.gen
	i := m.indexExact(k.Name)
	if i >= 0 {
		m.Keys[i] = k
	} else {
		i = len(m.Keys)
		m.Keys = append(m.Keys, k)
		if m.exact != nil {
			m.exact[k.Name] = i
		}
	}
	switch {
	case m.fold != nil:
		m.fold[strings.ToLower(k.Name)] = i
	case len(m.Keys) > indexAbove:
		m.buildIndex()
	}
}

func (m *Map) buildIndex() {
	m.exact = make(map[string]int, 2*len(m.Keys))
	m.fold = make(map[string]int, 2*len(m.Keys))
	for i, k := range m.Keys {
		m.exact[k.Name] = i
		lower := strings.ToLower(k.Name)
		if j, ok := m.fold[lower]; !ok || m.Keys[j].gen < k.gen {
			m.fold[lower] = i
		}
	}
}

// indexExact returns the index of the key spelled exactly name, or -1.
func (m *Map) indexExact(name string) int {
	if m.exact != nil {
		if i, ok := m.exact[name]; ok {
			return i
		}
		return -1
	}
	for i := range m.Keys {
		if m.Keys[i].Name == name {
			return i
		}
	}
	return -1
}

// Len returns the number of distinct keys.
func (m *Map) Len() int {
	if m == nil {
		return 0
	}
	return len(m.Keys)
}

// Get returns the value of name, ignoring case.
func (m *Map) Get(name string) (*Value, bool) {
	k, ok := m.Lookup(name)
	if !ok {
		return nil, false
	}
	return k.Value, true
}

// Lookup returns the key entry for name, ignoring case. The returned
// pointer refers into m.Keys and is valid until the next Set.
func (m *Map) Lookup(name string) (*Key, bool) {
	if m == nil {
		return nil, false
	}
	if m.fold != nil {
		i, ok := m.fold[strings.ToLower(name)]
		if !ok {
			return nil, false
		}
		return &m.Keys[i], true
	}
	best := -1
	for i := range m.Keys {
		if strings.EqualFold(m.Keys[i].Name, name) && (best < 0 || m.Keys[i].gen > m.Keys[best].gen) {
			best = i
		}
	}
	if best < 0 {
		return nil, false
	}
	return &m.Keys[best], true
}

// lookupExact finds a key by its exact spelling; variables are
// case-sensitive in nats-server, unlike option names.
func (m *Map) lookupExact(name string) (*Key, bool) {
	if m == nil {
		return nil, false
	}
	i := m.indexExact(name)
	if i < 0 {
		return nil, false
	}
	return &m.Keys[i], true
}

// Interface converts the map to plain Go values (map[string]any with
// string, int64, float64, bool, time.Time, map[string]any and []any
// leaves), the shape nats-server's own parser produces.
func (m *Map) Interface() map[string]any {
	if m == nil {
		return nil
	}
	out := make(map[string]any, len(m.Keys))
	for _, k := range m.Keys {
		out[k.Name] = k.Value.Interface()
	}
	return out
}

// Interface converts the value to a plain Go value; see Map.Interface.
func (v *Value) Interface() any {
	if v == nil {
		return nil
	}
	switch v.Kind {
	case KindString:
		return v.Str
	case KindInt:
		return v.Int
	case KindFloat:
		return v.Float
	case KindBool:
		return v.Bool
	case KindTime:
		return v.Time
	case KindMap:
		return v.Map.Interface()
	case KindArray:
		out := make([]any, len(v.Array))
		for i, e := range v.Array {
			out[i] = e.Interface()
		}
		return out
	}
	return nil
}

// viaVar returns a copy of v describing a reference to variable name at pos.
// The copy is shallow on purpose: maps and arrays are shared, which keeps
// repeated references cheap and bounded in memory.
func (v *Value) viaVar(name string, pos Pos, raw string) *Value {
	c := *v
	c.Pos = pos
	c.Raw = raw
	c.Var = name
	return &c
}
