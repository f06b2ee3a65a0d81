package auth

import (
	"errors"
	"strconv"
)

// The texts below are the reference server's, byte for byte. The -ERR
// texts are the part between the quotes of the protocol line: the server
// writes "-ERR '" + text + "'\r\n".

// AuthViolation is the -ERR text for failed authentication; the server
// sends it and then closes the connection.
const AuthViolation = "Authorization Violation"

// ErrAuthorization is returned by Check for any authentication failure.
// Its text is the -ERR text; errors returned by Check wrap it (use
// errors.Is) and carry the log detail.
var ErrAuthorization = errors.New(AuthViolation)

// PubViolation returns the -ERR text for a refused publish:
// Permissions Violation for Publish to "foo". The connection stays open.
func PubViolation(subject []byte) string {
	return `Permissions Violation for Publish to "` + string(subject) + `"`
}

// SubViolation returns the -ERR text for a refused subscription:
// Permissions Violation for Subscription to "foo", followed by
// ` using queue "q"` for a queue subscription. The connection stays open.
func SubViolation(subject, queue string) string {
	s := `Permissions Violation for Subscription to "` + subject + `"`
	if queue != "" {
		s += ` using queue "` + queue + `"`
	}
	return s
}

// SubRevoked returns the -ERR text sent when a reload removes a
// subscription the new permissions refuse: the SubViolation text
// followed by ` (sid "1")`.
func SubRevoked(subject, queue, sid string) string {
	return SubViolation(subject, queue) + ` (sid "` + sid + `")`
}

// SubRevokedLog is the reference's notice for such a removal:
// Removed sub "foo" using queue "q" (sid "1") for User "a" - not authorized.
func SubRevokedLog(subject, queue, sid, user string) string {
	s := `Removed sub "` + subject + `"`
	if queue != "" {
		s += ` using queue "` + queue + `"`
	}
	return s + ` (sid "` + sid + `") for User "` + user + `" - not authorized`
}

// PubViolationLog is the reference's error log text for a refused
// publish (it follows the connection prefix, e.g. `"$G/user:a" - `):
// Publish Violation - Subject "foo".
func PubViolationLog(subject []byte) string {
	return `Publish Violation - Subject "` + string(subject) + `"`
}

// SubViolationLog is the reference's error log text for a refused
// subscription: Subscription Violation - Subject "foo", SID 1, or with
// a queue: Subscription Violation - Subject "foo", Queue: "q", SID 1.
func SubViolationLog(subject, queue string, sid []byte) string {
	s := `Subscription Violation - Subject "` + subject + `"`
	if queue != "" {
		s += `, Queue: "` + queue + `"`
	}
	return s + ", SID " + string(sid)
}

// AuthError is the error Check returns. It wraps ErrAuthorization and
// its Error text is the reference's log line for the failure, which
// names the user or nkey but never a password or token:
//
//	authentication error
//	authentication error - User "a"
//	authentication error - Nkey "U..."
//	authentication error - Token "[REDACTED]"
type AuthError struct {
	Kind string // "", "User", "Nkey" or "Token"
	Name string // the user or nkey the client claimed
}

func (e *AuthError) Error() string {
	switch e.Kind {
	case "":
		return "authentication error"
	case "Token":
		return `authentication error - Token "[REDACTED]"`
	}
	return "authentication error - " + e.Kind + " " + strconv.Quote(e.Name)
}

// Unwrap makes errors.Is(err, ErrAuthorization) true.
func (e *AuthError) Unwrap() error { return ErrAuthorization }
