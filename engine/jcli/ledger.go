package jcli

import (
	"errors"
	"fmt"

	"github.com/gwd-project/gwd/router"
	"github.com/gwd-project/gwd/wal"
)

// The store's counters (the ledger) and the router's view of them.

func toWal(c router.Counters) wal.UserCounters {
	return wal.UserCounters{Balance: wal.Amount(c.Balance.V), HasBalance: c.Balance.Set,
		SMS: c.SMSCount.V, HasSMS: c.SMSCount.Set}
}

func fromWal(c wal.UserCounters) router.Counters {
	return router.Counters{Balance: router.Optional[router.Money]{V: router.Money(c.Balance), Set: c.HasBalance},
		SMSCount: router.Optional[int64]{V: c.SMS, Set: c.HasSMS}}
}

// syncCounters copies users' balance and sms_count from the store into
// the router, so that listings and relative quota changes start from the
// ledger (which charging debits) rather than from a stale copy. The
// caller holds opMu.
func (srv *Server) syncCounters(users []*router.User) error {
	acc := srv.b.Accounts()
	var errs []error
	for _, u := range users {
		c, err := srv.b.Counters(u.UID)
		if err != nil {
			errs = append(errs, fmt.Errorf("counters of %s: %w", u.UID, err))
			continue
		}
		if err := acc.SetCounters(u.UID, fromWal(c)); err != nil {
			errs = append(errs, err)
		}
	}
	return errors.Join(errs...)
}
