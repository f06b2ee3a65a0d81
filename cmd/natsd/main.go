// Command natsd runs a NATS server. It only turns the command line into
// options and runs the server; everything else lives in the packages.
package main

import (
	"errors"
	"fmt"
	"io"
	"os"
	"os/signal"
	"path/filepath"
	"sync/atomic"
	"syscall"
	"time"

	"github.com/natsd/natsd/logger"
	"github.com/natsd/natsd/server"
)

func main() {
	os.Exit(run(os.Args[1:], os.Stdout, os.Stderr))
}

func run(args []string, stdout, stderr io.Writer) int {
	if len(args) > 0 && args[0] == "passwd" {
		return runPasswd(args[1:], os.Stdin, stdout, stderr)
	}
	cmd, err := parseFlags(args, stderr)
	if err != nil {
		fmt.Fprintf(stderr, "natsd: %v\n", err)
		fmt.Fprintln(stderr, "Run 'natsd --help' for usage.")
		return 1
	}
	switch {
	case cmd.showHelp:
		fmt.Fprint(stdout, usage)
		return 0
	case cmd.showTLSHelp:
		fmt.Fprint(stdout, server.TLSHelp())
		return 0
	case cmd.showVersion:
		fmt.Fprintf(stdout, "natsd: v%s (compatible with nats-server v%s)\n", server.NatsdVersion, server.CompatVersion)
		return 0
	case cmd.healthcheck != "":
		return healthcheck(cmd.healthcheck, healthcheckTimeout, stdout, stderr)
	case cmd.signal != "":
		if err := sendSignal(cmd.signal); err != nil {
			fmt.Fprintf(stderr, "natsd: %v\n", err)
			return 1
		}
		return 0
	}
	if cmd.testConfig {
		if _, err := server.New(cmd.opts); err != nil {
			fmt.Fprintf(stderr, "natsd: %s: %v\n", cmd.configFile, err)
			return 1
		}
		fmt.Fprintf(stdout, "natsd: configuration file %s is valid (sha256:%s)\n", cmd.configFile, cmd.opts.ConfigDigest)
		return 0
	}

	s, err := server.New(cmd.opts)
	if err != nil {
		fmt.Fprintf(stderr, "natsd: %v\n", err)
		return 1
	}
	// The log can change on reload (file, rotation, format, times, syslog)
	// without the server noticing: Root swaps what is underneath.
	log, err := logger.NewRoot(logConfig(cmd.opts, stderr))
	if err != nil {
		fmt.Fprintf(stderr, "natsd: %v\n", err)
		return 1
	}
	defer log.Close()
	s.SetLogger(log)

	// On reload the file is read again and the flags applied over it, as
	// at start.
	s.SetConfigLoader(func() (*server.Options, error) {
		c, err := parseFlags(args, io.Discard)
		if err != nil {
			return nil, err
		}
		return c.opts, nil
	})
	var cur atomic.Pointer[server.Options] // the options in force, for serve
	cur.Store(cmd.opts)
	s.OnReload(func(o *server.Options) {
		cur.Store(o)
		if c := logConfig(o, stderr); c != log.Config() {
			if err := log.Configure(c); err != nil {
				log.Errorf("Reconfiguring logging, keeping the previous log settings: %v", err)
			}
		}
	})
	sigs := make(chan os.Signal, 4)
	signal.Notify(sigs, syscall.SIGINT, syscall.SIGTERM, syscall.SIGUSR1, syscall.SIGUSR2, syscall.SIGHUP)
	defer signal.Stop(sigs)
	if err := s.Start(); err != nil {
		fmt.Fprintf(stderr, "natsd: %v\n", err)
		return 1
	}
	if dir := cmd.opts.PortsFileDir; dir != "" {
		path, err := writePortsFile(dir, s.Addr(), s.MonitorAddr(), s.ClusterAddr(), s.ProfilingAddr())
		if err != nil {
			log.Errorf("%v", err)
		} else {
			defer os.Remove(path)
		}
	}
	return serve(s, sigs, log, cur.Load)
}

// logConfig is the logging the options ask for.
func logConfig(o *server.Options, stderr io.Writer) logger.Config {
	return logger.Config{
		Format: o.LogFormat, Time: o.Logtime, UTC: o.LogUTC, Debug: o.Debug, Trace: o.Trace,
		File: o.LogFile, SizeLimit: o.LogSizeLimit, MaxFiles: o.LogMaxFiles,
		Syslog: o.Syslog, RemoteSyslog: o.RemoteSyslog,
		Tag: filepath.Base(os.Args[0]), Stderr: stderr,
	}
}

// serve handles signals until the server is done.
func serve(s *server.Server, sigs <-chan os.Signal, log *logger.Root, opts func() *server.Options) int {
	done := make(chan struct{})
	var graceEnd time.Time // when lame-duck mode starts closing clients
	stopping := false
	for {
		select {
		case <-done:
			return 0
		case sig := <-sigs:
			switch sig {
			case syscall.SIGINT, syscall.SIGTERM:
				s.Logger().Noticef("Trapped %q signal", sig)
				if !graceEnd.IsZero() && !stopping {
					// As with nats-server, a stop signal during lame-duck
					// mode (Kubernetes sends SIGTERM right after a preStop
					// hook that started it) still gives the clients the
					// grace period to move, then shuts down. A second
					// signal shuts down at once.
					stopping = true
					t := time.NewTimer(time.Until(graceEnd))
					go func() {
						select {
						case <-t.C:
						case <-done:
						}
						s.Shutdown()
					}()
					continue
				}
				s.Shutdown()
				return 0
			case syscall.SIGUSR1:
				switch err := log.Reopen(); {
				case errors.Is(err, logger.ErrNoLogFile):
				case err != nil:
					log.Errorf("Reopening log file: %v", err)
				default:
					log.Noticef("File log re-opened")
				}
			case syscall.SIGUSR2:
				s.Logger().Noticef("Trapped %q signal", sig)
				if !graceEnd.IsZero() {
					continue // already in lame-duck mode
				}
				graceEnd = time.Now().Add(lameDuckGrace(opts()))
				go func() {
					s.LameDuckShutdown()
					close(done)
				}()
			case syscall.SIGHUP:
				s.Logger().Noticef("Trapped %q signal", sig)
				if err := s.Reload(); err != nil {
					s.Logger().Errorf("Failed to reload server configuration: %v", err)
				}
			}
		}
	}
}

// lameDuckGrace is how long lame-duck mode waits before closing clients:
// the server's defaults and rule for the grace period.
func lameDuckGrace(o *server.Options) time.Duration {
	grace, duration := o.LameDuckGracePeriod, o.LameDuckDuration
	if grace == 0 {
		grace = 10 * time.Second
	}
	if duration == 0 {
		duration = 2 * time.Minute
	}
	if grace >= duration {
		grace = duration / 2
	}
	return grace
}
