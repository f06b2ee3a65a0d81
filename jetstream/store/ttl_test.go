package store

import (
	"math"
	"testing"
)

// TestHugeTTL: a TTL whose expiry does not fit in int64 nanoseconds
// never expires (it used to wrap around and could expire at once).
func TestHugeTTL(t *testing.T) {
	s := NewMemStore(Config{AllowMsgTTL: true})
	now := int64(1_700_000_000) * 1e9
	for _, ttl := range []int64{9_999_999_999_999, math.MaxInt64 / 2, math.MaxInt64} {
		if _, err := s.StoreMsg("a", nil, []byte("x"), now, ttl); err != nil {
			t.Fatal(err)
		}
	}
	if n := s.ExpireOld(now+int64(1e9)*1e9, nil); n != 0 {
		t.Fatalf("%d messages with huge TTLs expired", n)
	}
	if next := s.NextExpiry(); next != math.MaxInt64 {
		t.Fatalf("next expiry %d", next)
	}
}
