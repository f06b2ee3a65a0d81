package server

import (
	"bytes"
	"os"
	"strconv"
)

// clockTicks is USER_HZ, the unit of /proc/self/stat's CPU times; it is
// 100 on every Linux platform Go supports.
const clockTicks = 100

// readProcUsage reads the resident set size (bytes) and the CPU time used
// so far (seconds) from /proc/self.
func readProcUsage() (rss int64, cpuSeconds float64, ok bool) {
	stat, err := os.ReadFile("/proc/self/stat")
	if err != nil {
		return 0, 0, false
	}
	// The command name is in parentheses and may hold spaces: fields are
	// counted from the last ')'.
	i := bytes.LastIndexByte(stat, ')')
	if i < 0 {
		return 0, 0, false
	}
	f := bytes.Fields(stat[i+1:])
	// After ')': state is field 3 of the man page, utime 14, stime 15,
	// rss 24 (in pages); f[0] is field 3.
	if len(f) < 22 {
		return 0, 0, false
	}
	utime, err1 := strconv.ParseInt(string(f[11]), 10, 64)
	stime, err2 := strconv.ParseInt(string(f[12]), 10, 64)
	pages, err3 := strconv.ParseInt(string(f[21]), 10, 64)
	if err1 != nil || err2 != nil || err3 != nil {
		return 0, 0, false
	}
	return pages * int64(os.Getpagesize()), float64(utime+stime) / clockTicks, true
}
