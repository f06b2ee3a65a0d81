package server

// A connection's pending output is an outq.Queue of fixed-size chunks
// (package outq): appending never copies what is already queued, so a
// publisher delivering to a subscriber with a 64 MiB backlog pays for its
// message only, and never stalls its other subscribers on a buffer copy.
//
// A frame that fits in the room left in the queue's last chunk is encoded
// straight into it. Otherwise (once per chunk boundary, and for large
// messages) the header line is encoded on the stack and the payload is
// copied in after it: once, as with any frame, spread over as many chunks
// as it takes.

// frameSlack bounds a frame's bytes beyond its subject, sid or queues,
// reply and payload: the verb, spaces, two sizes and two CRLFs.
const frameSlack = 48

// queueMsg queues one MSG/HMSG for r; r.mu is held.
func (r *client) queueMsg(subject []byte, sid string, reply []byte, hdrLen int, msg []byte) {
	if b := r.out.Reserve(len(subject) + len(sid) + len(reply) + len(msg) + frameSlack); b != nil {
		r.out.Commit(appendMsg(b, subject, sid, reply, hdrLen, msg))
		return
	}
	var hb [256]byte
	r.out.Append(appendMsgHeader(hb[:0], subject, sid, reply, hdrLen, len(msg)))
	r.out.Append(msg)
	r.out.AppendString("\r\n")
}

// queueRMsg queues one RMSG for the route r; need bounds the frame's size.
// r.mu is held.
func (r *client) queueRMsg(need int, account string, subject []byte, queues []string, reply []byte, hdrLen int, msg []byte) {
	if b := r.out.Reserve(need); b != nil {
		r.out.Commit(appendRMsg(b, account, subject, queues, reply, hdrLen, msg))
		return
	}
	var hb [256]byte
	r.out.Append(appendRMsgHeader(hb[:0], account, subject, queues, reply, hdrLen, len(msg)))
	r.out.Append(msg)
	r.out.AppendString("\r\n")
}
