package server

import (
	"math/rand/v2"

	"github.com/natsd/natsd/transform"
)

// Subject mappings (the mappings blocks, compiled by the transform package
// in config_mappings.go): a message published on a subject a mapping's
// source matches is delivered on the mapped subject instead, in the same
// account. The first matching mapping applies.

// setMappings installs an account's mappings (nil or empty: none).
func (a *Account) setMappings(mp []*transform.Mapping) {
	if len(mp) == 0 {
		a.mappings.Store(nil)
		return
	}
	a.mappings.Store(&mp)
}

// mapSubject returns the subject a published message is delivered on: the
// first matching mapping's destination, written into the client's own
// buffer (no allocation), or subject itself when none matches.
func (c *client) mapSubject(mp []*transform.Mapping, subject []byte) []byte {
	for _, m := range mp {
		if !m.Match(subject) {
			continue
		}
		if c.rng == nil {
			c.rng = rand.New(rand.NewPCG(rand.Uint64(), rand.Uint64()))
		}
		cluster := ""
		if c.srv.cluster.enabled {
			cluster = c.srv.getOpts().Cluster.Name
		}
		out, err := m.Append(c.pubMap[:0], subject, cluster, c.rng)
		if err != nil {
			return subject
		}
		c.pubMap = out
		return out
	}
	return subject
}
