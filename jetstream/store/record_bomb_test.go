package store

import (
	"encoding/binary"
	"runtime"
	"testing"
	"time"
)

// TestDecodeRecordCompressionBomb: a compressed record whose S2 header
// declares a huge decoded length (garbage, or a hostile file) is refused
// without allocating it. The fuzzer found such inputs only as timeouts
// ("context deadline exceeded" with no failing input): each one made the
// decoder allocate up to 4 GiB.
func TestDecodeRecordCompressionBomb(t *testing.T) {
	var e encoder
	h := blockHeader{baseSeq: 1}
	rec := append([]byte(nil), e.encode(h, 0, 1, 0, "s", nil, make([]byte, 4096), 0, true)...)
	r, err := decodeRecord(rec, h, 0, nil)
	if err != nil || r.flags&flCompressed == 0 {
		t.Fatalf("setup: a compressible record: flags %x err %v", r.flags, err)
	}
	// Declare 3 GiB in the S2 block's length varint, rebuild the record
	// around the new body and fix its length and CRC.
	body := rec[r.subjOff+len(r.subj) : len(rec)-4]
	_, old := binary.Uvarint(body)
	bomb := binary.AppendUvarint(nil, 3<<30)
	bomb = append(bomb, body[old:]...)
	rec = append(append(append([]byte(nil), rec[:r.subjOff+len(r.subj)]...), bomb...), 0, 0, 0, 0)
	binary.LittleEndian.PutUint32(rec, uint32(len(rec)))
	binary.LittleEndian.PutUint32(rec[len(rec)-4:], recordCRC(rec))
	before := allocated()
	start := time.Now()
	r, err = decodeRecord(rec, h, 0, nil)
	if err == nil {
		_, _, _, err = r.decodeBody(nil)
	}
	if err == nil {
		t.Fatal("a 3 GiB compression bomb was accepted")
	}
	if a := allocated() - before; a > 1<<20 {
		t.Fatalf("refusing the bomb allocated %d bytes (in %v)", a, time.Since(start))
	}
}

func allocated() uint64 {
	var m runtime.MemStats
	runtime.ReadMemStats(&m)
	return m.TotalAlloc
}
