package smsc

import (
	"encoding/binary"
	"encoding/hex"
	"math/rand/v2"
	"strconv"
	"sync/atomic"
)

// idGen makes submit_sm_resp message ids: unique per simulator run (a
// random prefix and a counter), in the configured format.
type idGen struct {
	format string
	prefix uint64
	n      atomic.Uint64
}

func newIDGen(format string) *idGen {
	return &idGen{format: format, prefix: rand.Uint64()}
}

// next appends a new id to dst.
func (g *idGen) next(dst []byte) []byte {
	n := g.n.Add(1)
	switch g.format {
	case "decimal":
		// Up to 6 random-prefix digits then a 12-digit counter: fits in
		// the uint64 ids SMSCs commonly send, and is unlikely to repeat
		// across restarts.
		return strconv.AppendUint(dst, (g.prefix%1_000_000)*1_000_000_000_000+n, 10)
	case "uuid":
		var b [16]byte
		binary.BigEndian.PutUint64(b[:8], g.prefix)
		binary.BigEndian.PutUint64(b[8:], n)
		b[6] = b[6]&0x0F | 0x40 // version 4 layout
		b[8] = b[8]&0x3F | 0x80 // RFC 4122 variant
		var s [36]byte
		hex.Encode(s[0:8], b[0:4])
		s[8] = '-'
		hex.Encode(s[9:13], b[4:6])
		s[13] = '-'
		hex.Encode(s[14:18], b[6:8])
		s[18] = '-'
		hex.Encode(s[19:23], b[8:10])
		s[23] = '-'
		hex.Encode(s[24:36], b[10:16])
		return append(dst, s[:]...)
	}
	var b [8]byte
	binary.BigEndian.PutUint32(b[:4], uint32(g.prefix))
	binary.BigEndian.PutUint32(b[4:], uint32(n))
	var s [16]byte
	hex.Encode(s[:], b[:])
	return append(dst, s[:]...)
}
