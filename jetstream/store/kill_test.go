package store

import (
	"bufio"
	"bytes"
	"fmt"
	"os"
	"os/exec"
	"strconv"
	"testing"
	"time"
)

// TestKillNine stores messages in a child process, kills it with SIGKILL
// while it is writing, and checks that every message the child saw
// acknowledged (StoreMsg returned) is in the store.
func TestKillNine(t *testing.T) {
	if dir := os.Getenv("STORE_KILL_CHILD_DIR"); dir != "" {
		killChild(dir)
		return
	}
	dir := t.TempDir()
	cmd := exec.Command(os.Args[0], "-test.run=^TestKillNine$", "-test.count=1")
	cmd.Env = append(os.Environ(), "STORE_KILL_CHILD_DIR="+dir)
	out, err := cmd.StdoutPipe()
	if err != nil {
		t.Fatal(err)
	}
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	done := make(chan uint64, 1)
	go func() {
		var acked uint64
		sc := bufio.NewScanner(out)
		for sc.Scan() {
			if n, err := strconv.ParseUint(sc.Text(), 10, 64); err == nil {
				acked = n
				if n == 3000 {
					cmd.Process.Kill() // SIGKILL while the child keeps writing
				}
			}
		}
		done <- acked
	}()
	var acked uint64
	select {
	case acked = <-done:
	case <-time.After(60 * time.Second):
		cmd.Process.Kill()
		t.Fatal("child did not reach 3000 messages")
	}
	cmd.Wait()
	if acked < 3000 {
		t.Fatalf("child acked only %d", acked)
	}
	s, rec, err := OpenFileStore(FileConfig{Dir: dir, BlockSize: 64 << 10}, Config{})
	if err != nil {
		t.Fatal(err)
	}
	defer s.Stop()
	if err := s.Check(); err != nil {
		t.Fatal(err)
	}
	st := s.State()
	if st.LastSeq < acked || st.Msgs != st.LastSeq {
		t.Fatalf("acked %d, recovered %+v (dropped %v)", acked, st, rec.Dropped)
	}
	var sm StoreMsg
	for seq := uint64(1); seq <= acked; seq++ {
		m, err := s.LoadMsg(seq, &sm)
		if err != nil || !bytes.Equal(m.Msg, killPayload(seq)) {
			t.Fatalf("seq %d: %v %v", seq, m, err)
		}
	}
	t.Logf("acked %d, recovered %d, dropped %v", acked, st.Msgs, rec.Dropped)
}

func killPayload(seq uint64) []byte {
	return []byte(fmt.Sprintf("payload-%d-%s", seq, bytes.Repeat([]byte("x"), int(seq%200))))
}

func killChild(dir string) {
	s, _, err := OpenFileStore(FileConfig{Dir: dir, BlockSize: 64 << 10}, Config{})
	if err != nil {
		os.Exit(2)
	}
	w := bufio.NewWriter(os.Stdout)
	for seq := uint64(1); ; seq++ {
		got, err := s.StoreMsg("kill.test", nil, killPayload(seq), int64(seq), 0)
		if err != nil || got != seq {
			os.Exit(3)
		}
		// The ack goes out only after StoreMsg returned.
		fmt.Fprintln(w, seq)
		w.Flush()
	}
}
