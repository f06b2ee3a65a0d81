//go:build !linux

package server

// readProcUsage has no /proc to read here; cpuSampler falls back to the Go
// runtime's memory figure and reports no CPU use.
func readProcUsage() (rss int64, cpuSeconds float64, ok bool) { return 0, 0, false }
