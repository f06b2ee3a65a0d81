package logger

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"
)

// fakeClock returns times one second apart, so backup names differ.
func fakeClock() func() time.Time {
	t := time.Date(2026, 11, 27, 20, 55, 0, 352264000, time.Local)
	return func() time.Time {
		t = t.Add(time.Second)
		return t
	}
}

func readFile(t *testing.T, path string) string {
	t.Helper()
	b, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	return string(b)
}

func TestFileWriterRotates(t *testing.T) {
	path := filepath.Join(t.TempDir(), "nats.log")
	w, err := OpenFile(path, 100, 0)
	if err != nil {
		t.Fatal(err)
	}
	defer w.Close()
	w.now = fakeClock()
	line := strings.Repeat("x", 59) + "\n" // 60 bytes
	for i := 0; i < 2; i++ {
		if _, err := w.Write([]byte(line)); err != nil {
			t.Fatal(err)
		}
	}
	// 120 bytes passed the limit: the file was rotated after the write.
	backups := Backups(path)
	if len(backups) != 1 {
		t.Fatalf("backups %v", backups)
	}
	if want := path + ".2026.11.27.20.55.01.352264000"; backups[0] != want {
		t.Errorf("backup %s, want %s", backups[0], want)
	}
	if got := readFile(t, backups[0]); got != line+line {
		t.Errorf("backup holds %q", got)
	}
	if got, want := readFile(t, path), `Rotated log, backup saved as "`+backups[0]+"\"\n"; got != want {
		t.Errorf("new file holds %q, want %q", got, want)
	}
	st, err := os.Stat(path)
	if err != nil || st.Mode().Perm() != 0o640 {
		t.Errorf("mode %v, %v", st.Mode(), err)
	}
}

func TestFileWriterKeepsMaxFiles(t *testing.T) {
	dir := t.TempDir()
	path := filepath.Join(dir, "nats.log")
	// Files that only look like backups are left alone.
	for _, name := range []string{"nats.log.old", "nats.log.2026.11.27.20.55.00", "other.log.2026.11.27.20.55.00.352264000"} {
		if err := os.WriteFile(filepath.Join(dir, name), nil, 0o644); err != nil {
			t.Fatal(err)
		}
	}
	w, err := OpenFile(path, 50, 3)
	if err != nil {
		t.Fatal(err)
	}
	defer w.Close()
	w.now = fakeClock()
	w.SetNoticeFormat(func(msg string) []byte { return []byte("[INF] " + msg + "\n") })
	for i := 0; i < 10; i++ {
		w.Write([]byte(strings.Repeat("y", 60) + "\n"))
	}
	backups := Backups(path)
	if len(backups) != 2 {
		t.Fatalf("kept %d backups, want 2 (3 files with the current one): %v", len(backups), backups)
	}
	if !strings.HasSuffix(backups[1], ".2026.11.27.20.55.10.352264000") {
		t.Errorf("newest backup %s", backups[1])
	}
	cur := readFile(t, path)
	if !strings.HasPrefix(cur, "[INF] Rotated log, backup saved as ") ||
		!strings.Contains(cur, `[INF] Purged log file "nats.log.2026.11.27.20.55.08.352264000"`) {
		t.Errorf("current file: %q", cur)
	}
	for _, name := range []string{"nats.log.old", "nats.log.2026.11.27.20.55.00", "other.log.2026.11.27.20.55.00.352264000"} {
		if _, err := os.Stat(filepath.Join(dir, name)); err != nil {
			t.Errorf("%s: %v", name, err)
		}
	}

	// One file: backups are deleted as soon as they are made.
	w.SetLimits(50, 1)
	w.Write([]byte(strings.Repeat("z", 60) + "\n"))
	if b := Backups(path); len(b) != 0 {
		t.Errorf("backups with logfile_max_num 1: %v", b)
	}
}

func TestFileWriterNoLimit(t *testing.T) {
	path := filepath.Join(t.TempDir(), "nats.log")
	if err := os.WriteFile(path, []byte("before\n"), 0o640); err != nil {
		t.Fatal(err)
	}
	w, err := OpenFile(path, 0, 2)
	if err != nil {
		t.Fatal(err)
	}
	defer w.Close()
	for i := 0; i < 100; i++ {
		w.Write([]byte("line\n"))
	}
	if b := Backups(path); len(b) != 0 {
		t.Errorf("rotated without a limit: %v", b)
	}
	if got := readFile(t, path); !strings.HasPrefix(got, "before\nline\n") || len(got) != 7+500 {
		t.Errorf("file has %d bytes", len(got))
	}
}

func TestFileWriterCountsExistingSize(t *testing.T) {
	path := filepath.Join(t.TempDir(), "nats.log")
	if err := os.WriteFile(path, []byte(strings.Repeat("a", 90)), 0o640); err != nil {
		t.Fatal(err)
	}
	w, err := OpenFile(path, 100, 0)
	if err != nil {
		t.Fatal(err)
	}
	defer w.Close()
	w.Write([]byte(strings.Repeat("b", 20)))
	if b := Backups(path); len(b) != 1 {
		t.Fatalf("appending past the limit did not rotate: %v", b)
	}
}

func TestFileWriterReopenAndSetPath(t *testing.T) {
	dir := t.TempDir()
	path := filepath.Join(dir, "a.log")
	w, err := OpenFile(path, 0, 0)
	if err != nil {
		t.Fatal(err)
	}
	defer w.Close()
	w.Write([]byte("one\n"))
	// logrotate moves the file away; writes follow it until the reopen.
	moved := path + ".1"
	if err := os.Rename(path, moved); err != nil {
		t.Fatal(err)
	}
	w.Write([]byte("two\n"))
	if err := w.Reopen(); err != nil {
		t.Fatal(err)
	}
	w.Write([]byte("three\n"))
	if got := readFile(t, moved); got != "one\ntwo\n" {
		t.Errorf("moved file %q", got)
	}
	if got := readFile(t, path); got != "three\n" {
		t.Errorf("reopened file %q", got)
	}

	other := filepath.Join(dir, "b.log")
	if err := w.SetPath(other); err != nil {
		t.Fatal(err)
	}
	w.Write([]byte("four\n"))
	if w.Path() != other || readFile(t, other) != "four\n" {
		t.Errorf("after SetPath: %s %q", w.Path(), readFile(t, other))
	}
	if err := w.SetPath(filepath.Join(dir, "missing", "c.log")); err == nil {
		t.Fatal("SetPath to a missing directory succeeded")
	}
	w.Write([]byte("five\n"))
	if w.Path() != other || readFile(t, other) != "four\nfive\n" {
		t.Errorf("a failed SetPath changed the file: %s %q", w.Path(), readFile(t, other))
	}
}
