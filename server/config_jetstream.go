package server

import (
	"fmt"
	"strings"
	"time"

	"github.com/natsd/natsd/accounts"
	"github.com/natsd/natsd/conf"
	"github.com/natsd/natsd/jetstream/store"
)

// JetStreamOpts are the jetstream block (and -js, -sd).
type JetStreamOpts struct {
	// Enabled turns JetStream on.
	Enabled bool
	// StoreDir is the directory under which "jetstream/" is kept (default:
	// the system's temporary directory, as nats-server).
	StoreDir string
	// MaxMemory and MaxStore are the server's limits on memory and file
	// storage; 0 picks nats-server's defaults (75% of the machine's memory,
	// 75% of the free space of the store's disk, at most 1 TB).
	MaxMemory int64
	MaxStore  int64
	// Domain is the JetStream domain, reported in PubAcks and infos.
	Domain string
	// SyncInterval is how often file stores are fsynced (default 2m);
	// SyncAlways fsyncs after every write.
	SyncInterval time.Duration
	SyncAlways   bool
	// MaxBufferedMsgs and MaxBufferedSize bound the messages a stream may
	// hold in memory before they are written (accepted for compatibility:
	// natsd writes each message before it is acknowledged).
	MaxBufferedMsgs int
	MaxBufferedSize int64
	// Cipher and Key encrypt the file stores at rest.
	Cipher store.Cipher
	Key    string
}

// DefaultSyncInterval is how often file stores are fsynced by default.
const DefaultSyncInterval = 2 * time.Minute

func (j *JetStreamOpts) validate() error {
	if j.MaxMemory < 0 || j.MaxStore < 0 {
		return fmt.Errorf("jetstream max_memory_store and max_file_store must not be negative")
	}
	if j.Domain != "" && strings.ContainsAny(j.Domain, " .*>\t") {
		return fmt.Errorf("jetstream domain %q must not contain spaces, dots or wildcards", j.Domain)
	}
	return nil
}

// enabledValue reads "enabled"/"disabled" or a boolean.
func enabledValue(v *conf.Value) (bool, error) {
	if b, err := v.AsBool(); err == nil {
		return b, nil
	}
	s, err := v.AsString()
	if err != nil {
		return false, v.Errorf("expected enabled, disabled, a boolean or a map")
	}
	switch strings.ToLower(s) {
	case "enabled", "enable", "true", "on", "yes":
		return true, nil
	case "disabled", "disable", "false", "off", "no":
		return false, nil
	}
	return false, v.Errorf("expected enabled or disabled, got %q", s)
}

// setJetStream reads the top-level jetstream key: a boolean, enabled or
// disabled, or a block (which enables JetStream unless it says
// enabled: false).
func setJetStream(o *Options, v *conf.Value) error {
	j := &o.JetStream
	if v.Kind != conf.KindMap {
		on, err := enabledValue(v)
		j.Enabled = on
		return err
	}
	m, _ := v.AsMap()
	j.Enabled = true
	keys := []string{"enabled", "store_dir", "max_memory_store", "max_file_store", "domain", "sync_interval",
		"max_buffered_msgs", "max_buffered_size", "cipher", "key"}
	for i := range m.Keys {
		k := &m.Keys[i]
		var err error
		switch strings.ToLower(k.Name) {
		case "enabled", "enable":
			j.Enabled, err = enabledValue(k.Value)
		case "store_dir", "storedir", "store":
			j.StoreDir, err = k.Value.AsString()
		case "max_memory_store", "max_mem_store", "max_mem", "max_memory":
			j.MaxMemory, err = sizeArg(k.Value)
		case "max_file_store", "max_file", "max_store":
			j.MaxStore, err = sizeArg(k.Value)
		case "domain":
			j.Domain, err = k.Value.AsString()
		case "sync_interval", "sync":
			if s, serr := k.Value.AsString(); serr == nil && strings.EqualFold(s, "always") {
				j.SyncAlways, j.SyncInterval = true, 0
				break
			}
			j.SyncInterval, err = k.Value.AsDuration()
			if err == nil && j.SyncInterval <= 0 {
				err = k.Value.Errorf("sync_interval must be positive or \"always\"")
			}
		case "max_buffered_msgs":
			var n int64
			n, err = sizeArg(k.Value)
			j.MaxBufferedMsgs = int(n)
		case "max_buffered_size":
			j.MaxBufferedSize, err = sizeArg(k.Value)
		case "cipher":
			var s string
			if s, err = k.Value.AsString(); err == nil {
				switch strings.ToLower(s) {
				case "aes", "aes-256-gcm", "aes256gcm":
					j.Cipher = store.AES256GCM
				case "chacha", "chachapoly", "chacha20-poly1305", "chacha20poly1305":
					j.Cipher = store.ChaCha20Poly1305
				default:
					err = k.Value.Errorf("unknown cipher %q (expected aes or chacha)", s)
				}
			}
		case "key", "ek", "encryption_key":
			j.Key, err = k.Value.AsString()
		default:
			if k.Used {
				continue
			}
			msg := fmt.Sprintf("unknown field %q in jetstream", k.Name)
			if hint := conf.DidYouMean(k.Name, keys); hint != "" {
				msg += fmt.Sprintf(" (did you mean %q?)", hint)
			}
			err = &conf.Error{Pos: k.Pos, Msg: msg}
		}
		if err != nil {
			return err
		}
	}
	if j.Cipher != store.NoCipher && j.Key == "" {
		return v.Errorf("jetstream cipher needs a key")
	}
	return nil
}

// sizeArg is a non-negative integer (sizes such as 1GB included).
func sizeArg(v *conf.Value) (int64, error) {
	n, err := v.AsInt()
	if err != nil {
		return 0, err
	}
	if n < -1 {
		return 0, v.Errorf("%d must not be negative", n)
	}
	if n == -1 {
		n = 0
	}
	return n, nil
}

// accountJetStreamValue reads an account's jetstream key: enabled,
// disabled, a boolean, or limits {max_mem, max_file, max_streams,
// max_consumers} (each -1 or absent: unlimited).
func accountJetStreamValue(v *conf.Value) (*accounts.JetStreamLimits, error) {
	unl := &accounts.JetStreamLimits{MaxMemory: -1, MaxStore: -1, MaxStreams: -1, MaxConsumers: -1}
	if v.Kind != conf.KindMap {
		on, err := enabledValue(v)
		if err != nil || !on {
			return nil, err
		}
		return unl, nil
	}
	m, _ := v.AsMap()
	for i := range m.Keys {
		k := &m.Keys[i]
		if strings.EqualFold(k.Name, "max_bytes_required") {
			if _, err := k.Value.AsBool(); err != nil {
				return nil, err
			}
			continue // accepted; not enforced yet (see README, JetStream)
		}
		n, err := k.Value.AsInt()
		if err != nil {
			if strings.EqualFold(k.Name, "enabled") {
				on, err := enabledValue(k.Value)
				if err != nil || !on {
					return nil, err
				}
				continue
			}
			return nil, err
		}
		if n < -1 {
			return nil, k.Value.Errorf("%d must not be below -1", n)
		}
		switch strings.ToLower(k.Name) {
		case "max_mem", "max_memory":
			unl.MaxMemory = n
		case "max_file", "max_store":
			unl.MaxStore = n
		case "max_streams":
			unl.MaxStreams = int(n)
		case "max_consumers":
			unl.MaxConsumers = int(n)
		case "max_ack_pending", "mem_max_stream_bytes", "store_max_stream_bytes":
			// accepted; not enforced yet (see README, JetStream).
		default:
			return nil, &conf.Error{Pos: k.Pos, Msg: fmt.Sprintf("unknown field %q in account jetstream (expected max_mem, max_file, max_streams, max_consumers)", k.Name)}
		}
	}
	return unl, nil
}
