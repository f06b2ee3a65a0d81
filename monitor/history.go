package monitor

import "time"

// HistoryLen is how many one-second samples the dashboard's charts cover:
// fifteen minutes.
const HistoryLen = 15 * 60

// Sample is one point of the dashboard's charts: the rates over the second
// before T, computed from /varz's totals.
type Sample struct {
	T        int64   `json:"t"` // Unix seconds
	InMsgs   float64 `json:"in_msgs"`
	OutMsgs  float64 `json:"out_msgs"`
	InBytes  float64 `json:"in_bytes"`
	OutBytes float64 `json:"out_bytes"`
	Conns    int     `json:"conns"`
}

// history is a fixed ring of the last HistoryLen samples. It keeps the
// previous totals to turn them into rates. It is used by one goroutine
// (the hub's) at a time, under the hub's lock.
type history struct {
	buf   [HistoryLen]Sample
	n     int // samples held, up to HistoryLen
	next  int // where the next one goes
	last  time.Time
	total [4]int64 // in msgs, out msgs, in bytes, out bytes at last
}

// add records v's totals and, from the second sample on, the rates since
// the previous one. It returns the new sample and whether there was one.
func (h *history) add(v *Varz) (Sample, bool) {
	tot := [4]int64{v.InMsgs, v.OutMsgs, v.InBytes, v.OutBytes}
	now := v.Now
	prev, prevAt := h.total, h.last
	h.total, h.last = tot, now
	dt := now.Sub(prevAt).Seconds()
	if prevAt.IsZero() || dt <= 0 {
		return Sample{}, false
	}
	rate := func(i int) float64 {
		d := tot[i] - prev[i]
		if d < 0 { // counters never go back; a reset is not a negative rate
			d = 0
		}
		return float64(d) / dt
	}
	s := Sample{T: now.Unix(), InMsgs: rate(0), OutMsgs: rate(1), InBytes: rate(2), OutBytes: rate(3), Conns: v.Connections}
	h.buf[h.next] = s
	h.next = (h.next + 1) % HistoryLen
	if h.n < HistoryLen {
		h.n++
	}
	return s, true
}

// snapshot returns the held samples, oldest first.
func (h *history) snapshot() []Sample {
	out := make([]Sample, 0, h.n)
	start := (h.next - h.n + HistoryLen) % HistoryLen
	for i := 0; i < h.n; i++ {
		out = append(out, h.buf[(start+i)%HistoryLen])
	}
	return out
}
