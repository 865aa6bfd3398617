package content

import (
	"errors"
	"fmt"
	"slices"
	"strings"
)

// Method is how long content is split: UDH (a concatenation information
// element in a user data header, esm_class bit 0x40) or SAR (the
// sar_msg_ref_num, sar_total_segments and sar_segment_seqnum TLVs) —
// Jasmin's long_content_split "udh" | "sar".
type Method uint8

const (
	UDH Method = iota
	SAR
)

// ParseMethod reads a long_content_split value: "udh" or "sar", any case.
func ParseMethod(s string) (Method, error) {
	switch {
	case strings.EqualFold(s, "udh"):
		return UDH, nil
	case strings.EqualFold(s, "sar"):
		return SAR, nil
	}
	return 0, fmt.Errorf("content: long content split method %q: want udh or sar", s)
}

func (m Method) String() string {
	switch m {
	case UDH:
		return "udh"
	case SAR:
		return "sar"
	}
	return fmt.Sprintf("Method(%d)", uint8(m))
}

// Part is one submit_sm's worth of content.
type Part struct {
	ShortMessage []byte // the user data header included when UDHI is set
	UDHI         bool   // set esm_class 0x40
	// SAR only: the values of sar_msg_ref_num, sar_total_segments and
	// sar_segment_seqnum. SARTotal is 0 when no SAR TLVs are to be sent
	// (UDH, or content that fits one part).
	SARRef           uint16
	SARTotal, SARSeq uint8
}

// Size limits of one short_message, in octets of unpacked content.
const (
	SingleSeptets = 160 // GSM 03.38 (and IA5) septets in a single message
	SingleOctets  = 140 // octets in a single 8-bit message
	SingleUCS2    = 70  // UTF-16 units in a single UCS2 message

	udh8Len  = 6 // 05 00 03 ref total seq
	udh16Len = 7 // 06 08 04 ref ref total seq

	// MaxParts is the most parts a concatenated message can have.
	MaxParts = 255
)

// ErrTooLong is matched (errors.Is) by a *TooLongError.
var ErrTooLong = errors.New("content: too long")

// TooLongError is content that needs more parts than allowed.
type TooLongError struct {
	Parts int // parts the content needs
	Max   int // parts allowed
}

func (e *TooLongError) Error() string {
	return fmt.Sprintf("content: too long: needs %d parts, the limit is %d", e.Parts, e.Max)
}

// Is makes errors.Is(err, ErrTooLong) true.
func (e *TooLongError) Is(target error) bool { return target == ErrTooLong }

// unit is how the limits of a coding are counted.
type unit uint8

const (
	unitOctet  unit = iota
	unitSeptet      // one septet per octet; GSM escape pairs are kept whole
	unitUCS2        // two octets per unit; surrogate pairs are kept whole
)

func unitOf(c Coding) (u unit, escapes bool) {
	switch alphabetOf(c) {
	case alphaGSM:
		return unitSeptet, true
	case alphaASCII:
		return unitSeptet, false
	case alphaUCS2:
		return unitUCS2, false
	}
	return unitOctet, false
}

// singleLimit is the octets of short_message one unsplit message holds.
func singleLimit(u unit) int {
	if u == unitSeptet {
		return SingleSeptets
	}
	return SingleOctets
}

// partLimit is the payload octets of one part behind a header of hdr
// octets: a header of 6 octets takes 7 septets (48 bits and a fill bit), a
// header of 7 takes 8; UCS2 keeps whole units.
func partLimit(u unit, hdr int) int {
	switch u {
	case unitSeptet:
		return SingleSeptets - (hdr*8+6)/7
	case unitUCS2:
		return (SingleOctets - hdr) &^ 1
	}
	return SingleOctets - hdr
}

// udhLen is the header length Split uses: the 8-bit reference IE for
// references up to 255, the 16-bit one above.
func udhLen(m Method, ref uint16) int {
	switch {
	case m == SAR:
		return 0
	case ref > 0xFF:
		return udh16Len
	}
	return udh8Len
}

// cut returns how many octets of b go into a part of at most limit octets:
// all of b when it fits, else limit, less one when that would separate a
// GSM escape from its septet or a UTF-16 high surrogate from its low one.
func cut(b []byte, limit int, u unit, escapes bool) int {
	if len(b) <= limit {
		return len(b)
	}
	switch {
	case escapes:
		// Any octet other than the escape ends a character, so the run of
		// escapes that ends the part starts on a character boundary: its
		// last octet opens a pair when the run is odd.
		run := 0
		for i := limit - 1; i >= 0 && b[i] == gsmEsc; i-- {
			run++
		}
		if run%2 == 1 {
			return limit - 1
		}
	case u == unitUCS2:
		// A high surrogate never ends a part that more content follows.
		if isHighSurrogate(uint16(b[limit-2])<<8 | uint16(b[limit-1])) {
			return limit - 2
		}
	}
	return limit
}

// parts counts the parts of octets without building them.
func parts(octets []byte, u unit, escapes bool, hdr int) int {
	if len(octets) <= singleLimit(u) {
		return 1
	}
	limit := partLimit(u, hdr)
	n := 0
	for len(octets) > 0 {
		octets = octets[cut(octets, limit, u, escapes):]
		n++
	}
	return n
}

// Count returns how many submit_sm the encoded content needs when it is
// split the default way, with a UDH holding an 8-bit reference (Jasmin's
// 6-octet header): what /rate calls submit_sm_count. It equals
// len(Split(octets, c, UDH, 0, ref)) for any ref up to 255; CountFor gives
// the count for another method or reference. Empty content is one message.
func Count(octets []byte, c Coding) int {
	return CountFor(octets, c, UDH, 0)
}

// CountFor returns how many submit_sm Split(octets, c, m, _, ref) makes
// (the count may exceed MaxParts: Split refuses such content).
func CountFor(octets []byte, c Coding, m Method, ref uint16) int {
	u, escapes := unitOf(c)
	return parts(octets, u, escapes, udhLen(m, ref))
}

// Split cuts octets (already encoded in coding c) into submit_sm parts.
//
// One part holds 160 GSM septets (and IA5 characters), 140 octets or 70 UCS2
// units. Content that fits gives one Part without a header or SAR values.
// Longer content is cut into parts that each hold what is left after the
// header: with UDH, the 6-octet header with the 8-bit reference IE (0x00)
// when ref is at most 255, the 7-octet header with the 16-bit reference IE
// (0x08) when ref is above (153 or 152 septets, 134 or 133 octets, 67 or 66
// UCS2 units); with SAR the whole 160/140/70, the reference, count and
// sequence going in the Part's SAR fields. Callers that want Jasmin's
// 6-octet header always keep ref below 256.
//
// A GSM escape pair (1B xx) or a UTF-16 surrogate pair is never cut: it
// moves whole to the next part. Other codings are cut at the octet.
//
// More parts than maxParts is a *TooLongError (errors.Is ErrTooLong);
// maxParts <= 0, or above 255, means 255. The parts share one newly
// allocated buffer and do not alias octets.
func Split(octets []byte, c Coding, m Method, maxParts int, ref uint16) ([]Part, error) {
	parts, _, err := AppendSplit(nil, nil, octets, c, m, maxParts, ref)
	return parts, err
}

// AppendSplit is Split appending the parts to dst and their short_message
// octets to buf: it allocates nothing when dst and buf have room (buf
// needs len(octets) plus 7 octets per part). It returns the grown dst and
// buf; the parts' ShortMessage slices point into buf. On error dst and buf
// are returned unchanged.
func AppendSplit(dst []Part, buf []byte, octets []byte, c Coding, m Method, maxParts int, ref uint16) ([]Part, []byte, error) {
	if m != UDH && m != SAR {
		return dst, buf, fmt.Errorf("content: split method %d: want udh or sar", m)
	}
	if maxParts <= 0 || maxParts > MaxParts {
		maxParts = MaxParts
	}
	u, escapes := unitOf(c)
	if len(octets) <= singleLimit(u) {
		start := len(buf)
		buf = append(buf, octets...)
		return append(dst, Part{ShortMessage: buf[start:len(buf):len(buf)]}), buf, nil
	}
	hdr := udhLen(m, ref)
	n := parts(octets, u, escapes, hdr)
	if n > maxParts {
		return dst, buf, &TooLongError{Parts: n, Max: maxParts}
	}
	buf = slices.Grow(buf, len(octets)+n*hdr)
	dst = slices.Grow(dst, n)
	limit := partLimit(u, hdr)
	for seq := 1; len(octets) > 0; seq++ {
		k := cut(octets, limit, u, escapes)
		start := len(buf)
		p := Part{}
		switch {
		case m == SAR:
			p.SARRef, p.SARTotal, p.SARSeq = ref, uint8(n), uint8(seq)
		case hdr == udh8Len:
			p.UDHI = true
			buf = append(buf, 5, 0x00, 3, byte(ref), byte(n), byte(seq))
		default:
			p.UDHI = true
			buf = append(buf, 6, 0x08, 4, byte(ref>>8), byte(ref), byte(n), byte(seq))
		}
		buf = append(buf, octets[:k]...)
		p.ShortMessage = buf[start:len(buf):len(buf)]
		dst = append(dst, p)
		octets = octets[k:]
	}
	return dst, buf, nil
}
