package monitor

import (
	"strconv"
	"time"
)

// FormatUptime renders a duration the way nats-server shows uptime and
// idle time: whole seconds, with minutes, hours, days and years as they
// are reached ("45s", "3m2s", "1h0m5s", "2d3h0m0s", "1y2d0h0m0s").
func FormatUptime(d time.Duration) string {
	secs := int64(d / time.Second)
	if secs < 0 {
		secs = 0
	}
	mins, hours := secs/60, secs/3600
	days := hours / 24
	years := days / 365
	b := make([]byte, 0, 24)
	unit := func(n int64, u byte) {
		b = strconv.AppendInt(b, n, 10)
		b = append(b, u)
	}
	switch {
	case years > 0:
		unit(years, 'y')
		unit(days%365, 'd')
		unit(hours%24, 'h')
		unit(mins%60, 'm')
	case days > 0:
		unit(days, 'd')
		unit(hours%24, 'h')
		unit(mins%60, 'm')
	case hours > 0:
		unit(hours, 'h')
		unit(mins%60, 'm')
	case mins > 0:
		unit(mins, 'm')
	}
	unit(secs%60, 's')
	return string(b)
}

// FormatRTT renders a round-trip time rounded to the microsecond.
func FormatRTT(d time.Duration) string {
	return d.Round(time.Microsecond).String()
}
