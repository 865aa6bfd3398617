package router

import (
	"errors"
	"slices"
	"strings"
	"testing"

	"github.com/gwd-project/gwd/router/ledger"
)

// acctLedger stands for the store's ledger in these tests: the counters
// charging would debit, kept outside the Accounts.
type acctLedger map[string]ledger.Counters

func (l acctLedger) counters(uid string) (ledger.Counters, error) { return l[uid], nil }

// noCounters is a ledger where every counter is unlimited.
func noCounters(string) (ledger.Counters, error) { return ledger.Counters{}, nil }

// update applies changes as the engine does: the balance and sms_count
// lines to the ledger, the others to a.
func (l acctLedger) update(a *Accounts, uid string, changes ...Change) error {
	q, rest, err := SplitQuota(changes)
	if err != nil {
		return err
	}
	if len(rest) > 0 {
		if err := a.UpdateUser(uid, rest...); err != nil {
			return err
		}
	}
	c, err := q.Apply(l[uid])
	if err != nil {
		return err
	}
	l[uid] = c
	return nil
}

// setCredential is Accounts.SetCredential with the counters in l.
func (l acctLedger) setCredential(a *Accounts, uid, cred, section, key, value string) error {
	// (An empty value is refused by SetCredential's parser, which names
	// the key; a session line would be refused as a syntax error.)
	if value != "" && isQuotaLine(Change{cred, section + " " + key}) {
		return l.update(a, uid, Change{cred, section + " " + key + " " + value})
	}
	return a.SetCredential(uid, cred, section, key, value)
}

// Listings show the counters as the source has them when they are made:
// there is no copy to go stale.
func TestListingsReadCountersWhenShown(t *testing.T) {
	a, _ := acctTestSetup(t)
	l := acctLedger{"u1": {Balance: ledger.MustMoney("10"), HasBalance: true}}
	show := func() []string {
		lines, err := a.ShowLines("u1", l.counters)
		if err != nil {
			t.Fatal(err)
		}
		return lines
	}
	if !slices.Contains(show(), "mt_messaging_cred quota balance 10.0") {
		t.Fatalf("user -s:\n%s", strings.Join(show(), "\n"))
	}
	l["u1"] = ledger.Counters{Balance: ledger.MustMoney("8.8"), HasBalance: true, SMS: 3, HasSMS: true} // a charge
	if s := show(); !slices.Contains(s, "mt_messaging_cred quota balance 8.8") || !slices.Contains(s, "mt_messaging_cred quota sms_count 3") {
		t.Fatalf("user -s after a charge:\n%s", strings.Join(s, "\n"))
	}
	lines, err := a.UserListLines("", l.counters)
	if err != nil || len(lines) != 3 || !strings.HasPrefix(lines[1], "#u1               g1               foo              8.8     3      ") {
		t.Fatalf("user -l: %q %v", lines, err)
	}

	// A ledger that cannot be read: user -s fails, user -l shows ND and
	// says why.
	broken := errors.New("store closed")
	bad := func(string) (ledger.Counters, error) { return ledger.Counters{}, broken }
	if _, err := a.ShowLines("u1", bad); !errors.Is(err, broken) {
		t.Fatalf("user -s with a broken ledger: %v", err)
	}
	lines, err = a.UserListLines("", bad)
	if !errors.Is(err, broken) || len(lines) != 3 || !strings.Contains(lines[1], "ND (!)") {
		t.Fatalf("user -l with a broken ledger: %q %v", lines, err)
	}
}

// A registered user's balance and sms_count are the ledger's: the
// Accounts refuses to change them (nothing else of the update applies).
func TestRegisteredUserCountersAreTheLedgers(t *testing.T) {
	a, _ := acctTestSetup(t)
	before, _ := a.ShowLines("u1", noCounters)
	err := a.UpdateUser("u1", Change{"gid", "g1"}, Change{CredMT, "quota early_percent 50"}, Change{CredMT, "quota balance 5"})
	acctFieldErr(t, err, "mt_messaging_cred quota balance")
	acctFieldErr(t, a.SetCredential("u1", CredMT, "quota", "sms_count", "+1"), "mt_messaging_cred quota sms_count")
	if after, _ := a.ShowLines("u1", noCounters); !slices.Equal(before, after) {
		t.Fatalf("a refused counter change changed the user:\n%s", strings.Join(after, "\n"))
	}
	// A draft carries its own, the ledger's starting values.
	d, _ := NewUser("u2", "g1", "bar", "pw")
	if err := d.Set(CredMT, "quota balance 5"); err != nil {
		t.Fatal(err)
	}
	if err := d.Set(CredMT, "quota balance +1.5"); err != nil {
		t.Fatal(err)
	}
	want := ledger.Counters{Balance: ledger.MustMoney("6.5"), HasBalance: true}
	if c := d.InitialCounters(); c != want {
		t.Fatalf("draft counters %+v", c)
	}
	if !slices.Contains(d.ShowLines(d.InitialCounters()), "mt_messaging_cred quota balance 6.5") {
		t.Fatalf("draft show:\n%s", strings.Join(d.ShowLines(d.InitialCounters()), "\n"))
	}
	if err := a.AddUser(d); err != nil {
		t.Fatal(err)
	}
	if c := a.User("u2").InitialCounters(); c != want {
		t.Fatalf("registered user's starting counters %+v", c)
	}
}
