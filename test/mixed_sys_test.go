//go:build !refserver

package test

import (
	"encoding/json"
	"fmt"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/nats-io/nats.go"
)

// TestMixedClusterSystemAccount: in a cluster of nats-server and natsd
// nodes sharing a system account, a PING asked on either kind of node is
// answered by every node, and a natsd node's connect advisory reaches a
// system user on a nats-server node.
func TestMixedClusterSystemAccount(t *testing.T) {
	ref := mxRefBinary(t)
	bin := clBuild(t, t.TempDir())
	sys := func(c *mxConf) { c.sys = true }
	r1 := mxNode(t, ref, "ref1", nil, sys)
	r1.start()
	n1 := mxNode(t, bin, "natsd1", []string{r1.routeURL()}, sys)
	n1.start()
	n2 := mxNode(t, bin, "natsd2", []string{r1.routeURL()}, sys)
	n2.start()
	procs := []*clProc{r1, n1, n2}
	clWaitMesh(t, procs)

	ping := func(p *clProc) []string {
		nc, err := nats.Connect(mxURL(p, "sys"))
		if err != nil {
			t.Fatal(err)
		}
		defer nc.Close()
		inbox := nats.NewInbox()
		sub, _ := nc.SubscribeSync(inbox)
		nc.PublishRequest("$SYS.REQ.SERVER.PING", inbox, nil)
		var names []string
		for {
			m, err := sub.NextMsg(500 * time.Millisecond)
			if err != nil {
				break
			}
			var st struct {
				Server struct {
					Name string `json:"name"`
				} `json:"server"`
			}
			json.Unmarshal(m.Data, &st)
			names = append(names, st.Server.Name)
		}
		slices.Sort(names)
		return names
	}
	for _, p := range []*clProc{r1, n1} {
		var got []string
		clWaitFor(t, "three PING answers on "+p.name, func() bool {
			got = ping(p)
			return len(got) == 3
		})
		if fmt.Sprint(got) != "[natsd1 natsd2 ref1]" {
			t.Fatalf("PING on %s: %v", p.name, got)
		}
	}

	// natsd2's advisory reaches a system user on ref1.
	nc, err := nats.Connect(mxURL(r1, "sys"))
	if err != nil {
		t.Fatal(err)
	}
	defer nc.Close()
	events, _ := nc.SubscribeSync("$SYS.ACCOUNT.A.CONNECT")
	nc.Flush()
	var got string
	clWaitFor(t, "natsd2's connect advisory on ref1", func() bool {
		a, err := nats.Connect(mxURL(n2, "a"))
		if err != nil {
			return false
		}
		a.Close()
		for {
			m, err := events.NextMsg(300 * time.Millisecond)
			if err != nil {
				return false
			}
			if strings.Contains(string(m.Data), `"name":"natsd2"`) {
				got = string(m.Data)
				return true
			}
		}
	})
	if !strings.Contains(got, `"type":"io.nats.server.advisory.v1.client_connect"`) || !strings.Contains(got, `"acc":"A","user":"a"`) {
		t.Fatalf("advisory: %s", got)
	}
}
