package router

import (
	"regexp"
	"regexp/syntax"
)

// ValueFilter is a mt_messaging_cred value filter: a regular expression a
// field must match, with Python's re.match semantics (Jasmin compiles it
// with re.compile and calls .match): anchored at the start of the value, not
// at its end, so `^JASMIN` admits "JASMIN2" and `^JASMIN$` does not; `$`
// also matches before a final newline, as in Python. The syntax is Go's
// RE2, which is Python's minus look-arounds and back-references (refused
// with the field named); \d and \w are ASCII-only. The zero ValueFilter
// matches everything.
type ValueFilter struct {
	pattern string
	re      *regexp.Regexp
	any     bool
	fast    uint8 // credFast*: a hand-written matcher for a default pattern
}

// Hand-written matchers for the default patterns, which every message
// meets; they agree with the regular expression (tested).
const (
	credFastNone   = iota
	credFastPrio   // ^[0-3]$
	credFastDigits // ^\d+$
)

// NewValueFilter compiles a value filter pattern.
func NewValueFilter(pattern string) (ValueFilter, error) {
	switch pattern {
	case "", ".*", "^.*":
		// re.match of these succeeds on every string: skip the engine.
		return ValueFilter{pattern: pattern, any: true}, nil
	}
	tree, err := syntax.Parse(pattern, syntax.Perl)
	if err != nil {
		return ValueFilter{}, err
	}
	tree = credFixDollar(tree)
	anchored := &syntax.Regexp{Op: syntax.OpConcat, Flags: syntax.Perl,
		Sub: []*syntax.Regexp{{Op: syntax.OpBeginText, Flags: syntax.Perl}, tree}}
	re, err := regexp.Compile(anchored.String())
	if err != nil {
		return ValueFilter{}, err
	}
	f := ValueFilter{pattern: pattern, re: re}
	switch pattern {
	case `^[0-3]$`:
		f.fast = credFastPrio
	case `^\d+$`:
		f.fast = credFastDigits
	}
	return f, nil
}

// credFastMatch runs a hand-written matcher; Python's $ admits one final
// newline.
func credFastMatch[T string | []byte](kind uint8, b T) bool {
	n := len(b)
	if n > 0 && b[n-1] == '\n' {
		n--
	}
	switch kind {
	case credFastPrio:
		return n == 1 && b[0] >= '0' && b[0] <= '3'
	case credFastDigits:
		if n == 0 {
			return false
		}
		for i := 0; i < n; i++ {
			if b[i] < '0' || b[i] > '9' {
				return false
			}
		}
		return true
	}
	return false
}

func mustValueFilter(p string) ValueFilter {
	f, err := NewValueFilter(p)
	if err != nil {
		panic(err)
	}
	return f
}

// credFixDollar rewrites `$` (end of text, outside (?m)) as \n?\z, Python's
// meaning.
func credFixDollar(re *syntax.Regexp) *syntax.Regexp {
	if re.Op == syntax.OpEndText && re.Flags&syntax.WasDollar != 0 {
		fl := re.Flags &^ syntax.WasDollar
		return &syntax.Regexp{Op: syntax.OpConcat, Flags: fl, Sub: []*syntax.Regexp{
			{Op: syntax.OpQuest, Flags: fl, Sub: []*syntax.Regexp{
				{Op: syntax.OpLiteral, Flags: fl &^ syntax.FoldCase, Rune: []rune{'\n'}}}},
			{Op: syntax.OpEndText, Flags: fl},
		}}
	}
	for i, s := range re.Sub {
		re.Sub[i] = credFixDollar(s)
	}
	return re
}

// Pattern is the filter as it was given.
func (f ValueFilter) Pattern() string {
	if f.re == nil && !f.any {
		return ".*"
	}
	return f.pattern
}

// Match reports whether b passes the filter. It does not allocate.
func (f ValueFilter) Match(b []byte) bool {
	if f.re == nil {
		return true
	}
	if f.fast != credFastNone {
		return credFastMatch(f.fast, b)
	}
	return f.re.Match(b)
}

// MatchString is Match for a string.
func (f ValueFilter) MatchString(s string) bool {
	if f.re == nil {
		return true
	}
	if f.fast != credFastNone {
		return credFastMatch(f.fast, s)
	}
	return f.re.MatchString(s)
}
