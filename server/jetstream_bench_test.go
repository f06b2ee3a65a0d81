package server

import (
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
