package server

import (
	"crypto/tls"
	"fmt"
	"strings"
	"time"

	"github.com/natsd/natsd/conf"
)

// The tls block, for client connections:
//
//	tls {
//	  cert_file: "server.pem", key_file: "server-key.pem"
//	  ca_file: "ca.pem", verify: true      # or verify_and_map: true
//	  timeout: 2                           # seconds, or "2s"
//	  min_version: "1.2"
//	  cipher_suites: [...], curve_preferences: [...]
//	  handshake_first: true                # or "auto", or a fallback delay
//	}

var tlsUnsupportedKeys = []string{
	"insecure", "pinned_certs", "cert_store", "cert_match", "cert_match_by",
	"ca_certs_match", "cert_match_skip_invalid", "certs", "ocsp_peer",
	"verify_cert_and_check_known_urls", "connection_rate_limit",
}

var tlsKeyNames = []string{
	"cert_file", "key_file", "ca_file", "verify", "verify_and_map", "timeout",
	"cipher_suites", "curve_preferences", "min_version", "handshake_first",
}

// tlsBlock is a parsed tls block.
type tlsBlock struct {
	opts            TLSConfigOpts
	cfg             *tls.Config
	mapUsers, first bool
	timeout         time.Duration
	fallback        time.Duration
}

// setTLS reads the tls block into o, loading the certificate files.
func setTLS(o *Options, v *conf.Value) error {
	b, err := parseTLSBlock(v)
	if err != nil {
		return err
	}
	o.TLSConfig = b.cfg
	o.TLSCert, o.TLSKey, o.TLSCaCert = b.opts.CertFile, b.opts.KeyFile, b.opts.CaFile
	o.TLSVerify, o.TLSMap = b.opts.Verify, b.mapUsers
	o.TLSTimeout = b.timeout
	o.TLSHandshakeFirst, o.TLSHandshakeFirstFallback = b.first, b.fallback
	return nil
}

// parseTLSBlock reads a tls block (client or cluster) and builds its
// *tls.Config with GenTLSConfig.
func parseTLSBlock(v *conf.Value) (*tlsBlock, error) {
	m, err := v.AsMap()
	if err != nil {
		return nil, err
	}
	b := &tlsBlock{}
	tc := &b.opts
	var verify bool
	for i := range m.Keys {
		k := &m.Keys[i]
		val := k.Value
		var err error
		switch strings.ToLower(k.Name) {
		case "cert_file":
			tc.CertFile, err = val.AsString()
		case "key_file":
			tc.KeyFile, err = val.AsString()
		case "ca_file":
			tc.CaFile, err = val.AsString()
		case "verify":
			verify, err = val.AsBool()
		case "verify_and_map", "map":
			b.mapUsers, err = val.AsBool()
		case "timeout":
			b.timeout, err = secondsValue(val)
		case "cipher_suites":
			tc.CipherSuites, err = listOf(val, TLSCipherSuite)
		case "curve_preferences":
			tc.CurvePreferences, err = listOf(val, TLSCurve)
		case "min_version":
			var s string
			if s, err = val.AsString(); err == nil {
				if tc.MinVersion, err = ParseTLSVersion(s); err != nil {
					err = val.Errorf("error parsing tls config: %v", err)
				}
			}
		case "handshake_first", "first":
			b.first, b.fallback, err = handshakeFirstValue(val)
		default:
			if k.Used {
				continue
			}
			if containsFold(tlsUnsupportedKeys, k.Name) {
				return nil, &conf.Error{Pos: k.Pos, Msg: fmt.Sprintf("tls %q is not supported by natsd yet", k.Name)}
			}
			msg := fmt.Sprintf("error parsing tls config, unknown field %q", k.Name)
			if hint := conf.DidYouMean(k.Name, tlsKeyNames); hint != "" {
				msg += fmt.Sprintf(" (did you mean %q?)", hint)
			}
			return nil, &conf.Error{Pos: k.Pos, Msg: msg}
		}
		if err != nil {
			return nil, err
		}
	}
	tc.Verify = verify || b.mapUsers
	if b.cfg, err = GenTLSConfig(tc); err != nil {
		return nil, v.Errorf("%v", err)
	}
	return b, nil
}

// secondsValue takes seconds (integer or fraction) or a duration string.
func secondsValue(v *conf.Value) (time.Duration, error) {
	var d time.Duration
	if v.Kind == conf.KindFloat {
		d = time.Duration(v.Float * float64(time.Second))
	} else {
		var err error
		if d, err = v.AsDuration(); err != nil {
			return 0, err
		}
	}
	if d <= 0 {
		return 0, v.Errorf("timeout must be positive")
	}
	return d, nil
}

// listOf converts each string of a list (or a single string).
func listOf[T any](v *conf.Value, conv func(string) (T, error)) ([]T, error) {
	names, err := v.AsStringSlice()
	if err != nil {
		return nil, err
	}
	out := make([]T, 0, len(names))
	for _, n := range names {
		x, err := conv(n)
		if err != nil {
			return nil, v.Errorf("%v", err)
		}
		out = append(out, x)
	}
	return out, nil
}

// handshakeFirstValue reads true/false, "auto" (fall back to INFO first
// after TLSHandshakeFirstAuto) or a fallback delay such as "300ms".
func handshakeFirstValue(v *conf.Value) (bool, time.Duration, error) {
	if v.Kind == conf.KindBool {
		return v.Bool, 0, nil
	}
	s, err := v.AsString()
	if err != nil {
		return false, 0, v.Errorf("field \"handshake_first\" expects a boolean, \"auto\" or a duration")
	}
	switch strings.ToLower(s) {
	case "auto", "auto_fallback":
		return true, TLSHandshakeFirstAuto, nil
	case "true", "on", "yes":
		return true, 0, nil
	case "false", "off", "no":
		return false, 0, nil
	}
	if d, err := time.ParseDuration(s); err == nil && d > 0 {
		return true, d, nil
	}
	return false, 0, v.Errorf("field \"handshake_first\"'s value %q is invalid", s)
}

// tlsVersionName is how /connz and the debug log name a TLS version.
func tlsVersionName(v uint16) string {
	return strings.TrimPrefix(tls.VersionName(v), "TLS ")
}
