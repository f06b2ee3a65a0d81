package monitor

import (
	"crypto/subtle"
	"encoding/json"
	"fmt"
	"html"
	"maps"
	"net/http"
	"runtime"
	"strings"
	"sync"
)

// Source is what the monitoring endpoints read. The server implements it;
// every method returns a fresh snapshot that the caller owns, so the
// handlers encode it with no server or connection lock held.
type Source interface {
	Varz() *Varz
	Connz(*ConnzOptions) (*Connz, error)
	Subsz(*SubszOptions) (*Subsz, error)
	Routez(*RoutezOptions) (*Routez, error)
	// Healthz reports "ok", or "unavailable" with StatusCode 503 and the
	// reason while the server is starting, shutting down or in lame duck.
	Healthz() *Healthz
}

// HandlerOptions configure NewHandler.
type HandlerOptions struct {
	// BasePath prefixes every endpoint, e.g. "/nats" serves /nats/varz.
	BasePath string
	// Username and Password, when set, require HTTP basic authentication.
	Username string
	Password string
	// Token, when set, accepts "Authorization: Bearer <Token>".
	// With both set, either credential is accepted.
	Token string
	// Version is shown on the index page.
	Version string
	// Dashboard serves the live dashboard at the base path in place of
	// the plain index of links (which the dashboard keeps). It starts a
	// sampler for the charts' history; Close stops it.
	Dashboard bool
}

// Endpoint paths, relative to the base path.
const (
	RootPath    = "/"
	VarzPath    = "/varz"
	ConnzPath   = "/connz"
	RoutezPath  = "/routez"
	SubszPath   = "/subsz"
	SubsAlias   = "/subscriptionsz"
	HealthzPath = "/healthz"
	StackszPath = "/stacksz"
	MetricsPath = "/metrics"
)

// Handler serves the monitoring endpoints; see NewHandler.
type Handler struct {
	src  Source
	opts HandlerOptions
	mux  *http.ServeMux

	hub *hub // the dashboard's, nil when it is off

	mu    sync.Mutex
	stats map[string]uint64 // requests per endpoint, for varz http_req_stats
}

// NewHandler returns the monitoring endpoints over src: /, /varz, /connz,
// /routez, /subsz (alias /subscriptionsz), /healthz, /stacksz and
// /metrics, all under opts.BasePath, and with opts.Dashboard the
// dashboard (its page at the base path, its files under /dashboard/).
func NewHandler(src Source, opts HandlerOptions) *Handler {
	h := &Handler{src: src, opts: opts, mux: http.NewServeMux(), stats: make(map[string]uint64)}
	base := NormalizeBasePath(opts.BasePath)
	h.opts.BasePath = base
	route := func(p string, f http.HandlerFunc) {
		h.mux.HandleFunc(base+p, f)
	}
	root := h.root
	if opts.Dashboard {
		root = h.dashboard
		h.hub = newHub(src, h.RequestStats)
		h.routeDashboard(base)
	}
	if base == "" {
		h.mux.HandleFunc("/{$}", root)
	} else {
		h.mux.HandleFunc(base+"/{$}", root)
		h.mux.HandleFunc(base, root)
	}
	route(VarzPath, h.varz)
	route(ConnzPath, h.connz)
	route(RoutezPath, h.routez)
	route(SubszPath, h.subsz)
	route(SubsAlias, h.subsz)
	route(HealthzPath, h.healthz)
	route(JszPath, h.jsz)
	route(StackszPath, h.stacksz)
	if az, ok := src.(AccountzSource); ok {
		route(AccountzPath, h.accountz(az))
	}
	if lz, ok := src.(LeafzSource); ok {
		route(LeafzPath, h.leafz(lz))
	}
	if as, ok := src.(AccountStatzSource); ok {
		route(AccountStatzPath, h.accountStatz(as))
	}
	metrics := newMetricsHandler(src, h)
	route(MetricsPath, func(w http.ResponseWriter, r *http.Request) {
		h.count(MetricsPath)
		metrics.ServeHTTP(w, r)
	})
	return h
}

// NormalizeBasePath turns "nats/", "/nats" or "/nats/" into "/nats", and
// "" or "/" into "".
func NormalizeBasePath(p string) string {
	p = strings.Trim(p, "/")
	if p == "" {
		return ""
	}
	return "/" + p
}

// ServeHTTP checks the credentials, if any are configured, and serves the
// endpoint. /healthz never asks for credentials, so probes need none.
func (h *Handler) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	if h.opts.Username != "" || h.opts.Token != "" {
		if r.URL.Path != h.opts.BasePath+HealthzPath && !h.authorized(r) {
			if h.opts.Username != "" {
				w.Header().Set("WWW-Authenticate", `Basic realm="natsd monitoring"`)
			} else {
				w.Header().Set("WWW-Authenticate", `Bearer realm="natsd monitoring"`)
			}
			http.Error(w, "Unauthorized", http.StatusUnauthorized)
			return
		}
	}
	h.mux.ServeHTTP(w, r)
}

func (h *Handler) authorized(r *http.Request) bool {
	if h.opts.Username != "" {
		if u, p, ok := r.BasicAuth(); ok {
			uok := subtle.ConstantTimeCompare([]byte(u), []byte(h.opts.Username)) == 1
			pok := subtle.ConstantTimeCompare([]byte(p), []byte(h.opts.Password)) == 1
			if uok && pok {
				return true
			}
		}
	}
	if h.opts.Token != "" {
		if a := r.Header.Get("Authorization"); len(a) > 7 && strings.EqualFold(a[:7], "bearer ") {
			return subtle.ConstantTimeCompare([]byte(strings.TrimSpace(a[7:])), []byte(h.opts.Token)) == 1
		}
	}
	return false
}

// count records one request for varz's http_req_stats.
func (h *Handler) count(path string) {
	h.mu.Lock()
	h.stats[path]++
	h.mu.Unlock()
}

// RequestStats returns a copy of the requests counted per endpoint.
func (h *Handler) RequestStats() map[string]uint64 {
	h.mu.Lock()
	defer h.mu.Unlock()
	return maps.Clone(h.stats)
}

// writeJSON encodes v indented, as nats-server does, with its headers.
// A callback parameter wraps it for JSONP, as nats-server allows.
func writeJSON(w http.ResponseWriter, r *http.Request, v any) {
	b, err := json.MarshalIndent(v, "", "  ")
	if err != nil {
		writeError(w, http.StatusInternalServerError, err)
		return
	}
	writeBody(w, r, http.StatusOK, b)
}

func writeBody(w http.ResponseWriter, r *http.Request, code int, b []byte) {
	w.Header().Set("Access-Control-Allow-Origin", "*")
	if cb := r.URL.Query().Get("callback"); cb != "" && validCallback(cb) {
		w.Header().Set("Content-Type", "application/javascript")
		w.WriteHeader(code)
		fmt.Fprintf(w, "%s(%s)", cb, b)
		return
	}
	w.Header().Set("Content-Type", "application/json")
	w.WriteHeader(code)
	w.Write(b)
}

// validCallback keeps JSONP callbacks to plain identifiers.
func validCallback(s string) bool {
	for _, c := range s {
		if !(c == '_' || c == '.' || c == '$' || c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || c >= '0' && c <= '9') {
			return false
		}
	}
	return true
}

// writeError answers with the error text alone, as nats-server does.
func writeError(w http.ResponseWriter, code int, err error) {
	w.Header().Set("Content-Type", "text/plain; charset=utf-8")
	w.WriteHeader(code)
	w.Write([]byte(err.Error()))
}

func (h *Handler) varz(w http.ResponseWriter, r *http.Request) {
	h.count(VarzPath)
	v := h.src.Varz()
	v.HTTPReqStats = h.RequestStats()
	writeJSON(w, r, v)
}

func (h *Handler) connz(w http.ResponseWriter, r *http.Request) {
	o, err := ParseConnzOptions(r.URL.Query())
	if err != nil {
		writeError(w, http.StatusBadRequest, err)
		return
	}
	h.count(ConnzPath)
	if err := o.Validate(); err != nil {
		writeError(w, http.StatusBadRequest, err)
		return
	}
	c, err := h.src.Connz(o)
	if err != nil {
		writeError(w, http.StatusBadRequest, err)
		return
	}
	writeJSON(w, r, c)
}

func (h *Handler) subsz(w http.ResponseWriter, r *http.Request) {
	h.count(SubszPath)
	o, err := ParseSubszOptions(r.URL.Query())
	if err != nil {
		writeError(w, http.StatusBadRequest, err)
		return
	}
	s, err := h.src.Subsz(o)
	if err != nil {
		writeError(w, http.StatusBadRequest, err)
		return
	}
	writeJSON(w, r, s)
}

func (h *Handler) routez(w http.ResponseWriter, r *http.Request) {
	o, err := ParseRoutezOptions(r.URL.Query())
	if err != nil {
		writeError(w, http.StatusBadRequest, err)
		return
	}
	h.count(RoutezPath)
	rz, err := h.src.Routez(o)
	if err != nil {
		writeError(w, http.StatusBadRequest, err)
		return
	}
	writeJSON(w, r, rz)
}

// healthz answers 200 {"status":"ok"}, or the status code the source
// gives (503) with the reason. The body is compact, as nats-server's.
func (h *Handler) healthz(w http.ResponseWriter, r *http.Request) {
	h.count(HealthzPath)
	hz := h.src.Healthz()
	code := http.StatusOK
	if hz.Status != HealthOK {
		code = hz.StatusCode
		if code == 0 {
			code = http.StatusServiceUnavailable
		}
	}
	b, _ := json.Marshal(hz)
	writeBody(w, r, code, b)
}

// stacksz dumps every goroutine's stack.
func (h *Handler) stacksz(w http.ResponseWriter, r *http.Request) {
	h.count(StackszPath)
	buf := make([]byte, 1<<20)
	for {
		n := runtime.Stack(buf, true)
		if n < len(buf) {
			buf = buf[:n]
			break
		}
		if len(buf) >= 64<<20 {
			break
		}
		buf = make([]byte, 2*len(buf))
	}
	w.Header().Set("Content-Type", "text/plain; charset=utf-8")
	w.Write(buf)
}

// root is an index page linking every endpoint.
func (h *Handler) root(w http.ResponseWriter, r *http.Request) {
	h.count(RootPath)
	var b strings.Builder
	b.WriteString("<html lang=\"en\">\n<head><title>natsd monitoring</title></head>\n<body>\n")
	fmt.Fprintf(&b, "<h1>natsd %s</h1>\n", html.EscapeString(h.opts.Version))
	links := []struct{ path, title string }{
		{VarzPath, "General"},
		{ConnzPath, "Connections"},
		{SubszPath, "Subscriptions"},
		{RoutezPath, "Routes"},
		{HealthzPath, "Health Probe"},
		{StackszPath, "Goroutine Stacks"},
		{MetricsPath, "Prometheus Metrics"},
	}
	for _, l := range links {
		fmt.Fprintf(&b, "<a href=\"%s%s\">%s <code>%s</code></a><br/>\n", h.opts.BasePath, l.path, l.title, l.path)
	}
	b.WriteString("</body>\n</html>\n")
	w.Header().Set("Content-Type", "text/html; charset=utf-8")
	w.Write([]byte(b.String()))
}
