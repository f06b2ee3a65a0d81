package server

import (
	"fmt"
	"slices"
	"time"

	"github.com/natsd/natsd/accounts"
	"github.com/natsd/natsd/monitor"
)

// Accountz is the /accountz snapshot: the account names, or one account's
// details with its exports and imports (natsd has no system imports to
// list, unlike nats-server).
func (s *Server) Accountz(o *monitor.AccountzOptions) (*monitor.Accountz, error) {
	az := &monitor.Accountz{ID: s.id, Now: time.Now(), SystemAccount: s.SystemAccount()}
	if o == nil || o.Account == "" {
		az.Accounts = s.AccountNames()
		slices.Sort(az.Accounts)
		return az, nil
	}
	a := s.lookupAccount(o.Account)
	if a == nil {
		return nil, fmt.Errorf("Account %s does not exist", o.Account)
	}
	st := a.sl.Stats()
	info := &monitor.AccountInfo{
		AccountName: a.name,
		LastUpdate:  time.Unix(0, a.updated.Load()),
		Complete:    true,
		ClientCnt:   a.connCount(s),
		LeafCnt:     s.numLeafsIn(a),
		SubCnt:      st.NumSubs,
		NameTag:     a.name,
		Sublist: &monitor.SublistStats{NumSubs: st.NumSubs, NumCache: st.NumCache, NumInserts: st.NumInserts,
			NumRemoves: st.NumRemoves, NumMatches: st.NumMatches, CacheHitRate: st.CacheHitRate,
			MaxFanout: st.MaxFanout, AvgFanout: st.AvgFanout},
	}
	if spec := a.spec.Load(); spec != nil {
		for _, e := range spec.Exports {
			ei := monitor.ExportInfo{Subject: e.Subject, Type: e.Kind(), ApprovedAccounts: e.Accounts}
			if e.Service {
				ei.ResponseType = responseTypeName(e.ResponseType)
			}
			info.Exports = append(info.Exports, ei)
		}
		for _, im := range spec.Imports {
			info.Imports = append(info.Imports, monitor.ImportInfo{Subject: im.Subject, Account: im.Account,
				To: im.To, LocalSubject: im.Local(), Type: im.Kind()})
		}
	}
	az.Account = info
	return az, nil
}

// responseTypeName is how nats-server's /accountz names a response type.
func responseTypeName(r accounts.ResponseType) string {
	switch r {
	case accounts.Stream:
		return "Stream"
	case accounts.Chunked:
		return "Chunked"
	}
	return "Singleton"
}
