package smsc

import (
	"encoding/binary"
	"encoding/hex"
	"math/rand/v2"
	"strconv"
	"sync/atomic"

	"github.com/gwd-project/gwd/uuid"
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
		var u uuid.UUID
		binary.BigEndian.PutUint64(u[:8], g.prefix)
		binary.BigEndian.PutUint64(u[8:], n)
		u.SetV4()
		return u.Append(dst)
	}
	var b [8]byte
	binary.BigEndian.PutUint32(b[:4], uint32(g.prefix))
	binary.BigEndian.PutUint32(b[4:], uint32(n))
	var s [16]byte
	hex.Encode(s[:], b[:])
	return append(dst, s[:]...)
}
