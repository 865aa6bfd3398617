// Package uuid writes and reads UUIDs in their 36-character text form
// (8-4-4-4-12 hexadecimal digits, RFC 9562): gateway message ids
// (engine/mt), Junebug channel ids and the simulator's uuid message ids
// are all formatted here. It allocates nothing to format or parse.
package uuid

import (
	"crypto/rand"
	"encoding/hex"
)

// Len is the length of a UUID's text form.
const Len = 36

// UUID is the 16 octets of a UUID.
type UUID [16]byte

// groups are where each group of hex digits stands in the text form and
// the octet it starts at.
var groups = [5]struct{ from, to, at int }{{0, 8, 0}, {9, 13, 4}, {14, 18, 6}, {19, 23, 8}, {24, 36, 10}}

// SetV4 marks u as a version 4 (random) UUID of the RFC variant, so that
// clients parse it as one: the version nibble and the variant bits are
// set, the other 122 bits left as they are.
func (u *UUID) SetV4() {
	u[6] = u[6]&0x0f | 0x40
	u[8] = u[8]&0x3f | 0x80
}

// New returns a random version 4 UUID from crypto/rand.
func New() UUID {
	var u UUID
	_, _ = rand.Read(u[:]) // crypto/rand.Read never fails
	u.SetV4()
	return u
}

// Append appends u's text form, lower-case, to dst.
func (u UUID) Append(dst []byte) []byte {
	var s [Len]byte
	for _, g := range groups {
		hex.Encode(s[g.from:g.to], u[g.at:g.at+(g.to-g.from)/2])
	}
	s[8], s[13], s[18], s[23] = '-', '-', '-', '-'
	return append(dst, s[:]...)
}

// String returns u's text form.
func (u UUID) String() string { return string(u.Append(make([]byte, 0, Len))) }

// Parse reads a UUID's text form (hex digits in either case). ok is false
// for anything else: another length, a misplaced '-', a non-hex digit.
func Parse(s string) (u UUID, ok bool) {
	if len(s) != Len || s[8] != '-' || s[13] != '-' || s[18] != '-' || s[23] != '-' {
		return UUID{}, false
	}
	for _, g := range groups {
		for i := g.from; i < g.to; i += 2 {
			hi, ok1 := unhex(s[i])
			lo, ok2 := unhex(s[i+1])
			if !ok1 || !ok2 {
				return UUID{}, false
			}
			u[g.at+(i-g.from)/2] = hi<<4 | lo
		}
	}
	return u, true
}

func unhex(c byte) (byte, bool) {
	switch {
	case '0' <= c && c <= '9':
		return c - '0', true
	case 'a' <= c && c <= 'f':
		return c - 'a' + 10, true
	case 'A' <= c && c <= 'F':
		return c - 'A' + 10, true
	}
	return 0, false
}
