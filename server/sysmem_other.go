//go:build !linux

package server

// totalMemory is unknown here: JetStream's default memory limit falls back
// to its fixed minimum (set max_memory_store to choose one).
func totalMemory() int64 { return 0 }
