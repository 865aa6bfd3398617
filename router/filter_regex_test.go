package router

import (
	"math/rand/v2"
	"regexp"
	"slices"
	"strings"
	"testing"
)

func TestPyRegexpSemantics(t *testing.T) {
	tests := []struct {
		pat, in string
		want    bool
	}{
		{`^85111$`, "85111", true},
		{`^85111$`, "85111\n", true}, // Python's $ matches before a final newline
		{`^85111\z`, "85111\n", false},
		{`^85111$`, "851110", false},
		{`85111`, "085111", false}, // re.match: anchored at the start
		{`851`, "85111", true},     // … not at the end
		{`a|b`, "bx", true},
		{`a|b`, "xb", false},
		{`(?m)^x$`, "x\ny", true},
		{`^hello$`, "hello\n\n", false},
		{`^\+?33[67]\d{8}$`, "+33612345678", true},
		{`^\+?33[67]\d{8}$`, "33712345678", true},
		{`^\+?33[67]\d{8}$`, "33512345678", false},
		{`(?i)abc`, "ABCdef", true},
		{`(?P<cc>33)\d+`, "331", true},
		{`[^0-9]+`, "abc", true},
		{``, "anything", true},
	}
	for _, tc := range tests {
		re, err := rtCompilePy("x", tc.pat)
		if err != nil {
			t.Fatalf("%q: %v", tc.pat, err)
		}
		if got := re.match([]byte(tc.in)); got != tc.want {
			t.Errorf("%q match %q = %v, want %v (compiled %s, prefixes %q)", tc.pat, tc.in, got, tc.want, re.re, re.prefixes)
		}
	}
}

func TestPrefixSet(t *testing.T) {
	tests := []struct {
		pat  string
		want []string
	}{
		{`^\+?33[67]\d{8}$`, []string{"336", "337", "+336", "+337"}},
		{`^\+33\d+`, []string{"+330", "+331", "+332", "+333", "+334", "+335", "+336", "+337", "+338", "+339"}},
		{`^\+33.`, []string{"+33"}},
		{`^85111$`, []string{"85111"}},
		{`^(33|34|44)`, []string{"33", "34", "44"}},
		{`^(33|334)`, []string{"33"}},
		{`^0123456789`, []string{"01234567"}},
		{`.*`, nil},
		{`^\d+`, []string{"0", "1", "2", "3", "4", "5", "6", "7", "8", "9"}},
		{`^(33)?6`, []string{"6", "336"}},
		{`^x*y`, nil},
		{`^(?i)ab`, []string{"AB", "Ab", "aB", "ab"}},
		{`^[a-z]`, nil}, // 26 > too many? no: 26 ≤ 32
	}
	tests[len(tests)-1].want = nil
	for c := 'a'; c <= 'z'; c++ {
		tests[len(tests)-1].want = append(tests[len(tests)-1].want, string(c))
	}
	for _, tc := range tests {
		re, err := rtCompilePy("x", tc.pat)
		if err != nil {
			t.Fatal(err)
		}
		got := slices.Clone(re.prefixes)
		slices.Sort(got)
		want := slices.Clone(tc.want)
		slices.Sort(want)
		if !slices.Equal(got, want) {
			t.Errorf("%q prefixes %q, want %q", tc.pat, got, want)
		}
	}
}

// TestPrefixSetSound checks, on random patterns and inputs, that every
// match starts with one of the extracted prefixes, and that the compiled
// pattern agrees with Go's own reading of ^(?:pattern) on inputs without
// newlines.
func TestPrefixSetSound(t *testing.T) {
	atoms := []string{`3`, `33`, `\+`, `\+?`, `[67]`, `\d`, `\d{2}`, `\d+`, `.`, `(3|4)`, `(33|4)?`, `a`, `(?i)a`, `[a-c]`, `x*`, `$`, `\b`, `(?:12|1)`, `[^5]`, `\d{0,2}`}
	rng := rand.New(rand.NewPCG(1, 2))
	alphabet := "0123456789+aAbcx\n"
	for i := 0; i < 3000; i++ {
		var b strings.Builder
		if rng.IntN(2) == 0 {
			b.WriteString("^")
		}
		for n := 1 + rng.IntN(5); n > 0; n-- {
			b.WriteString(atoms[rng.IntN(len(atoms))])
		}
		if rng.IntN(3) == 0 {
			b.WriteString("|")
			b.WriteString(atoms[rng.IntN(len(atoms))])
		}
		pat := b.String()
		re, err := rtCompilePy("x", pat)
		if err != nil {
			t.Fatalf("%q: %v", pat, err)
		}
		ref := regexp.MustCompile(`^(?:` + pat + `)`)
		for j := 0; j < 50; j++ {
			in := make([]byte, rng.IntN(12))
			for k := range in {
				in[k] = alphabet[rng.IntN(len(alphabet))]
			}
			full := re.re.Match(in)
			if full && re.prefixes != nil && !rtHasAnyPrefix(in, re.prefixes) {
				t.Fatalf("%q matches %q but no prefix of %q does", pat, in, re.prefixes)
			}
			if re.match(in) != full {
				t.Fatalf("%q: prefilter changed the answer on %q", pat, in)
			}
			if !strings.Contains(string(in), "\n") && full != ref.Match(in) {
				t.Fatalf("%q on %q: %v, Go reference %v (compiled %s)", pat, in, full, ref.Match(in), re.re)
			}
		}
	}
}
