//go:build !refserver

package browser

import (
	"context"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/chromedp/chromedp"
	"github.com/chromedp/chromedp/kb"
	"github.com/nats-io/nats.go"
	"github.com/nats-io/nats.go/jetstream"

	"github.com/natsd/natsd/monitor"
	"github.com/natsd/natsd/server"
)

// cells reads the data-col cells of the rows matching sel, keyed by the
// row's data-key attribute.
func (p *page) cells(sel, key string) map[string]map[string]string {
	var out map[string]map[string]string
	p.eval(fmt.Sprintf(`Object.fromEntries([...document.querySelectorAll(%q)].map(r =>
  [r.dataset[%q], Object.fromEntries([...r.querySelectorAll("[data-col]")].map(c => [c.dataset.col, c.textContent]))]))`, sel, key), &out)
	return out
}

// The Accounts panel shows each account's connections and subscriptions
// as /accountz?acc= has them and its traffic as /connz?acc= adds up; the
// JetStream panel says JetStream is off; the tabs reach both by keyboard.
func TestDashboardAccounts(t *testing.T) {
	conf := filepath.Join(t.TempDir(), "accounts.conf")
	os.WriteFile(conf, []byte(`accounts {
  SALES { users [ { user: sally, password: s1 }, { user: sam, password: s2 } ] }
  OPS { users [ { user: olga, password: o1 } ] }
}
`), 0o644)
	fo, err := server.ProcessConfigFile(conf)
	if err != nil {
		t.Fatal(err)
	}
	n := startNatsd(t, func(o *server.Options) { o.Users, o.Accounts = fo.Users, fo.Accounts })
	conn := func(user, pass string) *nats.Conn {
		nc, err := nats.Connect(n.ClientURL(), nats.UserInfo(user, pass), nats.Name(user), nats.MaxReconnects(0))
		if err != nil {
			t.Fatal(err)
		}
		t.Cleanup(nc.Close)
		return nc
	}
	sally, sam, olga := conn("sally", "s1"), conn("sam", "s2"), conn("olga", "o1")
	sub, _ := sam.SubscribeSync("orders.>")
	sam.SubscribeSync("audit")
	olga.SubscribeSync("alerts")
	sam.Flush()
	olga.Flush()
	traffic(t, sally, sub, "orders.new", 40)
	olga.Publish("alerts", []byte("x"))
	olga.Flush()

	p := openPage(t, n, nil)
	p.live()
	// Keyboard: from the Cluster tab, ArrowRight selects Accounts.
	p.tab("cluster")
	p.do(chromedp.Focus("#tab-cluster"), chromedp.KeyEvent(kb.ArrowRight))
	p.until(waitTimeout, "accounts panel shown by keyboard", func() (bool, string) {
		var hidden bool
		var focused string
		p.eval(`document.getElementById("panel-accounts").hidden`, &hidden)
		p.eval(`document.activeElement.id`, &focused)
		return !hidden && focused == "tab-accounts", fmt.Sprint("hidden ", hidden, " focus ", focused)
	})
	p.until(waitTimeout, "accounts table equal to accountz and connz", func() (bool, string) {
		rows := p.cells("#account-table tbody tr[data-account]", "account")
		var diffs []string
		for _, acc := range []string{"SALES", "OPS"} {
			var az monitor.Accountz
			n.getJSON(t, "accountz?acc="+acc, &az)
			var cz monitor.Connz
			n.getJSON(t, "connz?limit=1000&acc="+acc, &cz)
			var in, out int64
			for _, c := range cz.Conns {
				in, out = in+c.InMsgs, out+c.OutMsgs
			}
			want := map[string]int64{"conns": int64(az.Account.ClientCnt), "subs": int64(az.Account.SubCnt), "in_msgs": in, "out_msgs": out}
			for col, w := range want {
				if got := digits(rows[acc][col]); got != w {
					diffs = append(diffs, fmt.Sprintf("%s %s: page %d, json %d", acc, col, got, w))
				}
			}
		}
		return len(diffs) == 0, strings.Join(diffs, "; ")
	})
	// And the numbers are the ones this test made.
	rows := p.cells("#account-table tbody tr[data-account]", "account")
	if rows["SALES"]["conns"] != "2" || rows["SALES"]["subs"] != "2" || rows["SALES"]["in_msgs"] != "40" ||
		rows["SALES"]["out_msgs"] != "40" || rows["OPS"]["conns"] != "1" || rows["OPS"]["in_msgs"] != "1" {
		t.Errorf("accounts table: %v", rows)
	}
	// The table's region is reachable with Tab.
	var tabIndex int
	p.eval(`document.querySelector("#panel-accounts .scroll").tabIndex`, &tabIndex)
	if tabIndex != 0 {
		t.Errorf("accounts table region tabIndex %d", tabIndex)
	}
	p.shot("accounts")

	p.tab("jetstream")
	p.until(waitTimeout, "JetStream is off", func() (bool, string) {
		s := p.text("#js-status")
		return s == "JetStream is off.", s
	})
}

// The JetStream panel lists the streams with the numbers of
// /jsz?streams=1.
func TestDashboardJetStream(t *testing.T) {
	n := startNatsd(t, func(o *server.Options) {
		o.JetStream.Enabled = true
		o.JetStream.StoreDir = t.TempDir()
	})
	nc := n.connect(t, "js")
	js, err := jetstream.New(nc)
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithTimeout(context.Background(), waitTimeout)
	defer cancel()
	if _, err := js.CreateStream(ctx, jetstream.StreamConfig{Name: "ORDERS", Subjects: []string{"orders.>"}}); err != nil {
		t.Fatal(err)
	}
	if _, err := js.CreateStream(ctx, jetstream.StreamConfig{Name: "EMPTY", Subjects: []string{"empty"}, Storage: jetstream.MemoryStorage}); err != nil {
		t.Fatal(err)
	}
	for i := 0; i < 7; i++ {
		if _, err := js.Publish(ctx, "orders.new", []byte("order")); err != nil {
			t.Fatal(err)
		}
	}

	p := openPage(t, n, nil)
	p.live()
	p.tab("jetstream")
	p.until(waitTimeout, "streams table equal to jsz", func() (bool, string) {
		var jz monitor.JSInfo
		n.getJSON(t, "jsz?streams=1", &jz)
		rows := p.cells("#stream-table tbody tr[data-stream]", "stream")
		var diffs []string
		seen := 0
		for _, a := range jz.Accounts {
			for _, s := range a.Streams {
				seen++
				r := rows[s.Name]
				want := map[string]int64{"messages": int64(s.State.Msgs), "first_seq": int64(s.State.FirstSeq),
					"last_seq": int64(s.State.LastSeq), "consumers": int64(s.State.Consumers)}
				for col, w := range want {
					if got := digits(r[col]); got != w {
						diffs = append(diffs, fmt.Sprintf("%s %s: page %d, jsz %d", s.Name, col, got, w))
					}
				}
				if r["account"] != a.Name {
					diffs = append(diffs, fmt.Sprintf("%s account %q, jsz %q", s.Name, r["account"], a.Name))
				}
			}
		}
		if seen != 2 || len(rows) != 2 {
			diffs = append(diffs, fmt.Sprintf("%d streams in jsz, %d rows", seen, len(rows)))
		}
		return len(diffs) == 0, strings.Join(diffs, "; ")
	})
	rows := p.cells("#stream-table tbody tr[data-stream]", "stream")
	if o := rows["ORDERS"]; o["messages"] != "7" || o["first_seq"] != "1" || o["last_seq"] != "7" || o["consumers"] != "0" {
		t.Errorf("ORDERS row: %v", o)
	}
	if s := p.text("#js-status"); !strings.HasPrefix(s, "JetStream is on") {
		t.Errorf("status %q", s)
	}
	p.shot("jetstream")
}
