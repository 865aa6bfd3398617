package store

import "encoding/binary"

// Keyspace prefixes. Each keyspace sorts on its own; the prefix byte is the
// first octet of every key.
const (
	ksMeta    byte = 0x00 // format marker and store-wide settings
	ksQueue   byte = 'q'  // q | queue id u32 | priority inverted u8 | seq u64  → record
	ksQueueID byte = 'Q'  // Q | queue name                                   → queue id u32
	ksDLR     byte = 'd'  // d | bucket u32 | connector | 0 | smsc id           → DLR entry
	ksDLRRev  byte = 'r'  // r | bucket u32 | gateway id | 0 | part u16         → flags, expiry, connector (length-prefixed), smsc id
	ksMsg     byte = 'm'  // reserved (a message's state is its last event)
	ksEvent   byte = 'e'  // e | bucket u32 | gateway id | 0 | seq u64 (store-wide; high-water mark at 0x00 "evseq") → event
	ksInbound byte = 'i'  // i | bucket u32 | message id                        → MO context
	ksConfig  byte = 'c'  // c | profile | 0 | kind | 0 | id                   → object
	ksCounter byte = 'b'  // b | name                                          → balance / quota
)

var formatKey = []byte{ksMeta, 'f', 'o', 'r', 'm', 'a', 't'}

// formatValue marks a directory as gwd's store, version 1.
const formatValue = "gwd-store 1"

func appendU32(b []byte, v uint32) []byte { return binary.BigEndian.AppendUint32(b, v) }
func appendU64(b []byte, v uint64) []byte { return binary.BigEndian.AppendUint64(b, v) }

// prefixEnd returns the smallest key after every key that starts with p.
func prefixEnd(p []byte) []byte {
	end := append([]byte(nil), p...)
	for i := len(end) - 1; i >= 0; i-- {
		end[i]++
		if end[i] != 0 {
			return end[:i+1]
		}
	}
	return nil // p is all 0xFF: no upper bound
}
