package server

import (
	"encoding/json"
	"math/rand/v2"
	"sync/atomic"
	"time"

	"github.com/nats-io/nuid"

	"github.com/natsd/natsd/accounts"
	"github.com/natsd/natsd/monitor"
)

// Service latency tracking: a service export with `latency` has a share
// of the requests made through its imports measured, and each measurement
// published in the exporting account on the latency subject, as
// nats-server's io.nats.server.metric.v1.service_latency message. The
// requestor is described in full only when its import sets `share`
// (otherwise its account and round trip only). Nothing of this runs for
// exports without latency, and for them the request path is unchanged.

// serviceLatencyType is the type of the latency message.
const serviceLatencyType = "io.nats.server.metric.v1.service_latency"

// serviceLatency is the latency message, with nats-server's fields.
type serviceLatency struct {
	Type      string              `json:"type"`
	ID        string              `json:"id"`
	Time      time.Time           `json:"timestamp"`
	Status    int                 `json:"status"`
	Requestor *monitor.ClientInfo `json:"requestor,omitempty"`
	Responder *monitor.ClientInfo `json:"responder,omitempty"`
	Start     time.Time           `json:"start"`
	Service   time.Duration       `json:"service"`
	System    time.Duration       `json:"system"`
	Total     time.Duration       `json:"total"`
}

// latencyTrack is one sampled request.
type latencyTrack struct {
	lat       *accounts.Latency
	requestor *monitor.ClientInfo
	reqRTT    time.Duration
	start     time.Time    // the request arrived
	delivered atomic.Int64 // UnixNano: the request was handed to the responders
}

// sampleLatency decides whether a request from pub through an import
// (share: whether it shares its requestor's details) is measured.
func sampleLatency(lat *accounts.Latency, pub *client, share bool) *latencyTrack {
	if lat == nil || (lat.Sampling < 100 && rand.IntN(100) >= lat.Sampling) {
		return nil
	}
	lt := &latencyTrack{lat: lat, start: time.Now()}
	lt.requestor, lt.reqRTT = latencyClientInfo(pub, share)
	return lt
}

// latencyClientInfo describes c in a latency message: in full when full,
// else its account and round trip only.
func latencyClientInfo(c *client, full bool) (*monitor.ClientInfo, time.Duration) {
	var rtt time.Duration
	if c.kind == kindClient {
		c.mu.Lock()
		rtt = c.mon.rtt
		c.mu.Unlock()
	}
	var ci *monitor.ClientInfo
	if full && c.kind == kindClient {
		ci = c.clientInfo(nil)
		ci.NameTag = ""
		ci.Server = c.srv.ID()
	} else {
		ci = &monitor.ClientInfo{}
		if acc := c.acc.Load(); acc != nil {
			ci.Account = acc.name
		}
	}
	ci.RTT = int64(rtt)
	return ci, rtt
}

// report publishes the measurement of a request answered by responder,
// in the exporting account (through ic).
func (lt *latencyTrack) report(ic *internalClient, responder *client) {
	now := time.Now()
	delivered := lt.start
	if d := lt.delivered.Load(); d != 0 {
		delivered = time.Unix(0, d)
	}
	resp, respRTT := latencyClientInfo(responder, true)
	m := &serviceLatency{
		Type: serviceLatencyType, ID: nuid.Next(), Time: now.UTC(), Status: 200,
		Requestor: lt.requestor, Responder: resp, Start: lt.start.UTC(),
		Service: now.Sub(delivered), System: delivered.Sub(lt.start),
	}
	m.Total = m.Service + m.System + lt.reqRTT + respRTT
	b, err := json.Marshal(m)
	if err != nil {
		return
	}
	ic.publish([]byte(lt.lat.Subject), nil, 0, b)
}
