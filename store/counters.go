package store

// Counters: each user's balance and sms_count quota (ledger.Counters),
// exact, and durable with the very message that changes them (no
// persistence timer, nothing to lose on a crash). The billing rules —
// what a message costs, what is taken at submit and what on
// submit_sm_resp — are router's (router.Bill); the store takes what it is
// told, atomically: ReserveCover at submit, Adjust on submit_sm_resp.
//
// One record per user: ksCounter | user → version 1 | flags | balance i64 |
// sms i64 (big-endian; flags bit 0: balance limited, bit 1: sms_count
// limited). A user with neither limit has no record.
//
// Memory is authoritative. Every user's counters are read from Pebble
// when the store opens (loadCounters) and from then on kept in memory under the user's own mutex, so
// the hot path neither reads the disk nor takes a lock shared by other
// users. ReserveCover checks and deducts in memory at once; what it returns, a
// Reservation, adds the user's record to the caller's own Write (the one
// that appends the message), so the charge and the message are one atomic
// batch.
//
// What the record holds. The in-memory value (mem) includes every change
// made, among them reservations whose Writes have not reached the
// committer yet (pending). When a Reservation's Apply runs, on the
// committer's goroutine and therefore in commit order, it moves its own
// delta out of pending and writes mem − pending: exactly the effect of
// every change whose Apply has already run, in this batch or an earlier
// one. Batches are atomic and become durable in order, so after a crash
// the record holds exactly the changes of the Writes that survived: never
// older than an acknowledged message (its Write was durable, hence every
// Write applied before it), and never charging for a message that was
// lost with the crash. Later writes supersede earlier ones and, being
// written in commit order, are never older.
//
// Administrative changes (SetCounters, UpdateCounters) take
// effect when their own Write is applied, so a Write refused (store
// closed, disk full) leaves nothing changed. SetCounters replaces the
// value outright: reservations made before it are forgotten (their Apply
// still writes the current value; their Cancel gives nothing back).

import (
	"encoding/binary"
	"errors"
	"fmt"
	"sync"

	"github.com/cockroachdb/pebble/v2"

	"github.com/gwd-project/gwd/router/ledger"
)

// Errors from counters.
var (
	ErrBadAmount           = errors.New("store: invalid amount")
	ErrAmountRange         = errors.New("store: amount out of range")
	ErrInsufficientBalance = errors.New("store: insufficient balance")
	ErrQuotaExceeded       = errors.New("store: sms_count quota exceeded")
)

func addAmount(a, b ledger.Money) (ledger.Money, bool) {
	s, ok := addInt(int64(a), int64(b))
	return ledger.Money(s), ok
}

func addInt(a, b int64) (int64, bool) {
	s := a + b
	if (b > 0 && s < a) || (b < 0 && s > a) {
		return 0, false
	}
	return s, true
}

const counterRecordLen = 18

func encodeCounters(c ledger.Counters) []byte {
	v := make([]byte, 2, counterRecordLen)
	v[0] = 1
	if c.HasBalance {
		v[1] |= 1
	}
	if c.HasSMS {
		v[1] |= 2
	}
	v = binary.BigEndian.AppendUint64(v, uint64(c.Balance))
	return binary.BigEndian.AppendUint64(v, uint64(c.SMS))
}

func decodeCounters(v []byte) (ledger.Counters, error) {
	if len(v) != counterRecordLen || v[0] != 1 || v[1]&^3 != 0 {
		return ledger.Counters{}, fmt.Errorf("corrupt counter record %x", v)
	}
	return ledger.Counters{
		HasBalance: v[1]&1 != 0,
		HasSMS:     v[1]&2 != 0,
		Balance:    ledger.Money(binary.BigEndian.Uint64(v[2:])),
		SMS:        int64(binary.BigEndian.Uint64(v[10:])),
	}.Normal(), nil
}

// userLedger is one user's counters in memory.
type userLedger struct {
	mu  sync.Mutex
	bad error // the stored record did not decode (loadCounters)
	key []byte
	mem ledger.Counters // every change made, pending ones included
	// Deltas in mem whose Writes have not been applied yet (this epoch).
	pendBal ledger.Money
	pendSMS int64
	// epoch counts SetCounters: a reservation from an older epoch was
	// superseded and changes nothing any more.
	epoch uint64
}

// applied is mem without the pending deltas: the effect of every change
// whose Write has been applied, which is what the record must say.
func (u *userLedger) applied() ledger.Counters {
	c := u.mem
	if c.HasBalance {
		c.Balance -= u.pendBal
	}
	if c.HasSMS {
		c.SMS -= u.pendSMS
	}
	return c
}

// write puts u's applied value into b; u.mu is held.
func (u *userLedger) write(b *Batch) {
	c := u.applied()
	if !c.HasBalance && !c.HasSMS {
		b.delete(u.key)
		return
	}
	b.set(u.key, encodeCounters(c))
}

// loadCounters reads every user's counter record into memory; Open calls
// it, so that the message path (ReserveCover on an event loop) never reads
// Pebble. A record that does not decode is kept as its error: that user's
// charges fail, as they would have when read later, and the others work.
func (db *DB) loadCounters() error {
	it, err := db.pdb.NewIter(&pebble.IterOptions{LowerBound: []byte{ksCounter}, UpperBound: []byte{ksCounter + 1}})
	if err != nil {
		return fmt.Errorf("load counters: %w", err)
	}
	st := db.ext()
	for it.First(); it.Valid(); it.Next() {
		key := append([]byte(nil), it.Key()...)
		user := string(key[1:])
		u := &userLedger{key: key}
		if m, derr := decodeCounters(it.Value()); derr != nil {
			u.bad = fmt.Errorf("counters %s: %w", user, derr)
		} else {
			u.mem = m
		}
		st.users.Store(user, u)
	}
	if err := it.Close(); err != nil {
		return fmt.Errorf("load counters: %w", err)
	}
	return nil
}

// lockUser returns user's ledger, locked. Every stored record was loaded
// at open (loadCounters): a user not met then has no record yet.
func (db *DB) lockUser(user string) (*userLedger, error) {
	if err := validObjectName("user", user); err != nil {
		return nil, err
	}
	st := db.ext()
	v, ok := st.users.Load(user)
	if !ok {
		v, _ = st.users.LoadOrStore(user, &userLedger{key: append([]byte{ksCounter}, user...)})
	}
	u := v.(*userLedger)
	u.mu.Lock()
	if u.bad != nil {
		u.mu.Unlock()
		return nil, u.bad
	}
	return u, nil
}

// Counters returns user's balance and sms_count as of now, reservations
// not yet durable included (what the user may still spend).
func (db *DB) Counters(user string) (ledger.Counters, error) {
	u, err := db.lockUser(user)
	if err != nil {
		return ledger.Counters{}, err
	}
	defer u.mu.Unlock()
	return u.mem, nil
}

// Reservation is a change to one user's counters made in memory and not
// yet written: Apply adds it to a Write's batch, Cancel takes it back. A
// nil *Reservation (nothing to change: unlimited user, zero charge) is
// valid and does nothing. Use one Reservation through one pointer; its
// methods are safe to call from any goroutine.
type Reservation struct {
	db    *DB
	u     *userLedger
	bal   ledger.Money // delta made to mem.Balance (negative: a debit)
	sms   int64        // delta made to mem.SMS
	epoch uint64
	state uint8 // resPending, resApplied, resCancelled; guarded by u.mu
}

const (
	resPending = iota
	resApplied
	resCancelled
)

// ReserveCover checks that user can pay a message and, if so, deducts it
// in memory at once and returns the Reservation to apply in the same
// Write as the message:
//
//	res, err := db.ReserveCover(user, bill.Total(), bill.Now(), parts)
//	if err != nil { … reject … }
//	q.Append(msgs, store.Write{Apply: res.Apply}, func(_ []uint64, err error) {
//		if err != nil { res.Cancel() }
//		…
//	})
//
// A limited balance must cover the whole bill, cover, as in Jasmin, but
// only take (at most cover: the early part with early_percent) is
// deducted now; the rest is charged later with Adjust, when the SMSC
// acknowledges. A limited sms_count must cover sms and loses it. An
// unlimited counter passes and is not changed. ErrInsufficientBalance
// (checked first) and ErrQuotaExceeded deduct nothing.
func (db *DB) ReserveCover(user string, cover, take ledger.Money, sms int64) (*Reservation, error) {
	if take < 0 || cover < take || sms < 0 {
		return nil, fmt.Errorf("%w: reserve %s (covering %s) and %d sms for %s: want 0 ≤ take ≤ cover and sms ≥ 0", ErrBadAmount, take, cover, sms, user)
	}
	u, err := db.lockUser(user)
	if err != nil {
		return nil, err
	}
	defer u.mu.Unlock()
	var dBal ledger.Money
	var dSMS int64
	if u.mem.HasBalance && cover > 0 {
		if u.mem.Balance < cover {
			return nil, fmt.Errorf("%s: balance %s, charge %s: %w", user, u.mem.Balance, cover, ErrInsufficientBalance)
		}
		dBal = -take
	}
	if u.mem.HasSMS && sms > 0 {
		if u.mem.SMS < sms {
			return nil, fmt.Errorf("%s: sms_count %d, need %d: %w", user, u.mem.SMS, sms, ErrQuotaExceeded)
		}
		dSMS = -sms
	}
	return db.change(u, dBal, dSMS)
}

// TookBalance reports whether r debits the balance: false for a user whose
// balance is unlimited, or whose charge had nothing to take now. The rest
// of a charge (Adjust on submit_sm_resp) is owed only when it did.
func (r *Reservation) TookBalance() bool { return r != nil && r.bal < 0 }

// Adjust changes user's limited counters by the signed deltas without any
// check (the balance may go negative): for charges that must happen, such
// as the rest of an early_percent charge when the SMSC acknowledges, or a
// credit folded into some other Write. Unlimited counters stay unlimited.
// Apply the result in a Write as with ReserveCover.
func (db *DB) Adjust(user string, balance ledger.Money, sms int64) (*Reservation, error) {
	u, err := db.lockUser(user)
	if err != nil {
		return nil, err
	}
	defer u.mu.Unlock()
	if !u.mem.HasBalance {
		balance = 0
	}
	if !u.mem.HasSMS {
		sms = 0
	}
	return db.change(u, balance, sms)
}

// change adds the deltas to mem and pending; u.mu is held.
func (db *DB) change(u *userLedger, dBal ledger.Money, dSMS int64) (*Reservation, error) {
	if dBal == 0 && dSMS == 0 {
		return nil, nil
	}
	nb, ok1 := addAmount(u.mem.Balance, dBal)
	pb, ok2 := addAmount(u.pendBal, dBal)
	ns, ok3 := addInt(u.mem.SMS, dSMS)
	ps, ok4 := addInt(u.pendSMS, dSMS)
	if !ok1 || !ok2 || !ok3 || !ok4 {
		return nil, fmt.Errorf("%w: %s: balance %s changed by %s, sms_count %d by %d", ErrAmountRange, u.key[1:], u.mem.Balance, dBal, u.mem.SMS, dSMS)
	}
	u.mem.Balance, u.pendBal, u.mem.SMS, u.pendSMS = nb, pb, ns, ps
	return &Reservation{db: db, u: u, bal: dBal, sms: dSMS, epoch: u.epoch}, nil
}

// Apply writes the user's counters into b, as they stand once this
// change (and every change applied before it) is in. Call it from a
// Write's Apply, on the committer. Applying again rewrites the current
// value; after Cancel it does nothing.
func (r *Reservation) Apply(b *Batch) {
	if r == nil {
		return
	}
	u := r.u
	u.mu.Lock()
	defer u.mu.Unlock()
	switch r.state {
	case resCancelled:
		return
	case resPending:
		r.state = resApplied
		if r.epoch == u.epoch {
			u.pendBal -= r.bal
			u.pendSMS -= r.sms
		}
	}
	u.write(b)
}

// Cancel gives the reserved amounts back: call it when the Write carrying
// the Reservation failed, or when it will not be submitted after all.
// Cancelling twice, or a Reservation superseded by SetCounters, does
// nothing. If Apply had already run (the batch failed after it), Cancel
// submits a write of the corrected value.
func (r *Reservation) Cancel() {
	if r == nil {
		return
	}
	u := r.u
	u.mu.Lock()
	was := r.state
	if was == resCancelled {
		u.mu.Unlock()
		return
	}
	r.state = resCancelled
	if r.epoch != u.epoch {
		u.mu.Unlock()
		return
	}
	// Taking back a debit cannot overflow: it restores an earlier value.
	u.mem.Balance -= r.bal
	u.mem.SMS -= r.sms
	if was == resPending {
		u.pendBal -= r.bal
		u.pendSMS -= r.sms
	}
	u.mu.Unlock()
	if was == resApplied {
		r.db.Submit(Write{
			Apply: func(b *Batch) { u.mu.Lock(); u.write(b); u.mu.Unlock() },
			Done:  func(error) {},
		})
	}
}

// adminChange runs f on user's counters when its Write is applied, writes
// the result in that Write, and waits until it is durable. f's error
// leaves the counters as they were (f must then change nothing).
func (db *DB) adminChange(user string, f func(u *userLedger) error) (ledger.Counters, error) {
	u, err := db.lockUser(user)
	if err != nil {
		return ledger.Counters{}, err
	}
	u.mu.Unlock()
	var ferr error
	var after ledger.Counters
	err = db.Do(func(b *Batch) {
		u.mu.Lock()
		defer u.mu.Unlock()
		if ferr = f(u); ferr == nil {
			u.write(b)
		}
		after = u.mem
	})
	if err != nil {
		return ledger.Counters{}, fmt.Errorf("counters %s: %w", user, err)
	}
	if ferr != nil {
		return after, fmt.Errorf("counters %s: %w", user, ferr)
	}
	return after, nil
}

// SetCounters replaces user's balance and sms_count (jCli's quota balance
// 44.2 / sms_count none) and returns once that is durable. Reservations
// made before it no longer count. The zero ledger.Counters makes the user
// unlimited and removes the record.
func (db *DB) SetCounters(user string, c ledger.Counters) error {
	c = c.Normal()
	_, err := db.adminChange(user, func(u *userLedger) error {
		u.epoch++
		u.mem = c
		u.pendBal, u.pendSMS = 0, 0
		return nil
	})
	return err
}

// UpdateCounters runs f on user's counters as they stand, charges
// reserved but not yet written included, and writes its result in the
// same step, so that no charge made meanwhile is lost (a read, change and
// SetCounters would lose them). With replace (a counter set to a value
// rather than moved by +N / -N), reservations made before no longer
// count, as with SetCounters. It returns the counters once durable; f's
// error changes nothing and is returned.
func (db *DB) UpdateCounters(user string, f func(ledger.Counters) (c ledger.Counters, replace bool, err error)) (ledger.Counters, error) {
	return db.adminChange(user, func(u *userLedger) error {
		c, replace, err := f(u.mem)
		if err != nil {
			return err
		}
		u.mem = c.Normal()
		if replace {
			u.epoch++
			u.pendBal, u.pendSMS = 0, 0
		}
		return nil
	})
}
