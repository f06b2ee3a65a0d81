package server

import (
	"bytes"
	"context"
	"crypto/tls"
	"encoding/base64"
	"encoding/json"
	"fmt"
	"math/rand/v2"
	"net"
	"net/url"
	"os"
	"strings"
	"sync"
	"time"

	"github.com/nats-io/nkeys"

	"github.com/natsd/natsd/auth"
	"github.com/natsd/natsd/logger"
	"github.com/natsd/natsd/parser"
)

// The leaf role: for each remote, a goroutine keeps one connection to the
// hub, dialing its URLs in turn and waiting between attempts (the
// reconnect interval, with jitter, longer after repeated failures and
// after a loop was found). Each attempt resolves the host name again. A
// new connection sends the hub, once the hub's INFO arrives, CONNECT and
// then the local account's interest (registerLeaf), so interest is
// re-established after the hub restarts.

// leafMaxBackoff caps the delay between attempts after repeated failures.
const leafMaxBackoff = 30 * time.Second

// leafRemote is a running remote.
type leafRemote struct {
	s       *Server
	opts    *RemoteLeafOpts
	cancel  context.CancelFunc
	stopped chan struct{}

	exportPerms, importPerms *auth.Checker

	mu        sync.Mutex
	conn      *client    // the current connection, nil between attempts
	url       *url.URL   // the URL of the current or last attempt
	loopUntil time.Time  // a loop was found: wait until then
	next      int        // the next URL to dial
	learned   []*url.URL // URLs the hub advertised (leafnode_failover.go)
	tlsName   string     // the configured host name, for learned IP URLs
}

// startRemote starts the goroutine that keeps a remote connected.
func (s *Server) startRemote(ro *RemoteLeafOpts) {
	ctx, cancel := context.WithCancel(s.leafs.ctx)
	r := &leafRemote{s: s, opts: ro, cancel: cancel, stopped: make(chan struct{})}
	var err error
	if len(ro.DenyExports) > 0 {
		if r.exportPerms, err = auth.Compile(&auth.Permissions{
			Publish: &auth.SubjectPermission{Deny: ro.DenyExports}, Subscribe: &auth.SubjectPermission{Deny: ro.DenyExports}}); err != nil {
			s.log.Errorf("Leafnode remote deny_exports: %v", err)
		}
	}
	if len(ro.DenyImports) > 0 {
		if r.importPerms, err = auth.Compile(&auth.Permissions{
			Publish: &auth.SubjectPermission{Deny: ro.DenyImports}, Subscribe: &auth.SubjectPermission{Deny: ro.DenyImports}}); err != nil {
			s.log.Errorf("Leafnode remote deny_imports: %v", err)
		}
	}
	if !ro.NoRandomize && len(ro.URLs) > 1 {
		r.next = rand.IntN(len(ro.URLs))
	}
	s.mu.Lock()
	s.leafs.remotes[ro] = r
	s.mu.Unlock()
	s.goroutine(func() {
		defer close(r.stopped)
		r.run(ctx)
	})
}

// stopRemote ends a remote's goroutine and closes its connection.
func (s *Server) stopRemote(ro *RemoteLeafOpts) {
	s.mu.Lock()
	r := s.leafs.remotes[ro]
	delete(s.leafs.remotes, ro)
	s.mu.Unlock()
	if r != nil {
		r.cancel()
		<-r.stopped
	}
}

// run connects, waits for the connection to end, and tries again until
// ctx is cancelled.
func (r *leafRemote) run(ctx context.Context) {
	s := r.s
	fails := 0
	for ctx.Err() == nil {
		conn, u, err := r.dial(ctx)
		if err == nil {
			c := r.attach(conn, u)
			if c == nil {
				return // shutting down
			}
			select {
			case <-c.leaf.done:
			case <-ctx.Done():
				c.closeConnection(ClientClosed, true)
				<-c.leaf.done
				return
			}
			r.mu.Lock()
			r.conn = nil
			r.mu.Unlock()
			c.mu.Lock()
			wasUp := c.leaf.remoteID != ""
			c.mu.Unlock()
			if wasUp {
				fails = 0
			} else {
				fails++
			}
		} else {
			if ctx.Err() != nil {
				return
			}
			fails++
			s.log.Debugf("Error trying to connect as leafnode to remote server %q (attempt %d): %v", u.Host, fails, err)
			if fails == 1 || fails%30 == 0 {
				logger.Error(s.log, logger.Record{Msg: "Error trying to connect as leafnode to remote server",
					Text:   "Error trying to connect as leafnode to remote server %q (attempt %d): %v",
					Fields: []logger.Field{logger.F("remote", u.Host), logger.F("attempt", fails), logger.F("error", err)}})
			}
		}
		if !r.wait(ctx, fails) {
			return
		}
	}
}

// wait sleeps before the next attempt: the reconnect interval with up to
// 25% jitter (so leaves of a restarted hub do not all come back at once),
// doubled per failure beyond the first few up to leafMaxBackoff, and at
// least until a loop's delay is over. It reports false when cancelled.
func (r *leafRemote) wait(ctx context.Context, fails int) bool {
	base := r.s.getOpts().LeafNode.ReconnectInterval
	d := base
	for i := 3; i < fails && d < leafMaxBackoff; i++ {
		d *= 2
	}
	d = min(d, max(leafMaxBackoff, base))
	d += time.Duration(rand.Int64N(int64(d)/4 + 1))
	r.mu.Lock()
	if until := time.Until(r.loopUntil); until > d {
		d = until
	}
	r.mu.Unlock()
	t := time.NewTimer(d)
	defer t.Stop()
	select {
	case <-t.C:
		return true
	case <-ctx.Done():
		return false
	}
}

// dial connects to the next URL of the remote.
func (r *leafRemote) dial(ctx context.Context) (net.Conn, *url.URL, error) {
	r.mu.Lock()
	urls := r.urlsLocked()
	u := urls[r.next%len(urls)]
	r.next++
	r.url = u
	r.mu.Unlock()
	if u.Scheme == "ws" || u.Scheme == "wss" {
		conn, err := r.dialLeafWS(ctx, u)
		return conn, u, err
	}
	d := net.Dialer{Timeout: 2 * time.Second}
	conn, err := d.DialContext(ctx, "tcp", u.Host)
	return conn, u, err
}

// attach starts a solicited leaf connection on conn: it reads the hub's
// INFO (within first_info_timeout), upgrades to TLS when the hub requires
// it or the remote has a tls block, and hands the INFO to the connection's
// reader, which answers with CONNECT.
func (r *leafRemote) attach(conn net.Conn, u *url.URL) *client {
	s := r.s
	c := s.newLeaf(conn, r)
	if c == nil {
		return nil
	}
	c.leaf.exportPerms, c.leaf.importPerms = r.exportPerms, r.importPerms
	acc := s.lookupAccount(r.opts.LocalAccount)
	if acc == nil {
		acc = s.gacc
	}
	c.acc.Store(acc)
	c.connected = true
	r.mu.Lock()
	r.conn = c
	r.mu.Unlock()
	o := s.getOpts()
	c.mu.Lock()
	// The handshake must complete within the auth timeout after the INFO.
	c.authTimer = time.AfterFunc(r.opts.FirstInfoTimeout+max(o.LeafNode.AuthTimeout, r.opts.TLSTimeout), c.leafHandshakeTimeout)
	c.mu.Unlock()
	s.goroutine(func() {
		info, err := readInfoLine(conn, r.opts.FirstInfoTimeout)
		if err != nil {
			s.log.Errorf("%s - Leafnode: no INFO from the hub: %v", c.logPrefix(), err)
			c.closeConnection(ReadError, false)
			return
		}
		var hi leafInfoMsg
		json.Unmarshal(bytes.TrimPrefix(bytes.TrimSpace(info), []byte("INFO ")), &hi)
		ws := u.Scheme == "ws" || u.Scheme == "wss" // TLS is the WebSocket's (wss)
		if wc, ok := conn.(*wsClientConn); ok && hi.MaxPayload > 0 {
			wc.setMaxMessage(hi.MaxPayload)
		}
		if !ws && (hi.TLSRequired || r.opts.TLSConfig != nil || u.Scheme == "tls") {
			if !c.leafTLSClient(r, u) {
				return
			}
		}
		// The INFO is handled before the first ping is armed, so that a
		// ping never goes out ahead of the answer to it.
		if err := c.parser.Parse(info, c); err == parser.ErrStop {
			c.startDecompression(nil) // compressed from here on
		} else if err != nil {
			c.protocolError(err)
			return
		}
		c.mu.Lock()
		if !c.closed {
			c.pingTimer = time.AfterFunc(min(firstPingInterval, o.PingInterval), c.sendPing)
		}
		c.mu.Unlock()
		c.flushPending()
		c.readLoop()
	})
	s.log.Debugf("%s - Leafnode connection to %s created", c.logPrefix(), u.Host)
	return c
}

// readInfoLine reads the first protocol line (the hub's INFO) byte by
// byte, so nothing after it is consumed before a TLS upgrade.
func readInfoLine(conn net.Conn, timeout time.Duration) ([]byte, error) {
	conn.SetReadDeadline(time.Now().Add(timeout))
	defer conn.SetReadDeadline(time.Time{})
	line := make([]byte, 0, 1024)
	var b [1]byte
	for len(line) < maxInfoLine {
		if _, err := conn.Read(b[:]); err != nil {
			return nil, err
		}
		line = append(line, b[0])
		if b[0] == '\n' {
			if !bytes.HasPrefix(line, []byte("INFO ")) {
				return nil, fmt.Errorf("expected INFO, got %q", bytes.TrimSpace(line))
			}
			return line, nil
		}
	}
	return nil, fmt.Errorf("INFO longer than %d bytes", maxInfoLine)
}

// maxInfoLine bounds the hub's INFO.
const maxInfoLine = 1 << 20

// leafTLSClient runs the client side of the TLS handshake to the hub.
func (c *client) leafTLSClient(r *leafRemote, u *url.URL) bool {
	s := c.srv
	cfg := &tls.Config{MinVersion: tls.VersionTLS12}
	if r.opts.TLSConfig != nil {
		cfg = r.opts.TLSConfig.Clone()
	}
	if cfg.ServerName == "" {
		cfg.ServerName = r.tlsServerName(u)
	}
	raw := c.conn
	timeout := r.opts.TLSTimeout
	if timeout <= 0 {
		timeout = DefaultTLSTimeout
	}
	raw.SetDeadline(time.Now().Add(timeout))
	tc := tls.Client(raw, cfg)
	err := tc.HandshakeContext(s.leafs.ctx)
	raw.SetDeadline(time.Time{})
	if err != nil {
		s.log.Errorf("%s - TLS leafnode handshake error: %v", c.logPrefix(), err)
		c.closeConnection(TLSHandshakeError, false)
		return false
	}
	c.mu.Lock()
	c.conn = tc
	c.mu.Unlock()
	st := tc.ConnectionState()
	c.tlsInfo = &clientTLS{version: tlsVersionName(st.Version), cipher: tls.CipherSuiteName(st.CipherSuite)}
	return true
}

// leafHandshakeTimeout closes a solicited connection whose hub did not
// complete the handshake in time.
func (c *client) leafHandshakeTimeout() {
	c.mu.Lock()
	done := c.closed || c.leaf.up
	c.mu.Unlock()
	if done {
		return
	}
	c.srv.log.Errorf("%s - Leafnode handshake timeout", c.logPrefix())
	c.closeConnection(AuthenticationTimeout, false)
}

// connected notes a registered connection.
func (r *leafRemote) connected(c *client) {
	c.mu.Lock()
	name := c.leaf.remoteName
	c.mu.Unlock()
	r.mu.Lock()
	host := ""
	if r.url != nil {
		host = r.url.Host
	}
	r.mu.Unlock()
	logger.Notice(r.s.log, logger.Record{Conn: c.logPrefix(), Msg: "Connected leafnode to remote", Text: "Connected leafnode to %q (server %s)",
		Fields: []logger.Field{logger.F("remote", host), logger.F("server", name)}})
}

// loopDetected delays the next attempt.
func (r *leafRemote) loopDetected() {
	r.mu.Lock()
	r.loopUntil = time.Now().Add(leafLoopDelay)
	r.mu.Unlock()
}

// leafInfo handles INFO on a leaf connection. On a solicited one the
// first INFO is the hub's: this server answers with CONNECT and registers
// the connection. Every hub INFO's leafnode_urls are learned for failover
// (leafnode_failover.go); an accepted connection's INFOs carry nothing
// natsd uses.
func (c *client) leafInfo(arg []byte) error {
	s := c.srv
	if !c.leaf.solicited {
		return c.leafAcceptedInfo(arg)
	}
	var info leafInfoMsg
	if err := json.Unmarshal(arg, &info); err != nil {
		s.log.Errorf("%s - Invalid leafnode INFO: %v", c.logPrefix(), err)
		return &clientError{reason: ProtocolViolation}
	}
	r := c.leaf.remote
	if info.ID != s.id {
		r.mu.Lock()
		u := r.url
		r.mu.Unlock()
		r.learnURLs(info.LeafNodeURLs, u)
	}
	if c.leaf.infoSeen {
		c.leafZInfoSeen()
		return nil
	}
	c.leaf.infoSeen = true
	if info.ID == s.id {
		s.log.Errorf("%s - Leafnode remote is this server", c.logPrefix())
		c.leaf.remote.loopDetected()
		return &clientError{reason: ProtocolViolation}
	}
	zmode, level := c.leafSolicitedZ(&info)
	line, err := c.leaf.remote.connectLine(info.Nonce, level)
	if err != nil {
		s.log.Errorf("%s - Leafnode credentials: %v", c.logPrefix(), err)
		return &clientError{reason: AuthenticationViolation}
	}
	c.mu.Lock()
	c.leaf.remoteID, c.leaf.remoteName, c.leaf.remoteCluster = info.ID, info.Name, info.Cluster
	c.mu.Unlock()
	c.opts.Name = info.Name
	c.setLogPrefix()
	if c.tracing() {
		c.traceOut(string(redactConnect(line[:len(line)-2])))
	}
	c.queueLeaf(line)
	s.registerLeaf(c)
	if zmode != compressionOff {
		return stopForCompression // the hub's next bytes are its S2 stream
	}
	return nil
}

// connectLine is the CONNECT this server sends a hub: the URL's user and
// password (a user alone is a token), or the credentials file's JWT with
// the nonce signed by its seed; compress names the level it writes at.
func (r *leafRemote) connectLine(nonce, compress string) ([]byte, error) {
	s := r.s
	o := s.getOpts()
	acc := r.opts.LocalAccount
	if acc == "" {
		acc = "$G"
	}
	m := leafConnectMsg{Version: Version, ServerID: s.id, Name: s.name, Cluster: o.Cluster.Name,
		Headers: true, RemoteAccount: acc, Proto: 3, Compression: compress}
	r.mu.Lock()
	u := r.url
	r.mu.Unlock()
	if u != nil && u.User != nil {
		if p, ok := u.User.Password(); ok {
			m.User, m.Pass = u.User.Username(), p
		} else {
			m.Token = u.User.Username()
		}
	}
	if f := r.opts.Credentials; f != "" {
		b, err := os.ReadFile(f)
		if err != nil {
			return nil, err
		}
		jwt, err := nkeys.ParseDecoratedJWT(b)
		if err != nil {
			return nil, fmt.Errorf("%s: %v", f, err)
		}
		kp, err := nkeys.ParseDecoratedNKey(b)
		if err != nil {
			return nil, fmt.Errorf("%s: %v", f, err)
		}
		sig, err := kp.Sign([]byte(nonce))
		kp.Wipe()
		if err != nil {
			return nil, err
		}
		m.JWT, m.Sig = jwt, base64.RawURLEncoding.EncodeToString(sig)
	}
	b, _ := json.Marshal(&m)
	return append(append([]byte("CONNECT "), b...), "\r\n"...), nil
}

// remoteHost is the host:port a solicited connection dialed.
func (c *client) remoteHost() string {
	if r := c.leaf.remote; r != nil {
		r.mu.Lock()
		defer r.mu.Unlock()
		if r.url != nil {
			return strings.TrimSpace(r.url.Host)
		}
	}
	return ""
}
