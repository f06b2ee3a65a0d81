// Command natsd runs a NATS server. It only turns the command line into
// options and runs the server; everything else lives in the packages.
package main

import (
	"fmt"
	"io"
	"os"
	"os/signal"
	"syscall"

	"github.com/natsd/natsd/logger"
	"github.com/natsd/natsd/server"
)

func main() {
	os.Exit(run(os.Args[1:], os.Stdout, os.Stderr))
}

func run(args []string, stdout, stderr io.Writer) int {
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
	case cmd.showVersion:
		fmt.Fprintf(stdout, "natsd: v%s\n", server.Version)
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
		fmt.Fprintf(stdout, "natsd: configuration file %s is valid\n", cmd.configFile)
		return 0
	}

	var logOut io.Writer = stderr
	var logFile *reopenableFile
	if cmd.opts.LogFile != "" {
		f, err := openLogFile(cmd.opts.LogFile)
		if err != nil {
			fmt.Fprintf(stderr, "natsd: %v\n", err)
			return 1
		}
		defer f.Close()
		logOut, logFile = f, f
	}
	s, err := server.New(cmd.opts)
	if err != nil {
		fmt.Fprintf(stderr, "natsd: %v\n", err)
		return 1
	}
	s.SetLogger(logger.NewText(logOut, logger.Options{
		Time: cmd.opts.Logtime, UTC: cmd.opts.LogUTC, Debug: cmd.opts.Debug, Trace: cmd.opts.Trace,
	}))

	// On reload the file is read again and the flags applied over it, as
	// at start.
	s.SetConfigLoader(func() (*server.Options, error) {
		c, err := parseFlags(args, io.Discard)
		if err != nil {
			return nil, err
		}
		return c.opts, nil
	})
	if logFile != nil {
		s.OnReload(func(o *server.Options) {
			if o.LogFile != "" && o.LogFile != logFile.Path() {
				if err := logFile.SetPath(o.LogFile); err != nil {
					s.Logger().Errorf("Switching log file: %v", err)
				}
			}
		})
	}
	sigs := make(chan os.Signal, 4)
	signal.Notify(sigs, syscall.SIGINT, syscall.SIGTERM, syscall.SIGUSR1, syscall.SIGUSR2, syscall.SIGHUP)
	defer signal.Stop(sigs)
	if err := s.Start(); err != nil {
		fmt.Fprintf(stderr, "natsd: %v\n", err)
		return 1
	}
	return serve(s, sigs, logFile)
}

// serve handles signals until the server is done.
func serve(s *server.Server, sigs <-chan os.Signal, logFile *reopenableFile) int {
	done := make(chan struct{})
	for {
		select {
		case <-done:
			return 0
		case sig := <-sigs:
			switch sig {
			case syscall.SIGINT, syscall.SIGTERM:
				s.Logger().Noticef("Trapped %q signal", sig)
				s.Shutdown()
				return 0
			case syscall.SIGUSR1:
				if logFile != nil {
					if err := logFile.Reopen(); err != nil {
						s.Logger().Errorf("Reopening log file: %v", err)
					} else {
						s.Logger().Noticef("File log re-opened")
					}
				}
			case syscall.SIGUSR2:
				s.Logger().Noticef("Trapped %q signal", sig)
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
