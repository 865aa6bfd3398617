package router

import (
	"errors"
	"testing"

	"github.com/gwd-project/gwd/router/ledger"
)

// The manual's Billing chapter, example by example.
func TestBillingManualExamples(t *testing.T) {
	for _, tc := range []struct {
		name        string
		early       string // "" = not set
		rate        string
		parts       int
		messages    int    // messages of parts submit_sm each
		wantNow     string // balance taken at submit, all messages
		wantPerResp string // taken per submit_sm_resp
		wantLater   string // all submit_sm_resp together
	}{
		// "When sending one SMS through a route rated 1.2, user's balance will
		// get decreased by 1.2"
		{"one SMS rated 1.2", "", "1.2", 1, 1, "1.2", "0.0", "0.0"},
		// "When sending five SMS through a route rated 0.2, user's balance will
		// get decreased by 1" — as five messages and as one of five parts.
		{"five SMS rated 0.2", "", "0.2", 1, 5, "1.0", "0.0", "0.0"},
		{"five-part SMS rated 0.2", "", "0.2", 5, 1, "1.0", "0.0", "0.0"},
		// early_decrement_balance_percent = 25, one SMS rated 1.2: "decreased
		// by 0.3 (1.2 x 25%)", "When acknowledged ... decreased by 0.9".
		{"early 25, one SMS rated 1.2", "25", "1.2", 1, 1, "0.3", "0.9", "0.9"},
		// five SMS rated 0.2: "decreased by 0.25 (5 x 0.2 x 25%)", "For each
		// acknowledged SMS ... decreased by 0.15", "the final charged amount
		// is 0.75 (the rest)".
		{"early 25, five SMS rated 0.2", "25", "0.2", 1, 5, "0.25", "0.15", "0.75"},
		{"early 25, five-part SMS rated 0.2", "25", "0.2", 5, 1, "0.25", "0.15", "0.75"},
		// Not in the manual: early 100 is ordinary billing, early 12.5 keeps
		// cents exact.
		{"early 100", "100", "1.2", 1, 1, "1.2", "0.0", "0.0"},
		{"early 12.5", "12.5", "0.8", 1, 1, "0.1", "0.7", "0.7"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			a, _ := acctTestSetup(t)
			if tc.early != "" {
				if err := a.SetCredential("u1", CredMT, "quota", "early_percent", tc.early); err != nil {
					t.Fatal(err)
				}
			}
			rate := ledger.MustMoney(tc.rate)
			var now, later ledger.Money
			for i := 0; i < tc.messages; i++ {
				b, err := BillFor(a.User("u1"), rate, tc.parts)
				if err != nil {
					t.Fatal(err)
				}
				if b.SubmitSmResp != ledger.MustMoney(tc.wantPerResp) {
					t.Errorf("per submit_sm_resp %s, want %s", b.SubmitSmResp, tc.wantPerResp)
				}
				if b.Total() != rate*ledger.Money(tc.parts) || b.Total() != b.Now()+b.Later() {
					t.Errorf("total %s (now %s, later %s), want rate × parts", b.Total(), b.Now(), b.Later())
				}
				now += b.Now()
				later += b.Later()
			}
			if now != ledger.MustMoney(tc.wantNow) {
				t.Errorf("taken at submit %s, want %s", now, tc.wantNow)
			}
			if later != ledger.MustMoney(tc.wantLater) {
				t.Errorf("taken on submit_sm_resp %s, want %s", later, tc.wantLater)
			}
		})
	}
}

func TestNewBillBadInput(t *testing.T) {
	for _, tc := range []struct {
		rate  ledger.Money
		parts int
		early Optional[ledger.Money]
	}{
		{-1, 1, Optional[ledger.Money]{}},
		{ledger.MoneyUnit, 0, Optional[ledger.Money]{}},
		{ledger.MoneyUnit, MaxBillParts + 1, Optional[ledger.Money]{}},
		{ledger.MoneyUnit, 1, Some(ledger.Money(0))},
		{ledger.MoneyUnit, 1, Some(101 * ledger.MoneyUnit)},
		{ledger.Money(1 << 62), 4, Optional[ledger.Money]{}},
	} {
		if _, err := NewBill(tc.rate, tc.parts, tc.early); !errors.Is(err, ErrBadBill) {
			t.Errorf("NewBill(%v, %d, %v) = %v", tc.rate, tc.parts, tc.early, err)
		}
	}
	// Rounding of the early part: the two parts always add up to the rate.
	for _, r := range []string{"0.000001", "0.000003", "0.333333", "7.777777"} {
		for _, p := range []string{"1", "25", "33.333333", "99.999999"} {
			b, err := NewBill(ledger.MustMoney(r), 1, Some(ledger.MustMoney(p)))
			if err != nil || b.SubmitSm+b.SubmitSmResp != ledger.MustMoney(r) || b.SubmitSm < 0 || b.SubmitSmResp < 0 {
				t.Errorf("rate %s early %s: %+v %v", r, p, b, err)
			}
		}
	}
}

func TestChargeErrorRefusal(t *testing.T) {
	for _, err := range []error{ErrInsufficientBalance, ErrQuotaExceeded} {
		var r Refusal
		if !errors.As(err, &r) {
			t.Fatalf("%v is not a Refusal", err)
		}
		if r.Kind() != RefusedCharge || r.Text() != "Cannot charge submit_sm, check RouterPB log file for details" {
			t.Errorf("%v: %v %q", err, r.Kind(), r.Text())
		}
	}
}
