package server

import (
	"crypto/subtle"
	"encoding/json"
)

// connectOptions are the fields a client may send in CONNECT.
type connectOptions struct {
	Verbose      bool   `json:"verbose"`
	Pedantic     bool   `json:"pedantic"`
	TLSRequired  bool   `json:"tls_required"`
	AuthToken    string `json:"auth_token,omitempty"`
	Username     string `json:"user,omitempty"`
	Password     string `json:"pass,omitempty"`
	Name         string `json:"name"`
	Lang         string `json:"lang"`
	Version      string `json:"version"`
	Protocol     int    `json:"protocol"`
	Echo         *bool  `json:"echo,omitempty"`
	Headers      bool   `json:"headers"`
	NoResponders bool   `json:"no_responders"`
	Nkey         string `json:"nkey,omitempty"`
	Sig          string `json:"sig,omitempty"`
	JWT          string `json:"jwt,omitempty"`
}

// ProcessConnect applies CONNECT: options, then authentication.
func (c *client) ProcessConnect(arg []byte) error {
	if c.tracing() {
		c.traceIn("CONNECT", redactConnect(arg))
	}
	var o connectOptions
	if err := json.Unmarshal(arg, &o); err != nil {
		c.srv.log.Errorf("%s - Invalid CONNECT: %v", c.logPrefix(), err)
		return &clientError{text: errInvalidConnectJSON, reason: ProtocolViolation}
	}
	c.opts = o
	if !c.authenticate(&o) {
		c.srv.log.Errorf("%s - %q - Authorization Error", c.logPrefix(), o.Name)
		return &clientError{text: errAuthorization, reason: AuthenticationViolation}
	}
	var flags uint32
	if o.Headers && !c.srv.opts.NoHeaderSupport {
		flags |= flagHeaders
	}
	if o.Echo != nil && !*o.Echo {
		flags |= flagNoEcho
	}
	if o.Protocol >= 1 {
		flags |= flagAsyncInfo
	}
	c.flags.Store(flags)
	c.connected = true
	c.setLogPrefix()
	c.mu.Lock()
	if c.authTimer != nil {
		c.authTimer.Stop()
	}
	c.mu.Unlock()
	c.sendOK()
	return nil
}

// authenticate checks the credentials in constant time.
func (c *client) authenticate(o *connectOptions) bool {
	opts := c.srv.opts
	switch {
	case opts.Authorization != "":
		return equalConstantTime(o.AuthToken, opts.Authorization)
	case opts.Username != "":
		userOK := equalConstantTime(o.Username, opts.Username)
		passOK := equalConstantTime(o.Password, opts.Password)
		return userOK && passOK
	}
	return true
}

func equalConstantTime(a, b string) bool {
	return subtle.ConstantTimeCompare([]byte(a), []byte(b)) == 1
}
