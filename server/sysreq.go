package server

import (
	"bytes"
	"encoding/json"
	"errors"
	"strings"
	"sync"

	"github.com/natsd/natsd/monitor"
	"github.com/natsd/natsd/sublist"
)

// The $SYS.REQ request API, answered in the system account:
//
//	$SYS.REQ.SERVER.PING                 every server answers with STATSZ
//	$SYS.REQ.SERVER.PING.<suffix>        every server (that the body's
//	                                     server_name, cluster, host, tags
//	                                     filters select) answers
//	$SYS.REQ.SERVER.<server id>.<suffix> that server answers
//	$SYS.REQ.ACCOUNT.<account>.<suffix>  every server answers for the
//	                                     account (some only when it has
//	                                     something to say); the suffix
//	                                     may have several tokens
//	other registered subjects            e.g. $SYS.REQ.USER.INFO
//
// A server suffix or account suffix maps to one handler, registered with
// registerServerRequest / registerAccountRequest (other files add theirs
// in an init func, e.g. LEAFZ); whole subjects use registerSysSubject
// (e.g. $SYS.REQ.CLAIMS.*). A handler gets the request and returns the
// data of the answer, which goes out in nats-server's envelope
// {"server":{...},"data":...}, or an error, which goes out as
// {"server":{...},"error":{"code":...,"description":...}}. A handler that
// answers without the envelope returns sysRaw; one that stays silent
// returns nil, nil; one addressed to a single server only (KICK) checks
// r.ping.
//
// Requests with no reply subject are ignored. The subscriptions are
// ordinary (routes hear of them), so a PING reaches every server of a
// cluster and each answers once; those that must only see local
// requesters (USER.INFO) are registered local.

// sysRequest is one request, copied out of the delivery that brought it.
type sysRequest struct {
	srv     *Server
	subject string
	reply   string
	body    []byte
	// account is the <account> token of an account request.
	account string
	// requester is the connection that sent the request on this server
	// (nil when it came over a route): its user and account.
	requester *requesterInfo
	// ic answers (in its account); h, when set, is the handler (an
	// account's own system services), else it is looked up by subject.
	ic     *internalClient
	h      sysReqHandler
	filter bool
	// ping is set for $SYS.REQ.SERVER.PING.<suffix> (every server), not
	// for $SYS.REQ.SERVER.<id>.<suffix>.
	ping bool
}

// requesterInfo is who sent a request.
type requesterInfo struct {
	user    string
	account string
}

// sysReqHandler answers a request (see above).
type sysReqHandler func(r *sysRequest) (any, error)

// sysRaw is an answer sent as is, without the envelope.
type sysRaw struct{ v any }

// sysNoData is a success with nothing to say: the envelope's server alone.
type sysNoData struct{}

// sysError is a failed request with the code nats-server gives it;
// nullData answers "data":null next to the error, as nats-server does
// for some requests.
type sysError struct {
	code     int
	err      error
	nullData bool
}

func (e *sysError) Error() string { return e.err.Error() }

// sysSubject is a whole-subject handler.
type sysSubject struct {
	h     sysReqHandler
	local bool
}

var sysHandlers = struct {
	mu       sync.Mutex
	server   map[string]sysReqHandler
	account  map[string]sysReqHandler
	subjects map[string]sysSubject
}{server: map[string]sysReqHandler{}, account: map[string]sysReqHandler{}, subjects: map[string]sysSubject{}}

// registerServerRequest answers $SYS.REQ.SERVER.PING.<suffix> and
// $SYS.REQ.SERVER.<id>.<suffix> with h. Call it from an init func.
func registerServerRequest(suffix string, h sysReqHandler) {
	sysHandlers.mu.Lock()
	sysHandlers.server[suffix] = h
	sysHandlers.mu.Unlock()
}

// registerAccountRequest answers $SYS.REQ.ACCOUNT.<account>.<suffix> with
// h (r.account is the account token). Call it from an init func.
func registerAccountRequest(suffix string, h sysReqHandler) {
	sysHandlers.mu.Lock()
	sysHandlers.account[suffix] = h
	sysHandlers.mu.Unlock()
}

// registerSysSubject answers subject (wildcards allowed) in the system
// account with h; local keeps the interest from the routes, so only
// requesters on this server reach it. Call it from an init func. Subjects
// under $SYS.REQ.SERVER. and $SYS.REQ.ACCOUNT. belong to the suffix
// tables above (an account suffix may have several tokens, e.g.
// "CLAIMS.UPDATE"): registering one here would answer twice, so it
// panics.
func registerSysSubject(subject string, local bool, h sysReqHandler) {
	if strings.HasPrefix(subject, sysReqServer) || strings.HasPrefix(subject, sysReqAccount) {
		panic("registerSysSubject: " + subject + " belongs to registerServerRequest or registerAccountRequest")
	}
	sysHandlers.mu.Lock()
	sysHandlers.subjects[subject] = sysSubject{h: h, local: local}
	sysHandlers.mu.Unlock()
}

const (
	sysReqServerPing = "$SYS.REQ.SERVER.PING"
	sysReqServer     = "$SYS.REQ.SERVER."
	sysReqAccount    = "$SYS.REQ.ACCOUNT."
)

// sysCallback is the subscription callback of a request: it copies the
// request and queues it for the system loop. ic answers; account and h
// are set for an account's own services (see accountSysServices).
func (s *Server) sysCallback(ic *internalClient, account string, h sysReqHandler, filter bool) msgHandler {
	return func(pub *client, _ *subscription, subject, reply []byte, hdrLen int, msg []byte) bool {
		if len(reply) == 0 {
			return false
		}
		r := &sysRequest{srv: s, subject: string(subject), reply: string(reply), body: bytes.Clone(msg[hdrLen:]),
			ic: ic, account: account, h: h, filter: filter}
		r.body = bytes.TrimSuffix(r.body, []byte("\r\n"))
		if pub != nil && pub.kind != kindRoute && pub.kind != kindInternal {
			ri := &requesterInfo{}
			if acc := pub.acc.Load(); acc != nil {
				ri.account = acc.name
			}
			pub.mu.Lock()
			ri.user = pub.mon.user
			pub.mu.Unlock()
			r.requester = ri
		}
		s.sysQueue(func() { s.answerSysRequest(r) })
		return true
	}
}

// subscribeSysRequests subscribes the system client to the request API.
func (s *Server) subscribeSysRequests(sys *sysState) {
	cb := s.sysCallback(sys.ic, "", nil, false)
	subs := []string{sysReqServerPing, sysReqServerPing + ".*", sysReqServer + s.id + ".*", sysReqAccount + "*.>"}
	for _, subj := range subs {
		if _, err := sys.ic.subscribe(subj, "", cb); err != nil {
			s.log.Errorf("System account: subscribing to %s: %v", subj, err)
		}
	}
	sysHandlers.mu.Lock()
	defer sysHandlers.mu.Unlock()
	for subj, h := range sysHandlers.subjects {
		var err error
		if h.local {
			_, err = sys.ic.subscribeLocal(subj, cb)
		} else {
			_, err = sys.ic.subscribe(subj, "", cb)
		}
		if err != nil {
			s.log.Errorf("System account: subscribing to %s: %v", subj, err)
		}
	}
}

// answerSysRequest finds the request's handler and publishes its answer.
// It runs in the system loop.
func (s *Server) answerSysRequest(r *sysRequest) {
	h, filter := r.h, r.filter
	sysHandlers.mu.Lock()
	switch {
	case h != nil:
	case r.subject == sysReqServerPing:
		h, filter = sysHandlers.server["STATSZ"], true
	case strings.HasPrefix(r.subject, sysReqServerPing+"."):
		h, filter = sysHandlers.server[r.subject[len(sysReqServerPing)+1:]], true
		r.ping = true
	case strings.HasPrefix(r.subject, sysReqServer+s.id+"."):
		h = sysHandlers.server[r.subject[len(sysReqServer)+len(s.id)+1:]]
	case strings.HasPrefix(r.subject, sysReqAccount):
		// The suffix is everything after the account token.
		if acc, suffix, ok := strings.Cut(r.subject[len(sysReqAccount):], "."); ok {
			r.account = acc
			h = sysHandlers.account[suffix]
		}
	default:
		h = sysHandlers.subjects[r.subject].h
		if h == nil {
			for subj, sh := range sysHandlers.subjects {
				if sublist.SubjectMatches(subj, r.subject) {
					h = sh.h
					break
				}
			}
		}
	}
	sysHandlers.mu.Unlock()
	if h == nil {
		return
	}
	if filter && !s.selectedBy(r.body) {
		return
	}
	data, err := h(r)
	if err == nil && data == nil {
		return
	}
	if raw, ok := data.(sysRaw); ok {
		s.sysPublishVia(r.ic, r.reply, raw.v)
		return
	}
	if _, ok := data.(sysNoData); ok {
		data = nil
	}
	resp := &monitor.ServerAPIResponse{Server: s.serverInfo(), Data: data}
	if err != nil {
		resp.Data = nil
		code := 500
		var se *sysError
		if errors.As(err, &se) {
			code = se.code
			if se.nullData {
				resp.Data = json.RawMessage("null")
			}
		}
		resp.Error = &monitor.ServerAPIError{Code: code, Description: err.Error()}
	}
	s.sysPublishVia(r.ic, r.reply, resp)
}

// selectedBy reports whether a PING request's filters select this server.
// A body that is not JSON selects every server: the handler reports the
// error.
func (s *Server) selectedBy(body []byte) bool {
	var f monitor.EventFilterOptions
	if len(body) == 0 || json.Unmarshal(body, &f) != nil {
		return true
	}
	match := func(want, have string) bool {
		if want == "" {
			return true
		}
		if f.ExactMatch {
			return want == have
		}
		return strings.Contains(have, want)
	}
	o := s.getOpts()
	cluster := ""
	if s.cluster.enabled {
		cluster = o.Cluster.Name
	}
	if !match(f.Name, s.name) || !match(f.Host, o.Host) || !match(f.Cluster, cluster) {
		return false
	}
	// natsd has no server tags or JetStream domains: a filter on them
	// selects no natsd server.
	return len(f.Tags) == 0 && f.Domain == ""
}

// decode reads the request's JSON body into v (an empty body leaves v
// as it is). A body that is not JSON is a 400, with the decoder's text.
func (r *sysRequest) decode(v any) error {
	if len(bytes.TrimSpace(r.body)) == 0 {
		return nil
	}
	if err := json.Unmarshal(r.body, v); err != nil {
		return &sysError{code: 400, err: err}
	}
	return nil
}

// Every other account gets a few system services of its own, as
// nats-server gives each account service imports from the system
// account: its users may ask who they are ($SYS.REQ.USER.INFO, which
// natscli's "account info" does) and list their own account's
// connections and statistics across the cluster
// ($SYS.REQ.SERVER.PING.CONNZ, $SYS.REQ.ACCOUNT.PING.CONNZ,
// $SYS.REQ.ACCOUNT.PING.STATZ), answered in the account.

// accountSysServices (re)subscribes each account's own services, after
// the account set changed (start, reload); removed accounts lose theirs.
func (s *Server) accountSysServices(prev *accountSet) {
	sys := s.sys.Load()
	if sys == nil {
		return
	}
	if prev != nil {
		for _, a := range prev.byName {
			if a.removed.Load() {
				if ic := a.sysImp.Swap(nil); ic != nil {
					ic.close()
				}
			}
		}
	}
	sysHandlers.mu.Lock()
	connz, statz, user := sysHandlers.account["CONNZ"], sysHandlers.account["STATZ"], sysHandlers.subjects["$SYS.REQ.USER.INFO"].h
	sysHandlers.mu.Unlock()
	for _, a := range s.accounts.Load().byName {
		if a == sys.acc || a.sysImp.Load() != nil {
			continue
		}
		ic := s.newInternalClient(a)
		if !a.sysImp.CompareAndSwap(nil, ic) {
			continue
		}
		for _, sub := range []struct {
			subject string
			h       sysReqHandler
			local   bool
		}{
			{"$SYS.REQ.USER.INFO", user, true},
			{sysReqServerPing + ".CONNZ", connz, false},
			{sysReqAccount + "PING.CONNZ", connz, false},
			{sysReqAccount + "PING.STATZ", statz, false},
		} {
			cb := s.sysCallback(ic, a.name, sub.h, sub.subject == sysReqServerPing+".CONNZ")
			var err error
			if sub.local {
				_, err = ic.subscribeLocal(sub.subject, cb)
			} else {
				_, err = ic.subscribe(sub.subject, "", cb)
			}
			if err != nil {
				s.log.Errorf("Account %s: subscribing to %s: %v", a.name, sub.subject, err)
			}
		}
	}
}
