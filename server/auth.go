package server

import (
	"fmt"

	"github.com/natsd/natsd/auth"
)

// authConfig gathers the auth settings of o for the auth package.
func authConfig(o *Options) *auth.Config {
	return &auth.Config{
		Token:              o.Authorization,
		Username:           o.Username,
		Password:           o.Password,
		Users:              o.Users,
		NoAuthUser:         o.NoAuthUser,
		DefaultPermissions: o.DefaultPermissions,
		Operator:           len(o.Operators) > 0,
	}
}

// buildAuthenticator validates the auth settings and compiles them.
func buildAuthenticator(o *Options) (*auth.Authenticator, error) {
	a, err := auth.New(authConfig(o))
	if err != nil {
		return nil, fmt.Errorf("authorization: %w", err)
	}
	return a, nil
}

// authenticator is the one in force (replaced on reload).
func (s *Server) authenticator() *auth.Authenticator { return s.authn.Load() }

// authRequired reports whether clients must authenticate.
func (s *Server) authRequired() bool { return s.authenticator().Required() }
