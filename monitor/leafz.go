package monitor

import (
	"net/http"
	"time"
)

// LeafzPath lists the leaf node connections.
const LeafzPath = "/leafz"

// LeafzSource is the optional part of a Source that serves /leafz.
type LeafzSource interface {
	Leafz(o *LeafzOptions) (*Leafz, error)
}

// LeafzOptions are /leafz's query parameters.
type LeafzOptions struct {
	Subscriptions bool   `json:"subscriptions"` // subs=1: list each connection's interest
	Account       string `json:"account"`       // acc=: only the connections bound to this account
}

// Leafz is the /leafz document, in nats-server's layout.
type Leafz struct {
	ID       string      `json:"server_id"`
	Now      time.Time   `json:"now"`
	NumLeafs int         `json:"leafnodes"`
	Leafs    []*LeafInfo `json:"leafs"`
}

// LeafInfo is one leaf node connection. IsSpoke is true on the leaf side
// (a connection this server solicited).
type LeafInfo struct {
	ID          uint64   `json:"id"`
	Name        string   `json:"name"`
	IsSpoke     bool     `json:"is_spoke"`
	Account     string   `json:"account"`
	IP          string   `json:"ip"`
	Port        int      `json:"port"`
	RTT         string   `json:"rtt,omitempty"`
	InMsgs      int64    `json:"in_msgs"`
	OutMsgs     int64    `json:"out_msgs"`
	InBytes     int64    `json:"in_bytes"`
	OutBytes    int64    `json:"out_bytes"`
	NumSubs     uint32   `json:"subscriptions"`
	Subs        []string `json:"subscriptions_list,omitempty"`
	Compression string   `json:"compression,omitempty"`
}

func (h *Handler) leafz(src LeafzSource) http.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) {
		h.count(LeafzPath)
		q := r.URL.Query()
		subs, err := decodeBool(q, "subs")
		if err != nil {
			writeError(w, http.StatusBadRequest, err)
			return
		}
		lz, err := src.Leafz(&LeafzOptions{Subscriptions: subs, Account: q.Get("acc")})
		if err != nil {
			writeError(w, http.StatusBadRequest, err)
			return
		}
		writeJSON(w, r, lz)
	}
}
