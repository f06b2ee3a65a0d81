package main

import (
	"fmt"
	"os"
	"sync"
)

// reopenableFile is the log file, which SIGUSR1 reopens so that logrotate
// can move the old one away.
type reopenableFile struct {
	mu   sync.Mutex
	path string
	f    *os.File
}

func openLogFile(path string) (*reopenableFile, error) {
	f, err := os.OpenFile(path, os.O_WRONLY|os.O_CREATE|os.O_APPEND, 0o640)
	if err != nil {
		return nil, fmt.Errorf("opening log file: %w", err)
	}
	return &reopenableFile{path: path, f: f}, nil
}

func (r *reopenableFile) Write(p []byte) (int, error) {
	r.mu.Lock()
	defer r.mu.Unlock()
	return r.f.Write(p)
}

// Reopen closes the file and opens the path again.
func (r *reopenableFile) Reopen() error {
	f, err := os.OpenFile(r.path, os.O_WRONLY|os.O_CREATE|os.O_APPEND, 0o640)
	if err != nil {
		return fmt.Errorf("reopening log file: %w", err)
	}
	r.mu.Lock()
	old := r.f
	r.f = f
	r.mu.Unlock()
	return old.Close()
}

// Close closes the file.
func (r *reopenableFile) Close() error {
	r.mu.Lock()
	defer r.mu.Unlock()
	return r.f.Close()
}

// Path is the file's current path.
func (r *reopenableFile) Path() string {
	r.mu.Lock()
	defer r.mu.Unlock()
	return r.path
}

// SetPath switches to another file (a reloaded log_file).
func (r *reopenableFile) SetPath(path string) error {
	r.mu.Lock()
	r.path = path
	r.mu.Unlock()
	return r.Reopen()
}
