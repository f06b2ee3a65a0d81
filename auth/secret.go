package auth

import (
	"crypto/sha256"
	"crypto/subtle"
	"strings"

	"golang.org/x/crypto/bcrypt"
)

// DefaultBcryptCost is the cost HashPassword uses when given cost <= 0;
// it is what nats-server's mkpasswd tool uses.
const DefaultBcryptCost = 11

// HashPassword returns the bcrypt hash of pass, for the `natsd passwd`
// subcommand and for configuration files. cost <= 0 selects
// DefaultBcryptCost; valid costs are bcrypt.MinCost..bcrypt.MaxCost.
// Passwords longer than 72 bytes are refused (bcrypt ignores the rest).
func HashPassword(pass string, cost int) (string, error) {
	if cost <= 0 {
		cost = DefaultBcryptCost
	}
	h, err := bcrypt.GenerateFromPassword([]byte(pass), cost)
	if err != nil {
		return "", err
	}
	return string(h), nil
}

// IsBcrypt reports whether a configured password or token is a bcrypt
// hash, recognized like nats-server does by its "$2a$", "$2b$" or "$2y$"
// prefix. Anything else is a plain-text secret.
func IsBcrypt(s string) bool {
	return strings.HasPrefix(s, "$2a$") || strings.HasPrefix(s, "$2b$") || strings.HasPrefix(s, "$2y$")
}

// secret is a configured password or token, kept either as its bcrypt
// hash or as the SHA-256 digest of the plain text. Comparing digests
// makes the comparison constant-time in the length of both sides too.
type secret struct {
	hash   []byte // bcrypt hash, or nil for a plain secret
	digest [sha256.Size]byte
}

func newSecret(s string) secret {
	if IsBcrypt(s) {
		return secret{hash: []byte(s)}
	}
	return secret{digest: sha256.Sum256([]byte(s))}
}

// matches reports whether given is the secret. A bcrypt comparison is
// deliberately slow (its cost); a plain one takes constant time.
func (s *secret) matches(given string) bool {
	if s.hash != nil {
		return bcrypt.CompareHashAndPassword(s.hash, []byte(given)) == nil
	}
	d := sha256.Sum256([]byte(given))
	return subtle.ConstantTimeCompare(d[:], s.digest[:]) == 1
}

// valid reports whether a bcrypt secret is a well-formed hash (plain
// secrets always are).
func (s *secret) valid() bool {
	if s.hash == nil {
		return true
	}
	_, err := bcrypt.Cost(s.hash)
	return err == nil
}
