// Package store is the JetStream message store: one interface, Store, and two
// implementations, a memory store (NewMemStore) and a file store
// (OpenFileStore).
//
// # Model
//
// A store holds messages numbered by a sequence that only grows. Every
// message has a subject, optional headers, a payload, a timestamp (Unix
// nanoseconds) and an optional time to live. The live messages occupy
// [First, Last]; sequences in that range without a message are "deleted".
// An empty store has First == Last+1.
//
// The store knows nothing about streams, subjects a stream listens on,
// networks or clocks. Time always comes in as an argument (the timestamp of
// StoreMsg, the now of ExpireOld), so the same ordered calls on two stores
// give the same state: that is what lets a replicated log sit in front of a
// store later. Every mutating method is such an operation; nothing changes a
// store behind the caller's back, and no method starts a goroutine. A store
// is safe for concurrent use (one mutex each).
//
// Op and Apply make that explicit: an Op carries one such call with all its
// inputs, encodes to bytes (Op.Append, DecodeOp) for a log, and Apply runs
// it on any store. Replaying a log of Ops into a new store, memory or file,
// gives the same results and the same store (TestOpLogReplay).
//
// The memory store does no I/O at all. The file store writes each record
// with one write(2) before StoreMsg returns, so a killed process loses
// nothing that was acknowledged; it calls fsync when the caller calls Sync,
// or after every write with SyncAlways. With FileConfig.DeferWrites,
// StoreMsg only appends the record to a buffer, and Flush (or any call
// that reads or changes the files) writes everything buffered with one
// write(2): a server acks a batch of messages after one Flush. Removal
// flags of records still in the buffer are set in the buffer. A failed
// Flush loses the buffered records, and the error sticks (every later
// Flush and StoreMsg returns it) until the store is reopened, so that no
// caller takes a lost record for a stored one.
//
// # On-disk format (file store)
//
// A file store owns one directory. It holds only block files named
// "<n>.blk", n a decimal uint32 starting at 1 and growing by one per new
// block. Blocks are read in ascending n. The last block is the active one;
// only it is appended to. A block is closed (a new one started) when an
// append would take it past the configured block size.
//
// A block file starts with a 56-byte header, all integers little endian:
//
//	0  4  magic "NJSB"
//	4  1  version (1)
//	5  1  flags: 0x01 encrypted
//	6  2  reserved (0)
//	8  8  base sequence: the first sequence this block may hold
//	16 8  base time: the Unix nanosecond time deltas are taken from
//	24 8  floor: every sequence below it was removed when the block was made
//	32 8  salt: random, encrypted blocks only (0 otherwise)
//	40 16 key check: AEAD tag of an empty message, nonce salt|0xffffffff,
//	      additional data "NJSB" (encrypted blocks only)
//
// followed by records, back to back:
//
//	u32    L: length of the whole record, these 4 bytes and the checksum included
//	u8     flags: 0x01 deleted, 0x02 erased, 0x04 has headers,
//	       0x08 compressed (s2), 0x10 has TTL, 0x20 encrypted
//	uvar   sequence - base sequence
//	var    timestamp - base time (zig-zag varint)
//	uvar   subject length
//	uvar   header length            (only with "has headers")
//	var    TTL in seconds, -1 never (only with "has TTL")
//	bytes  subject
//	bytes  body: headers then payload, or their s2 block encoding
//	       when "compressed" is set (the header length is the
//	       decoded one)
//	       (when "encrypted": subject and body sealed together with the
//	       store's AEAD instead, nonce = block salt (8) | record offset
//	       (4), additional data = the record bytes from offset 5 to the
//	       sealed part; 16 bytes of tag follow)
//	u32    CRC-32C of bytes [0, L-4) with the deleted and erased flag
//	       bits taken as 0
//
// Sequences inside one block strictly increase. A 128-byte payload on a
// 16-byte subject takes 128+16+18 or 19 bytes: 18 or 19 bytes of overhead,
// where nats-server's record has 30 (22 bytes of framing and an 8-byte
// hash). State.Bytes still counts what nats-server counts (FileMsgSize), so
// that stream info and max_bytes agree with it.
//
// The checksum is CRC-32C (Castagnoli): it is in the standard library,
// hardware accelerated on amd64 and arm64 (many GB/s, so it never limits a
// write or a recovery), and it detects every burst error up to 32 bits and
// all odd bit counts, which covers torn and garbage tails. It is not a MAC:
// against tampering there is encryption, whose AEAD tag authenticates.
//
// Encryption at rest (FileConfig.Cipher): AES-256-GCM or ChaCha20-Poly1305,
// with a key derived from the configured secret by HKDF-SHA256. Every new
// block gets a random 64-bit salt; a nonce is salt and record offset, and a
// block is never appended at an offset twice, so no nonce repeats under a
// key (2^32 blocks before a salt collision becomes likely). Compression
// happens before encryption. Blocks written in the clear stay readable
// after encryption is turned on.
//
// Removal is done in place: RemoveMsg sets the deleted flag of the record
// with a one-byte write (the checksum leaves that bit out, so the record
// stays valid). EraseMsg rewrites the whole record in one write: both flag
// bits set, subject, headers and payload zeroed, a new checksum. A block whose every record is deleted is removed from
// the directory, unless it is the active block. Purge removes every block
// and starts a new one whose base sequence is the next sequence; a Compact
// that empties the store does the same with the sequence it was given
// (otherwise it only writes deleted flags); Truncate cuts
// the block holding the new last sequence with ftruncate, removes the blocks
// after it and starts a new block at the next sequence. Truncate is not
// atomic against a crash: a crash half way leaves a partly truncated store,
// still consistent.
//
// In memory the file store keeps, per message, a 24-byte index entry (time,
// subject id, accounted size, record offset and flags; the block is found
// from the sequence), per subject its count and first and last sequence,
// and one open file per block. Loads read records through up to eight
// read windows of 80 KiB (allocated as used): a load in order reads on
// from where its window ends, a random one reads the 64 KiB-aligned piece
// around its record, so a small working set (a KV bucket's keys) is served
// without system calls. Records taken from a window are checked as any
// other; Truncate and a failed write drop the windows. A record of more
// than 16 KiB is read alone with one pread.
//
// # Recovery rules
//
// OpenFileStore rebuilds the in-memory index (per-block record offsets,
// per-subject counts, TTLs) by reading every block once:
//
//  1. Blocks are read in ascending n. A file that does not match the name
//     pattern is left alone. A block whose header is short or wrong is
//     reported and renamed to "<n>.blk.bad"; opening goes on. So is a
//     block whose base sequence is not above the previous block's base
//     and every record before it (sequences grow block to block, and the
//     store finds a sequence's block by base sequence alone). An
//     encrypted block with no key (ErrNoKey) or whose key check fails
//     (ErrWrongKey) stops the open before anything is changed: that is a
//     configuration error, and treating it as damage would drop data.
//  2. Records are read in order. A record is valid when its length fits in
//     the file, its fields parse inside its length, its sequence is greater
//     than the previous record's and its checksum matches.
//  3. At the first invalid record, the block is cut (ftruncate) at that
//     offset: every valid record before it is kept, everything from it to
//     the end is dropped, and the number of bytes dropped (with the block
//     name) is returned in Recovery so the server can log it. Nothing later
//     in that block is trusted, because lengths after garbage are garbage.
//     Later blocks are still read.
//  4. A record whose sequence is not above the highest sequence already
//     recovered (in this or an earlier block) is invalid the same way.
//     A record below the highest floor of any block header is taken as
//     deleted (and its flag written): Purge, and a Compact that empties
//     the store, write the floor into a new block header first, so a
//     crash half way through them cannot bring removed messages back.
//  5. The last sequence is the highest of all record sequences (deleted
//     ones too) and the active block's base sequence minus one. The first
//     sequence is the lowest live record, or last+1 when there is none.
//  6. Deleted records count for nothing but the last sequence; blocks left
//     with no live record are removed unless they are the active one.
//  7. The last time is the time of the active block's last record, or its
//     base time when it has none.
//
// A damaged block never stops a store from opening. What was dropped is in
// the Recovery value OpenFileStore returns.
package store
