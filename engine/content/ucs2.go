package content

import (
	"fmt"
	"unicode/utf16"
	"unicode/utf8"
)

// appendUCS2 writes text as UTF-16BE. With lenient, bytes that are not UTF-8
// become U+FFFD instead of an error (Best only).
func appendUCS2(dst []byte, text string, c Coding, lenient bool) ([]byte, error) {
	for i, k := 0, 0; i < len(text); k++ {
		r, size := rune(text[i]), 1
		if r >= utf8.RuneSelf {
			r, size = utf8.DecodeRuneInString(text[i:])
			if r == utf8.RuneError && size == 1 && !lenient {
				return dst, &EncodeError{Coding: c, Rune: r, Index: k, Offset: i, InvalidUTF8: true, Byte: text[i]}
			}
		}
		if r >= 0x10000 {
			hi, lo := utf16.EncodeRune(r)
			dst = append(dst, byte(hi>>8), byte(hi), byte(lo>>8), byte(lo))
		} else {
			dst = append(dst, byte(r>>8), byte(r))
		}
		i += size
	}
	return dst, nil
}

func isHighSurrogate(u uint16) bool { return u >= 0xD800 && u < 0xDC00 }
func isLowSurrogate(u uint16) bool  { return u >= 0xDC00 && u < 0xE000 }

func appendDecodeUCS2(dst, octets []byte, c Coding) ([]byte, error) {
	if len(octets)%2 != 0 {
		return dst, &DecodeError{Coding: c, Offset: len(octets) - 1, Reason: fmt.Sprintf("odd length %d (UCS2 units are 2 octets)", len(octets))}
	}
	for i := 0; i < len(octets); i += 2 {
		u := uint16(octets[i])<<8 | uint16(octets[i+1])
		r := rune(u)
		switch {
		case isHighSurrogate(u):
			if i+3 >= len(octets) {
				return dst, &DecodeError{Coding: c, Offset: i, Reason: fmt.Sprintf("high surrogate 0x%04X ends the content", u)}
			}
			lo := uint16(octets[i+2])<<8 | uint16(octets[i+3])
			if !isLowSurrogate(lo) {
				return dst, &DecodeError{Coding: c, Offset: i, Reason: fmt.Sprintf("high surrogate 0x%04X not followed by a low surrogate", u)}
			}
			r = utf16.DecodeRune(rune(u), rune(lo))
			i += 2
		case isLowSurrogate(u):
			return dst, &DecodeError{Coding: c, Offset: i, Reason: fmt.Sprintf("unpaired low surrogate 0x%04X", u)}
		}
		if r < utf8.RuneSelf {
			dst = append(dst, byte(r))
		} else {
			dst = utf8.AppendRune(dst, r)
		}
	}
	return dst, nil
}
