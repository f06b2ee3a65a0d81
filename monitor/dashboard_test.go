package monitor

import (
	"bufio"
	"context"
	"encoding/json"
	"errors"
	"io"
	"net/http"
	"net/http/httptest"
	"reflect"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"
)

func TestHistoryRates(t *testing.T) {
	var h history
	t0 := time.Unix(1000, 0)
	if _, ok := h.add(&Varz{Now: t0, InMsgs: 100}); ok {
		t.Fatal("first sample has no rate")
	}
	s, ok := h.add(&Varz{Now: t0.Add(2 * time.Second), InMsgs: 300, OutMsgs: 50, InBytes: 4000, OutBytes: 10, Connections: 7})
	if !ok || s.InMsgs != 100 || s.OutMsgs != 25 || s.InBytes != 2000 || s.OutBytes != 5 || s.Conns != 7 || s.T != 1002 {
		t.Fatalf("sample %+v", s)
	}
	// A counter that goes back (a reset) is a zero rate, not a negative one.
	if s, _ := h.add(&Varz{Now: t0.Add(3 * time.Second), InMsgs: 10}); s.InMsgs != 0 {
		t.Fatalf("negative rate: %+v", s)
	}
	// The ring keeps the last HistoryLen samples, oldest first.
	for i := 0; i < HistoryLen+10; i++ {
		h.add(&Varz{Now: t0.Add(time.Duration(4+i) * time.Second)})
	}
	got := h.snapshot()
	if len(got) != HistoryLen || got[0].T != 1000+4+10 || got[len(got)-1].T != 1000+4+HistoryLen+9 {
		t.Fatalf("ring: %d samples, first %d last %d", len(got), got[0].T, got[len(got)-1].T)
	}
}

func TestFrame(t *testing.T) {
	f := string(frame("tick", map[string]string{"a": "line1\nline2"}))
	if f != "event: tick\ndata: {\"a\":\"line1\\nline2\"}\n\n" {
		t.Fatalf("frame %q", f)
	}
}

// dashSource is a Source safe for the hub's goroutine, with traffic that
// grows with each Varz call.
type dashSource struct {
	calls atomic.Int64
	conns atomic.Int64
}

func (d *dashSource) Varz() *Varz {
	n := d.calls.Add(1)
	return &Varz{ID: "SRV", Name: "srv", Now: time.Now(), InMsgs: 100 * n, OutMsgs: 200 * n, Connections: 2}
}
func (d *dashSource) Connz(o *ConnzOptions) (*Connz, error) {
	d.conns.Add(1)
	now := time.Now()
	return BuildConnz("SRV", now, fixture(now), o), nil
}
func (d *dashSource) Subsz(*SubszOptions) (*Subsz, error) {
	return &Subsz{SublistStats: SublistStats{NumSubs: 4}}, nil
}
func (d *dashSource) Routez(*RoutezOptions) (*Routez, error) {
	return &Routez{Routes: []*RouteInfo{}}, nil
}
func (d *dashSource) Healthz() *Healthz { return &Healthz{Status: HealthOK} }

// sseReader reads events from a stream.
type sseReader struct{ sc *bufio.Scanner }

func (r *sseReader) next(t *testing.T) (event string, data []byte) {
	t.Helper()
	for r.sc.Scan() {
		line := r.sc.Text()
		switch {
		case strings.HasPrefix(line, "event: "):
			event = line[len("event: "):]
		case strings.HasPrefix(line, "data: "):
			data = []byte(line[len("data: "):])
		case line == "" && event != "":
			return event, data
		}
	}
	t.Fatalf("stream ended: %v", r.sc.Err())
	return "", nil
}

func openStream(t *testing.T, ctx context.Context, url string) *sseReader {
	t.Helper()
	req, _ := http.NewRequestWithContext(ctx, "GET", url, nil)
	res, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { res.Body.Close() })
	// Go's client asked for gzip and decodes it: res.Uncompressed says so.
	if res.StatusCode != 200 || res.Header.Get("Content-Type") != "text/event-stream" || !res.Uncompressed {
		t.Fatalf("stream: %d %s gzip %v", res.StatusCode, res.Header.Get("Content-Type"), res.Uncompressed)
	}
	sc := bufio.NewScanner(res.Body)
	sc.Buffer(make([]byte, 1<<20), 1<<24)
	return &sseReader{sc}
}

func TestDashboardStreams(t *testing.T) {
	src := &dashSource{}
	h := NewHandler(src, HandlerOptions{Dashboard: true, BasePath: "/mon"})
	ts := httptest.NewServer(h)
	defer ts.Close()
	defer h.Close()
	ctx, cancel := context.WithTimeout(context.Background(), 20*time.Second)
	defer cancel()

	main := openStream(t, ctx, ts.URL+"/mon/dashboard/events")
	if ev, data := main.next(t); ev != "history" || !strings.HasPrefix(string(data), `{"samples":[`) {
		t.Fatalf("first event %s %s", ev, data)
	}
	var tick TickEvent
	ev, data := main.next(t)
	if err := json.Unmarshal(data, &tick); ev != "tick" || err != nil || tick.Varz.ID != "SRV" || tick.Subsz.NumSubs != 4 || tick.Routez == nil {
		t.Fatalf("tick %s %v %s", ev, err, data)
	}
	// The next ticks carry rates from the hub's sampler.
	deadline := time.Now().Add(10 * time.Second)
	for tick.Sample == nil {
		if time.Now().After(deadline) {
			t.Fatal("no sample")
		}
		main.next(t)
		_, data = main.next(t)
		tick = TickEvent{}
		json.Unmarshal(data, &tick)
	}
	if tick.Sample.InMsgs <= 0 || tick.Sample.OutMsgs <= tick.Sample.InMsgs {
		t.Errorf("sample %+v", tick.Sample)
	}
	if tick.Varz.HTTPReqStats == nil {
		t.Error("tick varz without http_req_stats")
	}

	// Connections are built only while a conns stream is open.
	before := src.conns.Load()
	conns := openStream(t, ctx, ts.URL+"/mon/dashboard/events?stream=conns")
	var ce ConnsEvent
	ev, data = conns.next(t)
	if err := json.Unmarshal(data, &ce); ev != "conns" || err != nil || ce.Open == nil || ce.Closed == nil || ce.Open.Limit != DashboardOpenConns {
		t.Fatalf("conns %s %v %.200s", ev, err, data)
	}
	if src.conns.Load() == before {
		t.Error("conns event without a Connz call")
	}

	// A client that does not ask for gzip gets the stream as it is.
	req, _ := http.NewRequestWithContext(ctx, "GET", ts.URL+"/mon/dashboard/events", nil)
	res, err := (&http.Client{Transport: &http.Transport{DisableCompression: true}}).Do(req)
	if err != nil {
		t.Fatal(err)
	}
	first := make([]byte, len("retry: 2000"))
	io.ReadFull(res.Body, first)
	res.Body.Close()
	if res.Header.Get("Content-Encoding") != "" || string(first) != "retry: 2000" {
		t.Errorf("plain stream: %q %q", res.Header.Get("Content-Encoding"), first)
	}

	// Bad input: an unknown stream.
	res, body := get(t, h, "/mon/dashboard/events?stream=nope")
	if res.StatusCode != 400 || !strings.Contains(body, "unknown stream") {
		t.Errorf("unknown stream: %d %s", res.StatusCode, body)
	}
}

// With no page open the hub samples (cheap Varz) but builds no events.
func TestDashboardIdleBuildsNothing(t *testing.T) {
	src := &dashSource{}
	h := NewHandler(src, HandlerOptions{Dashboard: true})
	defer h.Close()
	deadline := time.Now().Add(10 * time.Second)
	for src.calls.Load() < 2 {
		if time.Now().After(deadline) {
			t.Fatal("the sampler did not run")
		}
		time.Sleep(20 * time.Millisecond)
	}
	if n := src.conns.Load(); n != 0 {
		t.Errorf("%d Connz calls with no page open", n)
	}
	h.hub.mu.Lock()
	n := h.hub.hist.n
	h.hub.mu.Unlock()
	if n == 0 {
		t.Error("no history sample")
	}
}

func TestDashboardViewerLimitAndClose(t *testing.T) {
	h := NewHandler(&dashSource{}, HandlerOptions{Dashboard: true})
	var vs []*viewer
	for i := 0; i < MaxViewers; i++ {
		v := h.hub.join(streamMain)
		if v == nil {
			t.Fatalf("viewer %d refused", i)
		}
		vs = append(vs, v)
	}
	if h.hub.join(streamMain) != nil {
		t.Fatal("more than MaxViewers")
	}
	res, _ := get(t, h, "/dashboard/events")
	if res.StatusCode != http.StatusServiceUnavailable {
		t.Errorf("stream over the limit: %d", res.StatusCode)
	}
	h.hub.leave(vs[0])
	h.hub.leave(vs[0]) // twice is harmless
	var wg sync.WaitGroup
	for _, v := range vs[1:] {
		wg.Add(1)
		go func(v *viewer) {
			defer wg.Done()
			for range v.ch { // drains until Close closes it
			}
		}(v)
	}
	h.Close()
	wg.Wait()
	h.Close() // idempotent
	if h.hub.join(streamMain) != nil {
		t.Error("join after Close")
	}
}

func TestDashboardPage(t *testing.T) {
	h := NewHandler(&dashSource{}, HandlerOptions{Dashboard: true, BasePath: "/nats"})
	defer h.Close()
	res, body := get(t, h, "/nats/")
	if res.StatusCode != 200 || !strings.Contains(body, `<script src="dashboard/app.js" type="module">`) {
		t.Fatalf("page: %d %.200s", res.StatusCode, body)
	}
	for _, link := range []string{`href="varz"`, `href="connz"`, `href="routez"`, `href="subsz"`, `href="healthz"`, `href="stacksz"`, `href="metrics"`} {
		if !strings.Contains(body, link) {
			t.Errorf("page lacks %s", link)
		}
	}
	if csp := res.Header.Get("Content-Security-Policy"); !strings.Contains(csp, "default-src 'self'") {
		t.Errorf("CSP %q", csp)
	}
	// Relative links need the slash.
	if res, _ := get(t, h, "/nats"); res.StatusCode != http.StatusMovedPermanently || res.Header.Get("Location") != "/nats/" {
		t.Errorf("base without slash: %d %s", res.StatusCode, res.Header.Get("Location"))
	}
	for path, ctype := range map[string]string{
		"/nats/dashboard/app.js":                   "text/javascript",
		"/nats/dashboard/style.css":                "text/css",
		"/nats/dashboard/vendor/uPlot.iife.min.js": "text/javascript",
		"/nats/dashboard/vendor/uPlot.LICENSE":     "text/plain",
		"/nats/dashboard/connections.js":           "text/javascript",
	} {
		res, _ := get(t, h, path)
		if res.StatusCode != 200 || !strings.HasPrefix(res.Header.Get("Content-Type"), ctype) {
			t.Errorf("%s: %d %s", path, res.StatusCode, res.Header.Get("Content-Type"))
		}
	}
	for _, path := range []string{"/nats/dashboard/", "/nats/dashboard/index.html", "/nats/dashboard/nope.js", "/dashboard/app.js"} {
		if res, _ := get(t, h, path); res.StatusCode != 404 {
			t.Errorf("%s: %d", path, res.StatusCode)
		}
	}
	if st := h.RequestStats(); st["/"] != 1 || len(st) != 1 {
		t.Errorf("request stats: %v", st)
	}
}

// acctSource is a dashSource with accounts and JetStream.
type acctSource struct {
	dashSource
	jsz atomic.Int64
}

func (a *acctSource) Connz(o *ConnzOptions) (*Connz, error) {
	a.conns.Add(1)
	now := time.Now()
	cs := []*ConnInfo{
		{Cid: 1, Start: now, InMsgs: 3, OutMsgs: 4, InBytes: 30, OutBytes: 40, Account: "A"},
		{Cid: 2, Start: now, InMsgs: 5, OutMsgs: 6, InBytes: 50, OutBytes: 60, Account: "A"},
		{Cid: 3, Start: now, InMsgs: 7, Account: "B"},
	}
	return BuildConnz("SRV", now, cs, o), nil
}

func (a *acctSource) Accountz(o *AccountzOptions) (*Accountz, error) {
	az := &Accountz{ID: "SRV", SystemAccount: "SYS"}
	switch o.Account {
	case "":
		az.Accounts = []string{"A", "B", "SYS"}
	case "A":
		az.Account = &AccountInfo{AccountName: "A", ClientCnt: 2, SubCnt: 5, JetStream: true}
	case "B":
		az.Account = &AccountInfo{AccountName: "B", ClientCnt: 1}
	case "SYS":
		az.Account = &AccountInfo{AccountName: "SYS"}
	}
	return az, nil
}

func (a *acctSource) Jsz(o *JszOptions) (*JSInfo, error) {
	a.jsz.Add(1)
	if !o.Streams {
		return nil, errors.New("streams not asked for")
	}
	return &JSInfo{ID: "SRV", Streams: 1, Accounts: []*AccountDetail{{Name: "A",
		Streams: []StreamDetail{{Name: "ORDERS"}}}}}, nil
}

// The accounts stream sums each account's open connections' traffic and
// carries /jsz with streams; it is built only while it is open.
func TestDashboardAccountsStream(t *testing.T) {
	src := &acctSource{}
	h := NewHandler(src, HandlerOptions{Dashboard: true})
	ts := httptest.NewServer(h)
	defer ts.Close()
	defer h.Close()
	ctx, cancel := context.WithTimeout(context.Background(), 20*time.Second)
	defer cancel()
	if src.jsz.Load() != 0 {
		t.Fatal("jsz built with no stream open")
	}
	s := openStream(t, ctx, ts.URL+"/dashboard/events?stream=accounts")
	ev, data := s.next(t)
	var ae AccountsEvent
	if err := json.Unmarshal(data, &ae); ev != "accounts" || err != nil {
		t.Fatalf("accounts %s %v %s", ev, err, data)
	}
	want := []AccountTraffic{
		{Name: "A", JetStream: true, Conns: 2, Subs: 5, InMsgs: 8, OutMsgs: 10, InBytes: 80, OutBytes: 100},
		{Name: "B", Conns: 1, InMsgs: 7},
		{Name: "SYS", System: true},
	}
	if !reflect.DeepEqual(ae.Accounts, want) {
		t.Errorf("accounts\n got %+v\nwant %+v", ae.Accounts, want)
	}
	if ae.Jsz == nil || len(ae.Jsz.Accounts) != 1 || ae.Jsz.Accounts[0].Streams[0].Name != "ORDERS" {
		t.Errorf("jsz %s", data)
	}
	// It keeps coming every second.
	if ev, _ := s.next(t); ev != "accounts" {
		t.Errorf("second event %s", ev)
	}
}
