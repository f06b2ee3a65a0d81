package auth

import (
	"crypto/rand"
	"encoding/base64"

	"github.com/nats-io/nkeys"
)

// NonceRawLen is the number of random bytes in a nonce. Encoded with
// unpadded URL-safe base64 it gives the 15 characters the reference
// sends in INFO (e.g. "fkdw_zUXpKgveYA").
const NonceRawLen = 11

// NewNonce returns a fresh random nonce in the form nats-server puts in
// the INFO "nonce" field: 11 random bytes as unpadded URL-safe base64
// (15 characters from [A-Za-z0-9_-]). The client signs these exact
// bytes (the text, not the decoded value) with its nkey seed.
func NewNonce() []byte {
	var raw [NonceRawLen]byte
	_, _ = rand.Read(raw[:]) // never fails (crypto/rand aborts instead)
	out := make([]byte, base64.RawURLEncoding.EncodedLen(NonceRawLen))
	base64.RawURLEncoding.Encode(out, raw[:])
	return out
}

// sigEncodings are tried in turn to decode a CONNECT "sig": clients send
// unpadded URL-safe base64 (nats.go and most others), some padded or
// standard base64; the reference accepts both.
var sigEncodings = []*base64.Encoding{
	base64.RawURLEncoding,
	base64.URLEncoding,
	base64.RawStdEncoding,
	base64.StdEncoding,
}

// decodeSig decodes a signature in any accepted encoding.
func decodeSig(sig string) ([]byte, bool) {
	for _, enc := range sigEncodings {
		if b, err := enc.DecodeString(sig); err == nil {
			return b, true
		}
	}
	return nil, false
}

// verifyNonce reports whether sig is kp's signature of nonce.
func verifyNonce(kp nkeys.KeyPair, nonce []byte, sig string) bool {
	if len(nonce) == 0 || sig == "" || kp == nil {
		return false
	}
	raw, ok := decodeSig(sig)
	if !ok {
		return false
	}
	return kp.Verify(nonce, raw) == nil
}

// VerifyNonceSig reports whether sig (as a CONNECT carries it) is the
// signature of nonce by the public nkey pub.
func VerifyNonceSig(pub string, nonce []byte, sig string) bool {
	kp, err := nkeys.FromPublicKey(pub)
	if err != nil {
		return false
	}
	return verifyNonce(kp, nonce, sig)
}
