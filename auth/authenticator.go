package auth

// Authenticator checks the credentials of CONNECT against a Config. It
// is immutable once built and safe for concurrent use; build a new one
// on reload.
type Authenticator struct {
	mode mode

	token   secret
	tokenID *Identity

	userName secret // single user: username compared in constant time
	single   *account

	users  map[string]*account // by username
	nkeys  map[string]*account // by public nkey
	noAuth *Identity

	warnings    []string
	plainWarned bool
}

// Method says how an Identity was authenticated.
type Method uint8

const (
	MethodNone  Method = iota // no authentication configured
	MethodToken               // the configured token
	MethodUser                // username and password
	MethodNkey                // nkey signature of the nonce
	MethodJWT                 // user JWT (operator mode, package jwtauth)
)

// Identity is the result of a successful Check. It is shared between
// connections and must not be modified.
type Identity struct {
	// Name is the username or the public nkey; "" for a token or when
	// no authentication is configured.
	Name   string
	Method Method
	// NoAuthUser is set when the client sent no credentials and got the
	// no_auth_user's identity.
	NoAuthUser bool
	// Perms is the user's compiled permissions; nil allows everything.
	Perms *Checker
	// Account names the user's account (User.Account); "" is the global
	// account.
	Account string
	// Limits are the user's limits (User.Limits).
	Limits Limits
	// MaxSubscriptions and MaxPayload are the user's own limits (user
	// JWTs only; 0: none beyond the server's and the account's).
	MaxSubscriptions int
	MaxPayload       int32
}

// anonymous is the identity when no authentication is configured.
var anonymous = &Identity{}

// Credentials are the authentication fields of a CONNECT: user, pass,
// auth_token, nkey and sig.
type Credentials struct {
	User, Pass, Token, Nkey, Sig string
	// JWT is the user JWT of operator mode (checked by the server with
	// package jwtauth, not by Check).
	JWT string
}

// New validates cfg and builds its Authenticator. Errors use the
// reference server's wording and name the offending user, nkey or
// permission entry: duplicate users or nkeys, invalid nkeys, nkey users
// with a username or password, a no_auth_user that is not in Users,
// conflicting token/user/users settings, invalid permission subjects.
// A nil cfg means no authentication.
func New(cfg *Config) (*Authenticator, error) {
	a := &Authenticator{}
	if cfg == nil {
		return a, nil
	}
	if err := a.build(cfg); err != nil {
		return nil, err
	}
	return a, nil
}

// Required reports whether the INFO must say auth_required: some
// authentication is configured and there is no no_auth_user (with one,
// the reference leaves auth_required out).
func (a *Authenticator) Required() bool {
	return a != nil && a.mode != modeNone && a.noAuth == nil
}

// NeedsNonce reports whether the INFO must carry a nonce (see NewNonce):
// when at least one nkey user exists.
func (a *Authenticator) NeedsNonce() bool {
	return a != nil && (len(a.nkeys) > 0 || a.mode == modeOperator)
}

// Operator reports operator mode: clients must present a user JWT, which
// the server checks (Check refuses every other credential).
func (a *Authenticator) Operator() bool { return a != nil && a.mode == modeOperator }

// Warnings returns the configuration warnings to log at startup, such
// as PlaintextPasswordWarning.
func (a *Authenticator) Warnings() []string {
	if a == nil {
		return nil
	}
	return append([]string(nil), a.warnings...)
}

// Check authenticates the credentials of a CONNECT. nonce is the nonce
// sent in INFO (nil if none). It returns the identity, or an *AuthError
// wrapping ErrAuthorization whose text is the log line. Rules (as
// observed on the reference):
//
//   - no auth configured: everyone is anonymous, credentials ignored;
//   - token: only auth_token counts (user/pass are ignored);
//   - single user: only user and pass count (auth_token is ignored);
//   - users list: a client nkey, if nkey users exist, selects the nkey
//     path exclusively (unknown nkey, missing or bad signature: fail,
//     even with a valid user/pass); otherwise, with no user, pass and
//     auth_token at all, the no_auth_user (if any); otherwise the
//     username and password. A client nkey is ignored when no nkey user
//     is configured.
//
// Secrets are compared in constant time (plain) or with bcrypt. A nil
// Authenticator is the same as one built from a nil Config.
func (a *Authenticator) Check(cr *Credentials, nonce []byte) (*Identity, error) {
	if a == nil {
		return anonymous, nil
	}
	if cr == nil {
		cr = &Credentials{}
	}
	switch a.mode {
	case modeNone:
		return anonymous, nil
	case modeToken:
		if a.token.matches(cr.Token) {
			return a.tokenID, nil
		}
	case modeUser:
		// Evaluate both comparisons: no early exit on a wrong name.
		okUser := a.userName.matches(cr.User)
		okPass := a.single.pass.matches(cr.Pass)
		if okUser && okPass {
			return a.single.id, nil
		}
	case modeUsers:
		if len(a.nkeys) > 0 && cr.Nkey != "" {
			if acct := a.nkeys[cr.Nkey]; acct != nil && verifyNonce(acct.kp, nonce, cr.Sig) {
				return acct.id, nil
			}
			break
		}
		if a.noAuth != nil && cr.User == "" && cr.Pass == "" && cr.Token == "" {
			return a.noAuth, nil
		}
		if acct := a.users[cr.User]; acct != nil && acct.pass.matches(cr.Pass) {
			return acct.id, nil
		}
	}
	return nil, failure(cr)
}

// failure builds the AuthError naming what the client claimed, with the
// reference's precedence: nkey, then user, then token.
func failure(cr *Credentials) *AuthError {
	switch {
	case cr.Nkey != "":
		return &AuthError{Kind: "Nkey", Name: cr.Nkey}
	case cr.User != "":
		return &AuthError{Kind: "User", Name: cr.User}
	case cr.Token != "":
		return &AuthError{Kind: "Token"}
	}
	return &AuthError{}
}
