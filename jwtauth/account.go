package jwtauth

import (
	"math"
	"slices"
	"time"

	"github.com/nats-io/jwt/v2"

	"github.com/natsd/natsd/accounts"
	"github.com/natsd/natsd/auth"
	"github.com/natsd/natsd/sublist"
	"github.com/natsd/natsd/transform"
)

// Account is an account JWT compiled for the server. It is immutable:
// an update compiles a new one.
type Account struct {
	// Claims are the decoded claims, JWT their encoded form (what the
	// resolver stores and LOOKUP answers).
	Claims *jwt.AccountClaims
	JWT    string
	// Spec is the account as the server's account code knows it: name
	// (the public key), limits, exports, and no imports: those come from
	// ResolveImports, which needs the exporters.
	Spec *accounts.Account
	// DefaultPerms are the account's default_permissions, for users that
	// carry none (nil: none).
	DefaultPerms *auth.Permissions
}

// Compile maps account claims onto an Account.
func Compile(ac *jwt.AccountClaims, token string) *Account {
	spec := &accounts.Account{Name: ac.Subject}
	spec.Limits = accounts.Limits{
		MaxConnections:   limit(ac.Limits.Conn),
		MaxSubscriptions: limit(ac.Limits.Subs),
		MaxPayload:       int32(min(limit(ac.Limits.Payload), math.MaxInt32)),
		MaxLeafNodes:     limit(ac.Limits.LeafNodeConn),
		NoLeafNodes:      ac.Limits.LeafNodeConn == 0,
	}
	js := ac.Limits.JetStreamLimits
	if r1, ok := ac.Limits.JetStreamTieredLimits["R1"]; ok && js.MemoryStorage == 0 && js.DiskStorage == 0 {
		// natsd's streams are all of one replica: the R1 tier is the
		// account's whole limit (other tiers cannot apply; jwt/v2 makes
		// global and tiered limits mutually exclusive).
		js = r1
	}
	if js.MemoryStorage != 0 || js.DiskStorage != 0 {
		spec.JetStream = &accounts.JetStreamLimits{MaxMemory: js.MemoryStorage, MaxStore: js.DiskStorage,
			MaxStreams: int(js.Streams), MaxConsumers: int(js.Consumer)}
	}
	for _, e := range ac.Exports {
		if e == nil {
			continue
		}
		x := &accounts.Export{Subject: string(e.Subject), Service: e.IsService()}
		switch e.ResponseType {
		case jwt.ResponseTypeStream:
			x.ResponseType = accounts.Stream
		case jwt.ResponseTypeChunked:
			x.ResponseType = accounts.Chunked
		}
		x.ResponseThreshold = e.ResponseThreshold
		if l := e.Latency; l != nil && l.Results != "" && l.Sampling > 0 {
			// Sampling by header (jwt.Headers, -1) is not supported.
			x.Latency = &accounts.Latency{Sampling: min(int(l.Sampling), 100), Subject: string(l.Results)}
		}
		spec.Exports = append(spec.Exports, x)
	}
	spec.Mappings = mappings(ac.Mappings)
	a := &Account{Claims: ac, JWT: token, Spec: spec}
	if !ac.DefaultPermissions.Pub.Empty() || !ac.DefaultPermissions.Sub.Empty() || ac.DefaultPermissions.Resp != nil {
		a.DefaultPerms = Permissions(&ac.DefaultPermissions)
	}
	return a
}

// limit turns a JWT limit (-1 or 0: none) into the accounts package's
// (0: none).
func limit(n int64) int {
	if n <= 0 {
		return 0
	}
	return int(min(n, math.MaxInt32))
}

// Permissions maps JWT permissions onto the auth package's.
func Permissions(p *jwt.Permissions) *auth.Permissions {
	out := &auth.Permissions{}
	if !p.Pub.Empty() {
		out.Publish = &auth.SubjectPermission{Allow: p.Pub.Allow, Deny: p.Pub.Deny}
	}
	if !p.Sub.Empty() {
		out.Subscribe = &auth.SubjectPermission{Allow: p.Sub.Allow, Deny: p.Sub.Deny}
	}
	if p.Resp != nil {
		out.Response = &auth.ResponsePermission{MaxMsgs: p.Resp.MaxMsgs, Expires: p.Resp.Expires}
	}
	return out
}

// Lookup finds a compiled account by public key (nil: unknown).
type Lookup func(pub string) *Account

// ResolveImports returns the imports of a's import claims, keeping
// only those that hold: the exporter is known, exports a matching
// subject of the same kind, and, for an export that requires a token,
// the import carries a valid activation token for a, issued by the
// exporter (or one of its signing keys) and not revoked. skipped
// describes each import left out, for the log.
func (a *Account) ResolveImports(lookup Lookup, now time.Time) (imps []*accounts.Import, skipped []string) {
	for _, im := range a.Claims.Imports {
		if im == nil {
			continue
		}
		if why := a.checkImport(im, lookup, now); why != "" {
			skipped = append(skipped, "import of "+string(im.Subject)+" from "+im.Account+": "+why)
			continue
		}
		x := &accounts.Import{Account: im.Account, Subject: string(im.Subject), Service: im.IsService(), Share: im.Share}
		switch {
		case im.LocalSubject != "":
			x.To = string(im.LocalSubject)
		case im.To != "" && im.IsService():
			x.To = string(im.To)
		case im.To != "":
			x.Prefix = string(im.To)
		}
		imps = append(imps, x)
	}
	return imps, skipped
}

func (a *Account) checkImport(im *jwt.Import, lookup Lookup, now time.Time) string {
	exp := lookup(im.Account)
	if exp == nil {
		return "exporting account unknown"
	}
	var e *jwt.Export
	for _, x := range exp.Claims.Exports {
		if x != nil && x.IsService() == im.IsService() && sublist.SubjectIsSubset(string(im.Subject), string(x.Subject)) {
			e = x
			break
		}
	}
	if e == nil {
		return "no matching export"
	}
	if !e.TokenReq {
		return ""
	}
	if im.Token == "" {
		return "export requires an activation token"
	}
	act, err := jwt.DecodeActivationClaims(im.Token)
	if err != nil {
		return "bad activation token: " + err.Error()
	}
	vr := jwt.CreateValidationResults()
	act.Validate(vr)
	if errs := vr.Errors(); len(errs) > 0 {
		return "activation token: " + errs[0].Error()
	}
	issuer := act.Issuer
	if act.IssuerAccount != "" {
		if act.IssuerAccount != exp.Claims.Subject {
			return "activation token issued for another account"
		}
	}
	if issuer != exp.Claims.Subject && !exp.Claims.SigningKeys.Contains(issuer) {
		return "activation token not issued by the exporter"
	}
	if act.Subject != a.Claims.Subject && act.Subject != "*" {
		return "activation token issued to another account"
	}
	if !sublist.SubjectIsSubset(string(im.Subject), string(act.ImportSubject)) {
		return "activation token for another subject"
	}
	iat := time.Unix(act.IssuedAt, 0)
	if e.Revocations.IsRevoked(a.Claims.Subject, iat) || e.Revocations.IsRevoked(jwt.All, iat) {
		return "activation revoked"
	}
	_ = now
	return ""
}

// mappings compiles the account's subject mappings, ordered by source
// (a JWT's map has no order); one that does not compile is left out
// (jwt/v2 has validated them already).
func mappings(m jwt.Mapping) []*transform.Mapping {
	srcs := make([]string, 0, len(m))
	for src := range m {
		srcs = append(srcs, string(src))
	}
	slices.Sort(srcs)
	var out []*transform.Mapping
	for _, src := range srcs {
		var dests []transform.Destination
		for _, d := range m[jwt.Subject(src)] {
			dests = append(dests, transform.Destination{Subject: string(d.Subject), Weight: d.GetWeight(), Cluster: d.Cluster})
		}
		if tm, err := transform.NewMapping(src, dests); err == nil {
			out = append(out, tm)
		}
	}
	return out
}
