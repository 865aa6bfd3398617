package router

import (
	"errors"
	"github.com/gwd-project/gwd/router/ledger"
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

// Optional is a quota or default value that may be unset: Jasmin's None,
// shown as "ND" for quotas (unlimited) and "None" for default values.
type Optional[T any] struct {
	V   T
	Set bool
}

// Some returns a set Optional.
func Some[T any](v T) Optional[T] { return Optional[T]{V: v, Set: true} }

// Bill is what one message costs: Jasmin's SubmitSmBill. Amounts are per
// part (per submit_sm). The store's ledger (store) takes it: Now() at submit
// if the counters cover Total() and Parts, SubmitSmResp on each part's
// successful submit_sm_resp.
type Bill struct {
	Parts int          // submit_sm PDUs the message was split into
	Rate  ledger.Money // the route's rate per submit_sm
	// SubmitSm is taken per part at submit time: the rate, or early_percent
	// of it when asynchronous billing is on.
	SubmitSm ledger.Money
	// SubmitSmResp is taken per part when its submit_sm_resp is OK: the rest
	// of the rate with asynchronous billing, else zero.
	SubmitSmResp ledger.Money
}

// Now is what is taken at submit time: SubmitSm × Parts.
func (b *Bill) Now() ledger.Money { return b.SubmitSm * ledger.Money(b.Parts) }

// Later is what the submit_sm_resp charges add up to: SubmitSmResp × Parts.
func (b *Bill) Later() ledger.Money { return b.SubmitSmResp * ledger.Money(b.Parts) }

// Total is the whole cost, the amount a set balance must cover at submit
// time: (SubmitSm + SubmitSmResp) × Parts = Rate × Parts.
func (b *Bill) Total() ledger.Money { return (b.SubmitSm + b.SubmitSmResp) * ledger.Money(b.Parts) }

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
func NewBill(rate ledger.Money, parts int, early Optional[ledger.Money]) (Bill, error) {
	if rate < 0 || parts < 1 || parts > MaxBillParts {
		return Bill{}, ErrBadBill
	}
	if _, ok := rate.MulInt(int64(parts)); !ok {
		return Bill{}, ErrBadBill
	}
	b := Bill{Parts: parts, Rate: rate, SubmitSm: rate}
	if early.Set {
		if early.V < ledger.MoneyUnit || early.V > 100*ledger.MoneyUnit {
			return Bill{}, ErrBadBill
		}
		b.SubmitSm = rate.PercentOf(early.V)
		b.SubmitSmResp = rate - b.SubmitSm
	}
	return b, nil
}

// BillFor is NewBill with u's early_percent quota.
func BillFor(u *User, rate ledger.Money, parts int) (Bill, error) {
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
