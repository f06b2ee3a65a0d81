package server

import (
	"crypto/sha256"
	"encoding/base64"
	"strconv"
	"strings"

	"github.com/natsd/natsd/jetstream/api"
	"github.com/natsd/natsd/sublist"
	"github.com/natsd/natsd/transform"
)

// The configuration side of mirrors and sources (jetstream_source.go):
// validation, a source's identity in its headers, and where an origin
// lives.

// validateSources checks what Validate does not about mirrors and
// sources, with nats-server's errors.
func validateSources(cfg *api.StreamConfig) *api.Error {
	check := func(s *api.StreamSource, mirror bool) *api.Error {
		if x := s.External; x != nil {
			if x.APIPrefix == "" || !sublist.ValidSubject(x.APIPrefix) {
				return api.JSStreamInvalidConfigF.New("{err}", "stream external api prefix "+strconv.Quote(x.APIPrefix)+" is not valid")
			}
			if x.DeliverPrefix != "" && !sublist.ValidLiteralSubject(x.DeliverPrefix) {
				return api.JSStreamInvalidExternalDeliverySubjErrF.New("{prefix}", x.DeliverPrefix)
			}
		}
		if s.FilterSubject != "" && len(s.SubjectTransforms) > 0 {
			if mirror {
				return api.JSMirrorMultipleFiltersNotAllowed.New()
			}
			return api.JSSourceMultipleFiltersNotAllowed.New()
		}
		if s.FilterSubject != "" && !sublist.ValidSubject(s.FilterSubject) {
			return api.JSStreamInvalidConfigF.New("{err}", "invalid filter subject "+strconv.Quote(s.FilterSubject))
		}
		for _, t := range s.SubjectTransforms {
			if t.Destination != "" {
				if _, err := transform.New(t.Source, t.Destination); err != nil {
					return api.JSStreamTransformInvalidDestination.New("{err}", err.Error())
				}
			}
		}
		return nil
	}
	if m := cfg.Mirror; m != nil {
		if cfg.SubjectDeleteMarkerTTL > 0 {
			return api.JSStreamInvalidConfigF.New("{err}", "subject delete markers forbidden on mirrors")
		}
		if e := check(m, true); e != nil {
			return e
		}
	}
	seen := map[string]bool{}
	for _, s := range cfg.Sources {
		if s == nil {
			continue
		}
		if e := check(s, false); e != nil {
			return e
		}
		k := sourceID(s)
		if seen[k] {
			return api.JSSourceDuplicateDetected.New()
		}
		seen[k] = true
	}
	return nil
}

// sourceID names a source by its origin and filters, stably across
// restarts: the last field of its messages' Nats-Stream-Source header.
func sourceID(s *api.StreamSource) string {
	h := sha256.New()
	h.Write([]byte(s.Name + "\x00" + s.FilterSubject))
	if s.External != nil {
		h.Write([]byte("\x00" + s.External.APIPrefix))
	}
	for _, t := range s.SubjectTransforms {
		h.Write([]byte("\x00" + t.Source + "\x00" + t.Destination))
	}
	return base64.RawURLEncoding.EncodeToString(h.Sum(nil))[:8]
}

func newSourcer(st *stream, cfg api.StreamSource, mirror bool) *sourcer {
	sc := &sourcer{st: st, mirror: mirror, cfg: cfg, id: sourceID(&cfg), quit: make(chan struct{}), done: make(chan struct{})}
	if len(cfg.SubjectTransforms) > 0 {
		for _, t := range cfg.SubjectTransforms {
			f := sourceFilter{src: t.Source, dst: t.Destination}
			if f.src == "" {
				f.src = ">"
			}
			if t.Destination != "" {
				f.tr, _ = transform.New(f.src, t.Destination)
			}
			sc.filts = append(sc.filts, f)
		}
	} else {
		f := cfg.FilterSubject
		if f == "" {
			f = ">"
		}
		sc.filts = []sourceFilter{{src: f}}
	}
	return sc
}

// parseSourceHeader reads a Nats-Stream-Source value.
func parseSourceHeader(v []byte) (name string, seq uint64, id string, ok bool) {
	f := strings.Fields(string(v))
	if len(f) < 2 {
		return "", 0, "", false
	}
	seq, err := strconv.ParseUint(f[1], 10, 64)
	if err != nil {
		return "", 0, "", false
	}
	if len(f) >= 6 {
		id = f[5]
	}
	return f[0], seq, id, true
}

// originAccount is the JetStream account the origin lives in (nil when
// an external prefix leads nowhere).
func (sc *sourcer) originAccount() *jsAccount {
	jsa := sc.st.jsa
	x := sc.cfg.External
	if x == nil {
		return jsa
	}
	prefix := strings.TrimSuffix(x.APIPrefix, ".>")
	if prefix == "$JS.API" || (jsa.js.opts.Domain != "" && prefix == "$JS."+jsa.js.opts.Domain+".API") {
		return jsa
	}
	spec := jsa.acc.spec.Load()
	if spec == nil {
		return nil
	}
	for _, im := range spec.Imports {
		if !im.Service || im.To == "" {
			continue
		}
		// The import maps <prefix>.> (or all of <prefix>.X for the API
		// calls a source makes) onto the exporter's $JS.API.>.
		if im.To == prefix+".>" && im.Subject == "$JS.API.>" {
			return jsa.js.lookupJSAccount(im.Account)
		}
	}
	return nil
}
