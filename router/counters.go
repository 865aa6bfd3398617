package router

import (
	"strconv"

	"github.com/gwd-project/gwd/router/ledger"
)

// Users' balance and sms_count.
//
// The store's ledger holds them and charges them with every message;
// router keeps no copy. Listings (`user -s`, `user -l`) read them from the
// ledger when they are shown, through a CounterSource. A draft user (a jCli
// `user -a` session before `ok`, an admin-API body) carries the counters its
// quota lines set: the ledger's starting values when it is added.

// CounterSource returns a user's balance and sms_count as the ledger keeps
// them at that moment.
type CounterSource func(uid string) (ledger.Counters, error)

// InitialCounters returns the balance and sms_count u's quota lines set
// while it was a draft (unlimited unless set): the values the ledger starts
// from when u is added. A registered user's counters are in the ledger.
func (u *User) InitialCounters() ledger.Counters { return u.counters }

// acctApplyLedger applies counter changes to c: the relative ones first
// (they can fail: a counter may not go below zero), then the absolute ones.
// On error c is unchanged.
func acctApplyLedger(c *ledger.Counters, ops []credLedgerOp) error {
	n := *c
	for _, op := range ops {
		if !op.rel {
			continue
		}
		v, set := int64(n.Balance), n.HasBalance
		if op.smsCount {
			v, set = n.SMS, n.HasSMS
		}
		base := int64(0)
		if set {
			base = v
		}
		nv, ok := credAdd(base, op.v)
		if !ok || nv < 0 {
			cur := "ND"
			if set {
				cur = strconv.FormatInt(v, 10)
				if !op.smsCount {
					cur = ledger.Money(v).String()
				}
			}
			return &FieldError{Field: op.field, Msg: "would go below zero (current value " + cur + ")"}
		}
		counterSet(&n, op.smsCount, nv, true)
	}
	for _, op := range ops {
		if !op.rel {
			counterSet(&n, op.smsCount, op.v, !op.nd)
		}
	}
	*c = n
	return nil
}

// counterSet sets c's sms_count or balance to v (set) or unlimited.
func counterSet(c *ledger.Counters, smsCount bool, v int64, set bool) {
	if !set {
		v = 0
	}
	if smsCount {
		c.SMS, c.HasSMS = v, set
	} else {
		c.Balance, c.HasBalance = ledger.Money(v), set
	}
}
