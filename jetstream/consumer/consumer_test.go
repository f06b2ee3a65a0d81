package consumer

import (
	"reflect"
	"testing"
	"time"
)

func TestStateRoundTrip(t *testing.T) {
	cases := []*State{
		{},
		{Delivered: SequencePair{5, 9}, AckFloor: SequencePair{5, 9}},
		{
			Delivered:   SequencePair{Consumer: 12, Stream: 40},
			AckFloor:    SequencePair{Consumer: 3, Stream: 10},
			Pending:     map[uint64]Pending{11: {Sequence: 4, Timestamp: 1700000000000000000}, 40: {Sequence: 12, Timestamp: -5}},
			Redelivered: map[uint64]uint64{11: 3},
		},
	}
	for i, st := range cases {
		b := Encode(nil, st)
		got, err := Decode(b)
		if err != nil {
			t.Fatalf("case %d: %v", i, err)
		}
		if !reflect.DeepEqual(got, st) {
			t.Fatalf("case %d: got %+v want %+v", i, got, st)
		}
		if b2 := Encode(nil, got); string(b2) != string(b) {
			t.Fatalf("case %d: encoding not stable", i)
		}
	}
}

func TestDecodeRejects(t *testing.T) {
	good := Encode(nil, &State{Delivered: SequencePair{2, 2}, AckFloor: SequencePair{1, 1},
		Pending: map[uint64]Pending{2: {Sequence: 2, Timestamp: 1}}})
	bad := [][]byte{
		nil, {0x4a}, {0, 1}, {0x4a, 9},
		good[:len(good)-1],
		append(append([]byte(nil), good...), 0),
		// ack floor above delivered
		Encode(nil, &State{Delivered: SequencePair{1, 1}, AckFloor: SequencePair{2, 2}}),
	}
	for i, b := range bad {
		if _, err := Decode(b); err != ErrCorruptState {
			t.Fatalf("case %d: err %v", i, err)
		}
	}
}

func FuzzDecode(f *testing.F) {
	f.Add(Encode(nil, &State{Delivered: SequencePair{3, 7}, AckFloor: SequencePair{1, 2},
		Pending: map[uint64]Pending{5: {Sequence: 2, Timestamp: 9}}, Redelivered: map[uint64]uint64{5: 2}}))
	f.Fuzz(func(t *testing.T, b []byte) {
		st, err := Decode(b)
		if err != nil {
			return
		}
		st2, err := Decode(Encode(nil, st))
		if err != nil || !reflect.DeepEqual(st, st2) {
			t.Fatalf("re-decode: %v", err)
		}
	})
}

func TestAckReply(t *testing.T) {
	b := AppendAckReply(nil, "S", "C", 2, 10, 7, 1796300517432589977, 3)
	if string(b) != "$JS.ACK.S.C.2.10.7.1796300517432589977.3" {
		t.Fatalf("got %s", b)
	}
	r, ok := ParseAckReply(b[len("$JS.ACK.S.C."):])
	if !ok || r != (AckReply{Delivered: 2, Stream: 10, Consumer: 7}) {
		t.Fatalf("parse %+v %v", r, ok)
	}
	for _, bad := range []string{"", "1.2.3.4", "1.2.3.4.5.6", "a.2.3.4.5", "1..3.4.5", "99999999999999999999999.1.1.1.1"} {
		if _, ok := ParseAckReply([]byte(bad)); ok {
			t.Fatalf("%q parsed", bad)
		}
	}
}

func TestParseAck(t *testing.T) {
	cases := []struct {
		in   string
		want Ack
	}{
		{"", Ack{Kind: AckAck}},
		{"+ACK", Ack{Kind: AckAck}},
		{"-NAK", Ack{Kind: AckNak}},
		{`-NAK {"delay": 2000000000}`, Ack{Kind: AckNak, Delay: 2 * time.Second}},
		{"-NAK 1s", Ack{Kind: AckNak, Delay: time.Second}},
		{"+WPI", Ack{Kind: AckProgress}},
		{"+NXT", Ack{Kind: AckNext, Next: []byte("")[:0]}},
		{`+NXT {"batch":2}`, Ack{Kind: AckNext, Next: []byte(`{"batch":2}`)}},
		{"+TERM", Ack{Kind: AckTerm}},
		{"+TERM bad data", Ack{Kind: AckTerm, Reason: "bad data"}},
		{"what", Ack{Kind: AckUnknown}},
	}
	for _, c := range cases {
		got := ParseAck([]byte(c.in))
		if len(got.Next) == 0 && len(c.want.Next) == 0 {
			got.Next, c.want.Next = nil, nil
		}
		if !reflect.DeepEqual(got, c.want) {
			t.Fatalf("%q: got %+v want %+v", c.in, got, c.want)
		}
	}
}

func BenchmarkAppendAckReply(b *testing.B) {
	buf := make([]byte, 0, 128)
	b.ReportAllocs()
	for i := 0; i < b.N; i++ {
		buf = AppendAckReply(buf[:0], "ORDERS", "worker", 1, uint64(i), uint64(i), 1796300517432589977, 100)
		if _, ok := ParseAckReply(buf[len("$JS.ACK.ORDERS.worker."):]); !ok {
			b.Fatal("parse")
		}
	}
}
