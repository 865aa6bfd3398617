package store

import (
	"errors"
	"fmt"
	"path/filepath"
	"testing"
	"time"

	"github.com/gwd-project/gwd/router/ledger"
)

// appendErr appends and returns the outcome.
func appendErr(q *Queue, msgs ...NewMsg) error {
	ch := make(chan error, 1)
	q.Append(msgs, Write{}, func(_ []uint64, err error) { ch <- err })
	return <-ch
}

// takeAll leases every ready message of q, without acking them.
func takeAll(t *testing.T, q *Queue) []string {
	t.Helper()
	var got []string
	for m := take(t, q); m != nil; m = take(t, q) {
		got = append(got, string(m.Payload))
	}
	return got
}

// mustOpen opens dir with opts, closing it when the test ends.
func mustOpen(t *testing.T, dir string, opts Options) *DB {
	t.Helper()
	db, err := Open(dir, opts)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = db.Close() })
	return db
}

// A WAL that stops writing and syncing fails the store: the process goes
// on (Pebble's fatal no longer exits), the batch that met the fault and
// every later one are refused with ErrFailed — also once the disk works
// again, since Pebble already shows the failed batch's records — no
// refused message is ever taken from the queue, and after a restart every
// message acknowledged before the fault is there.
func TestSyncFaultFailsTheStore(t *testing.T) {
	dir := filepath.Join(t.TempDir(), "store")
	faults := &FaultSwitch{}
	db := mustOpen(t, dir, Options{Faults: faults})
	q, err := db.Queue("smppc:a")
	if err != nil {
		t.Fatal(err)
	}
	q.maxResident = 2 // the later messages live on disk only: refill reads them
	for i := range 5 {
		appendSync(t, q, msg(0, fmt.Sprintf("acked%d", i)))
	}
	if db.Failed() != nil {
		t.Fatalf("Failed before any fault: %v", db.Failed())
	}

	faults.Trip()
	if err := appendErr(q, msg(0, "refused-at-fault")); err == nil {
		t.Fatal("append with a failing WAL: acknowledged")
	}
	if !errors.Is(db.Failed(), ErrFailed) {
		t.Fatalf("Failed() = %v, want ErrFailed", db.Failed())
	}
	faults.Reset() // the disk answers again; Pebble's state is not trusted
	for i := range 3 {
		if err := appendErr(q, msg(0, fmt.Sprintf("refused-after%d", i))); !errors.Is(err, ErrFailed) {
			t.Fatalf("append after the failure: %v, want ErrFailed", err)
		}
	}
	if err := db.Do(func(b *Batch) { b.set([]byte{ksCounter, 'x'}, encodeCounters(ledger.Counters{})) }); !errors.Is(err, ErrFailed) {
		t.Fatalf("Do after the failure: %v, want ErrFailed", err)
	}

	got := takeAll(t, q)
	if want := "[acked0 acked1 acked2 acked3 acked4]"; fmt.Sprint(got) != want {
		t.Fatalf("taken after the failure: %v, want %s", got, want)
	}
	_ = db.Close() // may report the fault; the acked messages are in the synced WAL

	db = mustOpen(t, dir, Options{})
	q, err = db.Queue("smppc:a")
	if err != nil {
		t.Fatal(err)
	}
	if db.Failed() != nil {
		t.Fatalf("reopened store: Failed() = %v", db.Failed())
	}
	got = nil
	for _, p := range drain(t, q) {
		if len(p) > 5 && p[:5] == "acked" {
			got = append(got, p)
		}
	}
	if want := "[acked0 acked1 acked2 acked3 acked4]"; fmt.Sprint(got) != want {
		t.Fatalf("acknowledged messages after the restart: %v, want %s", got, want)
	}
}

// Every user's counters are in memory once the store is open: the first
// charge after a start does not read Pebble on an event loop.
func TestCountersLoadedAtOpen(t *testing.T) {
	dir := filepath.Join(t.TempDir(), "store")
	db := mustOpen(t, dir, Options{})
	const users = 1000
	for i := range users {
		if err := db.SetCounters(fmt.Sprintf("u%d", i), ledger.Counters{HasBalance: true, Balance: ledger.Money(i), HasSMS: true, SMS: int64(i)}); err != nil {
			t.Fatal(err)
		}
	}
	if err := db.Close(); err != nil {
		t.Fatal(err)
	}
	db = mustOpen(t, dir, Options{})
	n := 0
	db.ext().users.Range(func(k, v any) bool {
		u := v.(*userLedger)
		var i int
		if _, err := fmt.Sscanf(k.(string), "u%d", &i); err != nil || u.bad != nil {
			t.Errorf("user %v: %v %v", k, err, u.bad)
			return true
		}
		if u.mem.Balance != ledger.Money(i) || u.mem.SMS != int64(i) {
			t.Errorf("user %v in memory: %+v", k, u.mem)
		}
		n++
		return true
	})
	if n != users {
		t.Fatalf("%d users' counters in memory after open, want %d", n, users)
	}
	if c, err := db.Counters("u999"); err != nil || c.SMS != 999 {
		t.Fatalf("Counters(u999) = %+v, %v", c, err)
	}
}

// One failed fsync, then a disk that works again: the batch that failed
// was applied to Pebble before its sync, so a later batch that synced
// would make it readable (a queue's durable sequence number moves past
// it and a refill from disk reads it). The store fails instead: the later
// batch is refused too, and the message refused to its sender is never
// taken.
func TestFailedSyncNeverVisible(t *testing.T) {
	faults := &FaultSwitch{}
	db := openTest(t, Options{Faults: faults})
	q, err := db.Queue("smppc:a")
	if err != nil {
		t.Fatal(err)
	}
	q.maxResident = 1 // past the first, messages are read back from disk
	appendSync(t, q, msg(0, "acked0"))
	appendSync(t, q, msg(0, "acked1"))
	faults.FailNextSync()
	if err := appendErr(q, msg(0, "refused")); err == nil {
		t.Fatal("append whose sync failed: acknowledged")
	}
	// A memtable rotation (a full memtable; here forced) would start a new
	// WAL (on main: Pebble panics rotating the failed one).
	if err := db.Flush(); !errors.Is(err, ErrFailed) {
		t.Fatalf("Flush after a failed sync: %v, want ErrFailed", err)
	}
	var later error
	for i := range 3 {
		later = appendErr(q, msg(0, fmt.Sprintf("later%d", i)))
	}
	got := takeAll(t, q)
	for _, p := range got {
		if p == "refused" {
			t.Fatalf("the message whose sync failed was taken: %v (the later append: %v)", got, later)
		}
	}
	if !errors.Is(later, ErrFailed) {
		t.Fatalf("append after a failed sync: %v, want ErrFailed", later)
	}
}

// With sync off Pebble acknowledges before its WAL is written, so a WAL
// that stops writing is not seen by the commits: the committer's check,
// once a second, syncs the WAL and fails the store, and writes are
// refused from then on (on main they went on being acknowledged until a
// memtable rotation crashed the process).
func TestNoSyncWALFaultFailsTheStore(t *testing.T) {
	faults := &FaultSwitch{}
	db := openTest(t, Options{NoSync: true, Faults: faults})
	q, err := db.Queue("smppc:a")
	if err != nil {
		t.Fatal(err)
	}
	appendSync(t, q, msg(0, "before"))
	faults.Trip()
	deadline := time.Now().Add(10 * time.Second)
	for i := 0; ; i++ {
		err := appendErr(q, msg(0, fmt.Sprintf("after%d", i)))
		if errors.Is(err, ErrFailed) {
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("appends with a failed WAL and sync off still answered %v after 10 s", err)
		}
		time.Sleep(20 * time.Millisecond)
	}
	if !errors.Is(db.Failed(), ErrFailed) {
		t.Fatalf("Failed() = %v", db.Failed())
	}
}
