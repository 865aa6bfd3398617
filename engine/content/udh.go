package content

import (
	"errors"
	"fmt"

	"github.com/gwd-project/gwd/smpp"
)

// Information element identifiers of a concatenation header.
const (
	ieiConcat8  = 0x00 // concatenated short messages, 8-bit reference
	ieiConcat16 = 0x08 // concatenated short messages, 16-bit reference
)

// Concat describes a part of a concatenated message found in a deliver_sm
// (UDH IE 0x00 or 0x08, or the SAR TLVs).
type Concat struct {
	Ref        uint16
	Total, Seq uint8 // Seq counts from 1 to Total
	Wide       bool  // 16-bit reference (IE 0x08, or SAR)
}

// ErrBadUDH is matched (errors.Is) by ParseUDH's errors.
var ErrBadUDH = errors.New("content: malformed user data header")

// ErrBadSAR is matched (errors.Is) by SARConcat's errors.
var ErrBadSAR = errors.New("content: malformed SAR parameters")

func badUDH(format string, args ...any) error {
	return fmt.Errorf("%w: "+format, append([]any{ErrBadUDH}, args...)...)
}

// ParseUDH parses the user data header at the start of sm (a short_message
// whose esm_class has UDHI, 0x40). It returns the concatenation IE if there
// is one (the last one when the header repeats it, as 3GPP TS 23.040 says)
// and the header's length, 1 + UDHL, so sm[hdrLen:] is the payload. Other
// IEs are skipped. A header that overruns sm, an IE that overruns the
// header, a concatenation IE of the wrong length, and a concatenation IE
// with a zero count, a zero sequence number or a sequence number above the
// count are errors (ErrBadUDH); on error every other result is zero.
func ParseUDH(sm []byte) (c Concat, ok bool, hdrLen int, err error) {
	if len(sm) == 0 {
		return Concat{}, false, 0, badUDH("empty short_message has no header length")
	}
	hdrLen = 1 + int(sm[0])
	if hdrLen > len(sm) {
		return Concat{}, false, 0, badUDH("header length %d overruns the %d-octet short_message", sm[0], len(sm))
	}
	for i := 1; i < hdrLen; {
		if i+2 > hdrLen {
			return Concat{}, false, 0, badUDH("IE at offset %d truncated", i)
		}
		iei, l := sm[i], int(sm[i+1])
		d := i + 2
		if d+l > hdrLen {
			return Concat{}, false, 0, badUDH("IE 0x%02X at offset %d: length %d overruns the header", iei, i, l)
		}
		switch iei {
		case ieiConcat8:
			if l != 3 {
				return Concat{}, false, 0, badUDH("concatenation IE 0x00 at offset %d has length %d, want 3", i, l)
			}
			c, ok = Concat{Ref: uint16(sm[d]), Total: sm[d+1], Seq: sm[d+2]}, true
		case ieiConcat16:
			if l != 4 {
				return Concat{}, false, 0, badUDH("concatenation IE 0x08 at offset %d has length %d, want 4", i, l)
			}
			c, ok = Concat{Ref: uint16(sm[d])<<8 | uint16(sm[d+1]), Total: sm[d+2], Seq: sm[d+3], Wide: true}, true
		}
		i = d + l
	}
	if ok {
		if err := checkConcat(c); err != nil {
			return Concat{}, false, 0, fmt.Errorf("%w: %w", ErrBadUDH, err)
		}
	}
	return c, ok, hdrLen, nil
}

// checkConcat refuses a count of 0 and a sequence number outside 1..count.
func checkConcat(c Concat) error {
	if c.Total == 0 || c.Seq == 0 || c.Seq > c.Total {
		return fmt.Errorf("concatenation part %d of %d (reference %d)", c.Seq, c.Total, c.Ref)
	}
	return nil
}

// SARConcat reads the SAR TLVs of a deliver_sm (sar_msg_ref_num,
// sar_total_segments, sar_segment_seqnum). ok is false when none of them is
// there; some but not all, values of the wrong length, or a bad count or
// sequence number are errors (ErrBadSAR). SAR references are 16-bit (Wide).
func SARConcat(tlvs smpp.TLVs) (c Concat, ok bool, err error) {
	ref, hasRef := tlvs.Get(smpp.TagSarMsgRefNum)
	total, hasTotal := tlvs.Get(smpp.TagSarTotalSegments)
	seq, hasSeq := tlvs.Get(smpp.TagSarSegmentSeqnum)
	switch {
	case !hasRef && !hasTotal && !hasSeq:
		return Concat{}, false, nil
	case !hasRef || !hasTotal || !hasSeq:
		return Concat{}, false, fmt.Errorf("%w: sar_msg_ref_num, sar_total_segments and sar_segment_seqnum go together (have %t, %t, %t)",
			ErrBadSAR, hasRef, hasTotal, hasSeq)
	case len(ref) != 2 || len(total) != 1 || len(seq) != 1:
		return Concat{}, false, fmt.Errorf("%w: value lengths %d, %d, %d, want 2, 1, 1", ErrBadSAR, len(ref), len(total), len(seq))
	}
	c = Concat{Ref: uint16(ref[0])<<8 | uint16(ref[1]), Total: total[0], Seq: seq[0], Wide: true}
	if err := checkConcat(c); err != nil {
		return Concat{}, false, fmt.Errorf("%w: %w", ErrBadSAR, err)
	}
	return c, true, nil
}
