package server

import (
	"errors"
	"math"
	"time"

	"github.com/natsd/natsd/jetstream/api"
	"github.com/natsd/natsd/jetstream/store"
	"github.com/natsd/natsd/monitor"
)

// configVarz is the JetStream configuration as /varz and /jsz show it.
func (js *jetStream) configVarz() *monitor.JetStreamConfig {
	js.mu.RLock()
	maxMem, maxStore := js.maxMem, js.maxStore
	js.mu.RUnlock()
	return &monitor.JetStreamConfig{
		MaxMemory: maxMem, MaxStore: maxStore, StoreDir: js.dir,
		SyncInterval: js.opts.SyncInterval, SyncAlways: js.opts.SyncAlways,
		Domain: js.opts.Domain, Strict: true,
	}
}

// stats sums the usage of every account.
func (js *jetStream) stats() monitor.JetStreamStats {
	st := monitor.JetStreamStats{API: api.APIStats{Level: api.APILevel, Total: js.apiTotal.Load(), Errors: js.apiErrors.Load()}}
	for _, jsa := range js.jsAccounts() {
		mem, file := jsa.usage()
		st.Memory += mem
		st.Store += file
		st.Accounts++
	}
	return st
}

// Jsz is /jsz: usage, the configuration and, on request, the accounts
// with their streams.
func (s *Server) Jsz(o *monitor.JszOptions) (*monitor.JSInfo, error) {
	js := s.js.Load()
	if js == nil {
		return &monitor.JSInfo{ID: s.id, Now: time.Now().UTC(), Disabled: true}, nil
	}
	if o == nil {
		o = &monitor.JszOptions{}
	}
	info := &monitor.JSInfo{JetStreamStats: js.stats(), ID: s.id, Now: time.Now().UTC(), Config: js.configVarz()}
	accs := js.jsAccounts()
	if o.Account != "" {
		jsa := js.lookupJSAccount(o.Account)
		if jsa == nil {
			return nil, errors.New("account not found")
		}
		accs = []*jsAccount{jsa}
	}
	for _, jsa := range accs {
		var ad *monitor.AccountDetail
		if o.Accounts {
			ad = &monitor.AccountDetail{Name: jsa.acc.name, ID: jsa.acc.name}
			ad.Memory, ad.Store = jsa.usage()
			// nats-server shows an unlimited reservation as -1 in a uint64.
			ad.ReservedMemory, ad.ReservedStore = math.MaxUint64, math.MaxUint64
			ad.API = api.APIStats{Total: jsa.apiTotal.Load(), Errors: jsa.apiErrors.Load()}
		}
		for _, st := range jsa.streamList() {
			var ss store.State
			st.store.FastState(&ss)
			info.Streams++
			info.Consumers += st.numConsumers()
			info.Messages += ss.Msgs
			info.Bytes += ss.Bytes
			if ad == nil || !o.Streams {
				continue
			}
			si := st.info(nil, infoCluster)
			d := monitor.StreamDetail{Name: st.name, Created: si.Created, Cluster: si.Cluster, State: si.State}
			if o.Config {
				cfg := si.Config
				d.Config = &cfg
			}
			if o.Consumers {
				for _, c := range st.consumerList() {
					ci := c.info(false)
					if !o.Config {
						ci.Config = nil // as nats-server: the config only with config=true
					}
					d.Consumers = append(d.Consumers, ci)
				}
			}
			ad.Streams = append(ad.Streams, d)
		}
		if ad != nil {
			info.Accounts = append(info.Accounts, ad)
		}
	}
	info.Total = len(info.Accounts)
	if !o.Accounts {
		info.Total = len(accs)
	}
	if o.Offset > 0 || (o.Limit > 0 && len(info.Accounts) > o.Limit) {
		a := info.Accounts
		if o.Offset > len(a) {
			o.Offset = len(a)
		}
		a = a[o.Offset:]
		if o.Limit > 0 && len(a) > o.Limit {
			a = a[:o.Limit]
		}
		info.Accounts = a
	}
	return info, nil
}
