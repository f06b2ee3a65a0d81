package server

import (
	"errors"
	"fmt"
	"slices"
	"time"

	"github.com/natsd/natsd/monitor"
)

// The handlers of the $SYS.REQ API (sysreq.go). Each reads its options
// from the request body with the monitoring endpoint's own option struct
// and builds the answer with the endpoint's own builder, so a request and
// an HTTP GET of the same endpoint answer alike.

func init() {
	registerServerRequest("STATSZ", func(r *sysRequest) (any, error) {
		return sysRaw{&monitor.ServerStatsMsg{Server: r.srv.serverInfo(), Stats: r.srv.statsz()}}, nil
	})
	registerServerRequest("IDZ", func(r *sysRequest) (any, error) {
		return sysRaw{&monitor.Idz{Name: r.srv.name, Host: r.srv.getOpts().Host, ID: r.srv.id}}, nil
	})
	registerServerRequest("VARZ", func(r *sysRequest) (any, error) { return r.srv.Varz(), nil })
	registerServerRequest("CONNZ", func(r *sysRequest) (any, error) {
		o := &monitor.ConnzOptions{}
		if err := r.decode(o); err != nil {
			return nil, err
		}
		return r.srv.sysConnz(o)
	})
	registerServerRequest("SUBSZ", func(r *sysRequest) (any, error) {
		o := &monitor.SubszOptions{}
		if err := r.decode(o); err != nil {
			return nil, err
		}
		return r.srv.Subsz(o)
	})
	registerServerRequest("ROUTEZ", func(r *sysRequest) (any, error) {
		o := &monitor.RoutezOptions{}
		if err := r.decode(o); err != nil {
			return nil, err
		}
		return r.srv.Routez(o)
	})
	registerServerRequest("LEAFZ", func(r *sysRequest) (any, error) {
		o := &monitor.LeafzOptions{}
		if err := r.decode(o); err != nil {
			return nil, err
		}
		return r.srv.Leafz(o)
	})
	registerServerRequest("HEALTHZ", func(r *sysRequest) (any, error) {
		hz := r.srv.Healthz()
		if hz.Status == monitor.HealthOK {
			hz.StatusCode = 200 // nats-server names it here, unlike over HTTP
		}
		return hz, nil
	})
	registerServerRequest("ACCOUNTZ", func(r *sysRequest) (any, error) {
		o := &monitor.AccountzOptions{}
		if err := r.decode(o); err != nil {
			return nil, err
		}
		az, err := r.srv.Accountz(o)
		if err != nil {
			return nil, &sysError{code: 400, err: err}
		}
		return az, nil
	})
	registerServerRequest("JSZ", func(r *sysRequest) (any, error) {
		o := &monitor.JszOptions{}
		if err := r.decode(o); err != nil {
			return nil, err
		}
		if o.Streams || o.Config || o.Account != "" {
			o.Accounts = true
		}
		return r.srv.Jsz(o)
	})

	// KICK disconnects one client of this server: {"cid": <id>}. Only
	// addressed to one server, never through PING.
	registerServerRequest("KICK", func(r *sysRequest) (any, error) {
		if r.ping || len(r.body) == 0 {
			return nil, nil
		}
		var o struct {
			CID uint64 `json:"cid"`
		}
		if err := r.decode(&o); err != nil {
			return nil, err
		}
		r.srv.mu.Lock()
		c := r.srv.clients[o.CID]
		r.srv.mu.Unlock()
		if c == nil {
			return nil, &sysError{code: 500, err: errors.New("no such client or leafnode id")}
		}
		c.closeConnection(Kicked, true)
		return sysNoData{}, nil
	})

	registerAccountRequest("CONNZ", func(r *sysRequest) (any, error) {
		o := &monitor.ConnzOptions{}
		if err := r.decode(o); err != nil {
			return nil, err
		}
		if r.srv.lookupAccount(r.account) == nil {
			// nats-server's answer for an account it does not know.
			o.Normalize()
			return &monitor.Connz{Now: time.Now().UTC(), Offset: o.Offset, Limit: o.Limit}, nil
		}
		o.Account = r.account
		return r.srv.sysConnz(o)
	})
	registerAccountRequest("SUBSZ", func(r *sysRequest) (any, error) {
		o := &monitor.SubszOptions{}
		if err := r.decode(o); err != nil {
			return nil, err
		}
		o.Account, o.Subscriptions = r.account, true
		return r.srv.Subsz(o)
	})
	registerAccountRequest("LEAFZ", func(r *sysRequest) (any, error) {
		o := &monitor.LeafzOptions{}
		if err := r.decode(o); err != nil {
			return nil, err
		}
		o.Account = r.account
		return r.srv.Leafz(o)
	})
	// JSZ: the account's /jsz account detail (streams and consumers on
	// request, as with /jsz), or nats-server's errors.
	registerAccountRequest("JSZ", func(r *sysRequest) (any, error) {
		o := &monitor.JszOptions{}
		if err := r.decode(o); err != nil {
			return nil, err
		}
		js := r.srv.js.Load()
		if js == nil {
			return nil, &sysError{code: 500, err: errors.New("jetstream not enabled"), nullData: true}
		}
		if r.srv.lookupAccount(r.account) == nil {
			return nil, &sysError{code: 500, err: fmt.Errorf("account %q not found", r.account), nullData: true}
		}
		if js.lookupJSAccount(r.account) == nil {
			return nil, &sysError{code: 500, err: fmt.Errorf("account %q not jetstream enabled", r.account), nullData: true}
		}
		o.Account, o.Accounts = r.account, true
		info, err := r.srv.Jsz(o)
		if err != nil || len(info.Accounts) == 0 {
			return nil, &sysError{code: 500, err: fmt.Errorf("account %q not jetstream enabled", r.account), nullData: true}
		}
		return info.Accounts[0], nil
	})
	registerAccountRequest("INFO", func(r *sysRequest) (any, error) {
		az, err := r.srv.Accountz(&monitor.AccountzOptions{Account: r.account})
		if err != nil {
			return nil, &sysError{code: 500, err: err, nullData: true}
		}
		return az.Account, nil
	})
	// CONNS answers, without the envelope, only from a server where the
	// account has connections (as nats-server does).
	registerAccountRequest("CONNS", func(r *sysRequest) (any, error) {
		acc := r.srv.lookupAccount(r.account)
		if acc == nil || acc.connCount(r.srv) == 0 {
			return nil, nil
		}
		return sysRaw{r.srv.accountConnsMsg(acc)}, nil
	})
	// STATZ: the account's statistics; $SYS.REQ.ACCOUNT.PING.STATZ takes
	// the accounts from the body. Silent when there is nothing to show.
	registerAccountRequest("STATZ", func(r *sysRequest) (any, error) {
		o := &monitor.AccountStatzOptions{}
		if err := r.decode(o); err != nil {
			return nil, err
		}
		if r.account != "PING" {
			o.Accounts = []string{r.account}
		}
		st := r.srv.AccountStatz(o)
		if len(st.Accounts) == 0 {
			return nil, nil
		}
		return st, nil
	})

	// USER.INFO: who the requester is. Local: the requester must be a
	// client of this server.
	registerSysSubject("$SYS.REQ.USER.INFO", true, func(r *sysRequest) (any, error) {
		if r.requester == nil {
			return nil, nil
		}
		return &monitor.UserInfo{UserID: r.requester.user, Account: r.requester.account, AccountName: r.requester.account}, nil
	})
}

// sysConnz is Connz for a request: the options checked as /connz checks
// its query.
func (s *Server) sysConnz(o *monitor.ConnzOptions) (*monitor.Connz, error) {
	if err := o.Validate(); err != nil {
		return nil, &sysError{code: 400, err: err}
	}
	cz, err := s.Connz(o)
	if err != nil {
		return nil, &sysError{code: 400, err: err}
	}
	return cz, nil
}

// AccountStatz is the /accstatz snapshot: each selected account's
// connections and traffic on this server (only accounts with
// connections, unless o.IncludeUnused), in nats-server's order: the
// global account, the system account, then the configuration's.
func (s *Server) AccountStatz(o *monitor.AccountStatzOptions) *monitor.AccountStatz {
	if o == nil {
		o = &monitor.AccountStatzOptions{}
	}
	out := &monitor.AccountStatz{ID: s.id, Now: time.Now().UTC(), Accounts: []*monitor.AccountStat{}}
	names := o.Accounts
	if len(names) == 0 {
		names = s.accountOrder()
	}
	for _, name := range names {
		a := s.lookupAccount(name)
		if a == nil || (!o.IncludeUnused && a.connCount(s) == 0) {
			continue
		}
		out.Accounts = append(out.Accounts, s.accountStat(a))
	}
	return out
}

// accountOrder lists the running accounts: the global one, the system
// one, those of the configuration in its order, then any other by name.
func (s *Server) accountOrder() []string {
	names := []string{globalAccount, s.SystemAccount()}
	for _, a := range s.getOpts().Accounts {
		if !slices.Contains(names, a.Name) {
			names = append(names, a.Name)
		}
	}
	var rest []string
	for _, n := range s.AccountNames() {
		if !slices.Contains(names, n) {
			rest = append(rest, n)
		}
	}
	slices.Sort(rest)
	return append(names, rest...)
}
