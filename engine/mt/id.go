package mt

import (
	"crypto/rand"
	"encoding/binary"
	"encoding/hex"
	"sync/atomic"
)

// Gateway message ids look like UUIDs (Jasmin's ids are UUIDs, and
// clients parse them as such): 8 random octets drawn when the process
// starts, then a counter. Unique across restarts (the random half changes),
// cheap (one atomic add, no syscall), and 36 characters, within
// message_id's 65.
var (
	idPrefix  [8]byte
	idCounter atomic.Uint64
)

func init() {
	if _, err := rand.Read(idPrefix[:]); err != nil {
		panic("mt: no randomness for message ids: " + err.Error())
	}
	// Version 4, variant 10 bits, so the ids parse as random UUIDs.
	idPrefix[6] = idPrefix[6]&0x0f | 0x40
}

// IDLen is the length of a gateway message id.
const IDLen = 36

// AppendID appends a new gateway message id to dst.
func AppendID(dst []byte) []byte {
	var raw [16]byte
	copy(raw[:8], idPrefix[:])
	binary.BigEndian.PutUint64(raw[8:], idCounter.Add(1))
	raw[8] = raw[8]&0x3f | 0x80
	var s [IDLen]byte
	hex.Encode(s[0:8], raw[0:4])
	s[8] = '-'
	hex.Encode(s[9:13], raw[4:6])
	s[13] = '-'
	hex.Encode(s[14:18], raw[6:8])
	s[18] = '-'
	hex.Encode(s[19:23], raw[8:10])
	s[23] = '-'
	hex.Encode(s[24:36], raw[10:16])
	return append(dst, s[:]...)
}

// NewID returns a new gateway message id.
func NewID() string { return string(AppendID(make([]byte, 0, IDLen))) }

// Issued reports whether id is one this process has given out: its random
// half is this process's and its counter has been reached. It reads no
// store and takes no lock (query_sm asks it about a message that has no
// event yet: accepted, still queued). Ids from before a restart are not
// this process's.
func Issued(id string) bool {
	if len(id) != IDLen || id[8] != '-' || id[13] != '-' || id[18] != '-' || id[23] != '-' {
		return false
	}
	var raw [16]byte
	hexes := [...]struct{ from, to, at int }{{0, 8, 0}, {9, 13, 4}, {14, 18, 6}, {19, 23, 8}, {24, 36, 10}}
	for _, h := range hexes {
		if _, err := hex.Decode(raw[h.at:], []byte(id[h.from:h.to])); err != nil {
			return false
		}
	}
	if [8]byte(raw[:8]) != idPrefix {
		return false
	}
	raw[8] &= 0x3f // the variant bits AppendID sets
	n := binary.BigEndian.Uint64(raw[8:])
	return n > 0 && n <= idCounter.Load()
}
