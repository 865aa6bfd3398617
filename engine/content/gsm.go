package content

import (
	"fmt"
	"unicode/utf8"
)

// gsmEsc is the escape to the GSM 03.38 extension table.
const gsmEsc = 0x1B

// gsmBase is the GSM 03.38 default alphabet (3GPP TS 23.038 §6.2.1),
// indexed by septet. Position 0x1B is the escape, not a character.
var gsmBase = [128]rune{
	'@', '£', '$', '¥', 'è', 'é', 'ù', 'ì', 'ò', 'Ç', '\n', 'Ø', 'ø', '\r', 'Å', 'å',
	'Δ', '_', 'Φ', 'Γ', 'Λ', 'Ω', 'Π', 'Ψ', 'Σ', 'Θ', 'Ξ', -1, 'Æ', 'æ', 'ß', 'É',
	' ', '!', '"', '#', '¤', '%', '&', '\'', '(', ')', '*', '+', ',', '-', '.', '/',
	'0', '1', '2', '3', '4', '5', '6', '7', '8', '9', ':', ';', '<', '=', '>', '?',
	'¡', 'A', 'B', 'C', 'D', 'E', 'F', 'G', 'H', 'I', 'J', 'K', 'L', 'M', 'N', 'O',
	'P', 'Q', 'R', 'S', 'T', 'U', 'V', 'W', 'X', 'Y', 'Z', 'Ä', 'Ö', 'Ñ', 'Ü', '§',
	'¿', 'a', 'b', 'c', 'd', 'e', 'f', 'g', 'h', 'i', 'j', 'k', 'l', 'm', 'n', 'o',
	'p', 'q', 'r', 's', 't', 'u', 'v', 'w', 'x', 'y', 'z', 'ä', 'ö', 'ñ', 'ü', 'à',
}

// gsmExt is the GSM 03.38 extension table (§6.2.1.1), indexed by the septet
// that follows the escape; 0 marks a position with no character (0x0D CR2
// and 0x1B SS2 are controls without a Unicode equivalent and are left out).
var gsmExt = [128]rune{
	0x0A: '\f',
	0x14: '^',
	0x28: '{',
	0x29: '}',
	0x2F: '\\',
	0x3C: '[',
	0x3D: '~',
	0x3E: ']',
	0x40: '|',
	0x65: '€',
}

// Encoding tables, derived from gsmBase and gsmExt: an entry is gsmIn|code
// for the default alphabet, gsmIn|gsmExtFlag|code for an escape pair, 0 for
// a character GSM 03.38 does not have.
const (
	gsmIn      = 0x8000
	gsmExtFlag = 0x0100
)

var (
	gsmLatin [256]uint16 // U+0000–U+00FF
	gsmGreek [0x3A9 - 0x393 + 1]uint16
	gsmEuro  uint16
)

func init() {
	set := func(r rune, v uint16) {
		switch {
		case r < 0x100:
			gsmLatin[r] = v
		case r >= 0x393 && r <= 0x3A9:
			gsmGreek[r-0x393] = v
		case r == '€':
			gsmEuro = v
		default:
			panic(fmt.Sprintf("content: GSM table character U+%04X has no encoding slot", r))
		}
	}
	for s, r := range gsmBase {
		if r >= 0 {
			set(r, gsmIn|uint16(s))
		}
	}
	for s, r := range gsmExt {
		if r != 0 {
			set(r, gsmIn|gsmExtFlag|uint16(s))
		}
	}
}

// gsmCode returns the table entry for r (0 when GSM 03.38 lacks it).
func gsmCode(r rune) uint16 {
	switch {
	case r < 0x100:
		return gsmLatin[r]
	case r >= 0x393 && r <= 0x3A9:
		return gsmGreek[r-0x393]
	case r == '€':
		return gsmEuro
	}
	return 0
}

func appendGSM(dst []byte, text string, c Coding) ([]byte, error) {
	dst, bad, k := appendGSMRaw(dst, text)
	if bad < 0 {
		return dst, nil
	}
	r, size := utf8.DecodeRuneInString(text[bad:])
	e := &EncodeError{Coding: c, Rune: r, Index: k, Offset: bad}
	if r == utf8.RuneError && size == 1 {
		e.InvalidUTF8, e.Byte = true, text[bad]
	}
	return dst, e
}

// appendGSMRaw encodes text as far as it can: bad is the byte offset of the
// first character GSM 03.38 lacks (or of a byte that is not UTF-8) and k its
// character index, bad is -1 when all of text is encoded.
func appendGSMRaw(dst []byte, text string) (out []byte, bad, k int) {
	for i := 0; i < len(text); k++ {
		r, size := rune(text[i]), 1
		if r >= utf8.RuneSelf {
			r, size = utf8.DecodeRuneInString(text[i:])
		}
		v := gsmCode(r) // RuneError is not in GSM 03.38
		switch {
		case v == 0:
			return dst, i, k
		case v&gsmExtFlag != 0:
			dst = append(dst, gsmEsc, byte(v))
		default:
			dst = append(dst, byte(v))
		}
		i += size
	}
	return dst, -1, k
}

func fitsGSM(text string) bool {
	for i := 0; i < len(text); {
		r, size := rune(text[i]), 1
		if r >= utf8.RuneSelf {
			r, size = utf8.DecodeRuneInString(text[i:])
		}
		if gsmCode(r) == 0 { // RuneError is not in GSM either
			return false
		}
		i += size
	}
	return true
}

func appendDecodeGSM(dst, octets []byte, c Coding) ([]byte, error) {
	for i := 0; i < len(octets); i++ {
		b := octets[i]
		if b >= 0x80 {
			return dst, &DecodeError{Coding: c, Offset: i, Reason: fmt.Sprintf("octet 0x%02X is not a GSM 03.38 septet", b)}
		}
		r := gsmBase[b]
		if b == gsmEsc {
			if i+1 == len(octets) {
				return dst, &DecodeError{Coding: c, Offset: i, Reason: "escape 0x1B ends the content"}
			}
			e := octets[i+1]
			if e >= 0x80 || gsmExt[e] == 0 {
				return dst, &DecodeError{Coding: c, Offset: i, Reason: fmt.Sprintf("escape pair 1B %02X is not in the GSM 03.38 extension table", e)}
			}
			r = gsmExt[e]
			i++
		}
		if r < utf8.RuneSelf {
			dst = append(dst, byte(r))
		} else {
			dst = utf8.AppendRune(dst, r)
		}
	}
	return dst, nil
}
