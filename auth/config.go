package auth

import (
	"fmt"

	"github.com/nats-io/nkeys"
)

// User is one entry of the authorization users list: either a username
// with a password, or an nkey.
type User struct {
	Username string
	// Password is plain text or a bcrypt hash ("$2a$", "$2b$", "$2y$").
	// An empty password means the client must send none.
	Password string
	// Nkey is a public user nkey ("U..."), used instead of a username
	// and password: the client proves it holds the seed by signing the
	// nonce of the INFO.
	Nkey string
	// Permissions of this user; nil means Config.DefaultPermissions.
	Permissions *Permissions
	// Account is the account the user belongs to (accounts block); ""
	// is the global account. The auth package only carries the name into
	// the Identity: the server owns the accounts themselves.
	Account string
	// Limits are the user's connection and publish rate limits, carried
	// into the Identity for the server to enforce.
	Limits Limits
}

// Limits are a user's limits (natsd only: nats-server has no per-user
// connection or rate limits). Zero means none.
type Limits struct {
	// MaxConnections is how many connections the user may hold at once.
	MaxConnections int
	// MsgsPerSecond and BytesPerSecond bound the rate at which the
	// user's connections, together, publish (token buckets).
	MsgsPerSecond, BytesPerSecond int64
}

// Config is the server's auth configuration, from the command line flags
// or the authorization block. At most one of Token, Username and Users
// may be set. The zero Config (or nil) means no authentication.
type Config struct {
	// Token is the token clients send as auth_token; plain or bcrypt.
	Token string
	// Username and Password define a single user. As in nats-server, a
	// Password without a Username enables nothing.
	Username, Password string
	// Users is the users list (usernames and nkeys).
	Users []*User
	// NoAuthUser names a user (username or nkey) of Users that clients
	// sending no credentials at all are authenticated as.
	NoAuthUser string
	// DefaultPermissions apply to the Users that have none of their own.
	// The single user and the token get no permissions (nats-server
	// ignores permissions for them too).
	DefaultPermissions *Permissions
	// Operator is operator mode: clients authenticate with user JWTs,
	// which the server checks (package jwtauth); Check refuses everything
	// else. The server refuses it together with Token or users.
	Operator bool
}

type mode uint8

const (
	modeNone     mode = iota // no authentication configured
	modeToken                // Config.Token
	modeUser                 // Config.Username/Password
	modeUsers                // Config.Users
	modeOperator             // Config.Operator: user JWTs only
)

// account is a compiled User.
type account struct {
	pass secret
	kp   nkeys.KeyPair // nkey users only
	id   *Identity     // shared, immutable
}

// build validates cfg into a, with nats-server's error texts, completed
// with the offending name where the reference leaves it out.
func (a *Authenticator) build(cfg *Config) error {
	switch {
	case cfg.Token != "" && cfg.Username != "":
		return fmt.Errorf("Cannot have a user/pass and token")
	case cfg.Token != "" && len(cfg.Users) > 0:
		return fmt.Errorf("Can not have a token and a users array")
	case cfg.Username != "" && len(cfg.Users) > 0:
		return fmt.Errorf("Can not have a single user/pass and a users array")
	}
	switch {
	case cfg.Operator:
		a.mode = modeOperator
	case cfg.Token != "":
		a.mode = modeToken
		a.token = newSecret(cfg.Token)
		a.tokenID = &Identity{Method: MethodToken}
		if !a.token.valid() {
			a.warnings = append(a.warnings, "token looks like a bcrypt hash but is malformed: no client can match it")
		}
	case cfg.Username != "":
		a.mode = modeUser
		a.userName = newSecret(cfg.Username)
		a.single = &account{pass: newSecret(cfg.Password), id: &Identity{Name: cfg.Username, Method: MethodUser}}
		a.noteSecret(cfg.Username, a.single.pass)
	case len(cfg.Users) > 0:
		a.mode = modeUsers
		if err := a.buildUsers(cfg); err != nil {
			return err
		}
	}
	if cfg.NoAuthUser != "" {
		if a.mode != modeUsers {
			return fmt.Errorf("no_auth_user: %q present, but users/nkeys are not defined", cfg.NoAuthUser)
		}
		acct := a.users[cfg.NoAuthUser]
		if acct == nil {
			acct = a.nkeys[cfg.NoAuthUser]
		}
		if acct == nil {
			return fmt.Errorf("no_auth_user: %q not present as user or nkey in authorization block or account configuration", cfg.NoAuthUser)
		}
		id := *acct.id
		id.NoAuthUser = true
		a.noAuth = &id
	}
	return nil
}

func (a *Authenticator) buildUsers(cfg *Config) error {
	a.users = make(map[string]*account)
	a.nkeys = make(map[string]*account)
	def, err := Compile(cfg.DefaultPermissions)
	if err != nil {
		return fmt.Errorf("default_permissions: %w", err)
	}
	for i, u := range cfg.Users {
		if u == nil || (u.Username == "" && u.Nkey == "") {
			return fmt.Errorf("User entry requires a user (users[%d])", i)
		}
		perms := def
		if u.Permissions != nil {
			if perms, err = Compile(u.Permissions); err != nil {
				if u.Nkey != "" {
					return fmt.Errorf("nkey %q permissions: %w", u.Nkey, err)
				}
				return fmt.Errorf("user %q permissions: %w", u.Username, err)
			}
		}
		if u.Nkey != "" {
			if u.Username != "" || u.Password != "" {
				return fmt.Errorf("Nkey users do not take usernames or passwords (nkey %q)", u.Nkey)
			}
			if !nkeys.IsValidPublicUserKey(u.Nkey) {
				return fmt.Errorf("Not a valid public nkey for a user: %q", u.Nkey)
			}
			kp, err := nkeys.FromPublicKey(u.Nkey)
			if err != nil {
				return fmt.Errorf("Not a valid public nkey for a user: %q", u.Nkey)
			}
			if a.nkeys[u.Nkey] != nil || a.users[u.Nkey] != nil {
				return fmt.Errorf("Duplicate nkey %q detected", u.Nkey)
			}
			a.nkeys[u.Nkey] = &account{kp: kp, id: &Identity{Name: u.Nkey, Method: MethodNkey, Perms: perms, Account: u.Account, Limits: u.Limits}}
			continue
		}
		if a.users[u.Username] != nil {
			return fmt.Errorf("Duplicate user %q detected", u.Username)
		}
		if a.nkeys[u.Username] != nil {
			return fmt.Errorf("Duplicate nkey %q detected", u.Username)
		}
		acct := &account{pass: newSecret(u.Password), id: &Identity{Name: u.Username, Method: MethodUser, Perms: perms, Account: u.Account, Limits: u.Limits}}
		a.noteSecret(u.Username, acct.pass)
		a.users[u.Username] = acct
	}
	return nil
}

// noteSecret collects the configuration warnings about a password.
func (a *Authenticator) noteSecret(user string, s secret) {
	if s.hash == nil {
		if !a.plainWarned {
			a.plainWarned = true
			a.warnings = append(a.warnings, PlaintextPasswordWarning)
		}
	} else if !s.valid() {
		a.warnings = append(a.warnings, fmt.Sprintf("password of user %q looks like a bcrypt hash but is malformed: no client can match it", user))
	}
}

// PlaintextPasswordWarning is the reference's startup warning when a
// user has a plain-text password (an empty one included).
const PlaintextPasswordWarning = "Plaintext passwords detected, use nkeys or bcrypt"
