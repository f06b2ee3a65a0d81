//go:build !refserver

package browser

import (
	"fmt"
	"slices"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/chromedp"
	"github.com/chromedp/chromedp/kb"
	"github.com/nats-io/nats.go"

	"github.com/natsd/natsd/monitor"
)

// digits turns "1,234" into 1234 (-1 when it is not a number).
func digits(s string) int64 {
	n, err := strconv.ParseInt(strings.ReplaceAll(s, ",", ""), 10, 64)
	if err != nil {
		return -1
	}
	return n
}

// traffic publishes n messages on subj and waits until the server has
// delivered them all to the subscriber sub.
func traffic(t *testing.T, nc *nats.Conn, sub *nats.Subscription, subj string, n int) {
	t.Helper()
	for i := 0; i < n; i++ {
		if err := nc.Publish(subj, []byte("hello")); err != nil {
			t.Fatal(err)
		}
	}
	if err := nc.Flush(); err != nil {
		t.Fatal(err)
	}
	deadline := time.Now().Add(waitTimeout)
	for {
		if got, _, _ := sub.Pending(); got == n {
			return
		}
		if time.Now().After(deadline) {
			t.Fatalf("subscriber did not get %d messages", n)
		}
		time.Sleep(10 * time.Millisecond)
	}
}

// The overview shows /varz's numbers once traffic has stopped, and the
// links to the JSON endpoints.
func TestDashboardOverviewMatchesVarz(t *testing.T) {
	n := startNatsd(t, nil)
	pub := n.connect(t, "publisher")
	subc := n.connect(t, "subscriber")
	sub, err := subc.SubscribeSync("metrics.>")
	if err != nil {
		t.Fatal(err)
	}
	subc.Subscribe("other", func(*nats.Msg) {})
	subc.Flush()
	traffic(t, pub, sub, "metrics.cpu", 250)

	p := openPage(t, n, nil)
	p.live()
	fields := map[string]func(v *monitor.Varz) int64{
		"connections":       func(v *monitor.Varz) int64 { return int64(v.Connections) },
		"total-connections": func(v *monitor.Varz) int64 { return int64(v.TotalConnections) },
		"subscriptions":     func(v *monitor.Varz) int64 { return int64(v.Subscriptions) },
		"slow-consumers":    func(v *monitor.Varz) int64 { return v.SlowConsumers },
		"in-msgs":           func(v *monitor.Varz) int64 { return v.InMsgs },
		"out-msgs":          func(v *monitor.Varz) int64 { return v.OutMsgs },
		"routes":            func(v *monitor.Varz) int64 { return int64(v.Routes) },
	}
	p.until(waitTimeout, "overview numbers equal to /varz", func() (bool, string) {
		var v monitor.Varz
		n.getJSON(t, "varz", &v)
		var diffs []string
		for id, f := range fields {
			if got := digits(p.text("#ov-" + id)); got != f(&v) {
				diffs = append(diffs, fmt.Sprintf("%s: page %d, varz %d", id, got, f(&v)))
			}
		}
		return len(diffs) == 0, strings.Join(diffs, "; ")
	})
	var v monitor.Varz
	n.getJSON(t, "varz", &v)
	if v.InMsgs != 250 || v.OutMsgs != 250 || v.Connections != 2 || v.Subscriptions != 2 {
		t.Errorf("varz itself: in %d out %d conns %d subs %d", v.InMsgs, v.OutMsgs, v.Connections, v.Subscriptions)
	}
	if got := p.text("#server-name"); got != v.Name {
		t.Errorf("server name %q, varz %q", got, v.Name)
	}
	if got := p.text("#server-id"); got != v.ID {
		t.Errorf("server id %q, varz %q", got, v.ID)
	}
	// The charts got points from the history stream.
	p.until(waitTimeout, "charts drawn", func() (bool, string) {
		var nCharts int
		p.eval(`document.querySelectorAll("#panel-overview .uplot canvas").length`, &nCharts)
		return nCharts == 2, fmt.Sprint(nCharts, " charts")
	})
	// The endpoint links are there, relative to the base path.
	var links []string
	p.eval(`[...document.querySelectorAll("footer.endpoints a")].map(a => a.getAttribute("href"))`, &links)
	for _, want := range []string{"varz", "connz", "routez", "subsz", "healthz", "stacksz", "metrics"} {
		if !slices.Contains(links, want) {
			t.Errorf("no link to /%s in %v", want, links)
		}
	}
	p.shot("overview")
}

// connRow is a row of the connections table as the page shows it.
type connRow struct {
	Cid     uint64 `json:"cid"`
	Name    string `json:"name"`
	InMsgs  string `json:"in_msgs"`
	OutMsgs string `json:"out_msgs"`
	Subs    string `json:"subs"`
	Reason  string `json:"reason"`
}

const rowsJS = `[...document.querySelectorAll("#conn-table tbody tr[data-cid]")].map(r => {
  const c = (k) => (r.querySelector('[data-col="' + k + '"]')?.textContent ?? "");
  return {cid: +r.dataset.cid, name: c("name"), in_msgs: c("in_msgs"), out_msgs: c("out_msgs"), subs: c("subs"), reason: c("reason")};
})`

func (p *page) rows() []connRow {
	var rows []connRow
	p.eval(rowsJS, &rows)
	return rows
}

func cidsOf(rows []connRow) []uint64 {
	out := make([]uint64, len(rows))
	for i, r := range rows {
		out[i] = r.Cid
	}
	return out
}

// The connections table: numbers as in /connz, sorting, filtering,
// details, keyboard, a new connection appearing and a closed one moving
// to "closed" with its reason.
func TestDashboardConnections(t *testing.T) {
	n := startNatsd(t, nil)
	alpha := n.connect(t, "alpha")
	bravo := n.connect(t, "bravo")
	charlie := n.connect(t, "charlie")
	sa, _ := alpha.SubscribeSync("orders.eu.*")
	alpha.Flush()
	sb, _ := bravo.SubscribeSync("billing.>")
	bravo.SubscribeSync("audit")
	bravo.Flush()
	charlie.SubscribeSync("ping")
	charlie.Flush()
	traffic(t, charlie, sa, "orders.eu.new", 30) // charlie sends 30, alpha gets 30
	traffic(t, alpha, sb, "billing.x", 5)        // alpha sends 5, bravo gets 5

	p := openPage(t, n, nil)
	p.live()
	p.tab("connections")
	p.until(waitTimeout, "rows equal to /connz", func() (bool, string) {
		var cz monitor.Connz
		n.getJSON(t, "connz", &cz)
		rows := p.rows()
		if len(rows) != len(cz.Conns) {
			return false, fmt.Sprintf("%d rows, %d in connz", len(rows), len(cz.Conns))
		}
		for i, c := range cz.Conns {
			r := rows[i]
			if r.Cid != c.Cid || r.Name != c.Name || digits(r.InMsgs) != c.InMsgs || digits(r.OutMsgs) != c.OutMsgs || digits(r.Subs) != int64(c.NumSubs) {
				return false, fmt.Sprintf("row %+v, connz %+v", r, *c)
			}
		}
		return true, ""
	})
	if got := p.text("#conn-state-open-n"); got != "3" {
		t.Errorf("open count %q", got)
	}

	// Sorting: "Msgs in" sorts biggest first, again smallest first.
	p.do(chromedp.Click(`#conn-table th[data-col="in_msgs"] button`))
	byIn := func(desc bool) (bool, string) {
		rows := p.rows()
		ok := len(rows) == 3 && slices.IsSortedFunc(rows, func(a, b connRow) int {
			if desc {
				return int(digits(b.InMsgs) - digits(a.InMsgs))
			}
			return int(digits(a.InMsgs) - digits(b.InMsgs))
		})
		return ok, fmt.Sprint(rows)
	}
	p.until(waitTimeout, "sorted by msgs in, descending", func() (bool, string) { return byIn(true) })
	if rows := p.rows(); rows[0].Name != "charlie" {
		t.Errorf("first by msgs in: %+v", rows[0])
	}
	var sortAttr string
	p.eval(`document.querySelector('#conn-table th[data-col="in_msgs"]').getAttribute("aria-sort")`, &sortAttr)
	if sortAttr != "descending" {
		t.Errorf("aria-sort %q", sortAttr)
	}
	p.do(chromedp.Click(`#conn-table th[data-col="in_msgs"] button`))
	p.until(waitTimeout, "sorted by msgs in, ascending", func() (bool, string) { return byIn(false) })
	p.do(chromedp.Click(`#conn-table th[data-col="name"] button`))
	p.until(waitTimeout, "sorted by name", func() (bool, string) {
		rows := p.rows()
		names := make([]string, len(rows))
		for i, r := range rows {
			names[i] = r.Name
		}
		return slices.Equal(names, []string{"alpha", "bravo", "charlie"}), fmt.Sprint(names)
	})

	// From the keyboard: Enter on a header's button sorts, and the focus
	// stays on that button across the page's updates.
	p.do(chromedp.Focus(`#conn-table th[data-col="cid"] button`))
	p.do(chromedp.KeyEvent(kb.Enter))
	p.until(waitTimeout, "sorted by cid from the keyboard", func() (bool, string) {
		cids := cidsOf(p.rows())
		return slices.IsSorted(cids) && len(cids) == 3, fmt.Sprint(cids)
	})
	time.Sleep(1500 * time.Millisecond) // at least one update of the table
	var focusCol string
	p.eval(`document.activeElement.closest("th")?.dataset.col ?? document.activeElement.tagName`, &focusCol)
	if focusCol != "cid" {
		t.Errorf("after an update the focus is on %q, want the cid header", focusCol)
	}

	// Filtering by name, and by subject with wildcard matching.
	p.do(chromedp.SendKeys("#conn-filter-name", "rav"))
	p.until(waitTimeout, "name filter", func() (bool, string) {
		rows := p.rows()
		return len(rows) == 1 && rows[0].Name == "bravo", fmt.Sprint(rows)
	})
	p.fill("#conn-filter-name", "")
	p.fill("#conn-filter-subject", "orders.eu.new")
	p.until(waitTimeout, "subject filter", func() (bool, string) {
		rows := p.rows()
		return len(rows) == 1 && rows[0].Name == "alpha", fmt.Sprint(rows)
	})
	p.fill("#conn-filter-subject", "billing.q.r")
	p.until(waitTimeout, "subject filter with >", func() (bool, string) {
		rows := p.rows()
		return len(rows) == 1 && rows[0].Name == "bravo", fmt.Sprint(rows)
	})
	p.fill("#conn-filter-subject", "")
	p.until(waitTimeout, "filters cleared", func() (bool, string) {
		rows := p.rows()
		return len(rows) == 3, fmt.Sprint(rows)
	})

	// Keyboard: focus the first row, arrow down, Enter opens the details
	// with the subscriptions.
	// The rows are rebuilt every second, so a node looked up by the
	// driver can be gone when it acts on it: focus from inside the page.
	p.eval(`document.querySelector("#conn-table tbody tr[data-cid]").focus() ?? true`, nil)
	p.do(chromedp.KeyEvent(kb.ArrowDown))
	var focused string
	p.eval(`document.activeElement.closest("tr")?.dataset.cid ?? ""`, &focused)
	rows := p.rows()
	if focused != strconv.FormatUint(rows[1].Cid, 10) {
		t.Fatalf("after ArrowDown the focus is on %q, want the second row %d", focused, rows[1].Cid)
	}
	p.do(chromedp.KeyEvent(kb.Enter))
	p.until(waitTimeout, "details of bravo", func() (bool, string) {
		var subs []string
		p.eval(`[...document.querySelectorAll("#conn-subs tbody tr td:first-child")].map(td => td.textContent)`, &subs)
		slices.Sort(subs)
		return strings.Contains(p.text("#conn-details h3"), "bravo") && slices.Equal(subs, []string{"audit", "billing.>"}),
			p.text("#conn-details h3") + fmt.Sprint(subs)
	})
	p.shot("connections")

	// A new connection shows within 2 s (the page updates every second).
	start := time.Now()
	delta := n.connect(t, "delta")
	p.until(2*time.Second, "delta's row", func() (bool, string) {
		for _, r := range p.rows() {
			if r.Name == "delta" {
				return true, ""
			}
		}
		return false, fmt.Sprint(p.rows())
	})
	t.Logf("new connection shown after %v", time.Since(start))

	// A closed one moves to the closed list with its reason.
	delta.Close()
	p.until(waitTimeout, "delta gone from open", func() (bool, string) {
		for _, r := range p.rows() {
			if r.Name == "delta" {
				return false, "still open"
			}
		}
		return true, ""
	})
	p.do(chromedp.Click(`label[for="conn-state-closed"]`))
	p.until(waitTimeout, "delta in closed with its reason", func() (bool, string) {
		rows := p.rows()
		return len(rows) == 1 && rows[0].Name == "delta" && rows[0].Reason == "Client Closed", fmt.Sprint(rows)
	})
	var cz monitor.Connz
	n.getJSON(t, "connz?state=closed", &cz)
	if len(cz.Conns) != 1 || cz.Conns[0].Reason != "Client Closed" {
		t.Errorf("connz closed: %+v", cz.Conns)
	}
	p.shot("closed")
}

// The subject search lists exactly the subscriptions /subsz?test= lists:
// the ones delivery would pick, wildcards and queue groups included.
func TestDashboardSubjectSearch(t *testing.T) {
	n := startNatsd(t, nil)
	want := map[string]bool{}
	sub := func(name, subj, queue string, match bool) {
		nc := n.connect(t, name)
		if queue != "" {
			nc.QueueSubscribeSync(subj, queue)
		} else {
			nc.SubscribeSync(subj)
		}
		nc.Flush()
		want[name] = match
	}
	sub("all-orders", "orders.>", "", true)
	sub("any-region", "orders.*.new", "", true)
	sub("eu-worker-1", "orders.eu.new", "workers", true)
	sub("eu-worker-2", "orders.eu.new", "workers", true)
	sub("us-only", "orders.us.new", "", false)
	sub("too-deep", "orders.eu.new.x", "", false)

	p := openPage(t, n, nil)
	p.live()
	p.tab("subjects")
	p.do(chromedp.SendKeys("#subject-test", "orders.eu.new\n"))
	var sz monitor.Subsz
	n.getJSON(t, "subsz?subs=1&test=orders.eu.new", &sz)
	if len(sz.Subs) != 4 {
		t.Fatalf("subsz?test: %+v", sz.Subs)
	}
	wantCids := []uint64{}
	for _, s := range sz.Subs {
		wantCids = append(wantCids, s.Cid)
	}
	slices.Sort(wantCids)
	p.until(waitTimeout, "search results", func() (bool, string) {
		var got []struct {
			Cid  uint64 `json:"cid"`
			Name string `json:"name"`
		}
		p.eval(`[...document.querySelectorAll("#subject-matches tbody tr")].map(r => ({cid: +r.dataset.cid, name: r.children[3].textContent}))`, &got)
		var cids []uint64
		for _, g := range got {
			cids = append(cids, g.Cid)
			if !want[g.Name] {
				return false, "unexpected " + g.Name
			}
		}
		slices.Sort(cids)
		return slices.Equal(cids, wantCids), fmt.Sprint(got)
	})
	if s := p.text("#subject-summary"); !strings.Contains(s, "delivered 3 times") || !strings.Contains(s, "queue group workers") {
		t.Errorf("summary: %q", s)
	}
	p.shot("subjects")

	// A subject one cannot publish to gets an explanation, not a request.
	p.fill("#subject-test", "orders.*\n")
	p.until(waitTimeout, "wildcard refused", func() (bool, string) {
		s := p.text("#subject-result")
		return strings.Contains(s, "not a subject one can publish to"), s
	})
}

// The page loads its scripts, styles and data from the server alone.
func TestDashboardNoExternalRequests(t *testing.T) {
	n := startNatsd(t, nil)
	p := openPage(t, n, nil)
	p.live()
	for _, id := range []string{"connections", "subjects", "cluster", "overview"} {
		p.tab(id)
	}
	p.mu.Lock()
	reqs := slices.Clone(p.requests)
	p.mu.Unlock()
	for _, want := range []string{"dashboard/app.js", "dashboard/style.css", "dashboard/vendor/uPlot.iife.min.js", "dashboard/events"} {
		if !slices.ContainsFunc(reqs, func(u string) bool { return strings.Contains(u, want) }) {
			t.Errorf("no request for %s in %v", want, reqs)
		}
	}
	// checkNoExternal (a cleanup) fails the test on any other origin.
}
