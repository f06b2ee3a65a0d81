package jwtauth

import (
	"fmt"
	"regexp"
	"strings"

	"github.com/nats-io/jwt/v2"
)

// placeholder matches one template function: {{name()}}, {{tag(x)}}.
var placeholder = regexp.MustCompile(`\{\{\s*([a-zA-Z-]+)\(\s*([^)]*?)\s*\)\s*\}\}`)

// expandTemplate fills in a scoped signing key's user template for the
// user uc of account ac. A placeholder with several values (a tag the
// user has more than once) yields one subject per value; one with none
// is an error.
func expandTemplate(t jwt.UserPermissionLimits, uc *jwt.UserClaims, ac *jwt.AccountClaims) (jwt.UserPermissionLimits, error) {
	out := t
	var err error
	list := func(in jwt.StringList) jwt.StringList {
		if err != nil || len(in) == 0 {
			return in
		}
		var res jwt.StringList
		for _, s := range in {
			var vals []string
			vals, err = expandOne(s, uc, ac)
			if err != nil {
				return nil
			}
			res = append(res, vals...)
		}
		return res
	}
	out.Pub.Allow = list(t.Pub.Allow)
	out.Pub.Deny = list(t.Pub.Deny)
	out.Sub.Allow = list(t.Sub.Allow)
	out.Sub.Deny = list(t.Sub.Deny)
	return out, err
}

// expandOne expands the placeholders of one subject.
func expandOne(s string, uc *jwt.UserClaims, ac *jwt.AccountClaims) ([]string, error) {
	m := placeholder.FindStringSubmatchIndex(s)
	if m == nil {
		return []string{s}, nil
	}
	fn, arg := strings.ToLower(s[m[2]:m[3]]), s[m[4]:m[5]]
	var vals []string
	switch fn {
	case "name":
		vals = []string{uc.Name}
	case "subject":
		vals = []string{uc.Subject}
	case "account-name":
		vals = []string{ac.Name}
	case "account-subject":
		vals = []string{ac.Subject}
	case "tag":
		vals = tagValues(uc.Tags, arg)
	case "account-tag":
		vals = tagValues(ac.Tags, arg)
	default:
		return nil, fmt.Errorf("template %q: unknown function %q", s, fn)
	}
	var out []string
	for _, v := range vals {
		if v == "" {
			return nil, fmt.Errorf("template %q: %s(%s) has no value", s, fn, arg)
		}
		rest, err := expandOne(s[:m[0]]+v+s[m[1]:], uc, ac)
		if err != nil {
			return nil, err
		}
		out = append(out, rest...)
	}
	if len(out) == 0 {
		return nil, fmt.Errorf("template %q: %s(%s) has no value", s, fn, arg)
	}
	return out, nil
}

// tagValues returns the values of the "name:value" tags named name
// (tags are lower case in JWTs).
func tagValues(tags jwt.TagList, name string) []string {
	var out []string
	prefix := strings.ToLower(name) + ":"
	for _, t := range tags {
		if strings.HasPrefix(strings.ToLower(t), prefix) {
			out = append(out, t[len(prefix):])
		}
	}
	return out
}
