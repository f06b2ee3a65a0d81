package server

import (
	"crypto/tls"
	"fmt"
	"net"
	"net/http"
	"slices"
	"strconv"
	"sync"
	"sync/atomic"
	"time"

	"github.com/natsd/natsd/auth"
	"github.com/natsd/natsd/monitor"
	"github.com/natsd/natsd/websocket"
)

// The WebSocket listener. A connection is upgraded in its own goroutine
// (TLS first for wss, then the HTTP upgrade, both within
// handshake_timeout) and then runs as any client: the websocket package's
// Conn is its net.Conn, so the reader, parser, delivery and writer are the
// ones TCP clients use, and each write batch goes out as one binary frame.

// wsState is the server's WebSocket side; the pointers are replaced whole
// on reload.
type wsState struct {
	mu       sync.Mutex
	listener net.Listener
	lastAddr net.Addr // the listener's address once it is closed (lame duck)
	upgrader atomic.Pointer[websocket.Upgrader]
	// authn replaces the server's authenticator for WebSocket clients
	// when the block has its own credentials or no_auth_user; nil: the
	// server's.
	authn atomic.Pointer[auth.Authenticator]
	tls   atomic.Pointer[tlsServer] // nil: plain ws
}

// wsClient is what a WebSocket client carries beyond a TCP one.
type wsClient struct {
	conn *websocket.Conn
	// token is the token_cookie's value, used when CONNECT has none; jwt
	// the jwt_cookie's (operator mode).
	token string
	jwt   string
}

// wsMaxMessage bounds client frames and inflated messages as nats-server
// and nats.go bound them: 8 times max_payload, at most 64 MB.
func wsMaxMessage(o *Options) int64 { return min(8*int64(o.MaxPayload), 64<<20) }

// configureWebsocket builds the upgrader, the authenticator and the TLS
// setup of o's websocket block; New and reload call it.
func (s *Server) configureWebsocket(o *Options) error {
	w := &o.Websocket
	if w.Port == 0 {
		s.ws.authn.Store(nil)
		s.ws.tls.Store(nil)
		return nil
	}
	u, err := websocket.NewUpgrader(websocket.Config{
		SameOrigin:     w.SameOrigin,
		AllowedOrigins: w.AllowedOrigins,
		Compression:    w.Compression,
		MaxMessage:     wsMaxMessage(o),
	})
	if err != nil {
		return fmt.Errorf("websocket: %w", err)
	}
	authn, err := wsAuthenticator(o)
	if err != nil {
		return err
	}
	var ts *tlsServer
	if w.TLSConfig != nil {
		ts = newTLSServer(&Options{TLSConfig: w.TLSConfig, TLSCert: w.TLSCert, TLSKey: w.TLSKey})
	}
	s.ws.upgrader.Store(u)
	s.ws.authn.Store(authn)
	s.ws.tls.Store(ts)
	return nil
}

// wsAuthenticator builds the authenticator of WebSocket clients: the
// block's own user or token, or the server's users with the block's
// no_auth_user; nil when they use the server's as it is.
func wsAuthenticator(o *Options) (*auth.Authenticator, error) {
	w := &o.Websocket
	var cfg *auth.Config
	switch {
	case w.Username != "" || w.Token != "":
		cfg = &auth.Config{Username: w.Username, Password: w.Password, Token: w.Token}
	case w.NoAuthUser != "":
		cfg = authConfig(o)
		cfg.NoAuthUser = w.NoAuthUser
	default:
		return nil, nil
	}
	a, err := auth.New(cfg)
	if err != nil {
		return nil, fmt.Errorf("websocket authorization: %w", err)
	}
	return a, nil
}

// startWebsocket binds the WebSocket listener when one is configured.
func (s *Server) startWebsocket() error {
	w := s.getOpts().Websocket
	if w.Port == 0 {
		return nil
	}
	port := w.Port
	if port == RandomPort {
		port = 0
	}
	hp := net.JoinHostPort(w.Host, strconv.Itoa(port))
	l, err := net.Listen("tcp", hp)
	if err != nil {
		s.log.Fatalf("Error listening on websocket port: %s, %q", hp, err.Error())
		return fmt.Errorf("listening for websocket clients on %s: %w", hp, err)
	}
	s.ws.mu.Lock()
	s.ws.listener = l
	s.ws.mu.Unlock()
	scheme := "ws"
	if s.ws.tls.Load() != nil {
		scheme = "wss"
	}
	s.log.Noticef("Listening for websocket clients on %s://%s", scheme, net.JoinHostPort(w.Host, strconv.Itoa(addrPort(l.Addr()))))
	if scheme == "ws" {
		s.log.Warnf("Websocket not configured with TLS. DO NOT USE IN PRODUCTION!")
	}
	s.goroutine(func() { s.acceptConns(l, "websocket", s.acceptWebsocket) })
	return nil
}

// stopWebsocket closes the listener (at shutdown and in lame-duck mode);
// open connections are closed with the other clients.
func (s *Server) stopWebsocket() {
	s.ws.mu.Lock()
	l := s.ws.listener
	s.ws.listener = nil
	if l != nil {
		s.ws.lastAddr = l.Addr()
	}
	s.ws.mu.Unlock()
	if l != nil {
		l.Close()
	}
}

// WebsocketAddr is the WebSocket listener's address, nil without one.
func (s *Server) WebsocketAddr() net.Addr {
	s.ws.mu.Lock()
	defer s.ws.mu.Unlock()
	if s.ws.listener == nil {
		return s.ws.lastAddr
	}
	return s.ws.listener.Addr()
}

// WebsocketURL is a ws:// (or wss://) URL clients can dial.
func (s *Server) WebsocketURL() string {
	a, ok := s.WebsocketAddr().(*net.TCPAddr)
	if !ok {
		return ""
	}
	host := s.getOpts().Websocket.Host
	if host == "0.0.0.0" || host == "::" || host == "" {
		host = "127.0.0.1"
	}
	scheme := "ws://"
	if s.ws.tls.Load() != nil {
		scheme = "wss://"
	}
	return scheme + net.JoinHostPort(host, strconv.Itoa(a.Port))
}

func (s *Server) acceptWebsocket(conn net.Conn) {
	s.goroutine(func() { s.websocketHandshake(conn) })
}

// websocketHandshake upgrades conn and starts it as a client.
func (s *Server) websocketHandshake(conn net.Conn) {
	done := make(chan struct{})
	defer close(done)
	s.goroutine(func() { // a shutdown interrupts the handshake
		select {
		case <-s.quit:
			conn.Close()
		case <-done:
		}
	})
	w := s.getOpts().Websocket
	timeout := w.HandshakeTimeout
	if timeout <= 0 {
		timeout = DefaultWebsocketHandshakeTimeout
	}
	conn.SetDeadline(time.Now().Add(timeout))
	var nc net.Conn = conn
	var tlsInfo *clientTLS
	if ts := s.ws.tls.Load(); ts != nil {
		tc := tls.Server(conn, ts.cfg)
		if err := tc.Handshake(); err != nil {
			s.log.Debugf("%s - websocket TLS handshake error: %v", conn.RemoteAddr(), err)
			conn.Close()
			return
		}
		st := tc.ConnectionState()
		tlsInfo = &clientTLS{version: tlsVersionName(st.Version), cipher: tls.CipherSuiteName(st.CipherSuite)}
		nc = tc
	}
	wc, req, err := s.ws.upgrader.Load().Upgrade(nc, tlsInfo != nil)
	if err != nil {
		// Debug level, as nats-server: refused upgrades are the client's
		// business (it got its HTTP error) and probes would flood the log.
		s.log.Debugf("%s - websocket handshake error: %v", conn.RemoteAddr(), err)
		nc.Close()
		return
	}
	nc.SetDeadline(time.Time{})
	if req.URL.Path == leafWSPath {
		wc.SetMaxOutMessage(wsLeafMessageSize) // a nats-server leaf refuses messages past its max_payload
		s.acceptLeafWS(wc, tlsInfo)
		return
	}
	c := s.newClient(wc, &wsClient{conn: wc, token: cookieValue(req, w.TokenCookie), jwt: cookieValue(req, w.JWTCookie)})
	c.tlsInfo = tlsInfo
	s.startClient(c, false)
}

// cookieValue is the named cookie's value, "" without it.
func cookieValue(req *http.Request, name string) string {
	if name == "" {
		return ""
	}
	if ck, err := req.Cookie(name); err == nil {
		return ck.Value
	}
	return ""
}

// authenticator is the one c authenticates with: the WebSocket listener's
// when it has its own.
func (c *client) authenticator() *auth.Authenticator {
	if c.ws != nil {
		if a := c.srv.ws.authn.Load(); a != nil {
			return a
		}
	}
	return c.srv.authenticator()
}

// authRequired reports whether c must authenticate.
func (c *client) authRequired() bool { return c.authenticator().Required() }

// authTimeout is c's deadline for CONNECT.
func (c *client) authTimeoutValue() time.Duration {
	o := c.srv.getOpts()
	if c.ws != nil && o.Websocket.AuthTimeout > 0 {
		return o.Websocket.AuthTimeout
	}
	return o.AuthTimeout
}

// wsCredentials fills in credentials CONNECT left out from the cookies
// of the upgrade request.
func (c *client) wsCredentials(cr *auth.Credentials) {
	if c.ws != nil && cr.Token == "" && cr.User == "" && cr.Nkey == "" && c.ws.token != "" {
		cr.Token = c.ws.token
	}
	if c.ws != nil && cr.JWT == "" && c.ws.jwt != "" {
		cr.JWT = c.ws.jwt // operator mode: jwt_cookie (a bearer JWT, or signed with the sig of CONNECT)
	}
}

// wsInfo adjusts a WebSocket client's INFO: it names the WebSocket
// listener, and TLS is not negotiated inside the protocol.
func (s *Server) wsInfo(c *client, info *serverInfo) {
	if c.ws == nil {
		return
	}
	w := s.getOpts().Websocket
	info.Host = w.Host
	if a := s.WebsocketAddr(); a != nil {
		info.Port = addrPort(a)
	}
	info.TLSRequired, info.TLSVerify, info.TLSAvailable = false, false, false
	info.AuthRequired = c.authRequired()
	// The cluster's WebSocket URLs (gossiped as ws_connect_urls), not
	// its client URLs; a server in lame-duck mode leaves its own out.
	info.ConnectURLs = s.wsConnectURLs()
	if s.InLameDuckMode() {
		own := s.ownWSURLs()
		info.ConnectURLs = slices.DeleteFunc(slices.Clone(info.ConnectURLs), func(u string) bool { return slices.Contains(own, u) })
	}
}

// wsCloseStatus sets the close frame a WebSocket client gets for reason.
func (c *client) wsCloseStatus(reason ClosedReason) {
	if c.ws == nil {
		return
	}
	code := uint16(websocket.StatusNormal)
	switch reason {
	case AuthenticationTimeout, AuthenticationViolation:
		code = websocket.StatusPolicyViolation
	case ParseError, ProtocolViolation, MaxControlLineExceeded:
		code = websocket.StatusProtocolError
	case MaxPayloadExceeded:
		code = websocket.StatusMessageTooBig
	case ServerShutdown, LameDuckMode:
		code = websocket.StatusGoingAway
	case WriteError, ReadError, SlowConsumerPendingBytes, SlowConsumerWriteDeadline, StaleConnection:
		code = websocket.StatusInternalError
	}
	c.ws.conn.SetCloseStatus(code, reason.String())
}

// connType is the connection type /connz shows.
func (c *client) connType() string {
	if c.ws != nil {
		return "websocket"
	}
	return "nats"
}

// reloadWebsocket applies a changed websocket block: origins, compression,
// credentials and the certificate apply to new connections (and the
// credentials are checked again for connected clients); the listen
// address needs a restart.
func (s *Server) reloadWebsocket(old, cur *Options) error {
	ow, nw := &old.Websocket, &cur.Websocket
	if ow.Host != nw.Host || ow.Port != nw.Port {
		return fmt.Errorf("config reload not supported for: websocket.listen (restart the server to change it)")
	}
	return s.configureWebsocket(cur)
}

// websocketVarz is the websocket section of /varz.
func (s *Server) websocketVarz(o *Options) monitor.WebsocketOptsVarz {
	w := &o.Websocket
	if w.Port == 0 {
		return monitor.WebsocketOptsVarz{}
	}
	v := monitor.WebsocketOptsVarz{
		Host:             w.Host,
		Port:             w.Port,
		Advertise:        w.Advertise,
		NoAuthUser:       w.NoAuthUser,
		HandshakeTimeout: w.HandshakeTimeout,
		AuthTimeout:      w.AuthTimeout.Seconds(),
		NoTLS:            w.NoTLS,
		SameOrigin:       w.SameOrigin,
		AllowedOrigins:   w.AllowedOrigins,
		Compression:      w.Compression,
	}
	if a, ok := s.WebsocketAddr().(*net.TCPAddr); ok {
		v.Port = a.Port
	}
	return v
}
