package store

import (
	"crypto/aes"
	"crypto/cipher"
	"crypto/hkdf"
	"crypto/rand"
	"crypto/sha256"
	"crypto/subtle"
	"encoding/binary"
	"errors"

	"golang.org/x/crypto/chacha20poly1305"
)

// Errors of an encrypted store.
var (
	ErrNoKey    = errors.New("store is encrypted and no key is configured")
	ErrWrongKey = errors.New("store is encrypted with another key")
)

// newAEAD builds the cipher for a store, nil without encryption.
func newAEAD(c Cipher, secret []byte) (cipher.AEAD, error) {
	if c == NoCipher {
		return nil, nil
	}
	if len(secret) == 0 {
		return nil, errors.New("store encryption needs a key")
	}
	key, err := hkdf.Key(sha256.New, secret, nil, "natsd jetstream store", 32)
	if err != nil {
		return nil, err
	}
	switch c {
	case AES256GCM:
		blk, err := aes.NewCipher(key)
		if err != nil {
			return nil, err
		}
		return cipher.NewGCM(blk)
	case ChaCha20Poly1305:
		return chacha20poly1305.New(key)
	}
	return nil, errors.New("unknown store cipher")
}

// checkKey verifies that aead opens a block with header h.
func checkKey(aead cipher.AEAD, h blockHeader) error {
	if aead == nil {
		return ErrNoKey
	}
	if subtle.ConstantTimeCompare(keyCheck(aead, h), h.check[:]) != 1 {
		return ErrWrongKey
	}
	return nil
}

// randUint64 is a random block salt.
func randUint64() uint64 {
	var b [8]byte
	rand.Read(b[:]) // never fails (crypto/rand panics rather)
	return binary.LittleEndian.Uint64(b[:])
}
