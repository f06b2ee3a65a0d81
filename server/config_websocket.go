package server

import (
	"crypto/tls"
	"fmt"
	"time"

	"github.com/natsd/natsd/conf"
)

// The websocket block: a second client listener speaking WebSocket.
//
//	websocket {
//	  listen: "0.0.0.0:8080"           # or host and port
//	  advertise: "ws.example.com:443"
//	  no_tls: true                     # or tls { cert_file, key_file, ... }
//	  same_origin: true
//	  allowed_origins: ["https://app.example.com"]
//	  compression: true
//	  handshake_timeout: "2s"
//	  token_cookie: "nats_token"       # jwt_cookie: operator mode only
//	  no_auth_user: "guest"
//	  authorization { user: u, password: p, timeout: 2 }   # or token
//	}

// DefaultWebsocketHandshakeTimeout bounds the HTTP upgrade (and the TLS
// handshake before it) when handshake_timeout is not set.
const DefaultWebsocketHandshakeTimeout = 2 * time.Second

// WebsocketOpts configure the WebSocket listener (server/websocket.go).
// Port 0 means no listener; RandomPort (-1) picks a free port.
type WebsocketOpts struct {
	Host      string
	Port      int
	Advertise string
	// NoTLS allows a listener without TLS; TLSConfig makes it wss.
	NoTLS           bool
	TLSConfig       *tls.Config
	TLSCert, TLSKey string
	// SameOrigin and AllowedOrigins check a browser's Origin header
	// before the upgrade; Compression allows permessage-deflate.
	SameOrigin       bool
	AllowedOrigins   []string
	Compression      bool
	HandshakeTimeout time.Duration
	// JWTCookie and TokenCookie name cookies that carry credentials when
	// CONNECT has none. NoAuthUser is the server user for clients that
	// present no credentials on this listener.
	JWTCookie   string
	TokenCookie string
	NoAuthUser  string
	// Username/Password or Token are the listener's own credentials,
	// replacing the server's for WebSocket clients; AuthTimeout is their
	// CONNECT deadline (0: the server's).
	Username, Password, Token string
	AuthTimeout               time.Duration
}

var websocketKeys = []optionKey{
	{names: []string{"listen"}, set: func(o *Options, v *conf.Value) error {
		host, port, err := hostPortValue(v)
		if err == nil {
			if host != "" {
				o.Websocket.Host = host
			}
			o.Websocket.Port = port
		}
		return err
	}},
	{names: []string{"host", "net"}, set: stringTo(func(o *Options) *string { return &o.Websocket.Host })},
	{names: []string{"port"}, set: intTo(func(o *Options) *int { return &o.Websocket.Port })},
	{names: []string{"advertise"}, set: stringTo(func(o *Options) *string { return &o.Websocket.Advertise })},
	{names: []string{"no_tls"}, set: boolTo(func(o *Options) *bool { return &o.Websocket.NoTLS })},
	{names: []string{"tls"}, set: func(o *Options, v *conf.Value) error {
		b, err := parseTLSBlock(v)
		if err != nil {
			return err
		}
		o.Websocket.TLSConfig = b.cfg
		o.Websocket.TLSCert, o.Websocket.TLSKey = b.opts.CertFile, b.opts.KeyFile
		return nil
	}},
	{names: []string{"same_origin"}, set: boolTo(func(o *Options) *bool { return &o.Websocket.SameOrigin })},
	{names: []string{"allowed_origins", "allowed_origin", "allow_origins", "allow_origin", "origins", "origin"}, set: func(o *Options, v *conf.Value) error {
		list, err := v.AsStringSlice()
		o.Websocket.AllowedOrigins = list
		return err
	}},
	{names: []string{"compression"}, set: boolTo(func(o *Options) *bool { return &o.Websocket.Compression })},
	{names: []string{"handshake_timeout"}, set: func(o *Options, v *conf.Value) error {
		d, err := secondsValue(v)
		if err == nil && d < 0 {
			err = v.Errorf("handshake_timeout must not be negative")
		}
		o.Websocket.HandshakeTimeout = d
		return err
	}},
	{names: []string{"jwt_cookie"}, set: stringTo(func(o *Options) *string { return &o.Websocket.JWTCookie })},
	{names: []string{"token_cookie"}, set: stringTo(func(o *Options) *string { return &o.Websocket.TokenCookie })},
	{names: []string{"no_auth_user"}, set: stringTo(func(o *Options) *string { return &o.Websocket.NoAuthUser })},
	{names: []string{"authorization", "authentication"}, set: func(o *Options, v *conf.Value) error {
		m, err := v.AsMap()
		if err != nil {
			return err
		}
		// nats-server knows no users or nkeys here either: unknown fields.
		return applyKeys(o, m, websocketAuthKeys, nil)
	}},
}

var websocketAuthKeys = []optionKey{
	{names: []string{"user", "username"}, set: stringTo(func(o *Options) *string { return &o.Websocket.Username })},
	{names: []string{"password", "pass"}, set: stringTo(func(o *Options) *string { return &o.Websocket.Password })},
	{names: []string{"token"}, set: stringTo(func(o *Options) *string { return &o.Websocket.Token })},
	{names: []string{"timeout"}, set: func(o *Options, v *conf.Value) error {
		var tmp Options
		if err := setAuthTimeout(&tmp, v); err != nil {
			return err
		}
		o.Websocket.AuthTimeout = tmp.AuthTimeout
		return nil
	}},
}

// setWebsocket reads the websocket block.
func setWebsocket(o *Options, v *conf.Value) error {
	m, err := v.AsMap()
	if err != nil {
		return err
	}
	return applyKeys(o, m, websocketKeys, nil)
}

// validateWebsocket checks the block as nats-server does, with its texts.
func (w *WebsocketOpts) validate(o *Options) error {
	if w.Port == 0 {
		return nil
	}
	if w.Port < RandomPort || w.Port > 65535 {
		return fmt.Errorf("websocket port %d out of range (use -1 for a random port)", w.Port)
	}
	if w.TLSConfig == nil && !w.NoTLS {
		return fmt.Errorf("websocket requires TLS configuration")
	}
	if w.JWTCookie != "" && len(o.Operators) == 0 {
		return fmt.Errorf("trusted operators or trusted keys configuration is required for JWT authentication via cookie %q", w.JWTCookie)
	}
	hasUsers := len(o.Users) > 0
	if hasUsers && w.Username != "" {
		return fmt.Errorf("websocket authentication username not compatible with presence of users/nkeys")
	}
	if hasUsers && w.Token != "" {
		return fmt.Errorf("websocket authentication token not compatible with presence of users/nkeys")
	}
	if w.Username != "" && w.Token != "" {
		return fmt.Errorf("websocket authentication: user and token cannot both be set")
	}
	if w.NoAuthUser != "" && !hasUsers {
		return fmt.Errorf("no_auth_user: %q present, but users/nkeys are not defined", w.NoAuthUser)
	}
	return nil
}
