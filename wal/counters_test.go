package wal

import (
	"encoding/json"
	"errors"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"sync/atomic"
	"testing"

	"github.com/cockroachdb/pebble/v2"
)

func ctrAmt(t testing.TB, s string) Amount {
	t.Helper()
	a, err := ParseAmount(s)
	if err != nil {
		t.Fatal(err)
	}
	return a
}

func TestAmountParseFormat(t *testing.T) {
	for _, c := range []struct {
		in   string
		want Amount
		out  string
	}{
		{"0", 0, "0"},
		{"1", AmountUnit, "1"},
		{"1.2", 1_200_000, "1.2"},
		{"1.0", AmountUnit, "1"},
		{"10.230", 10_230_000, "10.23"},
		{"0.000001", 1, "0.000001"},
		{".5", 500_000, "0.5"},
		{"5.", 5 * AmountUnit, "5"},
		{"+10", 10 * AmountUnit, "10"},
		{"-22.4", -22_400_000, "-22.4"},
		{"-0.5", -500_000, "-0.5"},
		{"-0", 0, "0"},
		{"007.50", 7_500_000, "7.5"},
		{"44.200000000", 44_200_000, "44.2"},
		{"9223372036854.775807", 9223372036854775807, "9223372036854.775807"},
		{"-9223372036854.775807", -9223372036854775807, "-9223372036854.775807"},
	} {
		got, err := ParseAmount(c.in)
		if err != nil || got != c.want {
			t.Errorf("ParseAmount(%q) = %d, %v; want %d", c.in, got, err, c.want)
			continue
		}
		if s := got.String(); s != c.out {
			t.Errorf("String(%q) = %q, want %q", c.in, s, c.out)
		}
		if back, err := ParseAmount(got.String()); err != nil || back != got {
			t.Errorf("round trip %q: %d %v", c.in, back, err)
		}
	}
	for _, c := range []struct{ in, why string }{
		{"", "no digits"},
		{"+", "no digits"},
		{".", "no digits"},
		{"-.", "no digits"},
		{"1.0000001", "decimals"},
		{"0.1234567", "decimals"},
		{"1e3", "digits"},
		{" 1", "digits"},
		{"1 ", "digits"},
		{"1,5", "digits"},
		{"1.2.3", "digits"},
		{"ND", "digits"},
		{"--1", "digits"},
		{"0x10", "digits"},
		{"9223372036854.775808", "range"},
		{"9223372036855", "range"},
		{"99999999999999999999999", "range"},
	} {
		_, err := ParseAmount(c.in)
		if err == nil || !strings.Contains(err.Error(), c.why) {
			t.Errorf("ParseAmount(%q): %v, want an error about %s", c.in, err, c.why)
		}
	}
	if Amount(-9223372036854775808).String() != "-9223372036854.775808" {
		t.Error("MinInt64 formatting")
	}
	// Exact where floats are not: two charges of 0.4 on 1.0 leave 0.2.
	if b := ctrAmt(t, "1.0") - ctrAmt(t, "0.4") - ctrAmt(t, "0.4"); b.String() != "0.2" {
		t.Fatalf("1.0 - 0.4 - 0.4 = %s", b)
	}
	// JSON as a string.
	var v struct{ B Amount }
	if err := json.Unmarshal([]byte(`{"B":"10.23"}`), &v); err != nil || v.B != 10_230_000 {
		t.Fatalf("unmarshal: %v %d", err, v.B)
	}
	if out, _ := json.Marshal(v); string(out) != `{"B":"10.23"}` {
		t.Fatalf("marshal: %s", out)
	}
}

func TestAmountMulSplit(t *testing.T) {
	if m, err := ctrAmt(t, "0.2").Mul(5); err != nil || m != AmountUnit {
		t.Fatalf("0.2 × 5 = %s %v", m, err)
	}
	if _, err := Amount(1 << 62).Mul(4); !errors.Is(err, ErrAmountRange) {
		t.Fatalf("overflow: %v", err)
	}
	for _, c := range []struct{ a, pct, early, late string }{
		{"1.2", "25", "0.3", "0.9"},
		{"1", "25", "0.25", "0.75"},
		{"0.000001", "50", "0.000001", "0"}, // half rounds up
		{"0.000003", "25", "0.000001", "0.000002"},
		{"7", "0", "0", "7"},
		{"7", "100", "7", "0"},
		{"3", "12.5", "0.375", "2.625"},
		{"9223372036854.775807", "100", "9223372036854.775807", "0"},
	} {
		e, l, err := ctrAmt(t, c.a).Split(ctrAmt(t, c.pct))
		if err != nil || e.String() != c.early || l.String() != c.late {
			t.Errorf("split %s by %s%% = %s + %s, %v; want %s + %s", c.a, c.pct, e, l, err, c.early, c.late)
		}
	}
	if _, _, err := ctrAmt(t, "1").Split(ctrAmt(t, "101")); !errors.Is(err, ErrBadAmount) {
		t.Errorf("101%%: %v", err)
	}
	if _, _, err := ctrAmt(t, "-1").Split(ctrAmt(t, "10")); !errors.Is(err, ErrBadAmount) {
		t.Errorf("negative amount: %v", err)
	}
}

// charge reserves and applies in one Write, as the engine does with the
// message append; it returns the Write's error.
func ctrCharge(t testing.TB, db *DB, user string, a Amount, sms int64) error {
	t.Helper()
	res, err := db.Reserve(user, a, sms)
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

func ctrGet(t testing.TB, db *DB, user string) UserCounters {
	t.Helper()
	c, err := db.Counters(user)
	if err != nil {
		t.Fatal(err)
	}
	return c
}

// durable reads the stored record, bypassing the ledger.
func ctrDurable(t testing.TB, r pebble.Reader, user string) (UserCounters, bool) {
	t.Helper()
	v, c, err := r.Get(append([]byte{ksCounter}, user...))
	if errors.Is(err, pebble.ErrNotFound) {
		return UserCounters{}, false
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
	if err := db.SetCounters("foo", UserCounters{Balance: ctrAmt(t, "1.0"), HasBalance: true}); err != nil {
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
	if c := ctrGet(t, db, "free"); c != (UserCounters{}) || c.BalanceString() != "ND" {
		t.Fatalf("new user: %+v", c)
	}
	res, err := db.Reserve("free", 1000*AmountUnit, 1000)
	if err != nil || res != nil {
		t.Fatalf("unlimited reserve: %v %v", res, err)
	}
	if err := ctrCharge(t, db, "free", 5*AmountUnit, 5); err != nil {
		t.Fatal(err)
	}
	if _, ok := ctrDurable(t, db.pdb, "free"); ok {
		t.Fatal("a record was written for an unlimited user")
	}
	// sms_count only: the balance stays unlimited.
	if err := db.SetCounters("q", UserCounters{SMS: 5, HasSMS: true}); err != nil {
		t.Fatal(err)
	}
	if err := ctrCharge(t, db, "q", 100*AmountUnit, 3); err != nil {
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
	if err := db.SetCounters("both", UserCounters{Balance: 10 * AmountUnit, HasBalance: true, SMS: 1, HasSMS: true}); err != nil {
		t.Fatal(err)
	}
	if _, err := db.Reserve("both", AmountUnit, 2); !errors.Is(err, ErrQuotaExceeded) {
		t.Fatal(err)
	}
	if _, err := db.Reserve("both", 11*AmountUnit, 1); !errors.Is(err, ErrInsufficientBalance) {
		t.Fatal(err)
	}
	if c := ctrGet(t, db, "both"); c.Balance != 10*AmountUnit || c.SMS != 1 {
		t.Fatalf("refusals deducted: %+v", c)
	}
	if _, err := db.Reserve("both", -1, 0); !errors.Is(err, ErrBadAmount) {
		t.Fatalf("negative reserve: %v", err)
	}
	// Making a user unlimited again removes the record.
	if err := db.SetCounters("both", UserCounters{}); err != nil {
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
	if err := db.SetCounters("u", UserCounters{Balance: 10 * AmountUnit, HasBalance: true, SMS: 10, HasSMS: true}); err != nil {
		t.Fatal(err)
	}
	// Cancelled before it was submitted.
	res, err := db.Reserve("u", 4*AmountUnit, 4)
	if err != nil {
		t.Fatal(err)
	}
	if c := ctrGet(t, db, "u"); c.Balance != 6*AmountUnit || c.SMS != 6 {
		t.Fatalf("reserved: %+v", c)
	}
	res.Cancel()
	res.Cancel() // twice: nothing more
	if c := ctrGet(t, db, "u"); c.Balance != 10*AmountUnit || c.SMS != 10 {
		t.Fatalf("cancelled: %+v", c)
	}
	if err := db.Do(res.Apply); err != nil { // applied after cancel: nothing
		t.Fatal(err)
	}
	if d, _ := ctrDurable(t, db.pdb, "u"); d.Balance != 10*AmountUnit {
		t.Fatalf("apply after cancel wrote %+v", d)
	}

	// Applied to a batch that never committed, then cancelled: the
	// correction is written.
	res, _ = db.Reserve("u", 3*AmountUnit, 1)
	b := db.pdb.NewBatch()
	res.Apply(&Batch{pb: b})
	_ = b.Close()
	res.Cancel()
	if err := db.Do(func(*Batch) {}); err != nil { // after the correction
		t.Fatal(err)
	}
	if d, _ := ctrDurable(t, db.pdb, "u"); d.Balance != 10*AmountUnit || d.SMS != 10 {
		t.Fatalf("durable after a failed batch and cancel: %+v", d)
	}

	// Refund credits limited counters.
	if err := ctrCharge(t, db, "u", 2*AmountUnit, 2); err != nil {
		t.Fatal(err)
	}
	if err := db.Refund("u", ctrAmt(t, "1.5"), 1); err != nil {
		t.Fatal(err)
	}
	if c := ctrGet(t, db, "u"); c.Balance.String() != "9.5" || c.SMS != 9 {
		t.Fatalf("refunded: %+v", c)
	}
	if err := db.Refund("u", -1, 0); !errors.Is(err, ErrBadAmount) {
		t.Fatalf("negative refund: %v", err)
	}
	if err := db.Refund("nolimit", AmountUnit, 1); err != nil {
		t.Fatal(err)
	}
	if c := ctrGet(t, db, "nolimit"); c != (UserCounters{}) {
		t.Fatalf("refund to an unlimited user: %+v", c)
	}

	// jCli's +N / -N.
	if c, err := db.AddBalance("u", ctrAmt(t, "+10")); err != nil || c.Balance.String() != "19.5" {
		t.Fatalf("+10: %+v %v", c, err)
	}
	if c, err := db.AddBalance("u", ctrAmt(t, "-22.4")); err != nil || c.Balance.String() != "-2.9" {
		t.Fatalf("-22.4: %+v %v", c, err)
	}
	if c, err := db.AddSMS("u", 100); err != nil || c.SMS != 109 {
		t.Fatalf("+100 sms: %+v %v", c, err)
	}
	if _, err := db.AddBalance("nolimit", AmountUnit); !errors.Is(err, ErrUnlimited) {
		t.Fatalf("+1 on ND: %v", err)
	}
	if _, err := db.AddSMS("nolimit", 1); !errors.Is(err, ErrUnlimited) {
		t.Fatalf("+1 sms on ND: %v", err)
	}
	if _, ok := ctrDurable(t, db.pdb, "nolimit"); ok {
		t.Fatal("refused change wrote a record")
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
	if want.Balance.String() != "-3" || want.SMS != 109 {
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
	if err := db.SetCounters("u", UserCounters{Balance: 5 * AmountUnit, HasBalance: true}); err != nil {
		t.Fatal(err)
	}
	res, err := db.Reserve("u", 2*AmountUnit, 0)
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
	if c := ctrGet(t, db, "u"); c.Balance != 5*AmountUnit {
		t.Fatalf("after a refused write: %s", c.Balance)
	}
	if err := db.SetCounters("u", UserCounters{}); !errors.Is(err, ErrClosed) {
		t.Fatalf("set on a closed store: %v", err)
	}
	if _, err := db.AddBalance("u", AmountUnit); !errors.Is(err, ErrClosed) {
		t.Fatalf("add on a closed store: %v", err)
	}
	if c := ctrGet(t, db, "u"); c.Balance != 5*AmountUnit || !c.HasBalance {
		t.Fatalf("refused admin changes changed memory: %+v", c)
	}
}

// Asynchronous billing, the manual's example: early_percent 25 on a route
// rated 1.2; the balance must cover 1.2, only 0.3 is taken at submit, the
// 0.9 rest when the SMSC acknowledges (unconditionally).
func TestCountersReserveCoverEarlyPercent(t *testing.T) {
	db := openTest(t, Options{})
	if err := db.SetCounters("u", UserCounters{Balance: ctrAmt(t, "1.5"), HasBalance: true}); err != nil {
		t.Fatal(err)
	}
	bill := ctrAmt(t, "1.2")
	early, rest, err := bill.Split(25 * AmountUnit)
	if err != nil || early.String() != "0.3" || rest.String() != "0.9" {
		t.Fatalf("split: %s %s %v", early, rest, err)
	}
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
	if c := ctrGet(t, db, "u"); c.Balance.String() != "0" {
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
	if err := db.SetCounters("u", UserCounters{Balance: 10 * AmountUnit, HasBalance: true}); err != nil {
		t.Fatal(err)
	}
	old1, _ := db.Reserve("u", 3*AmountUnit, 0)
	old2, _ := db.Reserve("u", 2*AmountUnit, 0)
	if err := db.SetCounters("u", UserCounters{Balance: 100 * AmountUnit, HasBalance: true}); err != nil {
		t.Fatal(err)
	}
	fresh, _ := db.Reserve("u", 1*AmountUnit, 0)
	if err := db.Do(old1.Apply); err != nil {
		t.Fatal(err)
	}
	// old1 was superseded; fresh is still pending: the record says 100.
	if d, _ := ctrDurable(t, db.pdb, "u"); d.Balance != 100*AmountUnit {
		t.Fatalf("durable %s, want 100 (fresh not applied yet)", d.Balance)
	}
	old2.Cancel()
	if err := db.Do(fresh.Apply); err != nil {
		t.Fatal(err)
	}
	if c, d := ctrGet(t, db, "u"), ctrDurableOf(t, db, "u"); c.Balance != 99*AmountUnit || d.Balance != 99*AmountUnit {
		t.Fatalf("memory %s durable %s, want 99", c.Balance, d.Balance)
	}
}

func ctrDurableOf(t testing.TB, db *DB, user string) UserCounters {
	t.Helper()
	d, _ := ctrDurable(t, db.pdb, user)
	return d
}

// The record holds exactly the charges whose Writes were applied: not the
// reservations still on their way.
func TestCountersDurableExcludesPending(t *testing.T) {
	db := openTest(t, Options{})
	if err := db.SetCounters("u", UserCounters{Balance: 10 * AmountUnit, HasBalance: true, SMS: 100, HasSMS: true}); err != nil {
		t.Fatal(err)
	}
	a, _ := db.Reserve("u", 1*AmountUnit, 1)
	bres, _ := db.Reserve("u", 2*AmountUnit, 1)
	c, _ := db.Reserve("u", 4*AmountUnit, 1)
	// Submitted in another order than reserved.
	if err := db.Do(c.Apply); err != nil {
		t.Fatal(err)
	}
	if d := ctrDurableOf(t, db, "u"); d.Balance != 6*AmountUnit || d.SMS != 99 {
		t.Fatalf("after c: %+v", d)
	}
	if err := db.Do(func(b *Batch) { a.Apply(b); bres.Apply(b) }); err != nil {
		t.Fatal(err)
	}
	if d := ctrDurableOf(t, db, "u"); d.Balance != 3*AmountUnit || d.SMS != 97 {
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
	start := 10 * AmountUnit
	price := ctrAmt(t, "0.3")
	if err := db.SetCounters("u", UserCounters{Balance: start, HasBalance: true, SMS: 1000, HasSMS: true}); err != nil {
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
				res, err := db.Reserve("u", price, 1)
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
							if d.Balance > start-Amount(n)*price {
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
	if err := db.SetCounters("u", UserCounters{Balance: ctrAmt(t, "5"), HasBalance: true, SMS: 50, HasSMS: true}); err != nil {
		t.Fatal(err)
	}
	for i := 0; i < 7; i++ {
		if err := ctrCharge(t, db, "u", ctrAmt(t, "0.07"), 2); err != nil {
			t.Fatal(err)
		}
	}
	// A reservation still in flight at the crash is not on disk.
	pending, err := db.Reserve("u", AmountUnit, 1)
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
		if _, err := db.Reserve(u, AmountUnit, 1); !errors.Is(err, ErrInvalidName) || !strings.Contains(err.Error(), "user") {
			t.Errorf("reserve for %q: %v", u, err)
		}
		if err := db.SetCounters(u, UserCounters{HasSMS: true}); !errors.Is(err, ErrInvalidName) {
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
	if err := db.SetCounters("u", UserCounters{Balance: 1 << 60, HasBalance: true, SMS: 1 << 60, HasSMS: true}); err != nil {
		b.Fatal(err)
	}
	batch := db.pdb.NewBatch()
	defer batch.Close()
	b.ReportAllocs()
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		res, err := db.Reserve("u", 1, 1)
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
			if _, err := db.Reserve("free", AmountUnit, 1); err != nil {
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
	plus5 := func(c UserCounters) (UserCounters, bool, error) {
		c.Balance += 5 * AmountUnit
		return c, false, nil
	}
	set20 := func(c UserCounters) (UserCounters, bool, error) {
		c.Balance = 20 * AmountUnit
		return c, true, nil
	}
	for _, tc := range []struct {
		name   string
		f      func(UserCounters) (UserCounters, bool, error)
		cancel bool
		want   string
	}{
		{"relative, charge lands", plus5, false, "12"},
		{"relative, charge cancelled", plus5, true, "15"},
		{"replace, charge lands", set20, false, "20"},
		{"replace, charge cancelled", set20, true, "20"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			db := openTest(t, Options{})
			if err := db.SetCounters("u", UserCounters{Balance: 10 * AmountUnit, HasBalance: true}); err != nil {
				t.Fatal(err)
			}
			res, err := db.Reserve("u", 3*AmountUnit, 0)
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
	if err := db.SetCounters("u", UserCounters{Balance: 10 * AmountUnit, HasBalance: true}); err != nil {
		t.Fatal(err)
	}
	boom := errors.New("below zero")
	if _, err := db.UpdateCounters("u", func(c UserCounters) (UserCounters, bool, error) {
		return UserCounters{}, true, boom
	}); !errors.Is(err, boom) {
		t.Fatalf("refusal: %v", err)
	}
	if c := ctrGet(t, db, "u"); c.Balance.String() != "10" {
		t.Fatalf("refused change changed the balance: %s", c.Balance)
	}
}
