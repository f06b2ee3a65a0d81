package monitor

import (
	"embed"
	"io/fs"
	"net/http"
)

// The dashboard is a static page (HTML, CSS, plain ES modules and the
// vendored uPlot charting library) embedded in the binary: nothing to
// build, nothing fetched from elsewhere at run time. It reads the same
// snapshots the JSON endpoints serve: the live ones from the events
// stream (stream.go), the rest from /connz, /subsz and friends on demand.
//
// A new panel is a module in dashboard/ added to the
// panels list in app.js; what it needs every second goes into TickEvent
// (or a stream of its own, like "conns", built only while it is open).

//go:embed dashboard
var dashboardFS embed.FS

// Dashboard paths, relative to the base path.
const (
	DashboardAssets = "/dashboard/"
	DashboardEvents = "/dashboard/events"
)

// dashboardCSP keeps the page to its own origin: no script, style, font,
// image or connection anywhere else, and no framing by other sites.
const dashboardCSP = "default-src 'self'; img-src 'self' data:; style-src 'self' 'unsafe-inline'; " +
	"base-uri 'none'; form-action 'none'; frame-ancestors 'none'"

func (h *Handler) routeDashboard(base string) {
	sub, err := fs.Sub(dashboardFS, "dashboard")
	if err != nil {
		panic(err) // the embedded tree is fixed at build time
	}
	files := http.StripPrefix(base+DashboardAssets, http.FileServerFS(sub))
	h.mux.HandleFunc(base+DashboardAssets, func(w http.ResponseWriter, r *http.Request) {
		if r.URL.Path == base+DashboardAssets || r.URL.Path == base+DashboardAssets+"index.html" {
			http.NotFound(w, r) // the page itself is served at the base path
			return
		}
		securityHeaders(w)
		w.Header().Set("Cache-Control", "no-cache")
		files.ServeHTTP(w, r)
	})
	h.mux.HandleFunc(base+DashboardEvents, h.events)
}

func securityHeaders(w http.ResponseWriter) {
	w.Header().Set("Content-Security-Policy", dashboardCSP)
	w.Header().Set("X-Content-Type-Options", "nosniff")
	w.Header().Set("Referrer-Policy", "no-referrer")
}

// dashboard serves the page. Its links are relative, so the base path
// must end in a slash: /nats redirects to /nats/.
func (h *Handler) dashboard(w http.ResponseWriter, r *http.Request) {
	if r.URL.Path != h.opts.BasePath+"/" {
		http.Redirect(w, r, h.opts.BasePath+"/", http.StatusMovedPermanently)
		return
	}
	h.count(RootPath)
	b, err := dashboardFS.ReadFile("dashboard/index.html")
	if err != nil {
		http.Error(w, err.Error(), http.StatusInternalServerError)
		return
	}
	securityHeaders(w)
	w.Header().Set("Cache-Control", "no-cache")
	w.Header().Set("Content-Type", "text/html; charset=utf-8")
	w.Write(b)
}

// Close stops the dashboard's sampler and ends its open streams.
func (h *Handler) Close() {
	if h.hub != nil {
		h.hub.close()
	}
}
