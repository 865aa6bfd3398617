package content

import (
	"bytes"
	"errors"
	"strings"
	"testing"
)

func mustEncode(t testing.TB, text string, c Coding) []byte {
	t.Helper()
	b, err := Encode(text, c)
	if err != nil {
		t.Fatal(err)
	}
	return b
}

// payloadOf strips the UDH a part carries.
func payloadOf(t testing.TB, p Part) []byte {
	t.Helper()
	if !p.UDHI {
		return p.ShortMessage
	}
	_, ok, n, err := ParseUDH(p.ShortMessage)
	if err != nil || !ok {
		t.Fatalf("part % X: UDH %v, concat %t", p.ShortMessage, err, ok)
	}
	return p.ShortMessage[n:]
}

func TestSplitBoundaries(t *testing.T) {
	a := func(n int) string { return strings.Repeat("a", n) }
	type want struct {
		sizes []int  // payload octets of each part
		hdr   string // first part's UDH, hex ("" for none)
	}
	for _, tc := range []struct {
		name string
		text string
		c    Coding
		m    Method
		ref  uint16
		want want
	}{
		{"empty", "", GSM, UDH, 7, want{[]int{0}, ""}},
		{"gsm 160 fits", a(160), GSM, UDH, 7, want{[]int{160}, ""}},
		{"gsm 161 udh8", a(161), GSM, UDH, 7, want{[]int{153, 8}, "050003070201"}},
		{"gsm 306 udh8", a(306), GSM, UDH, 7, want{[]int{153, 153}, "050003070201"}},
		{"gsm 307 udh8", a(307), GSM, UDH, 255, want{[]int{153, 153, 1}, "050003FF0301"}},
		{"gsm 161 udh16", a(161), GSM, UDH, 300, want{[]int{152, 9}, "060804012C0201"}},
		{"gsm 304 udh16", a(304), GSM, UDH, 0xABCD, want{[]int{152, 152}, "060804ABCD0201"}},
		{"gsm 161 sar", a(161), GSM, SAR, 300, want{[]int{160, 1}, ""}},
		{"gsm 320 sar", a(320), GSM, SAR, 1, want{[]int{160, 160}, ""}},
		{"ascii 161 counts like septets", a(161), ASCII, UDH, 1, want{[]int{153, 8}, "050003010201"}},
		{"ucs2 70 fits", a(70), UCS2, UDH, 1, want{[]int{140}, ""}},
		{"ucs2 71 udh8", a(71), UCS2, UDH, 1, want{[]int{134, 8}, "050003010201"}},
		{"ucs2 134 udh8", a(134), UCS2, UDH, 1, want{[]int{134, 134}, "050003010201"}},
		{"ucs2 71 udh16", a(71), UCS2, UDH, 256, want{[]int{132, 10}, "06080401000201"}},
		{"ucs2 71 sar", a(71), UCS2, SAR, 1, want{[]int{140, 2}, ""}},
		{"latin1 140 fits", a(140), Latin1, UDH, 1, want{[]int{140}, ""}},
		{"latin1 141 udh8", a(141), Latin1, UDH, 1, want{[]int{134, 7}, "050003010201"}},
		{"latin1 141 udh16", a(141), Latin1, UDH, 999, want{[]int{133, 8}, "06080403E70201"}},
		{"binary 141 sar", a(141), Octet, SAR, 1, want{[]int{140, 1}, ""}},
		// '€' is 1B 65: at octets 152-153 the pair would straddle the
		// 153-septet limit, so it moves whole to part 2.
		{"gsm escape at boundary udh8", a(152) + "€" + a(10), GSM, UDH, 1, want{[]int{152, 12}, "050003010201"}},
		{"gsm escape just inside udh8", a(151) + "€" + a(10), GSM, UDH, 1, want{[]int{153, 10}, "050003010201"}},
		{"gsm escape at boundary udh16", a(151) + "{" + a(10), GSM, UDH, 1000, want{[]int{151, 12}, "06080403E80201"}},
		{"gsm escape at boundary sar", a(159) + "|" + "b", GSM, SAR, 1, want{[]int{159, 3}, ""}},
		{"gsm escapes only", strings.Repeat("€", 81), GSM, UDH, 1, want{[]int{152, 10}, "050003010201"}},
		// 😀 is the surrogate pair D83D DE00: at units 66-67 it would
		// straddle the 67-unit limit, so it moves whole.
		{"ucs2 surrogate at boundary udh8", a(66) + "😀" + a(5), UCS2, UDH, 1, want{[]int{132, 14}, "050003010201"}},
		{"ucs2 surrogate just inside udh8", a(65) + "😀" + a(5), UCS2, UDH, 1, want{[]int{134, 10}, "050003010201"}},
		{"ucs2 surrogate at boundary sar", a(69) + "😀" + "b", UCS2, SAR, 1, want{[]int{138, 6}, ""}},
		// A GSM escape fits the single message when the total is 160.
		{"gsm 158 + escape fits", a(158) + "€", GSM, UDH, 1, want{[]int{160}, ""}},
		// A 0x1B octet in Latin-1 is an octet like any other.
		{"latin1 1B at boundary is cut", a(133) + "\x1b" + a(10), Latin1, UDH, 1, want{[]int{134, 10}, "050003010201"}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			octets := mustEncode(t, tc.text, tc.c)
			parts, err := Split(octets, tc.c, tc.m, 0, tc.ref)
			if err != nil {
				t.Fatal(err)
			}
			var sizes []int
			var joined []byte
			for i, p := range parts {
				pl := payloadOf(t, p)
				sizes = append(sizes, len(pl))
				joined = append(joined, pl...)
				multi := len(tc.want.sizes) > 1
				if p.UDHI != (multi && tc.m == UDH) {
					t.Errorf("part %d UDHI = %t", i+1, p.UDHI)
				}
				if multi && tc.m == SAR {
					if p.SARRef != tc.ref || int(p.SARTotal) != len(tc.want.sizes) || int(p.SARSeq) != i+1 {
						t.Errorf("part %d SAR = %d %d/%d, want %d %d/%d", i+1, p.SARRef, p.SARSeq, p.SARTotal, tc.ref, i+1, len(tc.want.sizes))
					}
				} else if p.SARTotal != 0 || p.SARSeq != 0 || p.SARRef != 0 {
					t.Errorf("part %d carries SAR values %+v", i+1, p)
				}
				if p.UDHI {
					c, _, _, _ := ParseUDH(p.ShortMessage)
					if c.Ref != tc.ref || int(c.Total) != len(parts) || int(c.Seq) != i+1 || c.Wide != (tc.ref > 255) {
						t.Errorf("part %d concat %+v", i+1, c)
					}
				}
			}
			if !equalInts(sizes, tc.want.sizes) {
				t.Errorf("part sizes %v, want %v", sizes, tc.want.sizes)
			}
			if !bytes.Equal(joined, octets) {
				t.Errorf("parts joined differ from the content")
			}
			if tc.want.hdr != "" && !bytes.HasPrefix(parts[0].ShortMessage, unhex(t, tc.want.hdr)) {
				t.Errorf("first part starts % X, want header %s", parts[0].ShortMessage[:8], tc.want.hdr)
			}
			if n := CountFor(octets, tc.c, tc.m, tc.ref); n != len(parts) {
				t.Errorf("CountFor = %d, Split gave %d parts", n, len(parts))
			}
			if tc.m == UDH && tc.ref <= 255 {
				if n := Count(octets, tc.c); n != len(parts) {
					t.Errorf("Count = %d, Split gave %d parts", n, len(parts))
				}
			}
			// Parts do not alias the caller's content.
			for i := range octets {
				octets[i] = '#'
			}
			for _, p := range parts {
				if bytes.IndexByte(p.ShortMessage, '#') >= 0 {
					t.Fatalf("a part aliases the input")
				}
			}
		})
	}
}

func equalInts(a, b []int) bool {
	if len(a) != len(b) {
		return false
	}
	for i := range a {
		if a[i] != b[i] {
			return false
		}
	}
	return true
}

func TestSplitTooLong(t *testing.T) {
	five := []byte(strings.Repeat("a", 153*5))
	parts, err := Split(five, GSM, UDH, 5, 1)
	if err != nil || len(parts) != 5 {
		t.Fatalf("5 full parts with maxParts 5: %d parts, %v", len(parts), err)
	}
	six := append(five, 'a')
	parts, err = Split(six, GSM, UDH, 5, 1)
	var tl *TooLongError
	if !errors.Is(err, ErrTooLong) || !errors.As(err, &tl) || tl.Parts != 6 || tl.Max != 5 || parts != nil {
		t.Fatalf("Split 6 parts, max 5 = %d parts, %v", len(parts), err)
	}
	if err.Error() != "content: too long: needs 6 parts, the limit is 5" {
		t.Errorf("message %q", err)
	}
	// maxParts <= 0 is 255.
	big := []byte(strings.Repeat("a", 153*255))
	if parts, err := Split(big, GSM, UDH, 0, 1); err != nil || len(parts) != 255 || parts[254].ShortMessage[4] != 255 {
		t.Fatalf("255 parts, no limit: %d, %v", len(parts), err)
	}
	_, err = Split(append(big, 'a'), GSM, UDH, -1, 1)
	if !errors.As(err, &tl) || tl.Parts != 256 || tl.Max != 255 {
		t.Fatalf("256 parts: %v", err)
	}
	if _, err := Split(append(big, 'a'), GSM, UDH, 1000, 1); !errors.As(err, &tl) || tl.Max != 255 {
		t.Fatalf("maxParts above 255: %v", err)
	}
	if n := Count(append(big, 'a'), GSM); n != 256 {
		t.Errorf("Count = %d, want 256", n)
	}
	// AppendSplit leaves the caller's slices as they were.
	dst, buf := []Part{{SARSeq: 9}}, []byte("xy")
	d2, b2, err := AppendSplit(dst, buf, six, GSM, UDH, 5, 1)
	if err == nil || len(d2) != 1 || string(b2) != "xy" {
		t.Errorf("AppendSplit on error: %d parts, buf %q, %v", len(d2), b2, err)
	}
	if _, err := Split(six, GSM, Method(7), 0, 1); err == nil {
		t.Errorf("unknown method accepted")
	}
}

func TestAppendSplitNoAlloc(t *testing.T) {
	octets := mustEncode(t, strings.Repeat("Hello {world} ", 22), GSM) // 352 octets, 3 parts
	dst := make([]Part, 0, 8)
	buf := make([]byte, 0, 512)
	var parts []Part
	allocs := testing.AllocsPerRun(100, func() {
		var err error
		parts, buf, err = AppendSplit(dst[:0], buf[:0], octets, GSM, UDH, 5, 42)
		if err != nil {
			t.Fatal(err)
		}
	})
	if allocs != 0 {
		t.Errorf("AppendSplit with room allocates %v times", allocs)
	}
	if len(parts) != 3 || !bytes.HasPrefix(parts[2].ShortMessage, []byte{5, 0, 3, 42, 3, 3}) {
		t.Errorf("parts %d, last % X", len(parts), parts[len(parts)-1].ShortMessage)
	}
	// Appending to a part does not run into the next one.
	first := parts[0].ShortMessage
	_ = append(first, 'Z')
	if parts[1].ShortMessage[0] != 5 {
		t.Errorf("appending to part 1 overwrote part 2")
	}
}

func TestParseMethod(t *testing.T) {
	for _, tc := range []struct {
		s    string
		m    Method
		fail bool
	}{
		{"udh", UDH, false}, {"UDH", UDH, false}, {"sar", SAR, false}, {"Sar", SAR, false},
		{"", 0, true}, {"udh ", 0, true}, {"both", 0, true},
	} {
		m, err := ParseMethod(tc.s)
		if (err != nil) != tc.fail || m != tc.m {
			t.Errorf("ParseMethod(%q) = %v, %v", tc.s, m, err)
		}
		if err != nil && !strings.Contains(err.Error(), "want udh or sar") {
			t.Errorf("error %q", err)
		}
	}
	if UDH.String() != "udh" || SAR.String() != "sar" {
		t.Errorf("String: %s %s", UDH, SAR)
	}
}

// Split then reassemble: what the far end gets is what was sent.
func TestSplitReassembleRoundTrip(t *testing.T) {
	text := strings.Repeat("Ünïcödé € text, ", 30)
	for _, m := range []Method{UDH, SAR} {
		for _, ref := range []uint16{9, 4000} {
			c, octets := Best(text)
			parts, err := Split(octets, c, m, 0, ref)
			if err != nil {
				t.Fatal(err)
			}
			r := NewReassembler(0, 0)
			var got []byte
			for i := len(parts) - 1; i >= 0; i-- { // backwards: out of order
				p := parts[i]
				cc, sm := Concat{Ref: p.SARRef, Total: p.SARTotal, Seq: p.SARSeq, Wide: true}, p.ShortMessage
				if p.UDHI {
					var n int
					cc, _, n, err = ParseUDH(sm)
					if err != nil {
						t.Fatal(err)
					}
					sm = sm[n:]
				}
				full, _, _, err := r.Add("k", cc, sm, i, testNow)
				if err != nil {
					t.Fatal(err)
				}
				if full != nil {
					got = full
				}
			}
			dec, err := Decode(got, c)
			if err != nil || dec != text {
				t.Errorf("%v ref %d: reassembled %q, %v", m, ref, dec, err)
			}
		}
	}
}
