package router

import (
	"math"
	"strconv"
	"sync/atomic"

	"github.com/gwd-project/gwd/router/ledger"
)

// The router's view of the users' counters.
//
// The store's ledger (store) holds the balance and sms_count and charges
// them with every message; router only shows them (`user -s`, `user -l`)
// and carries the ones a new user is created with (a jCli `user -a`
// session's quota lines). The engine copies the store's values here with
// Accounts.SetCounters when it loads users and after each quota change;
// nothing charges this view.

// counterND marks an unset (unlimited) counter in a view cell.
const counterND = math.MinInt64

func ledgerLoad(v int64) (int64, bool) { return v, v != counterND }

func (l *userLive) counters() ledger.Counters {
	var c ledger.Counters
	if v, ok := ledgerLoad(l.balance.Load()); ok {
		c.Balance, c.HasBalance = ledger.Money(v), true
	}
	if v, ok := ledgerLoad(l.smsCount.Load()); ok {
		c.SMS, c.HasSMS = v, true
	}
	return c
}

func (l *userLive) storeCounters(c ledger.Counters) {
	if c.HasBalance {
		l.balance.Store(int64(c.Balance))
	} else {
		l.balance.Store(counterND)
	}
	if c.HasSMS {
		l.smsCount.Store(c.SMS)
	} else {
		l.smsCount.Store(counterND)
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

// Counters returns u's balance and sms_count as last copied from the store
// (for a draft: as its session set them).
func (u *User) Counters() ledger.Counters {
	if u.live == nil {
		return ledger.Counters{}
	}
	return u.live.counters()
}

// acctApplyLedger applies counter changes: the relative ones first (they
// can fail: a counter may not go below zero), undone if a later one fails,
// then the absolute ones (which cannot fail).
func acctApplyLedger(l *userLive, ops []credLedgerOp) error {
	type done struct {
		cell  *atomic.Int64
		v     int64
		wasND bool
		now   int64
	}
	var undo [2]done
	n := 0
	cell := func(op credLedgerOp) *atomic.Int64 {
		if op.smsCount {
			return &l.smsCount
		}
		return &l.balance
	}
	for _, op := range ops {
		if !op.rel {
			continue
		}
		c := cell(op)
		for {
			v := c.Load()
			base := v
			if v == counterND {
				base = 0
			}
			nv, ok := credAdd(base, op.v)
			if !ok || nv < 0 || nv == counterND {
				for i := n - 1; i >= 0; i-- {
					d := undo[i]
					if !(d.wasND && d.cell.CompareAndSwap(d.now, counterND)) {
						ledgerGive(d.cell, -d.v)
					}
				}
				cur := "ND"
				if v != counterND {
					cur = strconv.FormatInt(v, 10)
					if !op.smsCount {
						cur = ledger.Money(v).String()
					}
				}
				return &FieldError{Field: op.field, Msg: "would go below zero (current value " + cur + ")"}
			}
			if c.CompareAndSwap(v, nv) {
				undo[n] = done{cell: c, v: op.v, wasND: v == counterND, now: nv}
				n++
				break
			}
		}
	}
	for _, op := range ops {
		if op.rel {
			continue
		}
		if op.nd {
			cell(op).Store(counterND)
		} else {
			cell(op).Store(op.v)
		}
	}
	return nil
}

// SetCounters sets the router's view of a user's balance and sms_count
// (see counters.go) to the store's values.
func (a *Accounts) SetCounters(uid string, c ledger.Counters) error {
	u := a.User(uid)
	if u == nil {
		return acctErr(ErrUnknownUser, uid)
	}
	u.live.storeCounters(c)
	return nil
}
