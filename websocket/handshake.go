package websocket

import (
	"bufio"
	"crypto/sha1"
	"encoding/base64"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"time"

	"github.com/gobwas/httphead"
	"github.com/gobwas/ws/wsflate"
)

// DefaultMaxFrame bounds the frames the server sends unless configured:
// the size of the server's write batches in steady state.
const DefaultMaxFrame = 64 * 1024

// MaxRequestSize bounds the upgrade request (request line and headers).
// Browsers send well under it, cookies included.
const MaxRequestSize = 64 * 1024

// Config is what the server's websocket block says about upgrades.
type Config struct {
	// SameOrigin refuses a browser whose Origin is not the host it
	// connects to; AllowedOrigins refuses one not in the list. A request
	// without an Origin header (not from a browser) passes both.
	SameOrigin     bool
	AllowedOrigins []string
	// Compression accepts permessage-deflate when the client offers it.
	Compression bool
	// MaxMessage bounds a client frame, and a compressed message both
	// compressed and inflated (default 64 MB).
	MaxMessage int64
	// MaxFrame bounds the frames the server sends (default 64 KB).
	MaxFrame int
}

// Upgrader checks and answers upgrade requests; it is immutable and safe
// for concurrent use.
type Upgrader struct {
	sameOrigin  bool
	origins     []origin
	compression bool
	maxMessage  int64
	maxFrame    int
}

// origin is an allowed origin's scheme, host and port.
type origin struct{ scheme, host, port string }

// NewUpgrader validates cfg (the allowed origins must be URLs).
func NewUpgrader(cfg Config) (*Upgrader, error) {
	u := &Upgrader{sameOrigin: cfg.SameOrigin, compression: cfg.Compression, maxMessage: cfg.MaxMessage, maxFrame: cfg.MaxFrame}
	if u.maxMessage <= 0 {
		u.maxMessage = 64 << 20
	}
	if u.maxFrame <= 0 {
		u.maxFrame = DefaultMaxFrame
	}
	for _, s := range cfg.AllowedOrigins {
		o, err := parseOrigin(s)
		if err != nil {
			return nil, fmt.Errorf("unable to parse allowed origin: %v", err)
		}
		u.origins = append(u.origins, o)
	}
	return u, nil
}

// parseOrigin splits an origin URL, with the scheme's default port.
func parseOrigin(s string) (origin, error) {
	pu, err := url.ParseRequestURI(s)
	if err != nil {
		return origin{}, err
	}
	if pu.Scheme == "" || pu.Host == "" {
		return origin{}, fmt.Errorf("origin %q has no scheme or host", s)
	}
	o := origin{scheme: strings.ToLower(pu.Scheme), host: strings.ToLower(pu.Hostname()), port: pu.Port()}
	if o.port == "" {
		o.port = defaultPort(o.scheme)
	}
	return o, nil
}

func defaultPort(scheme string) string {
	if scheme == "https" || scheme == "wss" {
		return "443"
	}
	return "80"
}

// UpgradeError is a refused upgrade: Status is the HTTP status sent (0
// when nothing could be sent, e.g. after a timeout).
type UpgradeError struct {
	Status int
	Reason string
	Err    error // the read error, if any
}

func (e *UpgradeError) Error() string {
	if e.Err != nil {
		return "websocket handshake: " + e.Reason + ": " + e.Err.Error()
	}
	return "websocket handshake: " + e.Reason
}

func (e *UpgradeError) Unwrap() error { return e.Err }

// Upgrade reads the HTTP upgrade request from nc, checks it, and answers
// it. On success it returns the WebSocket connection and the request (for
// its cookies). Otherwise the client got an HTTP error when one applies,
// and the caller closes nc. The caller bounds the whole exchange with a
// deadline on nc (the handshake timeout) and clears it afterwards; tls
// says nc is a TLS connection, for the same-origin check.
func (u *Upgrader) Upgrade(nc net.Conn, tls bool) (*Conn, *http.Request, error) {
	lr := &limitedReader{r: nc, left: MaxRequestSize}
	br := bufio.NewReaderSize(lr, 4096)
	req, err := http.ReadRequest(br)
	if err != nil {
		var ne net.Error
		switch {
		case lr.left <= 0:
			writeRaw(nc, "431 Request Header Fields Too Large")
			return nil, nil, &UpgradeError{Status: 431, Reason: "request too large"}
		case errors.Is(err, io.EOF), errors.Is(err, io.ErrUnexpectedEOF), errors.As(err, &ne):
			return nil, nil, &UpgradeError{Reason: "reading the request", Err: err}
		default:
			writeRaw(nc, "400 Bad Request")
			return nil, nil, &UpgradeError{Status: 400, Reason: "malformed request", Err: err}
		}
	}
	if status, reason := u.check(req, tls); status != 0 {
		writeError(nc, status)
		return nil, nil, &UpgradeError{Status: status, Reason: reason}
	}
	compress := false
	var ext []byte
	if u.compression {
		ext, compress = negotiateDeflate(req.Header)
	}
	var b strings.Builder
	b.WriteString("HTTP/1.1 101 Switching Protocols\r\nUpgrade: websocket\r\nConnection: Upgrade\r\nSec-WebSocket-Accept: ")
	b.WriteString(acceptKey(req.Header.Get("Sec-WebSocket-Key")))
	b.WriteString("\r\n")
	if compress {
		b.WriteString("Sec-WebSocket-Extensions: ")
		b.Write(ext)
		b.WriteString("\r\n")
	}
	b.WriteString("\r\n")
	if _, err := io.WriteString(nc, b.String()); err != nil {
		return nil, nil, &UpgradeError{Reason: "writing the response", Err: err}
	}
	// Frames the client sent right behind its request are in br already.
	buffered, _ := br.Peek(br.Buffered())
	return newConn(nc, buffered, compress, u.maxMessage, u.maxFrame), req, nil
}

// check returns the HTTP status refusing req, or 0.
func (u *Upgrader) check(req *http.Request, tls bool) (int, string) {
	h := req.Header
	switch {
	case req.Method != http.MethodGet:
		return http.StatusMethodNotAllowed, "request method must be GET"
	case req.Host == "":
		return http.StatusBadRequest, "'Host' missing in request"
	case !headerHasToken(h, "Upgrade", "websocket"):
		return http.StatusBadRequest, "invalid value for header 'Upgrade'"
	case !headerHasToken(h, "Connection", "upgrade"):
		return http.StatusBadRequest, "invalid value for header 'Connection'"
	case h.Get("Sec-WebSocket-Version") != "13":
		return http.StatusBadRequest, "invalid version"
	}
	if key, err := base64.StdEncoding.DecodeString(h.Get("Sec-WebSocket-Key")); err != nil || len(key) != 16 {
		return http.StatusBadRequest, "invalid 'Sec-WebSocket-Key'"
	}
	if reason := u.checkOrigin(req, tls); reason != "" {
		return http.StatusForbidden, reason
	}
	return 0, ""
}

// checkOrigin applies same_origin and allowed_origins to a browser's
// Origin header; it returns why the origin is refused, or "".
func (u *Upgrader) checkOrigin(req *http.Request, tls bool) string {
	if !u.sameOrigin && len(u.origins) == 0 {
		return ""
	}
	raw := req.Header.Get("Origin")
	if raw == "" {
		return "" // not a browser
	}
	o, err := parseOrigin(raw)
	if err != nil {
		return "origin " + strconv.Quote(raw) + " is not a valid URL"
	}
	if u.sameOrigin {
		host, port, err := net.SplitHostPort(req.Host)
		if err != nil {
			host, port = req.Host, ""
		}
		scheme := "http"
		if tls {
			scheme = "https"
		}
		if port == "" {
			port = defaultPort(scheme)
		}
		if o.scheme != scheme || o.host != strings.ToLower(host) || o.port != port {
			return "not same origin"
		}
	}
	if len(u.origins) > 0 {
		for _, a := range u.origins {
			if a == o {
				return ""
			}
		}
		return "not in the allowed list"
	}
	return ""
}

// headerHasToken reports whether a comma-separated header has token.
func headerHasToken(h http.Header, name, token string) bool {
	for _, v := range h.Values(name) {
		for _, t := range strings.Split(v, ",") {
			if strings.EqualFold(strings.TrimSpace(t), token) {
				return true
			}
		}
	}
	return false
}

// negotiateDeflate accepts permessage-deflate when offered, without
// context takeover either way; it returns the extension header's value.
func negotiateDeflate(h http.Header) ([]byte, bool) {
	e := wsflate.Extension{Parameters: wsflate.Parameters{
		ServerNoContextTakeover: true,
		ClientNoContextTakeover: true,
	}}
	for _, v := range h.Values("Sec-WebSocket-Extensions") {
		opts, ok := httphead.ParseOptions([]byte(v), nil)
		if !ok {
			continue
		}
		for _, opt := range opts {
			if _, err := e.Negotiate(opt); err != nil {
				continue
			}
			if p, ok := e.Accepted(); ok {
				// The window sizes a client may offer are left at their
				// default of 15 bits.
				_ = p
				return []byte("permessage-deflate; server_no_context_takeover; client_no_context_takeover"), true
			}
		}
	}
	return nil, false
}

// acceptKey is the Sec-WebSocket-Accept value for key (RFC 6455 4.2.2).
func acceptKey(key string) string {
	sum := sha1.Sum([]byte(key + "258EAFA5-E914-47DA-95CA-C5AB0DC85B11"))
	return base64.StdEncoding.EncodeToString(sum[:])
}

// writeError answers as nats-server's HTTP handler does.
func writeError(nc net.Conn, status int) {
	text := http.StatusText(status)
	body := text + "\n"
	fmt.Fprintf(nc, "HTTP/1.1 %d %s\r\nContent-Type: text/plain; charset=utf-8\r\nSec-Websocket-Version: 13\r\n"+
		"X-Content-Type-Options: nosniff\r\nDate: %s\r\nContent-Length: %d\r\n\r\n%s",
		status, text, time.Now().UTC().Format(http.TimeFormat), len(body), body)
}

// writeRaw answers a request that could not be parsed, as Go's HTTP
// server does.
func writeRaw(nc net.Conn, status string) {
	fmt.Fprintf(nc, "HTTP/1.1 %s\r\nContent-Type: text/plain; charset=utf-8\r\nConnection: close\r\n\r\n%s", status, status)
}

// limitedReader ends the request after MaxRequestSize bytes.
type limitedReader struct {
	r    io.Reader
	left int
}

func (l *limitedReader) Read(p []byte) (int, error) {
	if l.left <= 0 {
		return 0, errors.New("request too large")
	}
	if len(p) > l.left {
		p = p[:l.left]
	}
	n, err := l.r.Read(p)
	l.left -= n
	return n, err
}
