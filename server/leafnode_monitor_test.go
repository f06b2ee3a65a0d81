package server

import (
	"encoding/json"
	"io"
	"net/http"
	"slices"
	"strings"
	"testing"

	"github.com/natsd/natsd/monitor"
)

// TestLeafMonitoring: /leafz (with subs=1), /varz's leaf section and
// count, /connz's kind and /metrics describe the leaf connections on
// both sides.
func TestLeafMonitoring(t *testing.T) {
	ho := hubOpts("hub")
	ho.HTTPHost, ho.HTTPPort = "127.0.0.1", RandomPort
	hub := clStart(t, ho)
	lo := leafOpts("leaf", leafURLOf(hub))
	lo.HTTPHost, lo.HTTPPort = "127.0.0.1", RandomPort
	lf := clStart(t, lo)
	waitLeafs(t, hub, 1)
	waitLeafs(t, lf, 1)
	lc := leafConnect(t, lf)
	lc.SubscribeSync("mon.a")
	lc.QueueSubscribeSync("mon.q", "g")
	lc.Flush()
	waitInterest(t, hub, "$G", "mon.q")

	get := func(s *Server, path string) []byte {
		t.Helper()
		resp, err := http.Get("http://" + s.MonitorAddr().String() + path)
		if err != nil {
			t.Fatal(err)
		}
		defer resp.Body.Close()
		b, _ := io.ReadAll(resp.Body)
		if resp.StatusCode != 200 {
			t.Fatalf("%s: %d %s", path, resp.StatusCode, b)
		}
		return b
	}
	var lz monitor.Leafz
	if err := json.Unmarshal(get(hub, "/leafz?subs=1"), &lz); err != nil {
		t.Fatal(err)
	}
	if lz.NumLeafs != 1 || len(lz.Leafs) != 1 {
		t.Fatalf("hub leafz: %+v", lz)
	}
	l := lz.Leafs[0]
	if l.Name != "leaf" || l.IsSpoke || l.Account != "$G" || l.IP != "127.0.0.1" ||
		!slices.Contains(l.Subs, "mon.a") || !slices.Contains(l.Subs, "mon.q") || int(l.NumSubs) != len(l.Subs) {
		t.Fatalf("hub leafz entry: %+v", l)
	}
	var lz2 monitor.Leafz
	if err := json.Unmarshal(get(lf, "/leafz"), &lz2); err != nil {
		t.Fatal(err)
	}
	if lz2.NumLeafs != 1 || lz2.Leafs[0].Name != "hub" || !lz2.Leafs[0].IsSpoke || lz2.Leafs[0].Subs != nil {
		t.Fatalf("leaf leafz: %+v", lz2.Leafs[0])
	}

	var v monitor.Varz
	json.Unmarshal(get(hub, "/varz"), &v)
	if v.Leafs != 1 || v.LeafNode.Port != addrPort(hub.LeafAddr()) || v.LeafNode.Host != "127.0.0.1" || v.LeafNode.AuthTimeout != 2 {
		t.Fatalf("hub varz: leafnodes %d leaf %+v", v.Leafs, v.LeafNode)
	}
	v = monitor.Varz{}
	json.Unmarshal(get(lf, "/varz"), &v)
	if v.Leafs != 1 || len(v.LeafNode.Remotes) != 1 || v.LeafNode.Remotes[0].LocalAccount != "$G" ||
		v.LeafNode.Remotes[0].URLs[0] != hub.LeafAddr().String() {
		t.Fatalf("leaf varz: leafnodes %d leaf %+v", v.Leafs, v.LeafNode)
	}

	var cz monitor.Connz
	json.Unmarshal(get(hub, "/connz"), &cz)
	kinds := map[string]int{}
	for _, c := range cz.Conns {
		kinds[c.Kind]++
	}
	if kinds["Leafnode"] != 1 {
		t.Fatalf("hub connz kinds: %v", kinds)
	}
	var az monitor.Accountz
	json.Unmarshal(get(hub, "/accountz?acc=$G"), &az)
	if az.Account == nil || az.Account.LeafCnt != 1 {
		t.Fatalf("accountz: %+v", az.Account)
	}
	if m := string(get(hub, "/metrics")); !strings.Contains(m, `gnatsd_varz_leafnodes{server_id="`+hub.ID()+`"} 1`) {
		t.Fatalf("metrics lack the leaf count:\n%s", m)
	}
}
