package store

import (
	"errors"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"sync/atomic"
	"testing"

	"github.com/cockroachdb/pebble/v2"

	"github.com/gwd-project/gwd/router/ledger"
)

func ctrAmt(t testing.TB, s string) ledger.Money {
	t.Helper()
	a, err := ledger.ParseMoney(s)
	if err != nil {
		t.Fatal(err)
	}
	return a
}

// reserve is ReserveCover without early_percent: the whole amount taken.
func reserve(db *DB, user string, a ledger.Money, sms int64) (*Reservation, error) {
	return db.ReserveCover(user, a, a, sms)
}

// charge reserves and applies in one Write, as the engine does with the
// message append; it returns the Write's error.
func ctrCharge(t testing.TB, db *DB, user string, a ledger.Money, sms int64) error {
	t.Helper()
	res, err := reserve(db, user, a, sms)
	if err != nil {
		return err
	}
	msgKey := []byte{ksMeta, 't', 'e', 's', 't'}
	err = db.Do(func(b *Batch) {
		b.set(msgKey, []byte("message"))
		res.Apply(b)
	})
	if err != nil {
		res.Cancel()
	}
	return err
}

func ctrGet(t testing.TB, db *DB, user string) ledger.Counters {
	t.Helper()
	c, err := db.Counters(user)
	if err != nil {
		t.Fatal(err)
	}
	return c
}

// durable reads the stored record, bypassing the ledger.
func ctrDurable(t testing.TB, r pebble.Reader, user string) (ledger.Counters, bool) {
	t.Helper()
	v, c, err := r.Get(append([]byte{ksCounter}, user...))
	if errors.Is(err, pebble.ErrNotFound) {
		return ledger.Counters{}, false
	}
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	uc, err := decodeCounters(v)
	if err != nil {
		t.Fatal(err)
	}
	return uc, true
}

func TestCountersBalanceChargesExact(t *testing.T) {
	dir := filepath.Join(t.TempDir(), "store")
	db, err := Open(dir, Options{})
	if err != nil {
		t.Fatal(err)
	}
	if err := db.SetCounters("foo", ledger.Counters{Balance: ctrAmt(t, "1.0"), HasBalance: true}); err != nil {
		t.Fatal(err)
	}
	for i := 0; i < 2; i++ {
		if err := ctrCharge(t, db, "foo", ctrAmt(t, "0.4"), 1); err != nil {
			t.Fatal(err)
		}
	}
	c := ctrGet(t, db, "foo")
	if c.BalanceString() != "0.2" || c.SMSString() != "ND" {
		t.Fatalf("after two 0.4 charges on 1.0: balance %s sms %s", c.BalanceString(), c.SMSString())
	}
	err = ctrCharge(t, db, "foo", ctrAmt(t, "0.4"), 1)
	if !errors.Is(err, ErrInsufficientBalance) {
		t.Fatalf("third charge: %v", err)
	}
	if c := ctrGet(t, db, "foo"); c.Balance.String() != "0.2" {
		t.Fatalf("refused charge deducted: %s", c.Balance)
	}
	if err := ctrCharge(t, db, "foo", ctrAmt(t, "0.2"), 1); err != nil { // exactly what is left
		t.Fatal(err)
	}
	if err := db.Close(); err != nil {
		t.Fatal(err)
	}
	db, err = Open(dir, Options{})
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	if c := ctrGet(t, db, "foo"); !c.HasBalance || c.Balance != 0 || c.HasSMS {
		t.Fatalf("after reopen: %+v", c)
	}
}

func TestCountersQuotaAndUnlimited(t *testing.T) {
	db := openTest(t, Options{})
	// New users are unlimited: no record, nothing to apply.
	if c := ctrGet(t, db, "free"); c != (ledger.Counters{}) || c.BalanceString() != "ND" {
		t.Fatalf("new user: %+v", c)
	}
	res, err := reserve(db, "free", 1000*ledger.MoneyUnit, 1000)
	if err != nil || res != nil {
		t.Fatalf("unlimited reserve: %v %v", res, err)
	}
	if err := ctrCharge(t, db, "free", 5*ledger.MoneyUnit, 5); err != nil {
		t.Fatal(err)
	}
	if _, ok := ctrDurable(t, db.pdb, "free"); ok {
		t.Fatal("a record was written for an unlimited user")
	}
	// sms_count only: the balance stays unlimited.
	if err := db.SetCounters("q", ledger.Counters{SMS: 5, HasSMS: true}); err != nil {
		t.Fatal(err)
	}
	if err := ctrCharge(t, db, "q", 100*ledger.MoneyUnit, 3); err != nil {
		t.Fatal(err)
	}
	err = ctrCharge(t, db, "q", 0, 3)
	if !errors.Is(err, ErrQuotaExceeded) {
		t.Fatalf("over quota: %v", err)
	}
	if c := ctrGet(t, db, "q"); c.SMS != 2 || c.HasBalance {
		t.Fatalf("after refused charge: %+v", c)
	}
	if err := ctrCharge(t, db, "q", 0, 2); err != nil {
		t.Fatal(err)
	}
	if d, _ := ctrDurable(t, db.pdb, "q"); d.SMS != 0 || !d.HasSMS || d.HasBalance {
		t.Fatalf("durable: %+v", d)
	}
	// Both limits: a refusal on either deducts nothing from the other.
	if err := db.SetCounters("both", ledger.Counters{Balance: 10 * ledger.MoneyUnit, HasBalance: true, SMS: 1, HasSMS: true}); err != nil {
		t.Fatal(err)
	}
	if _, err := reserve(db, "both", ledger.MoneyUnit, 2); !errors.Is(err, ErrQuotaExceeded) {
		t.Fatal(err)
	}
	if _, err := reserve(db, "both", 11*ledger.MoneyUnit, 1); !errors.Is(err, ErrInsufficientBalance) {
		t.Fatal(err)
	}
	if c := ctrGet(t, db, "both"); c.Balance != 10*ledger.MoneyUnit || c.SMS != 1 {
		t.Fatalf("refusals deducted: %+v", c)
	}
	if _, err := reserve(db, "both", -1, 0); !errors.Is(err, ErrBadAmount) {
		t.Fatalf("negative reserve: %v", err)
	}
	// Making a user unlimited again removes the record.
	if err := db.SetCounters("both", ledger.Counters{}); err != nil {
		t.Fatal(err)
	}
	if _, ok := ctrDurable(t, db.pdb, "both"); ok {
		t.Fatal("record kept for a user made unlimited")
	}
}

func TestCountersCancelAndRefund(t *testing.T) {
	dir := filepath.Join(t.TempDir(), "store")
	db, err := Open(dir, Options{})
	if err != nil {
		t.Fatal(err)
	}
	if err := db.SetCounters("u", ledger.Counters{Balance: 10 * ledger.MoneyUnit, HasBalance: true, SMS: 10, HasSMS: true}); err != nil {
		t.Fatal(err)
	}
	// Cancelled before it was submitted.
	res, err := reserve(db, "u", 4*ledger.MoneyUnit, 4)
	if err != nil {
		t.Fatal(err)
	}
	if c := ctrGet(t, db, "u"); c.Balance != 6*ledger.MoneyUnit || c.SMS != 6 {
		t.Fatalf("reserved: %+v", c)
	}
	res.Cancel()
	res.Cancel() // twice: nothing more
	if c := ctrGet(t, db, "u"); c.Balance != 10*ledger.MoneyUnit || c.SMS != 10 {
		t.Fatalf("cancelled: %+v", c)
	}
	if err := db.Do(res.Apply); err != nil { // applied after cancel: nothing
		t.Fatal(err)
	}
	if d, _ := ctrDurable(t, db.pdb, "u"); d.Balance != 10*ledger.MoneyUnit {
		t.Fatalf("apply after cancel wrote %+v", d)
	}

	// Applied to a batch that never committed, then cancelled: the
	// correction is written.
	res, _ = reserve(db, "u", 3*ledger.MoneyUnit, 1)
	b := db.pdb.NewBatch()
	res.Apply(&Batch{pb: b})
	_ = b.Close()
	res.Cancel()
	if err := db.Do(func(*Batch) {}); err != nil { // after the correction
		t.Fatal(err)
	}
	if d, _ := ctrDurable(t, db.pdb, "u"); d.Balance != 10*ledger.MoneyUnit || d.SMS != 10 {
		t.Fatalf("durable after a failed batch and cancel: %+v", d)
	}

	// A credit is an Adjust with positive deltas, applied in a Write.
	if err := ctrCharge(t, db, "u", 2*ledger.MoneyUnit, 2); err != nil {
		t.Fatal(err)
	}
	res, err = db.Adjust("u", ctrAmt(t, "1.5"), 1)
	if err != nil {
		t.Fatal(err)
	}
	if err := db.Do(res.Apply); err != nil {
		t.Fatal(err)
	}
	if c := ctrGet(t, db, "u"); c.Balance.String() != "9.5" || c.SMS != 9 {
		t.Fatalf("credited: %+v", c)
	}
	// Unlimited counters stay unlimited: a balance made unlimited between
	// a submit and its submit_sm_resp is not charged the rest.
	if res, err := db.Adjust("nolimit", -ledger.MoneyUnit, -1); err != nil || res != nil {
		t.Fatalf("adjust on ND: %v %v", res, err)
	}
	if _, ok := ctrDurable(t, db.pdb, "nolimit"); ok {
		t.Fatal("an adjust of an unlimited user wrote a record")
	}
	if err := db.SetCounters("u", ledger.Counters{Balance: ctrAmt(t, "-2.9"), HasBalance: true, SMS: 109, HasSMS: true}); err != nil {
		t.Fatal(err)
	}
	// With a negative balance nothing is charged, but Adjust still debits.
	if err := ctrCharge(t, db, "u", ctrAmt(t, "0.000001"), 0); !errors.Is(err, ErrInsufficientBalance) {
		t.Fatalf("charge on a negative balance: %v", err)
	}
	res, err = db.Adjust("u", ctrAmt(t, "-0.1"), 0)
	if err != nil {
		t.Fatal(err)
	}
	if err := db.Do(res.Apply); err != nil {
		t.Fatal(err)
	}
	want := ctrGet(t, db, "u")
	if want.Balance.String() != "-3.0" || want.SMS != 109 {
		t.Fatalf("after adjust: %+v", want)
	}
	if err := db.Close(); err != nil {
		t.Fatal(err)
	}
	db, err = Open(dir, Options{})
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	if c := ctrGet(t, db, "u"); c != want {
		t.Fatalf("after reopen %+v, want %+v", c, want)
	}
}

func TestCountersWriteRefusedLeavesNothing(t *testing.T) {
	db := openTest(t, Options{})
	if err := db.SetCounters("u", ledger.Counters{Balance: 5 * ledger.MoneyUnit, HasBalance: true}); err != nil {
		t.Fatal(err)
	}
	res, err := reserve(db, "u", 2*ledger.MoneyUnit, 0)
	if err != nil {
		t.Fatal(err)
	}
	if err := db.Close(); err != nil {
		t.Fatal(err)
	}
	done := make(chan error, 1)
	db.Submit(Write{Apply: res.Apply, Done: func(err error) {
		if err != nil {
			res.Cancel()
		}
		done <- err
	}})
	if werr := <-done; !errors.Is(werr, ErrClosed) {
		t.Fatalf("write on a closed store: %v", werr)
	}
	if c := ctrGet(t, db, "u"); c.Balance != 5*ledger.MoneyUnit {
		t.Fatalf("after a refused write: %s", c.Balance)
	}
	if err := db.SetCounters("u", ledger.Counters{}); !errors.Is(err, ErrClosed) {
		t.Fatalf("set on a closed store: %v", err)
	}
	if _, err := db.UpdateCounters("u", func(c ledger.Counters) (ledger.Counters, bool, error) {
		c.Balance += ledger.MoneyUnit
		return c, false, nil
	}); !errors.Is(err, ErrClosed) {
		t.Fatalf("update on a closed store: %v", err)
	}
	if c := ctrGet(t, db, "u"); c.Balance != 5*ledger.MoneyUnit || !c.HasBalance {
		t.Fatalf("refused admin changes changed memory: %+v", c)
	}
}

// Asynchronous billing, the manual's example: early_percent 25 on a route
// rated 1.2; the balance must cover 1.2, only 0.3 is taken at submit, the
// 0.9 rest when the SMSC acknowledges (unconditionally).
func TestCountersReserveCoverEarlyPercent(t *testing.T) {
	db := openTest(t, Options{})
	if err := db.SetCounters("u", ledger.Counters{Balance: ctrAmt(t, "1.5"), HasBalance: true}); err != nil {
		t.Fatal(err)
	}
	bill := ctrAmt(t, "1.2")
	early, rest := ctrAmt(t, "0.3"), ctrAmt(t, "0.9") // router.NewBill's split
	res, err := db.ReserveCover("u", bill, early, 1)
	if err != nil {
		t.Fatal(err)
	}
	if err := db.Do(res.Apply); err != nil {
		t.Fatal(err)
	}
	if c := ctrGet(t, db, "u"); c.Balance.String() != "1.2" {
		t.Fatalf("after submit: %s", c.Balance)
	}
	// A second message: 1.2 covers 1.2.
	res2, err := db.ReserveCover("u", bill, early, 1)
	if err != nil {
		t.Fatal(err)
	}
	// The first is acknowledged: its rest is taken.
	adj, err := db.Adjust("u", -rest, 0)
	if err != nil {
		t.Fatal(err)
	}
	if err := db.Do(func(b *Batch) { res2.Apply(b); adj.Apply(b) }); err != nil {
		t.Fatal(err)
	}
	if c := ctrGet(t, db, "u"); c.Balance.String() != "0.0" {
		t.Fatalf("after the second submit and the first ack: %s", c.Balance)
	}
	// A third cannot be covered.
	if _, err := db.ReserveCover("u", bill, early, 1); !errors.Is(err, ErrInsufficientBalance) {
		t.Fatalf("third: %v", err)
	}
	// The second's ack takes the balance below zero, as in Jasmin.
	adj, _ = db.Adjust("u", -rest, 0)
	if err := db.Do(adj.Apply); err != nil {
		t.Fatal(err)
	}
	if c, d := ctrGet(t, db, "u"), ctrDurableOf(t, db, "u"); c.Balance.String() != "-0.9" || d != c {
		t.Fatalf("memory %+v durable %+v", c, d)
	}
	if _, err := db.ReserveCover("u", early, bill, 1); !errors.Is(err, ErrBadAmount) {
		t.Fatalf("take above cover: %v", err)
	}
}

// SetCounters replaces the value: a reservation made before it, applied
// after it, changes nothing and its Cancel gives nothing back.
func TestCountersSetSupersedesPending(t *testing.T) {
	db := openTest(t, Options{})
	if err := db.SetCounters("u", ledger.Counters{Balance: 10 * ledger.MoneyUnit, HasBalance: true}); err != nil {
		t.Fatal(err)
	}
	old1, _ := reserve(db, "u", 3*ledger.MoneyUnit, 0)
	old2, _ := reserve(db, "u", 2*ledger.MoneyUnit, 0)
	if err := db.SetCounters("u", ledger.Counters{Balance: 100 * ledger.MoneyUnit, HasBalance: true}); err != nil {
		t.Fatal(err)
	}
	fresh, _ := reserve(db, "u", 1*ledger.MoneyUnit, 0)
	if err := db.Do(old1.Apply); err != nil {
		t.Fatal(err)
	}
	// old1 was superseded; fresh is still pending: the record says 100.
	if d, _ := ctrDurable(t, db.pdb, "u"); d.Balance != 100*ledger.MoneyUnit {
		t.Fatalf("durable %s, want 100 (fresh not applied yet)", d.Balance)
	}
	old2.Cancel()
	if err := db.Do(fresh.Apply); err != nil {
		t.Fatal(err)
	}
	if c, d := ctrGet(t, db, "u"), ctrDurableOf(t, db, "u"); c.Balance != 99*ledger.MoneyUnit || d.Balance != 99*ledger.MoneyUnit {
		t.Fatalf("memory %s durable %s, want 99", c.Balance, d.Balance)
	}
}

func ctrDurableOf(t testing.TB, db *DB, user string) ledger.Counters {
	t.Helper()
	d, _ := ctrDurable(t, db.pdb, user)
	return d
}

// The record holds exactly the charges whose Writes were applied: not the
// reservations still on their way.
func TestCountersDurableExcludesPending(t *testing.T) {
	db := openTest(t, Options{})
	if err := db.SetCounters("u", ledger.Counters{Balance: 10 * ledger.MoneyUnit, HasBalance: true, SMS: 100, HasSMS: true}); err != nil {
		t.Fatal(err)
	}
	a, _ := reserve(db, "u", 1*ledger.MoneyUnit, 1)
	bres, _ := reserve(db, "u", 2*ledger.MoneyUnit, 1)
	c, _ := reserve(db, "u", 4*ledger.MoneyUnit, 1)
	// Submitted in another order than reserved.
	if err := db.Do(c.Apply); err != nil {
		t.Fatal(err)
	}
	if d := ctrDurableOf(t, db, "u"); d.Balance != 6*ledger.MoneyUnit || d.SMS != 99 {
		t.Fatalf("after c: %+v", d)
	}
	if err := db.Do(func(b *Batch) { a.Apply(b); bres.Apply(b) }); err != nil {
		t.Fatal(err)
	}
	if d := ctrDurableOf(t, db, "u"); d.Balance != 3*ledger.MoneyUnit || d.SMS != 97 {
		t.Fatalf("after all: %+v", d)
	}
	if m := ctrGet(t, db, "u"); m != ctrDurableOf(t, db, "u") {
		t.Fatalf("memory %+v", m)
	}
}

func TestCountersConcurrentReserveNeverOverdraws(t *testing.T) {
	dir := filepath.Join(t.TempDir(), "store")
	db, err := Open(dir, Options{})
	if err != nil {
		t.Fatal(err)
	}
	start := 10 * ledger.MoneyUnit
	price := ctrAmt(t, "0.3")
	if err := db.SetCounters("u", ledger.Counters{Balance: start, HasBalance: true, SMS: 1000, HasSMS: true}); err != nil {
		t.Fatal(err)
	}
	var (
		wg                sync.WaitGroup
		ok, refused, acks atomic.Int64
		bad               atomic.Value
	)
	key := append([]byte{ksCounter}, "u"...)
	for g := 0; g < 32; g++ {
		wg.Add(1)
		go func(g int) {
			defer wg.Done()
			for i := 0; i < 20; i++ {
				res, err := reserve(db, "u", price, 1)
				if errors.Is(err, ErrInsufficientBalance) {
					refused.Add(1)
					continue
				}
				if err != nil {
					t.Error(err)
					return
				}
				ok.Add(1)
				done := make(chan error, 1)
				msg := []byte{ksMeta, 'm', byte(g), byte(i)}
				db.Submit(Write{
					Apply: func(b *Batch) { b.set(msg, nil); res.Apply(b) },
					Done: func(err error) {
						if err != nil {
							res.Cancel()
							done <- err
							return
						}
						// Once a message is acknowledged the stored balance
						// already holds its charge: never older.
						n := acks.Add(1)
						v, c, gerr := db.pdb.Get(key)
						if gerr == nil {
							d, _ := decodeCounters(v)
							c.Close()
							if d.Balance > start-ledger.Money(n)*price {
								bad.Store(d.Balance.String())
							}
						}
						done <- nil
					},
				})
				if err := <-done; err != nil {
					t.Error(err)
					return
				}
			}
		}(g)
	}
	wg.Wait()
	if v := bad.Load(); v != nil {
		t.Fatalf("a stored balance (%s) was older than an acknowledged charge", v)
	}
	if ok.Load() != 33 || refused.Load() != 32*20-33 {
		t.Fatalf("%d charges, %d refused; want 33 and %d", ok.Load(), refused.Load(), 32*20-33)
	}
	mem := ctrGet(t, db, "u")
	if mem.Balance.String() != "0.1" || mem.SMS != 1000-33 {
		t.Fatalf("memory: %+v", mem)
	}
	if err := db.Close(); err != nil {
		t.Fatal(err)
	}
	db, err = Open(dir, Options{})
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	if c := ctrGet(t, db, "u"); c != mem {
		t.Fatalf("after reopen %+v, memory was %+v", c, mem)
	}
}

// copyStore copies a store's files while it is open, as a crash would
// leave them (no Close, no flush); the LOCK file is left behind.
func ctrCopyStore(t testing.TB, from, to string) {
	t.Helper()
	if err := os.MkdirAll(to, 0o750); err != nil {
		t.Fatal(err)
	}
	entries, err := os.ReadDir(from)
	if err != nil {
		t.Fatal(err)
	}
	for _, e := range entries {
		if e.Name() == "LOCK" || !e.Type().IsRegular() {
			continue
		}
		b, err := os.ReadFile(filepath.Join(from, e.Name()))
		if err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(filepath.Join(to, e.Name()), b, 0o640); err != nil {
			t.Fatal(err)
		}
	}
}

// Charges applied with their messages are on disk the moment the Writes
// are acknowledged: a copy of the store taken then, without Close, holds
// them exactly.
func TestCountersCrashKeepsAcknowledgedCharges(t *testing.T) {
	base := t.TempDir()
	dir := filepath.Join(base, "store")
	db, err := Open(dir, Options{})
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	if err := db.SetCounters("u", ledger.Counters{Balance: ctrAmt(t, "5"), HasBalance: true, SMS: 50, HasSMS: true}); err != nil {
		t.Fatal(err)
	}
	for i := 0; i < 7; i++ {
		if err := ctrCharge(t, db, "u", ctrAmt(t, "0.07"), 2); err != nil {
			t.Fatal(err)
		}
	}
	// A reservation still in flight at the crash is not on disk.
	pending, err := reserve(db, "u", ledger.MoneyUnit, 1)
	if err != nil {
		t.Fatal(err)
	}
	ctrCopyStore(t, dir, filepath.Join(base, "crashed"))
	pending.Cancel()

	db2, err := Open(filepath.Join(base, "crashed"), Options{})
	if err != nil {
		t.Fatal(err)
	}
	defer db2.Close()
	c := ctrGet(t, db2, "u")
	if c.Balance.String() != "4.51" || c.SMS != 36 {
		t.Fatalf("after the crash: balance %s sms %d, want 4.51 and 36", c.Balance, c.SMS)
	}
	if m := ctrGet(t, db, "u"); m != c {
		t.Fatalf("memory %+v, recovered %+v", m, c)
	}
}

func TestCountersInvalidUser(t *testing.T) {
	db := openTest(t, Options{})
	for _, u := range []string{"", "a\x00b", strings.Repeat("u", MaxObjectName+1)} {
		if _, err := reserve(db, u, ledger.MoneyUnit, 1); !errors.Is(err, ErrInvalidName) || !strings.Contains(err.Error(), "user") {
			t.Errorf("reserve for %q: %v", u, err)
		}
		if err := db.SetCounters(u, ledger.Counters{HasSMS: true}); !errors.Is(err, ErrInvalidName) {
			t.Errorf("set for %q: %v", u, err)
		}
		if _, err := db.Counters(u); !errors.Is(err, ErrInvalidName) {
			t.Errorf("counters for %q: %v", u, err)
		}
	}
	it, _ := db.pdb.NewIter(&pebble.IterOptions{LowerBound: []byte{ksCounter}, UpperBound: []byte{ksCounter + 1}})
	if it.First() {
		t.Errorf("a record was written: %q", it.Key())
	}
	_ = it.Close()
}

func BenchmarkReserveApply(b *testing.B) {
	db := openTest(b, Options{NoSync: true})
	if err := db.SetCounters("u", ledger.Counters{Balance: 1 << 60, HasBalance: true, SMS: 1 << 60, HasSMS: true}); err != nil {
		b.Fatal(err)
	}
	batch := db.pdb.NewBatch()
	defer batch.Close()
	b.ReportAllocs()
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		res, err := reserve(db, "u", 1, 1)
		if err != nil {
			b.Fatal(err)
		}
		res.Apply(&Batch{pb: batch})
		if batch.Len() > 1<<20 {
			batch.Reset()
		}
	}
}

func BenchmarkReserveUnlimited(b *testing.B) {
	db := openTest(b, Options{NoSync: true})
	b.ReportAllocs()
	b.RunParallel(func(pb *testing.PB) {
		for pb.Next() {
			if _, err := reserve(db, "free", ledger.MoneyUnit, 1); err != nil {
				b.Error(err)
				return
			}
		}
	})
}

// A quota change computed under the ledger's lock keeps a charge that is
// reserved but not yet written: +5 on 10 with 3 in flight ends at 12 when
// the charge lands and at 15 when it is cancelled. A value set outright
// (replace) supersedes the reservation either way.
func TestCountersUpdateKeepsChargesInFlight(t *testing.T) {
	plus5 := func(c ledger.Counters) (ledger.Counters, bool, error) {
		c.Balance += 5 * ledger.MoneyUnit
		return c, false, nil
	}
	set20 := func(c ledger.Counters) (ledger.Counters, bool, error) {
		c.Balance = 20 * ledger.MoneyUnit
		return c, true, nil
	}
	for _, tc := range []struct {
		name   string
		f      func(ledger.Counters) (ledger.Counters, bool, error)
		cancel bool
		want   string
	}{
		{"relative, charge lands", plus5, false, "12.0"},
		{"relative, charge cancelled", plus5, true, "15.0"},
		{"replace, charge lands", set20, false, "20.0"},
		{"replace, charge cancelled", set20, true, "20.0"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			db := openTest(t, Options{})
			if err := db.SetCounters("u", ledger.Counters{Balance: 10 * ledger.MoneyUnit, HasBalance: true}); err != nil {
				t.Fatal(err)
			}
			res, err := reserve(db, "u", 3*ledger.MoneyUnit, 0)
			if err != nil {
				t.Fatal(err)
			}
			got, err := db.UpdateCounters("u", tc.f)
			if err != nil {
				t.Fatal(err)
			}
			if tc.cancel {
				res.Cancel()
			} else if err := db.Do(res.Apply); err != nil {
				t.Fatal(err)
			}
			if c := ctrGet(t, db, "u"); c.Balance.String() != tc.want {
				t.Fatalf("balance %s, want %s (UpdateCounters returned %s)", c.Balance, tc.want, got.Balance)
			}
			if d, _ := ctrDurable(t, db.pdb, "u"); d.Balance.String() != tc.want {
				t.Fatalf("stored balance %s, want %s", d.Balance, tc.want)
			}
		})
	}
	// f's refusal changes nothing.
	db := openTest(t, Options{})
	if err := db.SetCounters("u", ledger.Counters{Balance: 10 * ledger.MoneyUnit, HasBalance: true}); err != nil {
		t.Fatal(err)
	}
	boom := errors.New("below zero")
	if _, err := db.UpdateCounters("u", func(c ledger.Counters) (ledger.Counters, bool, error) {
		return ledger.Counters{}, true, boom
	}); !errors.Is(err, boom) {
		t.Fatalf("refusal: %v", err)
	}
	if c := ctrGet(t, db, "u"); c.Balance.String() != "10.0" {
		t.Fatalf("refused change changed the balance: %s", c.Balance)
	}
}

// What ReserveCover takes and refuses, case by case (router's billing
// rules hand it a bill's Total() to cover, its Now() to take and its
// Parts): the cases router's former in-memory ledger was tested with.
func TestCountersReserveRules(t *testing.T) {
	bal := func(s string) ledger.Counters { return ledger.Counters{Balance: ctrAmt(t, s), HasBalance: true} }
	sms := func(n int64) ledger.Counters { return ledger.Counters{SMS: n, HasSMS: true} }
	both := func(s string, n int64) ledger.Counters {
		c := bal(s)
		c.SMS, c.HasSMS = n, true
		return c
	}
	for _, tc := range []struct {
		name             string
		start            ledger.Counters
		cover, take      string
		parts            int64
		want             error
		wantBal, wantSMS string // after
	}{
		{"unlimited passes", ledger.Counters{}, "5000", "5000", 5, nil, "ND", "ND"},
		{"unrated route, zero balance", bal("0"), "0", "0", 1, nil, "0.0", "ND"},
		{"balance exactly enough", bal("1.2"), "1.2", "1.2", 1, nil, "0.0", "ND"},
		{"balance short", bal("1.0"), "1.2", "1.2", 1, ErrInsufficientBalance, "1.0", "ND"},
		{"balance short for the parts", bal("1.0"), "1.2", "1.2", 4, ErrInsufficientBalance, "1.0", "ND"},
		// Jasmin checks the whole bill even when only 25% is taken now.
		{"early: whole bill required", bal("1.0"), "1.2", "0.3", 1, ErrInsufficientBalance, "1.0", "ND"},
		{"early: enough", bal("1.2"), "1.2", "0.3", 1, nil, "0.9", "ND"},
		{"sms_count short", sms(4), "0", "0", 5, ErrQuotaExceeded, "ND", "4"},
		{"sms_count zero", sms(0), "0", "0", 1, ErrQuotaExceeded, "ND", "0"},
		{"sms_count exact", sms(5), "0", "0", 5, nil, "ND", "0"},
		{"sms_count, rated route", sms(10), "1.2", "1.2", 1, nil, "ND", "9"},
		{"balance refuses, sms untouched", both("0.1", 10), "1", "1", 1, ErrInsufficientBalance, "0.1", "10"},
		{"sms refuses, balance untouched", both("10", 0), "1", "1", 1, ErrQuotaExceeded, "10.0", "0"},
		{"both taken", both("10", 10), "2", "2", 2, nil, "8.0", "8"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			db := openTest(t, Options{})
			if err := db.SetCounters("u", tc.start); err != nil {
				t.Fatal(err)
			}
			res, err := db.ReserveCover("u", ctrAmt(t, tc.cover), ctrAmt(t, tc.take), tc.parts)
			if !errors.Is(err, tc.want) {
				t.Fatalf("reserve: %v, want %v", err, tc.want)
			}
			if err == nil {
				if err := db.Do(res.Apply); err != nil {
					t.Fatal(err)
				}
			}
			c := ctrGet(t, db, "u")
			if c.BalanceString() != tc.wantBal || c.SMSString() != tc.wantSMS {
				t.Errorf("after: balance %s sms_count %s, want %s %s", c.BalanceString(), c.SMSString(), tc.wantBal, tc.wantSMS)
			}
			if d := ctrDurableOf(t, db, "u"); d != c {
				t.Errorf("stored %+v, memory %+v", d, c)
			}
		})
	}
}
