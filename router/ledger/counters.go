package ledger

import "strconv"

// Counters are a user's consumable quotas at one moment: the balance and
// the sms_count. The zero value is a user without limits (Jasmin shows
// ND), as new users are.
type Counters struct {
	Balance    Money // meaningful when HasBalance
	HasBalance bool  // false: unlimited balance
	SMS        int64 // sms_count left, meaningful when HasSMS
	HasSMS     bool  // false: unlimited sms_count
}

// BalanceString is the balance as Jasmin's interfaces show it: "ND" when
// unlimited.
func (c Counters) BalanceString() string {
	if !c.HasBalance {
		return "ND"
	}
	return c.Balance.String()
}

// SMSString is the sms_count as Jasmin's interfaces show it: "ND" when
// unlimited.
func (c Counters) SMSString() string {
	if !c.HasSMS {
		return "ND"
	}
	return strconv.FormatInt(c.SMS, 10)
}

// Normal is c with the values of unlimited counters zeroed, so that equal
// counters compare equal.
func (c Counters) Normal() Counters {
	if !c.HasBalance {
		c.Balance = 0
	}
	if !c.HasSMS {
		c.SMS = 0
	}
	return c
}
