package manage

import (
	"errors"
	"fmt"

	"github.com/gwd-project/gwd/router"
	"github.com/gwd-project/gwd/router/ledger"
)

// Users' balance and sms_count live in the store's counters: the ledger
// that charging debits. The router keeps a view of them for listings,
// refreshed from the ledger.

// Counters returns a user's balance and sms_count as the ledger keeps
// them.
func (m *Manager) Counters(uid string) (ledger.Counters, error) {
	c, err := m.st.Counters(uid)
	if err != nil {
		return c, fmt.Errorf("counters of %s: %w", uid, err)
	}
	return c, nil
}

// RefreshCounters copies users' balance and sms_count from the ledger
// into the router's view, so that listings show them as charging left
// them.
func (m *Manager) RefreshCounters(users []*router.User) error {
	m.mu.Lock()
	defer m.mu.Unlock()
	return m.refreshCounters(users)
}

func (m *Manager) refreshCounters(users []*router.User) error {
	var errs []error
	for _, u := range users {
		c, err := m.Counters(u.UID)
		if err != nil {
			errs = append(errs, err)
			continue
		}
		if err := m.r.Accounts.SetCounters(u.UID, c); err != nil {
			errs = append(errs, fmt.Errorf("counters of %s: %w", u.UID, err))
		}
	}
	return errors.Join(errs...)
}

// SetCounters replaces a user's balance and sms_count in the ledger (the
// zero value: unlimited) and in the router's view.
func (tx *Tx) SetCounters(uid string, c ledger.Counters) error {
	m := tx.m
	old, err := m.Counters(uid)
	if err != nil {
		return err
	}
	if err := m.st.SetCounters(uid, c); err != nil {
		return fmt.Errorf("set counters of %s: %w", uid, err)
	}
	tx.onUndo(func() error { return errors.Join(m.st.SetCounters(uid, old), m.setView(uid, old)) })
	return m.setView(uid, c)
}

// setView copies c into the router's view of user uid, if it exists.
func (m *Manager) setView(uid string, c ledger.Counters) error {
	if m.r.Accounts.User(uid) == nil {
		return nil
	}
	return m.r.Accounts.SetCounters(uid, c)
}

// applyQuota applies a user update's balance and sms_count lines (+N / -N
// included) to the ledger, computed against its value under its lock so
// that no charge made meanwhile is lost, then copies the result into the
// router's view. A refusal by the router's rules (below zero) is returned
// as the router words it and changes nothing.
func (tx *Tx) applyQuota(uid string, q *router.QuotaEdit) error {
	m := tx.m
	acc := m.r.Accounts
	was := acc.User(uid).Counters()
	var before ledger.Counters
	var qerr error
	after, err := m.st.UpdateCounters(uid, func(c ledger.Counters) (ledger.Counters, bool, error) {
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
	tx.onUndo(func() error {
		return errors.Join(m.st.SetCounters(uid, before), acc.SetCounters(uid, was))
	})
	return acc.SetCounters(uid, after)
}
