package server

import (
	"context"
	"math/rand"
	"strconv"
	"testing"

	"github.com/nats-io/nats.go/jetstream"
)

// BenchmarkJetStreamPublishAsync: 128-byte asynchronous publishes into a
// file stream, acks awaited per 500.
func BenchmarkJetStreamPublishAsync(b *testing.B) {
	for _, storage := range []jetstream.StorageType{jetstream.FileStorage, jetstream.MemoryStorage} {
		b.Run(storage.String(), func(b *testing.B) {
			s := jsStart(b, "", nil)
			_, js := jsConnect(b, s, nil...)
			ctx := jsCtx(b)
			if _, err := js.CreateStream(ctx, jetstream.StreamConfig{Name: "B", Subjects: []string{"b"}, Storage: storage}); err != nil {
				b.Fatal(err)
			}
			msg := make([]byte, 128)
			b.SetBytes(128)
			b.ReportAllocs()
			b.ResetTimer()
			for i := 0; i < b.N; i++ {
				if _, err := js.PublishAsync("b", msg); err != nil {
					b.Fatal(err)
				}
				if i%500 == 499 {
					<-js.PublishAsyncComplete()
				}
			}
			<-js.PublishAsyncComplete()
		})
	}
}

// BenchmarkKVPut: one KeyValue put of a distinct key at a time, each
// awaited, into a file bucket (what "nats bench kv put" does).
func BenchmarkKVPut(b *testing.B) {
	kv := benchBucket(b)
	val := make([]byte, 128)
	b.ReportAllocs()
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		if _, err := kv.Put(context.Background(), "k"+strconv.Itoa(i), val); err != nil {
			b.Fatal(err)
		}
	}
}

// BenchmarkKVGet: one KeyValue get of a random key among 2000 at a time
// (a direct get of the subject's last message).
func BenchmarkKVGet(b *testing.B) {
	kv := benchBucket(b)
	val := make([]byte, 128)
	const keys = 2000
	for i := 0; i < keys; i++ {
		if _, err := kv.Put(context.Background(), "k"+strconv.Itoa(i), val); err != nil {
			b.Fatal(err)
		}
	}
	rnd := rand.New(rand.NewSource(1))
	b.ReportAllocs()
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		if _, err := kv.Get(context.Background(), "k"+strconv.Itoa(rnd.Intn(keys))); err != nil {
			b.Fatal(err)
		}
	}
}

func benchBucket(b *testing.B) jetstream.KeyValue {
	s := jsStart(b, "", nil)
	_, js := jsConnect(b, s)
	kv, err := js.CreateKeyValue(jsCtx(b), jetstream.KeyValueConfig{Bucket: "bench", Storage: jetstream.FileStorage})
	if err != nil {
		b.Fatal(err)
	}
	return kv
}
