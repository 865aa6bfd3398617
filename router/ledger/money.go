package ledger

import (
	"errors"
	"math"
	"math/bits"
	"strconv"
	"strings"
)

// Money is an exact decimal amount with six fractional digits, held as an
// integer count of millionths: 1.2 is Money(1_200_000). Balances and rates
// are Money; so are the quotas Jasmin keeps as floats (early_percent,
// http_throughput, smpps_throughput), which share its parsing and display.
// Arithmetic is integer arithmetic: two charges of 0.4 on 1.0 leave exactly
// 0.2, where Jasmin's float shows 0.19999999999999996.
type Money int64

// MoneyUnit is 1 in Money (one million millionths).
const MoneyUnit Money = 1_000_000

const moneyDigits = 6

// ParseMoney reads a decimal number: an optional sign, digits, an optional
// point and at most six fractional digits (more are accepted only when they
// are zeros). "12", "12.", ".5", "+10", "-22.4" are numbers; "1e3", "inf",
// "nan", "" and "1.2345678" are not.
func ParseMoney(s string) (Money, error) {
	if s == "" {
		return 0, errors.New("empty number")
	}
	neg := false
	i := 0
	switch s[0] {
	case '+':
		i++
	case '-':
		neg = true
		i++
	}
	var v uint64
	digits, frac := 0, -1 // frac counts fractional digits once the point is seen
	for ; i < len(s); i++ {
		c := s[i]
		if c == '.' {
			if frac >= 0 {
				return 0, errors.New("not a number: " + strconv.Quote(s))
			}
			frac = 0
			continue
		}
		if c < '0' || c > '9' {
			return 0, errors.New("not a number: " + strconv.Quote(s))
		}
		digits++
		if frac >= 0 {
			if frac == moneyDigits {
				if c != '0' {
					return 0, errors.New("more than 6 decimal places: " + strconv.Quote(s))
				}
				continue
			}
			frac++
		}
		hi, lo := bits.Mul64(v, 10)
		lo, carry := bits.Add64(lo, uint64(c-'0'), 0)
		if hi != 0 || carry != 0 || lo > math.MaxInt64 {
			return 0, errors.New("number too large: " + strconv.Quote(s))
		}
		v = lo
	}
	if digits == 0 {
		return 0, errors.New("not a number: " + strconv.Quote(s))
	}
	if frac < 0 {
		frac = 0
	}
	for ; frac < moneyDigits; frac++ {
		hi, lo := bits.Mul64(v, 10)
		if hi != 0 || lo > math.MaxInt64 {
			return 0, errors.New("number too large: " + strconv.Quote(s))
		}
		v = lo
	}
	if neg {
		return -Money(v), nil
	}
	return Money(v), nil
}

// MustMoney is ParseMoney for constants; it panics on a bad string.
func MustMoney(s string) Money {
	m, err := ParseMoney(s)
	if err != nil {
		panic(err)
	}
	return m
}

// String shows m as Jasmin shows a float quota: at least one fractional
// digit, no trailing zeros beyond it: "44.2", "10.0", "0.25", "-0.5".
func (m Money) String() string {
	var b [32]byte
	return string(m.Append(b[:0]))
}

// Append appends m's String form to b.
func (m Money) Append(b []byte) []byte {
	u := uint64(m)
	if m < 0 {
		b = append(b, '-')
		u = -u
	}
	b = strconv.AppendUint(b, u/uint64(MoneyUnit), 10)
	f := u % uint64(MoneyUnit)
	var d [moneyDigits]byte
	for i := moneyDigits - 1; i >= 0; i-- {
		d[i] = byte('0' + f%10)
		f /= 10
	}
	n := moneyDigits
	for n > 1 && d[n-1] == '0' {
		n--
	}
	b = append(b, '.')
	return append(b, d[:n]...)
}

// Decimal is m as the shortest exact decimal, without the point when m is
// whole: "0", "0.4", "1.25" (a route's rate as jCli shows it and as the
// store keeps it).
func (m Money) Decimal() string {
	u := uint64(m)
	s := ""
	if m < 0 {
		s, u = "-", -u
	}
	s += strconv.FormatUint(u/uint64(MoneyUnit), 10)
	if f := u % uint64(MoneyUnit); f != 0 {
		fs := strconv.FormatUint(f+uint64(MoneyUnit), 10)[1:]
		s += "." + strings.TrimRight(fs, "0")
	}
	return s
}

// Format is m with exactly prec decimals (0 ≤ prec ≤ 6), rounded half
// away from zero: Format(2) is Python's "%.2f", as in jCli's "rated 0.40".
func (m Money) Format(prec int) string {
	prec = min(max(prec, 0), moneyDigits)
	div := uint64(1)
	for i := 0; i < moneyDigits-prec; i++ {
		div *= 10
	}
	v := uint64(m)
	s := ""
	if m < 0 {
		s, v = "-", -v
	}
	v = (v + div/2) / div
	unit := uint64(MoneyUnit) / div
	s += strconv.FormatUint(v/unit, 10)
	if prec > 0 {
		s += "." + strconv.FormatUint(v%unit+unit, 10)[1:]
	}
	return s
}

// Float is m as a float64, for JSON answers that Jasmin gives as numbers.
func (m Money) Float() float64 { return float64(m) / float64(MoneyUnit) }

// MulInt returns m × n for m, n ≥ 0, or false when it does not fit.
func (m Money) MulInt(n int64) (Money, bool) {
	if m < 0 || n < 0 {
		return 0, false
	}
	hi, lo := bits.Mul64(uint64(m), uint64(n))
	if hi != 0 || lo > math.MaxInt64 {
		return 0, false
	}
	return Money(lo), true
}

// PercentOf returns m × p / 100 rounded to the nearest millionth (halves
// away from zero), p being a percentage in Money (25% is 25.0). m and p
// must not be negative.
func (m Money) PercentOf(p Money) Money {
	hi, lo := bits.Mul64(uint64(m), uint64(p))
	const div = 100 * uint64(MoneyUnit)
	lo, c := bits.Add64(lo, div/2, 0)
	hi += c
	q, _ := bits.Div64(hi, lo, div) // hi < div: m < 2^63, p ≤ 100e6
	return Money(q)
}
