package content

import (
	"errors"
	"fmt"
	"unicode/utf8"
)

// Coding is an SMPP data_coding value as Jasmin's HTTP API `coding`
// parameter names them: 0 SMSC default alphabet (GSM 03.38 here), 1 IA5
// (CCITT T.50)/ASCII, 2 octet unspecified (8-bit binary), 3 Latin-1, 4 octet
// unspecified (8-bit binary), 5 JIS, 6 Cyrillic, 7 Latin/Hebrew, 8 UCS2, 9
// pictogram, 10 ISO-2022-JP music codes, 13 extended kanji JIS, 14 KS C 5601.
//
// Values outside that table that a deliver_sm may carry are read as GSM
// 03.38 data coding scheme groups (see Base): 0x10–0x3F and 0x40–0x7F by
// their alphabet bits, 0xC0–0xDF as GSM 7-bit, 0xE0–0xEF as UCS2, 0xF0–0xFF
// as GSM 7-bit or 8-bit data. 11, 12, 15 and 0x80–0xBF are reserved:
// Encode and Decode refuse them.
type Coding byte

// The codings of Jasmin's `coding` table.
const (
	GSM         Coding = 0  // SMSC default alphabet: GSM 03.38, unpacked
	ASCII       Coding = 1  // IA5 (CCITT T.50) / ASCII (ANSI X3.4), 7-bit
	Octet       Coding = 2  // octet unspecified (8-bit binary)
	Latin1      Coding = 3  // ISO-8859-1
	OctetCommon Coding = 4  // octet unspecified (8-bit binary), "common"
	JIS         Coding = 5  // JIS X 0208-1990: carried as given, not converted
	Cyrillic    Coding = 6  // ISO-8859-5
	Hebrew      Coding = 7  // ISO-8859-8 (Latin/Hebrew)
	UCS2        Coding = 8  // ISO/IEC-10646, UTF-16BE with surrogate pairs
	Pictogram   Coding = 9  // carried as given, not converted
	ISO2022JP   Coding = 10 // ISO-2022-JP music codes: carried as given
	KanjiJIS    Coding = 13 // extended kanji JIS X 0212-1990: carried as given
	KSC5601     Coding = 14 // KS C 5601: carried as given
)

// alphabet is how a coding's octets are read.
type alphabet uint8

const (
	alphaUnknown  alphabet = iota
	alphaGSM               // GSM 03.38 septets, one per octet
	alphaASCII             // 7-bit ASCII
	alphaLatin1            // ISO-8859-1
	alphaCyrillic          // ISO-8859-5
	alphaHebrew            // ISO-8859-8
	alphaUCS2              // UTF-16BE
	alphaOctets            // bytes as they are
)

// alphabetOf classifies any data_coding value.
func alphabetOf(c Coding) alphabet {
	switch {
	case c <= 0x0F:
		switch c {
		case GSM:
			return alphaGSM
		case ASCII:
			return alphaASCII
		case Latin1:
			return alphaLatin1
		case Cyrillic:
			return alphaCyrillic
		case Hebrew:
			return alphaHebrew
		case UCS2:
			return alphaUCS2
		case Octet, OctetCommon, JIS, Pictogram, ISO2022JP, KanjiJIS, KSC5601:
			return alphaOctets
		}
		return alphaUnknown
	case c <= 0x7F: // general data coding and automatic deletion groups
		if c&0x20 != 0 { // compressed: gwd does not decompress
			return alphaOctets
		}
		switch (c >> 2) & 3 {
		case 0:
			return alphaGSM
		case 1:
			return alphaOctets
		case 2:
			return alphaUCS2
		}
		return alphaUnknown
	case c <= 0xBF: // reserved coding groups
		return alphaUnknown
	case c <= 0xDF: // message waiting indication, GSM 7-bit
		return alphaGSM
	case c <= 0xEF: // message waiting indication, UCS2
		return alphaUCS2
	default: // data coding / message class
		if c&0x04 != 0 {
			return alphaOctets
		}
		return alphaGSM
	}
}

// Base returns the coding of Jasmin's table that reads c's octets the same
// way: c itself for 0–14, GSM, Octet or UCS2 for the GSM 03.38 data coding
// scheme groups (a flash UCS2 message 0x18 gives UCS2, 0xF0 gives GSM, 0xF4
// Octet). Reserved values are returned unchanged; Supported reports them.
func (c Coding) Base() Coding {
	if c <= KSC5601 {
		return c
	}
	switch alphabetOf(c) {
	case alphaGSM:
		return GSM
	case alphaUCS2:
		return UCS2
	case alphaOctets:
		return Octet
	}
	return c
}

// Supported reports whether Encode and Decode accept c.
func (c Coding) Supported() bool { return alphabetOf(c) != alphaUnknown }

// Binary reports whether c carries octets as they are (2, 4, the codings gwd
// cannot convert — 5, 9, 10, 13, 14 — and 8-bit or compressed data coding
// scheme groups): Encode and Decode copy such content unchanged.
func (c Coding) Binary() bool { return alphabetOf(c) == alphaOctets }

var codingNames = [...]string{
	GSM:         "GSM 03.38",
	ASCII:       "IA5/ASCII",
	Octet:       "octet unspecified",
	Latin1:      "Latin-1",
	OctetCommon: "octet unspecified",
	JIS:         "JIS",
	Cyrillic:    "Cyrillic ISO-8859-5",
	Hebrew:      "Latin/Hebrew ISO-8859-8",
	UCS2:        "UCS2",
	Pictogram:   "pictogram",
	ISO2022JP:   "ISO-2022-JP",
	11:          "reserved",
	12:          "reserved",
	KanjiJIS:    "extended kanji JIS",
	KSC5601:     "KS C 5601",
}

// String names the coding as error messages show it: "8 (UCS2)",
// "0xF0 (GSM 03.38)".
func (c Coding) String() string {
	if int(c) < len(codingNames) {
		return fmt.Sprintf("%d (%s)", byte(c), codingNames[c])
	}
	name := "reserved"
	if c.Supported() {
		name = codingNames[c.Base()]
	}
	return fmt.Sprintf("0x%02X (%s)", byte(c), name)
}

// ErrUnrepresentable is matched (errors.Is) by every EncodeError.
var ErrUnrepresentable = errors.New("content: cannot encode")

// ErrInvalid is matched (errors.Is) by every DecodeError.
var ErrInvalid = errors.New("content: invalid octets")

// ErrUnsupported is a reserved data_coding value (11, 12, 15, 0x80–0xBF and
// the reserved alphabet of the data coding scheme groups).
var ErrUnsupported = errors.New("content: unsupported data_coding")

// EncodeError is text that a coding cannot carry: a character outside its
// repertoire, or bytes that are not UTF-8.
type EncodeError struct {
	Coding Coding
	Rune   rune // the character; utf8.RuneError when InvalidUTF8
	// Index is the character's position in the text, counting characters
	// from 0; Offset is its byte offset in the UTF-8 text.
	Index, Offset int
	InvalidUTF8   bool
	Byte          byte // the offending byte when InvalidUTF8
}

func (e *EncodeError) Error() string {
	if e.InvalidUTF8 {
		return fmt.Sprintf("content: invalid UTF-8 byte 0x%02X at position %d (byte %d), cannot encode in coding %s",
			e.Byte, e.Index, e.Offset, e.Coding)
	}
	return fmt.Sprintf("content: character %q (U+%04X) at position %d cannot be encoded in coding %s",
		e.Rune, e.Rune, e.Index, e.Coding)
}

// Is makes errors.Is(err, ErrUnrepresentable) true.
func (e *EncodeError) Is(target error) bool { return target == ErrUnrepresentable }

// DecodeError is short_message content that is not valid in its coding.
type DecodeError struct {
	Coding Coding
	Offset int    // octet offset of the first offending octet
	Reason string // what is wrong there
}

func (e *DecodeError) Error() string {
	return fmt.Sprintf("content: coding %s: %s at offset %d", e.Coding, e.Reason, e.Offset)
}

// Is makes errors.Is(err, ErrInvalid) true.
func (e *DecodeError) Is(target error) bool { return target == ErrInvalid }

func unsupported(c Coding) error { return fmt.Errorf("%w %s", ErrUnsupported, c) }

// Encode converts UTF-8 text into the octets of short_message for coding c.
//
// GSM (0 and the GSM 7-bit scheme groups): one octet per septet, unpacked,
// extension-table characters as ESC (0x1B) pairs ('€' is 1B 65). ASCII (1):
// characters up to U+007F. Latin-1 (3), Cyrillic ISO-8859-5 (6), Hebrew
// ISO-8859-8 (7): their 8-bit repertoires. UCS2 (8): UTF-16BE, characters
// outside the BMP as surrogate pairs. Binary codings (2, 4) and the codings
// gwd cannot convert (5 JIS, 9 pictogram, 10 ISO-2022-JP, 13 extended kanji
// JIS, 14 KS C 5601) take the text's bytes as they are: the caller is
// expected to hand over content already in that coding (hex-content).
//
// A character the coding cannot represent, or text that is not UTF-8, is an
// *EncodeError naming it and its position; a reserved coding is
// ErrUnsupported.
func Encode(text string, c Coding) ([]byte, error) {
	size := len(text)
	if alphabetOf(c) == alphaUCS2 {
		size *= 2
	}
	b, err := AppendEncode(make([]byte, 0, size), text, c)
	if err != nil {
		return nil, err
	}
	return b, nil
}

// AppendEncode is Encode appending to dst. On error dst is returned with its
// original length.
func AppendEncode(dst []byte, text string, c Coding) ([]byte, error) {
	n := len(dst)
	var err error
	switch alphabetOf(c) {
	case alphaGSM:
		dst, err = appendGSM(dst, text, c)
	case alphaASCII:
		dst, err = asciiSet.appendEncode(dst, text, c)
	case alphaLatin1:
		dst, err = latin1Set.appendEncode(dst, text, c)
	case alphaCyrillic:
		dst, err = cyrillicSet.appendEncode(dst, text, c)
	case alphaHebrew:
		dst, err = hebrewSet.appendEncode(dst, text, c)
	case alphaUCS2:
		dst, err = appendUCS2(dst, text, c, false)
	case alphaOctets:
		return append(dst, text...), nil
	default:
		return dst, unsupported(c)
	}
	if err != nil {
		return dst[:n], err
	}
	return dst, nil
}

// Decode is the inverse of Encode: the octets of short_message in coding c
// as UTF-8 text. Binary codings (and those gwd cannot convert) are returned
// as they are. Octets that are invalid in the coding — in GSM an octet above
// 0x7F, a lone escape or an escape pair outside the extension table; in
// UCS2 an odd length or an unpaired surrogate; in ASCII an octet above 0x7F;
// in ISO-8859-8 an undefined position — are a *DecodeError. For GSM and UCS2
// (and ASCII, Latin-1, ISO-8859-5/8) Encode(Decode(x)) == x whenever Decode
// succeeds.
func Decode(octets []byte, c Coding) (string, error) {
	if alphabetOf(c) == alphaOctets {
		return string(octets), nil
	}
	b, err := AppendDecode(make([]byte, 0, len(octets)+len(octets)/2), octets, c)
	if err != nil {
		return "", err
	}
	return string(b), nil
}

// AppendDecode is Decode appending the UTF-8 text to dst. On error dst is
// returned with its original length.
func AppendDecode(dst, octets []byte, c Coding) ([]byte, error) {
	n := len(dst)
	var err error
	switch alphabetOf(c) {
	case alphaGSM:
		dst, err = appendDecodeGSM(dst, octets, c)
	case alphaASCII:
		dst, err = asciiSet.appendDecode(dst, octets, c)
	case alphaLatin1:
		dst, err = latin1Set.appendDecode(dst, octets, c)
	case alphaCyrillic:
		dst, err = cyrillicSet.appendDecode(dst, octets, c)
	case alphaHebrew:
		dst, err = hebrewSet.appendDecode(dst, octets, c)
	case alphaUCS2:
		dst, err = appendDecodeUCS2(dst, octets, c)
	case alphaOctets:
		return append(dst, octets...), nil
	default:
		return dst, unsupported(c)
	}
	if err != nil {
		return dst[:n], err
	}
	return dst, nil
}

// Fits reports whether text can be encoded in c. Binary codings take any
// text; reserved codings none.
func Fits(text string, c Coding) bool {
	switch alphabetOf(c) {
	case alphaGSM:
		return fitsGSM(text)
	case alphaASCII:
		return asciiSet.fits(text)
	case alphaLatin1:
		return latin1Set.fits(text)
	case alphaCyrillic:
		return cyrillicSet.fits(text)
	case alphaHebrew:
		return hebrewSet.fits(text)
	case alphaUCS2:
		return utf8.ValidString(text)
	case alphaOctets:
		return true
	}
	return false
}

// Best picks the coding for text: GSM when every character is in GSM 03.38
// (default alphabet or extension table), else UCS2. It never fails: bytes of
// text that are not UTF-8 become U+FFFD in UCS2 (the only replacement this
// package makes; callers that must refuse such text check utf8.ValidString
// first).
func Best(text string) (Coding, []byte) {
	return AppendBest(nil, text)
}

// AppendBest is Best appending the octets to dst.
func AppendBest(dst []byte, text string) (Coding, []byte) {
	n := len(dst)
	if out, bad, _ := appendGSMRaw(dst, text); bad < 0 {
		return GSM, out
	}
	out, _ := appendUCS2(dst[:n], text, UCS2, true)
	return UCS2, out
}
