package backoff

import (
	"encoding/binary"
	"time"
)

// Header is what a retried record carries in front of its body.
type Header struct {
	Tries     uint32 // failed attempts so far
	NotBefore int64  // unix nanoseconds: not offered again before
	First     int64  // unix nanoseconds of the first failed attempt
}

// headerMagic starts a record with a Header. Records without one (those
// written before retries had headers, or never retried) start with
// something else: an SMPP PDU's command_length is below 2^24, so its
// first octet is 0.
const headerMagic = 0xB1

// HeaderLen is the encoded size of a Header.
const HeaderLen = 1 + 4 + 8 + 8

// AppendRecord appends h then body to dst.
func AppendRecord(dst []byte, h Header, body []byte) []byte {
	dst = append(dst, headerMagic)
	dst = binary.BigEndian.AppendUint32(dst, h.Tries)
	dst = binary.BigEndian.AppendUint64(dst, uint64(h.NotBefore))
	dst = binary.BigEndian.AppendUint64(dst, uint64(h.First))
	return append(dst, body...)
}

// Split returns a record's header (zero when it has none) and its body.
func Split(rec []byte) (Header, []byte) {
	if len(rec) < HeaderLen || rec[0] != headerMagic {
		return Header{}, rec
	}
	return Header{
		Tries:     binary.BigEndian.Uint32(rec[1:]),
		NotBefore: int64(binary.BigEndian.Uint64(rec[5:])),
		First:     int64(binary.BigEndian.Uint64(rec[13:])),
	}, rec[HeaderLen:]
}

// FirstTime is h.First as a time (zero when never failed).
func (h Header) FirstTime() time.Time {
	if h.First == 0 {
		return time.Time{}
	}
	return time.Unix(0, h.First)
}
