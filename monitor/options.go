package monitor

import (
	"fmt"
	"net/url"
	"strconv"
	"strings"
)

// DefaultLimit is the page size of /connz and /subsz when none is asked.
const DefaultLimit = 1024

// SortOpt is a /connz sort key.
type SortOpt string

// The /connz sort keys.
const (
	ByCid      SortOpt = "cid"
	ByStart    SortOpt = "start"
	BySubs     SortOpt = "subs"
	ByPending  SortOpt = "pending"
	ByOutMsgs  SortOpt = "msgs_to"
	ByInMsgs   SortOpt = "msgs_from"
	ByOutBytes SortOpt = "bytes_to"
	ByInBytes  SortOpt = "bytes_from"
	ByLast     SortOpt = "last"
	ByIdle     SortOpt = "idle"
	ByUptime   SortOpt = "uptime"
	ByStop     SortOpt = "stop"
	ByReason   SortOpt = "reason"
	ByRTT      SortOpt = "rtt"
)

// IsValid reports whether s is a known sort key.
func (s SortOpt) IsValid() bool {
	switch s {
	case "", ByCid, ByStart, BySubs, ByPending, ByOutMsgs, ByInMsgs, ByOutBytes, ByInBytes,
		ByLast, ByIdle, ByUptime, ByStop, ByReason, ByRTT:
		return true
	}
	return false
}

// ConnState selects open, closed or all connections in /connz.
type ConnState int

// Connection states.
const (
	ConnOpen ConnState = iota
	ConnClosed
	ConnAll
)

func (s ConnState) String() string {
	switch s {
	case ConnClosed:
		return "closed"
	case ConnAll:
		return "any"
	}
	return "open"
}

// ConnzOptions are /connz's query parameters. The JSON names are those
// of a $SYS.REQ ... CONNZ request's body (sysreq in package server).
type ConnzOptions struct {
	Sort                SortOpt   `json:"sort"`                 // sort=
	Username            bool      `json:"auth"`                 // auth=1: show authorized_user
	Subscriptions       bool      `json:"subscriptions"`        // subs=1: list subjects
	SubscriptionsDetail bool      `json:"subscriptions_detail"` // subs=detail: list subscriptions in full
	Offset              int       `json:"offset"`               // offset=
	Limit               int       `json:"limit"`                // limit= (DefaultLimit when 0)
	CID                 uint64    `json:"cid"`                  // cid=: only this connection
	State               ConnState `json:"state"`                // state=open|closed|any
	User                string    `json:"user"`                 // user=: only connections of this user
	Account             string    `json:"acc"`                  // acc=: only connections of this account
}

// SubszOptions are /subsz's query parameters (JSON: a SUBSZ request's).
type SubszOptions struct {
	Offset        int    `json:"offset"`        // offset=
	Limit         int    `json:"limit"`         // limit= (DefaultLimit when 0)
	Subscriptions bool   `json:"subscriptions"` // subs=1: list the subscriptions
	Test          string `json:"test"`          // test=<subject>: only subscriptions matching it
	Account       string `json:"account"`       // acc=: only this account's subscriptions
}

// RoutezOptions are /routez's query parameters (JSON: a ROUTEZ request's).
type RoutezOptions struct {
	Subscriptions       bool `json:"subscriptions"`        // subs=1
	SubscriptionsDetail bool `json:"subscriptions_detail"` // subs=detail
}

// ParseConnzOptions reads /connz's query. Errors are the caller's 400s.
func ParseConnzOptions(q url.Values) (*ConnzOptions, error) {
	o := &ConnzOptions{Sort: SortOpt(q.Get("sort")), User: q.Get("user"), Account: q.Get("acc")}
	var err error
	if o.Subscriptions, o.SubscriptionsDetail, err = decodeSubs(q); err != nil {
		return nil, err
	}
	if o.Username, err = decodeBool(q, "auth"); err != nil {
		return nil, err
	}
	if o.Offset, err = decodeInt(q, "offset"); err != nil {
		return nil, err
	}
	if o.Limit, err = decodeInt(q, "limit"); err != nil {
		return nil, err
	}
	if v := q.Get("cid"); v != "" {
		if o.CID, err = strconv.ParseUint(v, 10, 64); err != nil {
			return nil, fmt.Errorf("Error decoding uint64 for 'cid': %v", err)
		}
	}
	switch v := strings.ToLower(q.Get("state")); v {
	case "", "open":
		o.State = ConnOpen
	case "closed":
		o.State = ConnClosed
	case "any", "all":
		o.State = ConnAll
	default:
		return nil, fmt.Errorf("Error decoding state for %s", q.Get("state"))
	}
	return o, nil
}

// Validate checks the combination of options, as the /connz handler does
// after it has counted the request.
func (o *ConnzOptions) Validate() error {
	if !o.Sort.IsValid() {
		return fmt.Errorf("invalid sorting option: %s", o.Sort)
	}
	if (o.Sort == ByStop || o.Sort == ByReason) && o.State != ConnClosed {
		return fmt.Errorf("sort by %s only valid on closed connections", o.Sort)
	}
	return nil
}

// Normalize applies the defaults: limit DefaultLimit, offset at least 0,
// and a limit of 1 when a single cid is asked for.
func (o *ConnzOptions) Normalize() {
	if o.Sort == "" {
		o.Sort = ByCid
	}
	if o.Offset < 0 {
		o.Offset = 0
	}
	if o.Limit <= 0 {
		o.Limit = DefaultLimit
	}
	if o.CID > 0 {
		o.Limit = 1
	}
}

// ParseSubszOptions reads /subsz's query.
func ParseSubszOptions(q url.Values) (*SubszOptions, error) {
	o := &SubszOptions{Test: q.Get("test"), Account: q.Get("acc")}
	var err error
	if o.Subscriptions, err = decodeBool(q, "subs"); err != nil {
		return nil, err
	}
	if o.Offset, err = decodeInt(q, "offset"); err != nil {
		return nil, err
	}
	if o.Limit, err = decodeInt(q, "limit"); err != nil {
		return nil, err
	}
	if o.Test != "" && !validLiteralSubject(o.Test) {
		return nil, fmt.Errorf("invalid test subject, must be valid publish subject: %s", o.Test)
	}
	return o, nil
}

// Normalize applies the defaults.
func (o *SubszOptions) Normalize() {
	if o.Offset < 0 {
		o.Offset = 0
	}
	if o.Limit <= 0 {
		o.Limit = DefaultLimit
	}
}

// ParseRoutezOptions reads /routez's query.
func ParseRoutezOptions(q url.Values) (*RoutezOptions, error) {
	o := &RoutezOptions{}
	var err error
	if o.Subscriptions, o.SubscriptionsDetail, err = decodeSubs(q); err != nil {
		return nil, err
	}
	return o, nil
}

// decodeSubs reads subs=1 (a boolean) or subs=detail.
func decodeSubs(q url.Values) (subs, detail bool, err error) {
	if q.Get("subs") == "detail" {
		return false, true, nil
	}
	subs, err = decodeBool(q, "subs")
	return subs, false, err
}

func decodeBool(q url.Values, name string) (bool, error) {
	v := q.Get(name)
	if v == "" {
		return false, nil
	}
	b, err := strconv.ParseBool(v)
	if err != nil {
		return false, fmt.Errorf("Error decoding boolean for '%s': %v", name, err)
	}
	return b, nil
}

func decodeInt(q url.Values, name string) (int, error) {
	v := q.Get(name)
	if v == "" {
		return 0, nil
	}
	n, err := strconv.Atoi(v)
	if err != nil {
		return 0, fmt.Errorf("Error decoding int for '%s': %v", name, err)
	}
	return n, nil
}

// validLiteralSubject reports whether s is a subject one may publish to:
// non-empty tokens separated by dots, no wildcards, no white space.
func validLiteralSubject(s string) bool {
	if s == "" {
		return false
	}
	for _, tok := range strings.Split(s, ".") {
		if tok == "" || tok == "*" || tok == ">" {
			return false
		}
		if strings.ContainsAny(tok, " \t\r\n") {
			return false
		}
	}
	return true
}
