package server

import (
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"time"

	"github.com/nats-io/jwt/v2"

	"github.com/natsd/natsd/conf"
	"github.com/natsd/natsd/jwtauth"
)

// Operator mode configuration (server/operator.go runs it):
//
//	operator: "/path/to/operator.jwt"     # or the JWT itself, or a list
//	system_account: ACCOUNTPUBLICKEY...
//	resolver: MEMORY
//	resolver_preload: { ACCOUNTPUBLICKEY...: "eyJ0eXAi..." }
//
//	resolver: { type: full, dir: "./jwt", allow_delete: false, interval: "2m", timeout: "1.9s" }
//	resolver: { type: cache, dir: "./jwt", ttl: "1h", limit: 1000 }

// Resolver types.
const (
	ResolverMemory = "MEMORY"
	ResolverFull   = "full"
	ResolverCache  = "cache"
)

// ResolverOpts configure where account JWTs come from in operator mode.
type ResolverOpts struct {
	// Type is ResolverMemory (resolver_preload only), ResolverFull (a
	// directory of JWTs, updated over $SYS) or ResolverCache (a
	// directory that caches the JWTs looked up from the cluster).
	Type string
	// Dir holds the account JWTs (full and cache): one <pubkey>.jwt each.
	Dir string
	// AllowDelete lets $SYS.REQ.CLAIMS.DELETE remove JWTs (full only).
	AllowDelete bool
	// Interval is how often a full resolver compares its JWTs with the
	// cluster's; Timeout bounds a lookup from the cluster.
	Interval, Timeout time.Duration
	// Limit bounds the number of JWTs kept; TTL how long a cache keeps one.
	Limit int
	TTL   time.Duration
}

// operatorKeys are the top-level keys of operator mode.
var operatorKeys = []optionKey{
	{names: []string{"operator", "operators", "trusted_operators"}, set: setOperators},
	{names: []string{"resolver", "account_resolver", "accounts_resolver"}, set: setResolver},
	{names: []string{"resolver_preload"}, set: setResolverPreload},
}

func init() { topLevelKeys = append(topLevelKeys, operatorKeys...) }

// setOperators reads one operator JWT (inline or a file) or a list.
func setOperators(o *Options, v *conf.Value) error {
	vals := []*conf.Value{v}
	if v.Kind == conf.KindArray {
		vals = v.Array
	}
	for _, e := range vals {
		s, err := e.AsString()
		if err != nil {
			return err
		}
		oc, err := jwtauth.ReadOperator(operatorPath(s, e.Pos.File))
		if err != nil {
			return &conf.Error{Pos: e.Pos, Msg: fmt.Sprintf("error parsing operator JWT: %v", err)}
		}
		o.Operators = append(o.Operators, oc)
	}
	return nil
}

// operatorPath resolves a relative operator file: as given when it
// exists there (the reference reads it relative to the working
// directory), else next to the configuration file.
func operatorPath(s, confFile string) string {
	if strings.HasPrefix(s, "eyJ") || filepath.IsAbs(s) || confFile == "" {
		return s
	}
	if _, err := os.Stat(s); err == nil {
		return s
	}
	if p := filepath.Join(filepath.Dir(confFile), s); fileExists(p) {
		return p
	}
	return s
}

func fileExists(p string) bool {
	_, err := os.Stat(p)
	return err == nil
}

// setResolver reads `resolver: MEMORY` or the map of a full or cache
// resolver.
func setResolver(o *Options, v *conf.Value) error {
	if v.Kind == conf.KindString {
		switch {
		case strings.EqualFold(v.Str, ResolverMemory):
			o.Resolver = ResolverOpts{Type: ResolverMemory}
			return nil
		case strings.HasPrefix(strings.ToUpper(v.Str), "URL("):
			return v.Errorf("URL account resolvers are not supported by natsd: use MEMORY, full or cache")
		}
		return v.Errorf("resolver %q is not MEMORY, a URL or a map", v.Str)
	}
	m, err := v.AsMap()
	if err != nil {
		return err
	}
	r := ResolverOpts{}
	for i := range m.Keys {
		k := &m.Keys[i]
		var err error
		switch strings.ToLower(k.Name) {
		case "type":
			var s string
			if s, err = k.Value.AsString(); err == nil {
				switch strings.ToLower(s) {
				case "full":
					r.Type = ResolverFull
				case "cache":
					r.Type = ResolverCache
				case "memory":
					r.Type = ResolverMemory
				default:
					err = k.Value.Errorf("resolver type %q is not full or cache", s)
				}
			}
		case "dir":
			r.Dir, err = k.Value.AsString()
		case "allow_delete":
			r.AllowDelete, err = k.Value.AsBool()
		case "hard_delete":
			_, err = k.Value.AsBool() // deleted JWTs are always removed
		case "interval":
			r.Interval, err = k.Value.AsDuration()
		case "timeout":
			r.Timeout, err = k.Value.AsDuration()
		case "ttl":
			r.TTL, err = k.Value.AsDuration()
		case "limit":
			var n int64
			n, err = k.Value.AsInt()
			r.Limit = int(n)
		default:
			if k.Used {
				continue
			}
			msg := fmt.Sprintf("unknown field %q in resolver", k.Name)
			if hint := conf.DidYouMean(k.Name, []string{"type", "dir", "allow_delete", "hard_delete", "interval", "timeout", "ttl", "limit"}); hint != "" {
				msg += fmt.Sprintf(" (did you mean %q?)", hint)
			}
			err = &conf.Error{Pos: k.Pos, Msg: msg}
		}
		if err != nil {
			return err
		}
	}
	if r.Type == "" {
		return v.Errorf("resolver needs a type (full or cache)")
	}
	if r.Type != ResolverMemory && r.Dir == "" {
		return v.Errorf("dir has no value and needs to point to a directory")
	}
	o.Resolver = r
	return nil
}

// setResolverPreload reads the map of account public key to account JWT.
func setResolverPreload(o *Options, v *conf.Value) error {
	m, err := v.AsMap()
	if err != nil {
		return err
	}
	if o.ResolverPreload == nil {
		o.ResolverPreload = make(map[string]string)
	}
	for i := range m.Keys {
		k := &m.Keys[i]
		s, err := k.Value.AsString()
		if err != nil {
			return err
		}
		ac, err := jwt.DecodeAccountClaims(strings.TrimSpace(s))
		if err != nil {
			return &conf.Error{Pos: k.Value.Pos, Msg: "invalid account JWT"}
		}
		if ac.Subject != k.Name {
			return &conf.Error{Pos: k.Pos, Msg: fmt.Sprintf("resolver_preload: key %q is not the account of its JWT (%q)", k.Name, ac.Subject)}
		}
		o.ResolverPreload[k.Name] = strings.TrimSpace(s)
	}
	return nil
}

// validateOperator checks the operator mode settings against the rest,
// with the reference's texts.
func (o *Options) validateOperator() error {
	if len(o.Operators) == 0 {
		if o.Resolver.Type != "" || len(o.ResolverPreload) > 0 {
			return errors.New("resolver and resolver_preload need trusted operators (operator)")
		}
		return nil
	}
	switch {
	case len(o.Users) > 0 || o.Username != "" || o.Authorization != "":
		return errors.New("operators do not allow users to be configured directly")
	case len(o.Accounts) > 0:
		return errors.New("operators do not allow Accounts to be configured directly")
	case o.Resolver.Type == "":
		return errors.New("operator mode needs a resolver: MEMORY, or a map of type full or cache (natsd does not fetch account JWTs from URLs)")
	}
	if o.Resolver.Type != ResolverMemory && o.SystemAccount == "" && jwtauth.NewTrust(o.Operators).SystemAccount() == "" {
		return errors.New("using nats based account resolver - the system account needs to be specified in configuration or the operator jwt")
	}
	trust := jwtauth.NewTrust(o.Operators)
	for pub, token := range o.ResolverPreload {
		if _, err := trust.DecodeAccount(token, pub); err != nil {
			return fmt.Errorf("resolver_preload: account %q: %v", pub, err)
		}
	}
	return nil
}
