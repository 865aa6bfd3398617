package uuid

import (
	"strings"
	"testing"
)

func TestAppendAndParse(t *testing.T) {
	u := UUID{0x01, 0x93, 0xa7, 0xb2, 0x5c, 0x3e, 0x7d, 0x41, 0x9a, 0x2b, 0x1c, 0x2d, 0x3e, 0x4f, 0x5a, 0x6b}
	const text = "0193a7b2-5c3e-7d41-9a2b-1c2d3e4f5a6b"
	if got := string(u.Append([]byte("id:"))); got != "id:"+text {
		t.Fatalf("Append = %q", got)
	}
	if u.String() != text {
		t.Fatalf("String = %q", u.String())
	}
	for _, s := range []string{text, strings.ToUpper(text)} {
		if got, ok := Parse(s); !ok || got != u {
			t.Fatalf("Parse(%q) = %x, %v", s, got, ok)
		}
	}
	for _, bad := range []string{"", text[:35], text + "0", "0193a7b2-5c3e-7d41-9a2b_1c2d3e4f5a6b",
		"0193a7b2-5c3e-7d41-9a2b-1c2d3e4f5a6g", "0193a7b25-c3e-7d41-9a2b-1c2d3e4f5a6b", "{193a7b2-5c3e-7d41-9a2b-1c2d3e4f5a6b"} {
		if _, ok := Parse(bad); ok {
			t.Errorf("Parse(%q) accepted", bad)
		}
	}
	if n := testing.AllocsPerRun(100, func() {
		var buf [Len]byte
		_ = u.Append(buf[:0])
		_, _ = Parse(text)
	}); n != 0 {
		t.Errorf("Append and Parse allocate %v times", n)
	}
}

func TestNewIsV4(t *testing.T) {
	seen := map[UUID]bool{}
	for range 1000 {
		u := New()
		s := u.String()
		if s[14] != '4' || !strings.ContainsRune("89ab", rune(s[19])) {
			t.Fatalf("%s: not version 4 of the RFC variant", s)
		}
		if seen[u] {
			t.Fatalf("%s drawn twice", s)
		}
		seen[u] = true
	}
	var z UUID
	z.SetV4()
	if z.String() != "00000000-0000-4000-8000-000000000000" {
		t.Fatalf("SetV4 on zero: %s", z)
	}
}

// FuzzParse: what Parse accepts comes back from Append as it was (in
// lower case); every UUID round-trips through its text form.
func FuzzParse(f *testing.F) {
	f.Add("0193a7b2-5c3e-7d41-9a2b-1c2d3e4f5a6b", []byte("0123456789abcdef"))
	f.Add("0193A7B2-5C3E-7D41-9A2B-1C2D3E4F5A6B", []byte{})
	f.Add("not a uuid", []byte{0xff})
	f.Fuzz(func(t *testing.T, s string, raw []byte) {
		if u, ok := Parse(s); ok {
			if got := u.String(); got != strings.ToLower(s) {
				t.Fatalf("Parse(%q) formats back as %q", s, got)
			}
		}
		var u UUID
		copy(u[:], raw)
		if got, ok := Parse(u.String()); !ok || got != u {
			t.Fatalf("%x: %q parses as %x, %v", u, u.String(), got, ok)
		}
	})
}
