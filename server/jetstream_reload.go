package server

import (
	"fmt"
	"sync/atomic"

	"github.com/natsd/natsd/accounts"
)

// Reloading JetStream, as nats-server 2.15 does: JetStream itself can be
// turned on and off, its max_memory_store and max_file_store raised (not
// lowered), and each account's jetstream key added, removed or given new
// limits (an account turned on finds its streams on disk again; one
// turned off keeps them there; limits lowered below what an account
// holds refuse new streams and messages but remove nothing). The other
// top-level keys are refused with nats-server's error text.
//
// Account changes run in the API worker (as an apiRequest with fn), so
// that they fall between API requests and never under one.

// jsReloadCheck returns nats-server's error for a JetStream change a
// reload can not make.
func jsReloadCheck(old, cur *JetStreamOpts) error {
	if !old.Enabled || !cur.Enabled {
		return nil
	}
	refuse := func(what string, o, n any) error {
		return fmt.Errorf("config reload not supported for %s: old=%v, new=%v", what, o, n)
	}
	syncOf := func(j *JetStreamOpts) any {
		if j.SyncInterval == 0 {
			return DefaultSyncInterval
		}
		return j.SyncInterval
	}
	switch {
	case (cur.MaxMemory != 0 && cur.MaxMemory < old.MaxMemory) || (cur.MaxStore != 0 && cur.MaxStore < old.MaxStore) ||
		(cur.MaxMemory == 0 && old.MaxMemory != 0) || (cur.MaxStore == 0 && old.MaxStore != 0):
		return fmt.Errorf("config reload not supported for decreasing jetstream max memory and store")
	case cur.StoreDir != old.StoreDir:
		return fmt.Errorf("config reload not supported for jetstream storage directory")
	case cur.Domain != old.Domain:
		return refuse("JetStreamDomain", old.Domain, cur.Domain)
	case syncOf(cur) != syncOf(old):
		return refuse("SyncInterval", syncOf(old), syncOf(cur))
	case cur.SyncAlways != old.SyncAlways:
		return refuse("SyncAlways", old.SyncAlways, cur.SyncAlways)
	case cur.MaxBufferedMsgs != old.MaxBufferedMsgs:
		return refuse("StreamMaxBufferedMsgs", old.MaxBufferedMsgs, cur.MaxBufferedMsgs)
	case cur.MaxBufferedSize != old.MaxBufferedSize:
		return refuse("StreamMaxBufferedSize", old.MaxBufferedSize, cur.MaxBufferedSize)
	case cur.Key != old.Key:
		return refuse("JetStreamKey", old.Key, cur.Key)
	case cur.Cipher != old.Cipher:
		return refuse("JetStreamCipher", old.Cipher, cur.Cipher)
	}
	return nil
}

// reloadJetStream applies a reload's JetStream changes (checked by
// jsReloadCheck) once the new options and accounts are in force.
func (s *Server) reloadJetStream(old, cur *Options) {
	switch {
	case !old.JetStream.Enabled && cur.JetStream.Enabled:
		s.log.Noticef("Reloaded: JetStream")
		if err := s.enableJetStream(); err != nil {
			s.log.Errorf("Can't start JetStream: %v", err)
			return
		}
		s.answerJetStreamDisabled()
	case old.JetStream.Enabled && !cur.JetStream.Enabled:
		s.log.Noticef("Reloaded: JetStream")
		for a, ic := range s.jsOff {
			ic.close()
			delete(s.jsOff, a)
		}
		s.shutdownJetStream()
		s.js.Store(nil)
	case cur.JetStream.Enabled:
		js := s.js.Load()
		if js == nil {
			return
		}
		js.run(func() {
			js.mu.Lock()
			defer js.mu.Unlock()
			if m := cur.JetStream.MaxMemory; m > js.maxMem {
				js.maxMem = m
				s.log.Noticef("Reloaded: JetStream max_mem_store = %s", friendlyBytes(m))
			}
			if m := cur.JetStream.MaxStore; m > js.maxStore {
				js.maxStore = m
				s.log.Noticef("Reloaded: JetStream max_file_store = %s", friendlyBytes(m))
			}
		})
		s.reloadJetStreamAccounts(js)
	}
}

// reloadJetStreamAccounts turns JetStream on, off or to new limits in
// each account as the new configuration says.
func (s *Server) reloadJetStreamAccounts(js *jetStream) {
	want := make(map[*Account]accounts.JetStreamLimits)
	for _, a := range s.jetStreamAccounts() {
		want[a.acc] = a.limits
	}
	js.run(func() {
		for _, jsa := range js.jsAccounts() {
			l, keep := want[jsa.acc]
			switch {
			case !keep || jsa.acc.removed.Load():
				js.disableAccount(jsa)
			case l != jsa.limits:
				jsa.mu.Lock()
				jsa.limits = l
				jsa.mu.Unlock()
				jsa.memLimit.Store(l.MaxMemory)
				jsa.storeLimit.Store(l.MaxStore)
			}
		}
		for acc, l := range want {
			if js.lookupJSAccount(acc.name) != nil {
				continue
			}
			if ic := s.jsOff[acc]; ic != nil {
				ic.close()
				delete(s.jsOff, acc)
			}
			if err := js.enableAccount(acc, l); err != nil {
				s.log.Errorf("Error enabling JetStream for account %q: %v", acc.name, err)
			}
		}
	})
	for a, ic := range s.jsOff {
		if a.removed.Load() {
			ic.close()
			delete(s.jsOff, a)
		}
	}
	s.answerJetStreamDisabled()
}

// disableAccount turns JetStream off in an account: its API and stream
// subscriptions go, its stores are closed; the data stays on disk.
func (js *jetStream) disableAccount(jsa *jsAccount) {
	js.mu.Lock()
	delete(js.accounts, jsa.acc.name)
	js.mu.Unlock()
	jsa.ic.close()
	for _, st := range jsa.streamList() {
		st.stop()
	}
	js.srv.log.Noticef("JetStream disabled for account %q", jsa.acc.name)
}

// run runs fn in the API worker, between API requests, and waits for it.
// It reports whether fn ran: once JetStream shuts down, an fn that had not
// started never does, and one that had is waited for (the caller may free
// what fn uses once run returns).
func (js *jetStream) run(fn func()) bool {
	done := make(chan struct{})
	var claimed atomic.Bool // by the worker to run fn, or by run to drop it
	r := &apiRequest{fn: func() {
		if claimed.CompareAndSwap(false, true) {
			fn()
			close(done)
		}
	}}
	select {
	case js.apiq <- r:
	case <-js.quit:
		return false
	}
	select {
	case <-done:
		return true
	case <-js.quit:
		if claimed.CompareAndSwap(false, true) {
			return false
		}
		<-done
		return true
	}
}
