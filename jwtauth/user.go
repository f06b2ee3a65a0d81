package jwtauth

import (
	"fmt"
	"math"
	"net"
	"slices"
	"strings"
	"time"

	"github.com/nats-io/jwt/v2"

	"github.com/natsd/natsd/auth"
)

// Conn describes the connecting client, for the checks of CheckUser.
type Conn struct {
	// IP is the client's address (nil: unknown, src limits refuse it).
	IP net.IP
	// Type is its connection type: jwt.ConnectionTypeStandard,
	// jwt.ConnectionTypeWebsocket, ...
	Type string
	// Nonce is the nonce of the INFO the client got, Sig its signature
	// of it from the CONNECT.
	Nonce []byte
	Sig   string
	// Issued says the server made the user's key itself (auth callout):
	// there is no signature of the nonce to check.
	Issued bool
}

// User is the outcome of a successful CheckUser.
type User struct {
	Identity *auth.Identity
	Claims   *jwt.UserClaims
	// Expires is when the connection must end: the JWT's expiry or the
	// end of its current times window, whichever is first (zero: never).
	Expires time.Time
}

// UserError is why CheckUser refused a user: the log line, never sent to
// the client (which gets 'Authorization Violation').
type UserError struct{ Reason string }

func (e *UserError) Error() string { return e.Reason }

// ReasonRevoked is the UserError reason of a revoked user.
const ReasonRevoked = "User authentication revoked"

func refuse(format string, args ...any) error {
	return &UserError{Reason: fmt.Sprintf(format, args...)}
}

// DecodeUser decodes a user JWT (signature included) and returns its
// claims and the public key of the account it belongs to.
func DecodeUser(token string) (*jwt.UserClaims, string, error) {
	uc, err := jwt.DecodeUserClaims(token)
	if err != nil {
		return nil, "", refuse("User JWT not valid: %v", err)
	}
	acc := uc.IssuerAccount
	if acc == "" {
		acc = uc.Issuer
	}
	return uc, acc, nil
}

// CheckUser checks the user claims uc, issued for account a, for the
// connection c at time now: validity, issuer (the account or one of its
// signing keys), revocation, the signature of the nonce (unless a
// bearer token), connection type, source address and times window. It
// returns the user's identity: permissions (the scope's template for a
// scoped signing key, the account's default permissions when the user
// has none), limits and account.
func (a *Account) CheckUser(uc *jwt.UserClaims, c Conn, now time.Time) (*User, error) {
	vr := jwt.CreateValidationResults()
	uc.Validate(vr)
	if vr.IsBlocking(true) {
		return nil, refuse("User JWT no longer valid: %s", issues(vr))
	}
	ac := a.Claims
	if ac.Expires > 0 && now.Unix() >= ac.Expires {
		return nil, refuse("Account JWT has expired")
	}
	upl := uc.UserPermissionLimits
	if uc.Issuer != ac.Subject {
		scope, ok := ac.SigningKeys.GetScope(uc.Issuer)
		if !ok {
			return nil, refuse("User JWT issuer %q is not the account %q or one of its signing keys", uc.Issuer, ac.Subject)
		}
		if uc.IssuerAccount != ac.Subject {
			return nil, refuse("User JWT issuer account %q does not match %q", uc.IssuerAccount, ac.Subject)
		}
		if scope != nil {
			if err := scope.ValidateScopedSigner(uc); err != nil {
				return nil, refuse("User JWT is not valid for its scoped signing key: %v", err)
			}
			us, ok := scope.(*jwt.UserScope)
			if !ok {
				return nil, refuse("User JWT signed with an unsupported scope")
			}
			t, err := expandTemplate(us.Template, uc, ac)
			if err != nil {
				return nil, refuse("User JWT template of scoped signing key: %v", err)
			}
			upl = t
		}
	}
	if ac.IsClaimRevoked(uc) {
		return nil, &UserError{Reason: ReasonRevoked}
	}
	if upl.BearerToken {
		if ac.Limits.DisallowBearer {
			return nil, refuse("User JWT is a bearer token, which account %q disallows", ac.Subject)
		}
	} else if !c.Issued && !auth.VerifyNonceSig(uc.Subject, c.Nonce, c.Sig) {
		return nil, refuse("Signature not verified")
	}
	if len(upl.AllowedConnectionTypes) > 0 && !slices.Contains(upl.AllowedConnectionTypes, c.Type) {
		return nil, refuse("Connection type %q not allowed (allowed: %s)", c.Type, strings.Join(upl.AllowedConnectionTypes, ", "))
	}
	if len(upl.Src) > 0 && !srcAllowed(upl.Src, c.IP) {
		return nil, refuse("Client address %v is not in the user's src ranges", c.IP)
	}
	u := &User{Claims: uc}
	if uc.Expires > 0 {
		u.Expires = time.Unix(uc.Expires, 0)
	}
	if len(upl.Times) > 0 {
		end, ok := inTimes(upl.Times, upl.Locale, now)
		if !ok {
			return nil, refuse("User connecting outside of the allowed times")
		}
		if u.Expires.IsZero() || end.Before(u.Expires) {
			u.Expires = end
		}
	}
	perms := a.DefaultPerms
	if !upl.Permissions.Pub.Empty() || !upl.Permissions.Sub.Empty() || upl.Permissions.Resp != nil {
		perms = Permissions(&upl.Permissions)
	}
	checker, err := auth.Compile(perms)
	if err != nil {
		return nil, refuse("User JWT permissions: %v", err)
	}
	u.Identity = &auth.Identity{
		Name:             uc.Subject,
		Method:           auth.MethodJWT,
		Perms:            checker,
		Account:          ac.Subject,
		MaxSubscriptions: limit(upl.Subs),
		MaxPayload:       int32(min(limit(upl.Payload), math.MaxInt32)),
	}
	return u, nil
}

// srcAllowed reports whether ip is in one of the CIDR ranges (plain
// addresses count as single-address ranges).
func srcAllowed(src jwt.CIDRList, ip net.IP) bool {
	if ip == nil {
		return false
	}
	for _, r := range src {
		for _, s := range strings.Split(r, ",") {
			s = strings.TrimSpace(s)
			if _, n, err := net.ParseCIDR(s); err == nil && n.Contains(ip) {
				return true
			}
			if p := net.ParseIP(s); p != nil && p.Equal(ip) {
				return true
			}
		}
	}
	return false
}

// inTimes reports whether now is inside one of the daily ranges (in
// locale, "" being the server's local time), and when that range ends.
// A range whose end is before its start runs past midnight.
func inTimes(ranges []jwt.TimeRange, locale string, now time.Time) (time.Time, bool) {
	loc := time.Local
	if locale != "" {
		if l, err := time.LoadLocation(locale); err == nil {
			loc = l
		}
	}
	t := now.In(loc)
	day := time.Date(t.Year(), t.Month(), t.Day(), 0, 0, 0, 0, loc)
	at := func(d time.Time, hms string) (time.Time, bool) {
		p, err := time.Parse("15:04:05", hms)
		if err != nil {
			return time.Time{}, false
		}
		return d.Add(time.Duration(p.Hour())*time.Hour + time.Duration(p.Minute())*time.Minute + time.Duration(p.Second())*time.Second), true
	}
	for _, r := range ranges {
		start, ok1 := at(day, r.Start)
		end, ok2 := at(day, r.End)
		if !ok1 || !ok2 {
			continue
		}
		if !start.After(end) {
			if !t.Before(start) && t.Before(end) {
				return end, true
			}
			continue
		}
		// Past midnight: [start, 24h) today or [0, end) today.
		if !t.Before(start) {
			next, _ := at(day.AddDate(0, 0, 1), r.End)
			return next, true
		}
		if t.Before(end) {
			return end, true
		}
	}
	return time.Time{}, false
}

// issues lists the blocking issues of a validation, for the log.
func issues(vr *jwt.ValidationResults) string {
	var out []string
	for _, i := range vr.Issues {
		if i.Blocking || i.TimeCheck {
			out = append(out, i.Description)
		}
	}
	return strings.Join(out, ", ")
}
