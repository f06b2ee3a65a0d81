package main

import (
	"errors"
	"flag"
	"fmt"
	"io"
	"strconv"
	"strings"
	"time"

	"github.com/natsd/natsd/logger"
	"github.com/natsd/natsd/server"
)

// command is what the command line asks for besides running the server.
type command struct {
	opts        *server.Options
	configFile  string
	showVersion bool
	showHelp    bool
	showTLSHelp bool // --help_tls
	testConfig  bool
	signal      string // --signal NAME[=PID]
	healthcheck string // --healthcheck URL
}

const usage = `Usage: natsd [options]
       natsd passwd [--cost <n>] [--generate]   Print a bcrypt hash of a password

Server Options:
    -a, --addr, --net <host>         Bind to host address (default: 0.0.0.0)
    -p, --port <port>                Use port for clients (default: 4222)
    -n, --name
        --server_name <server_name>  Server name (default: auto)
    -P, --pid <file>                 File to store PID
        --ports_file_dir <dir>       Creates a ports file in the specified directory (<executable_name>_<pid>.ports)
    -m, --http_port <port>           Use port for http monitoring
    -ms,--https_port <port>          Use port for https monitoring (needs --tls)
        --http_base_path <path>      Serve the monitoring endpoints under this path
        --http_dashboard=false       Serve the plain index of endpoints at the base path
                                     instead of the live dashboard
        --healthcheck <url>          GET url, exit 0 if it answers 200 and 1 otherwise
                                     (a probe for images without curl), e.g.
                                     natsd --healthcheck http://127.0.0.1:8222/healthz
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

JetStream Options:
    -js, --jetstream                 Enable JetStream functionality
    -sd, --store_dir <dir>           Set the storage directory

Logging Options:
    -l, --log <file>                 File to redirect log output
    -T, --logtime                    Timestamp log entries (default: true)
        --logtime_utc                Timestamps in UTC instead of local timezone (default: false)
    -D, --debug                      Enable debugging output
    -V, --trace                      Trace the raw protocol
    -DV                              Debug and trace
    -s, --syslog                     Log to syslog
    -r, --remote_syslog <addr>       Syslog server addr (udp://localhost:514, tcp://host:port, unix:///dev/log)
        --log_size_limit <limit>     Rotate the log file past this size (default: no rotation)
        --log_format <format>        text (nats-server's, the default) or json

Authorization Options:
        --user <user>                User required for connections
        --pass <password>            Password required for connections
        --auth <token>               Authorization token required for connections

TLS Options:
        --tls                        Enable TLS, do not verify clients (default: false)
        --tlscert <file>             Server certificate file
        --tlskey <file>              Private key for server certificate
        --tlsverify                  Enable TLS, verify client certificates
        --tlscacert <file>           Client certificate CA for verification
` + clusterUsage + `
Profiling Options:
        --profile <port>             Serve Go's /debug/pprof/ profiles on this port (-1: any free port)

Common Options:
    -h, --help                       Show this message
        --help_tls                   TLS help: the tls block, cipher suites and curves
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
	// The config file comes first and the flags override it: each flag's
	// default is the value the file gave, so only flags given change it.
	opts := &server.Options{Logtime: true}
	if path := configFlag(args); path != "" {
		var err error
		if opts, err = server.ProcessConfigFile(path); err != nil {
			return nil, err
		}
	}
	cmd := &command{opts: opts}
	fs := flag.NewFlagSet("natsd", flag.ContinueOnError)
	fs.SetOutput(errOut)
	fs.Usage = func() { fmt.Fprint(errOut, usage) }

	for _, n := range []string{"a", "addr", "net"} {
		fs.StringVar(&opts.Host, n, opts.Host, "")
	}
	for _, n := range []string{"p", "port"} {
		fs.IntVar(&opts.Port, n, opts.Port, "")
	}
	for _, n := range []string{"n", "name", "server_name"} {
		fs.StringVar(&opts.ServerName, n, opts.ServerName, "")
	}
	for _, n := range []string{"P", "pid"} {
		fs.StringVar(&opts.PidFile, n, opts.PidFile, "")
	}
	for _, n := range []string{"ms", "https_port"} {
		fs.IntVar(&opts.HTTPSPort, n, opts.HTTPSPort, "")
	}
	for _, n := range []string{"m", "http_port"} {
		fs.IntVar(&opts.HTTPPort, n, opts.HTTPPort, "")
	}
	fs.IntVar(&opts.ProfPort, "profile", opts.ProfPort, "")
	fs.StringVar(&opts.HTTPBasePath, "http_base_path", opts.HTTPBasePath, "")
	fs.BoolFunc("http_dashboard", "", func(v string) error {
		b, err := strconv.ParseBool(v)
		opts.HTTPNoDashboard = !b
		return err
	})
	fs.StringVar(&cmd.healthcheck, "healthcheck", "", "")
	for _, n := range []string{"c", "config"} {
		fs.StringVar(&cmd.configFile, n, "", "")
	}
	fs.BoolVar(&cmd.testConfig, "t", false, "")
	for _, n := range []string{"sl", "signal"} {
		fs.StringVar(&cmd.signal, n, "", "")
	}
	for _, n := range []string{"js", "jetstream"} {
		fs.BoolVar(&opts.JetStream.Enabled, n, opts.JetStream.Enabled, "")
	}
	var storeDir string
	for _, n := range []string{"sd", "store_dir"} {
		fs.StringVar(&storeDir, n, "", "")
	}
	fs.DurationVar(&opts.LameDuckDuration, "lame_duck_duration", opts.LameDuckDuration, "")
	fs.DurationVar(&opts.LameDuckGracePeriod, "lame_duck_grace_period", opts.LameDuckGracePeriod, "")
	for _, n := range []string{"l", "log"} {
		fs.StringVar(&opts.LogFile, n, opts.LogFile, "")
	}
	for _, n := range []string{"T", "logtime"} {
		fs.BoolVar(&opts.Logtime, n, opts.Logtime, "")
	}
	fs.BoolVar(&opts.LogUTC, "logtime_utc", opts.LogUTC, "")
	for _, n := range []string{"s", "syslog"} {
		fs.BoolVar(&opts.Syslog, n, opts.Syslog, "")
	}
	for _, n := range []string{"r", "remote_syslog"} {
		fs.StringVar(&opts.RemoteSyslog, n, opts.RemoteSyslog, "")
	}
	fs.Var(sizeValue{&opts.LogSizeLimit}, "log_size_limit", "")
	fs.StringVar(&opts.LogFormat, "log_format", opts.LogFormat, "")
	fs.StringVar(&opts.PortsFileDir, "ports_file_dir", opts.PortsFileDir, "")
	for _, n := range []string{"D", "debug"} {
		fs.BoolVar(&opts.Debug, n, opts.Debug, "")
	}
	for _, n := range []string{"V", "trace"} {
		fs.BoolVar(&opts.Trace, n, opts.Trace, "")
	}
	var debugTrace bool
	fs.BoolVar(&debugTrace, "DV", false, "")
	fs.StringVar(&opts.Username, "user", opts.Username, "")
	fs.StringVar(&opts.Password, "pass", opts.Password, "")
	fs.StringVar(&opts.Authorization, "auth", opts.Authorization, "")
	for _, n := range []string{"v", "version"} {
		fs.BoolVar(&cmd.showVersion, n, false, "")
	}
	for _, n := range []string{"h", "help"} {
		fs.BoolVar(&cmd.showHelp, n, false, "")
	}

	finishTLS := addTLSFlags(fs, opts, &cmd.showTLSHelp)
	finishCluster := addClusterFlags(fs, opts)
	maxPayload, maxControl, maxPending := int64(opts.MaxPayload), int64(opts.MaxControlLine), opts.MaxPending
	fs.Var(sizeValue{&maxPayload}, "max_payload", "")
	fs.Var(sizeValue{&maxControl}, "max_control_line", "")
	fs.Var(sizeValue{&maxPending}, "max_pending", "")
	fs.IntVar(&opts.MaxConnections, "max_connections", opts.MaxConnections, "")
	fs.IntVar(&opts.MaxSubscriptions, "max_subscriptions", opts.MaxSubscriptions, "")
	fs.DurationVar(&opts.WriteDeadline, "write_deadline", opts.WriteDeadline, "")
	fs.DurationVar(&opts.PingInterval, "ping_interval", opts.PingInterval, "")
	fs.IntVar(&opts.MaxPingsOut, "ping_max", opts.MaxPingsOut, "")
	fs.DurationVar(&opts.AuthTimeout, "auth_timeout", opts.AuthTimeout, "")

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
	if storeDir != "" {
		// nats-server: a store directory on the command line sets it, and
		// -js turns JetStream on.
		opts.JetStream.StoreDir = storeDir
	}
	if cmd.showTLSHelp {
		return cmd, nil
	}
	if err := finishTLS(); err != nil {
		return nil, err
	}
	if err := finishCluster(); err != nil {
		return nil, err
	}
	if !logger.ValidFormat(opts.LogFormat) {
		return nil, fmt.Errorf("--log_format %q: use text or json", opts.LogFormat)
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

// configFlag finds -c/--config among the arguments before the full parse,
// since the file's values become the other flags' defaults.
func configFlag(args []string) string {
	for i := 0; i < len(args); i++ {
		a := args[i]
		if a == "--" {
			break
		}
		name, value, hasValue := strings.Cut(strings.TrimLeft(a, "-"), "=")
		if !strings.HasPrefix(a, "-") || (name != "c" && name != "config") {
			continue
		}
		if hasValue {
			return value
		}
		if i+1 < len(args) {
			return args[i+1]
		}
	}
	return ""
}
