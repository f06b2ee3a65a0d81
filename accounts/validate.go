package accounts

import (
	"strings"

	"github.com/natsd/natsd/sublist"
)

// Validate checks a set of accounts as a whole: exports and imports have
// valid subjects, every import names a known account and something it
// exports to the importer, and no chain of imports leads back to where it
// started (messages would loop). Errors carry the position of the
// offending entry and name the accounts involved.
func Validate(accs []*Account) error {
	byName := make(map[string]*Account, len(accs))
	for _, a := range accs {
		if prev := byName[a.Name]; prev != nil {
			return errAt(a.Pos, "account %q is defined twice (first at %s)", a.Name, prev.Pos)
		}
		byName[a.Name] = a
	}
	for _, a := range accs {
		for _, e := range a.Exports {
			if !sublist.ValidSubject(e.Subject) {
				return errAt(e.Pos, "account %q exports %s %q, which is not a valid subject", a.Name, e.Kind(), e.Subject)
			}
		}
		for _, im := range a.Imports {
			if err := validateImport(a, im, byName); err != nil {
				return err
			}
		}
	}
	return findCycle(accs)
}

func validateImport(a *Account, im *Import, byName map[string]*Account) error {
	kind := im.Kind()
	if !sublist.ValidSubject(im.Subject) {
		return errAt(im.Pos, "account %q imports %s %q, which is not a valid subject", a.Name, kind, im.Subject)
	}
	if im.Prefix != "" && im.To != "" {
		return errAt(im.Pos, "account %q imports %s %q with both prefix and to: use one", a.Name, kind, im.Subject)
	}
	if im.Prefix != "" && (im.Service || !sublist.ValidLiteralSubject(im.Prefix)) {
		if im.Service {
			return errAt(im.Pos, "account %q imports service %q with a prefix: services take to", a.Name, im.Subject)
		}
		return errAt(im.Pos, "account %q imports stream %q with prefix %q, which is not a literal subject", a.Name, im.Subject, im.Prefix)
	}
	if im.To != "" {
		if !sublist.ValidSubject(im.To) {
			return errAt(im.Pos, "account %q imports %s %q to %q, which is not a valid subject", a.Name, kind, im.Subject, im.To)
		}
		if w := wildcards(im.To); w != wildcards(im.Subject) || len(w) > maxCaptures {
			return errAt(im.Pos, "account %q imports %s %q to %q: to must have the same wildcards, in the same order, as the subject", a.Name, kind, im.Subject, im.To)
		}
	}
	if im.Account == a.Name {
		return errAt(im.Pos, "account %q imports %s %q from itself", a.Name, kind, im.Subject)
	}
	exp := byName[im.Account]
	if exp == nil {
		return errAt(im.Pos, "account %q imports %s %q from account %q, which is not defined", a.Name, kind, im.Subject, im.Account)
	}
	e := FindExport(exp, im.Subject, im.Service)
	if e == nil {
		return errAt(im.Pos, "account %q imports %s %q from account %q, which does not export it", a.Name, kind, im.Subject, im.Account)
	}
	if !e.Allows(a.Name) {
		return errAt(im.Pos, "account %q imports %s %q from account %q, whose export (%s) is private to %s and does not list %q",
			a.Name, kind, im.Subject, im.Account, e.Pos, strings.Join(e.Accounts, ", "), a.Name)
	}
	return nil
}

// wildcards is the sequence of wildcard tokens of a subject ("*", ">").
func wildcards(subject string) string {
	var b strings.Builder
	for _, t := range strings.Split(subject, ".") {
		if t == "*" || t == ">" {
			b.WriteString(t)
		}
	}
	return b.String()
}

// edge is one import seen as a flow: messages (stream) or requests
// (service) move from account from, subject fromSubj, to account to,
// subject toSubj.
type edge struct {
	from, to         string
	fromSubj, toSubj string
	im               *Import
	owner            string
}

// findCycle looks for a chain of imports of one kind in which each
// import's local subject overlaps the next one's exported subject and the
// last leads back into the first: a message would go round for ever.
func findCycle(accs []*Account) error {
	var edges []edge
	for _, a := range accs {
		for _, im := range a.Imports {
			edges = append(edges, edge{from: im.Account, to: a.Name, fromSubj: im.Subject, toSubj: im.Local(), im: im, owner: a.Name})
		}
	}
	// next[i] lists the edges a flow along edge i continues with.
	next := make([][]int, len(edges))
	for i, e := range edges {
		for j, f := range edges {
			if f.im.Service == e.im.Service && f.from == e.to && sublist.SubjectsOverlap(e.toSubj, f.fromSubj) {
				next[i] = append(next[i], j)
			}
		}
	}
	const (
		white = iota
		grey
		black
	)
	color := make([]int, len(edges))
	var path []int
	var visit func(i int) []int
	visit = func(i int) []int {
		color[i] = grey
		path = append(path, i)
		for _, j := range next[i] {
			switch color[j] {
			case grey:
				for k, p := range path {
					if p == j {
						return append([]int(nil), path[k:]...)
					}
				}
			case white:
				if c := visit(j); c != nil {
					return c
				}
			}
		}
		path = path[:len(path)-1]
		color[i] = black
		return nil
	}
	for i := range edges {
		if color[i] != white {
			continue
		}
		if c := visit(i); c != nil {
			first := edges[c[0]]
			names := []string{first.from}
			for _, k := range c {
				names = append(names, edges[k].to)
			}
			return errAt(first.im.Pos, "imports form a cycle: %s %q goes round accounts %s",
				first.im.Kind(), first.fromSubj, strings.Join(names, " -> "))
		}
	}
	return nil
}
