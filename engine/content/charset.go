package content

import (
	"fmt"
	"unicode/utf8"
)

// charset is a single-octet coding: ASCII, ISO-8859-1, -5, -8.
type charset struct {
	name string
	dec  [256]rune     // octet → character, -1 where the coding defines none
	low  [256]int16    // character U+0000–U+00FF → octet, -1 where none
	high map[rune]byte // characters from U+0100 → octet
}

func newCharset(name string, dec func(b int) rune) *charset {
	cs := &charset{name: name, high: map[rune]byte{}}
	for i := range cs.low {
		cs.low[i] = -1
	}
	for b := 0; b < 256; b++ {
		r := dec(b)
		cs.dec[b] = r
		switch {
		case r < 0:
		case r < 0x100:
			cs.low[r] = int16(b)
		default:
			cs.high[r] = byte(b)
		}
	}
	return cs
}

var (
	asciiSet = newCharset("ASCII", func(b int) rune {
		if b < 0x80 {
			return rune(b)
		}
		return -1
	})
	latin1Set = newCharset("ISO-8859-1", func(b int) rune { return rune(b) })
	// ISO-8859-5: U+0000–U+00A0 as is; 0xA1–0xFF are Cyrillic U+0401–U+045F
	// at an offset of 0x360, except soft hyphen 0xAD, № 0xF0 and § 0xFD.
	cyrillicSet = newCharset("ISO-8859-5", func(b int) rune {
		switch {
		case b <= 0xA0:
			return rune(b)
		case b == 0xAD:
			return 0x00AD
		case b == 0xF0:
			return 0x2116
		case b == 0xFD:
			return 0x00A7
		}
		return rune(b) + 0x360
	})
	// ISO-8859-8: U+0000–U+00A0 as is; 0xA2–0xBE Latin-1 symbols with ×
	// (0xAA) and ÷ (0xBA); ‗ 0xDF; Hebrew letters א–ת 0xE0–0xFA; LRM and RLM
	// 0xFD, 0xFE. 0xA1, 0xBF–0xDE, 0xFB, 0xFC and 0xFF are undefined.
	hebrewSet = newCharset("ISO-8859-8", func(b int) rune {
		switch {
		case b <= 0xA0:
			return rune(b)
		case b == 0xAA:
			return 0x00D7
		case b == 0xBA:
			return 0x00F7
		case b >= 0xA2 && b <= 0xBE:
			return rune(b)
		case b == 0xDF:
			return 0x2017
		case b >= 0xE0 && b <= 0xFA:
			return rune(b) - 0xE0 + 0x05D0
		case b == 0xFD:
			return 0x200E
		case b == 0xFE:
			return 0x200F
		}
		return -1
	})
)

func (cs *charset) octet(r rune) (byte, bool) {
	if r < 0x100 {
		v := cs.low[r]
		return byte(v), v >= 0
	}
	b, ok := cs.high[r]
	return b, ok
}

func (cs *charset) appendEncode(dst []byte, text string, c Coding) ([]byte, error) {
	for i, k := 0, 0; i < len(text); k++ {
		r, size := rune(text[i]), 1
		if r >= utf8.RuneSelf {
			r, size = utf8.DecodeRuneInString(text[i:])
			if r == utf8.RuneError && size == 1 {
				return dst, &EncodeError{Coding: c, Rune: r, Index: k, Offset: i, InvalidUTF8: true, Byte: text[i]}
			}
		}
		b, ok := cs.octet(r)
		if !ok {
			return dst, &EncodeError{Coding: c, Rune: r, Index: k, Offset: i}
		}
		dst = append(dst, b)
		i += size
	}
	return dst, nil
}

func (cs *charset) fits(text string) bool {
	for i := 0; i < len(text); {
		r, size := rune(text[i]), 1
		if r >= utf8.RuneSelf {
			r, size = utf8.DecodeRuneInString(text[i:])
			if r == utf8.RuneError && size == 1 {
				return false
			}
		}
		if _, ok := cs.octet(r); !ok {
			return false
		}
		i += size
	}
	return true
}

func (cs *charset) appendDecode(dst, octets []byte, c Coding) ([]byte, error) {
	for i, b := range octets {
		r := cs.dec[b]
		switch {
		case r < 0:
			return dst, &DecodeError{Coding: c, Offset: i, Reason: fmt.Sprintf("octet 0x%02X is not defined in %s", b, cs.name)}
		case r < utf8.RuneSelf:
			dst = append(dst, byte(r))
		default:
			dst = utf8.AppendRune(dst, r)
		}
	}
	return dst, nil
}
