package router

import (
	"errors"
	"math"
	"math/bits"
	"strconv"
	"sync/atomic"
)

// Billing, as the manual's "Billing" chapter describes it:
//
//   - A route has a rate per submit_sm. A message split into N parts is N
//     submit_sm and costs N times the rate.
//   - balance quota: when the user's balance is set (not ND) and the route is
//     rated, the balance must cover the whole bill (rate × parts) at submit
//     time, or the message is refused.
//   - early_percent (asynchronous billing): when set, only early_percent % of
//     the rate is taken at submit time, per part; the rest is taken when that
//     part's submit_sm_resp comes back from the SMSC. Unset, the whole rate is
//     taken at submit time.
//   - sms_count quota: when set, it must cover the number of parts and is
//     decreased by it at submit time, rated route or not.
//   - ND (not set) means unlimited; nothing is checked or charged.
//
// The manual's examples, reproduced in billing_test.go: rate 1.2, one part:
// balance −1.2; rate 0.2, five parts: −1.0; with early_percent 25: 1.2 gives
// −0.3 at submit and −0.9 on submit_sm_resp; 0.2 × 5 gives −0.25 at submit,
// −0.15 per submit_sm_resp, 0.75 in all later.
//
// As in Jasmin (Routes.getBillFor, RouterPB.chargeUserForSubmitSms), the
// check at submit is against the whole bill while only the early part is
// taken: the later parts are taken unconditionally when the SMSC answers, so
// concurrent messages with early_percent can leave a balance slightly below
// zero; the next message is then refused.

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

// Float is m as a float64, for JSON answers that Jasmin gives as numbers.
func (m Money) Float() float64 { return float64(m) / float64(MoneyUnit) }

// mulInt returns m × n for m, n ≥ 0, or false when it does not fit.
func (m Money) mulInt(n int64) (Money, bool) {
	if m < 0 || n < 0 {
		return 0, false
	}
	hi, lo := bits.Mul64(uint64(m), uint64(n))
	if hi != 0 || lo > math.MaxInt64 {
		return 0, false
	}
	return Money(lo), true
}

// percentOf returns m × p / 100 rounded to the nearest millionth (halves
// away from zero), p being a percentage in Money (25% is 25.0). m and p
// must not be negative.
func (m Money) percentOf(p Money) Money {
	hi, lo := bits.Mul64(uint64(m), uint64(p))
	const div = 100 * uint64(MoneyUnit)
	lo, c := bits.Add64(lo, div/2, 0)
	hi += c
	q, _ := bits.Div64(hi, lo, div) // hi < div: m < 2^63, p ≤ 100e6
	return Money(q)
}

// Optional is a quota or default value that may be unset: Jasmin's None,
// shown as "ND" for quotas (unlimited) and "None" for default values.
type Optional[T any] struct {
	V   T
	Set bool
}

// Some returns a set Optional.
func Some[T any](v T) Optional[T] { return Optional[T]{V: v, Set: true} }

// Counters are a user's consumable quotas at one moment: the balance and the
// sms_count, unset meaning unlimited. They change with every message, so they
// live outside the user's immutable configuration (see User.Counters); the
// store keeps them durable.
type Counters struct {
	Balance  Optional[Money]
	SMSCount Optional[int64]
}

// Bill is what one message costs: Jasmin's SubmitSmBill. Amounts are per
// part (per submit_sm). BalanceCharged and SMSCounted record what Charge
// actually took, so that the submit_sm_resp charge and a refund take and
// give back only that; keep the Bill with the message until its last
// submit_sm_resp.
type Bill struct {
	Parts int   // submit_sm PDUs the message was split into
	Rate  Money // the route's rate per submit_sm
	// SubmitSm is taken per part at submit time: the rate, or early_percent
	// of it when asynchronous billing is on.
	SubmitSm Money
	// SubmitSmResp is taken per part when its submit_sm_resp is OK: the rest
	// of the rate with asynchronous billing, else zero.
	SubmitSmResp Money

	BalanceCharged bool // Charge took Now() from a set balance
	SMSCounted     bool // Charge took Parts from a set sms_count
}

// Now is what is taken at submit time: SubmitSm × Parts.
func (b *Bill) Now() Money { return b.SubmitSm * Money(b.Parts) }

// Later is what the submit_sm_resp charges add up to: SubmitSmResp × Parts.
func (b *Bill) Later() Money { return b.SubmitSmResp * Money(b.Parts) }

// Total is the whole cost, the amount a set balance must cover at submit
// time: (SubmitSm + SubmitSmResp) × Parts = Rate × Parts.
func (b *Bill) Total() Money { return (b.SubmitSm + b.SubmitSmResp) * Money(b.Parts) }

// MaxBillParts is the most parts a bill accepts; SMPP concatenation counts
// parts in one octet.
const MaxBillParts = 255

// ErrBadBill is returned by NewBill for a negative rate, a part count outside
// 1..MaxBillParts, an early_percent outside 1..100 or a total too large.
var ErrBadBill = errors.New("router: invalid bill")

// NewBill computes the bill of a message of parts submit_sm through a route
// rated rate, for a user whose early_percent quota is early (Jasmin's
// Route.getBillFor). Whether the balance and sms_count are set does not
// matter here: Charge skips what is unlimited.
func NewBill(rate Money, parts int, early Optional[Money]) (Bill, error) {
	if rate < 0 || parts < 1 || parts > MaxBillParts {
		return Bill{}, ErrBadBill
	}
	if _, ok := rate.mulInt(int64(parts)); !ok {
		return Bill{}, ErrBadBill
	}
	b := Bill{Parts: parts, Rate: rate, SubmitSm: rate}
	if early.Set {
		if early.V < MoneyUnit || early.V > 100*MoneyUnit {
			return Bill{}, ErrBadBill
		}
		b.SubmitSm = rate.percentOf(early.V)
		b.SubmitSmResp = rate - b.SubmitSm
	}
	return b, nil
}

// BillFor is NewBill with u's early_percent quota.
func BillFor(u *User, rate Money, parts int) (Bill, error) {
	return NewBill(rate, parts, u.MT.Quota.EarlyPercent)
}

// ChargeError is a refusal to charge: out of balance or of sms_count
// (Kind RefusedCharge). Its Text is the manual's, `Cannot charge
// submit_sm, check RouterPB log file for details`.
type ChargeError struct {
	Quota string // "balance" or "sms_count"
}

func (e *ChargeError) Error() string {
	return "router: not enough " + e.Quota + " for charging"
}

// Kind is RefusedCharge.
func (e *ChargeError) Kind() RefusalKind { return RefusedCharge }

// Text is the manual's text for a user charging error.
func (e *ChargeError) Text() string {
	return "Cannot charge submit_sm, check RouterPB log file for details"
}

// The two charging refusals. They are values, compared with errors.Is or ==.
var (
	ErrInsufficientBalance error = &ChargeError{Quota: "balance"}
	ErrQuotaExceeded       error = &ChargeError{Quota: "sms_count"}
)

// Check says whether counters c can pay b: a set balance must cover Total()
// when the route is rated (Jasmin's requirement is on the whole bill even
// with early_percent), a set sms_count must cover Parts. The balance is
// checked first, as Jasmin does.
func (b *Bill) Check(c Counters) error {
	if c.Balance.Set && b.Total() > 0 && b.Total() > c.Balance.V {
		return ErrInsufficientBalance
	}
	if c.SMSCount.Set && int64(b.Parts) > c.SMSCount.V {
		return ErrQuotaExceeded
	}
	return nil
}

// Apply checks b against c and returns the counters after the submit-time
// charge, recording in b what was taken. It is the pure form of
// User.Charge.
func (b *Bill) Apply(c Counters) (Counters, error) {
	if err := b.Check(c); err != nil {
		return c, err
	}
	b.BalanceCharged, b.SMSCounted = false, false
	if c.Balance.Set && b.Total() > 0 {
		c.Balance.V -= b.Now()
		b.BalanceCharged = true
	}
	if c.SMSCount.Set {
		c.SMSCount.V -= int64(b.Parts)
		b.SMSCounted = true
	}
	return c, nil
}

// ApplyResp returns the counters after one part's submit_sm_resp charge.
func (b *Bill) ApplyResp(c Counters) Counters {
	if b.BalanceCharged && b.SubmitSmResp > 0 && c.Balance.Set {
		c.Balance.V -= b.SubmitSmResp
	}
	return c
}

// counterND marks an unset (unlimited) counter in a ledger cell.
const counterND = math.MinInt64

func ledgerLoad(v int64) (int64, bool) { return v, v != counterND }

func (l *userLive) counters() Counters {
	var c Counters
	if v, ok := ledgerLoad(l.balance.Load()); ok {
		c.Balance = Some(Money(v))
	}
	if v, ok := ledgerLoad(l.smsCount.Load()); ok {
		c.SMSCount = Some(v)
	}
	return c
}

func (l *userLive) storeCounters(c Counters) {
	if c.Balance.Set {
		l.balance.Store(int64(c.Balance.V))
	} else {
		l.balance.Store(counterND)
	}
	if c.SMSCount.Set {
		l.smsCount.Store(c.SMSCount.V)
	} else {
		l.smsCount.Store(counterND)
	}
}

// ledgerTake subtracts n from a set cell holding at least need; it reports
// whether the cell was set (taken) and whether it had enough.
func ledgerTake(cell *atomic.Int64, need, n int64) (taken, ok bool) {
	for {
		v := cell.Load()
		if v == counterND {
			return false, true
		}
		if v < need {
			return false, false
		}
		if cell.CompareAndSwap(v, v-n) {
			return true, true
		}
	}
}

// ledgerGive adds n to a set cell (unconditionally; n may be negative).
func ledgerGive(cell *atomic.Int64, n int64) {
	for {
		v := cell.Load()
		if v == counterND {
			return
		}
		if cell.CompareAndSwap(v, v+n) {
			return
		}
	}
}

// Charge takes b's submit-time charge from u's live counters (see
// Bill.Check for the rules), or refuses with ErrInsufficientBalance or
// ErrQuotaExceeded and takes nothing. It records in b what it took. It takes
// no lock and does not allocate.
//
// The two counters are separate words: sms_count is taken first and given
// back if the balance then refuses, so a concurrent message may, for that
// instant, see the lower sms_count.
func (u *User) Charge(b *Bill) error {
	l := u.live
	b.BalanceCharged, b.SMSCounted = false, false
	total := b.Total()
	if total > 0 {
		// Balance first, as Jasmin checks it first: peek so that a balance
		// refusal does not touch sms_count.
		if v := l.balance.Load(); v != counterND && v < int64(total) {
			return ErrInsufficientBalance
		}
	}
	parts := int64(b.Parts)
	taken, ok := ledgerTake(&l.smsCount, parts, parts)
	if !ok {
		return ErrQuotaExceeded
	}
	b.SMSCounted = taken
	if total > 0 {
		taken, ok = ledgerTake(&l.balance, int64(total), int64(b.Now()))
		if !ok {
			if b.SMSCounted {
				ledgerGive(&l.smsCount, parts)
				b.SMSCounted = false
			}
			return ErrInsufficientBalance
		}
		b.BalanceCharged = taken
	}
	return nil
}

// ChargeResp takes the later charge of one part whose submit_sm_resp was OK
// (asynchronous billing). It does nothing when b took nothing from the
// balance at submit time or when the balance has since been made unlimited.
func (u *User) ChargeResp(b *Bill) {
	if b.BalanceCharged && b.SubmitSmResp > 0 {
		ledgerGive(&u.live.balance, -int64(b.SubmitSmResp))
	}
}

// Refund gives back what Charge took, for a message that was refused after
// charging (its durable write failed, for instance). b's records are
// cleared so that a second Refund gives nothing.
func (u *User) Refund(b *Bill) {
	if b.BalanceCharged {
		ledgerGive(&u.live.balance, int64(b.Now()))
		b.BalanceCharged = false
	}
	if b.SMSCounted {
		ledgerGive(&u.live.smsCount, int64(b.Parts))
		b.SMSCounted = false
	}
}

// Counters returns u's live balance and sms_count.
func (u *User) Counters() Counters {
	if u.live == nil {
		return Counters{}
	}
	return u.live.counters()
}

// Balance returns u's live balance; false when unlimited.
func (u *User) Balance() (Money, bool) {
	if u.live == nil {
		return 0, false
	}
	v, ok := ledgerLoad(u.live.balance.Load())
	return Money(v), ok
}

// SMSCount returns u's live sms_count; false when unlimited.
func (u *User) SMSCount() (int64, bool) {
	if u.live == nil {
		return 0, false
	}
	return ledgerLoad(u.live.smsCount.Load())
}
