package logger

import (
	"fmt"
	"os"
	"path/filepath"
	"sort"
	"strings"
	"sync"
	"time"
)

// backupTimeFormat is the suffix a rotated log file gets, in local time,
// as nats-server names them: nats.log.2026.11.27.20.55.00.352264232.
const backupTimeFormat = "2006.01.02.15.04.05.000000000"

// FileWriter is a log file. It can rotate by size: once a write takes the
// file past the limit, the file is renamed with a timestamp suffix, a new
// one is started, and the oldest backups beyond MaxFiles are deleted. It
// can also be reopened (SIGUSR1, after logrotate moved it) and switched to
// another path (a reloaded log_file).
type FileWriter struct {
	mu       sync.Mutex
	path     string
	f        *os.File
	size     int64
	limit    int64 // 0: never rotate
	maxFiles int   // files kept, the current one included; 0: all
	notice   func(msg string) []byte
	now      func() time.Time
}

// OpenFile opens (appending) or creates the log file at path. limit is the
// size in bytes past which it rotates (0: never); maxFiles is how many
// files, the current one included, rotation keeps (0: all).
func OpenFile(path string, limit int64, maxFiles int) (*FileWriter, error) {
	w := &FileWriter{path: path, limit: limit, maxFiles: maxFiles, now: time.Now}
	if err := w.open(); err != nil {
		return nil, err
	}
	return w, nil
}

func (w *FileWriter) open() error {
	f, err := os.OpenFile(w.path, os.O_WRONLY|os.O_CREATE|os.O_APPEND, 0o640)
	if err != nil {
		return fmt.Errorf("opening log file: %w", err)
	}
	st, err := f.Stat()
	if err != nil {
		f.Close()
		return fmt.Errorf("opening log file: %w", err)
	}
	w.f, w.size = f, st.Size()
	return nil
}

// SetNoticeFormat sets how the writer formats the lines it writes about
// rotation ("Rotated log, backup saved as ..."), so that they look like the
// rest of the log. By default they are written as they are.
func (w *FileWriter) SetNoticeFormat(f func(msg string) []byte) {
	w.mu.Lock()
	w.notice = f
	w.mu.Unlock()
}

// SetLimits changes the rotation size and the number of files kept.
func (w *FileWriter) SetLimits(limit int64, maxFiles int) {
	w.mu.Lock()
	w.limit, w.maxFiles = limit, maxFiles
	w.mu.Unlock()
}

// Write appends p, then rotates if the file has grown past the limit.
func (w *FileWriter) Write(p []byte) (int, error) {
	w.mu.Lock()
	defer w.mu.Unlock()
	n, err := w.f.Write(p)
	w.size += int64(n)
	if w.limit > 0 && w.size > w.limit {
		w.rotate()
	}
	return n, err
}

// rotate renames the current file to its backup name and starts a new one.
// A failure leaves the current file in use and is noted in it; rotation is
// tried again once the file has grown by another limit.
func (w *FileWriter) rotate() {
	backup := w.path + "." + w.now().Format(backupTimeFormat)
	if err := os.Rename(w.path, backup); err != nil {
		w.size = 0
		w.writeNotice(fmt.Sprintf("Failed to rotate log file: %v", err))
		return
	}
	old := w.f
	if err := w.open(); err != nil {
		// Keep writing to the renamed file rather than lose the log.
		w.size = 0
		w.writeNotice(fmt.Sprintf("Failed to rotate log file: %v", err))
		return
	}
	old.Close()
	w.writeNotice(fmt.Sprintf("Rotated log, backup saved as %q", backup))
	for _, purged := range w.purge() {
		w.writeNotice(fmt.Sprintf("Purged log file %q", purged))
	}
}

func (w *FileWriter) writeNotice(msg string) {
	var line []byte
	if w.notice != nil {
		line = w.notice(msg)
	} else {
		line = []byte(msg + "\n")
	}
	n, _ := w.f.Write(line)
	w.size += int64(n)
}

// purge deletes the oldest backups so that at most maxFiles files remain,
// the current one included, and returns the names it deleted.
func (w *FileWriter) purge() []string {
	if w.maxFiles <= 0 {
		return nil
	}
	backups := Backups(w.path)
	var purged []string
	for len(backups) > w.maxFiles-1 {
		if err := os.Remove(backups[0]); err == nil {
			purged = append(purged, filepath.Base(backups[0]))
		}
		backups = backups[1:]
	}
	return purged
}

// Backups lists the rotated backups of the log file at path, oldest first.
func Backups(path string) []string {
	dir, base := filepath.Split(path)
	if dir == "" {
		dir = "."
	}
	entries, err := os.ReadDir(dir)
	if err != nil {
		return nil
	}
	var out []string
	for _, e := range entries {
		suffix, ok := strings.CutPrefix(e.Name(), base+".")
		if !ok || e.IsDir() || len(suffix) != len(backupTimeFormat) {
			continue
		}
		if _, err := time.ParseInLocation(backupTimeFormat, suffix, time.Local); err != nil {
			continue
		}
		out = append(out, filepath.Join(dir, e.Name()))
	}
	// The fixed-width timestamp sorts chronologically.
	sort.Strings(out)
	return out
}

// Reopen closes the file and opens its path again (after logrotate moved
// it away, the writes go to a new file).
func (w *FileWriter) Reopen() error {
	w.mu.Lock()
	defer w.mu.Unlock()
	return w.reopen()
}

func (w *FileWriter) reopen() error {
	old := w.f
	if err := w.open(); err != nil {
		w.f = old
		return err
	}
	return old.Close()
}

// SetPath switches to another file (a reloaded log_file).
func (w *FileWriter) SetPath(path string) error {
	w.mu.Lock()
	defer w.mu.Unlock()
	prev := w.path
	w.path = path
	if err := w.reopen(); err != nil {
		w.path = prev
		return err
	}
	return nil
}

// Path is the file's current path.
func (w *FileWriter) Path() string {
	w.mu.Lock()
	defer w.mu.Unlock()
	return w.path
}

// Close closes the file.
func (w *FileWriter) Close() error {
	w.mu.Lock()
	defer w.mu.Unlock()
	return w.f.Close()
}
