package server

import (
	"fmt"
	"strconv"
	"strings"

	"github.com/natsd/natsd/accounts"
	"github.com/natsd/natsd/auth"
	"github.com/natsd/natsd/conf"
	"github.com/natsd/natsd/sublist"
)

// The accounts block (see accounts/ for the rules and server/account.go
// for the running accounts):
//
//	accounts {
//	  A: {
//	    users: [ { user: a, password: a }, { nkey: U... } ]
//	    exports: [
//	      { stream: "pub.>" }                          # public
//	      { stream: "priv.>", accounts: [B] }          # private to B
//	      { service: "svc.>", response_type: stream, response_threshold: "5s" }
//	    ]
//	    limits: { max_connections: 100, max_subscriptions: 1000, max_payload: 65536 }
//	  }
//	  B: {
//	    users: [ { user: b, password: b } ]
//	    imports: [
//	      { stream: { account: A, subject: "pub.>" }, prefix: "a" }
//	      { service: { account: A, subject: "svc.q" }, to: "q" }
//	    ]
//	  }
//	}
//	system_account: SYS

// setAccounts reads the accounts block: a map of account name to account.
func setAccounts(o *Options, v *conf.Value) error {
	m, err := v.AsMap()
	if err != nil {
		return err
	}
	owner := make(map[string]string) // user or nkey → account, for duplicates
	for _, u := range o.Users {
		owner[userKey(u)] = accounts.Global
	}
	for i := range m.Keys {
		k := &m.Keys[i]
		if k.Used {
			continue
		}
		if k.Name == accounts.Global {
			return &conf.Error{Pos: k.Pos, Msg: fmt.Sprintf("account name %q is reserved", k.Name)}
		}
		acc := &accounts.Account{Name: k.Name, Pos: k.Pos}
		users, err := accountValue(acc, k.Value)
		if err != nil {
			return err
		}
		for _, u := range users {
			key := userKey(u.User)
			if prev, dup := owner[key]; dup {
				return &conf.Error{Pos: u.pos, Msg: fmt.Sprintf("user %q is in account %q and in account %q: a user belongs to one account", key, prev, k.Name)}
			}
			owner[key] = k.Name
			u.Account = k.Name
			o.Users = append(o.Users, u.User)
		}
		o.Accounts = append(o.Accounts, acc)
	}
	return nil
}

func userKey(u *auth.User) string {
	if u.Nkey != "" {
		return u.Nkey
	}
	return u.Username
}

type posUser struct {
	*auth.User
	pos conf.Pos
}

// accountValue reads one account's map.
func accountValue(acc *accounts.Account, v *conf.Value) ([]posUser, error) {
	m, err := v.AsMap()
	if err != nil {
		return nil, err
	}
	var users []posUser
	for i := range m.Keys {
		k := &m.Keys[i]
		var err error
		switch {
		case containsFold([]string{"users"}, k.Name):
			var tmp Options
			if err = setUsers(&tmp, k.Value); err == nil {
				items, _ := k.Value.AsArray()
				for j, u := range tmp.Users {
					users = append(users, posUser{u, items[j].Pos})
				}
			}
		case containsFold([]string{"exports"}, k.Name):
			err = exportsValue(acc, k.Value)
		case containsFold([]string{"imports"}, k.Name):
			err = importsValue(acc, k.Value)
		case containsFold([]string{"limits"}, k.Name):
			err = limitsValue(&acc.Limits, k.Value)
		case containsFold([]string{"mappings", "maps"}, k.Name):
			acc.Mappings, err = mappingsValue(k.Value, fmt.Sprintf("account %q", acc.Name))
		case containsFold([]string{"jetstream"}, k.Name):
			acc.JetStream, err = accountJetStreamValue(k.Value)
		case containsFold([]string{"nkey", "default_permissions", "msg_trace", "trace_dest"}, k.Name):
			err = &conf.Error{Pos: k.Pos, Msg: fmt.Sprintf("%q in account %q is not supported by natsd yet", k.Name, acc.Name)}
		default:
			if k.Used {
				continue
			}
			msg := fmt.Sprintf("unknown field %q in account %q", k.Name, acc.Name)
			if hint := conf.DidYouMean(k.Name, []string{"users", "exports", "imports", "limits", "mappings"}); hint != "" {
				msg += fmt.Sprintf(" (did you mean %q?)", hint)
			}
			err = &conf.Error{Pos: k.Pos, Msg: msg}
		}
		if err != nil {
			return nil, err
		}
	}
	return users, nil
}

func exportsValue(acc *accounts.Account, v *conf.Value) error {
	list, err := v.AsArray()
	if err != nil {
		return err
	}
	for _, item := range list {
		m, err := item.AsMap()
		if err != nil {
			return err
		}
		e := &accounts.Export{Pos: item.Pos}
		kinds := 0
		for i := range m.Keys {
			k := &m.Keys[i]
			var err error
			switch {
			case containsFold([]string{"stream"}, k.Name):
				kinds++
				e.Subject, err = k.Value.AsString()
			case containsFold([]string{"service"}, k.Name):
				kinds++
				e.Service = true
				e.Subject, err = k.Value.AsString()
			case containsFold([]string{"accounts"}, k.Name):
				e.Accounts, err = k.Value.AsStringSlice()
			case containsFold([]string{"response_type", "response"}, k.Name):
				var s string
				if s, err = k.Value.AsString(); err == nil {
					var ok bool
					if e.ResponseType, ok = accounts.ParseResponseType(s); !ok {
						err = k.Value.Errorf("response_type %q is not singleton, stream or chunked", s)
					}
				}
			case containsFold([]string{"response_threshold", "threshold"}, k.Name):
				e.ResponseThreshold, err = k.Value.AsDuration()
			case containsFold([]string{"latency"}, k.Name):
				e.Latency, err = latencyValue(k.Value)
			case containsFold([]string{"allow_trace", "account_token_position", "advertise"}, k.Name):
				err = &conf.Error{Pos: k.Pos, Msg: fmt.Sprintf("%q in an export is not supported by natsd yet", k.Name)}
			default:
				err = &conf.Error{Pos: k.Pos, Msg: fmt.Sprintf("unknown field %q in export (expected stream or service, accounts, response_type, response_threshold, latency)", k.Name)}
			}
			if err != nil {
				return err
			}
		}
		if kinds != 1 {
			return item.Errorf("an export of account %q needs exactly one of stream or service", acc.Name)
		}
		acc.Exports = append(acc.Exports, e)
	}
	return nil
}

func importsValue(acc *accounts.Account, v *conf.Value) error {
	list, err := v.AsArray()
	if err != nil {
		return err
	}
	for _, item := range list {
		m, err := item.AsMap()
		if err != nil {
			return err
		}
		im := &accounts.Import{Pos: item.Pos}
		kinds := 0
		for i := range m.Keys {
			k := &m.Keys[i]
			var err error
			switch {
			case containsFold([]string{"stream"}, k.Name):
				kinds++
				err = importSource(im, k.Value)
			case containsFold([]string{"service"}, k.Name):
				kinds++
				im.Service = true
				err = importSource(im, k.Value)
			case containsFold([]string{"prefix"}, k.Name):
				im.Prefix, err = k.Value.AsString()
			case containsFold([]string{"to", "local_subject"}, k.Name):
				im.To, err = k.Value.AsString()
			case containsFold([]string{"share"}, k.Name):
				im.Share, err = k.Value.AsBool()
			case containsFold([]string{"allow_trace"}, k.Name):
				err = &conf.Error{Pos: k.Pos, Msg: fmt.Sprintf("%q in an import is not supported by natsd yet", k.Name)}
			default:
				err = &conf.Error{Pos: k.Pos, Msg: fmt.Sprintf("unknown field %q in import (expected stream or service, prefix, to, share)", k.Name)}
			}
			if err != nil {
				return err
			}
		}
		if kinds != 1 {
			return item.Errorf("an import of account %q needs exactly one of stream or service", acc.Name)
		}
		acc.Imports = append(acc.Imports, im)
	}
	return nil
}

// latencyValue reads an export's latency: { sampling: 50% (or 50),
// subject: "lat.svc" } (results is accepted for subject, as account JWTs
// name it). The sampling defaults to 100%.
func latencyValue(v *conf.Value) (*accounts.Latency, error) {
	m, err := v.AsMap()
	if err != nil {
		return nil, err
	}
	l := &accounts.Latency{Sampling: 100}
	for i := range m.Keys {
		k := &m.Keys[i]
		switch {
		case containsFold([]string{"sampling"}, k.Name):
			var n int64
			if k.Value.Kind == conf.KindString {
				var str string
				str, _ = k.Value.AsString()
				n, err = strconv.ParseInt(strings.TrimSuffix(strings.TrimSpace(str), "%"), 10, 64)
				if err != nil {
					return nil, k.Value.Errorf("latency sampling %q is not a percentage", str)
				}
			} else if n, err = k.Value.AsInt(); err != nil {
				return nil, err
			}
			if n < 1 || n > 100 {
				return nil, k.Value.Errorf("latency sampling %d%% is not between 1%% and 100%%", n)
			}
			l.Sampling = int(n)
		case containsFold([]string{"subject", "results"}, k.Name):
			if l.Subject, err = k.Value.AsString(); err != nil {
				return nil, err
			}
			if !sublist.ValidLiteralSubject(l.Subject) {
				return nil, k.Value.Errorf("latency subject %q is not a valid literal subject", l.Subject)
			}
		default:
			return nil, &conf.Error{Pos: k.Pos, Msg: fmt.Sprintf("unknown field %q in latency (expected sampling, subject)", k.Name)}
		}
	}
	if l.Subject == "" {
		return nil, v.Errorf("Latency subject required, but missing")
	}
	return l, nil
}

// importSource reads { account: A, subject: "x" }.
func importSource(im *accounts.Import, v *conf.Value) error {
	m, err := v.AsMap()
	if err != nil {
		return err
	}
	for i := range m.Keys {
		k := &m.Keys[i]
		var err error
		switch {
		case containsFold([]string{"account"}, k.Name):
			im.Account, err = k.Value.AsString()
		case containsFold([]string{"subject"}, k.Name):
			im.Subject, err = k.Value.AsString()
		default:
			err = &conf.Error{Pos: k.Pos, Msg: fmt.Sprintf("unknown field %q in import (expected account and subject)", k.Name)}
		}
		if err != nil {
			return err
		}
	}
	if im.Account == "" || im.Subject == "" {
		return v.Errorf("an import needs an account and a subject")
	}
	return nil
}

// limitsValue reads { max_connections, max_subscriptions, max_payload,
// max_msgs_per_second, max_bytes_per_second }.
func limitsValue(l *accounts.Limits, v *conf.Value) error {
	m, err := v.AsMap()
	if err != nil {
		return err
	}
	for i := range m.Keys {
		k := &m.Keys[i]
		if containsFold(rateKeys, k.Name) {
			if err := rateLimitValue(k.Name, k.Value, &l.MsgsPerSecond, &l.BytesPerSecond); err != nil {
				return err
			}
			continue
		}
		n, err := limitValue(k.Value, 1<<31-1)
		if err != nil {
			return err
		}
		switch {
		case containsFold([]string{"max_connections", "max_conns"}, k.Name):
			l.MaxConnections = int(n)
		case containsFold([]string{"max_subscriptions", "max_subs"}, k.Name):
			l.MaxSubscriptions = int(n)
		case containsFold([]string{"max_payload", "max_pay"}, k.Name):
			l.MaxPayload = int32(n)
		case containsFold([]string{"max_leafnodes", "max_leafs"}, k.Name):
			l.MaxLeafNodes = int(n)
		default:
			return &conf.Error{Pos: k.Pos, Msg: fmt.Sprintf("unknown field %q in limits (expected max_connections, max_subscriptions, max_payload, max_leafnodes, max_msgs_per_second, max_bytes_per_second)", k.Name)}
		}
	}
	return nil
}

// validateAccounts checks the accounts as a whole (accounts.Validate) and
// the names the rest of the configuration gives them.
func (o *Options) validateAccounts() error {
	if err := accounts.Validate(o.Accounts); err != nil {
		return err
	}
	if len(o.Operators) == 0 && o.SystemAccount != "" && o.SystemAccount != accounts.DefaultSystem && o.SystemAccount != accounts.Global {
		found := false
		for _, a := range o.Accounts {
			found = found || a.Name == o.SystemAccount
		}
		if !found {
			return fmt.Errorf("system_account %q is not defined in the accounts block", o.SystemAccount)
		}
	}
	return nil
}
