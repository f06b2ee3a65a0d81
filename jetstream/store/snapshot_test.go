package store

import (
	"bytes"
	"errors"
	"fmt"
	"reflect"
	"testing"
)

func TestSnapshotRestore(t *testing.T) {
	for _, from := range []kind{kindMem, kindFile} {
		for _, to := range []kind{kindMem, kindFile} {
			t.Run(fmt.Sprintf("%s to %s", from, to), func(t *testing.T) {
				src := newHarness(t, from, Config{AllowMsgTTL: true})
				src.s.Compact(10)
				for i := 0; i < 50; i++ {
					var hdr []byte
					if i%2 == 0 {
						hdr = []byte("NATS/1.0\r\nX: y\r\n\r\n")
					}
					ttl := int64(0)
					if i%7 == 0 {
						ttl = 30
					}
					src.s.StoreMsg(fmt.Sprintf("snap.%d", i%5), hdr, bytes.Repeat([]byte{byte(i)}, i*3), int64(i+1)*sec, ttl)
				}
				src.s.RemoveMsg(10)
				src.s.RemoveMsg(30)
				src.s.RemoveMsg(59) // the last: the restored store must still end at 59
				var buf bytes.Buffer
				if err := WriteSnapshot(src.s, &buf); err != nil {
					t.Fatal(err)
				}
				dst := newHarness(t, to, Config{AllowMsgTTL: true})
				n, err := RestoreSnapshot(bytes.NewReader(buf.Bytes()), dst.s)
				if err != nil || n != 47 {
					t.Fatalf("restore: %d %v", n, err)
				}
				dst.reopen()
				a, b := src.s.State(), dst.s.State()
				a.LastTime, b.LastTime = 0, 0 // the time of a removed last message is not in a snapshot
				if !reflect.DeepEqual(a, b) {
					t.Fatalf("state:\nsrc %+v\ndst %+v", a, b)
				}
				compareStores(t, src.s, dst.s, func(f string, args ...any) { t.Fatalf(f, args...) }, true)
				// A restore into a store that holds messages is refused.
				if _, err := RestoreSnapshot(bytes.NewReader(buf.Bytes()), dst.s); !errors.Is(err, ErrSequenceMismatch) {
					t.Fatalf("restore over data: %v", err)
				}
				// A damaged snapshot is refused.
				bad := append([]byte(nil), buf.Bytes()...)
				bad[len(bad)/2] ^= 0xff
				if _, err := RestoreSnapshot(bytes.NewReader(bad), NewMemStore(Config{AllowMsgTTL: true})); err == nil {
					t.Fatal("damaged snapshot restored")
				}
				if _, err := RestoreSnapshot(bytes.NewReader(buf.Bytes()[:buf.Len()-3]), NewMemStore(Config{AllowMsgTTL: true})); !errors.Is(err, ErrBadSnapshot) {
					t.Fatalf("cut snapshot: %v", err)
				}
			})
		}
	}
}
