package manage

import (
	"fmt"

	"github.com/gwd-project/gwd/router"
	"github.com/gwd-project/gwd/router/ledger"
)

// Users' balance and sms_count live in the store's counters: the ledger
// that charging debits, the only copy. Listings read them through
// Counters when they are shown.

// Counters returns a user's balance and sms_count as the ledger keeps
// them.
func (m *Manager) Counters(uid string) (ledger.Counters, error) {
	c, err := m.st.Counters(uid)
	if err != nil {
		return c, fmt.Errorf("counters of %s: %w", uid, err)
	}
	return c, nil
}

// SetCounters replaces a user's balance and sms_count in the ledger (the
// zero value: unlimited).
func (tx *Tx) SetCounters(uid string, c ledger.Counters) error {
	m := tx.m
	old, err := m.Counters(uid)
	if err != nil {
		return err
	}
	if err := m.st.SetCounters(uid, c); err != nil {
		return fmt.Errorf("set counters of %s: %w", uid, err)
	}
	tx.onUndo(func() error { return m.st.SetCounters(uid, old) })
	return nil
}

// applyQuota applies a user update's balance and sms_count lines (+N / -N
// included) to the ledger, computed against its value under its lock so
// that no charge made meanwhile is lost. A refusal by the router's rules
// (below zero) is returned as the router words it and changes nothing.
func (tx *Tx) applyQuota(uid string, q *router.QuotaEdit) error {
	m := tx.m
	var before ledger.Counters
	var qerr error
	_, err := m.st.UpdateCounters(uid, func(c ledger.Counters) (ledger.Counters, bool, error) {
		before = c
		n, err := q.Apply(c)
		qerr = err
		return n, q.Replaces(), err
	})
	if qerr != nil {
		return qerr
	}
	if err != nil {
		return fmt.Errorf("quota of %s: %w", uid, err)
	}
	tx.onUndo(func() error { return m.st.SetCounters(uid, before) })
	return nil
}
