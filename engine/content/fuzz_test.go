package content

import (
	"bytes"
	"errors"
	"testing"
	"unicode/utf8"
)

// Decode never panics; when it succeeds for a converting coding, encoding
// the text gives back the very octets.
func FuzzDecode(f *testing.F) {
	f.Add([]byte("Hello\x1b\x65"), byte(GSM))
	f.Add([]byte("\x1b"), byte(GSM))
	f.Add([]byte("\x1b\x1b"), byte(GSM))
	f.Add([]byte("\xd8\x3d\xde\x00"), byte(UCS2))
	f.Add([]byte("\xd8\x3d"), byte(UCS2))
	f.Add([]byte("\x00\x41\x00"), byte(UCS2))
	f.Add([]byte("\xbf\xe0\xf0"), byte(Cyrillic))
	f.Add([]byte("\xa1\xe0\xfd"), byte(Hebrew))
	f.Add([]byte("\x80"), byte(ASCII))
	f.Add([]byte("\xff"), byte(0xF4))
	f.Add([]byte("\x00\x41"), byte(0x18))
	f.Fuzz(func(t *testing.T, octets []byte, coding byte) {
		c := Coding(coding)
		text, err := Decode(octets, c)
		if err != nil {
			var de *DecodeError
			if !errors.As(err, &de) && !errors.Is(err, ErrUnsupported) {
				t.Fatalf("Decode error of unexpected type: %v", err)
			}
			if de != nil && (de.Offset < 0 || de.Offset >= len(octets)) {
				t.Fatalf("error offset %d outside %d octets", de.Offset, len(octets))
			}
			return
		}
		if c.Binary() {
			if text != string(octets) {
				t.Fatalf("binary coding changed the octets")
			}
			return
		}
		if !utf8.ValidString(text) {
			t.Fatalf("Decode(% X, %v) gave invalid UTF-8 %q", octets, c, text)
		}
		back, err := Encode(text, c)
		if err != nil || !bytes.Equal(back, octets) {
			t.Fatalf("Encode(Decode(% X)) = % X, %v", octets, back, err)
		}
		if !Fits(text, c) {
			t.Fatalf("Fits(Decode(x)) = false")
		}
	})
}

// Encode never panics, agrees with Fits, and Decode gives the text back.
func FuzzEncode(f *testing.F) {
	f.Add("Hello {€}", byte(GSM))
	f.Add("ç", byte(GSM))
	f.Add("a😀", byte(UCS2))
	f.Add("\xff", byte(UCS2))
	f.Add("Привет №", byte(Cyrillic))
	f.Add("שלום ×", byte(Hebrew))
	f.Add("café", byte(Latin1))
	f.Add("raw\x00", byte(Octet))
	f.Fuzz(func(t *testing.T, text string, coding byte) {
		c := Coding(coding)
		octets, err := Encode(text, c)
		if fits := Fits(text, c); fits != (err == nil) {
			t.Fatalf("Fits = %t but Encode error %v", fits, err)
		}
		if err != nil {
			return
		}
		back, err := Decode(octets, c)
		if err != nil || back != text {
			t.Fatalf("Decode(Encode(%q)) = %q, %v", text, back, err)
		}
		bc, bo := Best(text)
		if utf8.ValidString(text) {
			if bt, err := Decode(bo, bc); err != nil || bt != text {
				t.Fatalf("Best(%q) = %v % X decodes to %q, %v", text, bc, bo, bt, err)
			}
		}
	})
}

// ParseUDH never panics and what it reports is consistent with the input.
func FuzzParseUDH(f *testing.F) {
	f.Add([]byte("\x05\x00\x03\x2a\x03\x01Hello"))
	f.Add([]byte("\x06\x08\x04\x12\x34\x02\x02"))
	f.Add([]byte("\x0b\x05\x04\x0b\x84\x23\xf0\x00\x03\x7f\x02\x01A"))
	f.Add([]byte("\x05\x00\x03\x01"))
	f.Add([]byte("\x04\x00\x05\x01\x02\x03"))
	f.Add([]byte("\x00"))
	f.Add([]byte{})
	f.Fuzz(func(t *testing.T, sm []byte) {
		c, ok, n, err := ParseUDH(sm)
		if err != nil {
			if !errors.Is(err, ErrBadUDH) || ok || n != 0 || c != (Concat{}) {
				t.Fatalf("error %v with results %+v %t %d", err, c, ok, n)
			}
			return
		}
		if len(sm) == 0 || n != 1+int(sm[0]) || n > len(sm) {
			t.Fatalf("hdrLen %d for % X", n, sm)
		}
		if !ok {
			if c != (Concat{}) {
				t.Fatalf("concat %+v without ok", c)
			}
			return
		}
		if c.Total == 0 || c.Seq == 0 || c.Seq > c.Total || (!c.Wide && c.Ref > 255) {
			t.Fatalf("invalid concat %+v accepted", c)
		}
	})
}

// Split never panics; its parts joined are the input, none is over its
// limit, no escape or surrogate pair is cut, and CountFor agrees.
func FuzzSplit(f *testing.F) {
	f.Add(bytes.Repeat([]byte("a"), 161), byte(GSM), false, 0, uint16(7))
	f.Add(append(bytes.Repeat([]byte("a"), 152), "\x1b\x65aaaaaaaaaa"...), byte(GSM), false, 5, uint16(1))
	f.Add(bytes.Repeat([]byte("\x1b"), 400), byte(GSM), true, 0, uint16(300))
	f.Add(append(bytes.Repeat([]byte("\x00a"), 66), "\xd8\x3d\xde\x00\x00b"...), byte(UCS2), false, 0, uint16(1))
	f.Add(bytes.Repeat([]byte("\xd8\x3d"), 200), byte(UCS2), false, 0, uint16(500))
	f.Add(bytes.Repeat([]byte("x"), 141), byte(Latin1), true, 2, uint16(65535))
	f.Add(bytes.Repeat([]byte("x"), 1000), byte(Octet), false, 3, uint16(9))
	f.Fuzz(func(t *testing.T, octets []byte, coding byte, sar bool, maxParts int, ref uint16) {
		c, m := Coding(coding), UDH
		if sar {
			m = SAR
		}
		maxParts = maxParts%300 - 20 // mostly small or unlimited
		parts, err := Split(octets, c, m, maxParts, ref)
		count := CountFor(octets, c, m, ref)
		limitParts := maxParts
		if limitParts <= 0 || limitParts > MaxParts {
			limitParts = MaxParts
		}
		if err != nil {
			var tl *TooLongError
			if !errors.As(err, &tl) || tl.Parts != count || count <= limitParts || tl.Max != limitParts {
				t.Fatalf("Split error %v, count %d, limit %d", err, count, limitParts)
			}
			return
		}
		if len(parts) != count || count > limitParts {
			t.Fatalf("%d parts, CountFor %d, limit %d", len(parts), count, limitParts)
		}
		u, escapes := unitOf(c)
		var joined []byte
		var bounds []int
		for i, p := range parts {
			pl := p.ShortMessage
			if p.UDHI {
				cc, ok, n, err := ParseUDH(pl)
				if err != nil || !ok || int(cc.Total) != len(parts) || int(cc.Seq) != i+1 || cc.Ref != ref {
					t.Fatalf("part %d header: %+v %t %v", i+1, cc, ok, err)
				}
				pl = pl[n:]
			}
			limit := singleLimit(u)
			if len(parts) > 1 {
				limit = partLimit(u, udhLen(m, ref))
			}
			if len(pl) > limit {
				t.Fatalf("part %d holds %d octets, limit %d", i+1, len(pl), limit)
			}
			if len(parts) > 1 && m == SAR && (p.SARRef != ref || int(p.SARTotal) != len(parts) || int(p.SARSeq) != i+1) {
				t.Fatalf("part %d SAR %+v", i+1, p)
			}
			joined = append(joined, pl...)
			if i < len(parts)-1 {
				bounds = append(bounds, len(joined))
			}
		}
		if !bytes.Equal(joined, octets) {
			t.Fatalf("parts joined differ from the input")
		}
		for _, b := range bounds {
			switch {
			case escapes:
				// Pair escapes from the start: no pair may straddle b.
				for i := 0; i < b; i++ {
					if octets[i] == gsmEsc {
						if i+1 == b {
							t.Fatalf("escape pair cut at %d", b)
						}
						i++
					}
				}
			case u == unitUCS2:
				if b%2 != 0 {
					t.Fatalf("UCS2 cut at odd offset %d", b)
				}
				if isHighSurrogate(uint16(octets[b-2])<<8|uint16(octets[b-1])) && b+1 < len(octets) &&
					isLowSurrogate(uint16(octets[b])<<8|uint16(octets[b+1])) {
					t.Fatalf("surrogate pair cut at %d", b)
				}
			}
		}
	})
}
