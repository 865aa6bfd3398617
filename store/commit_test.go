package store

import (
	"errors"
	"os"
	"path/filepath"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/cockroachdb/pebble/v2"
)

func openTest(t testing.TB, opts Options) *DB {
	t.Helper()
	db, err := Open(filepath.Join(t.TempDir(), "store"), opts)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = db.Close() })
	return db
}

func TestGroupCommitManyWriters(t *testing.T) {
	db := openTest(t, Options{})
	var wg sync.WaitGroup
	const writers, each = 64, 50
	for w := 0; w < writers; w++ {
		wg.Add(1)
		go func(w int) {
			defer wg.Done()
			for i := 0; i < each; i++ {
				k := []byte{ksCounter, byte(w), byte(i)}
				if err := db.Do(func(b *Batch) { b.set(k, []byte("v")) }); err != nil {
					t.Error(err)
					return
				}
			}
		}(w)
	}
	wg.Wait()
	st := db.CommitStats()
	if st.Writes != writers*each {
		t.Fatalf("writes %d, want %d", st.Writes, writers*each)
	}
	if st.Commits >= st.Writes {
		t.Fatalf("%d commits for %d writes: nothing was grouped", st.Commits, st.Writes)
	}
	for w := 0; w < writers; w++ {
		for i := 0; i < each; i++ {
			v, c, err := db.pdb.Get([]byte{ksCounter, byte(w), byte(i)})
			if err != nil || string(v) != "v" {
				t.Fatalf("key %d/%d: %v", w, i, err)
			}
			c.Close()
		}
	}
}

func TestOpenRefusesForeignAndLocked(t *testing.T) {
	dir := t.TempDir()
	if err := os.WriteFile(filepath.Join(dir, "notes.txt"), []byte("mine"), 0o600); err != nil {
		t.Fatal(err)
	}
	if _, err := Open(dir, Options{}); !errors.Is(err, ErrForeign) {
		t.Fatalf("foreign dir: %v, want ErrForeign", err)
	}
	// A Pebble database without gwd's marker.
	other := filepath.Join(t.TempDir(), "other")
	pdb, err := pebble.Open(other, &pebble.Options{})
	if err != nil {
		t.Fatal(err)
	}
	_ = pdb.Set([]byte("x"), []byte("y"), pebble.Sync)
	pdb.Close()
	if _, err := Open(other, Options{}); !errors.Is(err, ErrForeign) {
		t.Fatalf("foreign pebble db: %v, want ErrForeign", err)
	}
	// A second opener of a live store.
	live := filepath.Join(t.TempDir(), "live")
	db, err := Open(live, Options{})
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	if _, err := Open(live, Options{}); !errors.Is(err, ErrLocked) {
		t.Fatalf("second open: %v, want ErrLocked", err)
	}
}

func TestClosedStoreRefusesWrites(t *testing.T) {
	db := openTest(t, Options{})
	_ = db.Close()
	if err := db.Do(func(b *Batch) {}); !errors.Is(err, ErrClosed) {
		t.Fatalf("write after close: %v", err)
	}
}

func TestLowDiskRefusesWritesAndStoresNothing(t *testing.T) {
	// A free-space floor no disk meets stands in for a full disk.
	db := openTest(t, Options{MinFreeBytes: 1 << 62})
	q, err := db.Queue("q")
	if err == nil {
		t.Fatalf("queue creation wrote to a full disk: %v", q)
	}
	if !errors.Is(err, ErrDiskFull) {
		t.Fatalf("queue creation on a full disk: %v, want ErrDiskFull", err)
	}
	if err := db.Do(func(b *Batch) { b.set([]byte{ksCounter, 'x'}, []byte("v")) }); !errors.Is(err, ErrDiskFull) {
		t.Fatalf("write on a full disk: %v, want ErrDiskFull", err)
	}
	if _, c, err := db.pdb.Get([]byte{ksCounter, 'x'}); err == nil {
		c.Close()
		t.Fatal("a refused write reached the store")
	}
}

// Under the free-space floor but above a quarter of it, new work is
// refused while acks and other writes go on, so queued traffic drains;
// under a quarter, everything is refused.
func TestLowDiskRefusesNewWorkButDrains(t *testing.T) {
	const floor = 64 << 20
	var free atomic.Uint64
	free.Store(1 << 40)
	db := openTest(t, Options{MinFreeBytes: floor, FreeSpace: func(string) (uint64, error) { return free.Load(), nil }})
	q, err := db.Queue("mt/x")
	if err != nil {
		t.Fatal(err)
	}
	appendSync(t, q, msg(0, "queued"))
	free.Store(floor / 2)
	db.c.checkDisk()
	newWork := make(chan error, 1)
	q.AppendNew([]NewMsg{{Payload: []byte("new")}}, Write{}, func(_ []uint64, err error) { newWork <- err })
	if err := <-newWork; !errors.Is(err, ErrDiskFull) {
		t.Fatalf("new work under the floor: %v, want ErrDiskFull", err)
	}
	if err := appendErr(q, msg(0, "receipt")); err != nil {
		t.Fatalf("a non-admitted append under the floor: %v, want it stored", err)
	}
	m := take(t, q)
	if m == nil || string(m.Payload) != "queued" {
		t.Fatalf("took %v, want the queued message", m)
	}
	acked := make(chan error, 1)
	q.Ack(m, Write{}, func(err error) { acked <- err })
	if err := <-acked; err != nil {
		t.Fatalf("ack under the floor: %v, want it to drain", err)
	}
	m = take(t, q)
	if m == nil || string(m.Payload) != "receipt" {
		t.Fatalf("took %v, want the receipt", m)
	}
	free.Store(floor / 8)
	db.c.checkDisk()
	if err := appendErr(q, msg(0, "more")); !errors.Is(err, ErrDiskFull) {
		t.Fatalf("append under a quarter of the floor: %v, want ErrDiskFull", err)
	}
	// An ack waits out the critical disk instead of failing (the message
	// would stay leased, its DLR mapping unwritten, until a restart).
	q.Ack(m, Write{}, func(err error) { acked <- err })
	select {
	case err := <-acked:
		t.Fatalf("an ack under a quarter of the floor ended with %v, want it parked", err)
	case <-time.After(100 * time.Millisecond):
	}
	free.Store(1 << 40)
	db.c.checkDisk()
	if err := <-acked; err != nil {
		t.Fatalf("the parked ack once space returned: %v", err)
	}
	if st := q.Stats(); st.Total() != 0 {
		t.Fatalf("queue holds %d after the parked ack, want 0", st.Total())
	}
	q.AppendNew([]NewMsg{{Payload: []byte("again")}}, Write{}, func(_ []uint64, err error) { newWork <- err })
	if err := <-newWork; err != nil {
		t.Fatalf("new work once space returned: %v", err)
	}
}

// With a CommitInterval, a commit waits for more writers: two Writes
// submitted 50 ms apart share one commit, and the first is durable no
// sooner than the interval after it arrived (without the interval it
// commits at once, alone).
func TestCommitInterval(t *testing.T) {
	const iv = 300 * time.Millisecond
	db := openTest(t, Options{CommitInterval: iv})
	commits := db.CommitStats().Commits
	put := func(k byte, done chan time.Time) {
		db.Submit(Write{Apply: func(b *Batch) { b.set([]byte{ksCounter, k}, []byte("v")) },
			Done: func(err error) {
				if err != nil {
					t.Error(err)
				}
				done <- time.Now()
			}})
	}
	start := time.Now()
	first, second := make(chan time.Time, 1), make(chan time.Time, 1)
	put(1, first)
	time.Sleep(50 * time.Millisecond)
	put(2, second)
	at1, _ := <-first, <-second
	if n := db.CommitStats().Commits - commits; n != 1 {
		t.Fatalf("%d commits, want the two writes in one", n)
	}
	if d := at1.Sub(start); d < iv {
		t.Fatalf("the first write was durable after %v, within the %v interval", d, iv)
	}
}

// The free-space floor is measured while the committer is busy too: a
// disk that fills under steady load refuses writes, and accepts them
// again once space returns.
func TestDiskFillingUnderLoadRefusesWrites(t *testing.T) {
	var full atomic.Bool
	db := openTest(t, Options{NoSync: true, FreeSpace: func(string) (uint64, error) {
		if full.Load() {
			return 0, nil
		}
		return 1 << 40, nil
	}})
	// 32 writers, each submitting again as soon as its write is done,
	// keep writes pending at every turn of the committer's loop.
	results := make(chan error, 32)
	var stop atomic.Bool
	var submit func()
	submit = func() {
		db.Submit(Write{Apply: func(*Batch) { time.Sleep(100 * time.Microsecond) }, Done: func(err error) {
			if err != nil || stop.Load() {
				results <- err
				return
			}
			submit()
		}})
	}
	for range cap(results) {
		submit()
	}
	time.Sleep(50 * time.Millisecond)
	full.Store(true)
	deadline := time.After(10 * time.Second)
	for range cap(results) {
		select {
		case err := <-results:
			if !errors.Is(err, ErrDiskFull) {
				t.Fatalf("a writer ended with %v, want ErrDiskFull", err)
			}
		case <-deadline:
			stop.Store(true)
			t.Fatal("a disk full under load never refused a write")
		}
	}
	full.Store(false)
	for i := 0; db.Do(func(*Batch) {}) != nil; i++ {
		if i == 500 {
			t.Fatal("writes still refused once space returned")
		}
		time.Sleep(10 * time.Millisecond)
	}
}
