package api

import "testing"

func TestParse(t *testing.T) {
	cases := []struct {
		subject string
		want    Request
		ok      bool
	}{
		{"$JS.API.INFO", Request{Op: OpAccountInfo}, true},
		{"$JS.API.STREAM.CREATE.ORDERS", Request{Op: OpStreamCreate, Stream: "ORDERS"}, true},
		{"$JS.API.STREAM.CREATE.A.B", Request{}, false},
		{"$JS.API.STREAM.CREATE.", Request{}, false},
		{"$JS.API.STREAM.NAMES", Request{Op: OpStreamNames}, true},
		{"$JS.API.STREAM.LIST", Request{Op: OpStreamList}, true},
		{"$JS.API.STREAM.MSG.GET.S", Request{Op: OpStreamMsgGet, Stream: "S"}, true},
		{"$JS.API.STREAM.MSG.DELETE.S", Request{Op: OpStreamMsgDelete, Stream: "S"}, true},
		{"$JS.API.STREAM.DELETE.S", Request{Op: OpStreamDelete, Stream: "S"}, true},
		{"$JS.API.DIRECT.GET.KV_b", Request{Op: OpDirectGet, Stream: "KV_b"}, true},
		{"$JS.API.DIRECT.GET.KV_b.$KV.b.key", Request{Op: OpDirectGet, Stream: "KV_b", Filter: "$KV.b.key"}, true},
		{"$JS.API.CONSUMER.CREATE.S", Request{Op: OpConsumerCreate, Stream: "S"}, true},
		{"$JS.API.CONSUMER.CREATE.S.C", Request{Op: OpConsumerCreate, Stream: "S", Consumer: "C"}, true},
		{"$JS.API.CONSUMER.CREATE.S.C.foo.>", Request{Op: OpConsumerCreate, Stream: "S", Consumer: "C", Filter: "foo.>"}, true},
		{"$JS.API.CONSUMER.DURABLE.CREATE.S.D", Request{Op: OpDurableCreate, Stream: "S", Consumer: "D"}, true},
		{"$JS.API.CONSUMER.DURABLE.CREATE.S", Request{}, false},
		{"$JS.API.CONSUMER.INFO.S.C", Request{Op: OpConsumerInfo, Stream: "S", Consumer: "C"}, true},
		{"$JS.API.CONSUMER.MSG.NEXT.S.C", Request{Op: OpConsumerMsgNext, Stream: "S", Consumer: "C"}, true},
		{"$JS.API.CONSUMER.NAMES.S", Request{Op: OpConsumerNames, Stream: "S"}, true},
		{"$JS.API.CONSUMER.PAUSE.S.C", Request{Op: OpConsumerPause, Stream: "S", Consumer: "C"}, true},
		{"$JS.API.ACCOUNT.PURGE.A", Request{Op: OpAccountPurge, Stream: "A"}, true},
		{"$JS.API.BOGUS", Request{}, false},
		{"$JS.API.STREAM.INFO.S..x", Request{}, false},
		{"foo", Request{}, false},
	}
	for _, c := range cases {
		got, ok := Parse(c.subject)
		if ok != c.ok || got != c.want {
			t.Errorf("Parse(%q) = %+v, %v; want %+v, %v", c.subject, got, ok, c.want, c.ok)
		}
	}
}
