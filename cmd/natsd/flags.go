package main

import (
	"errors"
	"flag"
	"fmt"
	"io"
	"time"

	"github.com/natsd/natsd/server"
)

// command is what the command line asks for besides running the server.
type command struct {
	opts        *server.Options
	configFile  string
	showVersion bool
	showHelp    bool
	testConfig  bool
	signal      string // --signal NAME[=PID]
}

const usage = `Usage: natsd [options]

Server Options:
    -a, --addr, --net <host>         Bind to host address (default: 0.0.0.0)
    -p, --port <port>                Use port for clients (default: 4222)
    -n, --name
        --server_name <server_name>  Server name (default: auto)
    -P, --pid <file>                 File to store PID
    -m, --http_port <port>           Use port for http monitoring
    -c, --config <file>              Configuration file
    -t                               Test configuration and exit
    -sl,--signal <signal>[=<pid>]    Send signal to natsd process (ldm, stop, quit, term, reopen, reload)
                                     <pid> can be either a PID (e.g. 1) or the path to a PID file

Limits:
        --max_payload <size>         Largest message payload (default: 1MB)
        --max_control_line <size>    Longest protocol line (default: 4KB)
        --max_connections <n>        Most client connections (default: 65536)
        --max_subscriptions <n>      Most subscriptions per connection (default: unlimited)
        --max_pending <size>         Outbound backlog per connection before it is
                                     cut off as a slow consumer (default: 64MB)
        --write_deadline <duration>  Longest a write may block (default: 10s)
        --ping_interval <duration>   Interval between server pings (default: 2m)
        --ping_max <n>               Unanswered pings before a connection is stale (default: 2)
        --auth_timeout <duration>    Time a client has to authenticate (default: 2s)
        --lame_duck_duration <d>     Time over which lame-duck mode closes clients (default: 2m)
        --lame_duck_grace_period <d> Wait before lame-duck mode starts closing clients (default: 10s)

Logging Options:
    -l, --log <file>                 File to redirect log output
    -T, --logtime                    Timestamp log entries (default: true)
        --logtime_utc                Timestamps in UTC instead of local timezone (default: false)
    -D, --debug                      Enable debugging output
    -V, --trace                      Trace the raw protocol
    -DV                              Debug and trace

Authorization Options:
        --user <user>                User required for connections
        --pass <password>            Password required for connections
        --auth <token>               Authorization token required for connections

Common Options:
    -h, --help                       Show this message
    -v, --version                    Show version
`

// sizeValue is a flag holding a byte size such as 1MB or 64KB.
type sizeValue struct{ p *int64 }

func (v sizeValue) String() string {
	if v.p == nil {
		return "0"
	}
	return fmt.Sprint(*v.p)
}

func (v sizeValue) Set(s string) error {
	n, err := parseSize(s)
	if err != nil {
		return err
	}
	*v.p = n
	return nil
}

// parseFlags turns the command line into options. Both -x and --x work,
// as with Go's flag package; an unknown flag or bad value is an error.
func parseFlags(args []string, errOut io.Writer) (*command, error) {
	opts := &server.Options{Logtime: true}
	cmd := &command{opts: opts}
	fs := flag.NewFlagSet("natsd", flag.ContinueOnError)
	fs.SetOutput(errOut)
	fs.Usage = func() { fmt.Fprint(errOut, usage) }

	for _, n := range []string{"a", "addr", "net"} {
		fs.StringVar(&opts.Host, n, "", "")
	}
	for _, n := range []string{"p", "port"} {
		fs.IntVar(&opts.Port, n, 0, "")
	}
	for _, n := range []string{"n", "name", "server_name"} {
		fs.StringVar(&opts.ServerName, n, "", "")
	}
	for _, n := range []string{"P", "pid"} {
		fs.StringVar(&opts.PidFile, n, "", "")
	}
	for _, n := range []string{"m", "http_port"} {
		fs.IntVar(&opts.HTTPPort, n, 0, "")
	}
	for _, n := range []string{"c", "config"} {
		fs.StringVar(&cmd.configFile, n, "", "")
	}
	fs.BoolVar(&cmd.testConfig, "t", false, "")
	for _, n := range []string{"sl", "signal"} {
		fs.StringVar(&cmd.signal, n, "", "")
	}
	fs.DurationVar(&opts.LameDuckDuration, "lame_duck_duration", 0, "")
	fs.DurationVar(&opts.LameDuckGracePeriod, "lame_duck_grace_period", 0, "")
	for _, n := range []string{"l", "log"} {
		fs.StringVar(&opts.LogFile, n, "", "")
	}
	for _, n := range []string{"T", "logtime"} {
		fs.BoolVar(&opts.Logtime, n, true, "")
	}
	fs.BoolVar(&opts.LogUTC, "logtime_utc", false, "")
	for _, n := range []string{"D", "debug"} {
		fs.BoolVar(&opts.Debug, n, false, "")
	}
	for _, n := range []string{"V", "trace"} {
		fs.BoolVar(&opts.Trace, n, false, "")
	}
	var debugTrace bool
	fs.BoolVar(&debugTrace, "DV", false, "")
	fs.StringVar(&opts.Username, "user", "", "")
	fs.StringVar(&opts.Password, "pass", "", "")
	fs.StringVar(&opts.Authorization, "auth", "", "")
	for _, n := range []string{"v", "version"} {
		fs.BoolVar(&cmd.showVersion, n, false, "")
	}
	for _, n := range []string{"h", "help"} {
		fs.BoolVar(&cmd.showHelp, n, false, "")
	}

	var maxPayload, maxControl, maxPending int64
	fs.Var(sizeValue{&maxPayload}, "max_payload", "")
	fs.Var(sizeValue{&maxControl}, "max_control_line", "")
	fs.Var(sizeValue{&maxPending}, "max_pending", "")
	fs.IntVar(&opts.MaxConnections, "max_connections", 0, "")
	fs.IntVar(&opts.MaxSubscriptions, "max_subscriptions", 0, "")
	fs.DurationVar(&opts.WriteDeadline, "write_deadline", 0, "")
	fs.DurationVar(&opts.PingInterval, "ping_interval", 0, "")
	fs.IntVar(&opts.MaxPingsOut, "ping_max", 0, "")
	fs.DurationVar(&opts.AuthTimeout, "auth_timeout", 0, "")

	if err := fs.Parse(args); err != nil {
		if errors.Is(err, flag.ErrHelp) {
			cmd.showHelp = true
			return cmd, nil
		}
		return nil, err
	}
	if fs.NArg() > 0 {
		return nil, fmt.Errorf("unexpected argument %q", fs.Arg(0))
	}
	if debugTrace {
		opts.Debug, opts.Trace = true, true
	}
	if maxPayload > 1<<31-1 || maxControl > 1<<31-1 {
		return nil, fmt.Errorf("max_payload and max_control_line must be below 2GB")
	}
	opts.MaxPayload = int32(maxPayload)
	opts.MaxControlLine = int32(maxControl)
	opts.MaxPending = maxPending
	for _, d := range []time.Duration{opts.WriteDeadline, opts.PingInterval, opts.AuthTimeout, opts.LameDuckDuration, opts.LameDuckGracePeriod} {
		if d < 0 {
			return nil, fmt.Errorf("durations must not be negative: %v", d)
		}
	}
	return cmd, nil
}
