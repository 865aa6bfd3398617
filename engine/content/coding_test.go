package content

import (
	"bytes"
	"encoding/hex"
	"errors"
	"strings"
	"testing"
)

func unhex(t testing.TB, s string) []byte {
	t.Helper()
	b, err := hex.DecodeString(strings.ReplaceAll(s, " ", ""))
	if err != nil {
		t.Fatalf("bad hex %q: %v", s, err)
	}
	return b
}

// Every character of the GSM 03.38 default alphabet and of its extension
// table encodes to its code and decodes back.
func TestGSMTablesRoundTrip(t *testing.T) {
	base, ext := 0, 0
	for s, r := range gsmBase {
		if s == gsmEsc {
			continue
		}
		base++
		got, err := Encode(string(r), GSM)
		if err != nil || !bytes.Equal(got, []byte{byte(s)}) {
			t.Errorf("Encode(%q) = % X, %v; want %02X", r, got, err, s)
		}
		dec, err := Decode([]byte{byte(s)}, GSM)
		if err != nil || dec != string(r) {
			t.Errorf("Decode(%02X) = %q, %v; want %q", s, dec, err, r)
		}
	}
	for s, r := range gsmExt {
		if r == 0 {
			continue
		}
		ext++
		want := []byte{gsmEsc, byte(s)}
		got, err := Encode(string(r), GSM)
		if err != nil || !bytes.Equal(got, want) {
			t.Errorf("Encode(%q) = % X, %v; want % X", r, got, err, want)
		}
		dec, err := Decode(want, GSM)
		if err != nil || dec != string(r) {
			t.Errorf("Decode(% X) = %q, %v; want %q", want, dec, err, r)
		}
	}
	if base != 127 || ext != 10 {
		t.Errorf("tables hold %d + %d characters, want 127 + 10", base, ext)
	}
}

// The well-known traps of GSM 03.38, written out independently of the table.
func TestGSMKnownCodes(t *testing.T) {
	for _, tc := range []struct {
		text string
		hex  string
	}{
		{"@", "00"}, {"£", "01"}, {"$", "02"}, {"¥", "03"}, {"è", "04"}, {"Ç", "09"},
		{"\n", "0A"}, {"\r", "0D"}, {"Δ", "10"}, {"_", "11"}, {"Ξ", "1A"}, {"É", "1F"},
		{"¤", "24"}, {"¡", "40"}, {"§", "5F"}, {"¿", "60"}, {"à", "7F"}, {"ü", "7E"},
		{"€", "1B65"}, {"^", "1B14"}, {"{", "1B28"}, {"}", "1B29"}, {"\\", "1B2F"},
		{"[", "1B3C"}, {"~", "1B3D"}, {"]", "1B3E"}, {"|", "1B40"}, {"\f", "1B0A"},
		{"Hello @ $5 {ok}", "48656C6C6F2000200235201B286F6B1B29"},
	} {
		got, err := Encode(tc.text, GSM)
		if want := unhex(t, tc.hex); err != nil || !bytes.Equal(got, want) {
			t.Errorf("Encode(%q, GSM) = % X, %v; want % X", tc.text, got, err, want)
		}
	}
	// Not in GSM 03.38: lower-case ç (only Ç is), `, ª, Greek lower case,
	// the ohm and increment signs that look like Ω and Δ.
	for _, text := range []string{"ç", "`", "ª", "α", "\u2126", "\u2206", "ł", "\t", "\x00"} {
		if _, err := Encode(text, GSM); !errors.Is(err, ErrUnrepresentable) {
			t.Errorf("Encode(%q, GSM) err = %v, want ErrUnrepresentable", text, err)
		}
	}
}

func TestEncode(t *testing.T) {
	for _, tc := range []struct {
		name string
		text string
		c    Coding
		hex  string
	}{
		{"gsm", "Hi €5", GSM, "4869201B6535"},
		{"gsm flash dcs 0xF0", "@", 0xF0, "00"},
		{"ascii", "Hello ~{}", ASCII, "48656C6C6F207E7B7D"},
		{"latin1", "café ÿ", Latin1, "636166E920FF"},
		{"cyrillic", "Привет №§", Cyrillic, "BFE0D8D2D5E220F0FD"},
		{"cyrillic Ё ё Ў џ", "ЁёЎџ", Cyrillic, "A1F1AEFF"},
		{"hebrew", "שלום ×÷", Hebrew, "F9ECE5ED20AABA"},
		{"hebrew א ת", "את", Hebrew, "E0FA"},
		// The manual's example: "أرنب" in UTF-16BE.
		{"ucs2 arabic", "أرنب", UCS2, "0623063106460628"},
		{"ucs2 ascii", "Hi", UCS2, "00480069"},
		{"ucs2 non-BMP as surrogates", "a😀", UCS2, "0061D83DDE00"},
		{"ucs2 flash dcs 0x18", "é", 0x18, "00E9"},
		{"octet takes bytes as they are", "\xff\x00ab", Octet, "FF006162"},
		{"octet common", "\x01\x02", OctetCommon, "0102"},
		{"jis is not converted", "\x24\x22", JIS, "2422"},
		{"ks c 5601 is not converted", "\xb0\xa1", KSC5601, "B0A1"},
		{"8-bit dcs 0xF4", "\x80", 0xF4, "80"},
		{"empty", "", GSM, ""},
		{"empty ucs2", "", UCS2, ""},
	} {
		t.Run(tc.name, func(t *testing.T) {
			got, err := Encode(tc.text, tc.c)
			want := unhex(t, tc.hex)
			if err != nil || !bytes.Equal(got, want) {
				t.Fatalf("Encode(%q, %v) = % X, %v; want % X", tc.text, tc.c, got, err, want)
			}
			if !Fits(tc.text, tc.c) {
				t.Errorf("Fits(%q, %v) = false", tc.text, tc.c)
			}
			dec, err := Decode(want, tc.c)
			if err != nil || dec != tc.text {
				t.Errorf("Decode(% X, %v) = %q, %v; want %q", want, tc.c, dec, err, tc.text)
			}
			// Appending keeps what dst held.
			pre := []byte("xy")
			app, err := AppendEncode(pre, tc.text, tc.c)
			if err != nil || string(app[:2]) != "xy" || !bytes.Equal(app[2:], want) {
				t.Errorf("AppendEncode = % X, %v", app, err)
			}
		})
	}
}

func TestEncodeErrors(t *testing.T) {
	for _, tc := range []struct {
		name   string
		text   string
		c      Coding
		r      rune
		index  int
		offset int
		msg    string
	}{
		{"gsm ç", "Ça ç", GSM, 'ç', 3, 4, `character 'ç' (U+00E7) at position 3 cannot be encoded in coding 0 (GSM 03.38)`},
		{"gsm emoji", "ok😀", GSM, '😀', 2, 2, "U+1F600"},
		{"ascii é", "café", ASCII, 'é', 3, 3, "coding 1 (IA5/ASCII)"},
		{"latin1 €", "5€", Latin1, '€', 1, 1, "U+20AC"},
		{"cyrillic ä", "Пä", Cyrillic, 'ä', 1, 2, "coding 6 (Cyrillic ISO-8859-5)"},
		{"cyrillic Ѝ has no slot", "Ѝ", Cyrillic, 'Ѝ', 0, 0, "U+040D"},
		{"hebrew é", "שé", Hebrew, 'é', 1, 2, "coding 7"},
		{"hebrew ª (0xAA is ×)", "ª", Hebrew, 'ª', 0, 0, "U+00AA"},
		{"gsm dcs 0x11", "ç", 0x11, 'ç', 0, 0, "coding 0x11 (GSM 03.38)"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			got, err := Encode(tc.text, tc.c)
			var ee *EncodeError
			if !errors.As(err, &ee) || !errors.Is(err, ErrUnrepresentable) {
				t.Fatalf("Encode(%q, %v) = % X, %v; want an EncodeError", tc.text, tc.c, got, err)
			}
			if got != nil || ee.Rune != tc.r || ee.Index != tc.index || ee.Offset != tc.offset || ee.InvalidUTF8 {
				t.Errorf("error %+v (out % X), want rune %q index %d offset %d", ee, got, tc.r, tc.index, tc.offset)
			}
			if !strings.Contains(err.Error(), tc.msg) {
				t.Errorf("error %q does not say %q", err, tc.msg)
			}
			if Fits(tc.text, tc.c) {
				t.Errorf("Fits(%q, %v) = true", tc.text, tc.c)
			}
			dst := []byte("keep")
			out, err := AppendEncode(dst, tc.text, tc.c)
			if err == nil || string(out) != "keep" {
				t.Errorf("AppendEncode on error returned %q, %v; want dst unchanged", out, err)
			}
		})
	}
	// Text that is not UTF-8, for every converting coding.
	for _, c := range []Coding{GSM, ASCII, Latin1, Cyrillic, Hebrew, UCS2} {
		_, err := Encode("ab\xffc", c)
		var ee *EncodeError
		if !errors.As(err, &ee) || !ee.InvalidUTF8 || ee.Byte != 0xFF || ee.Index != 2 || ee.Offset != 2 {
			t.Errorf("Encode(invalid UTF-8, %v) = %v; want InvalidUTF8 at 2", c, err)
		}
		if !strings.Contains(err.Error(), "invalid UTF-8 byte 0xFF at position 2") {
			t.Errorf("message %q", err)
		}
		if Fits("ab\xffc", c) {
			t.Errorf("Fits(invalid UTF-8, %v) = true", c)
		}
	}
	// Reserved codings are refused.
	for _, c := range []Coding{11, 12, 15, 0x80, 0xBF, 0x1C} {
		if _, err := Encode("a", c); !errors.Is(err, ErrUnsupported) {
			t.Errorf("Encode(a, %v) err = %v, want ErrUnsupported", c, err)
		}
		if _, err := Decode([]byte("a"), c); !errors.Is(err, ErrUnsupported) {
			t.Errorf("Decode(a, %v) err = %v, want ErrUnsupported", c, err)
		}
		if Fits("a", c) || c.Supported() {
			t.Errorf("coding %v reported usable", c)
		}
	}
}

func TestDecode(t *testing.T) {
	for _, tc := range []struct {
		name string
		hex  string
		c    Coding
		want string
	}{
		{"gsm", "48656C6C6F1B65", GSM, "Hello€"},
		{"gsm all controls", "0A0D1B0A", GSM, "\n\r\f"},
		{"gsm mwi 0xC8", "00", 0xC8, "@"},
		{"ucs2 surrogate pair", "D83DDE00", UCS2, "😀"},
		{"ucs2 mwi 0xE0", "0041", 0xE0, "A"},
		{"ascii", "7E7F00", ASCII, "~\x7f\x00"},
		{"latin1 every high octet", "80FF", Latin1, "\u0080ÿ"},
		{"cyrillic", "B0EF", Cyrillic, "Ая"},
		{"hebrew lrm rlm ‗", "FDFEDF", Hebrew, "\u200e\u200f‗"},
		{"binary as is", "FF00", Octet, "\xff\x00"},
		{"pictogram as is", "FE", Pictogram, "\xfe"},
		{"compressed dcs 0x20 as is", "FF", 0x20, "\xff"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			got, err := Decode(unhex(t, tc.hex), tc.c)
			if err != nil || got != tc.want {
				t.Fatalf("Decode(%s, %v) = %q, %v; want %q", tc.hex, tc.c, got, err, tc.want)
			}
		})
	}
}

func TestDecodeErrors(t *testing.T) {
	for _, tc := range []struct {
		name   string
		hex    string
		c      Coding
		offset int
		msg    string
	}{
		{"gsm octet above 0x7F", "4180", GSM, 1, "octet 0x80 is not a GSM 03.38 septet at offset 1"},
		{"gsm lone escape", "411B", GSM, 1, "escape 0x1B ends the content"},
		{"gsm escape outside table", "1B41", GSM, 0, "escape pair 1B 41 is not in the GSM 03.38 extension table"},
		{"gsm escape escape", "1B1B", GSM, 0, "1B 1B"},
		{"gsm escape CR2", "1B0D", GSM, 0, "1B 0D"},
		{"gsm escape high octet", "1BE5", GSM, 0, "1B E5"},
		{"ucs2 odd length", "004100", UCS2, 2, "odd length 3"},
		{"ucs2 lone high surrogate", "0041D83D", UCS2, 2, "high surrogate 0xD83D ends the content"},
		{"ucs2 high then not low", "D83D0041", UCS2, 0, "not followed by a low surrogate"},
		{"ucs2 lone low surrogate", "DE00", UCS2, 0, "unpaired low surrogate 0xDE00"},
		{"ascii 8-bit", "41C3A9", ASCII, 1, "octet 0xC3 is not defined in ASCII"},
		{"hebrew undefined 0xA1", "A1", Hebrew, 0, "octet 0xA1 is not defined in ISO-8859-8"},
		{"hebrew undefined 0xC0", "E0C0", Hebrew, 1, "0xC0"},
		{"hebrew undefined 0xFF", "FF", Hebrew, 0, "0xFF"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			got, err := Decode(unhex(t, tc.hex), tc.c)
			var de *DecodeError
			if !errors.As(err, &de) || !errors.Is(err, ErrInvalid) {
				t.Fatalf("Decode(%s, %v) = %q, %v; want a DecodeError", tc.hex, tc.c, got, err)
			}
			if got != "" || de.Offset != tc.offset || !strings.Contains(err.Error(), tc.msg) {
				t.Errorf("Decode(%s) = %q, %v (offset %d); want offset %d and %q", tc.hex, got, err, de.Offset, tc.offset, tc.msg)
			}
			out, err := AppendDecode([]byte("keep"), unhex(t, tc.hex), tc.c)
			if err == nil || string(out) != "keep" {
				t.Errorf("AppendDecode on error returned %q, %v; want dst unchanged", out, err)
			}
		})
	}
}

func TestFits(t *testing.T) {
	for _, tc := range []struct {
		text string
		c    Coding
		want bool
	}{
		{"plain [text] {with} €", GSM, true},
		{"ç", GSM, false},
		{"Ç", GSM, true},
		{"é", ASCII, false},
		{"é", Latin1, true},
		{"Ж", Latin1, false},
		{"Ж", Cyrillic, true},
		{"ש", Hebrew, true},
		{"ש", Cyrillic, false},
		{"😀", UCS2, true},
		{"anything \xff", Octet, true},
		{"", GSM, true},
	} {
		if got := Fits(tc.text, tc.c); got != tc.want {
			t.Errorf("Fits(%q, %v) = %t, want %t", tc.text, tc.c, got, tc.want)
		}
	}
}

func TestBest(t *testing.T) {
	for _, tc := range []struct {
		text   string
		coding Coding
		hex    string
	}{
		{"Price: 5€ [ok]", GSM, "50726963653A20351B65201B3C6F6B1B3E"},
		{"ça va", UCS2, "00E70061002000760061"},
		{"Привет", UCS2, "041F04400438043204350442"},
		{"a😀", UCS2, "0061D83DDE00"},
		{"a\xffb", UCS2, "0061FFFD0062"}, // not UTF-8: U+FFFD
		{"", GSM, ""},
	} {
		c, got := Best(tc.text)
		if c != tc.coding || !bytes.Equal(got, unhex(t, tc.hex)) {
			t.Errorf("Best(%q) = %v, % X; want %v, %s", tc.text, c, got, tc.coding, tc.hex)
		}
		c, got = AppendBest([]byte("xy"), tc.text)
		if c != tc.coding || string(got[:2]) != "xy" || !bytes.Equal(got[2:], unhex(t, tc.hex)) {
			t.Errorf("AppendBest(xy, %q) = %v, % X", tc.text, c, got)
		}
	}
}

func TestCodingBase(t *testing.T) {
	for _, tc := range []struct {
		c      Coding
		base   Coding
		ok     bool
		binary bool
		name   string
	}{
		{GSM, GSM, true, false, "0 (GSM 03.38)"},
		{UCS2, UCS2, true, false, "8 (UCS2)"},
		{OctetCommon, OctetCommon, true, true, "4 (octet unspecified)"},
		{JIS, JIS, true, true, "5 (JIS)"},
		{11, 11, false, false, "11 (reserved)"},
		{15, 15, false, false, "0x0F (reserved)"},
		{0x10, GSM, true, false, "0x10 (GSM 03.38)"}, // flash GSM
		{0x14, Octet, true, true, "0x14 (octet unspecified)"},
		{0x18, UCS2, true, false, "0x18 (UCS2)"}, // flash UCS2
		{0x1C, 0x1C, false, false, "0x1C (reserved)"},
		{0x24, Octet, true, true, "0x24 (octet unspecified)"}, // compressed
		{0x48, UCS2, true, false, "0x48 (UCS2)"},              // automatic deletion group
		{0x80, 0x80, false, false, "0x80 (reserved)"},
		{0xC0, GSM, true, false, "0xC0 (GSM 03.38)"},
		{0xD8, GSM, true, false, "0xD8 (GSM 03.38)"},
		{0xE0, UCS2, true, false, "0xE0 (UCS2)"},
		{0xF1, GSM, true, false, "0xF1 (GSM 03.38)"},
		{0xF5, Octet, true, true, "0xF5 (octet unspecified)"},
	} {
		if b, ok, bin, name := tc.c.Base(), tc.c.Supported(), tc.c.Binary(), tc.c.String(); b != tc.base || ok != tc.ok || bin != tc.binary || name != tc.name {
			t.Errorf("coding 0x%02X: Base %v Supported %t Binary %t String %q; want %v %t %t %q",
				byte(tc.c), b, ok, bin, name, tc.base, tc.ok, tc.binary, tc.name)
		}
	}
}
