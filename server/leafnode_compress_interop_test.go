package server

import (
	"encoding/json"
	"fmt"
	"net"
	"net/http"
	"os"
	"testing"

	"github.com/natsd/natsd/monitor"
)

// leafCompressionCases are hub and leaf modes ("" = the default, s2_auto)
// with the level each side writes at, as nats-server pairs show them in
// /leafz ("auto": s2_auto's level, which follows the RTT: s2_uncompressed
// on an idle loopback, more on a loaded machine).
var leafCompressionCases = []struct {
	hub, leaf         string
	wantHub, wantLeaf string
}{
	{"", "", "auto", "auto"},
	{"accept", "", "s2_fast", "auto"},
	{"", "accept", "auto", "s2_fast"},
	{"accept", "s2_best", "s2_best", "s2_best"},
	{"s2_better", "s2_fast", "s2_better", "s2_fast"},
	{"s2_fast", "off", "off", "off"},
	{"off", "", "off", "off"},
	{"accept", "accept", "off", "off"},
}

// refLeafzCompression is what a nats-server's /leafz shows for its only
// leaf connection.
func refLeafzCompression(t *testing.T, httpAddr string) string {
	t.Helper()
	resp, err := http.Get("http://" + httpAddr + "/leafz")
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	var lz monitor.Leafz
	if err := json.NewDecoder(resp.Body).Decode(&lz); err != nil {
		t.Fatal(err)
	}
	if len(lz.Leafs) != 1 {
		return fmt.Sprintf("%d leafs", len(lz.Leafs))
	}
	return lz.Leafs[0].Compression
}

// freeAddr is a free 127.0.0.1 port, for nats-server's monitoring port.
func freeAddr(t *testing.T) string {
	t.Helper()
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer l.Close()
	return l.Addr().String()
}

// refCompressionKey is the compression key of a nats-server config.
func refCompressionKey(mode string) string {
	if mode == "" {
		return ""
	}
	return "compression: " + mode
}

// TestLeafInteropCompressionNatsdLeaf: natsd leaves with each mode of a
// nats-server hub with each mode agree as two nats-servers do, and
// traffic of every size crosses.
func TestLeafInteropCompressionNatsdLeaf(t *testing.T) {
	if os.Getenv("NATS_REF_SERVER") == "" {
		t.Skip("NATS_REF_SERVER is not set")
	}
	for _, tc := range leafCompressionCases {
		t.Run(tc.hub+"-"+tc.leaf, func(t *testing.T) {
			httpAddr := freeAddr(t)
			ref := startRef(t, fmt.Sprintf("listen: 127.0.0.1:-1\nhttp: %s\nserver_name: refhub\nleafnodes { listen: 127.0.0.1:-1\n%s\n}\n",
				httpAddr, refCompressionKey(tc.hub)))
			lo := leafOpts("leaf", ref.leafURL)
			lo.LeafNode.Remotes[0].Compression = tc.leaf
			lf := clStart(t, lo)
			waitLeafs(t, lf, 1)
			clWaitFor(t, leafWait, "the hub's leaf", func() bool { return refLeafzCompression(t, httpAddr) != "0 leafs" })
			if got := refLeafzCompression(t, httpAddr); !levelIs(got, tc.wantHub) {
				t.Errorf("nats-server hub /leafz compression %q, want %q", got, tc.wantHub)
			}
			if got := leafCompressionOf(lf); !levelIs(got, tc.wantLeaf) {
				t.Errorf("natsd leaf /leafz compression %q, want %q", got, tc.wantLeaf)
			}
			leafTrafficChecks(t, refConnect(t, ref.clientURL), leafConnect(t, lf), 1<<20)
		})
	}
}

// TestLeafInteropCompressionNatsdHub: nats-server leaves with each mode of
// a natsd hub with each mode.
func TestLeafInteropCompressionNatsdHub(t *testing.T) {
	if os.Getenv("NATS_REF_SERVER") == "" {
		t.Skip("NATS_REF_SERVER is not set")
	}
	for _, tc := range leafCompressionCases {
		t.Run(tc.hub+"-"+tc.leaf, func(t *testing.T) {
			ho := hubOpts("hub")
			ho.LeafNode.Compression = tc.hub
			hub := clStart(t, ho)
			httpAddr := freeAddr(t)
			ref := startRef(t, fmt.Sprintf("listen: 127.0.0.1:-1\nhttp: %s\nserver_name: refleaf\nleafnodes { reconnect: \"100ms\", remotes: [ { url: %q\n%s } ] }\n",
				httpAddr, leafURLOf(hub), refCompressionKey(tc.leaf)))
			waitLeafs(t, hub, 1)
			clWaitFor(t, leafWait, "the leaf's connection", func() bool { return refLeafzCompression(t, httpAddr) != "0 leafs" })
			if got := leafCompressionOf(hub); !levelIs(got, tc.wantHub) {
				t.Errorf("natsd hub /leafz compression %q, want %q", got, tc.wantHub)
			}
			if got := refLeafzCompression(t, httpAddr); !levelIs(got, tc.wantLeaf) {
				t.Errorf("nats-server leaf /leafz compression %q, want %q", got, tc.wantLeaf)
			}
			leafTrafficChecks(t, leafConnect(t, hub), refConnect(t, ref.clientURL), 1<<20)
		})
	}
}
