package server

import "time"

// Route compression (cluster.compression), negotiated as nats-server
// negotiates it, learned from its byte stream:
//
//   - Each side's first INFO names its configured mode ("accept" by
//     default). The soliciting side, once it has the accepting side's INFO,
//     answers with an INFO naming the outcome: "off" when either side is
//     off or both merely accept, else its own mode (the peer's when it only
//     accepts, s2_fast for a peer's s2_auto).
//   - When the outcome is not off, everything each side sends after its
//     plain INFO is one S2 stream (the framing format, "\xff\x06\x00\x00S2sTwO"
//     first), starting with the INFO again, compressed; that INFO
//     completes the handshake (a pooled connection's plain INFO does not
//     name its pool index). The accepting side
//     switches as soon as it reads the soliciting side's INFO; the
//     soliciting side sends nothing compressed until the accepting side's
//     compressed INFO has arrived, so neither side ever finds compressed
//     bytes in the same read as the plain INFO before them.
//   - Each side compresses at its own level (the reader does not care);
//     with s2_auto the level follows the route's RTT: below the first
//     threshold (10ms) uncompressed S2 frames ("s2_uncompressed" in
//     /routez), then s2_fast, s2_better, and s2_best above the last.
//
// The stream itself (writer, reader, levels) is compress.go's, shared
// with leaf connections.

// compressionMode is the configured mode ("" = accept).
func (c *ClusterOpts) compressionMode() string {
	if c.Compression == "" {
		return compressionAccept
	}
	return c.Compression
}

// rttThresholds are the configured s2_auto thresholds.
func (c *ClusterOpts) rttThresholds() []time.Duration {
	if len(c.CompressionRTT) > 0 {
		return c.CompressionRTT
	}
	return defaultRTTThresholds
}
