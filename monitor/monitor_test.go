package monitor

import (
	"encoding/json"
	"errors"
	"io"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strings"
	"testing"
	"time"

	"github.com/prometheus/common/expfmt"
	"github.com/prometheus/common/model"
)

func TestFormatUptime(t *testing.T) {
	for _, tc := range []struct {
		d    time.Duration
		want string
	}{
		{0, "0s"},
		{-time.Second, "0s"},
		{999 * time.Millisecond, "0s"},
		{45 * time.Second, "45s"},
		{3*time.Minute + 2*time.Second, "3m2s"},
		{time.Hour + 5*time.Second, "1h0m5s"},
		{50*time.Hour + 3*time.Minute, "2d2h3m0s"},
		{(365+2)*24*time.Hour + time.Second, "1y2d0h0m1s"},
	} {
		if got := FormatUptime(tc.d); got != tc.want {
			t.Errorf("FormatUptime(%v) = %q, want %q", tc.d, got, tc.want)
		}
	}
}

func TestFormatRTT(t *testing.T) {
	for _, tc := range []struct {
		d    time.Duration
		want string
	}{
		{0, "0s"},
		{841234 * time.Nanosecond, "841µs"},
		{1499761400 * time.Nanosecond, "1.499761s"},
	} {
		if got := FormatRTT(tc.d); got != tc.want {
			t.Errorf("FormatRTT(%v) = %q, want %q", tc.d, got, tc.want)
		}
	}
}

func TestParseConnzOptions(t *testing.T) {
	for _, tc := range []struct {
		query   string
		want    ConnzOptions
		wantErr string
	}{
		{"", ConnzOptions{}, ""},
		{"sort=bytes_to&limit=5&offset=2", ConnzOptions{Sort: ByOutBytes, Limit: 5, Offset: 2}, ""},
		{"subs=1", ConnzOptions{Subscriptions: true}, ""},
		{"subs=true", ConnzOptions{Subscriptions: true}, ""},
		{"subs=0", ConnzOptions{}, ""},
		{"subs=detail", ConnzOptions{SubscriptionsDetail: true}, ""},
		{"auth=1&user=alice", ConnzOptions{Username: true, User: "alice"}, ""},
		{"cid=7", ConnzOptions{CID: 7}, ""},
		{"state=closed", ConnzOptions{State: ConnClosed}, ""},
		{"state=any", ConnzOptions{State: ConnAll}, ""},
		{"state=ALL", ConnzOptions{State: ConnAll}, ""},
		{"state=open", ConnzOptions{State: ConnOpen}, ""},
		{"state=bogus", ConnzOptions{}, "Error decoding state for bogus"},
		{"subs=xyz", ConnzOptions{}, `Error decoding boolean for 'subs': strconv.ParseBool: parsing "xyz": invalid syntax`},
		{"auth=xyz", ConnzOptions{}, `Error decoding boolean for 'auth': strconv.ParseBool: parsing "xyz": invalid syntax`},
		{"limit=abc", ConnzOptions{}, `Error decoding int for 'limit': strconv.Atoi: parsing "abc": invalid syntax`},
		{"offset=x", ConnzOptions{}, `Error decoding int for 'offset': strconv.Atoi: parsing "x": invalid syntax`},
		{"cid=abc", ConnzOptions{}, `Error decoding uint64 for 'cid': strconv.ParseUint: parsing "abc": invalid syntax`},
	} {
		q, _ := url.ParseQuery(tc.query)
		got, err := ParseConnzOptions(q)
		if tc.wantErr != "" {
			if err == nil || err.Error() != tc.wantErr {
				t.Errorf("%q: err %v, want %q", tc.query, err, tc.wantErr)
			}
			continue
		}
		if err != nil {
			t.Errorf("%q: %v", tc.query, err)
			continue
		}
		if *got != tc.want {
			t.Errorf("%q: got %+v, want %+v", tc.query, *got, tc.want)
		}
	}
}

func TestConnzValidate(t *testing.T) {
	for _, tc := range []struct {
		o       ConnzOptions
		wantErr string
	}{
		{ConnzOptions{Sort: "foo"}, "invalid sorting option: foo"},
		{ConnzOptions{Sort: "CID"}, "invalid sorting option: CID"},
		{ConnzOptions{Sort: ByStop}, "sort by stop only valid on closed connections"},
		{ConnzOptions{Sort: ByReason, State: ConnAll}, "sort by reason only valid on closed connections"},
		{ConnzOptions{Sort: ByStop, State: ConnClosed}, ""},
		{ConnzOptions{Sort: ByRTT}, ""},
	} {
		err := tc.o.Validate()
		if (err == nil) != (tc.wantErr == "") || err != nil && err.Error() != tc.wantErr {
			t.Errorf("%+v: err %v, want %q", tc.o, err, tc.wantErr)
		}
	}
}

func TestNormalize(t *testing.T) {
	o := ConnzOptions{Offset: -3, Limit: -1}
	o.Normalize()
	if o.Offset != 0 || o.Limit != DefaultLimit || o.Sort != ByCid {
		t.Errorf("got %+v", o)
	}
	o = ConnzOptions{CID: 4, Limit: 10}
	o.Normalize()
	if o.Limit != 1 {
		t.Errorf("cid limit %d, want 1", o.Limit)
	}
	so := SubszOptions{Offset: -1}
	so.Normalize()
	if so.Offset != 0 || so.Limit != DefaultLimit {
		t.Errorf("subsz %+v", so)
	}
}

func TestParseSubszOptions(t *testing.T) {
	for _, tc := range []struct {
		query   string
		want    SubszOptions
		wantErr string
	}{
		{"", SubszOptions{}, ""},
		{"subs=1&test=foo.bar&limit=3&offset=1", SubszOptions{Subscriptions: true, Test: "foo.bar", Limit: 3, Offset: 1}, ""},
		{"subs=detail", SubszOptions{}, `Error decoding boolean for 'subs': strconv.ParseBool: parsing "detail": invalid syntax`},
		{"test=foo.*", SubszOptions{}, "invalid test subject, must be valid publish subject: foo.*"},
		{"test=foo.>", SubszOptions{}, "invalid test subject, must be valid publish subject: foo.>"},
		{"test=foo..bar", SubszOptions{}, "invalid test subject, must be valid publish subject: foo..bar"},
		{"limit=x", SubszOptions{}, `Error decoding int for 'limit': strconv.Atoi: parsing "x": invalid syntax`},
	} {
		q, _ := url.ParseQuery(tc.query)
		got, err := ParseSubszOptions(q)
		if tc.wantErr != "" {
			if err == nil || err.Error() != tc.wantErr {
				t.Errorf("%q: err %v, want %q", tc.query, err, tc.wantErr)
			}
			continue
		}
		if err != nil || *got != tc.want {
			t.Errorf("%q: got %+v %v, want %+v", tc.query, got, err, tc.want)
		}
	}
}

// fixture: five connections with distinct values for every sort key.
func fixture(now time.Time) []*ConnInfo {
	at := func(s int) time.Time { return now.Add(time.Duration(-s) * time.Second) }
	stop := func(s int) *time.Time { t := at(s); return &t }
	cs := []*ConnInfo{
		{Cid: 1, Start: at(100), LastActivity: at(90), NumSubs: 2, Pending: 10, OutMsgs: 5, InMsgs: 1, OutBytes: 50, InBytes: 300, AuthorizedUser: "alice"},
		{Cid: 2, Start: at(80), LastActivity: at(5), NumSubs: 7, Pending: 0, OutMsgs: 9, InMsgs: 3, OutBytes: 10, InBytes: 100, AuthorizedUser: "bob"},
		{Cid: 3, Start: at(60), LastActivity: at(50), NumSubs: 0, Pending: 99, OutMsgs: 1, InMsgs: 8, OutBytes: 70, InBytes: 200, AuthorizedUser: "alice"},
		{Cid: 4, Start: at(40), LastActivity: at(30), Stop: stop(20), Reason: "Slow Consumer (Pending Bytes)", NumSubs: 1, OutMsgs: 2},
		{Cid: 5, Start: at(35), LastActivity: at(34), Stop: stop(33), Reason: "Client Closed", NumSubs: 1, OutMsgs: 2},
	}
	rtts := []time.Duration{3, 1, 5, 2, 4}
	for i, c := range cs {
		c.SetRTT(rtts[i] * time.Millisecond)
	}
	return cs
}

func cids(cs []*ConnInfo) []uint64 {
	out := make([]uint64, len(cs))
	for i, c := range cs {
		out[i] = c.Cid
	}
	return out
}

func TestSortConns(t *testing.T) {
	now := time.Now()
	for _, tc := range []struct {
		by   SortOpt
		want []uint64
	}{
		{ByCid, []uint64{1, 2, 3, 4, 5}},
		{ByStart, []uint64{1, 2, 3, 4, 5}},
		{BySubs, []uint64{2, 1, 4, 5, 3}},      // descending, ties by cid
		{ByPending, []uint64{3, 1, 2, 4, 5}},   // descending
		{ByOutMsgs, []uint64{2, 1, 4, 5, 3}},   // msgs_to
		{ByInMsgs, []uint64{3, 2, 1, 4, 5}},    // msgs_from
		{ByOutBytes, []uint64{3, 1, 2, 4, 5}},  // bytes_to
		{ByInBytes, []uint64{1, 3, 2, 4, 5}},   // bytes_from
		{ByLast, []uint64{2, 4, 5, 3, 1}},      // most recent first
		{ByIdle, []uint64{1, 3, 4, 2, 5}},      // idle until stop or now, longest first
		{ByUptime, []uint64{5, 4, 3, 2, 1}},    // shortest first
		{ByStop, []uint64{1, 2, 3, 4, 5}},      // open ones (now) first, then latest stop
		{ByReason, []uint64{1, 2, 3, 5, 4}},    // alphabetical, "" first
		{ByRTT, []uint64{3, 5, 1, 4, 2}},       // slowest first
		{SortOpt(""), []uint64{1, 2, 3, 4, 5}}, // cid
	} {
		cs := fixture(now)
		// Start from a scrambled order to show the sort does the work.
		cs[0], cs[4], cs[1], cs[3] = cs[4], cs[0], cs[3], cs[1]
		SortConns(cs, tc.by, now)
		if got := cids(cs); !equal(got, tc.want) {
			t.Errorf("sort=%s: got %v, want %v", tc.by, got, tc.want)
		}
	}
}

func equal[T comparable](a, b []T) bool {
	if len(a) != len(b) {
		return false
	}
	for i := range a {
		if a[i] != b[i] {
			return false
		}
	}
	return true
}

func TestPage(t *testing.T) {
	items := []int{0, 1, 2, 3, 4}
	for _, tc := range []struct {
		offset, limit int
		want          []int
	}{
		{0, 0, []int{0, 1, 2, 3, 4}},
		{0, 2, []int{0, 1}},
		{1, 2, []int{1, 2}},
		{3, 10, []int{3, 4}},
		{5, 1, []int{}},
		{10, 1, []int{}},
		{-1, 1, []int{0}},
	} {
		got := Page(items, tc.offset, tc.limit)
		if got == nil || !equal(got, tc.want) {
			t.Errorf("Page(%d,%d) = %v, want %v", tc.offset, tc.limit, got, tc.want)
		}
	}
}

func TestBuildConnz(t *testing.T) {
	now := time.Now()
	cz := BuildConnz("SID", now, fixture(now), &ConnzOptions{Sort: ByCid, Offset: 1, Limit: 2})
	if cz.ID != "SID" || cz.Total != 5 || cz.NumConns != 2 || cz.Offset != 1 || cz.Limit != 2 || !equal(cids(cz.Conns), []uint64{2, 3}) {
		t.Fatalf("page: %+v %v", cz, cids(cz.Conns))
	}
	if c := cz.Conns[0]; c.Uptime != "1m20s" || c.Idle != "5s" || c.AuthorizedUser != "" {
		t.Errorf("rendering: uptime %q idle %q user %q", c.Uptime, c.Idle, c.AuthorizedUser)
	}

	cz = BuildConnz("SID", now, fixture(now), &ConnzOptions{User: "alice", Username: true})
	if cz.Total != 2 || !equal(cids(cz.Conns), []uint64{1, 3}) || cz.Conns[0].AuthorizedUser != "alice" {
		t.Errorf("user filter: total %d %v", cz.Total, cids(cz.Conns))
	}

	cz = BuildConnz("SID", now, fixture(now), &ConnzOptions{CID: 4})
	if cz.Total != 5 || cz.Limit != 1 || !equal(cids(cz.Conns), []uint64{4}) {
		t.Errorf("cid: %+v", cz)
	}
	if c := cz.Conns[0]; c.Uptime != "20s" || c.Idle != "10s" {
		t.Errorf("closed uptime/idle run to stop: %q %q", c.Uptime, c.Idle)
	}
	cz = BuildConnz("SID", now, fixture(now), &ConnzOptions{CID: 42})
	if cz.Conns == nil || len(cz.Conns) != 0 || cz.NumConns != 0 {
		t.Errorf("missing cid: %+v", cz)
	}
	cz = BuildConnz("SID", now, nil, &ConnzOptions{})
	b, _ := json.Marshal(cz)
	if !strings.Contains(string(b), `"connections":[]`) {
		t.Errorf("empty connections must encode as []: %s", b)
	}
}

// fakeSource serves fixed snapshots and records what it was asked.
type fakeSource struct {
	health   Healthz
	lastConn *ConnzOptions
	lastSubs *SubszOptions
}

func (f *fakeSource) Varz() *Varz {
	now := time.Date(2026, 1, 2, 3, 4, 5, 0, time.UTC)
	return &Varz{ID: "SRV", Name: "srv", Version: "2.15.2", Start: now.Add(-time.Minute), Now: now,
		InMsgs: 10, OutMsgs: 20, InBytes: 50, OutBytes: 100, Connections: 2, TotalConnections: 3,
		SlowConsumersStats: &SlowConsumersStats{Clients: 1}, SlowConsumers: 1}
}

func (f *fakeSource) Connz(o *ConnzOptions) (*Connz, error) {
	f.lastConn = o
	now := time.Now()
	return BuildConnz("SRV", now, fixture(now), o), nil
}

func (f *fakeSource) Subsz(o *SubszOptions) (*Subsz, error) {
	f.lastSubs = o
	if o.Test == "boom" {
		return nil, errors.New("boom")
	}
	return &Subsz{ID: "SRV", SublistStats: SublistStats{NumSubs: 4, NumMatches: 8, CacheHitRate: 0.5}, Limit: DefaultLimit}, nil
}

func (f *fakeSource) Routez(*RoutezOptions) (*Routez, error) {
	return &Routez{ID: "SRV", Name: "srv", Routes: []*RouteInfo{}}, nil
}

func (f *fakeSource) Healthz() *Healthz { h := f.health; return &h }

func (f *fakeSource) AccountMetrics() []AccountMetrics {
	return []AccountMetrics{{Account: "A", Connections: 2, Subscriptions: 3, InMsgs: 4, Throttled: 1500 * time.Millisecond}}
}

func get(t *testing.T, h http.Handler, path string, hdr ...string) (*http.Response, string) {
	t.Helper()
	r := httptest.NewRequest(http.MethodGet, path, nil)
	for i := 0; i+1 < len(hdr); i += 2 {
		r.Header.Set(hdr[i], hdr[i+1])
	}
	w := httptest.NewRecorder()
	h.ServeHTTP(w, r)
	res := w.Result()
	b, _ := io.ReadAll(res.Body)
	return res, string(b)
}

func TestHandlerEndpoints(t *testing.T) {
	src := &fakeSource{health: Healthz{Status: HealthOK}}
	h := NewHandler(src, HandlerOptions{Version: "9.9.9"})

	res, body := get(t, h, "/varz")
	if res.StatusCode != 200 || res.Header.Get("Content-Type") != "application/json" || res.Header.Get("Access-Control-Allow-Origin") != "*" {
		t.Fatalf("varz: %d %v", res.StatusCode, res.Header)
	}
	if !strings.HasPrefix(body, "{\n  \"server_id\": \"SRV\",\n  \"server_name\": \"srv\",") {
		t.Errorf("varz must be indented with two spaces in field order:\n%s", body[:80])
	}
	var v map[string]any
	if err := json.Unmarshal([]byte(body), &v); err != nil {
		t.Fatal(err)
	}
	if v["in_msgs"] != 10.0 || v["start"] != "2026-01-02T03:03:05Z" {
		t.Errorf("varz values: %v %v", v["in_msgs"], v["start"])
	}
	if rs := v["http_req_stats"].(map[string]any); rs["/varz"] != 1.0 {
		t.Errorf("http_req_stats: %v", rs)
	}

	res, body = get(t, h, "/connz?sort=msgs_to&limit=2&subs=detail")
	if res.StatusCode != 200 || !src.lastConn.SubscriptionsDetail || src.lastConn.Sort != ByOutMsgs {
		t.Errorf("connz: %d %+v", res.StatusCode, src.lastConn)
	}
	var cz Connz
	json.Unmarshal([]byte(body), &cz)
	if cz.NumConns != 2 || cz.Total != 5 || cz.Conns[0].Cid != 2 {
		t.Errorf("connz body: %+v", cz)
	}

	for _, tc := range []struct{ path, want string }{
		{"/connz?sort=foo", "invalid sorting option: foo"},
		{"/connz?sort=stop", "sort by stop only valid on closed connections"},
		{"/connz?state=bogus", "Error decoding state for bogus"},
		{"/connz?limit=x", `Error decoding int for 'limit': strconv.Atoi: parsing "x": invalid syntax`},
		{"/subsz?test=a.*", "invalid test subject, must be valid publish subject: a.*"},
		{"/subsz?test=boom", "boom"},
		{"/routez?subs=x", `Error decoding boolean for 'subs': strconv.ParseBool: parsing "x": invalid syntax`},
	} {
		res, body := get(t, h, tc.path)
		if res.StatusCode != 400 || body != tc.want || !strings.HasPrefix(res.Header.Get("Content-Type"), "text/plain") {
			t.Errorf("%s: %d %q, want 400 %q", tc.path, res.StatusCode, body, tc.want)
		}
	}

	res, body = get(t, h, "/subsz?subs=1&test=foo.bar&limit=5")
	if res.StatusCode != 200 || !src.lastSubs.Subscriptions || src.lastSubs.Test != "foo.bar" || src.lastSubs.Limit != 5 {
		t.Errorf("subsz: %d %+v", res.StatusCode, src.lastSubs)
	}
	if !strings.Contains(body, `"num_subscriptions": 4`) || strings.Contains(body, "subscriptions_list") {
		t.Errorf("subsz body: %s", body)
	}
	if res, _ := get(t, h, "/subscriptionsz"); res.StatusCode != 200 {
		t.Errorf("subscriptionsz alias: %d", res.StatusCode)
	}
	res, body = get(t, h, "/routez")
	if res.StatusCode != 200 || !strings.Contains(body, `"routes": []`) || !strings.Contains(body, `"num_routes": 0`) {
		t.Errorf("routez: %d %s", res.StatusCode, body)
	}

	res, body = get(t, h, "/healthz")
	if res.StatusCode != 200 || body != `{"status":"ok"}` {
		t.Errorf("healthz: %d %s", res.StatusCode, body)
	}
	src.health = Healthz{Status: HealthUnavailable, StatusCode: 503, Error: "lame duck"}
	res, body = get(t, h, "/healthz")
	if res.StatusCode != 503 || body != `{"status":"unavailable","status_code":503,"error":"lame duck"}` {
		t.Errorf("healthz unavailable: %d %s", res.StatusCode, body)
	}

	res, body = get(t, h, "/stacksz")
	if res.StatusCode != 200 || !strings.Contains(body, "goroutine ") {
		t.Errorf("stacksz: %d", res.StatusCode)
	}
	res, body = get(t, h, "/")
	if res.StatusCode != 200 || !strings.Contains(body, `href="/connz"`) || !strings.Contains(body, "9.9.9") {
		t.Errorf("index: %d %s", res.StatusCode, body)
	}
	if res, _ := get(t, h, "/nope"); res.StatusCode != 404 {
		t.Errorf("unknown path: %d", res.StatusCode)
	}
	res, body = get(t, h, "/varz?callback=cb")
	if res.Header.Get("Content-Type") != "application/javascript" || !strings.HasPrefix(body, "cb({") || !strings.HasSuffix(body, "})") {
		t.Errorf("jsonp: %s %q", res.Header.Get("Content-Type"), body[:10])
	}

	// Decoding errors are not counted, sort errors are, as in nats-server.
	stats := h.RequestStats()
	if stats["/connz"] != 3 || stats["/varz"] != 2 || stats["/subsz"] != 4 || stats["/healthz"] != 2 || stats["/"] != 1 || stats["/stacksz"] != 1 || stats["/routez"] != 1 {
		t.Errorf("request stats: %v", stats)
	}
}

func TestHandlerBasePath(t *testing.T) {
	src := &fakeSource{health: Healthz{Status: HealthOK}}
	for _, base := range []string{"/mon", "mon/", "/mon/"} {
		h := NewHandler(src, HandlerOptions{BasePath: base})
		for _, p := range []string{"/mon/varz", "/mon/connz", "/mon/", "/mon", "/mon/metrics", "/mon/healthz"} {
			if res, _ := get(t, h, p); res.StatusCode != 200 {
				t.Errorf("base %q: %s -> %d", base, p, res.StatusCode)
			}
		}
		if res, _ := get(t, h, "/varz"); res.StatusCode != 404 {
			t.Errorf("base %q: /varz outside the base path -> %d", base, res.StatusCode)
		}
		_, body := get(t, h, "/mon/")
		if !strings.Contains(body, `href="/mon/varz"`) {
			t.Errorf("index links must carry the base path: %s", body)
		}
		if st := h.RequestStats(); st["/varz"] != 1 {
			t.Errorf("stats are keyed without the base path: %v", st)
		}
	}
}

func TestHandlerAuth(t *testing.T) {
	src := &fakeSource{health: Healthz{Status: HealthOK}}
	basic := NewHandler(src, HandlerOptions{Username: "admin", Password: "pw"})
	if res, _ := get(t, basic, "/varz"); res.StatusCode != 401 || !strings.HasPrefix(res.Header.Get("WWW-Authenticate"), "Basic") {
		t.Errorf("no credentials: %d %v", res.StatusCode, res.Header)
	}
	r := httptest.NewRequest("GET", "/varz", nil)
	r.SetBasicAuth("admin", "pw")
	w := httptest.NewRecorder()
	basic.ServeHTTP(w, r)
	if w.Code != 200 {
		t.Errorf("good basic credentials: %d", w.Code)
	}
	r.SetBasicAuth("admin", "wrong")
	w = httptest.NewRecorder()
	basic.ServeHTTP(w, r)
	if w.Code != 401 {
		t.Errorf("bad password: %d", w.Code)
	}
	if res, _ := get(t, basic, "/healthz"); res.StatusCode != 200 {
		t.Errorf("healthz needs no credentials: %d", res.StatusCode)
	}

	bearer := NewHandler(src, HandlerOptions{Token: "s3cr3t"})
	if res, _ := get(t, bearer, "/connz"); res.StatusCode != 401 || !strings.HasPrefix(res.Header.Get("WWW-Authenticate"), "Bearer") {
		t.Errorf("no token: %d", res.StatusCode)
	}
	if res, _ := get(t, bearer, "/connz", "Authorization", "Bearer s3cr3t"); res.StatusCode != 200 {
		t.Errorf("good token: %d", res.StatusCode)
	}
	if res, _ := get(t, bearer, "/metrics", "Authorization", "bearer nope"); res.StatusCode != 401 {
		t.Errorf("bad token: %d", res.StatusCode)
	}
}

func TestMetrics(t *testing.T) {
	src := &fakeSource{health: Healthz{Status: HealthOK}}
	h := NewHandler(src, HandlerOptions{})
	get(t, h, "/varz")
	res, body := get(t, h, "/metrics")
	if res.StatusCode != 200 || !strings.HasPrefix(res.Header.Get("Content-Type"), "text/plain; version=0.0.4") {
		t.Fatalf("metrics: %d %s", res.StatusCode, res.Header.Get("Content-Type"))
	}
	p := expfmt.NewTextParser(model.LegacyValidation)
	fams, err := p.TextToMetricFamilies(strings.NewReader(body))
	if err != nil {
		t.Fatal(err)
	}
	for _, m := range Metrics() {
		f, ok := fams[m.Name]
		if !ok {
			t.Errorf("metric %s missing", m.Name)
			continue
		}
		if f.GetHelp() != m.Help {
			t.Errorf("%s help %q", m.Name, f.GetHelp())
		}
		for _, mm := range f.Metric {
			found := false
			for _, l := range mm.Label {
				if l.GetName() == "server_id" && l.GetValue() == "SRV" {
					found = true
				}
			}
			if !found {
				t.Errorf("%s lacks server_id", m.Name)
			}
		}
	}
	value := func(name string) float64 {
		f := fams[name]
		if f == nil || len(f.Metric) == 0 {
			t.Fatalf("no %s", name)
		}
		m := f.Metric[0]
		if m.Counter != nil {
			return m.Counter.GetValue()
		}
		return m.Gauge.GetValue()
	}
	for name, want := range map[string]float64{
		"gnatsd_varz_in_msgs":             10,
		"gnatsd_varz_out_msgs":            20,
		"gnatsd_varz_in_bytes":            50,
		"gnatsd_varz_out_bytes":           100,
		"gnatsd_varz_connections":         2,
		"gnatsd_varz_total_connections":   3,
		"gnatsd_varz_slow_consumers":      1,
		"gnatsd_varz_uptime_seconds":      60,
		"gnatsd_connz_num_connections":    5,
		"gnatsd_connz_out_msgs":           19,
		"gnatsd_connz_pending_bytes":      109,
		"gnatsd_connz_subscriptions":      11,
		"gnatsd_subsz_num_subscriptions":  4,
		"gnatsd_subsz_cache_hit_rate":     0.5,
		"gnatsd_routez_num_routes":        0,
		"gnatsd_healthz_ok":               1,
		"gnatsd_connz_closed_connections": 5,
	} {
		if got := value(name); got != want {
			t.Errorf("%s = %v, want %v", name, got, want)
		}
	}
	if fams["gnatsd_varz_in_msgs"].GetType().String() != "COUNTER" {
		t.Errorf("in_msgs type %v", fams["gnatsd_varz_in_msgs"].GetType())
	}
	if _, ok := fams["go_goroutines"]; !ok {
		t.Error("go collector missing")
	}
}
