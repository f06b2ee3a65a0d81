package transform

import (
	"math/rand/v2"
	"testing"
)

func benchTransform(b *testing.B, src, dest, subject string) {
	tr, err := New(src, dest)
	if err != nil {
		b.Fatal(err)
	}
	subj := []byte(subject)
	buf := make([]byte, 0, 256)
	b.ReportAllocs()
	b.SetBytes(int64(len(subj)))
	for b.Loop() {
		if buf, err = tr.Append(buf[:0], subj, nil); err != nil {
			b.Fatal(err)
		}
	}
}

func BenchmarkLiteral(b *testing.B) {
	benchTransform(b, "orders.placed", "orders.created", "orders.placed")
}

func BenchmarkWildcard(b *testing.B) {
	benchTransform(b, "orders.*.*.>", "dash.$2.{{wildcard(1)}}.>", "orders.eu.shop42.line.7")
}

func BenchmarkPartition(b *testing.B) {
	benchTransform(b, "orders.*.*", "orders.{{partition(16,1,2)}}.$1.$2", "orders.eu.customer-1234")
}

func BenchmarkSplit(b *testing.B) {
	benchTransform(b, "ids.*", "ids.{{split(1,-)}}.{{slicefromleft(1,4)}}", "ids.2f1c-77ab-90de")
}

func BenchmarkWeighted(b *testing.B) {
	m, err := NewMapping("svc.*", []Destination{
		{Subject: "svc.v1.$1", Weight: 80},
		{Subject: "svc.v2.$1", Weight: 15},
	})
	if err != nil {
		b.Fatal(err)
	}
	r := rand.New(rand.NewPCG(1, 2))
	subj := []byte("svc.lookup")
	buf := make([]byte, 0, 64)
	b.ReportAllocs()
	for b.Loop() {
		if buf, err = m.Append(buf[:0], subj, "", r); err != nil {
			b.Fatal(err)
		}
	}
}

func BenchmarkCompile(b *testing.B) {
	b.ReportAllocs()
	for b.Loop() {
		if _, err := New("orders.*.*.>", "dash.{{partition(8,1)}}.$2.{{splitfromleft(1,2)}}.>"); err != nil {
			b.Fatal(err)
		}
	}
}
