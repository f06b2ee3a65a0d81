package server

import (
	"fmt"
	"time"

	"github.com/natsd/natsd/auth"
	"github.com/natsd/natsd/conf"
	"github.com/natsd/natsd/ratelimit"
)

// The authorization block:
//
//	authorization {
//	  user: derek, password: $2a$11$...     # or token: s3cr3t
//	  timeout: 2                             # seconds, or "2s"
//	  default_permissions { publish: "SANDBOX.>" }
//	  users: [ { user: a, password: b, permissions: { publish: { allow: [...], deny: [...] },
//	             subscribe: [...], allow_responses: true } },
//	           { nkey: UDXU4RCSJNZOIQHZNWXHXORDPRTGNJAHAHFRGZNEEJCPQTT2M7NLCNF4 } ]
//	}

var authorizationKeys = []optionKey{
	{names: []string{"user", "username"}, set: stringTo(func(o *Options) *string { return &o.Username })},
	{names: []string{"password", "pass"}, set: stringTo(func(o *Options) *string { return &o.Password })},
	{names: []string{"token"}, set: stringTo(func(o *Options) *string { return &o.Authorization })},
	{names: []string{"timeout"}, set: setAuthTimeout},
	{names: []string{"users"}, set: setUsers},
	{names: []string{"default_permissions"}, set: func(o *Options, v *conf.Value) error {
		p, err := permissionsValue(v)
		o.DefaultPermissions = p
		return err
	}},
}

func setAuthorization(o *Options, v *conf.Value) error {
	m, err := v.AsMap()
	if err != nil {
		return err
	}
	return applyKeys(o, m, authorizationKeys, []string{"accounts", "auth_callout"})
}

// setAuthTimeout takes seconds (integer or fraction) or a duration string.
func setAuthTimeout(o *Options, v *conf.Value) error {
	var d time.Duration
	switch v.Kind {
	case conf.KindFloat:
		d = time.Duration(v.Float * float64(time.Second))
	default:
		var err error
		if d, err = v.AsDuration(); err != nil {
			return err
		}
	}
	if d <= 0 {
		return v.Errorf("auth timeout must be positive")
	}
	o.AuthTimeout = d
	return nil
}

func setUsers(o *Options, v *conf.Value) error {
	list, err := v.AsArray()
	if err != nil {
		return err
	}
	for _, item := range list {
		m, err := item.AsMap()
		if err != nil {
			return err
		}
		u := &auth.User{}
		for i := range m.Keys {
			k := &m.Keys[i]
			var err error
			switch {
			case containsFold([]string{"user", "username"}, k.Name):
				u.Username, err = k.Value.AsString()
			case containsFold([]string{"password", "pass"}, k.Name):
				u.Password, err = k.Value.AsString()
			case containsFold([]string{"nkey"}, k.Name):
				u.Nkey, err = k.Value.AsString()
			case containsFold([]string{"permissions", "permission"}, k.Name):
				u.Permissions, err = permissionsValue(k.Value)
			case containsFold([]string{"max_connections", "max_conns"}, k.Name):
				var n int64
				n, err = limitValue(k.Value, 1<<31-1)
				u.Limits.MaxConnections = int(n)
			case containsFold(rateKeys, k.Name):
				err = rateLimitValue(k.Name, k.Value, &u.Limits.MsgsPerSecond, &u.Limits.BytesPerSecond)
			default:
				if k.Used {
					continue
				}
				msg := fmt.Sprintf("unknown field %q in user", k.Name)
				if hint := conf.DidYouMean(k.Name, []string{"user", "password", "nkey", "permissions", "max_connections", "max_msgs_per_second", "max_bytes_per_second"}); hint != "" {
					msg += fmt.Sprintf(" (did you mean %q?)", hint)
				}
				return &conf.Error{Pos: k.Pos, Msg: msg}
			}
			if err != nil {
				return err
			}
		}
		if u.Username == "" && u.Nkey == "" {
			return item.Errorf("a user needs a user name or an nkey")
		}
		o.Users = append(o.Users, u)
	}
	return nil
}

// permissionsValue reads { publish, subscribe, allow_responses }.
func permissionsValue(v *conf.Value) (*auth.Permissions, error) {
	m, err := v.AsMap()
	if err != nil {
		return nil, err
	}
	p := &auth.Permissions{}
	for i := range m.Keys {
		k := &m.Keys[i]
		switch {
		case containsFold([]string{"publish", "pub"}, k.Name):
			p.Publish, err = subjectPermissionValue(k.Value)
		case containsFold([]string{"subscribe", "sub"}, k.Name):
			p.Subscribe, err = subjectPermissionValue(k.Value)
		case containsFold([]string{"allow_responses", "allow_response", "responses"}, k.Name):
			p.Response, err = responsePermissionValue(k.Value)
		default:
			msg := fmt.Sprintf("unknown field %q in permissions", k.Name)
			if hint := conf.DidYouMean(k.Name, []string{"publish", "subscribe", "allow_responses"}); hint != "" {
				msg += fmt.Sprintf(" (did you mean %q?)", hint)
			}
			return nil, &conf.Error{Pos: k.Pos, Msg: msg}
		}
		if err != nil {
			return nil, err
		}
	}
	return p, nil
}

// subjectPermissionValue reads a subject, a list of subjects (an allow
// list), or { allow, deny }.
func subjectPermissionValue(v *conf.Value) (*auth.SubjectPermission, error) {
	if v.Kind != conf.KindMap {
		allow, err := v.AsStringSlice()
		if err != nil {
			return nil, err
		}
		return &auth.SubjectPermission{Allow: allow}, nil
	}
	sp := &auth.SubjectPermission{}
	for i := range v.Map.Keys {
		k := &v.Map.Keys[i]
		var err error
		switch {
		case containsFold([]string{"allow"}, k.Name):
			sp.Allow, err = k.Value.AsStringSlice()
		case containsFold([]string{"deny"}, k.Name):
			sp.Deny, err = k.Value.AsStringSlice()
		default:
			return nil, &conf.Error{Pos: k.Pos, Msg: fmt.Sprintf("unknown field %q (expected allow or deny)", k.Name)}
		}
		if err != nil {
			return nil, err
		}
	}
	return sp, nil
}

// responsePermissionValue reads true/false or { max, expires }. With true
// a requester may get one reply, with no time limit.
func responsePermissionValue(v *conf.Value) (*auth.ResponsePermission, error) {
	if v.Kind == conf.KindBool {
		if !v.Bool {
			return nil, nil
		}
		return &auth.ResponsePermission{MaxMsgs: 1}, nil
	}
	m, err := v.AsMap()
	if err != nil {
		return nil, err
	}
	rp := &auth.ResponsePermission{MaxMsgs: 1}
	for i := range m.Keys {
		k := &m.Keys[i]
		switch {
		case containsFold([]string{"max", "max_msgs", "max_responses"}, k.Name):
			n, err := k.Value.AsInt()
			if err != nil {
				return nil, err
			}
			rp.MaxMsgs = int(n)
		case containsFold([]string{"expires", "ttl"}, k.Name):
			d, err := k.Value.AsDuration()
			if err != nil {
				return nil, err
			}
			rp.Expires = d
		default:
			return nil, &conf.Error{Pos: k.Pos, Msg: fmt.Sprintf("unknown field %q (expected max or expires)", k.Name)}
		}
	}
	return rp, nil
}

// rateKeys are the publish rate limit keys of a user and of an account's
// limits (natsd only).
var rateKeys = []string{"max_msgs_per_second", "max_bytes_per_second"}

// rateLimitValue reads max_msgs_per_second (a count) or
// max_bytes_per_second (a size: 1MB is 1048576) into msgs or bytes.
func rateLimitValue(key string, v *conf.Value, msgs, bytes *int64) error {
	n, err := limitValue(v, ratelimit.MaxRate)
	if err != nil {
		return err
	}
	if containsFold(rateKeys[:1], key) {
		*msgs = n
	} else {
		*bytes = n
	}
	return nil
}

// limitValue reads a limit: a whole number from 0 to maxN, where -1 (as
// in nats-server's limits) and 0 mean none.
func limitValue(v *conf.Value, maxN int64) (int64, error) {
	n, err := v.AsInt()
	if err != nil {
		return 0, err
	}
	if n < -1 || n > maxN {
		return 0, v.Errorf("%d is out of range (0 to %d, or -1 for no limit)", n, maxN)
	}
	return max(n, 0), nil
}
