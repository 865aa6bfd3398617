package manage

import (
	"errors"
	"slices"
	"testing"

	"github.com/gwd-project/gwd/router"
	"github.com/gwd-project/gwd/router/ledger"
)

// A new user's balance and sms_count come from its quota lines and go to
// the ledger; a balance or sms_count set through SetCredential goes to the
// ledger too (there is no other copy for it to change), and listings show
// the ledger's values.
func TestCountersGoToTheLedger(t *testing.T) {
	m, _ := newManager(t)
	u, err := router.NewUser("u1", "g1", "foo", "pw")
	must(t, err)
	must(t, u.Set(router.CredMT, "quota balance 10"))
	must(t, u.Set(router.CredMT, "quota sms_count 4"))
	must(t, m.Do(func(tx *Tx) error { return errors.Join(tx.AddGroup("g1"), tx.AddUser(u)) }))
	want := ledger.Counters{Balance: 10 * ledger.MoneyUnit, HasBalance: true, SMS: 4, HasSMS: true}
	if c, err := m.Counters("u1"); err != nil || c != want {
		t.Fatalf("ledger after add: %+v %v, want %+v", c, err, want)
	}

	must(t, m.Do(func(tx *Tx) error { return tx.SetCredential("u1", router.CredMT, "quota", "balance", "-2.5") }))
	want.Balance = 7_500_000
	if c, err := m.Counters("u1"); err != nil || c != want {
		t.Fatalf("ledger after balance -2.5: %+v %v, want %+v", c, err, want)
	}
	lines, err := m.Accounts().ShowLines("u1", m.Counters)
	must(t, err)
	if !slices.Contains(lines, "mt_messaging_cred quota balance 7.5") || !slices.Contains(lines, "mt_messaging_cred quota sms_count 4") {
		t.Fatalf("user -s: %q", lines)
	}
	// Refused by the router's rules: nothing changes.
	err = m.Do(func(tx *Tx) error { return tx.SetCredential("u1", router.CredMT, "quota", "sms_count", "-5") })
	var fe *router.FieldError
	if !errors.As(err, &fe) || fe.Field != "mt_messaging_cred quota sms_count" {
		t.Fatalf("sms_count -5 of 4: %v", err)
	}
	if c, _ := m.Counters("u1"); c != want {
		t.Fatalf("a refused change moved the ledger: %+v", c)
	}
	if err := m.Do(func(tx *Tx) error { return tx.SetCredential("nobody", router.CredMT, "quota", "balance", "1") }); !errors.Is(err, router.ErrUnknownUser) {
		t.Fatalf("unknown user: %v", err)
	}
}
