package server

import (
	"fmt"

	"github.com/natsd/natsd/auth"
	"github.com/natsd/natsd/conf"
)

// Route permissions (cluster.permissions { import, export }), applied as
// nats-server applies them, to every account (the system account too):
//
//   - import: the subjects this server takes messages on from the
//     cluster. It sends the routes its local interest only where a
//     subscription on that subject (and queue) would be allowed by import,
//     so the peers never forward it anything else.
//   - export: the subjects this server sends to the cluster. A peer's
//     interest (RS+) is recorded only where a subscription on that subject
//     would be allowed by export, so nothing else is forwarded to it.
//
// Both are checked as subscribe permissions (auth.Checker.CanSubscribe):
// a wildcard interest must be within an allowed subject, so with export
// "bar.>" a peer's interest in ">" or "*.x" is refused altogether, as
// nats-server refuses it.

// RoutePermissions are the cluster's import and export permissions; nil
// for either means everything.
type RoutePermissions struct {
	Import *auth.SubjectPermission
	Export *auth.SubjectPermission
}

// routePerms are the compiled route permissions (nil allows everything).
type routePerms struct {
	imports, exports *auth.Checker
}

func compileRoutePerms(p *RoutePermissions) (routePerms, error) {
	var rp routePerms
	if p == nil {
		return rp, nil
	}
	var err error
	if p.Import != nil {
		if rp.imports, err = auth.Compile(&auth.Permissions{Subscribe: p.Import}); err != nil {
			return rp, fmt.Errorf("cluster permissions import: %w", err)
		}
	}
	if p.Export != nil {
		if rp.exports, err = auth.Compile(&auth.Permissions{Subscribe: p.Export}); err != nil {
			return rp, fmt.Errorf("cluster permissions export: %w", err)
		}
	}
	return rp, nil
}

// imports reports whether local interest in subject (and queue) is sent
// to the routes.
func (s *Server) routeImports(subject, queue string) bool {
	return s.cluster.perms.imports.CanSubscribe(subject, queue)
}

// routeExports reports whether a peer's interest is recorded.
func (s *Server) routeExports(subject, queue []byte) bool {
	if !s.cluster.perms.exports.SubscribeRestricted() {
		return true
	}
	return s.cluster.perms.exports.CanSubscribe(string(subject), string(queue))
}

// setClusterPermissions reads cluster.permissions { import, export },
// each a subject, a list, or { allow, deny }.
func setClusterPermissions(o *Options, v *conf.Value) error {
	m, err := v.AsMap()
	if err != nil {
		return err
	}
	p := &RoutePermissions{}
	for i := range m.Keys {
		k := &m.Keys[i]
		var err error
		switch {
		case containsFold([]string{"import"}, k.Name):
			p.Import, err = subjectPermissionValue(k.Value)
		case containsFold([]string{"export"}, k.Name):
			p.Export, err = subjectPermissionValue(k.Value)
		default:
			msg := fmt.Sprintf("unknown field %q in cluster permissions", k.Name)
			if hint := conf.DidYouMean(k.Name, []string{"import", "export"}); hint != "" {
				msg += fmt.Sprintf(" (did you mean %q?)", hint)
			}
			return &conf.Error{Pos: k.Pos, Msg: msg}
		}
		if err != nil {
			return err
		}
	}
	if _, err := compileRoutePerms(p); err != nil {
		return v.Errorf("%v", err)
	}
	o.Cluster.Permissions = p
	return nil
}
