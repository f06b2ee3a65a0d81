package monitor

import (
	"net/http"
	"time"
)

// AccountzPath lists the accounts, or details one with ?acc=.
const AccountzPath = "/accountz"

// AccountzSource is the optional part of a Source that serves /accountz.
type AccountzSource interface {
	// Accountz lists the accounts, or with o.Account details one; an
	// unknown account is an error (a 400).
	Accountz(o *AccountzOptions) (*Accountz, error)
}

// AccountzOptions are /accountz's query parameters.
type AccountzOptions struct {
	Account string `json:"account"` // acc=
}

// Accountz is the /accountz document, in nats-server's layout.
type Accountz struct {
	ID            string       `json:"server_id"`
	Now           time.Time    `json:"now"`
	SystemAccount string       `json:"system_account,omitempty"`
	Accounts      []string     `json:"accounts,omitempty"`
	Account       *AccountInfo `json:"account_detail,omitempty"`
}

// AccountInfo details one account.
type AccountInfo struct {
	AccountName string        `json:"account_name"`
	LastUpdate  time.Time     `json:"update_time"`
	Expired     bool          `json:"expired"`
	Complete    bool          `json:"complete"`
	JetStream   bool          `json:"jetstream_enabled"`
	LeafCnt     int           `json:"leafnode_connections"`
	ClientCnt   int           `json:"client_connections"`
	SubCnt      uint32        `json:"subscriptions"`
	Exports     []ExportInfo  `json:"exports,omitempty"`
	Imports     []ImportInfo  `json:"imports,omitempty"`
	NameTag     string        `json:"name_tag,omitempty"`
	Sublist     *SublistStats `json:"sublist_stats,omitempty"`
}

// ExportInfo is one export of an account.
type ExportInfo struct {
	Subject          string   `json:"subject"`
	Type             string   `json:"type"`
	ResponseType     string   `json:"response_type,omitempty"`
	ApprovedAccounts []string `json:"approved_accounts,omitempty"`
}

// ImportInfo is one import of an account.
type ImportInfo struct {
	Subject      string `json:"subject"`
	Account      string `json:"account"`
	To           string `json:"to,omitempty"`
	LocalSubject string `json:"local_subject"`
	Type         string `json:"type"`
	Invalid      bool   `json:"invalid"`
	Share        bool   `json:"share"`
	Tracking     bool   `json:"tracking"`
}

// accountz serves /accountz when the source has accounts.
func (h *Handler) accountz(src AccountzSource) http.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) {
		h.count(AccountzPath)
		az, err := src.Accountz(&AccountzOptions{Account: r.URL.Query().Get("acc")})
		if err != nil {
			writeError(w, http.StatusBadRequest, err)
			return
		}
		writeJSON(w, r, az)
	}
}

// AccountStatzSource is the optional part of a Source that serves
// /accstatz.
type AccountStatzSource interface {
	AccountStatz(o *AccountStatzOptions) *AccountStatz
}

// accountStatz serves /accstatz: the accounts with connections, or with
// unused=1 every account (nats-server's endpoint takes no account filter).
func (h *Handler) accountStatz(src AccountStatzSource) http.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) {
		h.count(AccountStatzPath)
		unused, err := decodeBool(r.URL.Query(), "unused")
		if err != nil {
			writeError(w, http.StatusBadRequest, err)
			return
		}
		writeJSON(w, r, src.AccountStatz(&AccountStatzOptions{IncludeUnused: unused}))
	}
}
