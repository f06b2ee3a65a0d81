package server

import "testing"

// TestSplitRoutedReply: the stored subject after the ack reply's '@' may
// itself hold '@' (an e-mail address as a token), and so may stream and
// consumer names: the split is at the first '@' after the ack reply's
// fixed tokens, which holds none.
func TestSplitRoutedReply(t *testing.T) {
	const ack = "$JS.ACK.S.C.1.2.3.1700000000000000000.0"
	const ack2 = "$JS.ACK.dom.hash.S.C.1.2.3.1700000000000000000.0.rnd"
	for _, tc := range []struct{ subject, reply, wantSubj, wantReply string }{
		{"dlv", ack + "@orders.1", "orders.1", ack},
		{"dlv", ack + "@mail.bob@example.com", "mail.bob@example.com", ack},
		{"dlv", "$JS.ACK.S@1.C@2.1.2.3.17.0@a@b", "a@b", "$JS.ACK.S@1.C@2.1.2.3.17.0"},
		{"dlv", ack2 + "@x@y.z", "x@y.z", ack2},
		{"dlv", ack, "dlv", ack},                     // no stored subject
		{"dlv", "reply@x", "dlv", "reply@x"},         // not an ack
		{"dlv", "$JS.ACK.S@C", "dlv", "$JS.ACK.S@C"}, // too few tokens
		{"dlv", ack + "@", "dlv", ack + "@"},         // nothing after '@'
	} {
		s, r := splitRoutedReply([]byte(tc.subject), []byte(tc.reply))
		if string(s) != tc.wantSubj || string(r) != tc.wantReply {
			t.Errorf("split(%q, %q) = %q, %q; want %q, %q", tc.subject, tc.reply, s, r, tc.wantSubj, tc.wantReply)
		}
	}
}
