package mt

import (
	"crypto/rand"
	"encoding/binary"
	"sync/atomic"

	"github.com/gwd-project/gwd/uuid"
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
	// Version 4 (AppendID sets the variant), so that the ids parse as
	// random UUIDs and Issued finds the prefix as it is in them.
	idPrefix[6] = idPrefix[6]&0x0f | 0x40
}

// IDLen is the length of a gateway message id.
const IDLen = uuid.Len

// AppendID appends a new gateway message id to dst.
func AppendID(dst []byte) []byte {
	var u uuid.UUID
	copy(u[:8], idPrefix[:])
	binary.BigEndian.PutUint64(u[8:], idCounter.Add(1))
	u.SetV4()
	return u.Append(dst)
}

// NewID returns a new gateway message id.
func NewID() string { return string(AppendID(make([]byte, 0, IDLen))) }

// Issued reports whether id is one this process has given out: its random
// half is this process's and its counter has been reached. It reads no
// store and takes no lock (query_sm asks it about a message that has no
// event yet: accepted, still queued). Ids from before a restart are not
// this process's.
func Issued(id string) bool {
	raw, ok := uuid.Parse(id)
	if !ok || [8]byte(raw[:8]) != idPrefix {
		return false
	}
	raw[8] &= 0x3f // the variant bits AppendID sets
	n := binary.BigEndian.Uint64(raw[8:])
	return n > 0 && n <= idCounter.Load()
}
