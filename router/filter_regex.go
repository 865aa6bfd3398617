package router

import (
	"regexp"
	"regexp/syntax"
	"slices"
	"strings"
	"unicode"
)

// pyRegexp is a filter's regular expression with Python re.match semantics
// on top of Go's RE2 engine:
//
//   - anchored at the start, not at the end (re.match): the pattern is
//     compiled as ^(?:pattern);
//   - `$` (outside (?m)) also matches just before a final "\n", as Python's
//     does; \z is the strict end;
//   - the syntax is Go's (RE2): what Go cannot compile (look-arounds,
//     back-references, \Z, possessive quantifiers) is refused with the field
//     named. \d, \w, \s are ASCII-only in Go (Unicode in Python 3 str
//     patterns); addresses are ASCII, so this matters only for
//     ShortMessageFilter on non-ASCII text.
//
// prefixes, when not nil, is a sorted, prefix-free set of literal strings
// one of which every match starts with (extracted from the pattern, at
// most rtLitMaxLen bytes each): match checks it before running the regexp
// (a miss costs a few nanoseconds instead of ~50), and the routing tables
// index routes by it.
type pyRegexp struct {
	src      string
	re       *regexp.Regexp
	prefixes []string
	first    *[4]uint64 // first bytes of prefixes, nil when prefixes is nil
}

func rtCompilePy(field, pat string) (*pyRegexp, error) {
	tree, err := syntax.Parse(pat, syntax.Perl)
	if err != nil {
		return nil, rtParamErr(field, "not a valid regular expression: "+err.Error())
	}
	tree = rtFixDollar(tree)
	anchored := &syntax.Regexp{Op: syntax.OpConcat, Flags: syntax.Perl,
		Sub: []*syntax.Regexp{{Op: syntax.OpBeginText, Flags: syntax.Perl}, tree}}
	re, err := regexp.Compile(anchored.String())
	if err != nil {
		return nil, rtParamErr(field, "not a valid regular expression: "+err.Error())
	}
	p := &pyRegexp{src: pat, re: re, prefixes: rtPrefixSet(anchored.Simplify())}
	if p.prefixes != nil {
		p.first = new([4]uint64)
		for _, s := range p.prefixes {
			p.first[s[0]>>6] |= 1 << (s[0] & 63)
		}
	}
	return p, nil
}

// rtFixDollar rewrites every `$` (OpEndText that was a dollar) as \n?\z.
func rtFixDollar(re *syntax.Regexp) *syntax.Regexp {
	if re.Op == syntax.OpEndText && re.Flags&syntax.WasDollar != 0 {
		return &syntax.Regexp{Op: syntax.OpConcat, Flags: re.Flags &^ syntax.WasDollar, Sub: []*syntax.Regexp{
			{Op: syntax.OpQuest, Flags: re.Flags &^ syntax.WasDollar, Sub: []*syntax.Regexp{
				{Op: syntax.OpLiteral, Flags: re.Flags &^ (syntax.WasDollar | syntax.FoldCase), Rune: []rune{'\n'}}}},
			{Op: syntax.OpEndText, Flags: re.Flags &^ syntax.WasDollar},
		}}
	}
	for i, s := range re.Sub {
		re.Sub[i] = rtFixDollar(s)
	}
	return re
}

// match runs the regexp after two cheap checks that b starts with one of
// the literal prefixes: a bit test on the first byte, then a binary search
// of the sorted prefix set.
func (p *pyRegexp) match(b []byte) bool {
	if p.first != nil {
		if len(b) == 0 || p.first[b[0]>>6]&(1<<(b[0]&63)) == 0 || !rtHasAnyPrefix(b, p.prefixes) {
			return false
		}
	}
	return p.re.Match(b)
}

// rtHasAnyPrefix reports whether b starts with an element of set, which
// must be sorted and prefix-free (no element a prefix of another, as
// rtPrefixSet returns): then the only candidate is the greatest element
// not above b.
func rtHasAnyPrefix(b []byte, set []string) bool {
	lo, hi := 0, len(set) // find the first element > b
	for lo < hi {
		m := int(uint(lo+hi) >> 1)
		if set[m] <= string(b) {
			lo = m + 1
		} else {
			hi = m
		}
	}
	if lo == 0 {
		return false
	}
	s := set[lo-1]
	return len(b) >= len(s) && string(b[:len(s)]) == s
}

const (
	rtLitMaxSet = 32 // most literal strings kept for one pattern
	rtLitMaxLen = 8  // longest literal prefix kept, in bytes
)

// rtLit is a literal a match starts with; exact when the whole match (of
// the sub-expression it came from) is exactly s, so that what follows may
// extend it.
type rtLit struct {
	s     string
	exact bool
}

var rtLitUnknown = []rtLit{{"", false}}

// rtPrefixSet returns a minimal set of non-empty literal prefixes one of
// which begins every string re matches at the start of the input, or nil
// when there is none worth checking.
func rtPrefixSet(re *syntax.Regexp) []string {
	lits := rtLits(re)
	if len(lits) == 0 {
		return nil
	}
	ss := make([]string, 0, len(lits))
	for _, l := range lits {
		if l.s == "" {
			return nil
		}
		ss = append(ss, l.s)
	}
	slices.SortFunc(ss, func(a, b string) int {
		if len(a) != len(b) {
			return len(a) - len(b)
		}
		return strings.Compare(a, b)
	})
	var out []string
	for _, s := range ss {
		covered := false
		for _, k := range out {
			if strings.HasPrefix(s, k) {
				covered = true
				break
			}
		}
		if !covered {
			out = append(out, s)
		}
	}
	slices.Sort(out)
	return out
}

// rtLits over-approximates the language of re by its literal beginnings:
// every string re matches starts with one of the returned literals (and
// equals it when the literal is exact). rtLitUnknown says nothing.
func rtLits(re *syntax.Regexp) []rtLit {
	switch re.Op {
	case syntax.OpEmptyMatch, syntax.OpBeginLine, syntax.OpEndLine, syntax.OpBeginText,
		syntax.OpEndText, syntax.OpWordBoundary, syntax.OpNoWordBoundary:
		// Zero-width: as if it always held (a superset of the language).
		return []rtLit{{"", true}}
	case syntax.OpLiteral:
		if re.Flags&syntax.FoldCase == 0 {
			return rtConcatLits([][]rtLit{{{string(re.Rune), true}}})
		}
		parts := make([][]rtLit, 0, len(re.Rune))
		for _, r := range re.Rune {
			var alt []rtLit
			for f := r; ; {
				alt = append(alt, rtLit{string(f), true})
				if f = unicode.SimpleFold(f); f == r {
					break
				}
			}
			parts = append(parts, alt)
		}
		return rtConcatLits(parts)
	case syntax.OpCharClass:
		n := 0
		for i := 0; i+1 < len(re.Rune); i += 2 {
			n += int(re.Rune[i+1]-re.Rune[i]) + 1
			if n > rtLitMaxSet {
				return rtLitUnknown
			}
		}
		out := make([]rtLit, 0, n)
		for i := 0; i+1 < len(re.Rune); i += 2 {
			for r := re.Rune[i]; r <= re.Rune[i+1]; r++ {
				out = append(out, rtLit{string(r), true})
			}
		}
		if len(out) == 0 {
			return rtLitUnknown
		}
		return out
	case syntax.OpCapture:
		return rtLits(re.Sub[0])
	case syntax.OpPlus:
		return rtInexact(rtLits(re.Sub[0]))
	case syntax.OpQuest:
		return rtUnionLits([][]rtLit{rtLits(re.Sub[0]), {{"", true}}})
	case syntax.OpRepeat:
		if re.Min >= 1 {
			return rtInexact(rtLits(re.Sub[0]))
		}
		return rtLitUnknown
	case syntax.OpConcat:
		parts := make([][]rtLit, 0, len(re.Sub))
		for _, s := range re.Sub {
			parts = append(parts, rtLits(s))
		}
		return rtConcatLits(parts)
	case syntax.OpAlternate:
		parts := make([][]rtLit, 0, len(re.Sub))
		for _, s := range re.Sub {
			parts = append(parts, rtLits(s))
		}
		return rtUnionLits(parts)
	}
	// OpNoMatch, OpAnyChar, OpAnyCharNotNL, OpStar and anything new.
	return rtLitUnknown
}

func rtInexact(ls []rtLit) []rtLit {
	out := make([]rtLit, len(ls))
	for i, l := range ls {
		out[i] = rtLit{l.s, false}
	}
	return out
}

func rtUnionLits(parts [][]rtLit) []rtLit {
	var out []rtLit
	for _, p := range parts {
		for _, l := range p {
			if i := slices.IndexFunc(out, func(o rtLit) bool { return o.s == l.s }); i >= 0 {
				out[i].exact = out[i].exact && l.exact
				continue
			}
			out = append(out, l)
		}
	}
	if len(out) > rtLitMaxSet {
		return rtLitUnknown
	}
	return out
}

func rtConcatLits(parts [][]rtLit) []rtLit {
	acc := []rtLit{{"", true}}
	for _, x := range parts {
		if !slices.ContainsFunc(acc, func(l rtLit) bool { return l.exact }) {
			break
		}
		n := 0
		for _, a := range acc {
			if a.exact {
				n += len(x)
			} else {
				n++
			}
		}
		if n > rtLitMaxSet {
			return rtInexact(acc)
		}
		next := make([]rtLit, 0, n)
		for _, a := range acc {
			if !a.exact {
				next = append(next, a)
				continue
			}
			for _, b := range x {
				l := rtLit{a.s + b.s, b.exact}
				if len(l.s) >= rtLitMaxLen {
					l = rtLit{l.s[:rtLitMaxLen], false}
				}
				next = append(next, l)
			}
		}
		acc = rtUnionLits([][]rtLit{next})
		if len(acc) == 1 && acc[0].s == "" && !acc[0].exact {
			return acc
		}
	}
	return acc
}
