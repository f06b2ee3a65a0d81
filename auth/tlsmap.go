package auth

// CheckMapped authenticates a client by the names of its verified TLS
// certificate (tls { verify_and_map: true }). With a users list, the first
// name that is a configured username gives the identity and the CONNECT
// credentials are not looked at; when no name matches, authentication
// fails (logged as plain "authentication error", as the reference does).
// Without a users list it is Check.
func (a *Authenticator) CheckMapped(names []string, cr *Credentials, nonce []byte) (*Identity, error) {
	if a == nil || a.mode != modeUsers {
		return a.Check(cr, nonce)
	}
	for _, n := range names {
		if acct := a.users[n]; acct != nil {
			return acct.id, nil
		}
	}
	return nil, &AuthError{}
}
