package monitor

import (
	"net/http"
	"net/url"
	"strconv"
	"time"

	"github.com/natsd/natsd/jetstream/api"
)

// JszPath is the JetStream endpoint.
const JszPath = "/jsz"

// JszSource is implemented by a Source that has JetStream; the handler
// serves /jsz only for such a source (kept apart from Source so that
// sources without JetStream need nothing).
type JszSource interface {
	Jsz(*JszOptions) (*JSInfo, error)
}

// JszOptions are /jsz's query options.
type JszOptions struct {
	Account   string `json:"account"`   // acc: only this account
	Accounts  bool   `json:"accounts"`  // accounts: list the accounts
	Streams   bool   `json:"streams"`   // streams: list each account's streams
	Consumers bool   `json:"consumers"` // consumers: with each stream's consumers
	Config    bool   `json:"config"`    // config: with each stream's config
	Offset    int    `json:"offset"`
	Limit     int    `json:"limit"`
}

// ParseJszOptions reads /jsz's query.
func ParseJszOptions(q url.Values) (*JszOptions, error) {
	o := &JszOptions{Account: q.Get("acc"), Limit: 1024}
	for _, b := range []struct {
		key string
		p   *bool
	}{{"accounts", &o.Accounts}, {"streams", &o.Streams}, {"config", &o.Config}, {"consumers", &o.Consumers}} {
		if v := q.Get(b.key); v != "" {
			x, err := strconv.ParseBool(v)
			if err != nil {
				return nil, err
			}
			*b.p = x
		}
	}
	for _, n := range []struct {
		key string
		p   *int
	}{{"offset", &o.Offset}, {"limit", &o.Limit}} {
		if v := q.Get(n.key); v != "" {
			x, err := strconv.Atoi(v)
			if err != nil {
				return nil, err
			}
			*n.p = x
		}
	}
	if o.Streams || o.Config || o.Account != "" {
		o.Accounts = true
	}
	if o.Config {
		o.Streams = true
	}
	return o, nil
}

// JetStreamConfig is the JetStream configuration in /jsz and /varz.
type JetStreamConfig struct {
	MaxMemory    int64         `json:"max_memory"`
	MaxStore     int64         `json:"max_storage"`
	StoreDir     string        `json:"store_dir,omitempty"`
	SyncInterval time.Duration `json:"sync_interval,omitempty"`
	SyncAlways   bool          `json:"sync_always,omitempty"`
	Domain       string        `json:"domain,omitempty"`
	Strict       bool          `json:"strict,omitempty"`
}

// JetStreamStats is the usage in /jsz and /varz.
type JetStreamStats struct {
	Memory         uint64       `json:"memory"`
	Store          uint64       `json:"storage"`
	ReservedMemory uint64       `json:"reserved_memory"`
	ReservedStore  uint64       `json:"reserved_storage"`
	Accounts       int          `json:"accounts"`
	HAAssets       int          `json:"ha_assets"`
	API            api.APIStats `json:"api"`
}

// StreamDetail is one stream in /jsz?streams=true.
type StreamDetail struct {
	Name    string            `json:"name"`
	Created time.Time         `json:"created"`
	Cluster *api.ClusterInfo  `json:"cluster,omitempty"`
	Config  *api.StreamConfig `json:"config,omitempty"`
	State   api.StreamState   `json:"state"`
	// Consumers is filled with the consumers query option.
	Consumers []*api.ConsumerInfo `json:"consumer_detail,omitempty"`
}

// AccountDetail is one account in /jsz?accounts=true.
type AccountDetail struct {
	Name string `json:"name"`
	ID   string `json:"id"`
	JetStreamStats
	Streams []StreamDetail `json:"stream_detail,omitempty"`
}

// JSInfo is /jsz.
type JSInfo struct {
	JetStreamStats
	ID        string           `json:"server_id"`
	Now       time.Time        `json:"now"`
	Disabled  bool             `json:"disabled,omitempty"`
	Config    *JetStreamConfig `json:"config,omitempty"`
	Streams   int              `json:"streams"`
	Consumers int              `json:"consumers"`
	Messages  uint64           `json:"messages"`
	Bytes     uint64           `json:"bytes"`
	Total     int              `json:"total"`
	Accounts  []*AccountDetail `json:"account_details,omitempty"`
}

func (h *Handler) jsz(w http.ResponseWriter, r *http.Request) {
	h.count(JszPath)
	src, ok := h.src.(JszSource)
	if !ok {
		http.NotFound(w, r)
		return
	}
	o, err := ParseJszOptions(r.URL.Query())
	if err != nil {
		writeError(w, http.StatusBadRequest, err)
		return
	}
	js, err := src.Jsz(o)
	if err != nil {
		writeError(w, http.StatusBadRequest, err)
		return
	}
	writeJSON(w, r, js)
}
