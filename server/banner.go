package server

import (
	"runtime"

	"github.com/natsd/natsd/logger"
)

// logBanner logs who is starting: natsd's version, the nats-server version
// it is compatible with, the server's name and identity and its
// configuration file. Text lays it out as nats-server's banner, one line
// per value; JSON writes one record with a key per value.
func (s *Server) logBanner() {
	o := s.getOpts()
	text := "Starting natsd\n" +
		"  Version:  %s\n" +
		"  Compat:   nats-server %s\n" +
		"  Go:       %s\n" +
		"  Git:      [not set]"
	f := []logger.Field{
		logger.F("version", NatsdVersion),
		logger.F("compat", CompatVersion),
		logger.F("go", runtime.Version()),
	}
	if o.Cluster.Name != "" {
		text += "\n  Cluster:  %s"
		f = append(f, logger.F("cluster", o.Cluster.Name))
	}
	text += "\n  Name:     %s\n  ID:       %s"
	f = append(f, logger.F("name", s.name), logger.F("id", s.id))
	if o.ConfigFile != "" {
		text += "\nUsing configuration file: %s (sha256:%s)"
		f = append(f, logger.F("config", o.ConfigFile), logger.F("config_sha256", o.ConfigDigest))
	}
	logger.Notice(s.log, logger.Record{Msg: "Starting natsd", Text: text, Fields: f})
}
