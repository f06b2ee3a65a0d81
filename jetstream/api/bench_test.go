package api

import (
	"encoding/json"
	"testing"
)

func BenchmarkAppendPubAck(b *testing.B) {
	buf := make([]byte, 0, 64)
	b.ReportAllocs()
	for b.Loop() {
		buf = AppendPubAck(buf[:0], "ORDERS", "", 123456789, false)
	}
}

func BenchmarkPubAckMarshal(b *testing.B) {
	b.ReportAllocs()
	for b.Loop() {
		_, _ = json.Marshal(&PubAck{Stream: "ORDERS", Sequence: 123456789})
	}
}

func BenchmarkParse(b *testing.B) {
	b.ReportAllocs()
	for b.Loop() {
		if _, ok := Parse("$JS.API.CONSUMER.INFO.ORDERS.worker"); !ok {
			b.Fatal("parse")
		}
	}
}

func BenchmarkStreamCreateDecodeValidate(b *testing.B) {
	body := []byte(`{"name":"ORDERS","subjects":["orders.>"],"retention":"limits","storage":"file","max_age":3600000000000,"num_replicas":1}`)
	b.ReportAllocs()
	for b.Loop() {
		var req StreamConfigRequest
		if e := Decode(body, &req); e != nil {
			b.Fatal(e)
		}
		req.SetDefaults()
		if e := req.Validate(ValidateOptions{Create: true}); e != nil {
			b.Fatal(e)
		}
	}
}
