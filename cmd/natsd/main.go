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
	}
	if cmd.configFile != "" {
		fmt.Fprintf(stderr, "natsd: configuration files are not supported yet (-c %s)\n", cmd.configFile)
		return 1
	}
	if cmd.testConfig {
		fmt.Fprintln(stdout, "natsd: configuration is valid")
		return 0
	}

	var logOut io.Writer = stderr
	if cmd.opts.LogFile != "" {
		f, err := os.OpenFile(cmd.opts.LogFile, os.O_WRONLY|os.O_CREATE|os.O_APPEND, 0o640)
		if err != nil {
			fmt.Fprintf(stderr, "natsd: opening log file: %v\n", err)
			return 1
		}
		defer f.Close()
		logOut = f
	}
	s, err := server.New(cmd.opts)
	if err != nil {
		fmt.Fprintf(stderr, "natsd: %v\n", err)
		return 1
	}
	s.SetLogger(logger.NewText(logOut, logger.Options{
		Time: cmd.opts.Logtime, UTC: cmd.opts.LogUTC, Debug: cmd.opts.Debug, Trace: cmd.opts.Trace,
	}))

	sigs := make(chan os.Signal, 1)
	signal.Notify(sigs, syscall.SIGINT, syscall.SIGTERM)
	if err := s.Start(); err != nil {
		fmt.Fprintf(stderr, "natsd: %v\n", err)
		return 1
	}
	sig := <-sigs
	s.Logger().Noticef("Trapped %q signal", sig)
	s.Shutdown()
	return 0
}
