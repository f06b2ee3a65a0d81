package main

import (
	"errors"
	"flag"

	"github.com/natsd/natsd/server"
)

// tlsFlagNames are the flags that turn client TLS on, as in nats-server:
// any of them does.
var tlsFlagNames = []string{"tls", "tlscert", "tlskey", "tlsverify", "tlscacert"}

// addTLSFlags registers --tls, --tlscert, --tlskey, --tlsverify,
// --tlscacert and --help_tls. The function it returns, called after
// parsing, builds the TLS configuration when a TLS flag was given: the
// flags override the file's certificate, key, CA and verify settings and
// keep its other tls settings (cipher suites, curves, minimum version).
func addTLSFlags(fs *flag.FlagSet, opts *server.Options, showTLSHelp *bool) func() error {
	var enable bool
	fs.BoolVar(&enable, "tls", false, "")
	fs.StringVar(&opts.TLSCert, "tlscert", opts.TLSCert, "")
	fs.StringVar(&opts.TLSKey, "tlskey", opts.TLSKey, "")
	fs.BoolVar(&opts.TLSVerify, "tlsverify", opts.TLSVerify, "")
	fs.StringVar(&opts.TLSCaCert, "tlscacert", opts.TLSCaCert, "")
	fs.BoolVar(showTLSHelp, "help_tls", false, "")
	return func() error {
		given := false
		fs.Visit(func(f *flag.Flag) {
			for _, n := range tlsFlagNames {
				given = given || f.Name == n
			}
		})
		if !given {
			return nil
		}
		switch {
		case opts.TLSCert == "":
			return errors.New("TLS Server certificate must be present and valid")
		case opts.TLSKey == "":
			return errors.New("TLS Server private key must be present and valid")
		}
		tc := &server.TLSConfigOpts{
			CertFile: opts.TLSCert, KeyFile: opts.TLSKey, CaFile: opts.TLSCaCert,
			Verify: opts.TLSVerify || opts.TLSMap,
		}
		if prev := opts.TLSConfig; prev != nil {
			tc.CipherSuites, tc.CurvePreferences, tc.MinVersion = prev.CipherSuites, prev.CurvePreferences, prev.MinVersion
		}
		cfg, err := server.GenTLSConfig(tc)
		if err != nil {
			return err
		}
		opts.TLSConfig, opts.TLSVerify = cfg, tc.Verify
		return nil
	}
}
