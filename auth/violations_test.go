package auth

import (
	"errors"
	"testing"
)

// Texts captured from nats-server v2.15.2.
func TestViolationTexts(t *testing.T) {
	tests := []struct{ got, want string }{
		{PubViolation([]byte("foo.secret")), `Permissions Violation for Publish to "foo.secret"`},
		{SubViolation("foo.*", ""), `Permissions Violation for Subscription to "foo.*"`},
		{SubViolation("q.a", "other"), `Permissions Violation for Subscription to "q.a" using queue "other"`},
		{PubViolationLog([]byte("baz")), `Publish Violation - Subject "baz"`},
		{SubViolationLog("foo.*", "", []byte("2")), `Subscription Violation - Subject "foo.*", SID 2`},
		{SubViolationLog("q.a", "other", []byte("6")), `Subscription Violation - Subject "q.a", Queue: "other", SID 6`},
		{SubRevoked("foo.>", "", "1"), `Permissions Violation for Subscription to "foo.>" (sid "1")`},
		{SubRevoked("foo.x", "qq", "4"), `Permissions Violation for Subscription to "foo.x" using queue "qq" (sid "4")`},
		{SubRevokedLog("foo.>", "", "1", "a"), `Removed sub "foo.>" (sid "1") for User "a" - not authorized`},
		{SubRevokedLog("foo.x", "qq", "4", "a"), `Removed sub "foo.x" using queue "qq" (sid "4") for User "a" - not authorized`},
		{AuthViolation, "Authorization Violation"},
		{ErrAuthorization.Error(), "Authorization Violation"},
		{(&AuthError{}).Error(), "authentication error"},
		{(&AuthError{Kind: "User", Name: "a"}).Error(), `authentication error - User "a"`},
		{(&AuthError{Kind: "Nkey", Name: "UK"}).Error(), `authentication error - Nkey "UK"`},
		{(&AuthError{Kind: "Token", Name: "secret"}).Error(), `authentication error - Token "[REDACTED]"`},
	}
	for _, tt := range tests {
		if tt.got != tt.want {
			t.Errorf("got %q, want %q", tt.got, tt.want)
		}
	}
	if !errors.Is(&AuthError{}, ErrAuthorization) {
		t.Fatal("AuthError must wrap ErrAuthorization")
	}
}
