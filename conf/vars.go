package conf

import (
	"errors"
	"strings"
)

// errEnvChain marks errors about variables referenced from environment
// variable values. Such errors are reported as they are, at the outermost
// reference, rather than wrapped once per level of the chain.
var errEnvChain = errors.New("environment variable chain")

// maxEnvDepth bounds chains of environment variables whose values refer
// to other environment variables.
const maxEnvDepth = 32

// resolveVar resolves $name referenced at pos. Like nats-server, it looks
// for a key with exactly that spelling defined earlier in the current block
// or an enclosing one, and then in the environment. A found key is marked
// Used so consumers do not report it as an unknown option.
func (p *parser) resolveVar(sc *scope, name string, pos Pos, raw string) (*Value, error) {
	for c := sc; c != nil; c = c.parent {
		if k, ok := c.m.lookupExact(name); ok {
			k.Used = true
			return k.Value.viaVar(name, pos, raw), nil
		}
	}
	if strings.HasPrefix(name, "{") {
		return nil, errorf(pos, "the ${...} form is not supported: write the variable as $%s", strings.TrimPrefix(name, "{"))
	}
	v, err := p.envValue(name, pos)
	if err != nil {
		return nil, err
	}
	return v.viaVar(name, pos, raw), nil
}

// envValue looks name up in the environment. The text of the variable is
// parsed as a configuration value, so NAME=4222 gives an integer and
// NAME="[a, b]" an array, the way nats-server does it. Parsed values are
// cached: a variable referenced many times is parsed once, which also keeps
// variables that expand to each other from blowing up exponentially.
func (p *parser) envValue(name string, pos Pos) (*Value, error) {
	sh := p.shared
	if v, ok := sh.envCache[name]; ok {
		return v, nil
	}
	text, ok := sh.lookupEnv(name)
	if !ok {
		if n := len(sh.envStack); n > 0 {
			return nil, &Error{Pos: pos, Msg: "variable $" + name + ", used by environment variable " + sh.envStack[n-1] + ", is not defined in the environment", Err: errEnvChain}
		}
		return nil, errorf(pos, "variable $%s is not defined in this block, an enclosing block or the environment", name)
	}
	for _, n := range sh.envStack {
		if n == name {
			return nil, &Error{Pos: pos, Msg: "environment variables refer to each other in a cycle: " + strings.Join(append(sh.envStack, name), " -> "), Err: errEnvChain}
		}
	}
	if len(sh.envStack) >= maxEnvDepth {
		return nil, &Error{Pos: pos, Msg: "environment variables refer to each other too deeply: " + strings.Join(sh.envStack, " -> "), Err: errEnvChain}
	}
	sh.envStack = append(sh.envStack, name)
	defer func() { sh.envStack = sh.envStack[:len(sh.envStack)-1] }()

	// The text is parsed in a scope of its own: it can use other
	// environment variables but not the keys around the reference.
	sub := &parser{s: newScanner(p.s.file, text), shared: sh, depth: p.depth}
	v, err := sub.parseLoneValue()
	if err != nil {
		var e *Error
		if errors.As(err, &e) && errors.Is(err, errEnvChain) {
			return nil, &Error{Pos: pos, Msg: e.Msg, Err: errEnvChain}
		}
		msg := err.Error()
		if e != nil && e.Pos.File == p.s.file {
			msg = e.Msg // positions inside the variable's text mean little
		}
		return nil, errorf(pos, "environment variable %s=%q is not a valid value: %s", name, text, msg)
	}
	setPos(v, pos)
	if sh.envCache == nil {
		sh.envCache = make(map[string]*Value)
	}
	sh.envCache[name] = v
	return v, nil
}

// parseLoneValue parses text holding a single value, such as the value of
// an environment variable. Empty text is the empty string.
func (p *parser) parseLoneValue() (*Value, error) {
	s := p.s
	s.skipBlank()
	if s.eof() {
		return &Value{Kind: KindString, Pos: s.pos()}, nil
	}
	v, err := p.parseValue(nil, inTop)
	if err != nil {
		return nil, err
	}
	if err := p.afterValue(inTop); err != nil {
		return nil, err
	}
	s.skipBlank()
	if !s.eof() {
		return nil, errorf(s.pos(), "unexpected %s after the value", quoteRune(s.peekRune()))
	}
	return v, nil
}

// setPos gives every value of a tree parsed from an environment variable
// the position of the reference, so errors point into the configuration.
// Values obtained through another variable already carry a position and
// may be shared, so the walk does not descend into them; that also keeps
// it linear when variables expand to each other.
func setPos(v *Value, pos Pos) {
	v.Pos = pos
	if v.Var != "" {
		return
	}
	switch v.Kind {
	case KindMap:
		for i := range v.Map.Keys {
			v.Map.Keys[i].Pos = pos
			setPos(v.Map.Keys[i].Value, pos)
		}
	case KindArray:
		for _, e := range v.Array {
			setPos(e, pos)
		}
	}
}
