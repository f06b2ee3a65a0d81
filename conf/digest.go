package conf

import (
	"bytes"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
)

// Digest identifies the configuration a map describes, the way nats-server
// reports it ("Using configuration file: nats.conf (sha256:...)"): the
// SHA-256 of the map's values encoded as JSON (keys sorted, one trailing
// newline), after variables and includes are resolved. Comments, layout and
// the separators used do not change it; any change of a value does.
func (m *Map) Digest() string {
	var b bytes.Buffer
	// Encoding plain maps, strings, numbers, booleans and times cannot fail.
	_ = json.NewEncoder(&b).Encode(m.Interface())
	sum := sha256.Sum256(b.Bytes())
	return hex.EncodeToString(sum[:])
}
