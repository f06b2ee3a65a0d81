// Package parser implements the NATS client protocol parser used on the hot
// path of every connection.
//
// A parser starts in client mode. SetRouteMode(true) switches it to the
// route protocol spoken between natsd servers (INFO, CONNECT, PING, PONG,
// +OK, -ERR, RS+, RS-, RMSG and the route's HMSG, each carrying the
// account, or none on a route pinned to one account: SetPinned); each
// mode reports the other's ops as unknown.
//
// # State machine
//
// A Parser is a small resumable state machine with three states:
//
//   - stateOp: at the start of a control line with nothing buffered. This is
//     the fast path: the parser looks for the line's '\n' with
//     bytes.IndexByte, decodes the whole line in place and, for PUB, HPUB,
//     MSG and HMSG, jumps straight over the payload when it is already in
//     the buffer. Payload bytes are never scanned.
//   - stateLine: a control line was cut by the end of a Parse call. Its bytes
//     are accumulated in a parser-owned scratch buffer until its '\n'
//     arrives; the op keyword and the length limit are checked while
//     accumulating so that garbage or an endless line is rejected early
//     instead of being buffered.
//   - statePayload: a payload (plus its trailing CRLF) was cut by the end of a
//     Parse call. The arguments of the op (subject, reply, sid) were copied
//     into a scratch buffer and the payload is accumulated into another one
//     until it is complete.
//
// Any input may be split at any byte boundary between Parse calls; the
// handler sees exactly the same calls as if the input had arrived in one
// piece. Pipelined input is handled in a single Parse call.
//
// # Ownership of slices
//
// Every byte slice passed to a Handler method is only valid during that call:
// it points either into the buffer given to Parse or into the parser's
// scratch buffers, which are reused for the next op. A handler that needs to
// keep data must copy it.
//
// # Memory
//
// Scratch buffers are reused across ops, so steady-state parsing does not
// allocate. A scratch buffer that grew beyond 64 KiB (a large payload or a
// long CONNECT line) is released once its op has been delivered.
//
// # Errors
//
// Parse returns the first error: one of the exported sentinel errors
// (possibly wrapped with detail; match with errors.Is) or the error returned
// by a Handler method, unchanged. After an error the parser state is
// undefined; the connection is expected to be closed.
package parser
