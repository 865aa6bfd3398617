package jcli

import (
	"errors"
	"fmt"

	"github.com/gwd-project/gwd/router"
)

// The store's counters (the ledger) and the router's view of them.

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
		if err := acc.SetCounters(u.UID, c); err != nil {
			errs = append(errs, err)
		}
	}
	return errors.Join(errs...)
}
