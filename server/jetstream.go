package server

import (
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"sort"
	"strconv"
	"sync"
	"sync/atomic"
	"time"

	"golang.org/x/sys/unix"

	"github.com/natsd/natsd/accounts"
	"github.com/natsd/natsd/jetstream/api"
	"github.com/natsd/natsd/jetstream/store"
)

// JetStream runs as a service inside each account that has it: the
// account's internal client subscribes to $JS.API.> and to the subjects
// of every stream (jetstream_api.go, jetstream_stream.go). Nothing in the
// client read loop knows about it.
//
// What runs where (a callback runs inside somebody else's delivery loop,
// so it must not block for long):
//
//   - A publish to a stream subject is stored inline, in the publisher's
//     delivery: the record is appended to the stream store's write
//     buffer under the stream's lock. At the end of the publisher's read
//     batch (client.flushPending) each stream written to is flushed with
//     one write(2) and only then are the batch's PubAcks delivered, so an
//     ack always follows its record into the file, a burst of publishes
//     costs one system call, and the acks join the publisher's coalesced
//     output. Publishes from routes and internal clients, which have no
//     read batch, are written at once. This is the hot path.
//   - Every API request is copied and handed to one worker goroutine per
//     server (a bounded queue), because creating, deleting, purging or
//     listing streams touches the disk and may take milliseconds: done
//     inline it would stall the requester's connection and every other
//     subscriber of that delivery. One worker also orders the requests
//     of an account as they came, as a replicated log will later.
//   - DIRECT.GET and MSG.GET go to the same worker: a load may read a
//     block from disk. Except a direct get of the last message of a
//     subject named in the request subject (what a KV get sends): it
//     reads one record, and the goroutine hop would be most of its
//     latency, so it is served inline.
//   - A snapshot streams from a goroutine of its own (it waits for flow
//     control acks); a restore collects its chunks in one too
//     (jetstream_snapshot.go, jetstream_restore.go).
//   - Each origin of a mirror or source is tailed by a goroutine of its
//     own that reads the origin's store and stores into the stream under
//     its lock (jetstream_source.go).
//   - A reload's JetStream changes run in the API worker
//     (jetstream_reload.go).
//
// Lock order: see server.go. (A publish checking the account's limits
// holds its stream's lock and reads the account's stream list;
// jsAccount.mu is never held while taking a stream's lock, and a
// stream's lock never while taking another's: other streams are read
// through their stores only.)
//
// A stream's lock is never held while delivering: acks, advisories and
// republished messages go out after it is released.

// jetStream is the server's JetStream: options in force, the accounts
// that have it and the API worker.
type jetStream struct {
	srv      *Server
	opts     JetStreamOpts
	dir      string // <store_dir>/jetstream
	maxMem   int64
	maxStore int64
	started  time.Time

	mu       sync.RWMutex
	accounts map[string]*jsAccount

	apiq      chan *apiRequest
	quit      chan struct{}
	wg        sync.WaitGroup
	goMu      sync.Mutex // orders goroutine's wg.Add before shutdownJetStream's Wait
	stopping  bool       // under goMu: shutdownJetStream began, goroutine starts nothing
	apiTotal  atomic.Uint64
	apiErrors atomic.Uint64
}

// jsAccount is JetStream inside one account.
type jsAccount struct {
	js     *jetStream
	acc    *Account
	limits accounts.JetStreamLimits // written in the API worker under mu
	ic     *internalClient
	apiSub *subscription

	// memLimit and storeLimit mirror limits for the publish path, which
	// reads them without a lock.
	memLimit, storeLimit atomic.Int64

	mu      sync.RWMutex
	streams map[string]*stream

	apiTotal  atomic.Uint64
	apiErrors atomic.Uint64
}

// JetStreamEnabled reports whether JetStream is running.
func (s *Server) JetStreamEnabled() bool { return s.js.Load() != nil }

// defaultLimits picks nats-server's defaults for unset server limits: 75%
// of the machine's memory and 75% of the store disk's free space (at most
// 1 TB).
func defaultLimits(dir string) (mem, disk int64) {
	mem = totalMemory() / 4 * 3
	if mem <= 0 {
		mem = 256 << 20
	}
	disk = 1 << 40
	var st unix.Statfs_t
	if unix.Statfs(dir, &st) == nil {
		if free := int64(st.Bavail) * int64(st.Bsize) / 4 * 3; free < disk {
			disk = free
		}
	}
	return mem, disk
}

// enableJetStream starts JetStream: the store directory, the limits, the
// accounts with their streams recovered from disk, the API worker and
// the sync loop. It logs as nats-server does.
func (s *Server) enableJetStream() error {
	o := s.getOpts().JetStream
	t0 := time.Now()
	s.log.Noticef("Starting JetStream")
	base := o.StoreDir
	if base == "" {
		base = os.TempDir()
	}
	dir := filepath.Join(base, "jetstream")
	if err := os.MkdirAll(dir, 0o750); err != nil {
		return fmt.Errorf("could not create storage directory - %v", err)
	}
	if o.SyncInterval == 0 && !o.SyncAlways {
		o.SyncInterval = DefaultSyncInterval
	}
	js := &jetStream{srv: s, opts: o, dir: dir, accounts: make(map[string]*jsAccount),
		apiq: make(chan *apiRequest, 4096), quit: make(chan struct{}), started: time.Now()}
	js.maxMem, js.maxStore = o.MaxMemory, o.MaxStore
	if js.maxMem == 0 || js.maxStore == 0 {
		m, d := defaultLimits(dir)
		if js.maxMem == 0 {
			js.maxMem = m
		}
		if js.maxStore == 0 {
			js.maxStore = d
		}
	}
	for _, l := range []string{
		"    _ ___ _____ ___ _____ ___ ___   _   __  __",
		" _ | | __|_   _/ __|_   _| _ \\ __| /_\\ |  \\/  |",
		"| || | _|  | | \\__ \\ | | |   / _| / _ \\| |\\/| |",
		" \\__/|___| |_| |___/ |_| |_|_\\___/_/ \\_\\_|  |_|",
		"",
		"         https://docs.nats.io/jetstream",
		"",
		"---------------- JETSTREAM ----------------",
		"  Strict:          true",
		"  Max Memory:      " + friendlyBytes(js.maxMem),
		"  Max Storage:     " + friendlyBytes(js.maxStore),
		fmt.Sprintf("  Store Directory: %q", dir),
	} {
		s.log.Noticef("%s", l)
	}
	if o.Domain != "" {
		s.log.Noticef("  Domain:          %s", o.Domain)
	}
	if o.SyncAlways {
		s.log.Noticef("  Sync:            always")
	}
	if o.Cipher != store.NoCipher {
		s.log.Noticef("  Encryption:      %s", map[store.Cipher]string{store.AES256GCM: "AES", store.ChaCha20Poly1305: "ChaCha20-Poly1305"}[o.Cipher])
	}
	s.log.Noticef("  API Level:       %d", api.APILevel)
	s.log.Noticef("-------------------------------------------")
	s.js.Store(js)
	for _, a := range s.jetStreamAccounts() {
		if err := js.enableAccount(a.acc, a.limits); err != nil {
			s.log.Errorf("Error enabling JetStream for account %q: %v", a.acc.name, err)
		}
	}
	js.wg.Add(1)
	go js.apiWorker()
	if !o.SyncAlways {
		js.wg.Add(1)
		go js.syncLoop(o.SyncInterval)
	}
	s.log.Noticef("Took %v to start JetStream", time.Since(t0))
	return nil
}

type jsAccountSpec struct {
	acc    *Account
	limits accounts.JetStreamLimits
}

// jetStreamAccounts lists the accounts that get JetStream: the global
// account when no accounts are configured, otherwise those whose
// configuration has a jetstream key that enables it.
func (s *Server) jetStreamAccounts() []jsAccountSpec {
	o := s.getOpts()
	unl := accounts.JetStreamLimits{MaxMemory: -1, MaxStore: -1, MaxStreams: -1, MaxConsumers: -1}
	specs := o.Accounts
	if s.op != nil {
		specs = s.jwtAccountSpecs() // operator mode: the account JWTs' limits
	} else if len(specs) == 0 {
		return []jsAccountSpec{{s.gacc, unl}}
	}
	var out []jsAccountSpec
	for _, spec := range specs {
		if spec.JetStream == nil {
			continue
		}
		if a := s.lookupAccount(spec.Name); a != nil {
			out = append(out, jsAccountSpec{a, *spec.JetStream})
		}
	}
	return out
}

// friendlyBytes prints a size as nats-server's startup banner does.
func friendlyBytes(n int64) string {
	f := float64(n)
	const base = 1024
	units := []string{"K", "M", "G", "T", "P", "E"}
	if f < base {
		return fmt.Sprintf("%d B", n)
	}
	i := -1
	for f >= base && i < len(units)-1 {
		f /= base
		i++
	}
	return fmt.Sprintf("%.2f %sB", f, units[i])
}

// accountDir is where an account's streams are kept.
func (js *jetStream) accountDir(acc string) string { return filepath.Join(js.dir, acc, "streams") }

// enableAccount turns JetStream on in acc: the API subscription and the
// streams found on disk.
func (js *jetStream) enableAccount(acc *Account, limits accounts.JetStreamLimits) error {
	jsa := &jsAccount{js: js, acc: acc, limits: limits, ic: js.srv.newInternalClient(acc), streams: make(map[string]*stream)}
	jsa.memLimit.Store(limits.MaxMemory)
	jsa.storeLimit.Store(limits.MaxStore)
	sub, err := jsa.ic.subscribe(api.APIAll, "", jsa.apiCallback)
	if err != nil {
		return err
	}
	jsa.apiSub = sub
	js.mu.Lock()
	js.accounts[acc.name] = jsa
	js.mu.Unlock()
	jsa.recoverStreams()
	return nil
}

// recoverStreams opens every stream kept on disk for the account. A
// stream whose config or store can not be read is logged and skipped.
func (jsa *jsAccount) recoverStreams() {
	s := jsa.js.srv
	dir := jsa.js.accountDir(jsa.acc.name)
	ents, err := os.ReadDir(dir)
	if err != nil {
		if !errors.Is(err, os.ErrNotExist) {
			s.log.Warnf("JetStream: can not read %s: %v", dir, err)
		}
		return
	}
	for _, e := range ents {
		if !e.IsDir() {
			continue
		}
		sdir := filepath.Join(dir, e.Name())
		cfg, created, err := readStreamMeta(sdir)
		if err != nil {
			s.log.Warnf("JetStream: skipping stream %q of account %q: %v", e.Name(), jsa.acc.name, err)
			continue
		}
		s.log.Noticef("  Starting restore for stream '%s > %s'", jsa.acc.name, cfg.Name)
		t0 := time.Now()
		st, err := jsa.openStream(cfg, created, true)
		if err != nil {
			s.log.Warnf("JetStream: skipping stream %q of account %q: %v", cfg.Name, jsa.acc.name, err)
			continue
		}
		var state store.State
		st.store.FastState(&state)
		s.log.Noticef("  Restored %s messages for stream '%s > %s' in %v", commaInt(state.Msgs), jsa.acc.name, cfg.Name, time.Since(t0).Round(time.Millisecond))
	}
}

// streamMeta is the meta.inf of a stream directory: the config, with the
// creation time, as nats-server lays it out.
type streamMeta struct {
	Created time.Time `json:"Created"`
	api.StreamConfig
}

func readStreamMeta(dir string) (api.StreamConfig, time.Time, error) {
	b, err := os.ReadFile(filepath.Join(dir, "meta.inf"))
	if err != nil {
		return api.StreamConfig{}, time.Time{}, err
	}
	var m streamMeta
	if err := json.Unmarshal(b, &m); err != nil {
		return api.StreamConfig{}, time.Time{}, fmt.Errorf("meta.inf: %v", err)
	}
	if !api.ValidName(m.Name) || m.Name != filepath.Base(dir) {
		return api.StreamConfig{}, time.Time{}, fmt.Errorf("meta.inf: stream name %q does not match its directory", m.Name)
	}
	return m.StreamConfig, m.Created, nil
}

// writeStreamMeta writes meta.inf atomically (temporary file, fsync,
// rename).
func writeStreamMeta(dir string, cfg *api.StreamConfig, created time.Time) error {
	b, err := json.Marshal(streamMeta{Created: created.UTC(), StreamConfig: *cfg})
	if err != nil {
		return err
	}
	tmp := filepath.Join(dir, "meta.inf.tmp")
	f, err := os.OpenFile(tmp, os.O_CREATE|os.O_WRONLY|os.O_TRUNC, 0o640)
	if err != nil {
		return err
	}
	if _, err = f.Write(b); err == nil {
		err = f.Sync()
	}
	if cerr := f.Close(); err == nil {
		err = cerr
	}
	if err != nil {
		os.Remove(tmp)
		return err
	}
	return os.Rename(tmp, filepath.Join(dir, "meta.inf"))
}

// lookupJSAccount returns JetStream in the named account, or nil.
func (js *jetStream) lookupJSAccount(name string) *jsAccount {
	js.mu.RLock()
	defer js.mu.RUnlock()
	return js.accounts[name]
}

// jsAccounts lists the accounts with JetStream, by name.
func (js *jetStream) jsAccounts() []*jsAccount {
	js.mu.RLock()
	out := make([]*jsAccount, 0, len(js.accounts))
	for _, a := range js.accounts {
		out = append(out, a)
	}
	js.mu.RUnlock()
	sort.Slice(out, func(i, j int) bool { return out[i].acc.name < out[j].acc.name })
	return out
}

// streamList is the account's streams sorted by name.
func (jsa *jsAccount) streamList() []*stream {
	jsa.mu.RLock()
	out := make([]*stream, 0, len(jsa.streams))
	for _, st := range jsa.streams {
		out = append(out, st)
	}
	jsa.mu.RUnlock()
	sort.Slice(out, func(i, j int) bool { return out[i].name < out[j].name })
	return out
}

// usage sums the bytes the account's streams hold, per storage type.
func (jsa *jsAccount) usage() (mem, file uint64) {
	var st store.State
	for _, s := range jsa.streamList() {
		s.store.FastState(&st)
		if s.storage == api.MemoryStorage {
			mem += st.Bytes
		} else {
			file += st.Bytes
		}
	}
	return mem, file
}

// syncLoop fsyncs every file store each interval.
func (js *jetStream) syncLoop(every time.Duration) {
	defer js.wg.Done()
	t := time.NewTicker(every)
	defer t.Stop()
	for {
		select {
		case <-js.quit:
			return
		case <-t.C:
			for _, jsa := range js.jsAccounts() {
				for _, st := range jsa.streamList() {
					if err := st.store.Sync(); err != nil && !errors.Is(err, store.ErrStoreClosed) {
						js.srv.log.Errorf("JetStream: sync of stream %q failed: %v", st.name, err)
					}
				}
			}
		}
	}
}

// goroutine runs f in a goroutine shutdownJetStream waits for (before it
// closes the stores), so that nothing JetStream started (a snapshot being
// sent, a restore's cleanup, an answer) outlives Shutdown. f must return
// soon once js.quit is closed. Once the shutdown began, f is not run and
// goroutine reports false.
func (js *jetStream) goroutine(f func()) bool {
	js.goMu.Lock()
	defer js.goMu.Unlock()
	if js.stopping {
		return false
	}
	js.wg.Add(1)
	go func() {
		defer js.wg.Done()
		f()
	}()
	return true
}

// shutdownJetStream stops the API worker and the sync loop, removes the
// subscriptions and closes (and syncs) every store.
func (s *Server) shutdownJetStream() {
	js := s.js.Load()
	if js == nil {
		return
	}
	s.log.Noticef("Initiating JetStream Shutdown...")
	js.goMu.Lock()
	js.stopping = true
	js.goMu.Unlock()
	close(js.quit)
	js.wg.Wait()
	for _, jsa := range js.jsAccounts() {
		jsa.ic.close()
		for _, st := range jsa.streamList() {
			st.stop()
		}
	}
	s.log.Noticef("JetStream Shutdown")
}

// answerJetStreamDisabled subscribes $JS.API.> in every account without
// JetStream (the system account aside), to answer "JetStream not enabled
// for account" as nats-server does instead of leaving requests to time out.
func (s *Server) answerJetStreamDisabled() {
	js := s.js.Load()
	set := s.accounts.Load()
	if s.jsOff == nil {
		s.jsOff = make(map[*Account]*internalClient)
	}
	for name, a := range set.byName {
		if a == set.system || js.lookupJSAccount(name) != nil || s.jsOff[a] != nil {
			continue
		}
		ic := s.newInternalClient(a)
		if _, err := ic.subscribe(api.APIAll, "", s.notEnabledCallback(a)); err != nil {
			s.log.Warnf("JetStream: %v", err)
			continue
		}
		s.jsOff[a] = ic
	}
}

// commaInt prints n with thousands separators, as nats-server logs counts.
func commaInt(n uint64) string {
	s := strconv.FormatUint(n, 10)
	for i := len(s) - 3; i > 0; i -= 3 {
		s = s[:i] + "," + s[i:]
	}
	return s
}
