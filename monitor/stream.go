package monitor

import (
	"compress/gzip"
	"encoding/json"
	"io"
	"math"
	"net/http"
	"strings"
	"sync"
	"time"
)

// The dashboard is fed by one hub per Handler. Once a second the hub takes
// /varz's snapshot for the charts' history (so the last fifteen minutes are
// there when a page opens), and, only while pages are open, builds each
// event once, encodes it once and hands the same bytes to every open page.
// N open pages cost one snapshot a second, not N times one per panel.
// hub.mu guards the history and the viewers only: it is never held while
// the Source is called, so it adds nothing to the server's lock order.

// Stream limits.
const (
	// MaxViewers bounds the open event streams; more are refused with 503.
	MaxViewers = 64
	// DashboardOpenConns and DashboardClosedConns bound the connections one
	// "conns" event lists: the open ones by cid, and the most recently
	// closed. The totals are in the event, so the page can say what it
	// does not show.
	DashboardOpenConns   = 1000
	DashboardClosedConns = 200
	// streamWriteTimeout drops a page that stopped reading.
	streamWriteTimeout = 10 * time.Second
)

// Stream kinds, the events?stream= parameter.
const (
	streamMain  = ""         // "history" once, then "tick" every second
	streamConns = "conns"    // "conns" every second
	streamAccts = "accounts" // "accounts" every second
)

// TickEvent is the data of a "tick" event.
type TickEvent struct {
	Varz   *Varz        `json:"varz"`
	Routez *Routez      `json:"routez,omitempty"`
	Subsz  SublistStats `json:"subsz"`
	Sample *Sample      `json:"sample,omitempty"`
}

// ConnsEvent is the data of a "conns" event: /connz's open and closed
// snapshots, with authorized users and subscribed subjects.
type ConnsEvent struct {
	Open   *Connz `json:"open"`
	Closed *Connz `json:"closed"`
}

// AccountsEvent is the data of an "accounts" event: every account with
// /accountz?acc='s numbers and its open connections' traffic added up,
// and /jsz?streams=1 (nil when the source has no JetStream).
type AccountsEvent struct {
	Accounts []AccountTraffic `json:"accounts"`
	Jsz      *JSInfo          `json:"jsz,omitempty"`
}

// AccountTraffic is one account in an AccountsEvent.
type AccountTraffic struct {
	Name      string `json:"name"`
	System    bool   `json:"system,omitempty"`
	JetStream bool   `json:"jetstream_enabled"`
	Conns     int    `json:"client_connections"`
	Subs      uint32 `json:"subscriptions"`
	InMsgs    int64  `json:"in_msgs"`
	OutMsgs   int64  `json:"out_msgs"`
	InBytes   int64  `json:"in_bytes"`
	OutBytes  int64  `json:"out_bytes"`
}

type viewer struct {
	kind string
	ch   chan []byte // encoded SSE frames; a full channel drops a frame
}

type hub struct {
	src   Source
	stats func() map[string]uint64

	mu      sync.Mutex
	hist    history
	viewers map[*viewer]struct{}
	closed  bool

	stop chan struct{}
	done chan struct{}
}

func newHub(src Source, stats func() map[string]uint64) *hub {
	h := &hub{src: src, stats: stats, viewers: make(map[*viewer]struct{}),
		stop: make(chan struct{}), done: make(chan struct{})}
	go h.run()
	return h
}

func (h *hub) run() {
	defer close(h.done)
	t := time.NewTicker(time.Second)
	defer t.Stop()
	for {
		select {
		case <-h.stop:
			return
		case <-t.C:
			h.tick()
		}
	}
}

// close stops the ticker and ends every open stream.
func (h *hub) close() {
	h.mu.Lock()
	if h.closed {
		h.mu.Unlock()
		return
	}
	h.closed = true
	for v := range h.viewers {
		close(v.ch)
		delete(h.viewers, v)
	}
	h.mu.Unlock()
	close(h.stop)
	<-h.done
}

func (h *hub) tick() {
	vz := h.src.Varz()
	h.mu.Lock()
	s, ok := h.hist.add(vz)
	var wantMain, wantConns, wantAccts bool
	for v := range h.viewers {
		wantMain = wantMain || v.kind == streamMain
		wantConns = wantConns || v.kind == streamConns
		wantAccts = wantAccts || v.kind == streamAccts
	}
	h.mu.Unlock()
	var mainFrame, connsFrame, acctsFrame []byte
	if wantMain {
		var sp *Sample
		if ok {
			sp = &s
		}
		mainFrame = h.tickFrame(vz, sp)
	}
	if wantConns {
		connsFrame = h.connsFrame()
	}
	if wantAccts {
		acctsFrame = h.accountsFrame()
	}
	h.mu.Lock()
	defer h.mu.Unlock()
	for v := range h.viewers {
		f := mainFrame
		switch v.kind {
		case streamConns:
			f = connsFrame
		case streamAccts:
			f = acctsFrame
		}
		if f == nil {
			continue
		}
		select {
		case v.ch <- f:
		default: // the page is behind; it gets the next second's
		}
	}
}

// join registers a viewer, or returns nil when the hub is closed or full.
func (h *hub) join(kind string) *viewer {
	h.mu.Lock()
	defer h.mu.Unlock()
	if h.closed || len(h.viewers) >= MaxViewers {
		return nil
	}
	v := &viewer{kind: kind, ch: make(chan []byte, 2)}
	h.viewers[v] = struct{}{}
	return v
}

func (h *hub) leave(v *viewer) {
	h.mu.Lock()
	defer h.mu.Unlock()
	if _, ok := h.viewers[v]; ok {
		delete(h.viewers, v)
		close(v.ch)
	}
}

// first is what a new viewer gets at once, before the next tick.
func (h *hub) first(kind string) [][]byte {
	if kind == streamConns {
		return [][]byte{h.connsFrame()}
	}
	if kind == streamAccts {
		return [][]byte{h.accountsFrame()}
	}
	h.mu.Lock()
	samples := h.hist.snapshot()
	h.mu.Unlock()
	return [][]byte{frame("history", map[string]any{"samples": samples}), h.tickFrame(h.src.Varz(), nil)}
}

func (h *hub) tickFrame(vz *Varz, s *Sample) []byte {
	ev := TickEvent{Varz: vz, Sample: s}
	vz.HTTPReqStats = h.stats()
	if rz, err := h.src.Routez(&RoutezOptions{}); err == nil {
		ev.Routez = rz
	}
	if sz, err := h.src.Subsz(&SubszOptions{}); err == nil {
		ev.Subsz = sz.SublistStats
	}
	return frame("tick", ev)
}

func (h *hub) connsFrame() []byte {
	var ev ConnsEvent
	ev.Open, _ = h.src.Connz(&ConnzOptions{State: ConnOpen, Sort: ByCid, Limit: DashboardOpenConns, Username: true, Subscriptions: true})
	ev.Closed, _ = h.src.Connz(&ConnzOptions{State: ConnClosed, Sort: ByStop, Limit: DashboardClosedConns, Username: true, Subscriptions: true})
	return frame("conns", ev)
}

// accountsFrame builds the "accounts" event: one /accountz?acc= per
// account, one /connz of every open connection (its traffic summed per
// account) and /jsz?streams=1. Only while an Accounts or JetStream panel
// is open.
func (h *hub) accountsFrame() []byte {
	ev := AccountsEvent{Accounts: []AccountTraffic{}}
	if src, ok := h.src.(AccountzSource); ok {
		if list, err := src.Accountz(&AccountzOptions{}); err == nil {
			byName := make(map[string]int, len(list.Accounts))
			for _, name := range list.Accounts {
				az, err := src.Accountz(&AccountzOptions{Account: name})
				if err != nil || az.Account == nil {
					continue // removed meanwhile
				}
				a := az.Account
				byName[name] = len(ev.Accounts)
				ev.Accounts = append(ev.Accounts, AccountTraffic{Name: name, System: name == list.SystemAccount,
					JetStream: a.JetStream, Conns: a.ClientCnt, Subs: a.SubCnt})
			}
			if cz, err := h.src.Connz(&ConnzOptions{State: ConnOpen, Limit: math.MaxInt32, Username: true}); err == nil {
				for _, c := range cz.Conns {
					acc := c.Account
					if acc == "" {
						acc = c.NameTag // /connz leaves out the global account's name
					}
					if i, ok := byName[acc]; ok {
						a := &ev.Accounts[i]
						a.InMsgs += c.InMsgs
						a.OutMsgs += c.OutMsgs
						a.InBytes += c.InBytes
						a.OutBytes += c.OutBytes
					}
				}
			}
		}
	}
	if src, ok := h.src.(JszSource); ok {
		ev.Jsz, _ = src.Jsz(&JszOptions{Accounts: true, Streams: true, Limit: 1024})
	}
	return frame("accounts", ev)
}

// frame encodes one Server-Sent Event. JSON has no raw newlines, so the
// data fits on one data: line.
func frame(event string, v any) []byte {
	b, err := json.Marshal(v)
	if err != nil {
		b = []byte(`{}`)
	}
	out := make([]byte, 0, len(b)+len(event)+16)
	out = append(out, "event: "...)
	out = append(out, event...)
	out = append(out, "\ndata: "...)
	out = append(out, b...)
	return append(out, "\n\n"...)
}

// events serves the dashboard's Server-Sent Events stream.
func (h *Handler) events(w http.ResponseWriter, r *http.Request) {
	kind := r.URL.Query().Get("stream")
	if kind != streamMain && kind != streamConns && kind != streamAccts {
		http.Error(w, "unknown stream", http.StatusBadRequest)
		return
	}
	v := h.hub.join(kind)
	if v == nil {
		http.Error(w, "too many dashboard streams", http.StatusServiceUnavailable)
		return
	}
	defer h.hub.leave(v)
	rc := http.NewResponseController(w)
	w.Header().Set("Content-Type", "text/event-stream")
	w.Header().Set("Cache-Control", "no-cache")
	w.Header().Set("X-Accel-Buffering", "no") // proxies: do not buffer the stream
	w.Header().Set("Vary", "Accept-Encoding")
	// The conns events repeat the same keys for every connection: gzip
	// (at its fastest level, flushed per event) sends about a tenth.
	var out io.Writer = w
	var gz *gzip.Writer
	if strings.Contains(r.Header.Get("Accept-Encoding"), "gzip") {
		w.Header().Set("Content-Encoding", "gzip")
		gz, _ = gzip.NewWriterLevel(w, gzip.BestSpeed)
		out = gz
	}
	w.WriteHeader(http.StatusOK)
	write := func(b []byte) bool {
		rc.SetWriteDeadline(time.Now().Add(streamWriteTimeout))
		if _, err := out.Write(b); err != nil {
			return false
		}
		if gz != nil && gz.Flush() != nil {
			return false
		}
		return rc.Flush() == nil
	}
	// A reconnecting EventSource retries after 2 s.
	if !write([]byte("retry: 2000\n\n")) {
		return
	}
	for _, f := range h.hub.first(kind) {
		if !write(f) {
			return
		}
	}
	for {
		select {
		case f, ok := <-v.ch:
			if !ok || !write(f) {
				return
			}
		case <-r.Context().Done():
			return
		}
	}
}
