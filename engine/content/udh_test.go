package content

import (
	"errors"
	"strings"
	"testing"

	"github.com/gwd-project/gwd/smpp"
)

func TestParseUDH(t *testing.T) {
	for _, tc := range []struct {
		name   string
		hex    string
		c      Concat
		ok     bool
		hdrLen int
	}{
		{"8-bit ref", "0500032A0301 48656C6C6F", Concat{Ref: 0x2A, Total: 3, Seq: 1}, true, 6},
		{"16-bit ref", "06080412340202 6869", Concat{Ref: 0x1234, Total: 2, Seq: 2, Wide: true}, true, 7},
		{"header only", "050003FFFFFF", Concat{Ref: 0xFF, Total: 255, Seq: 255}, true, 6},
		{"port IE before concat", "0B 05040B8423F0 00037F0201 41", Concat{Ref: 0x7F, Total: 2, Seq: 1}, true, 12},
		{"concat then other IE", "0B 080401020303 0A03000010 41", Concat{Ref: 0x0102, Total: 3, Seq: 3, Wide: true}, true, 12},
		{"empty IE skipped", "07 7000 0003050201", Concat{Ref: 5, Total: 2, Seq: 1}, true, 8},
		{"repeated concat: last wins", "0A 0003010201 0003020202", Concat{Ref: 2, Total: 2, Seq: 2}, true, 11},
		{"no concat IE", "06 05040B8423F0 414243", Concat{}, false, 7},
		{"zero-length header", "00 41", Concat{}, false, 1},
	} {
		t.Run(tc.name, func(t *testing.T) {
			c, ok, n, err := ParseUDH(unhex(t, tc.hex))
			if err != nil || ok != tc.ok || c != tc.c || n != tc.hdrLen {
				t.Errorf("ParseUDH(%s) = %+v, %t, %d, %v; want %+v, %t, %d", tc.hex, c, ok, n, err, tc.c, tc.ok, tc.hdrLen)
			}
		})
	}
}

func TestParseUDHMalformed(t *testing.T) {
	for _, tc := range []struct {
		name string
		hex  string
		msg  string
	}{
		{"empty", "", "empty short_message"},
		{"header overruns", "05000301", "header length 5 overruns the 4-octet short_message"},
		{"IE header truncated", "0100", "IE at offset 1 truncated"},
		{"IE overruns header", "04 0005 0102 03", "IE 0x00 at offset 1: length 5 overruns the header"},
		{"IE overruns into payload", "03 0A02 00 414141", "IE 0x0A at offset 1: length 2 overruns the header"},
		{"8-bit concat length 2", "04 00020102", "concatenation IE 0x00 at offset 1 has length 2, want 3"},
		{"16-bit concat length 3", "05 0803010201", "concatenation IE 0x08 at offset 1 has length 3, want 4"},
		{"seq 0", "05 0003010200", "part 0 of 2"},
		{"seq above total", "05 0003010203", "part 3 of 2"},
		{"total 0", "05 0003010000", "part 0 of 0"},
		{"bad concat after a good one", "0A 0003010201 0003010203", "part 3 of 2"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			c, ok, n, err := ParseUDH(unhex(t, tc.hex))
			if !errors.Is(err, ErrBadUDH) || ok || n != 0 || c != (Concat{}) {
				t.Fatalf("ParseUDH(%s) = %+v, %t, %d, %v; want ErrBadUDH", tc.hex, c, ok, n, err)
			}
			if !strings.Contains(err.Error(), tc.msg) {
				t.Errorf("error %q does not say %q", err, tc.msg)
			}
		})
	}
}

func TestSARConcat(t *testing.T) {
	full := smpp.TLVs(nil).AppendUint16(smpp.TagSarMsgRefNum, 0x0102).
		AppendUint8(smpp.TagSarTotalSegments, 3).AppendUint8(smpp.TagSarSegmentSeqnum, 2)
	c, ok, err := SARConcat(full)
	if err != nil || !ok || c != (Concat{Ref: 0x0102, Total: 3, Seq: 2, Wide: true}) {
		t.Errorf("SARConcat(full) = %+v, %t, %v", c, ok, err)
	}
	other := smpp.TLVs(nil).AppendUint8(smpp.TagMessagePayload, 1)
	if c, ok, err := SARConcat(other); err != nil || ok || c != (Concat{}) {
		t.Errorf("SARConcat(no SAR) = %+v, %t, %v", c, ok, err)
	}
	for _, tc := range []struct {
		name string
		tlvs smpp.TLVs
		msg  string
	}{
		{"ref missing", smpp.TLVs(nil).AppendUint8(smpp.TagSarTotalSegments, 3).AppendUint8(smpp.TagSarSegmentSeqnum, 2), "go together"},
		{"seq missing", smpp.TLVs(nil).AppendUint16(smpp.TagSarMsgRefNum, 1).AppendUint8(smpp.TagSarTotalSegments, 3), "go together"},
		{"ref one octet", smpp.TLVs(nil).AppendUint8(smpp.TagSarMsgRefNum, 1).AppendUint8(smpp.TagSarTotalSegments, 3).AppendUint8(smpp.TagSarSegmentSeqnum, 2), "value lengths 1, 1, 1"},
		{"seq above total", smpp.TLVs(nil).AppendUint16(smpp.TagSarMsgRefNum, 1).AppendUint8(smpp.TagSarTotalSegments, 3).AppendUint8(smpp.TagSarSegmentSeqnum, 4), "part 4 of 3"},
		{"seq 0", smpp.TLVs(nil).AppendUint16(smpp.TagSarMsgRefNum, 1).AppendUint8(smpp.TagSarTotalSegments, 3).AppendUint8(smpp.TagSarSegmentSeqnum, 0), "part 0 of 3"},
	} {
		c, ok, err := SARConcat(tc.tlvs)
		if !errors.Is(err, ErrBadSAR) || ok || c != (Concat{}) || !strings.Contains(err.Error(), tc.msg) {
			t.Errorf("%s: SARConcat = %+v, %t, %v; want ErrBadSAR saying %q", tc.name, c, ok, err, tc.msg)
		}
	}
}
