package server

import (
	"encoding/json"
	"fmt"
	"strings"
	"sync/atomic"
	"time"

	"github.com/nats-io/jwt/v2"
)

// The account JWT services of the system account, as a full resolver
// answers them (a cache resolver answers lookups and applies updates of
// accounts it knows; MEMORY only applies updates of known accounts on
// the older $SYS.ACCOUNT.<id>.CLAIMS.UPDATE):
//
//	$SYS.REQ.CLAIMS.UPDATE               body: an account JWT
//	$SYS.REQ.ACCOUNT.<id>.CLAIMS.UPDATE  body: the JWT of account <id>
//	$SYS.REQ.ACCOUNT.<id>.CLAIMS.LOOKUP  answer: the JWT (no answer: unknown)
//	$SYS.REQ.CLAIMS.LIST                 answer: {"data":[ids],"server":{..}}
//	$SYS.REQ.CLAIMS.PACK                 answer: one "<id>|<jwt>" message each, then an empty one
//	$SYS.REQ.CLAIMS.DELETE               body: operator-signed generic claims {"accounts":[ids]}
//
// The subscriptions are ordinary (not local), so an update published on
// any member of a cluster reaches every member's full resolver, and
// each applies and answers it. Requests are queued to one worker
// goroutine: the callbacks run inside a publisher's delivery and must
// not block, and updates rebuild the account set one at a time.

// Claim service subjects.
const (
	claimsUpdateSubj     = "$SYS.REQ.CLAIMS.UPDATE"
	claimsAccUpdateSubj  = "$SYS.REQ.ACCOUNT.*.CLAIMS.UPDATE"
	claimsLookupSubj     = "$SYS.REQ.ACCOUNT.*.CLAIMS.LOOKUP"
	claimsListSubj       = "$SYS.REQ.CLAIMS.LIST"
	claimsPackSubj       = "$SYS.REQ.CLAIMS.PACK"
	claimsDeleteSubj     = "$SYS.REQ.CLAIMS.DELETE"
	claimsOldUpdateSubj  = "$SYS.ACCOUNT.*.CLAIMS.UPDATE"
	claimsQueueLen       = 1024
	defaultLookupTimeout = 1900 * time.Millisecond
)

// claimsReq is one queued request.
type claimsReq struct {
	subject, reply string
	msg            []byte
}

// claimsService is the running claim services (one per server).
type claimsService struct {
	ic  *internalClient
	q   chan claimsReq
	seq atomic.Uint64
}

// startClaimsServices subscribes the claim services in the system account
// (operator mode only) and starts their worker.
func (s *Server) startClaimsServices() {
	if s.op == nil {
		return
	}
	sys := s.accounts.Load().system
	cs := &claimsService{ic: s.newInternalClient(sys), q: make(chan claimsReq, claimsQueueLen)}
	s.op.claims = cs
	enqueue := func(_ *client, _ *subscription, subject, reply []byte, hdrLen int, msg []byte) bool {
		if hdrLen > 0 && hdrLen <= len(msg) {
			msg = msg[hdrLen:]
		}
		r := claimsReq{subject: string(subject), reply: string(reply), msg: append([]byte(nil), msg...)}
		select {
		case cs.q <- r:
		default:
			s.log.Warnf("Account claims request on %q dropped: too many pending", r.subject)
		}
		return true
	}
	subjects := []string{claimsOldUpdateSubj}
	switch s.getOpts().Resolver.Type {
	case ResolverFull:
		subjects = append(subjects, claimsUpdateSubj, claimsAccUpdateSubj, claimsLookupSubj, claimsListSubj, claimsPackSubj, claimsDeleteSubj)
	case ResolverCache:
		subjects = append(subjects, claimsUpdateSubj, claimsAccUpdateSubj, claimsLookupSubj)
	}
	for _, subj := range subjects {
		if _, err := cs.ic.subscribe(subj, "", enqueue); err != nil {
			s.log.Errorf("Account claims service %q: %v", subj, err)
		}
	}
	s.goroutine(func() {
		for {
			select {
			case <-s.quit:
				return
			case r := <-cs.q:
				s.serveClaims(cs, r)
			}
		}
	})
	if s.getOpts().Resolver.Type == ResolverFull {
		s.goroutine(s.syncFullResolver)
	}
}

// serveClaims answers one request.
func (s *Server) serveClaims(cs *claimsService, r claimsReq) {
	tok := strings.Split(r.subject, ".")
	typ := s.getOpts().Resolver.Type
	switch {
	case r.subject == claimsUpdateSubj:
		s.claimsUpdate(cs, r, "")
	case len(tok) == 6 && tok[1] == "REQ" && tok[5] == "UPDATE":
		s.claimsUpdate(cs, r, tok[3])
	case len(tok) == 5 && tok[1] == "ACCOUNT" && tok[4] == "UPDATE":
		s.claimsUpdate(cs, r, tok[2])
	case len(tok) == 6 && tok[5] == "LOOKUP":
		if a := s.op.lookup(tok[3]); a != nil && r.reply != "" {
			cs.ic.publish([]byte(r.reply), nil, 0, []byte(a.JWT))
		}
	case r.subject == claimsListSubj:
		s.claimsRespond(cs, r.reply, map[string]any{"data": s.op.list()}, true)
	case r.subject == claimsPackSubj:
		for _, pub := range s.op.list() {
			if a := s.op.lookup(pub); a != nil && r.reply != "" {
				cs.ic.publish([]byte(r.reply), nil, 0, []byte(pub+"|"+a.JWT))
			}
		}
		if r.reply != "" {
			cs.ic.publish([]byte(r.reply), nil, 0, nil)
		}
	case r.subject == claimsDeleteSubj && typ == ResolverFull:
		s.claimsDelete(cs, r)
	}
}

// claimsUpdate applies an account JWT (want: the account the subject
// names, "" for any). Only accounts already known are updated by a
// MEMORY or cache resolver; a full resolver takes new ones too.
func (s *Server) claimsUpdate(cs *claimsService, r claimsReq, want string) {
	token := strings.TrimSpace(string(r.msg))
	typ := s.getOpts().Resolver.Type
	pub := want
	if ac, err := jwt.DecodeAccountClaims(token); err == nil && pub == "" {
		pub = ac.Subject
	}
	if typ != ResolverFull && s.op.lookup(pub) == nil {
		return // not ours to keep
	}
	acc, err := s.updateAccountJWT(want, token)
	if acc == "" {
		acc = "n/a"
	}
	if err != nil {
		s.log.Debugf("Account claims update of %s refused: %v", acc, err)
		s.claimsRespond(cs, r.reply, map[string]any{"error": map[string]any{
			"account": acc, "code": 500, "description": "jwt update resulted in error - " + err.Error()}}, false)
		return
	}
	s.log.Debugf("jwt updated - %s", acc)
	s.claimsRespond(cs, r.reply, map[string]any{"data": map[string]any{
		"account": acc, "code": 200, "message": "jwt updated"}}, false)
}

// claimsDelete removes accounts on an operator-signed request.
func (s *Server) claimsDelete(cs *claimsService, r claimsReq) {
	fail := func(issuer, why string) {
		s.claimsRespond(cs, r.reply, map[string]any{"error": map[string]any{
			"code": 500, "description": fmt.Sprintf("delete accounts request by %s failed - %s", issuer, why)}}, false)
	}
	gc, err := jwt.DecodeGeneric(strings.TrimSpace(string(r.msg)))
	if err != nil {
		fail("", err.Error())
		return
	}
	switch {
	case !s.getOpts().Resolver.AllowDelete:
		fail(gc.Issuer, "delete not allowed")
		return
	case !s.op.trust.Trusted(gc.Subject) || !s.op.trust.Trusted(gc.Issuer):
		fail(gc.Issuer, "not self signed")
		return
	}
	var pubs []string
	if list, ok := gc.Data["accounts"].([]any); ok {
		for _, v := range list {
			if p, ok := v.(string); ok {
				pubs = append(pubs, p)
			}
		}
	}
	if len(pubs) == 0 {
		fail(gc.Issuer, "no accounts named")
		return
	}
	s.deleteAccountJWTs(pubs)
	s.claimsRespond(cs, r.reply, map[string]any{"data": map[string]any{
		"code": 200, "message": fmt.Sprintf("deleted %d accounts", len(pubs))}}, false)
}

// claimsRespond sends body with the server object, first or (dataFirst,
// as LIST does) after the data.
func (s *Server) claimsRespond(cs *claimsService, reply string, body map[string]any, dataFirst bool) {
	if reply == "" {
		return
	}
	srv, _ := json.Marshal(s.serverInfo())
	var b strings.Builder
	b.WriteByte('{')
	if !dataFirst {
		fmt.Fprintf(&b, `"server":%s,`, srv)
	}
	first := true
	for _, k := range []string{"data", "error"} {
		v, ok := body[k]
		if !ok {
			continue
		}
		if !first {
			b.WriteByte(',')
		}
		first = false
		j, _ := json.Marshal(v)
		fmt.Fprintf(&b, "%q:%s", k, j)
	}
	if dataFirst {
		fmt.Fprintf(&b, `,"server":%s`, srv)
	}
	b.WriteByte('}')
	cs.ic.publish([]byte(reply), nil, 0, []byte(b.String()))
}
