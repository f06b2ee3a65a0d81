// Package websocket carries the NATS client protocol over WebSocket
// (RFC 6455) for the server: it checks the HTTP upgrade request, answers
// it, and turns the connection into a plain byte stream (Conn) so that the
// server's usual reader, parser and writer run on it unchanged.
//
// Reading decodes client frames (always masked) into the stream, answers
// pings and closes by itself, and refuses protocol violations with the
// matching close code. Each Write is sent as one unmasked binary frame, as
// nats-server sends each write batch. permessage-deflate is supported when
// the server allows it and the client asks for it.
//
// Frame headers, unmasking, protocol checks and the deflate negotiation
// come from github.com/gobwas/ws, which is built for servers that avoid
// copies and allocations; the package adds the stream adapter on top. The
// package has no goroutines and never imports the server.
package websocket
