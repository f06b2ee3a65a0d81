package server

import (
	"errors"
	"fmt"
	"strings"

	"github.com/nats-io/nkeys"

	"github.com/natsd/natsd/accounts"
	"github.com/natsd/natsd/conf"
)

// The auth callout (server/auth_callout.go) in the authorization block:
//
//	authorization {
//	  users: [ { user: auth, password: pwd } ]
//	  auth_callout {
//	    issuer: ABJHLOVMPA4CI6R5KLNGOB4GSLNIY7IOUPAJC4YFNDLQVIOBYQGUWVLA  # signs the responses
//	    auth_users: [ auth ]            # authenticated as configured, never called out
//	    account: AUTH                   # where the service listens ($G when unset)
//	    xkey: XAB3NANV3M6N7AHSQP2U5FRWKKUT7EG2ZXXABV4XVXYQRJGM4S2CZGHT   # encrypt requests for it
//	    allowed_accounts: [ A, B ]      # accounts a response may place users in (all when unset)
//	  }
//	}

// AuthCalloutOpts configure the auth callout.
type AuthCalloutOpts struct {
	// Issuer is the account public key the service signs its responses
	// (and the user JWTs in them) with.
	Issuer string
	// AuthUsers are the users (names or nkeys) that authenticate as
	// configured: the service's own connections.
	AuthUsers []string
	// Account is the account the requests are published in ("": $G).
	Account string
	// XKey, when set, is the service's public curve key: requests are
	// encrypted for it.
	XKey string
	// AllowedAccounts limits the accounts a response may name.
	AllowedAccounts []string
}

func init() {
	authorizationKeys = append(authorizationKeys, optionKey{names: []string{"auth_callout", "callout"}, set: setAuthCallout})
}

func setAuthCallout(o *Options, v *conf.Value) error {
	m, err := v.AsMap()
	if err != nil {
		return err
	}
	co := &AuthCalloutOpts{}
	for i := range m.Keys {
		k := &m.Keys[i]
		var err error
		switch strings.ToLower(k.Name) {
		case "issuer":
			if co.Issuer, err = k.Value.AsString(); err == nil && !nkeys.IsValidPublicAccountKey(co.Issuer) {
				err = k.Value.Errorf("auth_callout issuer %q is not an account public key", co.Issuer)
			}
		case "auth_users", "auth_user":
			co.AuthUsers, err = k.Value.AsStringSlice()
		case "account":
			co.Account, err = k.Value.AsString()
		case "xkey", "x_key":
			if co.XKey, err = k.Value.AsString(); err == nil && !nkeys.IsValidPublicCurveKey(co.XKey) {
				err = k.Value.Errorf("auth_callout xkey %q is not a public xkey", co.XKey)
			}
		case "allowed_accounts":
			co.AllowedAccounts, err = k.Value.AsStringSlice()
		default:
			if k.Used {
				continue
			}
			msg := fmt.Sprintf("unknown field %q in auth_callout", k.Name)
			if hint := conf.DidYouMean(k.Name, []string{"issuer", "auth_users", "account", "xkey", "allowed_accounts"}); hint != "" {
				msg += fmt.Sprintf(" (did you mean %q?)", hint)
			}
			err = &conf.Error{Pos: k.Pos, Msg: msg}
		}
		if err != nil {
			return err
		}
	}
	if co.Issuer == "" {
		return v.Errorf("auth_callout needs an issuer (an account public key)")
	}
	o.AuthCallout = co
	return nil
}

// validateCallout checks the auth callout against the users and accounts.
func (o *Options) validateCallout() error {
	co := o.AuthCallout
	if co == nil {
		return nil
	}
	if len(o.Operators) > 0 {
		return errors.New("auth_callout in the authorization block is not supported in operator mode by natsd")
	}
	if len(co.AuthUsers) == 0 {
		return errors.New("auth_callout needs auth_users: the users the callout service itself connects as")
	}
	for _, name := range co.AuthUsers {
		found := false
		for _, u := range o.Users {
			found = found || u.Username == name || u.Nkey == name
		}
		if !found && o.Username != name {
			return fmt.Errorf("auth_callout auth user %q is not a configured user", name)
		}
	}
	known := func(acc string) bool {
		if acc == "" || acc == accounts.Global {
			return true
		}
		return definedIn(o.Accounts, acc)
	}
	if !known(co.Account) {
		return fmt.Errorf("auth_callout account %q is not defined", co.Account)
	}
	for _, acc := range co.AllowedAccounts {
		if !known(acc) {
			return fmt.Errorf("auth_callout allowed account %q is not defined", acc)
		}
	}
	return nil
}
