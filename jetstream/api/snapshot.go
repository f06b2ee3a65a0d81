package api

// Stream snapshots and restores (STREAM.SNAPSHOT, STREAM.RESTORE), as
// nats-server 2.15 carries them.
const (
	// SnapshotAckPre starts the reply subject of every snapshot chunk
	// that wants a flow-control ack: + stream.id.chunk_size.n.
	SnapshotAckPre = "$JS.SNAPSHOT.ACK."
	// SnapshotRestorePre starts the subject a restore's chunks go to:
	// + stream.id.
	SnapshotRestorePre = "$JS.SNAPSHOT.RESTORE."

	// Chunk and window sizes: the defaults and the range a request's
	// values are clamped to.
	SnapshotDefaultChunk  = 128 << 10
	SnapshotMinChunk      = 1 << 10
	SnapshotMaxChunk      = 1 << 20
	SnapshotDefaultWindow = 8 << 20
	SnapshotMinWindow     = 1 << 10
	SnapshotMaxWindow     = 32 << 20
)

// StreamSnapshotRequest is STREAM.SNAPSHOT's body.
type StreamSnapshotRequest struct {
	DeliverSubject string `json:"deliver_subject"`
	NoConsumers    bool   `json:"no_consumers,omitempty"`
	ChunkSize      int    `json:"chunk_size,omitempty"`
	WindowSize     int    `json:"window_size,omitempty"`
	CheckMsgs      bool   `json:"jsck,omitempty"`
}

// StreamSnapshotResponse answers STREAM.SNAPSHOT before the chunks flow.
type StreamSnapshotResponse struct {
	Response
	Config *StreamConfig `json:"config,omitempty"`
	State  *StreamState  `json:"state,omitempty"`
}

// StreamRestoreRequest is STREAM.RESTORE's body: the config and state a
// backup's backup.json holds.
type StreamRestoreRequest struct {
	Config StreamConfig `json:"config"`
	State  StreamState  `json:"state"`
}

// StreamRestoreResponse answers STREAM.RESTORE with the subject to send
// the archive's chunks to.
type StreamRestoreResponse struct {
	Response
	DeliverSubject string `json:"deliver_subject"`
}

// Snapshot and restore advisories.
const (
	AdvisorySnapshotCreatePre   = "$JS.EVENT.ADVISORY.STREAM.SNAPSHOT_CREATE."   // + stream
	AdvisorySnapshotCompletePre = "$JS.EVENT.ADVISORY.STREAM.SNAPSHOT_COMPLETE." // + stream
	AdvisoryRestoreCreatePre    = "$JS.EVENT.ADVISORY.STREAM.RESTORE_CREATE."    // + stream
	AdvisoryRestoreCompletePre  = "$JS.EVENT.ADVISORY.STREAM.RESTORE_COMPLETE."  // + stream

	SnapshotCreateType   = "io.nats.jetstream.advisory.v1.snapshot_create"
	SnapshotCompleteType = "io.nats.jetstream.advisory.v1.snapshot_complete"
	RestoreCreateType    = "io.nats.jetstream.advisory.v1.restore_create"
	RestoreCompleteType  = "io.nats.jetstream.advisory.v1.restore_complete"
)
