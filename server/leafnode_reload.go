package server

import (
	"fmt"
	"reflect"
	"slices"
	"strings"

	"github.com/natsd/natsd/logger"
)

// Reloading leaf node settings: remotes can be added, removed or changed
// (URLs, credentials, account, deny lists), the reconnect interval and the
// authorization of accepted leaf nodes can change. nats-server cannot
// reload any leafnodes setting. A changed remote is a new remote: the old
// one's connection closes and the new one connects.

// remoteKey identifies a remote's settings (a tls block by its presence:
// natsd does not do leaf TLS yet).
func remoteKey(r *RemoteLeafOpts) string {
	var b strings.Builder
	for _, u := range r.URLs {
		b.WriteString(u.String())
		b.WriteByte(',')
	}
	fmt.Fprintf(&b, "|%s|%s|%q|%q|%v|%v|%s|%v|%v|%v", r.LocalAccount, r.Credentials, r.DenyImports, r.DenyExports,
		r.FirstInfoTimeout, r.TLSConfig != nil, r.Compression, r.CompressionRTT, r.WSCompression, r.NoRandomize)
	return b.String()
}

func remoteKeys(rs []*RemoteLeafOpts) []string {
	out := make([]string, len(rs))
	for i, r := range rs {
		out[i] = remoteKey(r)
	}
	return out
}

// leafAuthFields are the LeafNodeOpts fields of the authorization block.
var leafAuthFields = map[string]bool{"Username": true, "Password": true, "Token": true, "Users": true, "Account": true, "AuthTimeout": true}

// leafDiff compares the leafnodes settings for a reload.
func leafDiff(old, cur *LeafNodeOpts) (changed, refused []string) {
	ov, nv := reflect.ValueOf(old).Elem(), reflect.ValueOf(cur).Elem()
	t := ov.Type()
	auth := false
	for i := 0; i < t.NumField(); i++ {
		name := t.Field(i).Name
		switch {
		case name == "Remotes":
			if !slices.Equal(remoteKeys(old.Remotes), remoteKeys(cur.Remotes)) {
				changed = append(changed, "leafnodes.remotes")
			}
			continue
		case name == "TLSConfig":
			if (old.TLSConfig == nil) != (cur.TLSConfig == nil) {
				refused = append(refused, "leafnodes.tls")
			}
			continue
		}
		if reflect.DeepEqual(ov.Field(i).Interface(), nv.Field(i).Interface()) {
			continue
		}
		switch {
		case name == "ReconnectInterval":
			changed = append(changed, "leafnodes.reconnect")
		case name == "Compression" || name == "CompressionRTT":
			changed = append(changed, "leafnodes.compression") // leafnode_compress.go
		case leafAuthFields[name]:
			auth = true
		default:
			refused = append(refused, "leafnodes."+configName(name))
		}
	}
	if auth {
		changed = append(changed, "leafnodes.authorization")
	}
	return changed, refused
}

// reloadLeafNodes applies a reload's leafnodes settings: the authorization
// of accepted leaf nodes (for new connections), and the remotes.
func (s *Server) reloadLeafNodes(old, cur *Options) {
	if err := s.setLeafAuth(cur); err != nil {
		s.log.Errorf("Leafnode authorization: %v", err) // validated before
	}
	if len(cur.LeafNode.Remotes) > 0 {
		s.leafs.active.Store(true)
	}
	s.reloadLeafCompression(&old.LeafNode, &cur.LeafNode)
	keep := make(map[string]bool)
	for _, r := range cur.LeafNode.Remotes {
		keep[remoteKey(r)] = true
	}
	s.mu.Lock()
	running := make(map[string]*RemoteLeafOpts, len(s.leafs.remotes))
	var stop []*RemoteLeafOpts
	for ro := range s.leafs.remotes {
		k := remoteKey(ro)
		if keep[k] && running[k] == nil {
			running[k] = ro
		} else {
			stop = append(stop, ro)
		}
	}
	s.mu.Unlock()
	for _, ro := range stop {
		logger.Notice(s.log, logger.Record{Msg: "Leafnode remote removed by reload", Text: "Leafnode remote %s removed by reload",
			Fields: []logger.Field{logger.F("remote", redactURLs(ro))}})
		s.stopRemote(ro)
	}
	for _, ro := range cur.LeafNode.Remotes {
		k := remoteKey(ro)
		if running[k] != nil {
			delete(running, k) // one running remote per configured one
			continue
		}
		logger.Notice(s.log, logger.Record{Msg: "Leafnode remote added by reload", Text: "Leafnode remote %s added by reload",
			Fields: []logger.Field{logger.F("remote", redactURLs(ro))}})
		s.startRemote(ro)
	}
}

// redactURLs names a remote's URLs without their credentials.
func redactURLs(r *RemoteLeafOpts) string {
	hosts := make([]string, len(r.URLs))
	for i, u := range r.URLs {
		hosts[i] = u.Host
	}
	return strings.Join(hosts, ",")
}
