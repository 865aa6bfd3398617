package load

import (
	"fmt"
	"strings"
	"unicode/utf16"
)

// Kind is the content of one message.
type Kind uint8

// Message kinds.
const (
	// GSM7 is a short text in the GSM 03.38 default alphabet, data_coding 0.
	GSM7 Kind = iota
	// UCS2 is a short text outside GSM 03.38, UTF-16BE, data_coding 8.
	UCS2
	// Long is a GSM 03.38 text of LongParts × 153 characters, sent as
	// UDH-concatenated parts over SMPP, as one long content over HTTP.
	Long
)

var kindNames = [...]string{GSM7: "gsm7", UCS2: "ucs2", Long: "long"}

// String returns the kind's flag name.
func (k Kind) String() string { return kindNames[k] }

// Content is what a run sends: one kind, or the mix that cycles through
// gsm7, ucs2 and long message by message.
type Content struct {
	kinds []Kind
}

// ParseContent reads gsm7, ucs2, long or mix.
func ParseContent(s string) (Content, error) {
	switch s {
	case "gsm7":
		return Content{kinds: []Kind{GSM7}}, nil
	case "ucs2":
		return Content{kinds: []Kind{UCS2}}, nil
	case "long":
		return Content{kinds: []Kind{Long}}, nil
	case "mix":
		return Content{kinds: []Kind{GSM7, UCS2, Long}}, nil
	}
	return Content{}, fmt.Errorf("content %q: want gsm7, ucs2, long or mix", s)
}

// String returns the flag value that selects c.
func (c Content) String() string {
	switch len(c.kinds) {
	case 0:
		return "gsm7"
	case 1:
		return c.kinds[0].String()
	}
	return "mix"
}

// Kind returns the kind of message number i.
func (c Content) Kind(i uint64) Kind {
	if len(c.kinds) == 0 {
		return GSM7
	}
	return c.kinds[i%uint64(len(c.kinds))]
}

// Limits of concatenated GSM 03.38 content with a 6-octet UDH.
const (
	longPartChars = 153
	// MaxLongParts is the most parts a long message may have (the UDH's
	// one-octet total).
	MaxLongParts = 255
)

const (
	gsm7Text = "gwd bench GSM7 message 0123456789 abcdefghijklmnopqrstuvwxyz"
	ucs2Text = "gwd bench UCS2 Привет мир 你好 ünïcødé ✓"
)

// payloads are the encoded texts of every kind, built once per run.
type payloads struct {
	gsm7   []byte   // GSM 03.38, one octet per character
	ucs2   []byte   // UTF-16BE
	long   []byte   // GSM 03.38, longParts × 153 characters
	chunks [][]byte // long cut into 153-character parts
	ucs2s  string   // ucs2Text, for HTTP content
}

func newPayloads(longParts int) *payloads {
	p := &payloads{gsm7: []byte(gsm7Text), ucs2s: ucs2Text}
	for _, u := range utf16.Encode([]rune(ucs2Text)) {
		p.ucs2 = append(p.ucs2, byte(u>>8), byte(u))
	}
	// Letters, digits and spaces have the same codes in GSM 03.38 and
	// ASCII, so the text is its own encoding.
	const filler = "gwd bench long message part 0 of a concatenated text ABCDEFGHIJKLMNOPQRSTUVWXYZ "
	var b strings.Builder
	for b.Len() < longParts*longPartChars {
		b.WriteString(filler)
	}
	p.long = []byte(b.String()[:longParts*longPartChars])
	for i := 0; i < longParts; i++ {
		p.chunks = append(p.chunks, p.long[i*longPartChars:(i+1)*longPartChars])
	}
	return p
}

// parts returns how many PDUs a message of kind k takes.
func (p *payloads) parts(k Kind) int {
	if k == Long {
		return len(p.chunks)
	}
	return 1
}
