package jwtauth

import (
	"errors"
	"fmt"
	"os"
	"strings"

	"github.com/nats-io/jwt/v2"
	"github.com/nats-io/nkeys"
)

// ReadOperator decodes an operator JWT given inline or as the path of a
// file holding it (as the operator key of the configuration allows both)
// and checks it: its signature, its validity, and that its issuer is the
// operator itself or one of its signing keys.
func ReadOperator(s string) (*jwt.OperatorClaims, error) {
	token := strings.TrimSpace(s)
	if looksLikeJWT(token) {
		return checkOperator(token)
	}
	b, err := os.ReadFile(s)
	if err != nil {
		return nil, err
	}
	oc, err := checkOperator(extractJWT(string(b)))
	if err != nil {
		return nil, fmt.Errorf("%s: %w", s, err) // name the file
	}
	return oc, nil
}

func checkOperator(token string) (*jwt.OperatorClaims, error) {
	oc, err := jwt.DecodeOperatorClaims(token)
	if err != nil {
		return nil, err
	}
	vr := jwt.CreateValidationResults()
	oc.Validate(vr)
	if errs := vr.Errors(); len(errs) > 0 {
		return nil, errs[0]
	}
	if oc.Issuer != oc.Subject && !oc.SigningKeys.Contains(oc.Issuer) {
		return nil, fmt.Errorf("operator JWT issuer %q is not the operator or one of its signing keys", oc.Issuer)
	}
	return oc, nil
}

// looksLikeJWT reports whether s is a JWT rather than a file name: three
// dot-separated parts starting with the encoded JWT header.
func looksLikeJWT(s string) bool {
	return strings.HasPrefix(s, "eyJ") && strings.Count(s, ".") == 2
}

// extractJWT returns the JWT in a file's text: the whole text, or the
// first block between "-----BEGIN ... JWT-----" style fences (as nsc
// writes them).
func extractJWT(text string) string {
	for _, line := range strings.Split(text, "\n") {
		line = strings.TrimSpace(line)
		if looksLikeJWT(line) {
			return line
		}
	}
	return strings.TrimSpace(text)
}

// Trust is the set of trusted operators: their identity keys and signing
// keys, which account JWTs must be issued by.
type Trust struct {
	Operators []*jwt.OperatorClaims
	keys      map[string]bool
}

// NewTrust makes the trust of the given operators.
func NewTrust(ops []*jwt.OperatorClaims) *Trust {
	t := &Trust{Operators: ops, keys: make(map[string]bool)}
	for _, oc := range ops {
		t.keys[oc.Subject] = true
		for _, k := range oc.SigningKeys {
			t.keys[k] = true
		}
	}
	return t
}

// Trusted reports whether key is an operator or operator signing key.
func (t *Trust) Trusted(key string) bool { return t != nil && t.keys[key] }

// SystemAccount is the system account the first operator that names one
// names ("" if none).
func (t *Trust) SystemAccount() string {
	for _, oc := range t.Operators {
		if oc.SystemAccount != "" {
			return oc.SystemAccount
		}
	}
	return ""
}

// Errors of DecodeAccount, as the reference words them in claim update
// responses.
var (
	ErrNotTrusted      = errors.New("not trusted")
	ErrSubjectMismatch = errors.New("subject does not match jwt content")
)

// DecodeAccount decodes an account JWT and checks it: signature,
// validity (expiry included), a trusted issuer, and, when want is not
// "", that it is the JWT of account want.
func (t *Trust) DecodeAccount(token, want string) (*jwt.AccountClaims, error) {
	ac, err := jwt.DecodeAccountClaims(strings.TrimSpace(token))
	if err != nil {
		return nil, err
	}
	if want != "" && ac.Subject != want {
		return nil, ErrSubjectMismatch
	}
	if !nkeys.IsValidPublicAccountKey(ac.Subject) {
		return nil, fmt.Errorf("%q is not an account public key", ac.Subject)
	}
	if !t.Trusted(ac.Issuer) {
		return nil, ErrNotTrusted
	}
	vr := jwt.CreateValidationResults()
	ac.Validate(vr)
	if errs := vr.Errors(); len(errs) > 0 {
		return nil, errs[0]
	}
	return ac, nil
}
