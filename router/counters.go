package router

import (
	"math"
	"sync/atomic"

	"github.com/gwd-project/gwd/router/ledger"
)

// The router's view of the users' counters.
//
// The store's ledger (wal) holds the balance and sms_count and charges
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
