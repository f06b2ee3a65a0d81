package server

import (
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"sync"
)

// jwtStore is the directory of a full or cache resolver: one file
// <account public key>.jwt per account, holding its JWT. Files are
// replaced atomically (written aside, then renamed), so a crash leaves
// either the old JWT or the new one.
type jwtStore struct {
	dir string
	mu  sync.Mutex // serializes writes; a leaf
}

// openJWTStore opens (creating it if needed) the resolver directory.
func openJWTStore(dir string) (*jwtStore, error) {
	if err := os.MkdirAll(dir, 0o750); err != nil {
		return nil, fmt.Errorf("resolver dir: %w", err)
	}
	return &jwtStore{dir: dir}, nil
}

// all reads every stored JWT, by account public key.
func (st *jwtStore) all() map[string]string {
	out := make(map[string]string)
	ents, err := os.ReadDir(st.dir)
	if err != nil {
		return out
	}
	for _, e := range ents {
		name := e.Name()
		if e.IsDir() || !strings.HasSuffix(name, ".jwt") {
			continue
		}
		b, err := os.ReadFile(filepath.Join(st.dir, name))
		if err != nil {
			continue
		}
		out[strings.TrimSuffix(name, ".jwt")] = strings.TrimSpace(string(b))
	}
	return out
}

// put stores the JWT of account pub.
func (st *jwtStore) put(pub, token string) error {
	if strings.ContainsAny(pub, "/\\.") || pub == "" {
		return fmt.Errorf("invalid account key %q", pub)
	}
	st.mu.Lock()
	defer st.mu.Unlock()
	tmp := filepath.Join(st.dir, "."+pub+".tmp")
	if err := os.WriteFile(tmp, []byte(token), 0o640); err != nil {
		return err
	}
	return os.Rename(tmp, filepath.Join(st.dir, pub+".jwt"))
}

// remove deletes the JWT of account pub.
func (st *jwtStore) remove(pub string) {
	if strings.ContainsAny(pub, "/\\.") || pub == "" {
		return
	}
	st.mu.Lock()
	defer st.mu.Unlock()
	os.Remove(filepath.Join(st.dir, pub+".jwt"))
}
