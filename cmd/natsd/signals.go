package main

import (
	"fmt"
	"os"
	"os/exec"
	"strconv"
	"strings"
	"syscall"
)

// signalCommands maps --signal names to the signals the server handles,
// the same as nats-server's.
var signalCommands = map[string]syscall.Signal{
	"stop":   syscall.SIGKILL,
	"quit":   syscall.SIGINT,
	"term":   syscall.SIGTERM,
	"reopen": syscall.SIGUSR1,
	"reload": syscall.SIGHUP,
	"ldm":    syscall.SIGUSR2,
}

// sendSignal implements --signal NAME[=PID or pid file]. Without a target
// it signals the only running natsd process, and refuses to guess among
// several.
func sendSignal(spec string) error {
	name, target, _ := strings.Cut(spec, "=")
	sig, ok := signalCommands[strings.ToLower(name)]
	if !ok {
		return fmt.Errorf("unknown signal %q (use stop, quit, term, reopen, reload or ldm)", name)
	}
	pid, err := resolvePID(target)
	if err != nil {
		return err
	}
	if err := syscall.Kill(pid, sig); err != nil {
		return fmt.Errorf("signal %s to pid %d: %w", name, pid, err)
	}
	return nil
}

func resolvePID(target string) (int, error) {
	if target == "" {
		out, err := exec.Command("pgrep", "-x", "natsd").Output()
		if err != nil {
			return 0, fmt.Errorf("no natsd process found (name a PID or pid file: --signal reload=PID)")
		}
		var pids []int
		for _, f := range strings.Fields(string(out)) {
			if p, err := strconv.Atoi(f); err == nil && p != os.Getpid() {
				pids = append(pids, p)
			}
		}
		switch len(pids) {
		case 0:
			return 0, fmt.Errorf("no natsd process found")
		case 1:
			return pids[0], nil
		default:
			return 0, fmt.Errorf("several natsd processes (%v): name a PID or pid file", pids)
		}
	}
	if pid, err := strconv.Atoi(target); err == nil {
		return pid, nil
	}
	b, err := os.ReadFile(target)
	if err != nil {
		return 0, fmt.Errorf("reading pid file: %w", err)
	}
	pid, err := strconv.Atoi(strings.TrimSpace(string(b)))
	if err != nil {
		return 0, fmt.Errorf("pid file %s: %q is not a PID", target, strings.TrimSpace(string(b)))
	}
	return pid, nil
}
